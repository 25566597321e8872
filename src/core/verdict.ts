/**
 * The noise-aware verdict for one metric cell (one suite × point × metric, baseline vs candidate).
 *
 * Method (see docs/verdicts.md for the why and the measured rates):
 * - Work on natural logs, so a change is a ratio and noise is relative (latency noise grows with latency).
 * - Warm-up: with ≥ 3 repeats on a side the first repeat is dropped — on the real MI300X runs it is
 *   systematically off (DeepSeek median TTFT +36 %, throughput −2 %), which would bias both the mean
 *   and the spread. Repeats flagged `warmup` are dropped before this function is called.
 * - Noise: the per-value variance of the logs is pooled (weighted by degrees of freedom) from the
 *   spread within each side and, when given, the noise learnt from history for the same
 *   hardware/model/suite/point/metric (noise.ts). A floor for the printed precision (SGLang prints
 *   two decimals: 0.06 req/s is ±8 %) keeps quantised values from looking exact.
 * - Interval: difference of mean logs ± t(df, confidence) · s · √(1/n₁ + 1/n₂), shown as % change.
 * - Decision: `regressed`/`improved` only when the interval lies entirely on one side of 0 AND the
 *   estimate reaches the minimum effect (default 2 %); `unchanged` when the estimate is below the
 *   minimum effect and the whole interval lies within ±2× the minimum effect; otherwise
 *   `inconclusive` — including when there is no way to estimate the noise (one repeat per side and no
 *   history). It never guesses.
 */
import type { Direction } from "./metrics.js";
import { mean, tQuantile, variance } from "./stats.js";

/** What a cell concluded. `failed`: the cell ran on one side only (set by compare.ts, never here). */
export type Verdict = "improved" | "regressed" | "unchanged" | "inconclusive" | "failed";

/** Per-value variance of log values and its degrees of freedom. */
export interface NoiseEstimate {
  variance: number;
  df: number;
}

/** Tuning of {@link decideCell}. */
export interface VerdictOptions {
  /** Smallest change worth reporting, in % (default 2). */
  minEffectPct?: number;
  /** Two-sided confidence of the interval (default 0.99: ≤ 0.5 % false 🔴 per cell when nothing changed). */
  confidence?: number;
  /** Noise learnt from history for this cell. */
  history?: NoiseEstimate;
  /** Drop the first repeat of a side with ≥ 3 repeats (default true). */
  dropWarmup?: boolean;
}

/** The verdict of one cell with its evidence. */
export interface CellVerdict {
  verdict: Verdict;
  /** Candidate vs baseline in % ((cand/base − 1)·100, geometric means of the used repeats); null when not computable. */
  change_pct: number | null;
  /** Confidence interval of change_pct, in %; null when the noise is unknown. */
  interval: [number, number] | null;
  /** One line saying why. */
  reason: string;
  /** Repeats actually used per side (after warm-up handling). */
  used: { baseline: number[]; candidate: number[] };
  /** Degrees of freedom of the noise estimate (0 when unknown). */
  df: number;
}

export const DEFAULT_MIN_EFFECT_PCT = 2;
export const DEFAULT_CONFIDENCE = 0.99;

/** The repeats a side contributes: the first is dropped when there are ≥ 3 (warm-up bias). */
export function usableRepeats(values: readonly number[], dropWarmup = true): number[] {
  return dropWarmup && values.length >= 3 ? values.slice(1) : [...values];
}

/** Decimal places of a value as printed (capped at 6); SGLang prints 2. */
function decimals(value: number): number {
  const text = String(value);
  if (/e/i.test(text)) return 6;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : Math.min(6, text.length - dot - 1);
}

/**
 * Variance (per value, in log units) caused by rounding to the printed precision: a uniform error of
 * ± half a unit in the last place. Integers are assumed exact counts of something large, so they get a
 * resolution of 1 only when small.
 */
export function quantisationVariance(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) {
    const resolution = 10 ** -Math.max(decimals(v), 2);
    sum += (resolution / v) ** 2 / 12;
  }
  return sum / values.length;
}

const pct = (logRatio: number): number => (Math.exp(logRatio) - 1) * 100;
const fmt = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(Math.abs(x) < 10 ? 1 : 0)}%`;

/**
 * Decides one cell from the repeats on each side. `better` is the metric's direction; a metric with no
 * direction is never called better or worse (at most `unchanged`).
 */
export function decideCell(
  baselineValues: readonly number[],
  candidateValues: readonly number[],
  better: Direction,
  opts: VerdictOptions = {},
): CellVerdict {
  const minEffect = opts.minEffectPct ?? DEFAULT_MIN_EFFECT_PCT;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  const base = usableRepeats(baselineValues.filter(Number.isFinite), opts.dropWarmup ?? true);
  const cand = usableRepeats(candidateValues.filter(Number.isFinite), opts.dropWarmup ?? true);
  const used = { baseline: base, candidate: cand };
  if (base.length === 0 || cand.length === 0) {
    return { verdict: "inconclusive", change_pct: null, interval: null, reason: "no value on one side", used, df: 0 };
  }
  if ([...base, ...cand].some((v) => !(v > 0))) {
    const same = mean(base) === mean(cand);
    return {
      verdict: same ? "unchanged" : "inconclusive",
      change_pct: null,
      interval: null,
      reason: same ? "identical non-positive values" : "a value ≤ 0: no relative change",
      used,
      df: 0,
    };
  }
  const lb = base.map(Math.log);
  const lc = cand.map(Math.log);
  const diff = mean(lc) - mean(lb);
  const change = pct(diff);

  // Pool the within-side spreads and the history noise, weighting each by its degrees of freedom.
  let ss = 0;
  let df = 0;
  for (const side of [lb, lc]) {
    if (side.length >= 2) {
      ss += variance(side) * (side.length - 1);
      df += side.length - 1;
    }
  }
  if (opts.history && opts.history.df > 0) {
    ss += opts.history.variance * opts.history.df;
    df += opts.history.df;
  }
  if (df === 0) {
    return {
      verdict: "inconclusive",
      change_pct: change,
      interval: null,
      reason: `${fmt(change)} from one repeat per side and no history: noise unknown`,
      used,
      df: 0,
    };
  }
  const s2 = Math.max(ss / df, quantisationVariance([...base, ...cand]));
  const se = Math.sqrt(s2 * (1 / lb.length + 1 / lc.length));
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  const interval: [number, number] = [pct(diff - half), pct(diff + half)];
  const source = opts.history && opts.history.df > 0 ? "repeats+history" : "repeats only";
  const evidence = `${fmt(change)} [${fmt(interval[0])}, ${fmt(interval[1])}] (${Math.round(confidence * 100)}%, df ${Math.round(df)}, ${source})`;

  const significant = interval[0] > 0 || interval[1] < 0;
  const bigEnough = Math.abs(change) >= minEffect;
  if (significant && bigEnough && better !== "none") {
    const worse = better === "lower" ? diff > 0 : diff < 0;
    return { verdict: worse ? "regressed" : "improved", change_pct: change, interval, reason: evidence, used, df };
  }
  const bound = 2 * minEffect;
  if (!bigEnough && interval[0] > -bound && interval[1] < bound) {
    return {
      verdict: "unchanged",
      change_pct: change,
      interval,
      reason: `${evidence}: below the ${minEffect}% minimum effect`,
      used,
      df,
    };
  }
  return {
    verdict: "inconclusive",
    change_pct: change,
    interval,
    reason:
      significant && bigEnough
        ? `${evidence}: no better direction for this metric`
        : `${evidence}: interval too wide for the noise`,
    used,
    df,
  };
}
