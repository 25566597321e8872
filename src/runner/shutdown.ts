/**
 * One process-wide cancellation for long commands (`online`, `offline`, `compare-pr`, `nightly`, the
 * Action): SIGTERM (a cancelled Actions job, a workflow timeout, `docker stop`) or SIGINT (Ctrl-C)
 * aborts {@link shutdownSignal}. Everything that runs commands listens to it, so the running
 * command's process tree is stopped, the run folder marks what did not run as cancelled and the
 * report is written with what finished. The command then exits 143 (SIGTERM) or 130 (SIGINT).
 *
 * If that orderly stop takes longer than the grace period, or a second signal arrives, the
 * registered cleanups run (SIGKILL of our process groups, container removal) and the process exits.
 */

/** Signals that stop a long command. */
export type StopSignal = "SIGTERM" | "SIGINT";

const SIGNAL_NUMBER: Record<StopSignal, number> = { SIGINT: 2, SIGTERM: 15 };

/** The shell convention: 128 + signal number (130 SIGINT, 143 SIGTERM). */
export function interruptedExitCode(signal: StopSignal): number {
  return 128 + SIGNAL_NUMBER[signal];
}

/** Thrown as the abort reason: names the signal, so reports say why a point was cancelled. */
export class InterruptedError extends Error {
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
    this.name = "InterruptedError";
  }
}

let controller = new AbortController();
let received: StopSignal | undefined;
const cleanups = new Set<() => Promise<void> | void>();

/** Aborted once a stop signal arrived (or {@link requestShutdown} was called). */
export function shutdownSignal(): AbortSignal {
  return controller.signal;
}

/** The signal that stopped us, if any. */
export function shutdownReason(): StopSignal | undefined {
  return received;
}

/** What a stop signal does: abort the shared signal (idempotent). Exported for tests and embedders. */
export function requestShutdown(signal: StopSignal): void {
  if (received) return;
  received = signal;
  controller.abort(new InterruptedError(signal));
}

/** For tests: a fresh, un-aborted shared signal. */
export function resetShutdown(): void {
  controller = new AbortController();
  received = undefined;
}

/**
 * Registers something to release when the orderly stop is too slow (an executor's close()).
 * Returns the function that unregisters it (call it once the thing is released normally).
 */
export function onForcedShutdown(cleanup: () => Promise<void> | void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered cleanup, each bounded, none throwing. */
export async function runForcedCleanups(timeoutMs = 5_000): Promise<void> {
  const all = [...cleanups].map(async (c) => {
    try {
      await c();
    } catch {
      // best effort: the process is about to exit
    }
  });
  cleanups.clear();
  await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}

/** Options for {@link installShutdownHandlers}. */
export interface ShutdownHandlerOptions {
  /** Where to say what happens (stderr). */
  log: (line: string) => void;
  /** How long the orderly stop may take before the forced one (default 10 s, or SGLBENCH_SHUTDOWN_GRACE_S). */
  graceMs?: number;
  /** Ends the process (default process.exit); injected in tests. */
  exit?: (code: number) => void;
}

/** The default grace: the command's own SIGTERM → SIGKILL (5 s) plus time to write the report. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.SGLBENCH_SHUTDOWN_GRACE_S);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

/**
 * Installs the SIGTERM/SIGINT handlers of a long command's process. Returns the uninstaller.
 * Without them Node exits 143 at once and leaves the server (and its container) running.
 */
export function installShutdownHandlers(options: ShutdownHandlerOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let timer: NodeJS.Timeout | undefined;
  let forcing = false;
  const force = async (why: string): Promise<void> => {
    if (forcing) return;
    forcing = true;
    options.log(`sglbench: ${why}: killing what is still running and exiting`);
    await runForcedCleanups();
    exit(interruptedExitCode(received ?? "SIGTERM"));
  };
  const handler = (signal: StopSignal): void => {
    if (received) {
      void force(`${signal} received again`);
      return;
    }
    requestShutdown(signal);
    const graceMs = options.graceMs ?? shutdownGraceMs();
    options.log(
      `sglbench: ${signal} received: stopping the running commands and writing the report (forced in ${Math.round(graceMs / 1000)} s; send it again to force now)`,
    );
    timer = setTimeout(() => void force(`still stopping ${Math.round(graceMs / 1000)} s after ${signal}`), graceMs);
    // The timer must not keep a finished command alive.
    timer.unref();
  };
  const onTerm = (): void => handler("SIGTERM");
  const onInt = (): void => handler("SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  return () => {
    process.off("SIGTERM", onTerm);
    process.off("SIGINT", onInt);
    // After a signal the forced stop stays armed (unref'd): a handle left open must not keep us alive.
    if (timer && !received) clearTimeout(timer);
  };
}

/** A signal aborted when any of `signals` is (undefined entries ignored). */
export function anySignal(...signals: Array<AbortSignal | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? present[0]! : AbortSignal.any(present);
}
