import { describe, expect, it } from "@jest/globals";
import { compareRuns, poolPoints, type CellEvidence } from "../../src/core/verdict/index.js";
import { renderReport } from "../../src/core/report/index.js";
import type { RunResults } from "../../src/core/results/index.js";
import { onlineRun } from "../helpers/online-run.js";

/** One point's evidence: a log change seen through repeat noise of `sdPct` % (df 4), no run-to-run part. */
const point = (changePct: number, sdPct: number, runSdPct = 0): CellEvidence => ({
  logChange: Math.log(1 + changePct / 100),
  repeatVariance: (sdPct / 100) ** 2,
  repeatDf: 4,
  runVariance: (runSdPct / 100) ** 2,
  runDf: 4,
});

describe("poolPoints", () => {
  it("lets a noisy point take its precise neighbours' common change", () => {
    // Four points +10 % ± 1 %, the fifth saw +1 % through ±15 % noise (alone: hopeless).
    const pooled = poolPoints(
      [point(10, 1), point(9.5, 1), point(10.5, 1), point(10, 1), point(1, 15)],
      "lower",
      2,
      0.98,
    )!;
    expect(pooled.family.points).toBe(5);
    expect(Math.exp(pooled.family.mean) - 1).toBeCloseTo(0.1, 1);
    const noisy = pooled.judgements[4]!;
    expect(noisy.verdict).toBe("regressed");
    expect(noisy.interval[0]).toBeGreaterThan(0);
    // The noisy point may borrow only "the common change ± the minimum effect": a wider interval than μ's.
    expect(noisy.interval[1] - noisy.interval[0]).toBeGreaterThan(4);
  });
  it("does not spread one point's change to its neighbours", () => {
    // Only the last precise point moved (+15 %): the spread between points raises τ² and the noisy
    // point keeps its own (inconclusive) evidence.
    const pooled = poolPoints(
      [point(0, 1), point(0.5, 1), point(-0.5, 1), point(15, 1), point(3, 15)],
      "lower",
      2,
      0.98,
    )!;
    expect(pooled.family.tau2).toBeGreaterThan(Math.log(1.02) ** 2);
    expect(pooled.judgements[4]!.verdict).toBe("inconclusive");
    expect(pooled.judgements[3]!.verdict).toBe("regressed");
  });
  it("flags nothing when nothing changed", () => {
    const pooled = poolPoints(
      [point(0.5, 1), point(-0.5, 1), point(0, 1), point(8, 15), point(-6, 12)],
      "lower",
      2,
      0.98,
    )!;
    expect(pooled.judgements.map((j) => j.verdict)).not.toContain("regressed");
    expect(pooled.judgements.map((j) => j.verdict)).not.toContain("improved");
  });
  it("counts the run-to-run noise once for the whole family (it does not average out over points)", () => {
    // Five precise points and a noisy one, all +10 %; the launch adds ±5 % run-to-run noise.
    const family = (runSd: number): CellEvidence[] => [...Array(5).fill(point(10, 0.5, runSd)), point(10, 20, runSd)];
    const judge = (points: CellEvidence[]) => poolPoints(points, "lower", 2, 0.98)!.judgements[5]!.verdict;
    expect(judge(family(0))).toBe("regressed");
    // Shared by every point (unknown split: the cautious default), it stays whole in the pooled variance.
    expect(judge(family(5))).toBe("inconclusive");
    // Learnt to be each point's own (nights move the points independently), it averages out like
    // repeat noise: the noisy point is caught again.
    expect(judge(family(5).map((p) => ({ ...p, sharedRunVariance: 0 })))).toBe("regressed");
  });
  it("never gives a noisier point a narrower interval (the df moves smoothly from the point's own to τ²'s)", () => {
    const widths = [1.5, 1.8, 1.95, 2, 2.1, 2.5, 3, 5].map((sd) => {
      const j = poolPoints(
        [point(5, 0.5), point(5, 0.5), point(5, 0.5), { ...point(5, sd), repeatDf: 2 }],
        "lower",
        2,
        0.98,
      )!.judgements[3]!;
      return Math.log(1 + j.interval[1] / 100) - Math.log(1 + j.interval[0] / 100);
    });
    for (let i = 1; i < widths.length; i++) expect(widths[i]!).toBeGreaterThanOrEqual(widths[i - 1]! - 1e-9);
  });
  it("needs three points", () => {
    expect(poolPoints([point(10, 1), point(10, 15)], "lower", 2, 0.98)).toBeUndefined();
  });
});

/** An online run: 5 request rates × 4 repeats; rate 16 is noisy (±15 % between repeats). */
function run(tag: string, lat: number): RunResults {
  const wobble = [1, 1.004, 0.996, 1.002];
  const wild = [1, 1.18, 0.85, 1.02];
  return onlineRun(tag, 4, (rate, i) => ({ p99_ttft_ms: 100 * rate * lat * (rate === 16 ? wild : wobble)[i - 1]! }));
}

describe("compareRuns with pooling over points", () => {
  it("turns the noisy rate's ❔ into 🔴 when every rate slowed down, and says it was pooled", () => {
    // The noise here is the synthetic repeats' alone: the built-in prior (real GROK1 P99 TTFT moves
    // up to ±13 % between launches at rate 8) would widen every interval, so it is off.
    const alone = compareRuns([run("a", 1)], [run("b", 1.1)], { poolPoints: false, prior: false, sameRun: true });
    const cell = (c: typeof alone) => c.cells.find((x) => x.point.request_rate === 16)!;
    expect(cell(alone).verdict).toBe("inconclusive");
    const pooled = compareRuns([run("a", 1)], [run("b", 1.1)], { prior: false, sameRun: true });
    expect(pooled.cells.filter((x) => x.kind === "metric").map((x) => x.verdict)).toEqual(Array(5).fill("regressed"));
    expect(cell(pooled).reason).toMatch(
      /^pooled over 5 points: PR vs main \+10(\.\d)?% \[.*\(98%, df (\d+|∞); this point alone/,
    );
    // Change, interval and verdict are the pooled ones and agree; what the point showed alone is kept.
    const c = cell(pooled);
    expect(c.interval![0]).toBeGreaterThan(0);
    expect(c.change_pct!).toBeGreaterThan(c.interval![0]);
    expect(c.change_pct!).toBeLessThan(c.interval![1]);
    expect(c.pooled).toEqual({
      points: 5,
      alone_change_pct: cell(alone).change_pct,
      alone_interval: cell(alone).interval,
    });
    // The report's verdict column says it was pooled and what the point showed alone (+ = PR better).
    expect(renderReport(pooled)).toMatch(
      /\| 🔴 \| .* \| pooled over 5 points; alone \+\d+\.\d % slower \[-\d+\.\d, \+\d+\.\d\] \|/,
    );
    // …and so does its bullet, whose Main → PR values give the point's own change, not the pooled one.
    expect(renderReport(pooled)).toMatch(/^- 🔴 \*\*.*→.* \(pooled over 5 points; alone \+\d+\.\d % slower\)$/m);
  });
  it("leaves identical runs alone", () => {
    const c = compareRuns([run("a", 1)], [run("b", 1)]);
    expect(c.summary.regressed + c.summary.improved).toBe(0);
  });
});
