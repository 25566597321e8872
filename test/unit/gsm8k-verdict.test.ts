import { describe, expect, it } from "@jest/globals";
import { compareRuns, decideGsm8k, gsm8kHistorySpread } from "../../src/core/verdict/index.js";
import { gsm8kMinAccuracy } from "../../src/core/catalogue/index.js";
import { buildReportModel, rowOf } from "../../src/core/report/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A DeepSeek online run whose GSM8K gate gave these accuracies (one launch). */
function deepseek(accuracies: number[], numQuestions?: number): RunResults {
  return emptyRun({
    kind: "online",
    suite: "deepseek-online",
    model: { name: "DeepSeek-V3-0324", variant: "FP8" },
    hardware: "mi30x",
    gsm8k: {
      runs: accuracies.map((accuracy, i) => ({ index: i + 1, accuracy })),
      ...(numQuestions ? { num_questions: numQuestions } : {}),
    },
    points: [{ point: { concurrency: 1 }, repeats: [{ index: 1, metrics: { output_throughput: 50 } }] }],
  });
}
/** The GSM8K cell; `history` also switches the floor off (0), so the statistics alone decide. */
const gsm8kCell = (base: RunResults[], cand: RunResults[], history?: RunResults[]) =>
  compareRuns(base, cand, history ? { history, gsm8kThreshold: 0 } : {}).cells.find((c) => c.kind === "gsm8k")!;

/** Real DeepSeek MI300X nights (Oct 2025): five runs of 1 319 questions each. */
const NIGHTS = [
  [0.936, 0.938, 0.936, 0.936, 0.939],
  [0.94, 0.942, 0.942, 0.936, 0.942],
  [0.938, 0.942, 0.94, 0.94, 0.939],
  [0.937, 0.939, 0.94, 0.938, 0.941],
  [0.935, 0.934, 0.933, 0.936, 0.932],
  [0.939, 0.94, 0.938, 0.937, 0.941],
];

describe("GSM8K question count", () => {
  it("reads the questions really asked from the progress bar", () => {
    const log =
      "Executing GSM8K test Run 1 ...\n  0%|          | 0/1319 [00:00<?, ?it/s]\r 50%|     | 660/1319 [00:10<00:10, 60it/s]\nAccuracy: 0.936\nInvalid: 0.000\n";
    expect(parseGsm8kOutput(log).gsm8k?.num_questions).toBe(1319);
  });
  it("falls back to --num-questions in an echoed command, capped by the 1 319-question test set", () => {
    const log = "Executing: python3 bench_sglang.py --num-questions 2000 --parallel 2000\nAccuracy: 0.936\n";
    expect(parseGsm8kOutput(log).gsm8k?.num_questions).toBe(1319);
    const small = "Executing: python3 bench_sglang.py --num-questions=200\nAccuracy: 0.8\n";
    expect(parseGsm8kOutput(small).gsm8k?.num_questions).toBe(200);
    expect(parseGsm8kOutput("Accuracy: 0.8\n").gsm8k?.num_questions).toBeUndefined();
  });
  it("names each side's count when the sides asked different numbers of questions", () => {
    const [a, b] = [NIGHTS[0]!, NIGHTS[1]!];
    expect(gsm8kCell([deepseek(a, 1319)], [deepseek(b, 200)]).reason).toContain("5 vs 5 runs of 1319 vs 200 questions");
    expect(gsm8kCell([deepseek(a, 200)], [deepseek(b, 1319)]).reason).toContain("5 vs 5 runs of 200 vs 1319 questions");
    expect(gsm8kCell([deepseek(a, 1319)], [deepseek(b)]).reason).toContain("5 vs 5 runs of 1319 questions");
  });
});

