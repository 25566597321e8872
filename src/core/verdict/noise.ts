/**
 * The noise learnt from history: for each hardware × model × suite × mode × point × metric, the
 * per-value variance of log values between repeats of the same nightly run, with its degrees of
 * freedom, and the systematic offset of each repeat position (warm-up and other schedule effects),
 * from a two-way fit over the nights (see cellNoise). Runs of the same image on several nights also
 * contribute their run-to-run spread.
 */
import { pointKey, type Point, type RunResults } from "../results/index.js";
import { expectedMedianChi2, fitVariancePrior, mean, median, variance } from "./stats.js";
import { usableRepeats, type NoiseEstimate } from "./verdict.js";

/** The identity of a series whose noise is learnt: what must match for history to apply. */
export interface NoiseScope {
  hardware?: string;
  model: string;
  suite: string;
  mode?: string;
}

/** `hardware/model/suite/mode` — runs with the same scope share a noise model. */
export function scopeKey(scope: NoiseScope): string {
  return [scope.hardware ?? "?", scope.model, scope.suite, scope.mode ?? "-"].join("/");
}

/** The scope of a run (model as `name_variant`). */
export function runScope(run: RunResults): NoiseScope {
  return {
    hardware: run.hardware,
    model: [run.model.name, run.model.variant].filter(Boolean).join("_"),
    suite: run.suite,
    mode: run.mode,
  };
}

/** Noise per cell of one scope: `pointKey|metric` → estimate. */
export type NoiseModel = Map<string, NoiseEstimate>;

/** Key of a cell inside a noise model. */
export function cellKey(point: Point, metric: string): string {
  return `${pointKey(point)}|${metric}`;
}

/** Decimal places of a value as printed (SGLang prints at least 2; capped at 6). */
function printedDecimals(value: number): number {
  const text = String(value);
  if (/e/i.test(text)) return 6;
  const dot = text.indexOf(".");
  return Math.max(2, dot < 0 ? 0 : Math.min(6, text.length - dot - 1));
}

/**
 * A repeat's value of `metric`, at full precision where the log's rounding hides it. SGLang prints
 * request throughput with two decimals (0.06 req/s is ±8 %), but it is by definition completed
 * requests / benchmark duration, both printed exactly enough; the recomputed value is used only when
 * it agrees with the printed one to its last digit (otherwise the printed value stands).
 */
export function repeatValue(metrics: Readonly<Record<string, number>>, metric: string): number | undefined {
  const printed = metrics[metric];
  if (metric !== "request_throughput" || printed === undefined) return printed;
  const completed = metrics.completed;
  const duration = metrics.duration;
  if (completed === undefined || duration === undefined || !(completed > 0 && duration > 0)) return printed;
  const precise = completed / duration;
  const halfUnit = 0.5 * 10 ** -printedDecimals(printed);
  return Math.abs(precise - printed) <= halfUnit * (1 + 1e-9) ? precise : printed;
}

/** A learnt noise table: scope key → cell noise. */
export type NoiseTable = Map<string, NoiseModel>;

/** Options for {@link learnNoise}. */
export interface LearnNoiseOptions {
  /** Drop the first of ≥ 3 repeats (default true; must match the verdict's setting). */
  dropWarmup?: boolean;
  /**
   * Shrink each cell's run-level variance towards a prior fitted to the same metric at the scope's
   * other points (empirical Bayes, see moderateNoise; default true).
   */
  moderate?: boolean;
}

/** One night of one cell: log value per repeat index. */
type Night = { tag?: string; date?: string; logs: Map<number, number> };

/**
 * Noise of one cell from its nights. Nights with the same repeat positions are fitted with a two-way
 * model (log value = night level + position offset + noise): the residual variance is the noise that
 * remains when both sides run the same schedule, and the offsets let one repeat be compared with
 * another. A night with no sibling of the same shape falls back to its plain spread after dropping
 * the warm-up first repeat.
 */
