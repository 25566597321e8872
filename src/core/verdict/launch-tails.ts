/**
 * How launches of one image differ from night to night, learnt from nightly runs: the consecutive
 * nights' level differences of every cell inside each regime (regime.ts), without the nights where
 * that cell's own level moved for good (a real step is not launch noise), and the heavy tail of
 * those differences (a Student t, stats.ts fitStudentT).
 *
 * The shipped prior (prior.ts, scripts/learn-prior-noise.ts) is learnt this way from the real
 * nightlies; compare learns the tail the same way from the user's own `--history` when it holds
 * enough differences, so a model or host the prior never saw gets its own tail.
 */
import { COMPARED_METRICS } from "../catalogue/index.js";
import { pointKey, type RunResults } from "../results/index.js";
import { runScope, scopeKey } from "./noise.js";
import { runLevel, splitRegimes, type ChangeDetector, type Regime } from "./regime.js";
import { expectedMedianChi2, fitStudentT, median, type TailFit } from "./stats.js";
import type { NoiseEstimate } from "./verdict.js";
import { fitDrift, launchDayOf } from "./drift.js";

/** Fewest differences a tail is fitted from (below it the fit of df is too loose to use). */
export const MIN_TAIL_SCORES = 30;

const DIRECTED_METRICS = COMPARED_METRICS.filter((m) => m.better !== "none").map((m) => m.key);

/** A cell's persistent step: the night index it starts at and the levels either side. */
export type CellSteps = Map<string, Map<number, { before: number; after: number }>>;

/**
 * Every cell's own persistent level changes, with hindsight over its whole series (the detector on
 * that cell's nights): `point|metric` → night index → levels (medians) before and after. Levels are
 * comparable only between nights with the same repeats at the point (one repeat is a first,
 * warm-up-biased one; three drop it), so the search runs per stretch of equal repeats.
 */
export function stepsPerCell(nights: readonly RunResults[], detect: ChangeDetector): CellSteps {
  const out: CellSteps = new Map();
  const keys = new Set(nights.flatMap((r) => r.points.map((p) => pointKey(p.point))));
  for (const key of keys) {
    for (const metric of DIRECTED_METRICS) {
      const stretches: { idx: number[]; levels: number[]; repeats: number }[] = [];
      nights.forEach((r, i) => {
        const level = runLevel(r, key, metric);
        if (!level) return;
        const repeats = r.points.find((p) => pointKey(p.point) === key)!.repeats.filter((x) => !x.warmup).length;
        let last = stretches[stretches.length - 1];
        if (!last || last.repeats !== repeats) stretches.push((last = { idx: [], levels: [], repeats }));
        last.idx.push(i);
        last.levels.push(level.level);
      });
      const steps = new Map<number, { before: number; after: number }>();
      for (const { idx, levels } of stretches) {
        if (levels.length < 6) continue;
        const cuts = detect(
          levels.map((l, k) => ({ date: nights[idx[k]!]!.date ?? "", values: [Math.exp(l)] })),
          metric,
        ).sort((a, b) => a - b);
        cuts.forEach((at, n) => {
          const from = cuts[n - 1] ?? 0;
          const to = cuts[n + 1] ?? levels.length;
          steps.set(idx[at]!, {
            before: Math.exp(median(levels.slice(from, at))),
            after: Math.exp(median(levels.slice(at, to))),
          });
        });
      }
      if (steps.size > 0) out.set(`${key}|${metric}`, steps);
    }
  }
  return out;
}

/** One night of one cell: its day (launchDay of the run's date; undefined when unknown) and level (mean ln value). */
export interface QuietNight {
  day?: number;
  level: number;
}

/** Nights of one cell with no level change between them, oldest first. */
export type QuietStretch = QuietNight[];

/**
 * Quiet levels: scope → metric → point → per regime, its stretches of nights with no level change.
 * A stretch ends where the regime does and where that cell's own level moved for good (a real step
 * is not launch noise).
 */
export type QuietLevels = Map<string, Map<string, Map<string, QuietStretch[][]>>>;

/** Every cell's levels in stretches without a change (regimes, and each cell's own steps, cut them). */
export function quietLevels(
  runs: readonly RunResults[],
  detect: ChangeDetector,
  regimes: Regime[] = splitRegimes(runs, detect),
): QuietLevels {
  const stepped = new Map<RunResults, Set<string>>();
  const byScope = new Map<string, RunResults[]>();
  for (const r of regimes) byScope.set(r.scope, [...(byScope.get(r.scope) ?? []), ...r.runs]);
  for (const series of byScope.values()) {
    const steps = stepsPerCell(series, detect);
    series.forEach((run, i) => {
      const cells = new Set<string>();
      for (const [cell, nights] of steps) if (nights.has(i)) cells.add(cell);
      stepped.set(run, cells);
    });
  }
  const out: QuietLevels = new Map();
  for (const regime of regimes) {
    const byMetric = out.get(regime.scope) ?? new Map<string, Map<string, QuietStretch[][]>>();
    out.set(regime.scope, byMetric);
    const points = new Set(regime.runs.flatMap((r) => r.points.map((p) => pointKey(p.point))));
    for (const metric of DIRECTED_METRICS) {
      const byPoint = byMetric.get(metric) ?? new Map<string, QuietStretch[][]>();
      byMetric.set(metric, byPoint);
      for (const key of points) {
        const stretches: QuietStretch[] = [];
        let current: QuietStretch = [];
        for (const run of regime.runs) {
          const level = runLevel(run, key, metric)?.level;
          if (level === undefined) continue;
          if (stepped.get(run)?.has(`${key}|${metric}`) && current.length > 0) {
            stretches.push(current);
            current = [];
          }
          current.push({ day: launchDayOf(run), level });
        }
        if (current.length > 0) stretches.push(current);
        if (stretches.length > 0) byPoint.set(key, [...(byPoint.get(key) ?? []), stretches]);
      }
    }
  }
  return out;
}

