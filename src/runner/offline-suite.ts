/**
 * Offline suites: one bench_one_batch process per point in the seed's loop order, after DeepSeek's
 * warm-up server + GSM8K gate. Each point's failure (OOM, crash, timeout) is recorded and the next
 * point still runs, as the seed did (its NA rows).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Point } from "../core/results/index.js";
import { runFolderPath } from "../store/layout.js";
import { offlineCommand, offlinePoints, type OfflineSuite } from "../core/catalogue/index.js";
import { parseOneBatchOutput } from "../sglang/one-batch.js";
import { commandLine, failPoints, type SuiteContext } from "./context.js";
import { classifyExit, describeCommand, describePoint } from "./failures.js";
import { gateOnServer } from "./gsm8k-gate.js";
import { startSuiteServer } from "./suite-server.js";

/** Runs an offline suite into ctx.writer; returns when every point ran or failed. */
export async function runOfflineSuite(suite: OfflineSuite, points: Point[], ctx: SuiteContext): Promise<void> {
  const run = ctx.writer.run;
  if (suite.warmupServer && suite.gsm8k && !ctx.skipGsm8k) {
    const passed = await warmupGate(suite, points, ctx);
    if (!passed) return;
  }
  if (!suite.warmupServer && !ctx.skipGsm8k) {
    const failedLog = onlineGateFailed(suite, ctx);
    if (failedLog) {
      failPoints(ctx, points, {
        kind: "low_accuracy",
        message: `the online run of this image failed its GSM8K gate (${failedLog}); not benchmarking it offline`,
        source: failedLog,
      });
      await ctx.writer.flush();
      return;
    }
  }
  let timeouts = 0;
  for (const [i, point] of points.entries()) {
    const cmd = offlineCommand(suite, point, ctx.info, { host: ctx.host, port: ctx.port });
    for (let r = ctx.writer.measured(point).length + 1; r <= ctx.repeats; r++) {
      if (ctx.signal?.aborted) {
        failPoints(ctx, points.slice(i), { kind: "cancelled", message: "cancelled before this point ran" });
        return;
      }
      ctx.progress({
        phase: "point",
        message: `bench_one_batch ${cmd.log}`,
        point: { index: i + 1, total: points.length, label: cmd.log.replace(/\.log$/, "") },
        repeat: { index: r, total: ctx.repeats },
      });
      // Repeats of a point append to the seed's one log per point.
      const log = ctx.writer.log(cmd.log, r > 1);
      const env = { ...cmd.env };
      log.line(`Executing: ${commandLine(cmd.argv, env)}`);
      const out: string[] = [];
      const started = new Date();
      const result = await ctx.executor.exec(cmd.argv, {
        env,
        timeoutMs: ctx.commandTimeoutMs,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onLine: (line) => {
          log.line(line);
          // bench_one_batch output is small; the cap only guards against a runaway process.
          if (out.length < 200_000) out.push(line);
        },
      });
      log.close();
      const parsed = parseOneBatchOutput(out.join("\n"), cmd.log);
      const blocks = parsed.blocks.filter((b) => !b.warmup);
      const last = blocks[blocks.length - 1];
      const failure =
        classifyExit(result, { what: "bench_one_batch", point, repeat: r, tail: log.tail(), log: cmd.log }) ??
        (parsed.oom
          ? {
              kind: "oom" as const,
              message: `${describeCommand("bench_one_batch", point)} ran out of GPU memory — see ${cmd.log}`,
              point,
              log_tail: log.tail(),
            }
          : undefined) ??
        (parsed.skipped[0]
          ? {
              kind: "skipped" as const,
              message: `bench_one_batch skipped ${describePoint(point)} (max batch size limit) — see ${cmd.log}`,
              point,
            }
          : undefined) ??
        (last
          ? undefined
          : {
              kind: "crash" as const,
              message: `${describeCommand("bench_one_batch", point)}: no benchmark block in the output — see ${cmd.log}`,
              point,
              log_tail: log.tail(),
            });
      if (failure) {
        ctx.writer.fail({ ...failure, source: cmd.log });
      } else if (last) {
        ctx.writer.addRepeat(point, {
          index: r,
          metrics: last.metrics,
          started_at: started.toISOString(),
          duration_s: result.durationMs / 1000,
          source: cmd.log,
        });
      }
      run.finished_at = new Date().toISOString();
      await ctx.writer.flush();
      ctx.progress({ phase: "point", message: failure ? `${cmd.log}: ${failure.kind}` : `${cmd.log}: done` }, true);
      if (failure?.kind === "cancelled") {
        failPoints(ctx, points.slice(i + 1), { kind: "cancelled", message: "cancelled before this point ran" });
        return;
      }
      if (failure?.kind === "timeout" && ++timeouts >= 2) {
        // Two hung points: the rest would most likely each wait out the same timeout.
        const { point: _hung, repeat: _r, ...rest } = failure;
        failPoints(ctx, points.slice(i + 1), {
          ...rest,
          message: `not run: ${failure.message} (the second timeout; the remaining points were not tried)`,
        });
        await ctx.writer.flush();
        return;
      }
      if (failure) break; // a failed point is not repeated
    }
  }
}

/** DeepSeek: warm-up server, GSM8K gate, stop. False when the gate failed (every point is marked). */
async function warmupGate(suite: OfflineSuite, points: Point[], ctx: SuiteContext): Promise<boolean> {
  const gate = suite.gsm8k;
  if (!gate) return true;
  const started = await startSuiteServer(suite, points, ctx, "the warm-up server");
  if (!started) return false;
  try {
    const failure = await gateOnServer(gate, ctx, started, `sglang_client_log_${suite.modelName}_gsm8k.log`);
    if (failure) {
      failPoints(ctx, points, failure);
      await ctx.writer.flush();
      return false;
    }
    return true;
  } finally {
    await started.stop();
  }
}

/**
 * The seed's Grok offline gate (July 2025 on): when the same image's online run folder holds GSM8K logs
 * and none says the threshold was met, the image is not benchmarked offline. No logs → proceed.
 * Returns the log that failed, or undefined to proceed.
 */
export function onlineGateFailed(suite: OfflineSuite, ctx: Pick<SuiteContext, "writer" | "info">): string | undefined {
  const root = dirname(dirname(dirname(ctx.writer.folder)));
  const online = runFolderPath(root, {
    tag: ctx.info.tag,
    model: suite.modelName,
    variant: suite.variant,
    kind: "online",
  });
  let logs: string[];
  try {
    logs = readdirSync(online).filter((f) => /^sglang_client_log_.*_gsm8k.*\.log$/.test(f));
  } catch {
    return undefined; // no online run of this image yet
  }
  if (logs.length === 0) return undefined;
  const passed = logs.some((f) => readFileSync(join(online, f), "utf8").includes("Average accuracy meets threshold"));
  return passed ? undefined : join(online, logs[0] ?? "");
}

export { offlinePoints };
