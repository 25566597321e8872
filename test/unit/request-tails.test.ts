import { describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  compareRuns,
  decideRequestCell,
  effectiveRunDf,
  harrellDavis,
  learnNoise,
  lookupNoise,
  requestValues,
  runScope,
  scheduleKey,
  withPrior,
  type NoiseEstimate,
  type RequestRepeat,
} from "../../src/core/verdict/index.js";
import { emptyRun, type RequestSamples, type RunResults } from "../../src/core/results/index.js";
import { parseServingDetails } from "../../src/sglang/serving.js";
import { parseJsonl } from "../../src/sglang/jsonl.js";
import { requestDetailsNames } from "../../src/store/layout.js";
import { collectRequestDetails, requestDetailsTarget } from "../../src/runner/request-details.js";
import { LocalExecutor } from "../../src/runner/local-executor.js";

/** Seeded uniform PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (u: () => number): number => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());

/** Per-request TTFTs like the real Grok rate-1 runs (median ≈ 150 ms, P99/median ≈ 1.8), × `scale`. */
function ttfts(n: number, seed: number, scale = 1): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => 150 * scale * Math.exp(0.25 * normal(u)));
}
const samples = (ttft: number[]): RequestSamples => ({
  ttft_ms: ttft,
  e2e_ms: ttft.map((t) => t + 10_000),
  output_len: ttft.map(() => 512),
});
/**
 * Repeats of one launch as bench_serving runs them: the same seeded prompt schedule every run (one
 * fixed set of requests), each repeat's level moved by 1 % and each request by a small jitter.
 */
function scheduled(seed: number, scale = 1): RequestRepeat[] {
  const schedule = ttfts(300, 4242);
  const u = rng(seed);
  return [1, 2, 3].map((index) => {
    const level = scale * Math.exp(0.01 * normal(u));
    return { values: schedule.map((t) => t * level * Math.exp(0.035 * normal(u))), index, group: 0, schedule: "s" };
  });
}
const repeats = (seed: number, scale = 1, n = 300, count = 3): RequestRepeat[] =>
  Array.from({ length: count }, (_, i) => ({ values: ttfts(n, seed * 10 + i, scale), index: i + 1, group: 0 }));

/** An online run whose repeats carry per-request TTFTs (and the matching run-level P99). */
function run(seed: number, scale = 1, withRequests = true): RunResults {
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: "GROK2", variant: "FP8" },
    hardware: "mi30x",
    backend: "aiter",
    points: [
      {
        point: { request_rate: 1 },
        repeats: [0, 1, 2, 3].map((i) => {
          const t = ttfts(300, seed * 10 + i, scale);
          const sorted = [...t].sort((a, b) => a - b);
          return {
            index: i,
            ...(i === 0 ? { warmup: true } : {}),
            metrics: { p99_ttft_ms: sorted[296]!, median_ttft_ms: sorted[149]! },
            ...(withRequests ? { requests: samples(t) } : {}),
          };
        }),
      },
    ],
  });
}

const opts = { minEffectPct: 2, confidence: 0.98 };
/** Launch-to-launch noise of 1 % (log sd), learnt from 10 nights. */
const history: NoiseEstimate = { variance: 0.0005, df: 20, runVariance: 0.01 ** 2, runDf: 9 };

