/**
 * The GSM8K accuracy gate (original-toolkit.md §3): N runs of bench_sglang.py against the live server,
 * averaged the seed's way (sum rounded to 3 decimals after each addition, average to 3 decimals), pass
 * iff average ≥ threshold. A run whose accuracy is not printed counts as 0, as in the seed.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { gsm8kCommand, type Gsm8kGate } from "../core/catalogue/index.js";
import type { Failure, Gsm8k } from "../core/results/index.js";
import { GSM8K_TEST_QUESTIONS, parseGsm8kOutput } from "../sglang/gsm8k.js";
import { countServerErrors } from "../sglang/server-log.js";
import type { SuiteContext } from "./context.js";
import type { Executor } from "./executor.js";
import { classifyExit, logName, serverCrashed } from "./failures.js";
import type { LogSink } from "./run-folder-writer.js";
import type { SuiteServer } from "./suite-server.js";

export interface Gsm8kGateOptions {
  executor: Executor;
  argv: readonly string[];
  runs: number;
  threshold: number;
  numQuestions: number;
  log: LogSink;
  /** Backend name for the seed's log lines (`for mode aiter`). */
  backend: string;
  /** Per GSM8K run. */
  timeoutMs?: number;
  /** False once the server died: the gate stops there (the caller reports server_crashed). */
  serverAlive?: () => boolean;
  signal?: AbortSignal;
  onRun?: (index: number, accuracy: number) => void;
}

export interface Gsm8kGateOutcome {
  gsm8k: Gsm8k;
  passed: boolean;
  durationS: number;
  /**
   * Set when the gate failed: low_accuracy (every run finished and printed its accuracy), crash (a run
   * failed or printed none, or the server died), timeout or cancelled.
   */
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
  /** The first run that failed or printed no accuracy: the gate's failure is then not low_accuracy. */
  let firstRunFailure: Failure | undefined;
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
    const exitFailure = classifyExit(result, { what: `GSM8K run ${i}`, tail: log.tail(), log: log.path });
    const serverGone = options.serverAlive ? !options.serverAlive() : false;
    if (result.cancelled || result.timedOut || (exitFailure && serverGone)) {
      // No use running the rest: the run was stopped, or the server it asks is gone.
      log.flush();
      const gsm8k: Gsm8k = {
        runs,
        threshold: options.threshold,
        num_questions: asked ?? Math.min(options.numQuestions, GSM8K_TEST_QUESTIONS),
      };
      return { gsm8k, passed: false, durationS: (Date.now() - started) / 1000, failure: exitFailure };
    }
    if (exitFailure) firstRunFailure ??= exitFailure;
    const output = parseGsm8kOutput(out.join("\n"), log.path).gsm8k;
    const parsed = output?.runs[0];
    // What bench_sglang.py really asked (its progress total), not the --num-questions it was given.
    asked ??= output?.num_questions;
    if (!parsed)
      firstRunFailure ??= {
        kind: "crash",
        message: `GSM8K run ${i} printed no accuracy — see ${log.path.slice(log.path.lastIndexOf("/") + 1)}`,
        log_tail: log.tail(),
        source: log.path,
      };
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
      : firstRunFailure
        ? {
            failure: {
              ...firstRunFailure,
              message: `GSM8K average accuracy ${average.toFixed(3)} is below the threshold ${options.threshold}, but not judged: ${firstRunFailure.message}`,
            },
          }
        : {
            failure: {
              kind: "low_accuracy",
              message: `GSM8K average accuracy ${average.toFixed(3)} is below the threshold ${options.threshold} — see ${log.path.slice(log.path.lastIndexOf("/") + 1)}`,
              source: log.path,
            },
          }),
  };
}

/**
 * The gate against a suite's live server, into the run folder (gsm8k, timings, the seed's log line).
 * Undefined when it passed; else its failure with the real cause: server_crashed when the server died,
 * requests_failed when the server answered GSM8K requests with 5xx errors, timeout, cancelled, and
 * low_accuracy only when none of those happened.
 */
export async function gateOnServer(
  g: Gsm8kGate,
  ctx: SuiteContext,
  started: SuiteServer,
  logFile: string,
): Promise<Failure | undefined> {
  const log = ctx.writer.log(logFile, true);
  const threshold = ctx.threshold ?? g.threshold;
  ctx.progress({ phase: "gsm8k", message: `GSM8K gate (${g.runs} runs, threshold ${threshold})` });
  started.log.flush();
  const serverLogStart = fileSize(started.log.path);
  try {
    const outcome = await runGsm8kGate({
      executor: ctx.executor,
      argv: gsm8kCommand(g, { host: ctx.host, port: ctx.port }),
      runs: g.runs,
      threshold,
      numQuestions: g.numQuestions,
      log,
      backend: ctx.backend,
      timeoutMs: ctx.gsm8kTimeoutMs ?? ctx.commandTimeoutMs,
      serverAlive: () => started.server.alive(),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRun: (i, acc) => ctx.progress({ phase: "gsm8k", message: `GSM8K run ${i}/${g.runs}: accuracy ${acc}` }),
    });
    ctx.writer.run.gsm8k = outcome.gsm8k;
    (ctx.writer.run.timings ??= {}).gsm8k = outcome.durationS;
    let failure = outcome.failure;
    if (!failure || failure.kind === "cancelled") return failure;
    if (!started.server.alive()) {
      // A dead server explains a low or missing accuracy better than the answers do.
      failure = serverCrashed("the GSM8K gate", await started.server.process.done, started.log);
    } else if (failure.kind === "low_accuracy" || failure.kind === "crash") {
      started.log.flush();
      const errors = countServerErrors(linesSince(started.log.path, serverLogStart));
      if (errors > 0)
        failure = {
          ...failure,
          kind: "requests_failed",
          message: `GSM8K gate not judged: the server answered ${errors} GSM8K requests with HTTP 5xx errors (${failure.message}) — see ${logName(started.log.path)}`,
          source: logName(log.path),
        };
    }
    if (failure.kind === "low_accuracy")
      log.line(`Skipping benchmarks for ${ctx.backend} backend due to low GSM8K accuracy.`);
    // Accuracies measured against a dead or erroring server are not the model's: never compared.
    else delete ctx.writer.run.gsm8k;
    return failure;
  } finally {
    log.close();
    await ctx.writer.flush();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The lines a log file gained after `offset` (the server's lines written during the gate; capped at 64 MiB). */
function linesSince(path: string, offset: number): string[] {
  try {
    const length = Math.min(statSync(path).size - offset, 64 * 1024 * 1024);
    if (length <= 0) return [];
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, offset);
      return buf.toString("utf8").split("\n");
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}
