import { describe, expect, it } from "@jest/globals";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRun, pointKey, RunResultsSchema } from "../../src/core/results/index.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { noResultsReason } from "../../src/store/console-log.js";
import { writeResults } from "../../src/store/results-file.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const SEED = join(FIXTURES, "seed");
const REAL = join(FIXTURES, "real");

function folder(...parts: string[]): string {
  const dir = join(mkdtempSync(join(tmpdir(), "sglbench-ingest-")), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe("CSV-only run folders", () => {
  it("an offline Grok folder with only the seed CSV + config.json yields a record", async () => {
    const dir = folder("offline", "GROK1", "20250626_GROK1_MOE-I4F8_offline");
    copyFileSync(join(SEED, "20250626_GROK1_MOE-I4F8_offline.csv"), join(dir, "20250626_GROK1_MOE-I4F8_offline.csv"));
    writeFileSync(join(dir, "config.json"), '{"docker": "rocm/sgl-dev:20250626", "attention_backend": "aiter"}');
    const { runs, skipped } = await ingestPaths([dir]);
    expect(skipped).toEqual([]);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(RunResultsSchema.parse(run)).toBeTruthy();
    expect(run).toMatchObject({
      kind: "offline",
      suite: "grok-offline-normal",
      model: { name: "GROK1", variant: "MOE-I4F8" },
      image: { full: "rocm/sgl-dev:20250626", repo: "rocm/sgl-dev", tag: "20250626" },
      backend: "aiter",
      date: "20250626",
    });
    expect(run.points.map((p) => p.point.batch_size)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(run.points.find((p) => p.point.batch_size === 64)?.failure?.kind).toBe("crash");
    expect(run.points.find((p) => p.point.batch_size === 256)?.failure?.kind).toBe("oom");
    expect(run.points[0]?.repeats[0]?.labels?.overall_throughput).toBe("718.20");
  });

  it("a DeepSeek online folder with only its serving CSV + GSM8K _online.csv yields points and accuracy", async () => {
    const tag = "v0.5.3.post1-rocm630-mi30x-20251013";
    const dir = folder("online_benchmark_log", "mi30x", "DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online`);
    for (const f of [`${tag}_DeepSeek-V3-0324_FP8_serving.csv`, `${tag}_DeepSeek-V3-0324_FP8_online.csv`])
      copyFileSync(join(SEED, f), join(dir, f));
    const { runs } = await ingestPaths([dir]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      kind: "online",
      suite: "deepseek-online",
      gsm8k: { average: 0.937 },
      // From the tag alone: build date, hardware, and the fixed backend rule for new-style sgl-dev nightlies.
      date: "20251013",
      hardware: "mi30x",
      backend: "aiter",
    });
    expect(runs[0]!.points.map((p) => p.point.concurrency)).toEqual([128, 64, 16, 4, 1]);
    expect(runs[0]!.points[0]!.repeats[0]!.metrics.median_e2e_latency_ms).toBe(61139.44);
  });

  it("the tag rule picks triton for an old dated nightly named only by its folder", async () => {
    const dir = folder("online", "GROK1", "20250520_GROK1_MOE-I4F8_online");
    const text =
      "Online mode - GROK1 (20250520)\n\nMedian E2E Latency (ms, lower better)\nrequest rate\t1\nMI300x-x, n\t1.00\n";
    writeFileSync(join(dir, "20250520_GROK1_MOE-I4F8_online.csv"), text.replace("MI300x-x, n", "Somebody"));
    const { runs } = await ingestPaths([dir]);
    expect(runs[0]).toMatchObject({
      backend: "triton",
      date: "20250520",
      image: { full: "20250520", tag: "20250520" },
    });
  });
});

describe("results.json is the source of truth", () => {
  it("is returned as written, logs beside it are not re-parsed", async () => {
    const dir = folder("online", "GROK1", "20250624_GROK1_MOE-I4F8_online");
    const stored = emptyRun({
      kind: "online",
      suite: "grok-online",
      model: { name: "GROK1", variant: "MOE-I4F8" },
      backend: "aiter",
    });
    stored.points = [{ point: { request_rate: 1 }, repeats: [{ index: 1, metrics: { median_e2e_latency_ms: 1 } }] }];
    stored.sources = ["from-runner.log"];
    await writeResults(dir, stored);
    writeFileSync(join(dir, "sglang_client_log_GROK1_aiter_2_run1_20250624_010101.log"), "garbage\n");
    const { runs, skipped } = await ingestPaths([dir]);
    expect(skipped).toEqual([]);
    expect(runs).toEqual([stored]);
  });

  it("an invalid results.json is skipped with its reason and the logs are read instead", async () => {
    const dir = folder("offline", "GROK1", "20250624_GROK1_MOE-I4F8_offline");
    writeFileSync(join(dir, "results.json"), '{"schema_version": 1}');
    copyFileSync(join(SEED, "20250624_GROK1_MOE-I4F8_offline.csv"), join(dir, "20250624_GROK1_MOE-I4F8_offline.csv"));
    const { runs, skipped } = await ingestPaths([dir]);
    expect(skipped).toEqual([
      {
        file: join(dir, "results.json"),
        reason: expect.stringMatching(/results\.json.*kind.*reading the folder's logs instead/s),
      },
    ]);
    expect(runs[0]?.points).toHaveLength(9);
  });
});

describe("nightly console logs", () => {
  it("a DeepSeek console log merges into its run folder instead of adding a GSM8K-only record", async () => {
    const console = join(REAL, "cron_log/mi30x/20251014/deepseek_nightly_online.log");
    const dir = join(
      REAL,
      "online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_online",
    );
    const alone = await ingestPaths([console], { root: REAL });
    expect(alone.runs).toHaveLength(1);
    // Alone, the console's best-of-3 summary lines give the five levels (the serving CSV's numbers).
    expect(
      alone.runs[0]!.points.map((p) => [p.point.concurrency, p.repeats[0]!.metrics.median_e2e_latency_ms]),
    ).toEqual([
      [1, 16462.56],
      [4, 16699.65],
      [16, 20913.12],
      [64, 43652.3],
      [128, 61139.44],
    ]);
    expect(alone.runs[0]!.points[4]!.repeats[0]!.source).toBe(
      "cron_log/mi30x/20251014/deepseek_nightly_online.log:155",
    );
    const { runs } = await ingestPaths([dir, console], { root: REAL });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.points).toHaveLength(5);
    // The folder's three logged repeats win over the console's one summary value.
    for (const p of runs[0]!.points) expect(p.repeats).toHaveLength(3);
    expect(runs[0]!.gsm8k?.average).toBe(0.937);
    expect(runs[0]!.sources).toContain("cron_log/mi30x/20251014/deepseek_nightly_online.log");
  });

  it("merges only into a folder of the same model", async () => {
    const grok2 = join(REAL, "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");
    const log = (command: string): string => {
      const dir = folder("cron_log", "mi30x", "20251114");
      const text = [
        `[nightly] Command: perf_nightly.sh ${command}`,
        "[nightly] Starting benchmarks for image: rocm/sgl-dev:v0.5.5.post2-rocm700-mi30x-20251113",
        "Accuracy: 0.9",
        "Average Accuracy over 1 runs for mode aiter: 0.9",
      ].join("\n");
      writeFileSync(join(dir, "grok_nightly.log"), text);
      return join(dir, "grok_nightly.log");
    };
    expect((await ingestPaths([grok2, log("--model=grok1")])).runs.map((r) => r.model.name)).toEqual([
      "GROK2",
      "GROK1",
    ]);
    const merged = await ingestPaths([grok2, log("--model=grok2")]);
    expect(merged.runs).toHaveLength(1);
    expect(merged.runs[0]!.gsm8k?.average).toBe(0.929);
  });

  it("a console log without any benchmark block is reported as skipped with its error", async () => {
    const { runs, skipped } = await ingestPaths([join(REAL, "cron_log/mi30x/20251013")], { root: REAL });
    expect(runs).toEqual([]);
    expect(skipped).toHaveLength(2);
    for (const s of skipped) expect(s.reason).toMatch(/^no benchmark results in console log \(ERROR: Could not find/);
  });

  it("never repeats a secret from a log line in what it returns", async () => {
    const dir = folder("cron_log", "mi30x", "20250101");
    const hook = "https://prod-1.westus.logic.azure.com/workflows/x/invoke?sig=SECRETSIG";
    writeFileSync(join(dir, "grok_nightly.log"), `[nightly] ERROR: could not post to ${hook}\n`);
    const { skipped } = await ingestPaths([dir]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toContain("could not post to <redacted>");
    expect(JSON.stringify(skipped)).not.toContain("SECRETSIG");
  });

  it("noResultsReason without an ERROR line", () => {
    expect(noResultsReason("[nightly] started\n")).toBe("no benchmark results in console log");
  });
});

describe("points read the same from logs, CSVs and the runner", () => {
  it("fills the seed's fixed lengths: Grok offline per mode, DeepSeek offline and online", async () => {
    const grok = folder("offline", "GROK1", "20250624_GROK1_MOE-I4F8_offline_long_context");
    writeFileSync(
      join(grok, "tp8_bs1_il8192.log"),
      "Benchmark ...\nPrefill. latency: 0.5 s, throughput: 16384.00 token/s\nTotal. latency:  1.000 s, throughput: 8202.00 token/s\n",
    );
    const ds = folder("offline", "DeepSeek-V3-0324", "20250624_DeepSeek-V3-0324_FP8_offline");
    writeFileSync(join(ds, "tp8_bs32.log"), "Benchmark ...\ntorch.OutOfMemoryError: HIP out of memory\n");
    const tag = "v0.5.3.post1-rocm630-mi30x-20251013";
    const online = folder(`${tag}_DeepSeek-V3-0324_FP8_online`);
    copyFileSync(
      join(SEED, `${tag}_DeepSeek-V3-0324_FP8_serving.csv`),
      join(online, `${tag}_DeepSeek-V3-0324_FP8_serving.csv`),
    );
    const { runs } = await ingestPaths([grok, ds, online]);
    const keys = runs.map((r) => r.points.map((p) => pointKey(p.point)));
    expect(keys).toContainEqual(["tp=8,batch_size=1,input_len=8192,output_len=10"]);
    expect(keys).toContainEqual(["tp=8,batch_size=32,input_len=128,output_len=32"]);
    expect(keys).toContainEqual([128, 64, 16, 4, 1].map((c) => `input_len=3200,output_len=800,concurrency=${c}`));
    const failed = runs.find((r) => r.model.name.startsWith("DeepSeek") && r.kind === "offline")!;
    expect(failed.failures[0]?.point).toEqual({ tp: 8, batch_size: 32, input_len: 128, output_len: 32 });
  });
});
