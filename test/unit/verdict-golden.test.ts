/**
 * A golden subset of the verdict evaluation (the full one: `npm run bench:verdicts`): two real
 * nightlies of the same image (cron_log fixtures, mi30x), the later one compared with the earlier,
 * the noise learnt from the other nights (the candidate night left out, as for a PR). Each cell's
 * verdict is pinned: a change to the engine that moves one shows here in a second.
 */
import { beforeAll, describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { shifted } from "../../bench/verdicts-eval.js";
import { compareRuns, pointLabel, type Comparison, learnNoise } from "../../src/core/verdict/index.js";
import { metricInfo } from "../../src/core/catalogue/index.js";
import type { RunResults } from "../../src/core/results/index.js";
import { ingestPaths } from "../../src/store/ingest.js";

let runs: RunResults[] = [];
beforeAll(async () => {
  ({ runs } = await ingestPaths([join(import.meta.dirname, "..", "fixtures", "real", "cron_log")]));
});

/** Latency × `lat`, throughput × `thr` (at the points `at` picks), printed to the original's decimals. */
function shift(run: RunResults, lat: number, thr: number, at: (index: number) => boolean = () => true): RunResults {
  const factor = (metric: string): number => {
    const better = metricInfo(metric).better;
    return better === "lower" ? lat : better === "higher" ? thr : metric === "duration" ? 1 / thr : 1;
  };
  return {
    ...run,
    gsm8k: undefined,
    kv_cache: undefined,
    failures: [],
    points: run.points.map((p, i) => ({
      ...p,
      repeats: p.repeats.map((r) => ({
        ...r,
        metrics: Object.fromEntries(Object.entries(r.metrics).map(([m, v]) => [m, at(i) ? shifted(v, factor(m)) : v])),
      })),
    })),
  };
}

/** Night 3 (main) against night 4 (the PR), candidate shifted; noise from nights 1–3. */
function nextNightly(model: string, lat = 1, thr = 1, at?: (index: number) => boolean): Comparison {
  const nights = runs
    .filter((r) => r.model.name.startsWith(model))
    .sort((a, b) => (a.date ?? "").localeCompare(b.date ?? ""));
  expect(nights.map((r) => r.date)).toEqual(["20251013", "20251014", "20251015", "20251016"]);
  const [base, cand] = [nights[2]!, nights[3]!];
  const noise = learnNoise(nights.filter((r) => r !== cand));
  return compareRuns([shift(base, 1, 1)], [shift(cand, lat, thr, at)], { noise });
}

/** `point metric` → verdict for the compared metric cells. */
const verdicts = (c: Comparison): Record<string, string> =>
  Object.fromEntries(
    c.cells
      .filter((x) => x.kind === "metric" && x.better !== "none")
      .map((x) => [`${pointLabel(x.point)} ${x.metric}`, x.verdict]),
  );

describe("verdicts on real nightlies (golden cells)", () => {
  it("DeepSeek A/A: nothing flagged; latency ×1.10: all 15 regressed", () => {
    const c = nextNightly("DeepSeek");
    // Launch-to-launch differences are heavy-tailed (the prior's Student-t tail, df ≈ 1–2: now and
    // then a whole night is off by a few %), so the 98 % intervals that flag are wide; ⚪ asks only
    // for equivalence within ±4 % at 90 % (two one-sided tests), which every A/A cell here shows.
    expect(c.summary).toMatchObject({ regressed: 0, improved: 0, unchanged: 15, inconclusive: 0 });
    expect(nextNightly("DeepSeek", 1.1, 0.9).summary).toMatchObject({ regressed: 15, improved: 0, unchanged: 0 });
  });

  it("Grok-1 A/A: nothing flagged; the noisiest tails and rate 8 stay inconclusive", () => {
    const c = nextNightly("GROK1");
    // ⚪ needs equivalence within ±4 % at 90 % (two one-sided tests), ❔ what cannot show it.
    expect(c.summary).toMatchObject({ regressed: 0, improved: 0, unchanged: 34, inconclusive: 6 });
    expect(verdicts(c)).toMatchObject({
      "rate 1 median_itl_ms": "unchanged",
      "rate 1 p99_ttft_ms": "unchanged", // +0.7 % pooled over the points: 90 % interval within ±4 %
      "rate 8 median_e2e_latency_ms": "inconclusive", // +3.1 % between two nights of one image
      "rate 16 p99_ttft_ms": "inconclusive", // +12.5 %: a tail this noisy is not called
      "rate 16 output_throughput": "unchanged",
      "rate 4 p99_itl_ms": "unchanged", // +1.4 % [−2.0 %, +4.9 %] at 98 %, within ±4 % at 90 %
      "rate 8 p99_itl_ms": "inconclusive", // +7.1 %: the prior's launch noise widens it past ±4 %
    });
  });

  it("Grok-1 latency ×1.10 / throughput ×0.90: all 40 cells regressed", () => {
    expect(nextNightly("GROK1", 1.1, 0.9).summary).toMatchObject({ regressed: 40, improved: 0, unchanged: 0 });
  });

  it("Grok-1 shifted at rate 4 only: its 8 cells regressed, no other point flagged", () => {
    const c = nextNightly("GROK1", 1.1, 0.9, (i) => i === 2);
    expect(c.summary).toMatchObject({ regressed: 8, improved: 0 });
    const flagged = Object.entries(verdicts(c)).filter(([, v]) => v === "regressed" || v === "improved");
    expect(flagged.map(([k]) => k.split(" ").slice(0, 2).join(" "))).toEqual(Array(8).fill("rate 4"));
  });
});
