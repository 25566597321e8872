import { describe, expect, it } from "@jest/globals";
import {
  cellPValue,
  compareRuns,
  controlFalseDiscoveries,
  DEFAULT_FALSE_DISCOVERY_RATE,
  studentTwoSidedP,
  tQuantile,
  type ComparisonCell,
} from "../../src/core/verdict/index.js";
import type { RunResults } from "../../src/core/results/index.js";
import { onlineRun } from "../helpers/online-run.js";
import { renderReport } from "../../src/core/report/index.js";
import { join } from "node:path";
import { ingestPaths } from "../../src/store/ingest.js";

const CONFIDENCE = 0.98;

/** A latency cell whose log change `changePct` was measured with standard error `sePct` % (df 10). */
function cell(changePct: number, sePct: number, extra: Partial<ComparisonCell> = {}): ComparisonCell {
  const centre = Math.log1p(changePct / 100);
  const half = tQuantile(1 - (1 - CONFIDENCE) / 2, 10) * (sePct / 100);
  const interval: [number, number] = [Math.expm1(centre - half) * 100, Math.expm1(centre + half) * 100];
  const significant = interval[0] > 0 || interval[1] < 0;
  return {
    suite: "grok-online",
    model: "GROK2",
    kind: "metric",
    point: { request_rate: 1 },
    metric: "median_e2e_latency_ms",
    better: "lower",
    baseline: { values: [100] },
    candidate: { values: [100 * (1 + changePct / 100)] },
    change_pct: changePct,
    interval,
    verdict: significant && Math.abs(changePct) >= 2 ? (changePct > 0 ? "regressed" : "improved") : "unchanged",
    reason: "PR vs main",
    ...extra,
  };
}
const tested = (cells: ComparisonCell[]) => cells.map((c) => ({ cell: c, df: 10 }));

describe("cellPValue", () => {
  it("reads the t test's two-sided p back from the interval", () => {
    const c = cell(5, 2);
    const t = Math.log1p(0.05) / 0.02;
    expect(cellPValue(c, 10, CONFIDENCE)).toBeCloseTo(studentTwoSidedP(t, 10), 6);
    // An interval that just touches zero is p = 1 − confidence.
    const touching = cell(5, (Math.log1p(0.05) / tQuantile(0.99, 10)) * 100);
    expect(touching.interval![0]).toBeCloseTo(0, 9);
    expect(cellPValue(touching, 10, CONFIDENCE)).toBeCloseTo(0.02, 6);
    expect(cellPValue({ ...c, interval: null }, 10, CONFIDENCE)).toBeUndefined();
  });
});

describe("controlFalseDiscoveries (Benjamini–Hochberg over a suite's cells)", () => {
  it("takes back a lone borderline flag among many unchanged cells and says why", () => {
    // p ≈ 1 %: off zero at 98 %, but 1 in 40 cells shows that much by chance.
    const lone = cell(6.5, 2);
    expect(lone.verdict).toBe("regressed");
    const quiet = Array.from({ length: 39 }, (_, i) => cell(((i % 7) - 3) * 0.3, 1));
    expect(controlFalseDiscoveries(tested([lone, ...quiet]), CONFIDENCE)).toBe(1);
    expect(lone.verdict).toBe("inconclusive");
    expect(lone.reason).toMatch(
      /^PR vs main \(p 1(\.\d)?%, 40 cells\): significant for this cell, within chance among the suite's cells \(Benjamini–Hochberg at 10%\)$/,
    );
    expect(quiet.every((c) => c.verdict === "unchanged")).toBe(true);
  });
  it("keeps a lone flag far outside the noise", () => {
    const strong = cell(12, 1);
    const quiet = Array.from({ length: 39 }, () => cell(0.2, 1));
    expect(controlFalseDiscoveries(tested([strong, ...quiet]), CONFIDENCE)).toBe(0);
    expect(strong.verdict).toBe("regressed");
  });
  it("keeps every borderline flag of a change that moved the whole suite", () => {
    // The same p ≈ 1 % in every cell: a slower kernel, not chance.
    const moved = Array.from({ length: 40 }, () => cell(6.5, 2));
    expect(controlFalseDiscoveries(tested(moved), CONFIDENCE)).toBe(0);
    expect(moved.every((c) => c.verdict === "regressed")).toBe(true);
  });
  it("counts only cells with a direction and an interval, and touches nothing else", () => {
    const lone = cell(6.5, 2);
    const others = [
      cell(0, 1, { better: "none", verdict: "unchanged" }),
      cell(30, 1, { interval: null, verdict: "inconclusive" }),
      cell(6.5, 2.4, { reason: "not compared: different hardware", verdict: "inconclusive" }),
    ];
    // Alone in its family: p ≈ 1 % ≤ 10 % · 1/1, kept.
    expect(controlFalseDiscoveries(tested([lone, ...others]), CONFIDENCE)).toBe(0);
    expect(lone.verdict).toBe("regressed");
  });
  it("counts a cell below the minimum effect as p = 1: precise small moves make no room for a lone noisy flag", () => {
    // 20 cells moved +1 % with a 0.2 % standard error (significant, but ⚪: below the 2 % minimum effect).
    const lone = cell(6.5, 2);
    const small = Array.from({ length: 20 }, () => cell(1, 0.2));
    const quiet = Array.from({ length: 19 }, () => cell(0, 1));
    expect(controlFalseDiscoveries(tested([lone, ...small, ...quiet]), CONFIDENCE, 0.1, 2)).toBe(1);
    expect(lone.verdict).toBe("inconclusive");
  });
  it("refuses a rate outside (0, 1]", () => {
    expect(() => controlFalseDiscoveries([], CONFIDENCE, 0)).toThrow(RangeError);
    expect(() => controlFalseDiscoveries([], CONFIDENCE, Number.NaN)).toThrow(RangeError);
  });
  it("defaults to the customary 10 %", () => {
    expect(DEFAULT_FALSE_DISCOVERY_RATE).toBe(0.1);
  });
});

