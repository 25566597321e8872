/**
 * Learning the built-in noise prior from nightly runs (used by scripts/learn-prior-noise.ts to write
 * src/core/verdict/prior-noise.json, and by bench/verdicts-launch.ts for leave-one-series-out).
 * Method: see the script's header and src/core/verdict/prior.ts.
 */
import { COMPARED_METRICS } from "../src/core/catalogue/index.js";
import { pointKey, type RunResults } from "../src/core/results/index.js";
import {
  expectedMedianChi2,
  fitStudentT,
  fitVariancePrior,
  median,
  priorHardware,
  priorModelKey,
  runLevel,
  splitRegimes,
  type PriorData,
  type PriorEntry,
  type PriorMetrics,
} from "../src/core/verdict/index.js";
import { changepointDetector } from "../src/pipeline/regime-history.js";
import { findChangepoints } from "../src/core/trends/index.js";
import type { TailFit } from "../src/core/verdict/index.js";

const DIRECTED_METRICS = COMPARED_METRICS.filter((m) => m.better !== "none").map((m) => m.key);

/** One (point, regime) estimate of the launch-level variance. */
interface Estimate {
  variance: number;
  df: number;
}

/** Robust launch-level variance from consecutive level differences: median(d²)/E[median χ²₁]/2, n df. */
function robustLevelVariance(diffs: number[]): Estimate | undefined {
  if (diffs.length === 0) return undefined;
  const squares = diffs.map((d) => d * d);
  return { variance: median(squares) / expectedMedianChi2(squares.length) / 2, df: squares.length };
}

/** The prior fitted to a family of estimates: EB scale and df (df capped at the family's own total). */
function familyPrior(estimates: Estimate[], nights: number): PriorEntry | undefined {
  const usable = estimates.filter((e) => e.variance > 0 && e.df > 0);
  if (usable.length === 0) return undefined;
  const total = usable.reduce((s, e) => s + e.df, 0);
  const fitted = fitVariancePrior(usable);
  if (fitted) return { variance: fitted.variance, df: Math.min(fitted.df, total), nights };
  // Fewer than 3 estimates: their df-weighted mean, with the df of the fewest (no spread to fit).
  const variance = usable.reduce((s, e) => s + e.variance * e.df, 0) / total;
  return { variance, df: Math.min(...usable.map((e) => e.df)), nights };
}

const round = (x: number): number => Number(x.toPrecision(4));
const rounded = (e: PriorEntry): PriorEntry => ({ variance: round(e.variance), df: round(e.df), nights: e.nights });