describe("a GSM8K log appended over two launches (real Grok-2 2025-11-01 folder: tests of 11-01 and 11-02)", () => {
  const log = readFileSync(
    join(
      import.meta.dirname,
      "..",
      "fixtures",
      "gsm8k-launches",
      "grok2-20251101-two-launches",
      "sglang_client_log_GROK2_gsm8k_aiter.log",
    ),
    "utf8",
  );
  it("labels each run with its test, and compare judges them as two launches", () => {
    const g = parseGsm8kOutput(log).gsm8k!;
    expect(g.runs.map((r) => r.launch)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(parseGsm8kOutput("Accuracy: 0.9\nAccuracy: 0.91\n").gsm8k!.runs.map((r) => r.launch)).toEqual([
      undefined,
      undefined,
    ]);
    const base = { ...deepseek([]), gsm8k: g };
    const cell = gsm8kCell([base], [deepseek(NIGHTS[0]!, 1319)]);
    expect(cell.reason).toContain("(10 runs in 2 launches vs 5 runs of 1319 questions;");
    // The side's level is the mean of its launches' averages (0.920 and 0.932).
    expect(cell.reason).toMatch(/^accuracy 0\.926 → /);
  });
});

describe("GSM8K verdict: repeated runs over the same questions", () => {
  it("flags the real 0.926 → 0.905 drop that the binomial interval called unchanged", () => {
    const j = decideGsm8k(
      [{ accuracies: [0.925, 0.927, 0.926, 0.924, 0.928] }],
      [{ accuracies: [0.904, 0.906, 0.905, 0.903, 0.907] }],
      { confidence: 0.98 },
    );
    expect(j.verdict).toBe("regressed");
    expect(j.reason).toMatch(/every PR run below every main run/);
  });
  it("flags a consistent 2-point drop against real nights and leaves real night pairs (A/A) alone", () => {
    const history = NIGHTS.map((n) => deepseek(n, 1319));
    const dropped = NIGHTS[0]!.map((a) => a - 0.02);
    const drop = gsm8kCell([deepseek(NIGHTS[1]!)], [deepseek(dropped)], history);
    expect(drop.verdict).toBe("regressed");
    expect(drop.reason).toMatch(/from 6 launches in history.*every PR run below every main run/);
    for (let i = 0; i < NIGHTS.length; i++) {
      for (let k = 0; k < NIGHTS.length; k++) {
        if (i === k) continue;
        expect(gsm8kCell([deepseek(NIGHTS[i]!)], [deepseek(NIGHTS[k]!)], history).verdict).toBe("unchanged");
      }
    }
  });
  it("does not flag a drop whose runs overlap main's, nor a separated move inside the launch spread", () => {
    const overlap = decideGsm8k([{ accuracies: [0.93, 0.95, 0.94] }], [{ accuracies: [0.92, 0.94, 0.925] }], {
      confidence: 0.98,
    });
    expect(overlap.verdict).toBe("unchanged");
    const small = decideGsm8k([{ accuracies: [0.94, 0.941] }], [{ accuracies: [0.937, 0.938] }], {
      confidence: 0.98,
    });
    expect(small.verdict).toBe("unchanged");
  });
  it("uses the history's launch spread: a drop within it is not flagged", () => {
    const spread = gsm8kHistorySpread(
      [0.9, 0.95, 0.92, 0.97].map((a) => deepseek([a, a])),
      deepseek([0.9]),
    );
    expect(spread?.launches).toBe(4);
    const j = decideGsm8k([{ accuracies: [0.95, 0.951] }], [{ accuracies: [0.935, 0.936] }], {
      confidence: 0.98,
      spread,
    });
    expect(j.verdict).toBe("unchanged");
    expect(j.reason).toMatch(/within the launch-to-launch spread/);
  });
  it("applies the model's catalogue floor by default and names it; --gsm8k-min-accuracy overrides", () => {
    expect(gsm8kMinAccuracy("DeepSeek-V3-0324_FP8")).toBe(0.93);
    expect(gsm8kMinAccuracy("GROK2_FP8")).toBe(0.92);
    expect(gsm8kMinAccuracy("GROK1_MOE-I4F8")).toBe(0.8);
    expect(gsm8kMinAccuracy("Llama")).toBeUndefined();
    const cell = gsm8kCell([deepseek([0.935, 0.936])], [deepseek([0.915, 0.912])]);
    expect(cell.verdict).toBe("regressed");
    expect(cell.reason).toMatch(/floor 0.93 \(catalogue\).*below the 0.93 threshold/);
    // Under the floor, but within the launch noise of it: not known to be below.
    const near = gsm8kCell([deepseek([0.935, 0.936])], [deepseek([0.929, 0.926])]);
    expect(near.verdict).toBe("inconclusive");
    expect(near.reason).toMatch(/0.92\d is under the 0.93 threshold but within the noise of it/);
    const fine = gsm8kCell([deepseek([0.937, 0.938])], [deepseek([0.936, 0.939])]);
    expect(fine.verdict).toBe("unchanged");
    expect(fine.reason).toMatch(/floor 0.93 \(catalogue\)/);
    const overridden = compareRuns([deepseek([0.935, 0.936])], [deepseek([0.929, 0.926])], { gsm8kThreshold: 0.9 });
    expect(overridden.cells.find((c) => c.kind === "gsm8k")!.reason).toMatch(/floor 0.9 \(--gsm8k-min-accuracy\)/);
  });
});

/** A Grok-2 MI355X online launch (catalogue floor 0.92) with these GSM8K accuracies. */
function grok2(accuracies: number[]): RunResults {
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: "GROK2", variant: "FP8" },
    hardware: "mi35x",
    gsm8k: { runs: accuracies.map((accuracy, i) => ({ index: i + 1, accuracy })), num_questions: 1319 },
  });
}
const cellOf = (base: RunResults, cand: RunResults, history?: RunResults[]) =>
  compareRuns([base], [cand], history ? { history } : {}).cells.find((c) => c.kind === "gsm8k")!;