/** What a drift share is fitted to (drift.ts fitDrift): one cell per point × regime, its quiet stretches. */
export function driftCells(byPoint: ReadonlyMap<string, QuietStretch[][]> | undefined): QuietStretch[][] {
  return [...(byPoint?.values() ?? [])].flat();
}

/** Quiet differences: scope → metric → point → one list of consecutive-night differences per regime. */
export type QuietDifferences = Map<string, Map<string, Map<string, number[][]>>>;

/** The consecutive nights' level differences (log units) of every cell, regime by regime, steps left out. */
export function quietDifferences(
  runs: readonly RunResults[],
  detect: ChangeDetector,
  regimes: Regime[] = splitRegimes(runs, detect),
): QuietDifferences {
  return differencesOf(quietLevels(runs, detect, regimes));
}

/** Consecutive differences within each quiet stretch, one list per regime as quietDifferences gives them. */
export function differencesOf(levels: QuietLevels): QuietDifferences {
  const out: QuietDifferences = new Map();
  for (const [scope, byMetric] of levels) {
    const metrics = new Map<string, Map<string, number[][]>>();
    out.set(scope, metrics);
    for (const [metric, byPoint] of byMetric) {
      const points = new Map<string, number[][]>();
      metrics.set(metric, points);
      for (const [key, regimes] of byPoint) {
        const lists = regimes
          .map((stretches) => stretches.flatMap((s) => s.slice(1).map((x, i) => x.level - s[i]!.level)))
          .filter((d) => d.length > 0);
        if (lists.length > 0) points.set(key, lists);
      }
    }
  }
  return out;
}

/** Robust launch-level variance from consecutive level differences: median(d²)/E[median χ²₁]/2, with n df. */
export function robustLevelVariance(diffs: readonly number[]): { variance: number; df: number } | undefined {
  if (diffs.length === 0) return undefined;
  const squares = diffs.map((d) => d * d);
  return { variance: median(squares) / expectedMedianChi2(squares.length) / 2, df: squares.length };
}

/** Each difference of a metric in units of its point's robust launch scale (√2·σ): what a tail is fitted to. */
export function tailScores(byPoint: ReadonlyMap<string, number[][]>, variance?: (key: string) => number): number[] {
  const scores: number[] = [];
  for (const [key, lists] of byPoint) {
    const all = lists.flat();
    const v = variance?.(key) ?? robustLevelVariance(all)?.variance;
    if (!(v !== undefined && v > 0)) continue;
    scores.push(...all.map((d) => d / Math.sqrt(2 * v)));
  }
  return scores;
}

/** How launches of one scope × metric differ, learnt from history: the heavy tail and the drift share. */
export interface LaunchShape {
  tail?: TailFit;
  drift?: number;
}

/**
 * The tail (from at least MIN_TAIL_SCORES differences) and the drift share (drift.ts fitDrift) of each
 * scope × metric that has enough quiet nights: scope key → metric → shape.
 */
export function learnLaunchShapes(
  runs: readonly RunResults[],
  detect?: ChangeDetector,
  regimes?: Regime[],
): Map<string, Map<string, LaunchShape>> {
  const out = new Map<string, Map<string, LaunchShape>>();
  if (!detect || runs.length < 3) return out;
  const levels = quietLevels(runs, detect, regimes);
  const diffs = differencesOf(levels);
  for (const [scope, byMetric] of diffs) {
    for (const [metric, byPoint] of byMetric) {
      const scores = tailScores(byPoint);
      const tail = scores.length >= MIN_TAIL_SCORES ? fitStudentT(scores) : undefined;
      const drift = fitDrift(driftCells(levels.get(scope)?.get(metric)));
      if (!tail && drift === undefined) continue;
      const shape: LaunchShape = { ...(tail ? { tail } : {}), ...(drift !== undefined ? { drift } : {}) };
      out.set(scope, (out.get(scope) ?? new Map<string, LaunchShape>()).set(metric, shape));
    }
  }
  return out;
}

/** The tail of each scope × metric with at least MIN_TAIL_SCORES differences: scope key → metric → fit. */
export function learnLaunchTails(
  runs: readonly RunResults[],
  detect?: ChangeDetector,
  regimes?: Regime[],
): Map<string, Map<string, TailFit>> {
  const out = new Map<string, Map<string, TailFit>>();
  for (const [scope, byMetric] of learnLaunchShapes(runs, detect, regimes))
    for (const [metric, { tail }] of byMetric)
      if (tail) out.set(scope, (out.get(scope) ?? new Map<string, TailFit>()).set(metric, tail));
  return out;
}

/** The learnt shape of a run's scope and metric, if any. */
export function lookupShape(
  shapes: ReadonlyMap<string, ReadonlyMap<string, LaunchShape>> | undefined,
  run: RunResults,
  metric: string,
): LaunchShape | undefined {
  return shapes?.get(scopeKey(runScope(run)))?.get(metric);
}

/** A cell's noise with the tail and drift learnt from history in place of the prior's (unchanged without either). */
export function withLaunchShape(
  noise: NoiseEstimate | undefined,
  shape: LaunchShape | undefined,
): NoiseEstimate | undefined {
  if (!noise || !shape) return noise;
  return {
    ...noise,
    ...(shape.tail ? { launchTail: shape.tail } : {}),
    ...(shape.drift !== undefined ? { launchDrift: shape.drift } : {}),
  };
}
