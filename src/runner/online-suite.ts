/**
 * Online suites: launch the server, GSM8K gate (unless skipped), a discarded warm-up round per point, then
 * bench_serving per point × repeats, each repeat in the seed's client log and recorded as it finishes.
 * A server that dies mid-run fails the remaining points as a crash; the server is always stopped.
 */
import type { Point, Repeat } from "../core/results/index.js";
import { clientCommand, gsm8kCommand, promptsFor, type OnlineSuite } from "../core/catalogue/index.js";
import { timestamp } from "../core/util/index.js";
import { clientLogName, servingLogName } from "../store/layout.js";
import { parseServingOutput } from "../sglang/serving.js";
import { commandLine, failPoints, type SuiteContext } from "./context.js";
import { classifyExit } from "./failures.js";
import { runGsm8kGate } from "./gsm8k-gate.js";
import { collectRequestDetails, requestDetailsTarget } from "./request-details.js";
import type { RunningServer } from "./server.js";
import { startSuiteServer } from "./suite-server.js";
import type { LogSink } from "./run-folder-writer.js";

/** Runs an online suite into ctx.writer. */
export async function runOnlineSuite(suite: OnlineSuite, points: Point[], ctx: SuiteContext): Promise<void> {
  const { writer } = ctx;
  const todo = points.filter((p) => writer.measured(p).length < ctx.repeats);
  // A GSM8K-only suite (no points) still starts its server for the gate, unless a resumed run passed it.
  const gateOnly = suite.gsm8kOnly && !writer.run.gsm8k?.passed && !ctx.skipGsm8k;
  if (todo.length === 0 && !gateOnly) return; // resumed run: everything already measured
  const started = await startSuiteServer(suite, todo, ctx, "launch_server");
  if (!started) return;
  const { server } = started;
  try {
    if (suite.gsm8k && !ctx.skipGsm8k && !writer.run.gsm8k?.passed) {
      const passed = await gate(suite, todo, ctx);
      if (!passed) return;
    }
    if (server.kvCache) writer.run.kv_cache = server.kvCache;
    await clients(suite, todo, ctx, server);
  } finally {
    await started.stop();
    if (server.kvCache) writer.run.kv_cache = server.kvCache;
    await writer.flush();
  }
}

async function gate(suite: OnlineSuite, points: Point[], ctx: SuiteContext): Promise<boolean> {
  const g = suite.gsm8k;
  if (!g) return true;
  const deepseek = suite.model === "deepseek";
  const name = deepseek
    ? `sglang_client_log_${suite.modelName}_gsm8k.log`
    : `sglang_client_log_${suite.modelName}_gsm8k_${ctx.backend}.log`;
  const log = ctx.writer.log(name, true);
  const threshold = ctx.threshold ?? g.threshold;
  ctx.progress({ phase: "gsm8k", message: `GSM8K gate (${g.runs} runs, threshold ${threshold})` });
  try {
    const outcome = await runGsm8kGate({
      executor: ctx.executor,
      argv: gsm8kCommand(g, { host: ctx.host, port: ctx.port }),
      runs: g.runs,
      threshold,
      numQuestions: g.numQuestions,
      log,
      backend: ctx.backend,
      timeoutMs: ctx.commandTimeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRun: (i, acc) => ctx.progress({ phase: "gsm8k", message: `GSM8K run ${i}/${g.runs}: accuracy ${acc}` }),
    });
    ctx.writer.run.gsm8k = outcome.gsm8k;
    (ctx.writer.run.timings ??= {}).gsm8k = outcome.durationS;
    if (outcome.failure) {
      if (outcome.failure.kind === "low_accuracy")
        log.line(`Skipping benchmarks for ${ctx.backend} backend due to low GSM8K accuracy.`);
      failPoints(ctx, points, outcome.failure);
      return false;
    }
    return true;
  } finally {
    log.close();
    await ctx.writer.flush();
  }
}

