/**
 * Online suites: launch the server, GSM8K gate (unless skipped), a discarded warm-up round per point, then
 * bench_serving per point × repeats, each repeat in the seed's client log and recorded as it finishes.
 * A server that dies or a command that times out (GSM8K, warm-up or benchmark) costs one relaunch; when
 * it happens again the remaining points fail with that cause instead of each waiting out its timeout.
 * The server is always stopped.
 */
import type { Failure, Point, Repeat } from "../core/results/index.js";
import { clientCommand, promptsFor, type OnlineSuite } from "../core/catalogue/index.js";
import { timestamp } from "../core/util/index.js";
import { clientLogName, servingLogName } from "../store/layout.js";
import { parseServingOutput } from "../sglang/serving.js";
import { commandLine, failPoints, type SuiteContext } from "./context.js";
import { classifyExit, describeCommand, percent, serverCrashed, SERVER_LOST_KINDS } from "./failures.js";
import { gateOnServer } from "./gsm8k-gate.js";
import { collectRequestDetails, requestDetailsTarget } from "./request-details.js";
import { startSuiteServer, type SuiteServer } from "./suite-server.js";
import type { LogSink } from "./run-folder-writer.js";

/** Why a server session ended early: the failure and the points it did not get to. */
interface Interrupted {
  failure: Failure;
  left: Point[];
}

/** Runs an online suite into ctx.writer. */
export async function runOnlineSuite(suite: OnlineSuite, points: Point[], ctx: SuiteContext): Promise<void> {
  const { writer } = ctx;
  let todo = points.filter((p) => writer.measured(p).length < ctx.repeats);
  // A GSM8K-only suite (no points) still starts its server for the gate, unless a resumed run passed it.
  const gateOnly = suite.gsm8kOnly && !writer.run.gsm8k?.passed && !ctx.skipGsm8k;
  if (todo.length === 0 && !gateOnly) return; // resumed run: everything already measured
  for (let launch = 1; ; launch++) {
    const started = await startSuiteServer(suite, todo, ctx, launch === 1 ? "launch_server" : "launch_server again");
    if (!started) return;
    let interrupted: Interrupted | undefined;
    try {
      interrupted = await session(suite, todo, ctx, started);
    } finally {
      await started.stop();
      if (started.server.kvCache) writer.run.kv_cache = started.server.kvCache;
      await writer.flush();
    }
    if (!interrupted) return;
    if (launch >= 2) {
      // Second loss of the server: the rest would most likely wait out the same timeout or crash again.
      const { point: _at, repeat: _r, ...rest } = interrupted.failure;
      failPoints(ctx, interrupted.left, {
        ...rest,
        message: `not run: ${interrupted.failure.message} (again after a relaunch; the remaining points were not tried)`,
      });
      await writer.flush();
      return;
    }
    writer.fail(interrupted.failure);
    ctx.progress({ phase: "server", message: `${interrupted.failure.kind}: relaunching the server once` });
    todo = interrupted.left;
  }
}

/** GSM8K gate (when due) and the clients on one live server; returns why it stopped early, if it did. */
async function session(
  suite: OnlineSuite,
  points: Point[],
  ctx: SuiteContext,
  started: SuiteServer,
): Promise<Interrupted | undefined> {
  const { writer } = ctx;
  if (suite.gsm8k && !ctx.skipGsm8k && !writer.run.gsm8k?.passed) {
    const outcome = await gate(suite, points, ctx, started);
    if (outcome === "stop") return undefined;
    if (outcome !== "passed") return outcome;
  }
  if (started.server.kvCache) writer.run.kv_cache = started.server.kvCache;
  return clients(suite, points, ctx, started);
}

/**
 * The GSM8K gate on the live server. "passed"; "stop" when it failed for good (low accuracy, requests
 * failed, cancelled: every point is marked); or the server loss (crash, timeout) that earns a relaunch.
 */
async function gate(
  suite: OnlineSuite,
  points: Point[],
  ctx: SuiteContext,
  started: SuiteServer,
): Promise<"passed" | "stop" | Interrupted> {
  const g = suite.gsm8k;
  if (!g) return "passed";
  const name =
    suite.model === "deepseek"
      ? `sglang_client_log_${suite.modelName}_gsm8k.log`
      : `sglang_client_log_${suite.modelName}_gsm8k_${ctx.backend}.log`;
  const failure = await gateOnServer(g, ctx, started, name);
  if (!failure) return "passed";
  if (SERVER_LOST_KINDS.includes(failure.kind)) return { failure, left: points };
  failPoints(ctx, points, failure);
  await ctx.writer.flush();
  return "stop";
}

