/**
 * The failure taxonomy: how a command ended plus what its log says → one FailureKind.
 * launch failed, never ready, OOM, crash (exit code + signal), accuracy below threshold,
 * requests failed/aborted, cancelled (see FailureKindSchema in core/results.ts).
 */
import type { Failure, FailureKind, Point } from "../core/results/index.js";
import type { ExecResult } from "./executor.js";

/** Lines that mean the GPU ran out of memory (PyTorch, HIP, SGLang's own KV-cache check). */
const OOM = /OutOfMemoryError|out of memory|HIP error: out of memory|Not enough memory|KV cache pool is too small/i;

/** True when any of the lines reports an out-of-memory error. */
export function mentionsOom(lines: readonly string[]): boolean {
  return lines.some((l) => OOM.test(l));
}

/** What a command was, for the failure message. */
export interface CommandContext {
  /** `bench_one_batch`, `launch_server`, `bench_serving`, `GSM8K`. */
  what: string;
  point?: Point;
  repeat?: number;
  /** Redacted last lines of the command's log. */
  tail: string[];
  /** The command could not start at all (program missing) → launch_failed. */
  launchStage?: boolean;
}

/**
 * Classifies a finished command; undefined when it succeeded (exit 0 and no OOM line).
 * Order matters: a cancel or timeout explains an exit better than the log does.
 */
export function classifyExit(result: ExecResult, ctx: CommandContext): Failure | undefined {
  const base = {
    ...(ctx.point ? { point: ctx.point } : {}),
    ...(ctx.repeat !== undefined ? { repeat: ctx.repeat } : {}),
    exit_code: result.exitCode,
    signal: result.signal,
    log_tail: ctx.tail,
  };
  const make = (kind: FailureKind, message: string): Failure => ({ kind, message, ...base });
  if (result.cancelled) return make("cancelled", `${ctx.what} cancelled`);
  if (result.timedOut)
    return make("crash", `${ctx.what} timed out after ${Math.round(result.durationMs / 1000)} s and was killed`);
  if (result.exitCode === 127 || result.exitCode === 126)
    return make("launch_failed", `${ctx.what} could not start (exit ${result.exitCode})`);
  if (mentionsOom(ctx.tail)) return make("oom", `${ctx.what} ran out of GPU memory`);
  if (result.exitCode !== 0 || result.signal) {
    const how = result.signal ? `killed by ${result.signal}` : `exit code ${String(result.exitCode)}`;
    return make(ctx.launchStage ? "launch_failed" : "crash", `${ctx.what} failed (${how})`);
  }
  return undefined;
}

/** The run's exit code: 0 everything ran, 3 partially, 1 nothing measured. */
export function runExitCode(measuredRepeats: number, failures: number): 0 | 1 | 3 {
  if (measuredRepeats === 0) return 1;
  return failures === 0 ? 0 : 3;
}
