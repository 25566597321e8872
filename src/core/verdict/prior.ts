/**
 * The built-in noise prior: how much a launch's level typically moves from one launch to the next,
 * per hardware × model × suite × point × metric, learnt from real nightlies by
 * scripts/learn-prior-noise.ts and shipped as data (prior-noise.json). It is what the engine knows
 * when a comparison has no history (or a short one): a clear 10 % change is flagged without
 * `--history`, an unchanged quiet metric is ⚪.
 *
 * Each entry is a scaled inverse-χ² prior (variance s₀², df d₀) for the launch-level variance of ln
 * value: within each regime of a series (regime.ts), the robust scale of consecutive nights' level
 * differences (median of d², small-sample factor); d₀ from how alike those estimates are across the
 * series' points and regimes (empirical Bayes, fitVariancePrior), so a prior that did not transfer
 * well between regimes carries few degrees of freedom and wide intervals. Lookup falls back from the
 * series' point to the series, to the model (any variant or mode) on that hardware — never further
 * by default: a model or hardware the prior has never seen gets no prior (noise unknown, ❔); the
 * hardware-wide entry (every model) is used only on request (`anyModel`).
 */
import data from "./prior-noise.json" with { type: "json" };
import { pointKey, type Point } from "../results/index.js";
import { scopeKey, type NoiseScope } from "./noise.js";
import type { NoiseEstimate } from "./verdict.js";
import type { TailFit } from "./stats.js";

/** One prior: launch-level variance of ln value, its degrees of freedom, and the nights behind it. */
export interface PriorEntry {
  variance: number;
  df: number;
  nights: number;
  /**
   * How heavy the tails of launch-to-launch differences are (series/model/hardware-wide entries):
   * differences ÷ (√2·σ) ~ scale · t(df). On the real nightlies df ≈ 1–2: most nights agree to a
   * fraction of σ's normal spread, and now and then a whole night is off by several %.
   */
  tail?: TailFit;
  /** The share of consecutive nights' launch variance that is slow drift (drift.ts), series/model/hardware-wide. */
  drift?: number;
}

/** Per metric: the series-wide prior and one per point. */
export type PriorMetrics = Record<string, { all: PriorEntry; points?: Record<string, PriorEntry> }>;

/** The shipped data (prior-noise.json). */
export interface PriorData {
  generated_from: string;
  method: string;
  /** scopeKey (hardware/model_variant/suite/mode) → metric → prior. */
  series: Record<string, PriorMetrics>;
  /** `hardware/model name/suite` (variant and mode ignored) → metric → prior. */
  models: Record<string, PriorMetrics>;
  /** hardware → metric → prior (every model measured on it). */
  hardware: Record<string, PriorMetrics>;
  /** Series and model keys learnt from the user's own history, not shipped (prior-learn.ts withOwnPrior). */
  fromHistory?: string[];
}

/** The word a cell's prior source starts with: what a reader is told the prior came from. */
export const HISTORY_PRIOR = "own-history";

export const PRIOR_NOISE: PriorData = data as PriorData;

/** A prior found for one cell, with where it came from. */
export interface PriorNoise extends PriorEntry {
  source: string;
}

/** mi300x/MI300X/"mi30x" → mi30x; mi355x → mi35x (the nightlies' folder names). */
export function priorHardware(hardware: string | undefined): string | undefined {
  const h = (hardware ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
  if (!h) return undefined;
  return h.replace(/^mi3(\d)\dx$/, "mi3$1x");
}

/** The model-level key: hardware, model name without its variant, suite. */
export function priorModelKey(hardware: string, model: string, suite: string): string {
  return [hardware, model.split("_")[0], suite].join("/");
}

/** The prior for one cell, most specific first; undefined when the hardware was never measured. */
export function priorNoise(
  scope: NoiseScope,
  point: Point,
  metric: string,
  prior: PriorData = PRIOR_NOISE,
  opts: { anyModel?: boolean } = {},
): PriorNoise | undefined {
  const hw = priorHardware(scope.hardware);
  if (!hw) return undefined;
  const pk = pointKey(point);
  const series = scopeKey({ ...scope, hardware: hw });
  const model = priorModelKey(hw, scope.model, scope.suite);
  const own = (key: string): string => (prior.fromHistory?.includes(key) ? `${HISTORY_PRIOR} ` : "");
  const levels: [string, PriorMetrics | undefined][] = [
    [`${own(series)}series ${series}`, prior.series[series]],
    [`${own(model)}model ${model}`, prior.models[model]],
    // The hardware-wide entry (every model) only when asked: a model never measured gets no prior.
    ...(opts.anyModel ? ([[`hardware ${hw}`, prior.hardware[hw]]] as [string, PriorMetrics | undefined][]) : []),
  ];
  // The tail and the drift: the most specific level that could fit one (a short series borrows its hardware's).
  const mostSpecific = <K extends "tail" | "drift">(key: K): PriorEntry[K] =>
    [prior.series[series], prior.models[model], prior.hardware[hw]]
      .map((x) => x?.[metric]?.all[key])
      .find((v) => v !== undefined);
  const tail = mostSpecific("tail");
  const drift = mostSpecific("drift");
  for (const [name, metrics] of levels) {
    const m = metrics?.[metric];
    if (!m) continue;
    const at = m.points?.[pk];
    const found = at ? { ...at, source: `${name} at ${pk}` } : { ...m.all, source: name };
    return { ...found, ...(tail ? { tail } : {}), ...(drift !== undefined ? { drift } : {}) };
  }
  return undefined;
}

/**
 * History noise combined with the prior for its launch-level term. Without history the prior is
 * the launch-level noise (one launch per side: its level moved by that much between launches, repeat
 * noise included — conservative when a side has several repeats, whose spread is counted again).
 * With history, the learnt level variance (levelVariance, df runDf) is moderated towards the prior:
 * (d₀s₀² + d·s²)/(d₀ + d) with d₀ + d df — the prior matters while the history is short.
 */
export function withPrior(
  history: NoiseEstimate | undefined,
  prior: PriorNoise | undefined,
): NoiseEstimate | undefined {
  if (!prior || !(prior.variance > 0 && prior.df > 0)) return history;
  if (!history) {
    return {
      variance: 0,
      df: 0,
      runVariance: prior.variance,
      runDf: prior.df,
      levelVariance: prior.variance,
      levelRepeats: 1,
      priorSource: prior.source,
      ...launchShape(prior),
    };
  }
  const d = history.levelVariance !== undefined ? (history.runDf ?? 0) : 0;
  const s2 = history.levelVariance ?? 0;
  const levelVariance = (prior.df * prior.variance + d * s2) / (prior.df + d);
  const repeats = history.levelRepeats ?? 1;
  return {
    ...history,
    levelVariance,
    levelRepeats: repeats,
    runVariance: Math.max(0, levelVariance - history.variance / repeats),
    runDf: prior.df + d,
    priorSource: prior.source,
    ...launchShape(prior),
  };
}

/** The prior's tail and drift share, as a noise estimate carries them. */
const launchShape = (prior: PriorEntry): Pick<NoiseEstimate, "launchTail" | "launchDrift"> => ({
  ...(prior.tail ? { launchTail: prior.tail } : {}),
  ...(prior.drift !== undefined ? { launchDrift: prior.drift } : {}),
});
