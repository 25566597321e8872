/** A launch-noise prior learnt from the user's own history, for a model the built-in prior never saw (prior-learn.ts). */
import { describe, expect, it } from "@jest/globals";
import { compareRuns, ownHistoryPrior, type PriorData } from "../../src/core/verdict/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { changepointDetector } from "../../src/pipeline/regime-history.js";
import { renderReport } from "../../src/core/report/index.js";

/** One nightly of a 3-point online Llama series: `level` scales latency up and throughput down. */
function night(date: string, opts: { level?: number; tag?: string; repeats?: number } = {}): RunResults {
  const level = opts.level ?? 1;
  const wobble = (i: number, p: number): number => 1 + 0.002 * Math.sin(Number(date) * 7.1 + i * 3.3 + p);
  const tag = `${opts.tag ?? "v0.5.4"}-rocm700-mi35x-${date}`;
  return emptyRun({
    kind: "online",
    suite: "llama-online",
    model: { name: "Llama", variant: "FP8" },
    hardware: "mi35x",
    node: "host-a",
    date,
    image: { full: `rocm/sgl-dev:${tag}`, tag },
    points: [1, 2, 4].map((rate, p) => ({
      point: { request_rate: rate },
      repeats: Array.from({ length: opts.repeats ?? 1 }, (_, k) => ({
        index: k + 1,
        metrics: {
          completed: 300,
          median_e2e_latency_ms: 1000 * rate * level * wobble(k, p),
          output_throughput: (500 * rate * wobble(k + 5, p)) / level,
        },
      })),
    })),
  });
}

/** A prior that knows another model only. */
const OTHER: PriorData = { generated_from: "test", method: "test", series: {}, models: {}, hardware: {} };
const old = Array.from({ length: 8 }, (_, i) => night(String(20251101 + i)));

describe("a prior from the user's own history", () => {
  const verdicts = (c: ReturnType<typeof compareRuns>): string[] =>
    c.cells.filter((x) => x.metric === "median_e2e_latency_ms").map((x) => x.verdict);

  it("is learnt from the series' other regimes when the baseline is its regime's first night", () => {
    const base = night("20251110", { tag: "v0.5.5" });
    const cand = night("20251111", { tag: "v0.5.5", level: 1.1 });
    const opts = { history: [...old, base], detectChanges: changepointDetector, prior: OTHER };
    expect(verdicts(compareRuns([base], [cand], opts))).toEqual(["inconclusive", "inconclusive", "inconclusive"]);
    const own = compareRuns([base], [cand], { ...opts, ownPrior: true });
    expect(verdicts(own)).toEqual(["regressed", "regressed", "regressed"]);
    expect(own.priorUsed).toEqual(["own-history series mi35x/Llama_FP8/llama-online/-"]);
    // The report says where that prior came from: not the built-in one.
    const md = renderReport(own);
    expect(md).toContain(
      "from a prior learnt from the history's earlier regimes of the series (the built-in prior has none for it): series mi35x Llama_FP8 llama-online.",
    );
    expect(md).not.toContain("from the built-in prior (learnt from real nightlies)");
    expect(ownHistoryPrior([...old, base], [base], base, changepointDetector)?.generated_from).toContain("own history");
  });

  it("is not learnt from another protocol for a first night (a level over 3 repeats is not one run's)", () => {
    const base = night("20251110", { repeats: 3 });
    const cand = night("20251111", { repeats: 3, level: 1.1 });
    const c = compareRuns([base], [cand], {
      history: [...old, base],
      detectChanges: changepointDetector,
      prior: OTHER,
      ownPrior: true,
    });
    expect(c.priorUsed).toBeUndefined();
    expect(ownHistoryPrior([...old, base], [base], base, changepointDetector)).toBeUndefined();
  });
});
