/**
 * Runs commands on this machine through execa: for running inside an SGLang container already
 * (the seed's INSIDE_CONTAINER), and for tests against the simulator.
 * Each command gets its own process group so a timeout or cancel kills the whole tree (SGLang's
 * launch_server forks one scheduler per GPU; killing only the parent leaves them holding the GPUs).
 * Every command carries SGLBENCH_OWNER (see leftovers.ts) so a run that was SIGKILLed can be cleaned
 * up by the next one, and groups still alive when this process exits are SIGKILLed on the way out.
 */
import { createInterface } from "node:readline";
import { execa, type ResultPromise } from "execa";
import {
  DEFAULT_KILL_GRACE_MS,
  type BackgroundProcess,
  type ExecOptions,
  type ExecResult,
  type Executor,
} from "./executor.js";
import { OWNER_ENV, ownerToken } from "./leftovers.js";

export interface LocalExecutorOptions {
  /** Base environment (default: this process's). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** SIGTERM → SIGKILL grace (default 5 s). */
  killGraceMs?: number;
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH")
      throw new Error(`Cannot ${signal} process group ${pid}`, { cause: error });
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every group any LocalExecutor started that still runs: killed synchronously if this process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** SIGKILLs every process group still running (the last resort on exit or a forced shutdown). */
export function killAllGroupsNow(): void {
  for (const pid of liveGroups) {
    try {
      killGroup(pid, "SIGKILL");
    } catch {
      // not ours to kill any more (EPERM): nothing else to do on the way out
    }
  }
}

function trackGroup(pid: number | undefined): () => void {
  if (pid === undefined) return () => undefined;
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", killAllGroupsNow);
  }
  liveGroups.add(pid);
  return () => liveGroups.delete(pid);
}

/** Executor for this machine. */
export class LocalExecutor implements Executor {
  readonly description = "local";
  private readonly live = new Set<Running>();

  constructor(private readonly options: LocalExecutorOptions = {}) {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const running = this.start(argv, options);
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        running.timedOut = true;
        void running.stop(this.grace());
      }, options.timeoutMs);
    }
    try {
      return await running.done;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async spawnBackground(
    argv: readonly string[],
    options: Omit<ExecOptions, "timeoutMs"> = {},
  ): Promise<BackgroundProcess> {
    const running = this.start(argv, options);
    return {
      done: running.done,
      running: () => !running.ended,
      stop: (graceMs = this.grace()) => running.stop(graceMs),
    };
  }

  /** Kills every process group this executor started that is still alive. */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((r) => r.stop(this.grace())));
  }

  private grace(): number {
    return this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  private start(argv: readonly string[], options: ExecOptions): Running {
    const [file, ...args] = argv;
    if (!file) throw new Error("Cannot run an empty command");
    const started = Date.now();
    const child = execa(file, args, {
      env: { ...this.options.env, ...options.env, [OWNER_ENV]: ownerToken() },
      extendEnv: this.options.env === undefined,
      cwd: options.cwd ?? this.options.cwd,
      detached: true,
      stdin: "ignore",
      buffer: false,
      reject: false,
      // We kill the group ourselves; execa's own cleanup would only kill the direct child.
      cleanup: false,
    });
    const running = new Running(child, started, options, this.grace());
    this.live.add(running);
    const untrack = trackGroup(child.pid);
    void running.done.finally(() => {
      untrack();
      this.live.delete(running);
    });
    return running;
  }
}

/** One started process group. */
class Running {
  timedOut = false;
  cancelled = false;
  ended = false;
  readonly done: Promise<ExecResult>;
  private stopping: Promise<ExecResult> | undefined;

  constructor(
    private readonly child: ResultPromise,
    started: number,
    options: ExecOptions,
    graceMs: number,
  ) {
    const onAbort = (): void => {
      this.cancelled = true;
      void this.stop(graceMs);
    };
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    // stdout and stderr read separately so a line from one never splices into a partial line of the other.
    const linesDone = Promise.all(
      [child.stdout, child.stderr].map(
        (stream) =>
          new Promise<void>((resolve) => {
            if (!stream) return resolve();
            const lines = createInterface({ input: stream, crlfDelay: Infinity });
            lines.on("line", (line) => options.onLine?.(line));
            lines.on("close", resolve);
          }),
      ),
    );
    this.done = (async () => {
      const result = await child;
      await linesDone;
      this.ended = true;
      options.signal?.removeEventListener("abort", onAbort);
      // The parent may have gone while children of its group still run (a forked scheduler): reap them.
      if (child.pid !== undefined && groupAlive(child.pid)) killGroup(child.pid, "SIGKILL");
      const spawnFailed = result.failed && result.exitCode === undefined && result.signal === undefined;
      if (spawnFailed)
        options.onLine?.(`sglbench: cannot start ${String(result.command)}: ${result.shortMessage ?? result.message}`);
      return {
        exitCode: result.exitCode ?? (spawnFailed ? 127 : null),
        signal: result.signal ?? null,
        timedOut: this.timedOut,
        cancelled: this.cancelled,
        durationMs: Date.now() - started,
      };
    })();
  }

  /** SIGTERM the group, then SIGKILL after the grace period. */
  stop(graceMs: number): Promise<ExecResult> {
    if (this.ended) return this.done;
    this.stopping ??= (async () => {
      killGroup(this.child.pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(this.child.pid, "SIGKILL"), graceMs);
      try {
        return await this.done;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.stopping;
  }
}
