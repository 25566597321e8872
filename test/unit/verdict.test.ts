import { describe, expect, it } from "@jest/globals";
import {
  equivalenceHalf,
  judge,
  decideCell,
  PROTOCOLS_DIFFER,
  SAME_POSITIONS,
  LAUNCH_SET_ASIDE,
  quantisationVariance,
  usableRepeats,
  learnNoise,
  lookupNoise,
  repeatValue,
  runScope,
  compareRuns,
  expectedMedianChi2,
  median,
} from "../../src/core/verdict/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";

describe("usableRepeats", () => {
  it("drops the warm-up first repeat only when there are at least 3", () => {
    expect(usableRepeats([9, 1, 2])).toEqual([1, 2]);
    expect(usableRepeats([9, 1])).toEqual([9, 1]);
    expect(usableRepeats([9, 1, 2], false)).toEqual([9, 1, 2]);
  });
});

describe("decideCell", () => {
  // A history that learnt the repeats' noise and launches no further apart (runVariance 0 with its df).
  const quiet = { variance: 0.002 ** 2, df: 20, runVariance: 0, runDf: 20 };
  it("calls a clear latency increase regressed and a throughput increase improved", () => {
    const lat = decideCell([100, 100.1, 99.9], [110, 110.2, 109.8], "lower", { history: quiet });
    expect(lat.verdict).toBe("regressed");
    expect(lat.change_pct).toBeCloseTo(10, 0);
    expect(lat.interval![0]).toBeGreaterThan(0);
    const thr = decideCell([100, 100.1, 99.9], [110, 110.2, 109.8], "higher", { history: quiet });
    expect(thr.verdict).toBe("improved");
  });
  it("uses the warm-up-dropped repeats: a slow first repeat does not fake a regression", () => {
    const v = decideCell([150, 100, 100.1], [100.05, 100, 100.1], "lower", { history: quiet });
    expect(v.used.baseline).toEqual([100, 100.1]);
    expect(v.verdict).toBe("unchanged");
  });
  it("says inconclusive, never guesses, with one repeat per side and no history", () => {
    const v = decideCell([100], [130], "lower");
    expect(v.verdict).toBe("inconclusive");
    expect(v.interval).toBeNull();
    expect(v.reason).toMatch(/noise unknown/);
    expect(decideCell([100], [130], "lower", { history: quiet }).verdict).toBe("regressed");
  });
  it("does not flag a real but small change below the minimum effect", () => {
    const v = decideCell([100, 100, 100.01], [101, 101.01, 101], "lower", { history: quiet });
    expect(v.interval![0]).toBeGreaterThan(0);
    expect(v.verdict).toBe("unchanged");
    expect(v.reason).toMatch(/minimum effect/);
    expect(
      decideCell([100, 100, 100.01], [101, 101.01, 101], "lower", { history: quiet, minEffectPct: 0.5 }).verdict,
    ).toBe("regressed");
  });
  it("is inconclusive when the noise is as large as the change", () => {
    const noisy = { variance: 0.1 ** 2, df: 4, runVariance: 0, runDf: 4 };
    const v = decideCell([100], [110], "lower", { history: noisy });
    expect(v.verdict).toBe("inconclusive");
    expect(v.reason).toMatch(/too wide/);
  });
  it("never calls a metric without direction better or worse", () => {
    expect(decideCell([100, 100.1], [120, 120.1], "none", { history: quiet }).verdict).toBe("inconclusive");
  });
  it("treats 2-decimal values as imprecise (0.06 req/s is not exact)", () => {
    expect(quantisationVariance([0.06])).toBeGreaterThan(0.001);
    const v = decideCell([0.06, 0.06], [0.06, 0.06], "higher");
    expect(v.verdict).not.toBe("unchanged");
    expect(decideCell([16462.56, 16462.57], [16462.55, 16462.56], "lower", { sameRun: true }).verdict).toBe(
      "unchanged",
    );
  });
  it("judges separate launches only with some source of launch-to-launch noise (repeats of one launch do not show it)", () => {
    const v = decideCell([136.0, 135.2, 135.4], [114.0, 113.7, 113.9], "lower");
    expect(v.verdict).toBe("inconclusive");
    expect(v.reason).toMatch(/noise between launches unknown \(no history, no built-in prior\)/);
    expect(decideCell([136.0, 135.2, 135.4], [114.0, 113.7, 113.9], "lower", { historyGiven: true }).reason).toMatch(
      /the history holds no earlier night of this series' regime and protocol/,
    );
    expect(decideCell([136.0, 135.2, 135.4], [114.0, 113.7, 113.9], "lower", { sameRun: true }).verdict).toBe(
      "improved",
    );
  });
});

