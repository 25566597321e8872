/**
 * Runner benchmarks (figures printed, no assertions):
 * 1. Harness overhead per repeat: wall time of runSuite minus the time spent inside SGLang commands
 *    (the simulator's bench_one_batch / bench_serving / server start-up), target < 1 s.
 * 2. Peak RSS while a 1 GB server log streams through launchServer (redaction, tail, log scanner,
 *    buffered writes), target < 200 MB.
 * Run: npx tsx bench/runner.bench.ts   (SGLBENCH_BENCH_LOG_MB=1024 by default)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { applySuiteOverrides, findSuite, SUITES } from "../src/core/catalogue/index.js";
import type { ExecOptions, Executor } from "../src/runner/executor.js";
import { LocalExecutor } from "../src/runner/local-executor.js";
import { runSuite } from "../src/runner/run-suite.js";
import { LogSink } from "../src/runner/run-folder-writer.js";
import { launchServer } from "../src/runner/server.js";

const root = resolve(import.meta.dirname, "..");
const env = {
  ...process.env,
  PATH: `${join(root, "test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`,
  SGLSIM_TIME_SCALE: "0.0002",
};

/** Wraps an executor and sums the time its commands ran. */
function timed(inner: Executor): Executor & { commandMs: number; commands: number; close: () => Promise<void> } {
  const t = {
    description: inner.description,
    commandMs: 0,
    commands: 0,
    async exec(argv: readonly string[], options?: ExecOptions) {
      const r = await inner.exec(argv, options);
      t.commandMs += r.durationMs;
      t.commands++;
      return r;
    },
    spawnBackground: inner.spawnBackground.bind(inner),
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return t;
}

async function overhead(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), "sglbench-bench-runner-"));
  try {
    const fast = applySuiteOverrides(SUITES, {
      suites: { "grok-online": { values: [1, 2, 4], repeats: 3, prompts: { perValue: 4, cap: 8 } } },
    });
    for (const id of ["grok-offline-normal", "grok-online"]) {
      const executor = timed(new LocalExecutor({ env, cwd: out }));
      const started = Date.now();
      const { run } = await runSuite({
        suite: findSuite(id, fast),
        image: "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013",
        executor,
        outputDir: out,
        port: 30000 + (process.pid % 20000),
        skipGsm8k: true,
        resume: false,
      });
      const wallMs = Date.now() - started;
      const serverMs = ((run.timings?.server_startup ?? 0) + (run.timings?.server_shutdown ?? 0)) * 1000;
      const repeats = run.points.reduce((n, p) => n + p.repeats.length, 0);
      const harnessMs = wallMs - executor.commandMs - serverMs;
      console.log(
        `${id}: ${repeats} repeats (${executor.commands} commands), wall ${wallMs} ms, in SGLang ${Math.round(executor.commandMs + serverMs)} ms → harness overhead ${(harnessMs / repeats).toFixed(1)} ms per repeat (target < 1000 ms)`,
      );
      await executor.close();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function bigLog(): Promise<void> {
  const mb = Number(process.env.SGLBENCH_BENCH_LOG_MB ?? 1024);
  const line =
    "[2025-11-17 21:04:40 TP0] Decode batch. #running-req: 64, #token: 123456, token usage: 0.12, gen throughput (token/s): 4321.09, #queue-req: 0, hf_token=hf_abcdefghijklmnopqrstuvwxyz0123";
  // The log goes to /dev/null: the figure is the harness's memory, not the disk of a shared machine.
  const log = new LogSink("/dev/null");
  const executor = new LocalExecutor({ env });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = Date.now();
  const outcome = await launchServer({
    executor,
    argv: [
      "sh",
      "-c",
      `yes '${line}' | head -c ${mb * 1024 * 1024}; echo 'The server is fired up and ready to roll!'; sleep 60`,
    ],
    log,
    host: "127.0.0.1",
    port: 1,
    readyTimeoutMs: 600_000,
    pollMs: 1000,
  });
  const ms = Date.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (outcome.ok) await outcome.server.stop();
  log.close();
  await executor.close();
  console.log(
    `server log ${mb} MB streamed in ${(ms / 1000).toFixed(1)} s (${(mb / (ms / 1000)).toFixed(0)} MB/s), ready=${outcome.ok}, peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB (target < 200 MB)`,
  );
}

await overhead();
await bigLog();