async function clients(suite: OnlineSuite, points: Point[], ctx: SuiteContext, server: RunningServer): Promise<void> {
  const { writer } = ctx;
  const stamp = timestamp(new Date());
  const clientStart = Date.now();
  const logName = (point: Point, run: number): string => {
    const value = point[suite.axis] ?? 0;
    return suite.axis === "concurrency"
      ? servingLogName(value, run, stamp)
      : clientLogName(suite.modelName, ctx.backend, value, run, stamp);
  };
  for (const [i, point] of points.entries()) {
    const pointStart = Date.now();
    const cmd = clientCommand(suite, point, { host: ctx.host, port: ctx.port });
    const value = point[suite.axis] ?? 0;
    if (ctx.warmup && writer.measured(point).length < ctx.repeats) {
      // A short discarded round at this very point first: the first run of each rate/concurrency
      // after a launch pays for CUDA-graph capture and cache warm-up (the real nightlies' first run
      // is up to 36 % off), and every block of an interleaved A/B run is a fresh launch.
      const prompts = Math.min(promptsFor(suite, value), Math.max(16, point.concurrency ?? 0));
      ctx.progress({ phase: "point", message: `warm-up round at ${suite.axis} ${value} (discarded)` });
      const log = writer.log(`sglang_warmup_client_${suite.axis}_${value}.log`);
      const outcome = await oneRepeat(withPrompts(cmd.argv, prompts), log, ctx, point, 0);
      log.close();
      if (outcome.repeat) writer.addRepeat(point, { ...outcome.repeat, warmup: true });
      if (ctx.signal?.aborted) {
        failPoints(ctx, points.slice(i), { kind: "cancelled", message: "cancelled during the warm-up round" });
        return;
      }
    }
    for (let r = writer.measured(point).length + 1; r <= ctx.repeats; r++) {
      if (ctx.signal?.aborted) {
        failPoints(ctx, points.slice(i), { kind: "cancelled", message: "cancelled before this point ran" });
        return;
      }
      if (!server.alive()) {
        const result = await server.process.done;
        failPoints(ctx, points.slice(i), {
          kind: "crash",
          message: `the server died during the run (${result.signal ? `signal ${result.signal}` : `exit code ${String(result.exitCode)}`})`,
          exit_code: result.exitCode,
          signal: result.signal,
        });
        return;
      }
      ctx.progress({
        phase: "point",
        message: `bench_serving ${suite.axis === "concurrency" ? "concurrency" : "rate"} ${value}`,
        point: { index: i + 1, total: points.length, label: `${suite.axis}=${value}` },
        repeat: { index: r, total: ctx.repeats },
      });
      const log = writer.log(logName(point, r));
      const label = suite.axis === "concurrency" ? `concurrency: ${value}` : `request rate: ${value}`;
      log.line(`Running benchmark with ${label} (Run ${r}) for mode ${ctx.backend}`);
      log.line(`Run started at: ${new Date().toISOString()}`);
      const details = requestDetailsTarget(log.path); // per-request timings for the tail verdicts
      const outcome = await oneRepeat([...cmd.argv, ...details.args], log, ctx, point, r);
      await collectRequestDetails(outcome.repeat, details, ctx.executor);
      log.line(`Run completed at: ${new Date().toISOString()}`);
      log.line(`Run duration: ${Math.round(outcome.durationS)} seconds`);
      log.line("-".repeat(40));
      log.close();
      if (outcome.repeat) writer.addRepeat(point, outcome.repeat);
      if (outcome.failure) writer.fail(outcome.failure);
      writer.run.finished_at = new Date().toISOString();
      await writer.flush();
      ctx.progress({ phase: "point", message: `${label} run ${r}: ${outcome.failure?.kind ?? "done"}` }, true);
      if (outcome.failure?.kind === "cancelled") {
        failPoints(ctx, points.slice(i + 1), { kind: "cancelled", message: "cancelled before this point ran" });
        return;
      }
    }
    (writer.run.timings ??= {})[`${suite.axis}_${value}`] = (Date.now() - pointStart) / 1000;
  }
  (writer.run.timings ??= {}).client_total = (Date.now() - clientStart) / 1000;
}

/** Lines where bench_serving reports that the server answered requests with errors. */
const REQUEST_ERROR = /Warmup failed|Internal server error|"code":\s*5\d\d|Failed requests/i;

interface RepeatOutcome {
  repeat?: Repeat;
  failure?: NonNullable<ReturnType<typeof classifyExit>>;
  durationS: number;
}

/** One bench_serving run: its block becomes a repeat; a failed count or a missing block becomes a failure. */
async function oneRepeat(
  argv: string[],
  log: LogSink,
  ctx: SuiteContext,
  point: Point,
  r: number,
): Promise<RepeatOutcome> {
  log.line(`Executing: ${commandLine(argv)}`);
  const out: string[] = [];
  const started = new Date();
  const result = await ctx.executor.exec(argv, {
    timeoutMs: ctx.commandTimeoutMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onLine: (line) => {
      log.line(line);
      // Only the tail matters for the result block; tqdm-heavy output is not kept.
      out.push(line);
      if (out.length > 2000) out.splice(0, out.length - 1000);
    },
  });
  const durationS = result.durationMs / 1000;
  const parsed = parseServingOutput(out.join("\n"), log.path);
  const block = parsed.blocks[parsed.blocks.length - 1];
  const repeat: Repeat | undefined = block
    ? {
        index: r,
        metrics: block.metrics,
        ...(Object.keys(block.labels).length ? { labels: block.labels } : {}),
        started_at: started.toISOString(),
        duration_s: durationS,
        source: log.path.slice(log.path.lastIndexOf("/") + 1),
      }
    : undefined;
  let exitFailure = classifyExit(result, { what: "bench_serving", point, repeat: r, tail: log.tail() });
  // bench_serving aborts when its warm-up request gets an error back: the server answered, requests failed.
  if (exitFailure?.kind === "crash" && !result.timedOut && log.tail().some((l) => REQUEST_ERROR.test(l))) {
    exitFailure = {
      ...exitFailure,
      kind: "requests_failed",
      message: `bench_serving aborted: requests failed (${exitFailure.message})`,
    };
  }
  if (exitFailure)
    return { failure: exitFailure, durationS, ...(repeat && exitFailure.kind !== "cancelled" ? { repeat } : {}) };
  if (!repeat) {
    return {
      durationS,
      failure: {
        kind: "crash",
        message: "no `Serving Benchmark Result` block in bench_serving output",
        point,
        repeat: r,
        log_tail: log.tail(),
      },
    };
  }
  const prompts = Number(argv[argv.indexOf("--num-prompts") + 1]);
  const completed = repeat.metrics.completed;
  if (completed !== undefined && Number.isFinite(prompts) && completed < prompts) {
    return {
      repeat,
      durationS,
      failure: {
        kind: "requests_failed",
        message: `${prompts - completed} of ${prompts} requests failed or were aborted`,
        point,
        repeat: r,
        log_tail: log.tail(),
      },
    };
  }
  return { repeat, durationS };
}

function withPrompts(argv: string[], prompts: number): string[] {
  const copy = [...argv];
  const i = copy.indexOf("--num-prompts");
  if (i >= 0) copy[i + 1] = String(prompts);
  return copy;
}