export function cellNoise(nights: readonly Night[], opts: LearnNoiseOptions = {}): NoiseEstimate | undefined {
  let ss = 0;
  let df = 0;
  let best: { offsets: Record<number, number>; nights: number; weight: number } | undefined;
  const byShape = new Map<string, Night[]>();
  for (const n of nights) {
    if (n.logs.size === 0) continue;
    const shape = [...n.logs.keys()].sort((a, b) => a - b).join(",");
    byShape.set(shape, [...(byShape.get(shape) ?? []), n]);
  }
  for (const [shape, group] of byShape) {
    const indexes = shape.split(",").map(Number);
    const r = indexes.length;
    if (group.length >= 2 && r >= 2) {
      const levels = group.map((n) => mean([...n.logs.values()]));
      const offsets: Record<number, number> = {};
      for (const i of indexes) offsets[i] = mean(group.map((n, k) => n.logs.get(i)! - levels[k]!));
      group.forEach((n, k) => {
        for (const i of indexes) ss += (n.logs.get(i)! - levels[k]! - offsets[i]!) ** 2;
      });
      df += (group.length - 1) * (r - 1);
      const weight = group.length * r;
      if (!best || weight > best.weight) best = { offsets, nights: group.length, weight };
    } else {
      for (const n of group) {
        const ordered = indexes.map((i) => n.logs.get(i)!);
        const logs = usableRepeats(ordered, opts.dropWarmup ?? true);
        if (logs.length >= 2) {
          ss += variance(logs) * (logs.length - 1);
          df += logs.length - 1;
        }
      }
    }
  }
  const residual = df > 0 ? ss / df : 0;
  const run = runToRun(nights, best?.offsets, residual, opts);
  if (df === 0 && !run) return undefined;
  return {
    variance: residual,
    df,
    ...(best ? { offsets: best.offsets, offsetNights: best.nights } : {}),
    ...(run
      ? {
          runVariance: run.variance,
          runDf: run.df,
          runDiffs: run.df,
          levelVariance: run.levelVariance,
          levelRepeats: run.repeats,
        }
      : {}),
  };
}

/** Which night a value came from: its date, else its image tag. */
const nightOf = (n: Night): string => n.date ?? n.tag ?? "";

/**
 * Each night's level of one cell, ordered by date: the mean log value, corrected by the learnt
 * position offsets when every repeat has one, else after dropping the warm-up first repeat.
 */
function nightLevels(
  nights: readonly Night[],
  offsets: Record<number, number> | undefined,
  opts: LearnNoiseOptions,
): { night: string; level: number; r: number }[] {
  return nights
    .filter((n) => n.logs.size > 0)
    .sort((a, b) => nightOf(a).localeCompare(nightOf(b)))
    .map((n) => {
      const entries = [...n.logs.entries()].sort(([a], [b]) => a - b);
      if (offsets && entries.every(([i]) => offsets[i] !== undefined)) {
        return { night: nightOf(n), level: mean(entries.map(([i, v]) => v - offsets[i]!)), r: entries.length };
      }
      const logs = usableRepeats(
        entries.map(([, v]) => v),
        opts.dropWarmup ?? true,
      );
      return { night: nightOf(n), level: mean(logs), r: logs.length };
    });
}

/**
 * Run-to-run noise: how much a whole run's level moves between server launches, beyond what its
 * repeats show. Estimated from successive nights' levels (ordered by date) with a median of squared
 * differences, so a real change between two nights (one large difference) does not inflate it:
 * Var(level difference) = 2σ²_run + 2σ²/R, hence σ²_run = median(d²)/E[median of n χ²₁]/2 − σ²/R.
 * The small-sample factor matters: with 2 differences the median is their mean (factor 1, where the
 * large-sample 0.4549 would double the estimate).
 */
