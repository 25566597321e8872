import { describe, expect, it } from "@jest/globals";
import {
  buildSeries,
  changeCauses,
  commitRangeUrl,
  findAlerts,
  findLevelShifts,
  imageFacts,
  nightNoise,
} from "../../src/core/trends/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { buildChartData } from "../../src/plots/chart-data.js";

/** Deterministic noise so the test is reproducible. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function dateOf(day: number): string {
  return new Date(Date.UTC(2025, 9, 1 + day)).toISOString().slice(0, 10).replaceAll("-", "");
}

interface NightPlan {
  level: number;
  repeats: number;
  rocm?: string;
  version?: string;
  host?: string;
  /** A night whose only point failed (no repeats). */
  failed?: boolean;
}

/** One online series (ITL at concurrency 64), a run per night as planned. */
function history(plan: (day: number) => NightPlan, days: number, seed = 5): RunResults[] {
  const noise = rng(seed);
  const runs: RunResults[] = [];
  for (let day = 0; day < days; day++) {
    const p = plan(day);
    const date = dateOf(day);
    const tag = `${p.version ?? "v0.5.5"}-rocm${p.rocm ?? "630"}-mi30x-${date}`;
    const r = emptyRun({
      kind: "online",
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      date,
      image: { full: `rocm/sgl-dev:${tag}`, tag },
      ...(p.host ? { node: p.host } : {}),
    });
    r.points.push({
      point: { concurrency: 64, input_len: 3200, output_len: 800 },
      repeats: p.failed
        ? []
        : Array.from({ length: p.repeats }, (_, i) => ({
            index: i + 1,
            metrics: { median_itl_ms: p.level * (1 + 0.004 * noise()), completed: 500 },
          })),
      ...(p.failed ? { failure: { kind: "crash" as const, message: "server died" } } : {}),
    });
    runs.push(r);
  }
  return runs;
}

const alertsOf = (runs: RunResults[]) => findAlerts(buildSeries(runs), runs);

describe("level shifts", () => {
  it("sees a persistent 5 % step on its first night and sizes it against the series' own noise", () => {
    const noise = rng(3);
    const values = Array.from({ length: 30 }, (_, i) => 40 * (i >= 18 ? 1.05 : 1) * (1 + 0.004 * noise()));
    const shifts = findLevelShifts(values);
    expect(shifts.map((s) => s.index)).toEqual([18]);
    expect(shifts[0]?.after).toBeGreaterThan(41.5);
    // ~0.2 % night noise: a 5 % step is many noise units.
    expect(nightNoise(values.map(Math.log))).toBeLessThan(0.005);
    expect(shifts[0]?.strength).toBeGreaterThan(10);
  });

  it("ignores one or two odd nights and a step that has not held for 3 nights yet", () => {
    const base = Array.from({ length: 20 }, (_, i) => 40 * (1 + 0.001 * Math.sin(i)));
    const blips = base.map((v, i) => (i === 8 || i === 12 || i === 13 ? v * 1.2 : v));
    expect(findLevelShifts(blips)).toEqual([]);
    const pending = base.map((v, i) => (i >= 18 ? v * 1.2 : v));
    expect(findLevelShifts(pending)).toEqual([]);
    expect(findLevelShifts(base.map((v, i) => (i >= 17 ? v * 1.2 : v))).map((s) => s.index)).toEqual([17]);
  });

  it("does not report a shift smaller than the minimum effect, nor one inside the noise", () => {
    const noise = rng(11);
    const small = Array.from({ length: 30 }, (_, i) => 40 * (i >= 15 ? 1.01 : 1) * (1 + 0.0005 * noise()));
    expect(findLevelShifts(small)).toEqual([]);
    expect(findLevelShifts(small, { minEffectPct: 0.5 }).map((s) => s.index)).toEqual([15]);
    const noisy = Array.from({ length: 30 }, (_, i) => 40 * (i >= 15 ? 1.03 : 1) * (1 + 0.08 * noise()));
    expect(findLevelShifts(noisy)).toEqual([]);
  });
});

