import { describe, expect, it } from "@jest/globals";
import { compareRuns, decideGsm8k, gsm8kHistorySpread } from "../../src/core/verdict/index.js";
import { gsm8kMinAccuracy } from "../../src/core/catalogue/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";

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
    const cell = gsm8kCell([deepseek([0.935, 0.936])], [deepseek([0.929, 0.926])]);
    expect(cell.verdict).toBe("regressed");
    expect(cell.reason).toMatch(/floor 0.93 \(catalogue\).*below the 0.93 threshold/);
    const fine = gsm8kCell([deepseek([0.937, 0.938])], [deepseek([0.936, 0.939])]);
    expect(fine.verdict).toBe("unchanged");
    expect(fine.reason).toMatch(/floor 0.93 \(catalogue\)/);
    const overridden = compareRuns([deepseek([0.935, 0.936])], [deepseek([0.929, 0.926])], { gsm8kThreshold: 0.9 });
    expect(overridden.cells.find((c) => c.kind === "gsm8k")!.reason).toMatch(/floor 0.9 \(--gsm8k-min-accuracy\)/);
  });
});
