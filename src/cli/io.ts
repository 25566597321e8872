import { parseArgs, type ParseArgsConfig } from "node:util";
import { flagErrorMessage } from "./flag-errors.js";

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

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

/** Exit codes shared by all commands (README table). `unreadable`: the input (data dir, history) could not be read. */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3, unreadable: 4 } as const;

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

/** The first line of a command's usage text: all a usage error shows under its message. */
export function synopsis(usageText: string): string {
  return usageText.split("\n", 1)[0] ?? usageText;
}

/** Prints `sglbench <command>: <message>` and the command's synopsis on stderr; returns exit 2. */
export function usageError(io: CliIO, command: string, message: string, usageText: string): number {
  io.stderr(`sglbench ${command}: ${message}\n${synopsis(usageText)}\n`);
  return EXIT.usage;
}

type Parsed<O extends FlagOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/** parseArgs in strict mode; a bad flag throws a UsageError with a one-line message. */
export function parseStrict<O extends FlagOptions>(argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: true, options });
  } catch (error: unknown) {
    throw new UsageError(flagErrorMessage(error, Object.keys(options)), { cause: error });
  }
}

/** What `parseFlags` returns on success: the flags, positionals and a usage-error helper (exit 2). */
export interface ParsedFlags<O extends FlagOptions> {
  values: Parsed<O>["values"];
  positionals: string[];
  /** Prints `sglbench <command>: <message>` and the synopsis on stderr; returns the usage exit code. */
  usage: (message: string) => number;
}

/**
 * Parses a command's flags in strict mode, the same way for every command: an unknown flag or a
 * missing value prints a one-line message and the synopsis (exit 2), `--help`/`-h` prints the
 * usage (exit 0). Returns the parsed flags, or the exit code when the command should stop.
 */
export function parseFlags<O extends FlagOptions>(
  command: string,
  usageText: string,
  argv: string[],
  options: O,
  io: CliIO,
  { positionals = false }: { positionals?: boolean } = {},
): ParsedFlags<O> | number {
  const usage = (message: string): number => usageError(io, command, message, usageText);
  let parsed;
  try {
    parsed = parseStrict(argv, { ...options, help: { type: "boolean", short: "h" } });
  } catch (error: unknown) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  if ((parsed.values as Record<string, unknown>).help) {
    io.stdout(usageText);
    return EXIT.ok;
  }
  if (!positionals && parsed.positionals.length > 0) return usage(`unexpected argument "${parsed.positionals[0]}"`);
  return { values: parsed.values as ParsedFlags<O>["values"], positionals: parsed.positionals, usage };
}
