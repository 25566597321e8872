/**
 * The GSM8K accuracy gate (original-toolkit.md §3): N runs of bench_sglang.py against the live server,
 * averaged the seed's way (sum rounded to 3 decimals after each addition, average to 3 decimals), pass
 * iff average ≥ threshold. A run whose accuracy is not printed counts as 0, as in the seed.
 */
import type { Failure, Gsm8k } from "../core/results/index.js";
import { GSM8K_TEST_QUESTIONS, parseGsm8kOutput } from "../sglang/gsm8k.js";
import type { Executor } from "./executor.js";
import { classifyExit } from "./failures.js";
import type { LogSink } from "./run-folder-writer.js";

export interface Gsm8kGateOptions {
  executor: Executor;
  argv: readonly string[];
  runs: number;
  threshold: number;
  numQuestions: number;
  log: LogSink;
  /** Backend name for the seed's log lines (`for mode aiter`). */
  backend: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onRun?: (index: number, accuracy: number) => void;
}

export interface Gsm8kGateOutcome {
  gsm8k: Gsm8k;
  passed: boolean;
  durationS: number;
  /** Set when the gate failed: low_accuracy, or cancelled. */
  failure?: Failure;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Runs the gate; never throws for a failing script (its run counts as accuracy 0). */
export async function runGsm8kGate(options: Gsm8kGateOptions): Promise<Gsm8kGateOutcome> {
  const started = Date.now();
  const { log, backend } = options;
  log.line(`Starting GSM8K accuracy test at: ${new Date().toISOString()}`);
  const runs: Gsm8k["runs"] = [];
  let asked: number | undefined;
  let sum = 0;
  for (let i = 1; i <= options.runs; i++) {
    log.line(`Executing GSM8K test Run ${i} for mode ${backend}...`);
    const out: string[] = [];
    const runStart = Date.now();
    const result = await options.executor.exec(options.argv, {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line) => {
        log.line(line);
        if (out.length < 10_000) out.push(line);
      },
    });
    if (result.cancelled) {
      const gsm8k: Gsm8k = {
        runs,
        threshold: options.threshold,
        num_questions: asked ?? Math.min(options.numQuestions, GSM8K_TEST_QUESTIONS),
      };
      return {
        gsm8k,
        passed: false,
        durationS: (Date.now() - started) / 1000,
        failure: classifyExit(result, { what: "GSM8K", tail: log.tail() }),
      };
    }
    const output = parseGsm8kOutput(out.join("\n"), log.path).gsm8k;
    const parsed = output?.runs[0];
    // What bench_sglang.py really asked (its progress total), not the --num-questions it was given.
    asked ??= output?.num_questions;
    const accuracy = parsed?.accuracy ?? 0;
    log.line(`Run ${i} completed in ${Math.round((Date.now() - runStart) / 1000)} seconds`);
    if (!parsed) log.line(`Run ${i}: Accuracy not found, defaulting to 0`);
    else log.line(`Run ${i}: Accuracy: ${accuracy}`);
    runs.push({ ...(parsed ?? {}), index: i, accuracy });
    sum = round3(sum + accuracy);
    options.onRun?.(i, accuracy);
  }
  const average = round3(sum / options.runs);
  const passed = average >= options.threshold;
  const durationS = (Date.now() - started) / 1000;
  log.line(`GSM8K test completed in ${Math.round(durationS)} seconds`);
  log.line(`Average Accuracy over ${options.runs} runs for mode ${backend}: ${average.toFixed(3)}`);
  log.line(
    passed
      ? `Average accuracy meets threshold (${options.threshold}) for mode ${backend}. Continuing with this mode.`
      : `Average accuracy (${average.toFixed(3)}) is below threshold (${options.threshold}) for mode ${backend}. Skipping this mode.`,
  );
  log.flush();
  const gsm8k: Gsm8k = {
    runs,
    average,
    threshold: options.threshold,
    passed,
    num_questions: asked ?? Math.min(options.numQuestions, GSM8K_TEST_QUESTIONS),
    source: log.path,
  };
  return {
    gsm8k,
    passed,
    durationS,
    ...(passed
      ? {}
      : {
          failure: {
            kind: "low_accuracy",
            message: `GSM8K average accuracy ${average.toFixed(3)} is below the threshold ${options.threshold}`,
            source: log.path,
          },
        }),
  };
}
