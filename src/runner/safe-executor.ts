/**
 * Wraps an executor so an error starting a command (container gone, engine unreachable) becomes a
 * failed command (exit 127 plus a line saying why) instead of an exception that would abandon the run:
 * the failure is then recorded on the point like any other, and the rest of the suite still runs.
 */
import type { BackgroundProcess, ExecOptions, ExecResult, Executor } from "./executor.js";
import { errorMessage } from "../core/util/index.js";

const failed = (started: number): ExecResult => ({
  exitCode: 127,
  signal: null,
  timedOut: false,
  cancelled: false,
  durationMs: Date.now() - started,
});

/** The wrapped executor. */
export function safeExecutor(inner: Executor): Executor {
  return {
    description: inner.description,
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
      const started = Date.now();
      try {
        return await inner.exec(argv, options);
      } catch (error: unknown) {
        options.onLine?.(`sglbench: cannot run ${argv[0] ?? "?"} on ${inner.description}: ${errorMessage(error)}`);
        return failed(started);
      }
    },
    async spawnBackground(argv, options = {}): Promise<BackgroundProcess> {
      const started = Date.now();
      try {
        return await inner.spawnBackground(argv, options);
      } catch (error: unknown) {
        options.onLine?.(`sglbench: cannot start ${argv[0] ?? "?"} on ${inner.description}: ${errorMessage(error)}`);
        const done = Promise.resolve(failed(started));
        return { done, running: () => false, stop: () => done };
      }
    },
    ...(inner.close ? { close: () => inner.close?.() ?? Promise.resolve() } : {}),
  };
}