function nightly(tag: string, values: number[][]): RunResults {
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: "GROK1" },
    hardware: "mi30x",
    image: { full: `x:${tag}`, tag },
    points: values.map((v, i) => ({
      point: { request_rate: i + 1 },
      repeats: v.map((x, j) => ({ index: j + 1, metrics: { median_ttft_ms: x } })),
    })),
  });
}

describe("learnNoise", () => {
  it("falls back to the within-night spread (first repeat dropped) when a night has no sibling of its shape", () => {
    const h = [nightly("a", [[500, 100, 110]])];
    const table = learnNoise(h);
    const n = lookupNoise(table, runScope(h[0]!), { request_rate: 1 }, "median_ttft_ms")!;
    expect(n.df).toBe(1);
    expect(n.variance).toBeCloseTo(Math.log(1.1) ** 2 / 2, 10);
    expect(n.offsets).toBeUndefined();
    expect(
      lookupNoise(table, { ...runScope(h[0]!), hardware: "mi35x" }, { request_rate: 1 }, "median_ttft_ms"),
    ).toBeUndefined();
  });
  it("learns repeat-position offsets and the residual noise from nights of the same schedule", () => {
    // Run 3 is always 15 % slower (like the real Grok rate-8 nights); nights differ in level only.
    const h = [nightly("a", [[100, 100, 115]]), nightly("b", [[200, 200, 230]]), nightly("c", [[150, 151, 172]])];
    const n = lookupNoise(learnNoise(h), runScope(h[0]!), { request_rate: 1 }, "median_ttft_ms")!;
    expect(n.df).toBe(4);
    expect(n.offsets![3]! - n.offsets![2]!).toBeCloseTo(Math.log(1.15), 2);
    expect(n.variance).toBeLessThan(0.0001);
    expect(n.offsetNights).toBe(3);
    // Repeat 2 vs repeat 3 of the same image: corrected, not a 15 % regression.
    const same = decideCell([{ value: 100, index: 2 }], [{ value: 115, index: 3 }], "lower", {
      history: n,
      sameRun: true,
    });
    expect(same.verdict).toBe("unchanged");
    expect(same.reason).toMatch(/positions corrected/);
    const slower = decideCell([{ value: 100, index: 2 }], [{ value: 126.5, index: 3 }], "lower", {
      history: n,
      sameRun: true,
    });
    expect(slower.verdict).toBe("regressed");
    // Without history the same pair cannot be judged.
    expect(decideCell([{ value: 100, index: 2 }], [{ value: 115, index: 3 }], "lower").verdict).toBe("inconclusive");
  });
  it("learns run-to-run noise from successive nights, robust to one real step", () => {
    const jitter = [100, 103, 99, 102, 98].map((x, i) => nightly(`n${i}`, [[x * 1.2, x, x * 1.001]]));
    jitter.forEach((r, i) => (r.date = `2025101${i}`));
    const n = lookupNoise(learnNoise(jitter), runScope(jitter[0]!), { request_rate: 1 }, "median_ttft_ms")!;
    expect(n.runVariance).toBeGreaterThan(0.0002);
    expect(n.runDf).toBeGreaterThanOrEqual(2);
    // Separate runs: a 3 % move is inside the run-to-run noise; within one run it is not.
    const base = [
      { value: 120, index: 1 },
      { value: 100, index: 2 },
      { value: 100.1, index: 3 },
    ];
    const cand = base.map((o) => ({ ...o, value: o.value * 1.03 }));
    expect(decideCell(base, cand, "lower", { history: n }).verdict).toBe("inconclusive");
    expect(decideCell(base, cand, "lower", { history: n, sameRun: true }).verdict).toBe("regressed");
    // One real 20 % step between quiet nights barely moves the estimate (median of squared differences).
    const step = [100, 100.1, 99.9, 120, 120.1, 119.9].map((x, i) => nightly(`s${i}`, [[x * 1.2, x, x * 1.001]]));
    step.forEach((r, i) => (r.date = `2025102${i}`));
    const m = lookupNoise(learnNoise(step), runScope(step[0]!), { request_rate: 1 }, "median_ttft_ms")!;
    expect(m.runVariance!).toBeLessThan(0.0001);
  });
  it("splits the run-to-run noise into the part every point shares and each point's own", () => {
    // Four nights × three rates, steady repeats. Together: each night moves all rates by the same
    // factor (one slow launch). Apart: the rates move independently, the night mean stays put.
    const moves = [1, 1.04, 0.97, 1.02];
    const together = moves.map((f, n) =>
      nightly(
        `g${n}`,
        [1, 2, 3].map((p) => [120 * p * f, 100 * p * f, 100.1 * p * f]),
      ),
    );
    const apart = moves.map((_, n) =>
      nightly(
        `a${n}`,
        [1, 2, 3].map((p) => {
          const f = moves[(n + p) % 4]!;
          return [120 * p * f, 100 * p * f, 100.1 * p * f];
        }),
      ),
    );
    for (const runs of [together, apart]) runs.forEach((r, i) => (r.date = `2025104${i}`));
    const at = (runs: RunResults[]) =>
      lookupNoise(learnNoise(runs, { moderate: false }), runScope(runs[0]!), { request_rate: 2 }, "median_ttft_ms")!;
    // The launch variance, robustly as for a single cell: half the median of consecutive nights'
    // squared differences, over its expected value for 3 differences.
    const logs = moves.map(Math.log);
    const squares = logs.slice(1).map((x, i) => (x - logs[i]!) ** 2);
    const launchVariance = median(squares) / expectedMedianChi2(squares.length) / 2;
    expect(at(together).sharedRunVariance!).toBeCloseTo(launchVariance, 5);
    expect(at(apart).sharedRunVariance!).toBeLessThan(0.2 * launchVariance);
    expect(at(together).sharedRunDf).toBe(3);
    // Runs that cannot be told apart (same date and tag) cannot be matched across points: no split.
    const unnamed = together.map((r) => ({ ...r, date: "20251040", image: undefined }));
    expect(at(unnamed).sharedRunVariance).toBeUndefined();
    // Two nights (1 df) are too few for the split: all of the run-to-run noise stays shared.
    expect(at(together.slice(0, 2)).sharedRunVariance).toBeUndefined();
  });
  it("learns run-to-run noise from two nights already (one difference), and none from one", () => {
    const two = [100, 104].map((x, i) => nightly(`t${i}`, [[x * 1.2, x, x * 1.001]]));
    two.forEach((r, i) => (r.date = `2025103${i}`));
    const n = lookupNoise(
      learnNoise(two, { moderate: false }),
      runScope(two[0]!),
      { request_rate: 1 },
      "median_ttft_ms",
    )!;
    expect(n.runDf).toBe(1);
    expect(Math.sqrt(n.runVariance!)).toBeCloseTo(Math.log(1.04) / Math.SQRT2, 2);
    const one = lookupNoise(learnNoise(two.slice(0, 1)), runScope(two[0]!), { request_rate: 1 }, "median_ttft_ms")!;
    expect(one.runVariance).toBeUndefined();
  });
});