/** The same logs ingested twice (two folder layouts of one night) are one launch, not two. */
export function dedupeRuns(runs: readonly RunResults[]): RunResults[] {
  const seen = new Set<string>();
  return runs.filter((r) => {
    const key = `${r.hardware}|${r.date}|${JSON.stringify(r.points.map((p) => p.repeats.map((x) => x.metrics)))}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Every cell's own persistent level changes, found with hindsight over the whole series (the
 * changepoint detector on that cell's nights): `point|metric` → night index → levels before/after.
 * The evaluation's ground truth: a cell that stepped on a night is not an A/A cell that night,
 * even when too few cells stepped to cut the launch's regime.
 */
export function stepsPerCell(
  nights: readonly RunResults[],
): Map<string, Map<number, { before: number; after: number }>> {
  const out = new Map<string, Map<number, { before: number; after: number }>>();
  const keys = new Set(nights.flatMap((r) => r.points.map((p) => pointKey(p.point))));
  for (const key of keys) {
    for (const metric of DIRECTED_METRICS) {
      // Levels are comparable only between nights with the same repeats at this point (1 repeat
      // is a first, warm-up-biased one; 3 repeats drop it): the series is searched per stretch.
      const stretches: { idx: number[]; series: { date: string; values: number[] }[]; repeats: number }[] = [];
      nights.forEach((r, i) => {
        const level = runLevel(r, key, metric);
        if (!level) return;
        const repeats = r.points.find((p) => pointKey(p.point) === key)!.repeats.filter((x) => !x.warmup).length;
        let last = stretches[stretches.length - 1];
        if (!last || last.repeats !== repeats) stretches.push((last = { idx: [], series: [], repeats }));
        last.idx.push(i);
        last.series.push({ date: r.date ?? "", values: [Math.exp(level.level)] });
      });
      const steps = new Map<number, { before: number; after: number }>();
      for (const { idx, series } of stretches) {
        if (series.length < 6) continue;
        for (const c of findChangepoints(series, { metric }))
          steps.set(idx[c.index]!, { before: c.before, after: c.after });
      }
      if (steps.size > 0) out.set(`${key}|${metric}`, steps);
    }
  }
  return out;
}

/** The heavy-tail fit of a family's scores (stats.ts fitStudentT), rounded; none below 20 scores. */
function fitTail(scores: number[]): TailFit | undefined {
  const fit = fitStudentT(scores);
  return fit && { df: round(fit.df), scale: round(fit.scale), n: fit.n };
}

/** Learns the prior from nightly runs (any number of series). */
export function learnPrior(runs: readonly RunResults[], source: string): PriorData {
  const regimes = splitRegimes(dedupeRuns(runs), changepointDetector);
  // scope → metric → point → per-regime differences
  const diffs = new Map<string, Map<string, Map<string, number[][]>>>();
  const nightsOf = new Map<string, number>();
  const hardwareOf = new Map<string, string>();
  // Each cell's own persistent steps (hindsight over its whole series) are real changes, not launch
  // noise: their night differences are left out.
  const stepNight = new Map<RunResults, Map<string, Map<number, unknown>>>();
  const byScope = new Map<string, RunResults[]>();
  for (const r of regimes) byScope.set(r.scope, [...(byScope.get(r.scope) ?? []), ...r.runs]);
  for (const series of byScope.values()) {
    const steps = stepsPerCell(series);
    series.forEach((run, i) => {
      const at = new Map<string, Map<number, unknown>>();
      for (const [cell, nights] of steps) if (nights.has(i)) at.set(cell, nights);
      stepNight.set(run, at);
    });
  }
  const stepped = (run: RunResults, key: string, metric: string): boolean =>
    stepNight.get(run)?.has(`${key}|${metric}`) ?? false;
  for (const regime of regimes) {
    const first = regime.runs[0]!;
    const hw = priorHardware(first.hardware);
    if (!hw) continue;
    const scope = [hw, ...regime.scope.split("/").slice(1)].join("/");
    hardwareOf.set(scope, hw);
    nightsOf.set(scope, (nightsOf.get(scope) ?? 0) + regime.runs.length);
    const byMetric = diffs.get(scope) ?? new Map<string, Map<string, number[][]>>();
    diffs.set(scope, byMetric);
    const points = new Set(regime.runs.flatMap((r) => r.points.map((p) => pointKey(p.point))));
    for (const m of COMPARED_METRICS) {
      if (m.better === "none") continue;
      const byPoint = byMetric.get(m.key) ?? new Map<string, number[][]>();
      byMetric.set(m.key, byPoint);
      for (const key of points) {
        const levels = regime.runs
          .map((r) => ({ run: r, level: runLevel(r, key, m.key)?.level }))
          .filter((x): x is { run: RunResults; level: number } => x.level !== undefined);
        const d = levels.slice(1).flatMap((x, i) => (stepped(x.run, key, m.key) ? [] : [x.level - levels[i]!.level]));
        if (d.length > 0) byPoint.set(key, [...(byPoint.get(key) ?? []), d]);
      }
    }
  }
  const series: Record<string, PriorMetrics> = {};
  type Family = { estimates: Estimate[]; nights: number; scores: number[] };
  const families = new Map<string, Map<string, Family>>();
  const addFamily = (level: string, metric: string, estimates: Estimate[], nights: number, scores: number[]): void => {
    const byMetric = families.get(level) ?? new Map<string, Family>();
    families.set(level, byMetric);
    const f = byMetric.get(metric) ?? { estimates: [], nights: 0, scores: [] };
    f.estimates.push(...estimates);
    f.nights += nights;
    f.scores.push(...scores);
    byMetric.set(metric, f);
  };
  for (const [scope, byMetric] of diffs) {
    const [hw, model, suite] = scope.split("/") as [string, string, string];
    const nights = nightsOf.get(scope) ?? 0;
    for (const [metric, byPoint] of byMetric) {
      const perRegime = [...byPoint.values()].flatMap((rs) =>
        rs.map(robustLevelVariance).filter((e): e is Estimate => !!e),
      );
      const fam = familyPrior(perRegime, nights);
      if (!fam) continue;
      const points: Record<string, PriorEntry> = {};
      // Each difference in units of its point's prior scale (√2·σ): what the tail is fitted to.
      const scores: number[] = [];
      for (const [key, rs] of byPoint) {
        const own = robustLevelVariance(rs.flat());
        if (!own || !(own.variance > 0)) continue;
        // Moderated towards the series' prior (EB), as the verdict moderates history.
        const variance = (fam.df * fam.variance + own.df * own.variance) / (fam.df + own.df);
        points[key] = rounded({ variance, df: fam.df + own.df, nights: own.df + rs.length });
        scores.push(...rs.flat().map((d) => d / Math.sqrt(2 * variance)));
      }
      const tail = fitTail(scores);
      (series[scope] ??= {})[metric] = { all: { ...rounded(fam), ...(tail ? { tail } : {}) }, points };
      addFamily(`model|${priorModelKey(hw, model, suite)}`, metric, perRegime, nights, scores);
      addFamily(`hardware|${hardwareOf.get(scope)}`, metric, perRegime, nights, scores);
    }
  }
  const models: Record<string, PriorMetrics> = {};
  const hardware: Record<string, PriorMetrics> = {};
  for (const [level, byMetric] of families) {
    const [kind, key] = level.split("|") as [string, string];
    for (const [metric, f] of byMetric) {
      const p = familyPrior(f.estimates, f.nights);
      if (!p) continue;
      const tail = fitTail(f.scores);
      ((kind === "model" ? models : hardware)[key] ??= {})[metric] = {
        all: { ...rounded(p), ...(tail ? { tail } : {}) },
      };
    }
  }
  return {
    generated_from: source,
    method:
      "launch-level variance of ln value: robust scale of consecutive nights' level differences inside each regime (host, ROCm, release, protocol, changepoints); empirical-Bayes scaled inverse-chi2 prior over points and regimes; tail: Student-t (df, scale) fitted by maximum likelihood to the differences in units of their point's scale, each cell's own persistent steps left out (scripts/learn-prior-noise.ts)",
    series,
    models,
    hardware,
  };
}