/** Real Grok-2 MI355X nights (2025), the catalogue floor (0.92) applied. */
const GROK2 = {
  "1009": [0.913, 0.913, 0.916, 0.914, 0.914],
  "1011": [0.92, 0.917, 0.923, 0.919, 0.922],
  "1013": [0.925, 0.916, 0.92, 0.917, 0.92],
  "1101": [0.923, 0.915, 0.92, 0.921, 0.919, 0.933, 0.935, 0.926, 0.931, 0.933],
  "1103": [0.905, 0.904, 0.909, 0.901, 0.906],
  "1111": [0.928, 0.928, 0.919, 0.924, 0.929],
  "1112": [0.916, 0.916, 0.922, 0.917, 0.92],
  "1124": [0.926, 0.923, 0.926, 0.925, 0.929],
  "1125": [0.926, 0.928, 0.922, 0.917, 0.929],
  "1126": [0.928, 0.929, 0.933, 0.931, 0.933],
  "1127": [0.926, 0.924, 0.928, 0.926, 0.926],
  "1201": [0.917, 0.923, 0.923, 0.932, 0.922],
  "1211": [0.926, 0.922, 0.914, 0.929, 0.924],
  "1212": [0.936],
};

describe("GSM8K floor and noise on real nights", () => {
  it("does not flag typical night pairs that straddle a floor set at the model's usual level", () => {
    // Grok-2 sits at 0.914–0.931 around its 0.92 floor: a plain average < floor flagged these.
    for (const [main, pr] of [
      ["1011", "1013"],
      ["1111", "1112"],
    ] as const) {
      const cell = cellOf(grok2(GROK2[main]), grok2(GROK2[pr]));
      expect(cell.verdict).toBe("inconclusive");
      expect(cell.reason).toMatch(/under the 0.92 threshold but within the noise of it/);
    }
  });
  it("still flags the real low night (0.905) and a night credibly under the floor", () => {
    const low = cellOf(grok2(GROK2["1101"]), grok2(GROK2["1103"]));
    expect(low.verdict).toBe("regressed");
    expect(low.reason).toMatch(/below the 0.92 threshold/);
    // The report's row: the change in accuracy points (what the floor is in), and the grounds.
    const row = rowOf(low);
    expect(row.change).toMatch(/^-2\.1 pts \(-2\.2 % lower\)$/);
    expect(row.interval).toMatch(/^\[-\d\.\d, -\d\.\d\] pts$/);
    expect(row.reason).toMatch(/runs of 1319 questions.*below the 0.92 threshold/);
    // The report's headline says it in points too, with both levels.
    const c = compareRuns([grok2(GROK2["1101"])], [grok2(GROK2["1103"])]);
    expect(buildReportModel(c).headline).toMatch(/accuracy \d\.\d points lower \(0\.9\d\d → 0\.9\d\d\)/);
  });
  it("catches a 5-point drop when main is already under the floor", () => {
    const main = GROK2["1009"];
    const cell = cellOf(grok2(main), grok2(main.map((a) => a - 0.05)));
    expect(cell.verdict).toBe("regressed");
    expect(cell.reason).toMatch(/every PR run below every main run/);
  });
  it("gives no 🟢 to a rise that stays far under the floor (real broken DP-attention nights)", () => {
    const zero = deepseek([0, 0, 0, 0, 0]);
    const cell = cellOf(zero, deepseek([0.014, 0.013, 0.014, 0.01, 0.014]));
    expect(cell.verdict).toBe("inconclusive");
    expect(cell.reason).toMatch(/below the 0.93 threshold on both sides/);
    // A real fall from there is still 🔴.
    expect(cellOf(deepseek([0.936, 0.932, 0.937, 0.94, 0.936]), zero).verdict).toBe("regressed");
  });
  it("makes one broken run (real DeepSeek night: 0.810 among 0.938s) ❔, not a floor 🔴", () => {
    const main = deepseek([0.939, 0.939, 0.939, 0.939, 0.94]);
    const broken = deepseek([0.939, 0.81, 0.938, 0.938, 0.939]);
    for (const cell of [cellOf(main, broken), cellOf(broken, main)]) {
      expect(cell.verdict).toBe("inconclusive");
      expect(cell.reason).toMatch(/run at 0.810 is far from its launch's other runs/);
    }
    // Grok-1's runs spread wider (0.807–0.830 on one night): 0.799 there is not a broken run.
    const grok1 = (accuracies: number[]): RunResults => ({
      ...deepseek(accuracies),
      suite: "grok-online",
      model: { name: "GROK1", variant: "MOE-I4F8" },
    });
    const g = cellOf(grok1([0.813, 0.83, 0.815, 0.807, 0.81]), grok1([0.816, 0.813, 0.817, 0.818, 0.799]));
    expect(g.verdict).toBe("unchanged");
  });
  it("judges a one-run launch against five-run history with a one-run launch's noise", () => {
    const history = ["1124", "1125", "1126", "1127", "1201"].map((k) => grok2(GROK2[k as keyof typeof GROK2]));
    const spread = gsm8kHistorySpread(history, grok2([0.93]));
    expect(spread?.runsPerLaunch).toBe(5);
    expect(spread?.runVariance).toBeGreaterThan(0);
    // 0.923 → 0.936 in one run: a single run moves that much (Grok-2 runs spread ±0.005 and more).
    const cell = cellOf(grok2(GROK2["1211"]), grok2(GROK2["1212"]), history);
    expect(cell.verdict).toBe("unchanged");
  });
  it("a short history (four nights, one with a broken run) judges no more loosely than none", () => {
    const history = [
      [0.939, 0.939, 0.939, 0.939, 0.94],
      [0.939, 0.81, 0.938, 0.938, 0.939],
      [0.942, 0.939, 0.945, 0.938, 0.939],
      [0.937, 0.938, 0.939, 0.937, 0.929],
    ].map((n) => deepseek(n, 1319));
    const main = deepseek([0.938, 0.936, 0.936, 0.93, 0.934], 1319);
    const pr = deepseek(
      [0.937, 0.933, 0.939, 0.939, 0.938].map((a) => a - 0.02),
      1319,
    );
    // Floor off: the statistics alone decide.
    const judge = (h?: RunResults[]) =>
      compareRuns([main], [pr], { gsm8kThreshold: 0, ...(h ? { history: h } : {}) }).cells.find(
        (c) => c.kind === "gsm8k",
      )!;
    expect(judge().verdict).toBe("regressed");
    const withHistory = judge(history);
    expect(withHistory.verdict).toBe("regressed");
    expect(withHistory.reason).toMatch(/from 4 launches in history/);
  });
});