describe("moderateNoise (run-to-run pooled over the scope's points)", () => {
  // 4 nights × 5 rates; every rate's level moves by about ±1 % from night to night, and one rate's
  // two differences happen to be nearly equal (its own estimate is tiny, with 2–3 df).
  const levels = [
    [1, 1.012, 0.995, 1.008],
    [1, 0.99, 1.006, 0.992],
    [1, 1.011, 1.0, 1.013],
    [1, 0.989, 1.004, 0.99],
    [1, 1.0005, 1.001, 1.0015],
  ];
  const nights = [0, 1, 2, 3].map((n) => {
    const r = nightly(
      `m${n}`,
      levels.map((l) => [120 * l[n]!, 100 * l[n]!, 100.05 * l[n]!]),
    );
    r.date = `2025110${n}`;
    return r;
  });
  it("borrows degrees of freedom from the other points and pulls a lucky-small estimate up", () => {
    const raw = learnNoise(nights, { moderate: false });
    const mod = learnNoise(nights);
    const at = (t: typeof raw, rate: number) =>
      lookupNoise(t, runScope(nights[0]!), { request_rate: rate }, "median_ttft_ms")!;
    expect(at(raw, 5).runDf).toBe(3);
    expect(at(mod, 5).runDf).toBeGreaterThan(3);
    expect(at(mod, 5).runPriorDf).toBeGreaterThan(0);
    expect(at(mod, 5).runVariance!).toBeGreaterThan(at(raw, 5).runVariance!);
    // The repeat noise itself is left alone.
    expect(at(mod, 1).variance).toBe(at(raw, 1).variance);
    expect(at(mod, 1).df).toBe(at(raw, 1).df);
  });
});