/** An online run: 5 request rates × 3 repeats, ±0.5 % between repeats; `slow` scales one rate's latency. */
function run(tag: string, slow: Record<number, number> = {}): RunResults {
  const wobble = [1, 1.005, 0.995];
  const metrics = ["median_e2e_latency_ms", "median_ttft_ms", "median_itl_ms", "p99_itl_ms"];
  return onlineRun(tag, 3, (rate, i) =>
    Object.fromEntries(
      metrics.map((m, k) => [m, (100 + 10 * k) * rate * (slow[rate] ?? 1) * wobble[(i + k + rate) % 3]!]),
    ),
  );
}

describe("compareRuns with false-discovery control", () => {
  it("is on by default, reported in the settings, and can be turned off", () => {
    const on = compareRuns([run("a")], [run("b", { 16: 1.1 })], { prior: false, sameRun: true });
    expect(on.settings.falseDiscoveryRate).toBe(0.1);
    const off = compareRuns([run("a")], [run("b", { 16: 1.1 })], {
      prior: false,
      falseDiscoveryRate: false,
      sameRun: true,
    });
    expect(off.settings.falseDiscoveryRate).toBeUndefined();
    // A clear 10 % slowdown at one rate stays 🔴 either way (its p is far below 10 % / 20).
    const at16 = (c: typeof on) => c.cells.filter((x) => x.point.request_rate === 16).map((x) => x.verdict);
    expect(at16(on)).toEqual(at16(off));
    expect(at16(on)).toContain("regressed");
  });
});

describe("a taken-back pooled flag in the report", () => {
  it("says why it is ❔ before what pooling showed", () => {
    const cmp = compareRuns([run("a")], [run("b", { 16: 1.1 })], {
      prior: false,
      falseDiscoveryRate: false,
      sameRun: true,
    });
    const c = cmp.cells.find((x) => x.verdict === "regressed")!;
    // As compareRuns leaves a pooled cell whose flag the suite's control took back.
    Object.assign(c, {
      verdict: "inconclusive",
      pooled: { points: 5, alone_change_pct: 9.8, alone_interval: [-3, 24] },
      reason: `pooled over 5 points: PR vs main +10% [+1%, +19%] (98%, df 9; this point alone +9.8% [-3%, +24%]) (p 1.2%, 20 cells): significant for this cell, within chance among the suite's cells (Benjamini–Hochberg at 10%)`,
    });
    cmp.summary = { ...cmp.summary, regressed: cmp.summary.regressed - 1, inconclusive: cmp.summary.inconclusive + 1 };
    expect(renderReport(cmp)).toMatch(
      /\| ❔ \| .* \| significant for this cell, within chance among the suite's cells \(Benjamini–Hochberg at 10%\); pooled over 5 points; alone \+9\.8 % slower \[-3\.0, \+24\.0\] \|/,
    );
  });
});

describe("false-discovery control on real nightlies", () => {
  it("takes back the one 🔴 of an A/A pair: DeepSeek-V3 20251014 → 20251015 (same regime), built-in prior", async () => {
    const { runs } = await ingestPaths([join(import.meta.dirname, "..", "fixtures", "real")]);
    const night = (d: string) =>
      runs.find((r) => r.date === d && r.model.name.startsWith("DeepSeek") && r.points.length)!;
    const [a, b] = [night("20251014"), night("20251015")];
    const off = compareRuns([a], [b], { falseDiscoveryRate: false });
    const on = compareRuns([a], [b]);
    // Alone: P99 TTFT at concurrency 16, +6.6 % [+1.9, +12] with 2 df — one of 40 cells with an interval.
    expect(off.summary.regressed + off.summary.improved).toBe(1);
    expect(on.summary.regressed + on.summary.improved).toBe(0);
    const taken = on.cells.filter((c) => /Benjamini–Hochberg/.test(c.reason));
    expect(taken.map((c) => [c.point.concurrency, c.metric, c.verdict])).toEqual([[16, "p99_ttft_ms", "inconclusive"]]);
  });
});