function runToRun(
  nights: readonly Night[],
  offsets: Record<number, number> | undefined,
  residual: number,
  opts: LearnNoiseOptions,
): { variance: number; df: number; levelVariance: number; repeats: number } | undefined {
  const levels = nightLevels(nights, offsets, opts);
  if (levels.length < 2) return undefined;
  const squares = levels.slice(1).map((x, i) => (x.level - levels[i]!.level) ** 2);
  const levelVariance = median(squares) / expectedMedianChi2(squares.length) / 2;
  const repeats = mean(levels.map((x) => x.r));
  const variance = Math.max(0, levelVariance - residual / repeats);
  // df = number of differences: a median is less efficient than a mean of squares, but with the few
  // nights usually at hand a smaller df makes t explode (chosen on the real nightlies, bench/verdicts.ts).
  return { variance, df: squares.length, levelVariance, repeats };
}

/** Learns the noise of every cell in the history runs. Non-positive values and warm-up rounds are ignored. */
export function learnNoise(history: readonly RunResults[], opts: LearnNoiseOptions = {}): NoiseTable {
  const nightsByScope = new Map<string, Map<string, Night[]>>();
  for (const run of history) {
    const scope = scopeKey(runScope(run));
    const cells = nightsByScope.get(scope) ?? new Map<string, Night[]>();
    nightsByScope.set(scope, cells);
    for (const p of run.points) {
      const repeats = p.repeats.filter((r) => !r.warmup);
      const metrics = new Set(repeats.flatMap((r) => Object.keys(r.metrics)));
      for (const metric of metrics) {
        const logs = new Map<number, number>();
        for (const r of repeats) {
          const v = repeatValue(r.metrics, metric);
          if (v !== undefined && v > 0) logs.set(r.index, Math.log(v));
        }
        const key = cellKey(p.point, metric);
        cells.set(key, [...(cells.get(key) ?? []), { tag: run.image?.tag, date: run.date ?? run.image?.tag, logs }]);
      }
    }
  }
  const table: NoiseTable = new Map();
  for (const [scope, cells] of nightsByScope) {
    const model: NoiseModel = new Map();
    for (const [key, nights] of cells) {
      const n = cellNoise(nights, opts);
      if (n) model.set(key, n);
    }
    const moderated = opts.moderate === false ? model : moderateNoise(model);
    table.set(scope, withSharedRunNoise(moderated, cells, opts));
  }
  return table;
}

/** The metric of a cell key (`pointKey|metric`). */
const metricOfKey = (key: string): string => key.slice(key.lastIndexOf("|") + 1);

/** The cell keys of a noise model grouped by metric: one family per metric, across the scope's points. */
function metricFamilies(model: NoiseModel): string[][] {
  const families = new Map<string, string[]>();
  for (const key of model.keys()) families.set(metricOfKey(key), [...(families.get(metricOfKey(key)) ?? []), key]);
  return [...families.values()];
}

/**
 * The part of the run-to-run noise every point of a launch shares (one server, one GPU state), per
 * metric: with night levels L[n][p] centred per point, the variance of each night's mean over the P
 * points (robustly: the median of consecutive nights' squared differences, as runToRun), minus what
 * the points' own movements explain (their spread around that mean ÷ P) — a one-way random-effects
 * split with nights − 1 df. On the real nightlies most night-to-night
 * movement is the point's own (shared fraction 0–0.3, DeepSeek P99 TTFT 0.4), which matters when
 * pooling over points (pooling.ts): a shared part does not average out, a point's own part does.
 * Needs ≥ 3 nights (2 df) common to ≥ 3 points, each night known by a date or tag of its own;
 * otherwise nothing is set and pooling treats the whole run-to-run noise as shared (the cautious
 * side): from 2 nights the estimate has 1 df and is clipped to 0 too often, which would let a
 * launch-wide shift average out. Pooling uses the estimate's df (sharedRunDf) for its t quantile.
 */
