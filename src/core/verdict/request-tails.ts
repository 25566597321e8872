/**
 * Median and tail cells judged on the requests themselves (bench_serving `--output-details`), not on
 * the one number a repeat prints: with 300 prompts a run's P99 TTFT is its 3rd-slowest request.
 *
 * Per repeat, the metric's quantile (P50 or P99) is estimated from all its requests with the
 * Harrell–Davis estimator (a Beta-weighted mean of the order statistics, of log values): it uses
 * the requests around the quantile instead of one of them, so it moves less by chance than the
 * printed value. The cell compares the two sides' means of those per-repeat values, with launches
 * as clusters (each launch's repeats averaged first). Its variance has three parts, in log units:
 * - within a launch: the spread of the per-repeat values between repeats of one launch (pooled over
 *   both sides' launches and with the history's per-repeat noise), once per repeat;
 * - between launches: the variance of a launch's level, from history (noise.ts; the metric's own,
 *   or for a tail its median's when larger, see companionMetric), or without history from the
 *   spread of each side's launches (compare-pr's blocks), once per launch;
 * - the prompt schedule: bench_serving seeds its prompts and arrivals (`--seed`, default 1), so
 *   every run sends the same requests and their sampling noise cancels between the sides; only when
 *   the runs did not provide the same schedule (per-request output lengths differ or are missing)
 *   is each side's sampling variance of its quantile added (Maritz–Jarrett), once per side.
 * The decision is verdict.ts `judge` on a t interval with Satterthwaite df, the launch part's df
 * being what its estimate really carries (effectiveRunDf). Old folders without per-request data
 * keep the run-level verdict (compare.ts decides which).
 */
import type { Direction } from "../catalogue/index.js";
import type { RequestSamples } from "../results/index.js";
import { driftWeight } from "./drift.js";
import { HISTORY_PRIOR } from "./prior.js";
import { incompleteBeta, mean, satterthwaiteDf, tQuantile } from "./stats.js";
import { equivalenceHalf, formatEvidence, judge, type CellVerdict, type NoiseEstimate } from "./verdict.js";

/** The request-level statistic behind each metric that has one. */
const REQUEST_METRICS: Record<string, { field: "ttft" | "e2e" | "tpot"; stat: "median" | "tail" }> = {
  median_ttft_ms: { field: "ttft", stat: "median" },
  p99_ttft_ms: { field: "ttft", stat: "tail" },
  median_e2e_latency_ms: { field: "e2e", stat: "median" },
  p99_e2e_latency_ms: { field: "e2e", stat: "tail" },
  median_tpot_ms: { field: "tpot", stat: "median" },
  p99_tpot_ms: { field: "tpot", stat: "tail" },
};

/** Fewer requests per repeat than this: the tail is too thin to judge from requests. */
const MIN_REQUESTS = 20;

/**
 * The median metric of the same timing (`p99_ttft_ms` → `median_ttft_ms`): a launch moves all of a
 * point's requests, and the median's launch-to-launch variance is learnt far more precisely from
 * run-level history than a 3rd-slowest request's, so a tail cell uses the larger of the two.
 */
export function companionMetric(metric: string): string | undefined {
  const spec = REQUEST_METRICS[metric];
  if (!spec) return undefined;
  return Object.entries(REQUEST_METRICS).find(([, s]) => s.field === spec.field && s.stat === "median")?.[0];
}

/** True when `metric` can be judged on per-request data. */
export function isRequestMetric(metric: string): boolean {
  return metric in REQUEST_METRICS;
}

/** The per-request values of `metric` in one repeat (positive only), or undefined when it has none. */
export function requestValues(samples: RequestSamples | undefined, metric: string): number[] | undefined {
  const spec = REQUEST_METRICS[metric];
  if (!samples || !spec) return undefined;
  let values: number[];
  if (spec.field === "ttft") values = samples.ttft_ms;
  else if (spec.field === "e2e") values = samples.e2e_ms;
  else {
    const out = samples.output_len;
    if (!out) return undefined;
    values = samples.e2e_ms.flatMap((e2e, i) => {
      const n = out[i] ?? 0;
      return n > 1 ? [(e2e - (samples.ttft_ms[i] ?? 0)) / (n - 1)] : [];
    });
  }
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  return positive.length >= MIN_REQUESTS ? positive : undefined;
}

/**
 * The prompt schedule a repeat ran, as a fingerprint of its requests' output lengths in request
 * order (bench_serving draws them with the prompts and arrivals from its seed); undefined without
 * them. Two repeats with the same key sent the same requests.
 */
