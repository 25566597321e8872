/**
 * Many cells, one suite: false discoveries across a suite's cells (Benjamini–Hochberg).
 *
 * Each cell's interval keeps its own false-alarm rate at 1 − confidence (two one-sided 1 % tests at
 * 98 %). A suite judges 30–45 cells (points × metrics), so between launches that are really alike a
 * 🔴/🟢 somewhere in the suite was likelier than not: on the real nightlies 1.3–1.9 % of A/A cells were
 * flagged, as calibrated intervals must be. Benjamini–Hochberg at rate q keeps the expected share of
 * false flags among a suite's flags at q, and so, when nothing changed, the chance of any flag in the
 * suite. A flag still needs its own interval off zero (p < 1 − confidence) and the minimum effect; on
 * top it must be among the k smallest p, k the largest rank with p(k) ≤ k·q/m (step-up, m cells). A
 * change that moves many cells (a slower kernel: every rate, every latency) lets the bar climb to the
 * per-cell level; a lone borderline cell needs p ≤ q/m. A cell below the minimum effect cannot be
 * flagged and counts as p = 1 (it must not make room for the others). The guarantee is proven for
 * independent or positively dependent tests; the cells of one launch share its level, which the
 * real nightlies bear out (bench), but it is not proven for them. q = 10 %, the customary rate:
 * "at most one flag in ten is noise".
 */
import type { ComparisonCell } from "./compare.js";
import { normalCdf, studentTwoSidedP, tQuantile } from "./stats.js";

/** The expected share of a suite's 🔴/🟢 that are noise (Benjamini–Hochberg's q). */
export const DEFAULT_FALSE_DISCOVERY_RATE = 0.1;

/** The rate itself, when it is one Benjamini–Hochberg can use: in (0, 1]. */
export function checkedRate(rate: number): number {
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`false discovery rate must be in (0, 1], got ${rate}`);
  return rate;
}

/** A judged cell and the degrees of freedom of its interval. */
export interface TestedCell {
  cell: ComparisonCell;
  df: number;
}

/**
 * The two-sided p of a cell's change from its interval at `confidence` (log scale, where the
 * intervals are built): the half-width towards zero over the t quantile is the standard error.
 */
export function cellPValue(cell: ComparisonCell, df: number, confidence: number): number | undefined {
  if (cell.change_pct === null || cell.interval === null || !(df > 0)) return undefined;
  const log = (pct: number): number => Math.log1p(pct / 100);
  const centre = log(cell.change_pct);
  const half = centre >= 0 ? centre - log(cell.interval[0]) : log(cell.interval[1]) - centre;
  if (!Number.isFinite(half)) return undefined;
  if (!(half > 0)) return centre === 0 ? 1 : 0;
  const se = half / tQuantile(1 - (1 - confidence) / 2, df);
  const t = Math.abs(centre) / se;
  return Number.isFinite(df) ? studentTwoSidedP(t, df) : 2 * (1 - normalCdf(t));
}

/** A cell whose change has a better direction and an interval: one of the suite's tests. */
const isTest = (c: ComparisonCell): boolean =>
  c.kind === "metric" && c.better !== "none" && c.interval !== null && !c.reason.startsWith("not compared");

/** `0.90%`, `10%`: two significant digits, the way p and q read. */
export const fmtP = (p: number): string => `${Number((100 * p).toPrecision(2))}%`;

/** The ❔ reason's why for a flag taken back (one text per rate, so the report can group them). */
export const withinChance = (rate: number): string =>
  `significant for this cell, within chance among the suite's cells (Benjamini–Hochberg at ${fmtP(rate)})`;

/**
 * Keeps a suite's 🔴/🟢 only where Benjamini–Hochberg at `rate` keeps them; a flagged cell it does not
 * keep becomes ❔ and its reason says so. Returns how many flags it took back.
 */
export function controlFalseDiscoveries(
  tested: readonly TestedCell[],
  confidence: number,
  rate = DEFAULT_FALSE_DISCOVERY_RATE,
  minEffectPct = 0,
): number {
  checkedRate(rate);
  const tests = tested
    .filter(({ cell }) => isTest(cell))
    .map(({ cell, df }) => ({
      cell,
      p: Math.abs(cell.change_pct ?? 0) < minEffectPct ? 1 : cellPValue(cell, df, confidence),
    }))
    .filter((t): t is { cell: ComparisonCell; p: number } => t.p !== undefined)
    .sort((a, b) => a.p - b.p);
  const m = tests.length;
  // Step-up: the largest rank k with p(k) ≤ k·q/m; ranks 1…k are discoveries.
  let kept = 0;
  tests.forEach((t, i) => {
    if (t.p <= ((i + 1) * rate) / m) kept = i + 1;
  });
  let taken = 0;
  tests.slice(kept).forEach(({ cell, p }) => {
    if (cell.verdict !== "regressed" && cell.verdict !== "improved") return;
    cell.verdict = "inconclusive";
    cell.reason = `${cell.reason} (p ${fmtP(p)}, ${m} cells): ${withinChance(rate)}`;
    taken++;
  });
  return taken;
}
