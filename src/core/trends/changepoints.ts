/**
 * Mean-shift detection in a nightly series, using each night's repeats to know the noise.
 *
 * Method (binary segmentation with a noise-aware t-test):
 * 1. Work on natural logs, so a shift is a ratio and "2 %" means the same at any scale.
 *    Each night i becomes y_i = mean of its log repeats (n_i repeats).
 * 2. For a segment, try every split leaving >= `minSegment` nights on each side, and every pair of
 *    cuts (middle vs outside, as in circular binary segmentation, so a dip that recovers is seen),
 *    and keep the one with the largest |t| = |mean_A − mean_B| / sqrt(v · (1/k_A + 1/k_B)) over
 *    night means.
 *    v, the variance of one night mean, is the pooled within-night (repeat) variance divided by the
 *    mean repeat count PLUS the between-night variance; the latter is estimated from the residuals
 *    of night means around their side's mean, net of the repeat part. Equivalently
 *    v = max(s²_nights, s²_repeats / n̄): repeats alone can never make the series look quieter
 *    than the nights really are, and a very stable series is not judged on too little data.
 * 3. A split is accepted only if the Bonferroni-corrected two-sided p (p × number of candidate
 *    splits, df = k − number of groups) is below `alpha` (default 0.001) AND |change| >= `minEffectPct` (2 %).
 * 4. Recurse on every resulting part until nothing is accepted.
 * Levels reported are medians of the per-night medians of the final segments around each change.
 */
import { metricInfo } from "../catalogue/index.js";
import { median, studentTwoSidedP } from "../verdict/index.js";

/** One night of a series: its date and the repeat values measured that night. */
export interface NightPoint {
  date: string;
  values: number[];
}

export interface ChangepointOptions {
  /** Canonical metric key; decides whether a change is a regression or an improvement. */
  metric?: string;
  /** Significance level after Bonferroni correction over candidate splits. */
  alpha?: number;
  /** Smallest |level change| in percent that is reported. */
  minEffectPct?: number;
  /** Fewest nights on each side of a split. */
  minSegment?: number;
}

/** Whether a shift is good or bad for the metric (`direction` is reserved for slower/faster/higher/lower). */
export type ChangeKind = "regression" | "improvement" | "change";

/** A detected mean shift; `index` is the first night of the new level. */
export interface Changepoint {
  index: number;
  date: string;
  before: number;
  after: number;
  change_pct: number;
  /** t statistic of the accepted split (on log night means). */
  t: number;
  /** Bonferroni-corrected two-sided p value. */
  p: number;
  kind: ChangeKind;
}

interface Night {
  mean: number;
  n: number;
  /** Sum of squared deviations of this night's log repeats around its mean. */
  ss: number;
}

const DEFAULTS = { alpha: 0.001, minEffectPct: 2, minSegment: 3 };

/**
 * Finds mean shifts in `series` (ordered by date). Nights without positive finite values are
 * skipped (logs need positive numbers); returned indexes refer to the input array.
 */
export function findChangepoints(series: readonly NightPoint[], options: ChangepointOptions = {}): Changepoint[] {
  const alpha = options.alpha ?? DEFAULTS.alpha;
  const minEffectPct = options.minEffectPct ?? DEFAULTS.minEffectPct;
  const minSegment = Math.max(2, options.minSegment ?? DEFAULTS.minSegment);

  const kept: { index: number; date: string; values: number[]; night: Night }[] = [];
  series.forEach((p, index) => {
    const values = p.values.filter((v) => Number.isFinite(v) && v > 0);
    if (values.length === 0) return;
    const logs = values.map(Math.log);
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const ss = logs.reduce((a, b) => a + (b - mean) ** 2, 0);
    kept.push({ index, date: p.date, values, night: { mean, n: logs.length, ss } });
  });
  const nights = kept.map((k) => k.night);

  const splits: { at: number; t: number; p: number }[] = [];
  const recurse = (lo: number, hi: number): void => {
    const best = bestSplit(nights, lo, hi, minSegment);
    if (!best) return;
    const effectPct = Math.abs(Math.expm1(best.diff)) * 100;
    if (best.p >= alpha || effectPct < minEffectPct) return;
    for (const at of best.cuts) splits.push({ at, t: best.t, p: best.p });
    const edges = [lo, ...best.cuts, hi];
    for (let i = 0; i + 1 < edges.length; i++) recurse(edges[i] as number, edges[i + 1] as number);
  };
  recurse(0, nights.length);
  splits.sort((a, b) => a.at - b.at);

  const better = metricInfo(options.metric ?? "").better;
  const bounds = [0, ...splits.map((s) => s.at), nights.length];
  return splits.map((s, i) => {
    const level = (from: number, to: number): number => median(kept.slice(from, to).map((k) => median(k.values)));
    const before = level(bounds[i] as number, s.at);
    const after = level(s.at, bounds[i + 2] as number);
    const change_pct = (after / before - 1) * 100;
    const first = kept[s.at] as (typeof kept)[number];
    return {
      index: first.index,
      date: first.date,
      before,
      after,
      change_pct,
      t: s.t,
      p: s.p,
      kind: kindOf(change_pct, better),
    };
  });
}