export function scheduleKey(samples: RequestSamples | undefined): string | undefined {
  const lens = samples?.output_len;
  if (!lens || lens.length === 0) return undefined;
  let h = 0x811c9dc5;
  for (const n of lens) {
    h ^= n | 0;
    h = Math.imul(h, 0x01000193);
  }
  return `${lens.length}:${(h >>> 0).toString(16)}`;
}

/** One repeat's requests: `group` is the launch (run folder or block) it belongs to, `index` its repeat number. */
export interface RequestRepeat {
  values: number[];
  index: number;
  group: number;
  /** The day its launch ran (drift.ts launchDay), when known. */
  day?: number;
  /** {@link scheduleKey} of the repeat, when its requests' output lengths are known. */
  schedule?: string;
}

/** Tuning of {@link decideRequestCell}. */
export interface RequestCellOptions {
  minEffectPct: number;
  confidence: number;
  /** Noise learnt from history for this cell (run-level values): its per-repeat and launch-to-launch parts. */
  history?: NoiseEstimate;
  /** History of the {@link companionMetric}: its launch-to-launch variance is used when larger. */
  companion?: NoiseEstimate;
  /** Both sides are repeats of one launch: no launch-to-launch noise. */
  sameRun?: boolean;
}

const weightCache = new Map<string, Float64Array>();

/** Harrell–Davis weights of the q-quantile of n sorted values: Beta((n+1)q, (n+1)(1−q)) mass of each ((i−1)/n, i/n]. */
function hdWeights(n: number, q: number): Float64Array {
  const key = `${n}|${q}`;
  const cached = weightCache.get(key);
  if (cached) return cached;
  const a = (n + 1) * q;
  const b = (n + 1) * (1 - q);
  const w = new Float64Array(n);
  let previous = 0;
  for (let i = 1; i <= n; i++) {
    const next = i === n ? 1 : incompleteBeta(i / n, a, b);
    w[i - 1] = next - previous;
    previous = next;
  }
  if (weightCache.size > 64) weightCache.clear();
  weightCache.set(key, w);
  return w;
}

/**
 * Harrell–Davis estimate of the q-quantile of sorted values, with its Maritz–Jarrett variance
 * (Σ wᵢ (x₍ᵢ₎ − estimate)²: the estimator's sampling variance over the requests).
 */
export function harrellDavis(sorted: ArrayLike<number>, q: number): { value: number; variance: number } {
  const w = hdWeights(sorted.length, q);
  let value = 0;
  for (let i = 0; i < sorted.length; i++) value += w[i]! * sorted[i]!;
  let variance = 0;
  for (let i = 0; i < sorted.length; i++) variance += w[i]! * (sorted[i]! - value) ** 2;
  return { value, variance };
}

/**
 * Degrees of freedom a launch-level estimate from history really carries. noise.ts learns it from
 * the median of m squared night-to-night differences and counts m df; a median of successive
 * squared differences of Gaussian levels has the variance of a χ² mean with about m/3 + 1/2 df
 * (simulated for m = 2…30, within ±15 %; a median of independent χ²₁ alone keeps 0.37 of them).
 * Its empirical-Bayes prior (runPriorDf, capped at the family's counted df) is made of the same
 * estimates at the other points, so the whole runDf is scaled alike.
 */
export function effectiveRunDf(noise: NoiseEstimate): number {
  const df = noise.runDf ?? 0;
  const m = noise.runDiffs ?? 0;
  return m > 0 ? df * Math.min(1, (m / 3 + 0.5) / m) : df;
}

/** One side: per launch, its repeats' log quantiles and their sampling variances. */
interface Side {
  launches: { values: number[]; sampling: number[] }[];
  /** Mean of the launch means. */
  value: number;
  /** Weight of the within-launch variance in the side's mean: Σ 1/n_l over launches, ÷ L². */
  withinWeight: number;
  repeats: number[];
  requests: number;
}

function estimateSide(repeats: readonly RequestRepeat[], q: number): Side {
  const byLaunch = new Map<number, { values: number[]; sampling: number[] }>();
  for (const r of repeats) {
    const sorted = Float64Array.from(r.values, Math.log).sort();
    const hd = harrellDavis(sorted, q);
    const launch = byLaunch.get(r.group) ?? { values: [], sampling: [] };
    launch.values.push(hd.value);
    launch.sampling.push(hd.variance);
    byLaunch.set(r.group, launch);
  }
  const launches = [...byLaunch.values()];
  const L = launches.length;
  return {
    launches,
    value: mean(launches.map((l) => mean(l.values))),
    withinWeight: launches.reduce((s, l) => s + 1 / l.values.length, 0) / (L * L),
    repeats: launches.flatMap((l) => l.values),
    requests: repeats.reduce((s, r) => s + r.values.length, 0),
  };
}

