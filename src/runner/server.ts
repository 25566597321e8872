/**
 * SGLang server lifecycle: check the port is free, launch in the background with its output streamed
 * into a redacted log, wait until ready, fail fast on a fatal line (OOM) or an early exit, give up
 * after a timeout with the log tail, stop.
 *
 * Ready means: our own launch_server still runs, it printed "The server is fired up and ready to
 * roll!", and `/health` then `/get_model_info` answer. HTTP alone is never enough: an older server
 * left on the port answers too, and the run would measure it.
 */
import type { Failure, KvCache } from "../core/results/index.js";
import { createServerLogScanner } from "../sglang/server-log.js";
import type { BackgroundProcess, ExecResult, Executor } from "./executor.js";
import { classifyExit } from "./failures.js";
import { busyOn } from "./free-port.js";
import type { LogSink } from "./run-folder-writer.js";

/** Default readiness timeout (the seed waited 300 s for Grok, 900 s for DeepSeek). */
export const DEFAULT_READY_TIMEOUT_MS = 600_000;

export interface LaunchServerOptions {
  executor: Executor;
  argv: readonly string[];
  env?: Record<string, string>;
  log: LogSink;
  host: string;
  port: number;
  readyTimeoutMs?: number;
  /** How often to poll HTTP (default 1 s). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called every ~10 s while waiting (the seed's `Still waiting... (Ns elapsed)`). */
  onWaiting?: (elapsedS: number) => void;
}

/** A server that became ready. */
export interface RunningServer {
  process: BackgroundProcess;
  /** Seconds from launch to ready. */
  startupS: number;
  kvCache?: KvCache;
  /** True while the process lives. */
  alive(): boolean;
  /** Stops the server and its process group. */
  stop(): Promise<ExecResult>;
}

export type LaunchOutcome = { ok: true; server: RunningServer } | { ok: false; failure: Failure; startupS: number };

/** Launches the server and waits for it to be ready (never throws for a server that fails). */
export async function launchServer(options: LaunchServerOptions): Promise<LaunchOutcome> {
  const started = Date.now();
  const busy = await busyOn(options.host, options.port);
  if (busy !== undefined) {
    const message = `port ${options.port} on ${busy} is already in use by another process (not this run's server): stop it, or pick another port (--port=N, or --port=auto for a free one)`;
    options.log.line(`sglbench: ${message}`);
    options.log.flush();
    return {
      ok: false,
      failure: { kind: "launch_failed", message, exit_code: null, signal: null, log_tail: options.log.tail() },
      startupS: 0,
    };
  }
  const scanner = createServerLogScanner(options.log.path);
  let fatalSeen = false;
  const proc = await options.executor.spawnBackground(options.argv, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line) => {
      options.log.line(line);
      scanner.push(line);
      if (scanner.done().fatal?.oom) fatalSeen = true;
    },
  });
  const elapsedS = (): number => (Date.now() - started) / 1000;
  const logFile = options.log.path.slice(options.log.path.lastIndexOf("/") + 1);
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const pollMs = options.pollMs ?? 1000;
  const base = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${options.port}`;
  let lastNotice = 0;
  const fail = async (make: (r: ExecResult) => Failure): Promise<LaunchOutcome> => {
    const result = proc.running() ? await proc.stop() : await proc.done;
    options.log.flush();
    return { ok: false, failure: make(result), startupS: elapsedS() };
  };
  for (;;) {
    if (proc.running() && scanner.done().ready && (await answers(base, pollMs)) && proc.running()) {
      const server: RunningServer = {
        process: proc,
        startupS: elapsedS(),
        ...(scanner.done().kv_cache ? { kvCache: scanner.done().kv_cache } : {}),
        alive: () => proc.running(),
        stop: () => proc.stop(),
      };
      // KV-cache lines may arrive just before the ready line; read them lazily.
      Object.defineProperty(server, "kvCache", { get: () => scanner.done().kv_cache, enumerable: true });
      return { ok: true, server };
    }
    if (options.signal?.aborted) {
      return fail((r) => ({
        kind: "cancelled",
        message: "cancelled while the server was starting",
        exit_code: r.exitCode,
        signal: r.signal,
      }));
    }
    if (fatalSeen) {
      // Deterministic: the side's other blocks are not retried (failures.ts DETERMINISTIC_KINDS).
      return fail((r) => ({
        kind: "launch_failed",
        message: `launch_server ran out of GPU memory: ${scanner.done().fatal?.text ?? ""} — see ${logFile}`,
        cause: scanner.done().fatal?.text ?? "out of memory",
        exit_code: r.exitCode,
        signal: r.signal,
        log_tail: options.log.tail(),
        source: logFile,
      }));
    }
    if (!proc.running()) {
      const result = await proc.done;
      options.log.flush();
      const failure = classifyExit(result, {
        what: "launch_server",
        tail: options.log.tail(),
        log: logFile,
        launchStage: true,
      }) ?? {
        kind: "launch_failed",
        message: `launch_server exited (code 0) before it was ready — see ${logFile}`,
        source: logFile,
        exit_code: result.exitCode,
        signal: result.signal,
        log_tail: options.log.tail(),
      };
      return { ok: false, failure, startupS: elapsedS() };
    }
    if (Date.now() - started > timeoutMs) {
      return fail((r) => ({
        kind: "never_ready",
        message: `launch_server not ready after ${Math.round(timeoutMs / 1000)} s — see ${logFile}`,
        source: logFile,
        exit_code: r.exitCode,
        signal: r.signal,
        log_tail: options.log.tail(),
      }));
    }
    if (options.onWaiting && Date.now() - lastNotice >= 10_000) {
      lastNotice = Date.now();
      options.onWaiting(Math.round(elapsedS()));
    }
    await sleep(pollMs, options.signal);
  }
}

/** `/health` answers 200, then `/get_model_info` too (a server can report healthy before its model is loaded). */
async function answers(base: string, timeoutMs: number): Promise<boolean> {
  for (const path of ["/health", "/get_model_info"]) {
    try {
      const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(Math.max(timeoutMs, 500)) });
      await res.arrayBuffer();
      if (!res.ok) return false;
    } catch {
      // Connection refused while the server loads: not ready yet, not an error.
      return false;
    }
  }
  return true;
}

/** Sleeps, waking early on abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