describe("repeatValue", () => {
  it("recomputes request throughput from completed / duration when it matches the printed value", () => {
    expect(repeatValue({ request_throughput: 0.06, completed: 128, duration: 2107.35 }, "request_throughput")).toBe(
      128 / 2107.35,
    );
    // Printed value disagrees with completed/duration (e.g. a hand-edited log): the printed value stands.
    expect(repeatValue({ request_throughput: 0.07, completed: 128, duration: 2107.35 }, "request_throughput")).toBe(
      0.07,
    );
    expect(repeatValue({ request_throughput: 0.06 }, "request_throughput")).toBe(0.06);
    expect(repeatValue({ median_ttft_ms: 5, completed: 1, duration: 1 }, "median_ttft_ms")).toBe(5);
    expect(repeatValue({}, "request_throughput")).toBeUndefined();
  });
  it("lets a 5 % request-throughput loss at 0.06 req/s be seen (the printed 0.06 vs 0.06 hides it)", () => {
    const run = (duration: number, tag: string, date: string): RunResults =>
      emptyRun({
        kind: "online",
        suite: "deepseek-online",
        model: { name: "DeepSeek-V3" },
        hardware: "mi30x",
        date,
        image: { full: `x:${tag}`, tag },
        points: [
          {
            point: { concurrency: 1 },
            repeats: [1, 2, 3].map((i) => {
              const d = duration * (1 + 0.0001 * i);
              return {
                index: i,
                metrics: {
                  completed: 128,
                  duration: Math.round(d * 100) / 100,
                  request_throughput: Math.round((128 / d) * 100) / 100,
                },
              };
            }),
          },
        ],
      });
    const history = ["1", "2", "3", "4"].map((n, i) => run(2107 * (1 + 0.001 * (i % 2)), n, `2025101${i}`));
    const c = compareRuns([run(2107, "main", "20251020")], [run(2107 / 0.95, "pr", "20251021")], { history });
    const cell = c.cells.find((x) => x.metric === "request_throughput")!;
    expect(cell.baseline.values[0]).toBeCloseTo(128 / 2107, 4);
    expect(cell.change_pct).toBeCloseTo(-5, 0);
    expect(cell.verdict).toBe("regressed");
  });
});

describe("judge: ⚪ by equivalence", () => {
  const ln = Math.log;
  it("calls a small change unchanged when its 90 % interval is within ±2× the minimum effect", () => {
    // 98 % interval +0.5 % ± 5 % reaches past +4 %; the 90 % one (± 3 %) does not.
    const j = judge(ln(1.005), ln(1.05), "higher", 2, ln(1.03));
    expect(j.verdict).toBe("unchanged");
    expect(j.why).toMatch(/90% interval \[-2\.\d%, \+3\.\d%\] within ±4%/);
    expect(judge(ln(1.005), ln(1.05), "higher", 2).verdict).toBe("inconclusive");
  });

  it("never changes what is flagged: a change must still clear the 98 % interval", () => {
    expect(judge(ln(1.03), ln(1.035), "higher", 2, ln(1.01)).verdict).toBe("inconclusive");
    expect(judge(ln(1.05), ln(1.03), "higher", 2, ln(1.01)).verdict).toBe("improved");
  });

  it("uses the 90 % quantile of the same t: narrower by t(0.95)/t(0.99)", () => {
    expect(equivalenceHalf(1, 1000, 0.98)).toBeCloseTo(1.646 / 2.33, 2);
    expect(equivalenceHalf(1, 3, 0.98)).toBeCloseTo(2.353 / 4.541, 2);
    expect(equivalenceHalf(1, 3, 0.9)).toBe(1);
  });
});

