/**
 * The failure taxonomy: how a command ended plus what its log says → one FailureKind, with a message
 * that names the command, the point and the log file, and the cause (the log's last exception line).
 *
 *  launch_failed   the server exited before it was ready (cause: its last exception line)
 *  never_ready     the server stayed up but never answered within the readiness timeout
 *  server_crashed  the server died during GSM8K, a warm-up round or a benchmark
 *  timeout         a command ran past its timeout and was killed
 *  requests_failed the server answered requests with errors (count and %; never judged)
 *  low_accuracy    GSM8K below the threshold with a healthy server that answered every question
 *  oom / crash     a benchmark command ran out of memory / failed by itself
 */
import type { Failure, FailureKind, Point } from "../core/results/index.js";
import { lastExceptionLine } from "../sglang/server-log.js";
import type { ExecResult } from "./executor.js";

/** Lines that mean the GPU ran out of memory (PyTorch, HIP, SGLang's own KV-cache check). */
const OOM = /OutOfMemoryError|out of memory|HIP error: out of memory|Not enough memory|KV cache pool is too small/i;

/** True when any of the lines reports an out-of-memory error. */
export function mentionsOom(lines: readonly string[]): boolean {
  return lines.some((l) => OOM.test(l));
}

/** Failures after which the same command on the same image fails the same way: never retried. */
export const DETERMINISTIC_KINDS: readonly FailureKind[] = ["launch_failed", "never_ready", "low_accuracy"];

/** Failures that mean the server can no longer be trusted: it is relaunched once, then the rest fail. */
export const SERVER_LOST_KINDS: readonly FailureKind[] = ["server_crashed", "timeout"];

/** A point in words: `request rate 4`, `concurrency 16`, `batch size 32 (input 1024, output 128)`. */
export function describePoint(point: Point | undefined): string {
  if (!point) return "";
  if (point.request_rate !== undefined) return `request rate ${point.request_rate}`;
  if (point.concurrency !== undefined) return `concurrency ${point.concurrency}`;
  if (point.batch_size !== undefined) {
    const lens = [
      point.input_len !== undefined ? `input ${point.input_len}` : "",
      point.output_len !== undefined ? `output ${point.output_len}` : "",
    ].filter(Boolean);
    return `batch size ${point.batch_size}${lens.length ? ` (${lens.join(", ")})` : ""}`;
  }
  return "";
}

/** `bench_serving at request rate 4, run 2` — the command and where it ran. */
export function describeCommand(what: string, point?: Point, repeat?: number): string {
  const at = describePoint(point);
  return `${what}${at ? ` at ${at}` : ""}${repeat ? `, run ${repeat}` : ""}`;
}

/** The log file name for messages (the run folder holds it). */
export function logName(path: string | undefined): string | undefined {
  return path ? path.slice(path.lastIndexOf("/") + 1) : undefined;
}

/** Appends `(see <log>)` and the cause to a message, once. */
export function withCause(message: string, cause: string | undefined, source: string | undefined): string {
  const parts = [message];
  if (cause && !message.includes(cause)) parts.push(`: ${cause}`);
  const log = logName(source);
  if (log && !message.includes(log)) parts.push(` — see ${log}`);
  return parts.join("");
}

/** What a command was, for the failure message. */
export interface CommandContext {
  /** `bench_one_batch`, `launch_server`, `bench_serving`, `GSM8K`. */
  what: string;
  point?: Point;
  repeat?: number;
  /** Redacted last lines of the command's log. */
  tail: string[];
  /** The command's log (file name or path): named in the message and kept as `source`. */
  log?: string;
  /** The command is the server launch: any exit before ready → launch_failed. */
  launchStage?: boolean;
}

/**
 * Classifies a finished command; undefined when it succeeded (exit 0 and no OOM line).
 * Order matters: a cancel or timeout explains an exit better than the log does.
 */
export function classifyExit(result: ExecResult, ctx: CommandContext): Failure | undefined {
  const cause = lastExceptionLine(ctx.tail);
  const source = ctx.log ? logName(ctx.log) : undefined;
  const base = {
    ...(ctx.point ? { point: ctx.point } : {}),
    ...(ctx.repeat !== undefined ? { repeat: ctx.repeat } : {}),
    exit_code: result.exitCode,
    signal: result.signal,
    log_tail: ctx.tail,
    ...(source ? { source } : {}),
  };
  const command = describeCommand(ctx.what, ctx.point, ctx.repeat);
  const make = (kind: FailureKind, message: string, withLogCause = true): Failure => ({
    kind,
    message: withCause(message, withLogCause ? cause : undefined, source),
    ...(withLogCause && cause ? { cause } : {}),
    ...base,
  });
  if (result.cancelled) return make("cancelled", `${command} cancelled`, false);
  if (result.timedOut)
    return make(
      "timeout",
      `${command} timed out after ${Math.round(result.durationMs / 1000)} s and was killed`,
      false,
    );
  if (result.exitCode === 127 || result.exitCode === 126)
    return make("launch_failed", `${command} could not start (exit ${result.exitCode})`);
  if (ctx.launchStage && (result.exitCode !== 0 || result.signal || mentionsOom(ctx.tail))) {
    const how = result.signal ? `killed by ${result.signal}` : `exit code ${String(result.exitCode)}`;
    return make("launch_failed", `${command} failed (${how})`);
  }
  if (mentionsOom(ctx.tail)) return make("oom", `${command} ran out of GPU memory`);
  if (result.exitCode !== 0 || result.signal) {
    const how = result.signal ? `killed by ${result.signal}` : `exit code ${String(result.exitCode)}`;
    return make("crash", `${command} failed (${how})`);
  }
  return undefined;
}

/** A server that died while a command used it: server_crashed, with the server log's cause. */
export function serverCrashed(
  during: string,
  exit: Pick<ExecResult, "exitCode" | "signal">,
  serverLog: { path: string; tail(): string[] },
  point?: Point,
  repeat?: number,
): Failure {
  const tail = serverLog.tail();
  const cause = lastExceptionLine(tail);
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.exitCode)}`;
  const source = logName(serverLog.path);
  return {
    kind: "server_crashed",
    message: withCause(`the server died during ${describeCommand(during, point, repeat)} (${how})`, cause, source),
    ...(cause ? { cause } : {}),
    ...(point ? { point } : {}),
    ...(repeat !== undefined ? { repeat } : {}),
    exit_code: exit.exitCode,
    signal: exit.signal,
    log_tail: tail,
    ...(source ? { source } : {}),
  };
}

/** A percentage for messages: `30 %`, `0.7 %`. */
export function percent(part: number, total: number): string {
  const p = total > 0 ? (100 * part) / total : 0;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)} %`;
}

/** The run's exit code: 0 everything ran, 3 partially, 1 nothing measured. */
export function runExitCode(measuredRepeats: number, failures: number): 0 | 1 | 3 {
  if (measuredRepeats === 0) return 1;
  return failures === 0 ? 0 : 3;
}
