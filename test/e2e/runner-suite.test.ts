/**
 * End to end against the simulated SGLang (test/sim): every suite and every fault, through the
 * local executor, with the run folder read back by ingest and the seed's CSV readers.
 */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { freeLocalPort as freePort } from "../../src/runner/free-port.js";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { pointKey, type RunResults } from "../../src/core/results/index.js";
import { applySuiteOverrides, findSuite, SUITES, type Suite } from "../../src/core/catalogue/index.js";
import type { Executor } from "../../src/runner/executor.js";
import { LocalExecutor } from "../../src/runner/local-executor.js";
import { runSuite, type RunSuiteOptions } from "../../src/runner/run-suite.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { parseOfflineCsv } from "../../src/store/offline-csv.js";
import { parseOnlineCsv } from "../../src/store/online-csv.js";
import { readResults } from "../../src/store/results-file.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const SIM_BIN = resolve("test/sim/bin");
const IMAGE = "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013";
const root = mkdtempSync(join(tmpdir(), "sglbench-runner-"));

/** A free TCP port on 127.0.0.1, so parallel tests never share a server. */

/** Small, fast versions of the catalogue suites. */
const fast = applySuiteOverrides(SUITES, {
  suites: {
    "grok-offline-normal": { batchSizes: [1, 8, 64] },
    "grok-online": {
      values: [1, 4],
      repeats: 2,
      prompts: { perValue: 4, cap: 8 },
      gsm8k: { ...findSuite("grok-online").gsm8k, numQuestions: 20, parallel: 20, runs: 2 },
    },
    "deepseek-online": {
      values: [4, 1],
      repeats: 2,
      prompts: { smallUpTo: 16, small: 4, large: 8 },
      gsm8k: { ...findSuite("deepseek-online").gsm8k, numQuestions: 20, parallel: 20, runs: 2 },
    },
    "deepseek-offline": { gsm8k: { ...findSuite("deepseek-offline").gsm8k, numQuestions: 20, parallel: 20, runs: 2 } },
  },
});

const executors: LocalExecutor[] = [];
function executor(env: Record<string, string> = {}): LocalExecutor {
  const e = new LocalExecutor({
    env: {
      ...process.env,
      PATH: `${SIM_BIN}${delimiter}${process.env.PATH ?? ""}`,
      SGLSIM_TIME_SCALE: "0.0002",
      SGLSIM_SEED: "7",
      ...env,
    },
    killGraceMs: 1000,
    // bench_serving and bench_one_batch drop JSONL files in their working directory.
    cwd: mkdtempSync(join(root, "work-")),
  });
  executors.push(e);
  return e;
}

async function runOn(
  suiteId: string,
  name: string,
  env: Record<string, string> = {},
  extra: Partial<RunSuiteOptions> = {},
) {
  const suite: Suite = findSuite(suiteId, fast);
  const outputDir = join(root, name);
  const port = await freePort();
  portsUsed.push(port);
  const outcome = await runSuite({
    suite,
    image: IMAGE,
    executor: executor(env),
    outputDir,
    port,
    readyTimeoutMs: 20_000,
    commandTimeoutMs: 30_000,
    ...extra,
  });
  return { ...outcome, outputDir };
}

const portsUsed: number[] = [];