describe("decideCell across protocols", () => {
  it("does not judge a 3-repeat side against a 1-repeat side without position offsets (warm-up dropped on one side only)", () => {
    // Real Grok-2 rate 1 median TTFT: a 3-repeat night (run 1 217 ms, runs 2–3 126) vs a 1-repeat night (216).
    const v = decideCell([217.4, 126.1, 126.7], [215.9], "lower");
    expect(v.verdict).toBe("inconclusive");
    expect(v.reason).toContain(PROTOCOLS_DIFFER);
    expect(v.reason).toContain("main ran 3 repeat(s) here, the PR 1");
    // With offsets learnt for every position, it is judged (positions corrected).
    const offsets = { 1: Math.log(217 / 126), 2: 0, 3: 0 };
    const history = { variance: 1e-4, df: 20, runVariance: 0, runDf: 20, offsets, offsetNights: 10 };
    const judged = decideCell([217.4, 126.1, 126.7], [215.9], "lower", { history });
    expect(judged.reason).toContain("positions corrected");
    expect(judged.verdict).toBe("unchanged");
  });

  it("compares run 1 against run 1 when one side lost its other repeats to failures (same protocol)", () => {
    // Real Grok-2 rate 8 median ITL: 2025-10-29 kept one repeat of three (28.2 ms), 10-30 ran all three.
    const history = { variance: 1e-4, df: 20, runVariance: 0, runDf: 20 };
    const v = decideCell([28.2], [263.2, 249.8, 253.6], "lower", { history, sameProtocol: true });
    expect(v.reason).toContain(SAME_POSITIONS);
    expect(v.used).toEqual({ baseline: [28.2], candidate: [263.2] });
    expect(v.verdict).toBe("regressed");
    // Run 1 against run 1 only: an unchanged first run is not flagged for the PR's steady runs.
    expect(decideCell([103.2], [103.5, 85.0, 84.7], "lower", { history, sameProtocol: true }).verdict).toBe(
      "unchanged",
    );
  });

  it("reads warm-up runs per launch: merged blocks number their runs on (a 1-repeat block's run is index 2)", () => {
    // compare-pr's blocks of one repeat each, main's first block without this point: no protocol differs.
    const history = { variance: 1e-4, df: 20, runVariance: 1e-4, runDf: 20 };
    const main = [{ value: 100, index: 2, group: 1 }];
    const pr = [
      { value: 100.5, index: 1, group: 0 },
      { value: 99.8, index: 2, group: 1 },
    ];
    const v = decideCell(main, pr, "lower", { history, sameProtocol: true });
    expect(v.reason).not.toContain(PROTOCOLS_DIFFER);
    expect(v.reason).not.toContain(SAME_POSITIONS);
    expect(v.used.candidate).toEqual([100.5, 99.8]);
    // A 3-repeat block that lost two repeats is set aside beside a full one.
    const lost = [
      { value: 130, index: 1, group: 0 },
      { value: 100, index: 2, group: 1 },
      { value: 101, index: 3, group: 1 },
      { value: 100, index: 4, group: 1 },
    ];
    const full = [100, 101, 100].map((value, i) => ({ value: value + (i === 0 ? 30 : 0), index: i + 1, group: 0 }));
    const w = decideCell(lost, full, "lower", { history, sameProtocol: true });
    expect(w.reason).toContain(LAUNCH_SET_ASIDE);
    expect(w.reason).not.toContain(SAME_POSITIONS);
    expect(w.used.baseline).toEqual([101, 100]);
  });

  it("tells a lost repeat (same protocol, run 1 against run 1) from a 1-repeat protocol (❔) in compareRuns", () => {
    const threeRepeats = nightly("a", [
      [120, 100, 101],
      [130, 110, 111],
    ]);
    const lostTwo = nightly("b", [[120, 100, 101], [131]]);
    const atRate2 = (c: ReturnType<typeof compareRuns>) =>
      c.suites[0]!.cells.find((x) => x.point.request_rate === 2 && x.metric === "median_ttft_ms")!;
    expect(atRate2(compareRuns([threeRepeats], [lostTwo], { prior: false })).reason).toContain(SAME_POSITIONS);
    const oneRepeat = nightly("c", [[121], [131]]);
    expect(atRate2(compareRuns([threeRepeats], [oneRepeat], { prior: false })).reason).toContain(PROTOCOLS_DIFFER);
  });
});
