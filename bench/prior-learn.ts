/**
 * Learning the built-in noise prior from nightly runs (used by scripts/learn-prior-noise.ts to write
 * src/core/verdict/prior-noise.json, and by bench/verdicts-launch.ts for leave-one-series-out).
 * Method: see the script's header and src/core/verdict/prior.ts.
 */
import type { RunResults } from "../src/core/results/index.js";
import {
  fitStudentT,
  fitVariancePrior,
  priorHardware,
  priorModelKey,
  differencesOf,
  driftCells,
  fitDrift,
  quietLevels,
  type QuietStretch,
  robustLevelVariance,
  runLevel,
  stepsPerCell as cellSteps,
  tailScores,
  type CellSteps,
  type PriorData,
  type PriorEntry,
  type PriorMetrics,
  type TailFit,
} from "../src/core/verdict/index.js";
import { changepointDetector } from "../src/pipeline/regime-history.js";
import { findChangepoints } from "../src/core/trends/index.js";
import { runScope, scopeKey } from "../src/core/verdict/index.js";

/** One (point, regime) estimate of the launch-level variance. */
interface Estimate {
  variance: number;
  df: number;
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

/** A family's entry: its prior with the tail and drift share fitted to it, when they could be. */
function shape(prior: PriorEntry, scores: number[], cells: QuietStretch[][]): PriorEntry {
  const tail = fitTail(scores);
  const drift = fitDrift(cells);
  return { ...rounded(prior), ...(tail ? { tail } : {}), ...(drift !== undefined ? { drift: round(drift) } : {}) };
}

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
 * Each cell's own persistent steps with hindsight (src/core/verdict/launch-tails.ts), by sglbench's
 * detector — and the steps it cannot see because a level held only 2 nights (its alerts ask 3 on
 * either side): DeepSeek concurrency 64 ITL 108.9, 108.8, then 121.7 and 5 nights alike on
 * v0.5.6.post1 is a step on its third night, not an A/A pair. Such a short level counts only when
 * every night on either side sits nearer its own level than the other's (an odd night followed by a
 * step is no level of two).
 */
export function stepsPerCell(nights: readonly RunResults[]): CellSteps {
  const steps = cellSteps(nights, changepointDetector);
  const short = cellSteps(nights, (n, metric) => findChangepoints(n, { metric, minSegment: 2 }).map((c) => c.index));
  for (const [cell, found] of short) {
    const [key, metric] = cell.split("|") as [string, string];
    const cuts = [...found.keys()].sort((a, b) => a - b);
    const levels = (from: number, to: number): number[] =>
      nights
        .slice(from, to)
        .map((r) => runLevel(r, key, metric)?.level)
        .filter((l): l is number => l !== undefined);
    cuts.forEach((at, n) => {
      if (steps.get(cell)?.has(at)) return;
      const { before, after } = found.get(at)!;
      const [b, a] = [Math.log(before), Math.log(after)];
      const nearer = (own: number, other: number) => (l: number) => Math.abs(l - own) < Math.abs(l - other);
      const separated =
        levels(cuts[n - 1] ?? 0, at).every(nearer(b, a)) &&
        levels(at, cuts[n + 1] ?? nights.length).every(nearer(a, b));
      if (separated) steps.set(cell, new Map([...(steps.get(cell) ?? []), [at, { before, after }]]));
    });
  }
  return steps;
}

/** The heavy-tail fit of a family's scores (stats.ts fitStudentT), rounded; none below 20 scores. */
function fitTail(scores: number[]): TailFit | undefined {
  const fit = fitStudentT(scores);
  return fit && { df: round(fit.df), scale: round(fit.scale), n: fit.n };
}