function kindOf(changePct: number, better: "lower" | "higher" | "none"): ChangeKind {
  if (better === "none") return "change";
  const up = changePct > 0;
  return up === (better === "higher") ? "improvement" : "regression";
}

interface Split {
  /** Cut positions (1 or 2) inside (lo, hi): each starts a new level. */
  cuts: number[];
  t: number;
  p: number;
  /** Log difference tested (right − left, or middle − outside). */
  diff: number;
}

/**
 * The best split of nights[lo, hi) by |t|, with its Bonferroni-corrected p; null if too short.
 * Besides single cuts it tries pairs of cuts (a middle segment against the outside, as in circular
 * binary segmentation), because a single cut cannot see a temporary dip that later recovers.
 */
function bestSplit(nights: readonly Night[], lo: number, hi: number, minSegment: number): Split | null {
  const k = hi - lo;
  if (k < 2 * minSegment) return null;
  const seg = nights.slice(lo, hi);
  // Centred night means (precision of the sums of squares below), with prefix sums so every
  // candidate split costs O(1): a year of nights has ~66 000 pairs of cuts per segment.
  const centre = seg.reduce((a, n) => a + n.mean, 0) / k;
  const sums = [0];
  const squares = [0];
  for (const n of seg) {
    const y = n.mean - centre;
    sums.push((sums.at(-1) as number) + y);
    squares.push((squares.at(-1) as number) + y * y);
  }
  const sum = (a: number, b: number): number => (sums[b] as number) - (sums[a] as number);
  /** Sum of squared deviations of nights [a, b) around their own mean. */
  const ss = (a: number, b: number): number =>
    Math.max(0, (squares[b] as number) - (squares[a] as number) - sum(a, b) ** 2 / (b - a));
  // Pooled within-night variance of one log repeat, over the whole segment.
  const repeatDf = seg.reduce((a, n) => a + n.n - 1, 0);
  const repeatVar = repeatDf > 0 ? seg.reduce((a, n) => a + n.ss, 0) / repeatDf : 0;
  const meanN = seg.reduce((a, n) => a + n.n, 0) / k;

  let best: Omit<Split, "p"> & { df: number } = { cuts: [], t: 0, diff: 0, df: 1 };
  let candidates = 0;
  /** One candidate: the inner nights (sum, count) against the outer ones, residuals over `groups`. */
  const consider = (
    cuts: number[],
    inner: { sum: number; n: number },
    outer: { sum: number; n: number },
    resid: number,
    groups: number,
  ): void => {
    candidates++;
    const df = k - groups;
    if (df < 1) return;
    const v = Math.max(resid / df, repeatVar / meanN);
    const diff = inner.sum / inner.n - outer.sum / outer.n;
    const se = Math.sqrt(v * (1 / inner.n + 1 / outer.n));
    const t = se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Infinity;
    if (Math.abs(t) > Math.abs(best.t)) best = { cuts, t, diff, df };
  };
  for (let a = minSegment; a <= k - minSegment; a++) {
    consider([lo + a], { sum: sum(a, k), n: k - a }, { sum: sum(0, a), n: a }, ss(0, a) + ss(a, k), 2);
  }
  for (let a = minSegment; a <= k - 2 * minSegment; a++) {
    for (let b = a + minSegment; b <= k - minSegment; b++) {
      consider(
        [lo + a, lo + b],
        { sum: sum(a, b), n: b - a },
        { sum: sum(0, a) + sum(b, k), n: a + k - b },
        ss(0, a) + ss(a, b) + ss(b, k),
        3,
      );
    }
  }
  if (best.cuts.length === 0) return null;
  const p = Math.min(1, studentTwoSidedP(best.t, best.df) * candidates);
  return { cuts: best.cuts, t: best.t, p, diff: best.diff };
}