describe("bench_serving per-request details", () => {
  it("reads the real --output-details keys: successful requests only, ms, E2E = TTFT + gaps", () => {
    const record = {
      completed: 2,
      input_lens: [1024, 1024, 1024],
      output_lens: [3, 0, 2],
      ttfts: [0.1, 0.0, 0.2],
      itls: [[0.02, 0.03], [], [0.05]],
      generated_texts: ["a b", "", "c"],
      errors: ["", "Internal server error", ""],
    };
    expect(parseServingDetails(record)).toEqual({ ttft_ms: [100, 200], e2e_ms: [150, 250], output_len: [3, 2] });
    expect(parseServingDetails({ completed: 2, median_ttft_ms: 3 })).toBeUndefined();
  });
  it("parses a details line with Python's bare Infinity", () => {
    const line = '{"p99_ttft_ms": Infinity, "ttfts": [0.5], "itls": [[0.1]], "output_lens": [2], "errors": [""]}';
    const { records } = parseJsonl(line);
    expect(parseServingDetails(records[0]!)).toEqual({ ttft_ms: [500], e2e_ms: [600], output_len: [2] });
  });
  it("reads the details back through the executor, keeps a compact copy in requests/ and on the repeat", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tails-"));
    const log = join(dir, "sglang_client_log_GROK2_aiter_1_run1_20251113_123551.log");
    const target = requestDetailsTarget(log);
    expect(target.args).toEqual(["--output-file", target.raw, "--output-details"]);
    expect(target.raw).toMatch(
      /^\/tmp\/sglbench-[0-9a-f]{12}-sglang_client_log_GROK2_aiter_1_run1_20251113_123551\.details\.jsonl$/,
    );
    // bench_serving appends: an earlier record without details, then this repeat's.
    const record = JSON.stringify({ ttfts: [0.1, 0.2], itls: [[0.01], [0.02]], errors: ["", ""] });
    await writeFile(target.raw, `{"completed": 1}\n${record}\n`);
    const repeat: { index: number; metrics: Record<string, number>; requests?: RequestSamples } = {
      index: 1,
      metrics: {},
    };
    await collectRequestDetails(repeat, target, new LocalExecutor({ env: { PATH: process.env.PATH ?? "" } }));
    const names = requestDetailsNames("sglang_client_log_GROK2_aiter_1_run1_20251113_123551.log");
    expect(names.compact).toBe("requests/sglang_client_log_GROK2_aiter_1_run1_20251113_123551.json");
    expect(repeat.requests).toEqual({
      ttft_ms: [100, 200],
      e2e_ms: [110, 220],
      output_len: [2, 2],
      source: names.compact,
    });
    expect(await readdir(join(dir, "requests"))).toEqual([names.compact.slice("requests/".length)]);
    expect(JSON.parse(await readFile(join(dir, names.compact), "utf8"))).toEqual({
      ttft_ms: [100, 200],
      e2e_ms: [110, 220],
      output_len: [2, 2],
    });
    expect(existsSync(target.raw)).toBe(false);
  });
  it("leaves the repeat alone when bench_serving wrote no details", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tails-"));
    const repeat = { index: 1, metrics: {} };
    await collectRequestDetails(repeat, requestDetailsTarget(join(dir, "x.log")), new LocalExecutor({}));
    expect(repeat).toEqual({ index: 1, metrics: {} });
    expect(existsSync(join(dir, "requests"))).toBe(false);
  });
});

