/**
 * Partial pooling of one metric across the points of a suite (empirical Bayes, random effects).
 *
 * Why: some cells are too noisy to judge alone — on the real MI300X nightlies P99 TTFT at Grok rate 8
 * moves ±13 % between repeats, so a ×1.10 slowdown there is ❔ however good the statistics. But a code
 * change rarely moves one request rate and not its neighbours: when the precise points of the same
 * metric all moved by about the same ratio, the noisy point's best estimate is close to theirs.
 *
 * Model (log changes y_i, one per point): y_i = θ_i + c + e_i, where θ_i ~ N(μ, τ²) is the point's true
 * change, e_i ~ N(0, a_i) its own noise (its repeats, separate bench runs for each point, plus its own
 * part of the run-to-run noise) and c the run-to-run noise every point of a launch shares (variance
 * r_i: the share learnt from history, noise.ts withSharedRunNoise; all of it when unknown).
 * - τ² by DerSimonian–Laird from the spread of the y_i around their weighted mean, floored at the
 *   minimum effect: real changes are never exactly uniform, so a noisy point may only borrow "the
 *   neighbours' change ± the minimum effect", and a point that differs from its neighbours (a
 *   regression at high load only) raises τ² and keeps its own verdict.
 * - μ with weights 1/(a_i + τ²); its variance adds the whole shared run-to-run part (it does not
 *   average out over points).
 * - Each point's posterior: m_i = μ + (1 − B_i)(y_i − μ), B_i = a_i / (a_i + τ²), variance
 *   a_i(1 − B_i) + B_i² Var(μ) + run part (Morris 1983); interval with Satterthwaite df.
 * The same decision rule as a single cell (verdict.ts judge) is applied to the posterior. compare.ts
 * uses it only for cells that are `inconclusive` alone; a cell its own data decides keeps its verdict.
 */
import type { Direction } from "../catalogue/index.js";
import { satterthwaiteDf, tQuantile } from "./stats.js";
import { equivalenceHalf, judge, type CellEvidence, type Judgement } from "./verdict.js";

/** Fewest points with evidence for a metric to be pooled (τ² needs a spread to estimate). */
export const MIN_POOLED_POINTS = 3;

/** What the points of one metric say together. */
export interface PooledFamily {
  /** Common log change μ and its variance. */
  mean: number;
  variance: number;
  /** Between-point spread of the true changes (log units), after the floor. */
  tau2: number;
  /** Points pooled. */
  points: number;
}

/** One point's pooled judgement. */
export interface PooledJudgement extends Judgement {
  df: number;
}

/**
 * Pools the evidence of one metric's points. Returns undefined when there are fewer than
 * MIN_POOLED_POINTS points with evidence; otherwise the family and one judgement per input (in order).
 */
export function poolPoints(
  points: readonly CellEvidence[],
  better: Direction,
  minEffectPct: number,
  confidence: number,
): { family: PooledFamily; judgements: PooledJudgement[] } | undefined {
  if (points.length < MIN_POOLED_POINTS) return undefined;
  const k = points.length;
  // a_i: what is the point's own (repeats + its own part of the run-to-run noise); r_i: the shared part.
  const r = points.map((p) => Math.min(p.runVariance, p.sharedRunVariance ?? p.runVariance));
  const a = points.map((p, i) => Math.max(p.repeatVariance + p.runVariance - r[i]!, 1e-12));
  const ownDf = points.map((p, i) =>
    satterthwaiteDf([
      { variance: p.repeatVariance, df: p.repeatDf },
      { variance: p.runVariance - r[i]!, df: p.runDf },
    ]),
  );
  const y = points.map((p) => p.logChange);

  // DerSimonian–Laird: the spread of the changes beyond what each point's own noise explains.
  const w = a.map((v) => 1 / v);
  const sw = w.reduce((s, x) => s + x, 0);
  const fixedMean = w.reduce((s, x, i) => s + x * y[i]!, 0) / sw;
  const q = w.reduce((s, x, i) => s + x * (y[i]! - fixedMean) ** 2, 0);
  const denom = sw - w.reduce((s, x) => s + x * x, 0) / sw;
  const tauDl = denom > 0 ? Math.max(0, (q - (k - 1)) / denom) : 0;
  const floor = Math.log(1 + minEffectPct / 100) ** 2;
  const tau2 = Math.max(tauDl, floor);
  const tauEstimated = tauDl > floor;
  const tauDf = tauEstimated ? Math.max(1, k - 1) : Infinity;

  const ws = a.map((v) => 1 / (v + tau2));
  const sws = ws.reduce((s, x) => s + x, 0);
  const mu = ws.reduce((s, x, i) => s + x * y[i]!, 0) / sws;
  const independent = 1 / sws;
  const shared = ws.reduce((s, x, i) => s + x * r[i]!, 0) / sws;
  // Degrees of freedom of the independent part of Var(μ), Σ w_i²(a_i + τ²)/Σw²: each a_i known with
  // the point's own df, τ² exactly when floored, else from the k points.
  const independentDf = satterthwaiteDf(
    ws.flatMap((x, i) => [
      { variance: (x / sws) ** 2 * a[i]!, df: ownDf[i]! },
      { variance: (x / sws) ** 2 * tau2, df: tauDf },
    ]),
  );
  const z = (df: number): number => tQuantile(1 - (1 - confidence) / 2, df);

  const judgements = points.map((p, i) => {
    const b = a[i]! / (a[i]! + tau2);
    const m = mu + (1 - b) * (y[i]! - mu);
    const own = a[i]! * (1 - b);
    const fromMean = b * b * independent;
    const run = (1 - b) * r[i]! + b * shared;
    const variance = own + fromMean + run;
    const dfTotal = satterthwaiteDf([
      // own = a·τ²/(a + τ²): by the delta method its relative uncertainty is (1 − b)² of a's plus b² of τ²'s.
      { variance: own, df: 1 / ((1 - b) ** 2 / ownDf[i]! + b ** 2 / tauDf) },
      { variance: fromMean, df: independentDf },
      { variance: run, df: p.sharedRunDf ?? p.runDf },
    ]);
    const df = Number.isFinite(dfTotal) ? dfTotal : 1000;
    const half = z(df) * Math.sqrt(variance);
    return { ...judge(m, half, better, minEffectPct, equivalenceHalf(half, df, confidence)), df };
  });
  return { family: { mean: mu, variance: independent + shared, tau2, points: k }, judgements };
}
