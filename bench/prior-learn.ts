/**
 * Learning the built-in noise prior from nightly runs (used by scripts/learn-prior-noise.ts to write
 * src/core/verdict/prior-noise.json, and by bench/verdicts-launch.ts for leave-one-series-out).
 * Method: see the script's header and src/core/verdict/prior.ts.
 */
import { COMPARED_METRICS } from "../src/core/catalogue/index.js";
import { pointKey, type RunResults } from "../src/core/results/index.js";
import {
  expectedMedianChi2,
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

/** Learns the prior from nightly runs (any number of series). */
export function learnPrior(runs: readonly RunResults[], source: string): PriorData {
  const regimes = splitRegimes(dedupeRuns(runs), changepointDetector);
  // scope → metric → point → per-regime differences
  const diffs = new Map<string, Map<string, Map<string, number[][]>>>();
  const nightsOf = new Map<string, number>();
  const hardwareOf = new Map<string, string>();
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
          .map((r) => runLevel(r, key, m.key))
          .filter((x): x is NonNullable<typeof x> => x !== undefined);
        const d = levels.slice(1).map((x, i) => x.level - levels[i]!.level);
        if (d.length > 0) byPoint.set(key, [...(byPoint.get(key) ?? []), d]);
      }
    }
  }
  const series: Record<string, PriorMetrics> = {};
  const families = new Map<string, Map<string, { estimates: Estimate[]; nights: number }>>();
  const addFamily = (level: string, metric: string, estimates: Estimate[], nights: number): void => {
    const byMetric = families.get(level) ?? new Map<string, { estimates: Estimate[]; nights: number }>();
    families.set(level, byMetric);
    const f = byMetric.get(metric) ?? { estimates: [], nights: 0 };
    f.estimates.push(...estimates);
    f.nights += nights;
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
      for (const [key, rs] of byPoint) {
        const own = robustLevelVariance(rs.flat());
        if (!own || !(own.variance > 0)) continue;
        // Moderated towards the series' prior (EB), as the verdict moderates history.
        const variance = (fam.df * fam.variance + own.df * own.variance) / (fam.df + own.df);
        points[key] = rounded({ variance, df: fam.df + own.df, nights: own.df + rs.length });
      }
      (series[scope] ??= {})[metric] = { all: rounded(fam), points };
      addFamily(`model|${priorModelKey(hw, model, suite)}`, metric, perRegime, nights);
      addFamily(`hardware|${hardwareOf.get(scope)}`, metric, perRegime, nights);
    }
  }
  const models: Record<string, PriorMetrics> = {};
  const hardware: Record<string, PriorMetrics> = {};
  for (const [level, byMetric] of families) {
    const [kind, key] = level.split("|") as [string, string];
    for (const [metric, f] of byMetric) {
      const p = familyPrior(f.estimates, f.nights);
      if (!p) continue;
      ((kind === "model" ? models : hardware)[key] ??= {})[metric] = { all: rounded(p) };
    }
  }
  return {
    generated_from: source,
    method:
      "launch-level variance of ln value: robust scale of consecutive nights' level differences inside each regime (host, ROCm, release, protocol, changepoints); empirical-Bayes scaled inverse-chi2 prior over points and regimes (scripts/learn-prior-noise.ts)",
    series,
    models,
    hardware,
  };
}