describe("request-level median and tail cells", () => {
  it("derives TPOT per request and refuses too few requests", () => {
    expect(requestValues(samples(ttfts(30, 1)), "median_tpot_ms")![0]).toBeCloseTo(10_000 / 511, 6);
    expect(requestValues(samples(ttfts(5, 1)), "p99_ttft_ms")).toBeUndefined();
    expect(requestValues(samples(ttfts(30, 1)), "output_throughput")).toBeUndefined();
  });
  it("flags a ×1.10 P99 TTFT shift between launches of the same prompt schedule", () => {
    const v = decideRequestCell(scheduled(1), scheduled(2, 1.1), "p99_ttft_ms", "lower", { ...opts, history })!;
    expect(v.verdict).toBe("regressed");
    expect(v.change_pct!).toBeGreaterThan(4);
    expect(v.reason).toMatch(/^requests: PR vs main .*Harrell–Davis P99 of 900 vs 900 requests/);
    expect(v.reason).toMatch(/launch-to-launch noise from history/);
  });
  it("names the built-in prior as the launch noise's source when no history was given", () => {
    const prior = withPrior(undefined, { variance: 0.01 ** 2, df: 9, nights: 20, source: "series x" })!;
    const alone = decideRequestCell(scheduled(1), scheduled(2, 1.1), "p99_ttft_ms", "lower", {
      ...opts,
      history: prior,
    })!;
    expect(alone.reason).toMatch(/launch-to-launch noise from the built-in prior/);
    const both = withPrior(history, { variance: 0.01 ** 2, df: 9, nights: 20, source: "series x" })!;
    const mixed = decideRequestCell(scheduled(1), scheduled(2, 1.1), "p99_ttft_ms", "lower", {
      ...opts,
      history: both,
    })!;
    expect(mixed.reason).toMatch(/launch-to-launch noise from history and the built-in prior/);
  });
  it("does not flag two launches of the same image (A/A), median or tail", () => {
    for (const seed of [3, 4, 5]) {
      for (const metric of ["p99_ttft_ms", "median_ttft_ms"]) {
        const v = decideRequestCell(repeats(seed), repeats(seed + 100), metric, "lower", { ...opts, history })!;
        expect(v.verdict).not.toBe("regressed");
        expect(v.verdict).not.toBe("improved");
      }
    }
  });
  it("widens the interval with the launch-to-launch noise (clusters, not requests)", () => {
    const quiet = decideRequestCell(repeats(6), repeats(7), "median_ttft_ms", "lower", { ...opts, history })!;
    const noisy = decideRequestCell(repeats(6), repeats(7), "median_ttft_ms", "lower", {
      ...opts,
      history: { ...history, runVariance: 0.05 ** 2 },
    })!;
    const width = (x: typeof quiet): number => x.interval![1] - x.interval![0];
    expect(width(noisy)).toBeGreaterThan(2 * width(quiet));
  });
  it("compareRuns uses the requests when both sides have them, the run-level values otherwise", () => {
    // Two launches a side (compare-pr's blocks): their spread is the launch noise when history has none.
    const both = compareRuns([run(1), run(3)], [run(2, 1.1), run(4, 1.1)], { noise: undefined });
    const p99 = both.cells.find((c) => c.metric === "p99_ttft_ms")!;
    expect(p99.reason).toMatch(/^requests:.*launch-to-launch noise from the spread of 2 \+ 2 launches/);
    expect(p99.baseline.values).toHaveLength(6); // the warm-up rounds are not used
    // One launch a side and no history: a launch's level is unknown, so the requests decide nothing.
    const single = compareRuns([run(1)], [run(2, 1.1)], { noise: undefined });
    expect(single.cells.find((c) => c.metric === "p99_ttft_ms")!.reason).not.toMatch(/^requests:/);
    const old = compareRuns([run(1, 1, false)], [run(2, 1.1)]);
    expect(old.cells.find((c) => c.metric === "p99_ttft_ms")!.reason).not.toMatch(/^requests:/);
  });
  it("estimates a quantile from the requests around it (Harrell–Davis), with its Maritz–Jarrett variance", () => {
    const sorted = Array.from({ length: 101 }, (_, i) => i);
    const median = harrellDavis(sorted, 0.5);
    expect(median.value).toBeCloseTo(50, 6); // symmetric weights around the middle
    const p99 = harrellDavis(sorted, 0.99);
    expect(p99.value).toBeGreaterThan(97);
    expect(p99.value).toBeLessThan(100);
    // Not one order statistic: the estimate moves with its neighbours too.
    const moved = harrellDavis([...sorted.slice(0, 97), 97.5, 98.5, 99.5, 100.5], 0.99);
    expect(moved.value).toBeGreaterThan(p99.value);
    expect(p99.variance).toBeGreaterThan(0);
    // A sample of the same values twice as large gives a smaller sampling variance.
    const doubled = Array.from({ length: 202 }, (_, i) => i / 2);
    expect(harrellDavis(doubled, 0.99).variance).toBeLessThan(p99.variance);
  });
  it("fingerprints the prompt schedule by the requests' output lengths", () => {
    const a = samples(ttfts(30, 1));
    expect(scheduleKey(a)).toBe(scheduleKey({ ...samples(ttfts(30, 2)) }));
    expect(scheduleKey({ ...a, output_len: a.output_len!.map((n, i) => (i === 3 ? n + 1 : n)) })).not.toBe(
      scheduleKey(a),
    );
    expect(scheduleKey({ ttft_ms: [1], e2e_ms: [2] })).toBeUndefined();
  });
  it("adds the schedule's sampling noise only when the sides ran different prompt schedules", () => {
    // Each side: one schedule for all its repeats (the same requests, a little jitter), the sides'
    // schedules drawn apart: the sides differ by their prompts, which the repeats' spread cannot show.
    const side = (seed: number, schedule: string): RequestRepeat[] => {
      const base = ttfts(300, seed);
      const u = rng(seed + 7);
      return [1, 2, 3].map((index) => ({
        values: base.map((t) => t * Math.exp(0.01 * normal(u))),
        index,
        group: 0,
        schedule,
      }));
    };
    const same = decideRequestCell(side(11, "s"), side(12, "s"), "p99_ttft_ms", "lower", { ...opts, history })!;
    const apart = decideRequestCell(side(11, "a"), side(12, "b"), "p99_ttft_ms", "lower", { ...opts, history })!;
    const unknown = decideRequestCell(
      side(11, "a").map(({ schedule: _, ...r }) => r),
      side(12, "b").map(({ schedule: _, ...r }) => r),
      "p99_ttft_ms",
      "lower",
      { ...opts, history },
    )!;
    const width = (x: typeof same): number => x.interval![1] - x.interval![0];
    expect(width(apart)).toBeGreaterThan(1.2 * width(same));
    expect(width(unknown)).toBeCloseTo(width(apart), 6);
    expect(apart.reason).toMatch(/prompt schedules differ/);
    expect(same.reason).not.toMatch(/prompt schedules differ/);
  });
  it("carries the df a median of night-to-night differences really has (about a third)", () => {
    expect(effectiveRunDf({ variance: 0, df: 0, runVariance: 1e-4, runDf: 9, runDiffs: 9 })).toBeCloseTo(3.5, 6);
    // The empirical-Bayes prior is made of the same kind of estimate: scaled alike.
    expect(effectiveRunDf({ variance: 0, df: 0, runVariance: 1e-4, runDf: 18, runDiffs: 9 })).toBeCloseTo(7, 6);
    // Not learnt from night differences (a known or built-in value): as given.
    expect(effectiveRunDf({ variance: 0, df: 0, runVariance: 1e-4, runDf: 1000 })).toBe(1000);
    // learnNoise records how many differences were behind it.
    const nights = [1, 2, 3, 4, 5].map((seed) => ({ ...run(seed, 1, false), date: `2025010${seed}` }));
    const learnt = lookupNoise(learnNoise(nights), runScope(nights[0]!), { request_rate: 1 }, "median_ttft_ms");
    expect(learnt?.runDiffs).toBe(4);
    // The cell's df follows: fewer than the claimed 9, so the interval is wider than with them.
    const claimed = decideRequestCell(repeats(21), repeats(22), "median_ttft_ms", "lower", { ...opts, history })!;
    const honest = decideRequestCell(repeats(21), repeats(22), "median_ttft_ms", "lower", {
      ...opts,
      history: { ...history, runDiffs: 9 },
    })!;
    expect(honest.df).toBeLessThan(claimed.df);
    expect(honest.interval![1] - honest.interval![0]).toBeGreaterThan(claimed.interval![1] - claimed.interval![0]);
  });
  it("averages each launch's repeats first: a launch with more repeats does not outweigh the other", () => {
    const launchRepeats = (group: number, count: number, scale: number): RequestRepeat[] =>
      Array.from({ length: count }, (_, i) => ({ values: ttfts(300, group * 100 + i, scale), index: i + 1, group }));
    // Side: launch 1 at ×1.00 with 5 repeats, launch 2 at ×1.20 with 1: the side's level is between,
    // halfway in logs (not 5:1 towards launch 1).
    const side = [...launchRepeats(1, 5, 1), ...launchRepeats(2, 1, 1.2)];
    const flat = [...launchRepeats(3, 3, 1), ...launchRepeats(4, 3, 1)];
    const v = decideRequestCell(flat, side, "median_ttft_ms", "lower", { ...opts, history })!;
    expect(v.change_pct!).toBeGreaterThan(7);
    expect(v.change_pct!).toBeLessThan(12);
  });
});