async function clients(
  suite: OnlineSuite,
  points: Point[],
  ctx: SuiteContext,
  started: SuiteServer,
): Promise<Interrupted | undefined> {
  const { writer } = ctx;
  const { server } = started;
  const stamp = timestamp(new Date());
  const clientStart = Date.now();
  const logName = (point: Point, run: number): string => {
    const value = point[suite.axis] ?? 0;
    return suite.axis === "concurrency"
      ? servingLogName(value, run, stamp)
      : clientLogName(suite.modelName, ctx.backend, value, run, stamp);
  };
  /** The server died or a command hung: the session ends here, from point i on. */
  const lost = async (failure: Failure | undefined, i: number, what: string, point: Point, r?: number) => {
    if (!server.alive()) {
      const exit = await server.process.done;
      return { failure: serverCrashed(what, exit, started.log, point, r), left: points.slice(i) };
    }
    if (failure && SERVER_LOST_KINDS.includes(failure.kind)) return { failure, left: points.slice(i) };
    return undefined;
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
      // Its JSONL goes to a scratch file that is removed: bench_serving's default one would land in
      // the working folder and read as a run of its own.
      const scratch = requestDetailsTarget(log.path);
      const argv = [...withPrompts(cmd.argv, prompts), "--output-file", scratch.raw];
      const outcome = await oneRepeat(argv, log, ctx, point, 0, "bench_serving warm-up");
      await collectRequestDetails(undefined, scratch, ctx.executor);
      log.close();
      if (outcome.repeat) writer.addRepeat(point, { ...outcome.repeat, warmup: true });
      if (ctx.signal?.aborted) {
        failPoints(ctx, points.slice(i), { kind: "cancelled", message: "cancelled during the warm-up round" });
        return undefined;
      }
      const gone = await lost(outcome.failure, i, "the bench_serving warm-up round", point);
      if (gone) return gone;
    }
    for (let r = writer.measured(point).length + 1; r <= ctx.repeats; r++) {
      if (ctx.signal?.aborted) {
        failPoints(ctx, points.slice(i), { kind: "cancelled", message: "cancelled before this point ran" });
        return undefined;
      }
      const before = await lost(undefined, i, "bench_serving", point, r);
      if (before) return before;
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
      const outcome = await oneRepeat([...cmd.argv, ...details.args], log, ctx, point, r, "bench_serving");
      await collectRequestDetails(outcome.repeat, details, ctx.executor);
      log.line(`Run completed at: ${new Date().toISOString()}`);
      log.line(`Run duration: ${Math.round(outcome.durationS)} seconds`);
      log.line("-".repeat(40));
      log.close();
      const gone =
        outcome.failure?.kind === "cancelled" ? undefined : await lost(outcome.failure, i, "bench_serving", point, r);
      if (gone) {
        writer.run.finished_at = new Date().toISOString();
        await writer.flush();
        return gone;
      }
      // A repeat with failed requests is kept in its log but never judged: its numbers measure errors.
      if (outcome.repeat && !outcome.failure) writer.addRepeat(point, outcome.repeat);
      if (outcome.failure) writer.fail(outcome.failure);
      writer.run.finished_at = new Date().toISOString();
      await writer.flush();
      ctx.progress({ phase: "point", message: `${label} run ${r}: ${outcome.failure?.kind ?? "done"}` }, true);
      if (outcome.failure?.kind === "cancelled") {
        failPoints(ctx, points.slice(i + 1), { kind: "cancelled", message: "cancelled before this point ran" });
        return undefined;
      }
    }
    (writer.run.timings ??= {})[`${suite.axis}_${value}`] = (Date.now() - pointStart) / 1000;
  }
  (writer.run.timings ??= {}).client_total = (Date.now() - clientStart) / 1000;
  return undefined;
}

/** Lines where bench_serving reports that the server answered requests with errors. */
const REQUEST_ERROR = /Warmup failed|Internal server error|"code":\s*5\d\d|Failed requests/i;

interface RepeatOutcome {
  repeat?: Repeat;
  failure?: Failure;
  durationS: number;
}

/**
 * One bench_serving run: its block becomes a repeat; a failed count, a missing block or a failed exit
 * becomes a failure naming the point, the run and the log.
 */
async function oneRepeat(
  argv: string[],
  log: LogSink,
  ctx: SuiteContext,
  point: Point,
  r: number,
  what: string,
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
  log.flush();
  const durationS = result.durationMs / 1000;
  const source = log.path.slice(log.path.lastIndexOf("/") + 1);
  const parsed = parseServingOutput(out.join("\n"), log.path);
  const block = parsed.blocks[parsed.blocks.length - 1];
  const repeat: Repeat | undefined = block
    ? {
        index: r,
        metrics: block.metrics,
        ...(Object.keys(block.labels).length ? { labels: block.labels } : {}),
        started_at: started.toISOString(),
        duration_s: durationS,
        source,
      }
    : undefined;
  const where = describeCommand(what, point, r || undefined);
  const ctxRepeat = r ? { repeat: r } : {};
  let exitFailure = classifyExit(result, { what, point, ...ctxRepeat, tail: log.tail(), log: log.path });
  // bench_serving aborts when its warm-up request gets an error back: the server answered, requests failed.
  if (exitFailure?.kind === "crash" && log.tail().some((l) => REQUEST_ERROR.test(l))) {
    exitFailure = {
      ...exitFailure,
      kind: "requests_failed",
      message: `${where}: the server answered requests with errors and bench_serving aborted — see ${source}`,
    };
  }
  if (exitFailure)
    return { failure: exitFailure, durationS, ...(repeat && exitFailure.kind !== "cancelled" ? { repeat } : {}) };
  if (!repeat) {
    return {
      durationS,
      failure: {
        kind: "crash",
        message: `${where}: no \`Serving Benchmark Result\` block in the output — see ${source}`,
        point,
        ...ctxRepeat,
        log_tail: log.tail(),
        source,
      },
    };
  }
  const prompts = Number(argv[argv.indexOf("--num-prompts") + 1]);
  const completed = repeat.metrics.completed;
  if (completed !== undefined && Number.isFinite(prompts) && completed < prompts) {
    const failed = prompts - completed;
    return {
      repeat,
      durationS,
      failure: {
        kind: "requests_failed",
        message: `${where}: ${failed} of ${prompts} requests failed (${percent(failed, prompts)}); this run is not judged — see ${source}`,
        point,
        ...ctxRepeat,
        requests: { failed, total: prompts },
        log_tail: log.tail(),
        source,
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
