/**
 * The one small interface the suite runner uses to run SGLang commands, whether on this machine
 * ({@link ./local-executor.ts}) or inside a Docker container ({@link ./docker-executor.ts}).
 * Every step is bounded: a timeout, a cancel signal, and a forced kill of the whole process tree.
 */

/** Options for one command. */
export interface ExecOptions {
  /** Added to (and overriding) the executor's base environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the command after this long (grace period, then SIGKILL). Absent → no limit. */
  timeoutMs?: number;
  /** Aborting kills the command (grace period, then SIGKILL); the result says `cancelled`. */
  signal?: AbortSignal;
  /** Called with each output line (stdout and stderr interleaved as they arrive), without the newline. */
  onLine?: (line: string) => void;
}

/** How a command ended. */
export interface ExecResult {
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  /** Signal name when killed by one. */
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
}

/** A command running in the background (the server). */
export interface BackgroundProcess {
  /** Resolves when the process ends, however it ends. */
  readonly done: Promise<ExecResult>;
  /** True until the process has ended. */
  running(): boolean;
  /** SIGTERM the whole process group, wait `graceMs`, then SIGKILL; resolves when it has ended. */
  stop(graceMs?: number): Promise<ExecResult>;
}

/** Runs commands somewhere: on this machine or in a container. */
export interface Executor {
  /** Short description for logs (`local`, `docker sgl-dev_20250623`). */
  readonly description: string;
  /** Runs argv to completion (argv[0] is the program, looked up on PATH). Never throws for a non-zero exit. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts argv in the background; output goes to `onLine`. */
  spawnBackground(argv: readonly string[], options?: Omit<ExecOptions, "timeoutMs">): Promise<BackgroundProcess>;
  /** Releases what the executor holds (containers it started); idempotent. */
  close?(): Promise<void>;
}

/** Grace between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