/** Learns the prior from nightly runs (any number of series). */
export function learnPrior(runs: readonly RunResults[], source: string): PriorData {
  const deduped = dedupeRuns(runs);
  // scope (hardware normalised) → metric → point → per-regime differences, each cell's own steps left out
  const diffs = new Map<string, Map<string, Map<string, number[][]>>>();
  const nightsOf = new Map<string, number>();
  const hardwareOf = new Map<string, string>();
  const normalised = (scope: string): string | undefined => {
    const hw = priorHardware(scope.split("/")[0]);
    return hw && [hw, ...scope.split("/").slice(1)].join("/");
  };
  for (const run of deduped) {
    const scope = normalised(scopeKey(runScope(run)));
    if (!scope || run.points.length === 0) continue;
    hardwareOf.set(scope, scope.split("/")[0]!);
    nightsOf.set(scope, (nightsOf.get(scope) ?? 0) + 1);
  }
  const levels = quietLevels(deduped, changepointDetector);
  // scope → metric → each point × regime's quiet stretches: what the drift share is fitted to
  const stretches = new Map<string, Map<string, QuietStretch[][]>>();
  for (const [raw, byMetric] of levels) {
    const scope = normalised(raw);
    if (!scope) continue;
    const into = stretches.get(scope) ?? new Map<string, QuietStretch[][]>();
    stretches.set(scope, into);
    for (const [metric, byPoint] of byMetric) into.set(metric, [...(into.get(metric) ?? []), ...driftCells(byPoint)]);
  }
  for (const [raw, byMetric] of differencesOf(levels)) {
    const scope = normalised(raw);
    if (!scope) continue;
    const into = diffs.get(scope) ?? new Map<string, Map<string, number[][]>>();
    diffs.set(scope, into);
    for (const [metric, byPoint] of byMetric) {
      const points = into.get(metric) ?? new Map<string, number[][]>();
      into.set(metric, points);
      for (const [key, lists] of byPoint) points.set(key, [...(points.get(key) ?? []), ...lists]);
    }
  }
  const series: Record<string, PriorMetrics> = {};
  type Family = { estimates: Estimate[]; nights: number; scores: number[]; cells: QuietStretch[][] };
  const families = new Map<string, Map<string, Family>>();
  const addFamily = (level: string, metric: string, add: Family): void => {
    const byMetric = families.get(level) ?? new Map<string, Family>();
    families.set(level, byMetric);
    const f = byMetric.get(metric) ?? { estimates: [], nights: 0, scores: [], cells: [] };
    f.estimates.push(...add.estimates);
    f.nights += add.nights;
    f.scores.push(...add.scores);
    f.cells.push(...add.cells);
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
      const moderated = new Map<string, number>();
      for (const [key, rs] of byPoint) {
        const own = robustLevelVariance(rs.flat());
        if (!own || !(own.variance > 0)) continue;
        // Moderated towards the series' prior (EB), as the verdict moderates history.
        const variance = (fam.df * fam.variance + own.df * own.variance) / (fam.df + own.df);
        moderated.set(key, variance);
        points[key] = rounded({ variance, df: fam.df + own.df, nights: own.df + rs.length });
      }
      // Each difference in units of its point's prior scale (√2·σ): what the tail is fitted to.
      const scores = tailScores(byPoint, (key) => moderated.get(key) ?? 0);
      const cells = stretches.get(scope)?.get(metric) ?? [];
      (series[scope] ??= {})[metric] = { all: shape(fam, scores, cells), points };
      const family = { estimates: perRegime, nights, scores, cells };
      addFamily(`model|${priorModelKey(hw, model, suite)}`, metric, family);
      addFamily(`hardware|${hardwareOf.get(scope)}`, metric, family);
    }
  }
  const models: Record<string, PriorMetrics> = {};
  const hardware: Record<string, PriorMetrics> = {};
  for (const [level, byMetric] of families) {
    const [kind, key] = level.split("|") as [string, string];
    for (const [metric, f] of byMetric) {
      const p = familyPrior(f.estimates, f.nights);
      if (!p) continue;
      ((kind === "model" ? models : hardware)[key] ??= {})[metric] = { all: shape(p, f.scores, f.cells) };
    }
  }
  return {
    generated_from: source,
    method:
      "launch-level variance of ln value: robust scale of consecutive nights' level differences inside each regime (host, ROCm, release, protocol, changepoints); empirical-Bayes scaled inverse-chi2 prior over points and regimes; tail: Student-t (df, scale) fitted by maximum likelihood to the differences in units of their point's scale, each cell's own persistent steps left out; drift: share of the consecutive nights' variance that grows with the nights between launches, least-squares slope over h = 2-4 of var(lag h)/var(lag 1) - 1, the ratio from the mean of ln d² per lag (drift.ts fitDrift) (scripts/learn-prior-noise.ts)",
    series,
    models,
    hardware,
  };
}