describe("alerts from runs", () => {
  it("a switch from 3 repeats to 1 is a known break, not a performance change", () => {
    // The 1-repeat protocol reads 21 % lower (as the false report did); nothing else moves.
    const runs = history((d) => ({ level: d >= 15 ? 33 : 42, repeats: d >= 15 ? 1 : 3 }), 30);
    const { changes, breaks } = alertsOf(runs);
    expect(changes).toEqual([]);
    expect(breaks).toEqual([
      expect.objectContaining({
        date: dateOf(15),
        previous_date: dateOf(14),
        from: "3 repeats, 500 prompts",
        to: "1 repeat, 500 prompts",
      }),
    ]);
  });

  it("names the ROCm upgrade as the cause and links the versions' commits", () => {
    const runs = history(
      (d) => (d >= 12 ? { level: 46, repeats: 3, rocm: "700", version: "v0.5.5.post2" } : { level: 42, repeats: 3 }),
      24,
    );
    const { changes } = alertsOf(runs);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      date: dateOf(12),
      kind: "regression",
      cause: "ROCm 6.3 → 7.0",
      commits_url: "https://github.com/sgl-project/sglang/compare/v0.5.5...v0.5.5.post2",
      current: true,
      protocol: "3 repeats, 500 prompts",
    });
    expect(changes[0]?.causes.map((c) => c.kind)).toEqual(["rocm", "build"]);
  });

  it("reports a host change on the night it happens, across a failed night, and never charts the failed night", () => {
    const runs = history(
      (d) =>
        d === 10
          ? { level: 0, repeats: 3, failed: true, host: "t10-23" }
          : { level: d > 10 ? 60 : 42, repeats: 3, host: d > 10 ? "t12-38" : "t10-23" },
      24,
    );
    const { changes } = alertsOf(runs);
    expect(changes.map((c) => [c.date, c.previous_date, c.cause])).toEqual([
      [dateOf(11), dateOf(9), "host t10-23 → t12-38"],
    ]);
    expect(buildSeries(runs)[0]?.nights.some((n) => n.date === dateOf(10) && n.values.length > 0)).toBe(false);
    // Nor its KV cache (the server started and logged it, then measured nothing); GSM8K keeps its floor.
    const withKv = runs.map((r) => ({ ...r, kv_cache: { num_tokens: 971748 } }));
    withKv[3] = { ...withKv[3]!, gsm8k: { runs: [{ index: 1, accuracy: 0.91 }], average: 0.91 } };
    const [chart] = buildChartData(withKv);
    expect(chart?.kv.map((k) => k.date)).not.toContain(dateOf(10));
    expect(chart?.kv).toHaveLength(23);
    expect(chart?.gsm8k).toEqual([expect.objectContaining({ date: dateOf(3), accuracy: 0.91, floor: 0.93 })]);
  });

  it("one odd night measured another way does not cut the regime", () => {
    const runs = history((d) => ({ level: d >= 16 ? 46 : 42, repeats: d === 12 ? 2 : 1 }), 26);
    // Night 12: every point has 2 repeats (another protocol); it is set aside, the step at 16 is found.
    const { changes, breaks } = alertsOf(runs);
    expect(breaks).toEqual([]);
    expect(changes.map((c) => c.date)).toEqual([dateOf(16)]);
  });
});

describe("causes", () => {
  it("reads image tags", () => {
    expect(imageFacts("v0.5.5.post3-rocm700-mi30x-20251121")).toEqual({
      version: "v0.5.5.post3",
      rocm: "700",
      rocmLabel: "7.0",
      date: "20251121",
    });
    expect(imageFacts("v0.5.3rc0-rocm630-mi30x-20251001")).toMatchObject({ version: "v0.5.3rc0", rocmLabel: "6.3" });
  });

  it("prefers ROCm, then host, then build, then the nightly image; links commits by commit, version or date", () => {
    const a = { date: "20251120", tag: "v0.5.5-rocm630-mi30x-20251120", host: "h1", commit: "aaaaaaaaaaaa" };
    expect(changeCauses(a, { ...a, date: "20251121", tag: "v0.5.5-rocm630-mi30x-20251121" })).toEqual([
      { kind: "image", text: "nightly image v0.5.5-rocm630-mi30x-20251120 → v0.5.5-rocm630-mi30x-20251121" },
    ]);
    expect(changeCauses(a, { ...a, host: "h2" })[0]?.kind).toBe("host");
    expect(commitRangeUrl(a, { ...a, commit: "bbbbbbbbbbbb" })).toBe(
      "https://github.com/sgl-project/sglang/compare/aaaaaaaaaaaa...bbbbbbbbbbbb",
    );
    const { commit: _c, ...noCommit } = a;
    expect(commitRangeUrl(noCommit, { ...noCommit, date: "20251121", tag: "v0.5.5-rocm630-mi30x-20251121" })).toBe(
      "https://github.com/sgl-project/sglang/commits/main/?since=2025-11-20&until=2025-11-21",
    );
  });
});