/**
 * Within-launch variance of one repeat's value: the spread of repeats inside each launch of both
 * sides, pooled with the history's per-repeat noise of the printed value (the same quantile taken
 * from one request, so no quieter than this one: at worst cautious).
 */
function withinVariance(sides: readonly Side[], history?: NoiseEstimate): { variance: number; df: number } {
  let ss = 0;
  let df = 0;
  for (const side of sides) {
    for (const l of side.launches) {
      if (l.values.length < 2) continue;
      const m = mean(l.values);
      ss += l.values.reduce((s, v) => s + (v - m) ** 2, 0);
      df += l.values.length - 1;
    }
  }
  if (history && history.df > 0) {
    ss += history.variance * history.df;
    df += history.df;
  }
  return { variance: df > 0 ? ss / df : 0, df };
}

/**
 * Sampling variance of the prompt schedule, per side: zero when every repeat of both sides ran the
 * same schedule (it cancels) or when no two repeats of a launch share one (the within-launch spread
 * already holds it); otherwise (unknown, or one schedule a side but different between the sides)
 * each side's mean Maritz–Jarrett variance, once per side.
 */
function scheduleVariance(
  baseline: readonly RequestRepeat[],
  candidate: readonly RequestRepeat[],
  sides: Side[],
): number {
  const keys = [...baseline, ...candidate].map((r) => r.schedule);
  if (keys.every((k) => k !== undefined && k === keys[0])) return 0;
  const fresh = (repeats: readonly RequestRepeat[]): boolean => {
    const seen = new Set<string>();
    for (const r of repeats) {
      const key = `${r.group}|${r.schedule}`;
      if (r.schedule === undefined || seen.has(key)) return false;
      seen.add(key);
    }
    return true;
  };
  if (fresh(baseline) && fresh(candidate)) return 0;
  return sides.reduce((s, side) => s + mean(side.launches.flatMap((l) => l.sampling)), 0);
}

/**
 * Variance of each side's launches' means around the side mean (compare-pr's interleaved blocks),
 * pooled over the sides, df = launches − sides; undefined with fewer than two launches on any side.
 */
function launchSpread(sides: readonly Side[]): { variance: number; df: number } | undefined {
  let squares = 0;
  let df = 0;
  for (const side of sides) {
    if (side.launches.length < 2) return undefined;
    const means = side.launches.map((l) => mean(l.values));
    const m = mean(means);
    squares += means.reduce((a, x) => a + (x - m) ** 2, 0);
    df += means.length - 1;
  }
  return df > 0 && squares > 0 ? { variance: squares / df, df } : undefined;
}

/** The launch and within parts of the variance of the difference, with their df. */
interface Parts {
  launch: number;
  launchDf: number;
  within: number;
  withinDf: number;
  source: string;
}

/**
 * The two parts from one history estimate. Its level variance is the variance of a night's mean of
 * R printed repeats, σ²_launch + v/R; per launch of a side that is used whole, plus whatever this
 * statistic's within-launch part exceeds the printed value's (never less: cautious).
 */
function fromHistory(
  h: NoiseEstimate,
  sides: Side[],
  within: { variance: number; df: number },
  repeatsBySide: readonly (readonly RequestRepeat[])[],
): Parts | undefined {
  const repeats = h.levelRepeats ?? 1;
  const level = h.levelVariance ?? (h.runVariance ?? 0) + h.variance / repeats;
  const df = effectiveRunDf(h);
  if (!(level > 0 && df > 0)) return undefined;
  // Σ 1/launches over the sides, widened for launches nights apart (drift.ts).
  const launchWeight = driftWeight(repeatsBySide[0]!, repeatsBySide[1]!, h.launchDrift);
  const perLaunch = sides.reduce((s, side) => s + 1 / side.launches.length, 0);
  const withinWeight = sides.reduce((s, side) => s + side.withinWeight, 0);
  return {
    launch: level * launchWeight,
    launchDf: df,
    within: Math.max(0, within.variance * withinWeight - (h.variance / repeats) * perLaunch),
    withinDf: within.df,
    source: launchSource(h),
  };
}