function withSharedRunNoise(model: NoiseModel, cells: Map<string, Night[]>, opts: LearnNoiseOptions): NoiseModel {
  const out: NoiseModel = new Map(model);
  for (const keys of metricFamilies(model)) {
    const levels = keys.map((k) => {
      const byNight = nightLevels(cells.get(k) ?? [], model.get(k)!.offsets, opts);
      // A night known by no name, or by the same name as another run, cannot be matched across points.
      const count = new Map<string, number>();
      for (const l of byNight) count.set(l.night, (count.get(l.night) ?? 0) + 1);
      const once = byNight.filter((l) => l.night !== "" && count.get(l.night) === 1);
      return new Map(once.map((l) => [l.night, l.level]));
    });
    const common = [...(levels[0]?.keys() ?? [])].filter((n) => levels.every((l) => l.has(n)));
    const nights = common.length;
    const points = levels.length;
    if (nights < 3 || points < 3) continue;
    const centred = levels.map((l) => {
      const m = mean(common.map((n) => l.get(n)!));
      return common.map((n) => l.get(n)! - m);
    });
    const nightMeans = common.map((_, n) => mean(centred.map((row) => row[n]!)));
    // Robust, as runToRun: from consecutive nights' differences by their median, so one odd night
    // (a whole launch off by 15 %) does not widen every pooled interval; odd launches are the tail's
    // part (launchTail), counted once.
    const steps = nightMeans.slice(1).map((x, n) => (x - nightMeans[n]!) ** 2);
    const between = median(steps) / expectedMedianChi2(steps.length) / 2;
    let within = 0;
    for (const row of centred) row.forEach((x, n) => (within += (x - nightMeans[n]!) ** 2));
    within /= (nights - 1) * (points - 1);
    const shared = Math.max(0, between - within / points);
    for (const k of keys) out.set(k, { ...out.get(k)!, sharedRunVariance: shared, sharedRunDf: nights - 1 });
  }
  return out;
}

/**
 * Empirical-Bayes moderation of the run-to-run term (Smyth 2004, as limma). A cell's run-level
 * variance comes from 2–3 night differences, so its t quantile is huge (t₀.₉₉(2) = 7.0 vs z = 2.3)
 * and a ×1.10 shift drowns in it. The same metric at the scope's other points carries information
 * about it: a scaled inverse-χ² prior is fitted to their level variances (fitVariancePrior), whose df
 * says how alike they are — many df when the points move alike from launch to launch, few when they
 * differ by orders of magnitude. Each cell's level variance becomes (d₀s₀² + d·s²)/(d₀ + d) with
 * d₀ + d degrees of freedom, capped at the family's own total df (a prior cannot know more than the
 * data it came from). The repeat (residual) variance is NOT moderated: on the real nightlies its
 * points differ too much for a 5-point prior (repeat-vs-repeat A/A rose from 0.6 % to 1.6 %).
 */
export function moderateNoise(model: NoiseModel): NoiseModel {
  const out: NoiseModel = new Map(model);
  const hasLevel = (n: NoiseEstimate): boolean => n.levelVariance !== undefined && (n.runDf ?? 0) > 0;
  for (const keys of metricFamilies(model)) {
    const cells = keys.map((k) => [k, model.get(k)!] as const).filter(([, n]) => hasLevel(n));
    const level = cells.map(([, n]) => ({ variance: n.levelVariance!, df: n.runDf! }));
    const fitted = fitVariancePrior(level);
    if (!fitted) continue;
    const prior = {
      variance: fitted.variance,
      df: Math.min(
        fitted.df,
        level.reduce((s, l) => s + l.df, 0),
      ),
    };
    for (const [key, n] of cells) {
      const levelVariance = (prior.df * prior.variance + n.runDf! * n.levelVariance!) / (prior.df + n.runDf!);
      out.set(key, {
        ...n,
        levelVariance,
        runVariance: Math.max(0, levelVariance - n.variance / (n.levelRepeats ?? 1)),
        runDf: n.runDf! + prior.df,
        runPriorDf: prior.df,
      });
    }
  }
  return out;
}

/** The learnt noise of one cell, if the history had any. */
export function lookupNoise(
  table: NoiseTable | undefined,
  scope: NoiseScope,
  point: Point,
  metric: string,
): NoiseEstimate | undefined {
  return table?.get(scopeKey(scope))?.get(cellKey(point, metric));
}
