/** What a CLI command may touch: its streams and environment, so tests can run commands in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stdout is an interactive terminal (progress bars) rather than CI logs. */
  isTTY: boolean;
}

/** A command takes its own argv (after the command name) and returns the process exit code. */
export type CommandRun = (argv: string[], io: CliIO) => Promise<number>;

export interface CommandModule {
  /** One line for `sglbench --help`. */
  summary: string;
  run: CommandRun;
}

/** Exit codes shared by all commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3 } as const;

/** An error in how the command was called: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

export function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY) && !process.env.CI,
  };
}
