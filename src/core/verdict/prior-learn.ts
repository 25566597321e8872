/**
 * Learning the launch-noise prior from nightly runs: the shipped prior-noise.json
 * (scripts/learn-prior-noise.ts via bench/prior-learn.ts) and, for a series it never saw, a prior from
 * the user's own history (ownHistoryPrior, compareRuns `ownPrior`). Method: prior.ts.
 */
import type { RunResults } from "../results/index.js";
import { fitStudentT, fitVariancePrior, type TailFit } from "./stats.js";
import { priorHardware, priorModelKey, type PriorData, type PriorEntry, type PriorMetrics } from "./prior.js";
import {
  differencesOf,
  driftCells,
  quietLevels,
  robustLevelVariance,
  tailScores,
  type QuietStretch,
} from "./launch-tails.js";
import { fitDrift } from "./drift.js";
import { promptsChanged, runRegimeKey, type ChangeDetector } from "./regime.js";
import { runScope, scopeKey } from "./noise.js";

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

/** The heavy-tail fit of a family's scores (stats.ts fitStudentT), rounded; none below 20 scores. */
function fitTail(scores: number[]): TailFit | undefined {
  const fit = fitStudentT(scores);
  return fit && { df: round(fit.df), scale: round(fit.scale), n: fit.n };
}

/** Learns the prior from nightly runs (any number of series). */
export function learnPrior(runs: readonly RunResults[], source: string, detect: ChangeDetector): PriorData {
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
  const levels = quietLevels(deduped, detect);
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

/** Same protocol as regime.ts cuts on: steady repeats per point, prompts per point within 10 %. */
function sameProtocol(a: RunResults, b: RunResults): boolean {
  const x = runRegimeKey(a);
  const y = runRegimeKey(b);
  return x.repeats === y.repeats && promptsChanged(x, y).length === 0;
}

/**
 * A prior learnt from the user's own history for a series the built-in prior never saw: the series'
 * past nights outside the baseline's regime (the regime's own nights are the history's estimate
 * already; counted twice they would overstate its df). A launch's level is the mean of its steady
 * repeats, so its variance depends on the protocol: a prior from another protocol may moderate a
 * baseline regime that has nights of its own (≥ 2, one difference), but never stands in for them —
 * when the baseline is its regime's only night, only nights of the baseline's protocol teach it
 * (none: no prior, noise unknown). Measured on the real nightlies (a model the prior never saw, as
 * the CLI): A/A 0.6 %, ×1.10 caught 75.8 → 84.2 %, real steps 79.3 → 93.7 % (docs/verdicts.md).
 */
export function ownHistoryPrior(
  past: readonly RunResults[],
  baseRegime: readonly RunResults[],
  base: RunResults,
  detect: ChangeDetector,
): PriorData | undefined {
  const scope = scopeKey(runScope(base));
  const inRegime = new Set(baseRegime);
  const series = past.filter((r) => r.points.length > 0 && scopeKey(runScope(r)) === scope && !inRegime.has(r));
  const ownNights = baseRegime.filter((r) => r.points.length > 0 && scopeKey(runScope(r)) === scope).length;
  const from = ownNights >= 2 ? series : series.filter((r) => sameProtocol(r, base));
  return from.length >= 2 ? learnPrior(from, `own history: ${scope}`, detect) : undefined;
}

/** Whether the prior has an entry for the run's series or model (prior.ts lookup, hardware-wide excluded). */
export function priorKnows(prior: PriorData, run: RunResults): boolean {
  const hw = priorHardware(run.hardware);
  if (!hw) return false;
  const s = runScope(run);
  return !!prior.series[scopeKey({ ...s, hardware: hw })] || !!prior.models[priorModelKey(hw, s.model, s.suite)];
}

/** The prior with an own-history entry for each baseline series it never saw (ownHistoryPrior). */
export function withOwnPrior(
  prior: PriorData,
  past: readonly RunResults[],
  baseline: readonly RunResults[],
  baseRegime: readonly RunResults[],
  detect: ChangeDetector,
): PriorData {
  let out = prior;
  for (const base of baseline) {
    if (base.points.length === 0 || priorKnows(out, base)) continue;
    const own = ownHistoryPrior(past, baseRegime, base, detect);
    if (own)
      out = {
        ...out,
        series: { ...out.series, ...own.series },
        models: { ...out.models, ...own.models },
        fromHistory: [...(out.fromHistory ?? []), ...Object.keys(own.series), ...Object.keys(own.models)],
      };
  }
  return out;
}