/** Where a launch-level estimate came from, as a cell's reason names it. */
function launchSource(h: NoiseEstimate): string {
  const shipped = h.priorSource !== undefined && !h.priorSource.startsWith(HISTORY_PRIOR);
  // withPrior without history: no repeats learnt from, the prior is the whole estimate.
  if (shipped && h.df === 0 && h.variance === 0) return "the built-in prior";
  return shipped ? "history and the built-in prior" : "history";
}

/**
 * Decides one median or tail cell from per-request data: each side's repeats (already without
 * warm-up) with the launch they belong to. Undefined when the metric has no request-level statistic
 * or the launch-to-launch noise is unknown (the run-level cell decides then).
 */
export function decideRequestCell(
  baseline: readonly RequestRepeat[],
  candidate: readonly RequestRepeat[],
  metric: string,
  better: Direction,
  opts: RequestCellOptions,
): CellVerdict | undefined {
  const spec = REQUEST_METRICS[metric];
  if (!spec || baseline.length === 0 || candidate.length === 0) return undefined;
  const tail = spec.stat === "tail";
  const b = estimateSide(baseline, tail ? 0.99 : 0.5);
  const c = estimateSide(candidate, tail ? 0.99 : 0.5);
  const sides = [b, c];
  const diff = c.value - b.value;
  const within = withinVariance(sides, opts.history);
  let parts: Parts | undefined;
  if (opts.sameRun) {
    const weight = b.withinWeight + c.withinWeight;
    parts = { launch: 0, launchDf: Infinity, within: within.variance * weight, withinDf: within.df, source: "" };
  } else {
    parts = [opts.history, tail ? opts.companion : undefined]
      .flatMap((h) => (h ? [fromHistory(h, sides, within, [baseline, candidate])] : []))
      .filter((p): p is Parts => p !== undefined)
      .sort((x, y) => y.launch + y.within - (x.launch + x.within))[0];
    // Without history, launch means hold their repeats' noise: their spread is the whole variance.
    const spread = parts ? undefined : launchSpread(sides);
    if (spread) {
      parts = {
        launch: spread.variance * (1 / b.launches.length + 1 / c.launches.length),
        launchDf: spread.df,
        within: 0,
        withinDf: Infinity,
        source: `the spread of ${b.launches.length} + ${c.launches.length} launches`,
      };
    }
  }
  // One launch a side and no history: a launch's level is unknown, so the requests decide nothing.
  if (!parts) return undefined;
  const schedule = scheduleVariance(baseline, candidate, sides);
  const total = parts.launch + parts.within + schedule;
  const df = satterthwaiteDf([
    { variance: parts.launch, df: parts.launchDf },
    { variance: parts.within, df: parts.withinDf > 0 ? parts.withinDf : Infinity },
    { variance: schedule, df: Infinity },
  ]);
  const dfUsed = Number.isFinite(df) ? df : 1000;
  const half = total > 0 ? tQuantile(1 - (1 - opts.confidence) / 2, dfUsed) * Math.sqrt(total) : 0;
  const j = judge(diff, half, better, opts.minEffectPct, equivalenceHalf(half, dfUsed, opts.confidence));
  const what = tail ? "P99" : "median";
  const launchNote = opts.sameRun ? "same launch" : `launch-to-launch noise from ${parts.source}`;
  const scheduleNote = schedule > 0 ? ", prompt schedules differ" : "";
  const evidence = `requests: PR vs main ${formatEvidence(j)} (Harrell–Davis ${what} of ${b.requests} vs ${c.requests} requests in ${b.repeats.length} vs ${c.repeats.length} repeats; ${Math.round(opts.confidence * 100)}%, df ${Math.round(dfUsed)}, ${launchNote}${scheduleNote})`;
  const perRepeat = (s: Side): number[] => s.repeats.map((v) => Math.round(Math.exp(v) * 100) / 100);
  return {
    verdict: j.verdict,
    change_pct: j.change_pct,
    interval: j.interval,
    reason: j.why ? `${evidence}: ${j.why}` : evidence,
    ...(j.equivalence ? { equivalence: j.equivalence } : {}),
    used: { baseline: perRepeat(b), candidate: perRepeat(c) },
    df: dfUsed,
    evidence: {
      logChange: diff,
      repeatVariance: parts.within + schedule,
      repeatDf: parts.withinDf > 0 ? parts.withinDf : Infinity,
      runVariance: parts.launch,
      runDf: parts.launchDf > 0 ? parts.launchDf : Infinity,
    },
  };
}
