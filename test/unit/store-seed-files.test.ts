import { describe, expect, it } from "@jest/globals";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingestPaths } from "../../src/store/ingest.js";
import { bestOfRepeats, representativeRepeat, seedFilesForRun, writeSeedFiles } from "../../src/store/seed-files.js";
import type { Repeat } from "../../src/core/results/index.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const REAL = join(FIXTURES, "real");
const SEED = join(FIXTURES, "seed");

const repeat = (index: number, metrics: Record<string, number>): Repeat => ({ index, metrics });

describe("best of 3 (seed §2.5)", () => {
  it("takes the smallest median E2E and carries its TTFT/ITL (F7, rate 16)", () => {
    const best = bestOfRepeats([
      repeat(1, { median_e2e_latency_ms: 85422.83, median_ttft_ms: 195.55, median_itl_ms: 104.54 }),
      repeat(2, { median_e2e_latency_ms: 96070.01, median_ttft_ms: 243.51, median_itl_ms: 94.42 }),
      repeat(3, { median_e2e_latency_ms: 97563.56, median_ttft_ms: 248.4, median_itl_ms: 99.84 }),
    ]);
    expect(best?.index).toBe(1);
    expect(best?.metrics.median_itl_ms).toBe(104.54);
  });

  it("first wins ties; repeats without E2E are ignored", () => {
    expect(
      bestOfRepeats([repeat(1, {}), repeat(2, { median_e2e_latency_ms: 5 }), repeat(3, { median_e2e_latency_ms: 5 })])
        ?.index,
    ).toBe(2);
    expect(bestOfRepeats([repeat(1, {})])).toBeUndefined();
  });

  it("offline rows use the median-latency repeat", () => {
    expect(
      representativeRepeat([
        repeat(1, { total_latency: 3 }),
        repeat(2, { total_latency: 1 }),
        repeat(3, { total_latency: 2 }),
      ])?.index,
    ).toBe(3);
  });
});

describe("seed files rebuilt from ingested records", () => {
  it("the GROK2 folder's logs give back its real online CSV byte for byte", async () => {
    const dir = join(REAL, "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");
    const { runs } = await ingestPaths([dir]);
    const files = seedFilesForRun(runs[0]!);
    expect(files.map((f) => f.name)).toEqual(["v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online.csv"]);
    expect(files[0]!.text).toBe(readFileSync(join(dir, files[0]!.name), "utf8"));
  });

  it("each DeepSeek folder's logs give back its real serving CSV (best of 3, 128 … 1)", async () => {
    const { runs } = await ingestPaths([join(REAL, "online_benchmark_log")], { root: REAL });
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      const serving = seedFilesForRun(run).find((f) => f.name.endsWith("_serving.csv"))!;
      const folder = join(REAL, run.sources[0]!, "..");
      expect(serving.text).toBe(readFileSync(join(folder, serving.name), "utf8"));
    }
  });

  it("an offline CSV-only folder round-trips through the record: CSV and config.json", async () => {
    const dir = join(
      mkdtempSync(join(tmpdir(), "sglbench-seed-")),
      "offline",
      "GROK1",
      "20250624_GROK1_MOE-I4F8_offline",
    );
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(SEED, "20250624_GROK1_MOE-I4F8_offline.csv"), join(dir, "20250624_GROK1_MOE-I4F8_offline.csv"));
    copyFileSync(join(SEED, "config.json"), join(dir, "config.json"));
    const { runs } = await ingestPaths([dir]);
    const out = mkdtempSync(join(tmpdir(), "sglbench-seed-out-"));
    await writeSeedFiles(out, runs[0]!);
    expect(readdirSync(out).sort()).toEqual(["20250624_GROK1_MOE-I4F8_offline.csv", "config.json"]);
    for (const name of readdirSync(out))
      expect(readFileSync(join(out, name), "utf8")).toBe(readFileSync(join(dir, name), "utf8"));
  });

  it("failed offline points are written as the seed's NA / empty rows; DeepSeek offline has 10 columns", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sglbench-seed-")), "20250626_GROK1_MOE-I4F8_offline");
    mkdirSync(dir);
    copyFileSync(join(SEED, "20250626_GROK1_MOE-I4F8_offline.csv"), join(dir, "20250626_GROK1_MOE-I4F8_offline.csv"));
    const { runs } = await ingestPaths([dir]);
    const csv = seedFilesForRun(runs[0]!)[0]!;
    expect(csv.text).toBe(readFileSync(join(SEED, "20250626_GROK1_MOE-I4F8_offline.csv"), "utf8"));
    const ds = seedFilesForRun({
      ...runs[0]!,
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      image: { full: "x:20250624", tag: "20250624" },
    });
    expect(ds.map((f) => f.name)).toEqual(["20250624_DeepSeek-V3-0324_FP8_offline.csv"]);
    expect(ds[0]!.text.split("\n")[1]!.split(",")).toHaveLength(10);
  });

  it("DeepSeek online also writes the GSM8K _online.csv", () => {
    const run = {
      schema_version: 1 as const,
      kind: "online" as const,
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      image: { full: "rocm/sgl-dev:t", tag: "t" },
      points: [{ point: { concurrency: 1 }, repeats: [repeat(1, { median_e2e_latency_ms: 1, median_ttft_ms: 2 })] }],
      gsm8k: { runs: [], average: 0.937 },
      failures: [],
      diagnostics: [],
      sources: [],
    };
    const files = seedFilesForRun(run);
    expect(files.map((f) => f.name)).toEqual([
      "t_DeepSeek-V3-0324_FP8_serving.csv",
      "t_DeepSeek-V3-0324_FP8_online.csv",
    ]);
    expect(files[0]!.text).toContain("DeepSeek-V3-0324-FP8\t1.00\n");
    expect(files[0]!.text).toContain("Median ITL (ms, lower better)\nconcurrency\t1\nDeepSeek-V3-0324-FP8\tNA\n");
    expect(files[1]!.text).toBe("Results\nAverage Accuracy\\t0.937\n");
  });
});