/** Command lines of live (non-zombie) processes that mention one of our server ports. */
function strayServers(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (portsUsed.some((p) => cmd.includes(`--port ${p}`))) found.push(`${pid}: ${cmd}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Without results.json, the seed's files alone (CSV, client logs, GSM8K log) ingest to the same measurements. */
async function expectSeedFilesRoundTrip(folder: string, run: RunResults): Promise<void> {
  rmSync(join(folder, "results.json"));
  const { runs } = await ingestPaths([folder]);
  expect(runs).toHaveLength(1);
  const view = (r: RunResults) =>
    r.points
      .map((p) => ({ key: pointKey(p.point), metrics: p.repeats.filter((x) => !x.warmup).map((x) => x.metrics) }))
      .sort((a, b) => a.key.localeCompare(b.key));
  expect(view(runs[0]!)).toEqual(view(run));
  expect(runs[0]?.gsm8k?.average).toEqual(run.gsm8k?.average);
}

afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
});

describe("offline suites on the simulator", () => {
  it("Grok normal: every point measured, CSV + config.json + results.json that ingest reads back", async () => {
    const { run, folder, exitCode, outputDir } = await runOn("grok-offline-normal", "grok-normal");
    expect(exitCode).toBe(0);
    expect(folder).toMatch(/offline\/GROK1\/v0\.5\.3\.post1-rocm630-mi30x-20251013_GROK1_MOE-I4F8_offline$/);
    expect(run.points.map((p) => p.repeats.length)).toEqual([1, 1, 1]);
    const files = readdirSync(folder);
    expect(files).toEqual(
      expect.arrayContaining(["results.json", "config.json", "tp8_bs1_il1024.log", "tp8_bs64_il1024.log"]),
    );
    const csvName = files.find((f) => f.endsWith("_offline.csv"))!;
    const csv = parseOfflineCsv(readFileSync(join(folder, csvName), "utf8"), csvName);
    expect(csv.rows.map((r) => r.batch_size)).toEqual([1, 8, 64]);
    expect(csv.rows[0]?.backend).toBe("aiter");
    const ingested = await ingestPaths([outputDir]);
    expect(ingested.runs).toHaveLength(1);
    const back = ingested.runs[0]!;
    expect(back.points.map((p) => p.repeats[0]?.metrics.median_decode_throughput)).toEqual(
      run.points.map((p) => p.repeats[0]?.metrics.median_decode_throughput),
    );
    expect(readdirSync(folder).some((f) => f.startsWith("timing_summary_"))).toBe(true);
  });

  it("every command runs with the suite's variables and core dumps off (HSA_ENABLE_COREDUMP=0)", async () => {
    const inner = executor();
    const envs: Array<Record<string, string> | undefined> = [];
    const recording: Executor = {
      description: inner.description,
      exec: (argv, o) => (envs.push(o?.env), inner.exec(argv, o)),
      spawnBackground: (argv, o) => (envs.push(o?.env), inner.spawnBackground(argv, o)),
    };
    const { exitCode } = await runOn("grok-offline-normal", "grok-env", {}, { executor: recording });
    expect(exitCode).toBe(0);
    expect(envs.length).toBeGreaterThan(0);
    for (const env of envs)
      expect(env).toMatchObject({ HSA_ENABLE_COREDUMP: "0", SGLANG_USE_AITER: "1", SGLANG_INT4_WEIGHT: "1" });
  });
  it("OOM at one batch size: NA row, oom failure on that point, the rest measured, exit 3", async () => {
    const { run, folder, exitCode } = await runOn("grok-offline-normal", "grok-oom", { SGLSIM_OOM_AT_BS: "64" });
    expect(exitCode).toBe(3);
    const bad = run.points.find((p) => p.point.batch_size === 64)!;
    expect(bad.failure?.kind).toBe("oom");
    expect(run.points.filter((p) => p.repeats.length === 1)).toHaveLength(2);
    const csvText = readFileSync(
      join(
        folder,
        readdirSync(folder).find((f) => f.endsWith(".csv"))!,
      ),
      "utf8",
    );
    expect(csvText).toContain("8,64,1024,128,aiter,NA,NA,NA,NA,NA,NA");
  });

  it("a hanging bench_one_batch is killed at the timeout and recorded as a timeout naming the point", async () => {
    const { run, exitCode } = await runOn(
      "grok-offline-dummy",
      "grok-hang",
      { SGLSIM_HANG: "bench_one_batch" },
      { commandTimeoutMs: 1500 },
    );
    expect(exitCode).toBe(1);
    expect(run.points[0]?.failure?.kind).toBe("timeout");
    expect(run.points[0]?.failure?.message).toMatch(/bench_one_batch at batch size 2 .*timed out/);
  });

  it("DeepSeek offline: warm-up server, GSM8K gate passes, 10-column CSV", async () => {
    const { run, folder, exitCode } = await runOn("deepseek-offline", "ds-offline", { SGLSIM_GSM8K_ACCURACY: "0.95" });
    expect(exitCode).toBe(0);
    expect(run.gsm8k?.passed).toBe(true);
    expect(run.gsm8k?.runs).toHaveLength(2);
    expect(existsSync(join(folder, "sglang_warmup_server.log"))).toBe(true);
    expect(existsSync(join(folder, "tp8_bs32.log"))).toBe(true);
    const csvName = readdirSync(folder).find((f) => f.endsWith("_offline.csv"))!;
    expect(readFileSync(join(folder, csvName), "utf8").split("\n")[0]?.split(",")).toHaveLength(10);
  });

  it("DeepSeek offline: GSM8K below 0.93 → low_accuracy on every point, nothing benchmarked, exit 1", async () => {
    const { run, exitCode } = await runOn("deepseek-offline", "ds-offline-low", { SGLSIM_GSM8K_ACCURACY: "0.5" });
    expect(exitCode).toBe(1);
    expect(run.gsm8k?.passed).toBe(false);
    expect(run.points.every((p) => p.failure?.kind === "low_accuracy")).toBe(true);
  });
});

describe("online suites on the simulator", () => {
  it("Grok online: GSM8K, warm-up discarded, rates × repeats, TAB CSV with H100 rows that ingest reads back", async () => {
    const { run, folder, exitCode, outputDir } = await runOn("grok-online", "grok-online", {
      SGLSIM_GSM8K_ACCURACY: "0.9",
    });
    expect(exitCode).toBe(0);
    expect(run.gsm8k?.passed).toBe(true);
    expect(run.points.map((p) => p.repeats.filter((r) => !r.warmup).length)).toEqual([2, 2]);
    // One discarded warm-up round per point: each point's first run after a launch is biased.
    expect(run.points.map((p) => p.repeats.filter((r) => r.warmup).length)).toEqual([1, 1]);
    expect(run.kv_cache?.num_tokens).toBeGreaterThan(0);
    const files = readdirSync(folder);
    expect(files.filter((f) => /^sglang_client_log_GROK1_aiter_\d+_run\d_\d{8}_\d{6}\.log$/.test(f))).toHaveLength(4);
    expect(files).toContain("server_output_aiter.log");
    expect(files).toContain("sglang_client_log_GROK1_gsm8k_aiter.log");
    // bench_serving's per-request details: a compact file per measured repeat, on the repeat too (tail verdicts).
    const requestFiles = readdirSync(join(folder, "requests"));
    expect(
      requestFiles.filter((f) => /^sglang_client_log_GROK1_aiter_\d+_run\d_\d{8}_\d{6}\.json$/.test(f)),
    ).toHaveLength(4);
    const steady = run.points.flatMap((p) => p.repeats.filter((r) => !r.warmup));
    expect(steady.every((r) => (r.requests?.ttft_ms.length ?? 0) === r.metrics.completed)).toBe(true);
    const csvName = files.find((f) => f.endsWith("_online.csv"))!;
    const csv = parseOnlineCsv(readFileSync(join(folder, csvName), "utf8"), csvName);
    expect(csv.withH100).toBe(true);
    const ingested = await ingestPaths([outputDir]);
    expect(ingested.runs[0]?.points.map((p) => p.point.request_rate)).toEqual([1, 4]);
    await expectSeedFilesRoundTrip(folder, run);
  });

  it("DeepSeek online: concurrency points, serving CSV and GSM8K CSV", async () => {
    const { run, folder, exitCode } = await runOn("deepseek-online", "ds-online", { SGLSIM_GSM8K_ACCURACY: "0.95" });
    expect(exitCode).toBe(0);
    expect(run.points.map((p) => p.point)).toEqual([
      { concurrency: 4, input_len: 3200, output_len: 800 },
      { concurrency: 1, input_len: 3200, output_len: 800 },
    ]);
    const files = readdirSync(folder);
    expect(files.some((f) => f.endsWith("_FP8_serving.csv"))).toBe(true);
    expect(files.some((f) => f.endsWith("_FP8_online.csv"))).toBe(true);
    expect(files.filter((f) => f.startsWith("sglang_serving_benchmark_concurrency_"))).toHaveLength(4);
    await expectSeedFilesRoundTrip(folder, run);
  });

  it("--skip-gsm8k and a low accuracy gate", async () => {
    const skipped = await runOn(
      "grok-online",
      "grok-skip",
      { SGLSIM_GSM8K_ACCURACY: "0.1" },
      { skipGsm8k: true, points: [1], repeats: 1 },
    );
    expect(skipped.exitCode).toBe(0);
    expect(skipped.run.gsm8k).toBeUndefined();
    const low = await runOn("grok-online", "grok-low", { SGLSIM_GSM8K_ACCURACY: "0.1" }, { points: [1] });
    expect(low.exitCode).toBe(1);
    expect(low.run.points[0]?.failure?.kind).toBe("low_accuracy");
  });

  it("never ready → never_ready with the log tail; OOM at launch and a crash at launch → launch_failed with the cause", async () => {
    const never = await runOn(
      "grok-online",
      "never",
      { SGLSIM_NEVER_READY: "1" },
      { readyTimeoutMs: 2000, skipGsm8k: true },
    );
    expect(never.exitCode).toBe(1);
    expect(never.run.points.every((p) => p.failure?.kind === "never_ready")).toBe(true);
    expect(never.run.failures[0]?.log_tail?.length).toBeGreaterThan(0);
    const oom = await runOn("grok-online", "oom-launch", { SGLSIM_OOM_AT_LAUNCH: "1" }, { skipGsm8k: true });
    expect(oom.run.points[0]?.failure?.kind).toBe("launch_failed");
    expect(oom.run.points[0]?.failure?.cause).toMatch(/Not enough memory/);
    const crash = await runOn("grok-online", "crash-launch", { SGLSIM_CRASH: "launch" }, { skipGsm8k: true });
    expect(crash.run.points[0]?.failure?.kind).toBe("launch_failed");
    expect(crash.run.points[0]?.failure?.cause).toMatch(/HIP error/);
    expect(crash.run.points[0]?.failure?.message).toMatch(/HIP error.*see server_output_aiter.log/);
    expect(crash.exitCode).toBe(1);
  });

  it("server crash mid-run: measured repeats kept, relaunched once, the rest recorded as server_crashed, exit 3", async () => {
    const r = await runOn(
      "grok-online",
      "crash-mid",
      { SGLSIM_CRASH: "after_requests:20" },
      { skipGsm8k: true, warmup: false },
    );
    expect(r.exitCode).toBe(3);
    expect(r.run.points[0]?.repeats.length).toBeGreaterThan(0);
    expect(r.run.points[1]?.failure?.kind).toBe("server_crashed");
  });

  it("failed requests are recorded per repeat and never judged", async () => {
    const r = await runOn(
      "grok-online",
      "fail-req",
      { SGLSIM_FAIL_REQUESTS: "0.5" },
      { skipGsm8k: true, points: [4], repeats: 1 },
    );
    expect(r.run.failures.some((f) => f.kind === "requests_failed")).toBe(true);
    expect(r.run.points[0]?.failure?.kind).toBe("requests_failed");
    expect(r.run.points[0]?.repeats.filter((x) => !x.warmup)).toEqual([]);
    expect(r.exitCode).toBe(1);
  });

  it("cancel mid-run: cancelled recorded, partial results kept, server stopped; resume completes the rest", async () => {
    const ac = new AbortController();
    const first = await runOn(
      "grok-online",
      "cancel",
      {},
      {
        skipGsm8k: true,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === "point" && p.point?.index === 2) ac.abort();
        },
      },
    );
    expect(first.run.points[0]?.repeats.filter((r) => !r.warmup)).toHaveLength(2);
    expect(first.run.points[1]?.failure?.kind).toBe("cancelled");
    expect(first.exitCode).toBe(3);
    const saved = await readResults(join(first.folder, "results.json"));
    expect(saved.points[0]?.repeats.filter((r) => !r.warmup)).toHaveLength(2);
    const commands: string[] = [];
    const second = await runOn(
      "grok-online",
      "cancel",
      {},
      {
        skipGsm8k: true,
        onProgress: (p) => void (p.point && commands.push(p.point.label)),
      },
    );
    expect(second.exitCode).toBe(0);
    expect(commands.every((c) => c === "request_rate=4")).toBe(true);
    expect(second.run.points.map((p) => p.repeats.filter((r) => !r.warmup).length)).toEqual([2, 2]);
  });
});

// Last on purpose: jest runs describes in file order.
describe("no stray processes", () => {
  it("every server and client started by these tests has ended", () => {
    expect(portsUsed.length).toBeGreaterThan(0);
    expect(strayServers()).toEqual([]);
  });
});
