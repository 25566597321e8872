/**
 * Median and tail cells judged on the requests themselves (bench_serving `--output-details`), not on
 * one printed number per repeat: with 300 prompts a run's P99 TTFT is its 3rd-slowest request, so the
 * run-level value moves ±15 % by chance and a real ×1.10 shift hides in it.
 *
 * Per side, the requests of all repeats are pooled (log values). The statistic is
 * - a median cell: the median of the pooled requests;
 * - a P99 cell: the upper-tail level, the mean log of the P90, P91 … P99 quantiles. A slowdown of the
 *   tail moves it like P99 but it rests on ten times more requests than P99 alone (whose estimate is
 *   a handful of requests); the reason says so.
 * Its uncertainty has three parts, added in log units:
 * - request sampling: a bootstrap that resamples requests within each repeat (stratified);
 * - repeat-to-repeat level within a launch: the spread of the per-repeat statistics beyond their own
 *   sampling noise (pooled with the history's per-repeat noise), once per repeat;
 * - launch-to-launch level (the history's run-to-run variance, noise.ts), once per launch — the
 *   launches are the clusters: requests of one launch never count as independent of its level.
 * The decision is verdict.ts `judge` (interval on one side of 0 and ≥ the minimum effect).
 * Old folders without per-request data keep the run-level verdict (compare.ts decides which).
 */
import type { Direction } from "../catalogue/index.js";
import type { RequestSamples } from "../results/index.js";
import { mean, satterthwaiteDf, tQuantile } from "./stats.js";
import { formatEvidence, judge, type CellVerdict, type NoiseEstimate } from "./verdict.js";

/** The request-level statistic behind each metric that has one. */
const REQUEST_METRICS: Record<string, { field: "ttft" | "e2e" | "tpot"; stat: "median" | "tail" }> = {
  median_ttft_ms: { field: "ttft", stat: "median" },
  p99_ttft_ms: { field: "ttft", stat: "tail" },
  median_e2e_latency_ms: { field: "e2e", stat: "median" },
  p99_e2e_latency_ms: { field: "e2e", stat: "tail" },
  median_tpot_ms: { field: "tpot", stat: "median" },
  p99_tpot_ms: { field: "tpot", stat: "tail" },
};

/** Quantiles averaged (in logs) for a tail cell. */
const TAIL_QUANTILES = [0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99];
const BOOTSTRAP_ROUNDS = 300;
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

/** One repeat's requests: `group` is the launch (run folder) it belongs to, `index` its repeat number. */
export interface RequestRepeat {
  values: number[];
  index: number;
  group: number;
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

/**
 * Deterministic PRNG (xorshift32) returning an index below `n`: the same data always gets the same
 * verdict. Bit operations only: `Math.*` calls in this hot loop cost ~30× more under jest's VM.
 */
function indexRng(seed: number): (n: number) => number {
  let x = seed | 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (((x >>> 0) / 4294967296) * n) | 0;
  };
}

/** Sorted logs of a side's repeats, pooled, with each repeat's positions in the pooled order. */
interface PooledSide {
  sorted: Float64Array;
  /** Per repeat: the pooled positions of its values. */
  members: Int32Array[];
  /** Per repeat: its own sorted logs. */
  own: Float64Array[];
}

function poolSide(repeats: readonly RequestRepeat[]): PooledSide {
  const tagged = repeats.flatMap((r, j) => r.values.map((v) => ({ v: Math.log(v), j })));
  tagged.sort((a, b) => a.v - b.v);
  const positions: number[][] = repeats.map(() => []);
  tagged.forEach((t, pos) => positions[t.j]!.push(pos));
  return {
    sorted: Float64Array.from(tagged, (t) => t.v),
    members: positions.map((p) => Int32Array.from(p)),
    own: repeats.map((r) => Float64Array.from(r.values, Math.log).sort()),
  };
}

/**
 * The statistic of a weighted sorted sample: `weights[i]` copies of `sorted[i]` (all 1 for the sample
 * itself, multinomial counts for a bootstrap replicate). Quantiles are inverse-CDF (type 1).
 */
function statistic(sorted: Float64Array, weights: Uint32Array | undefined, total: number, qs: number[]): number {
  const ranks = qs.map((q) => Math.max(1, Math.ceil(q * total - 1e-9)));
  let sum = 0;
  let k = 0;
  let cum = 0;
  for (let i = 0; i < sorted.length && k < ranks.length; i++) {
    cum += weights ? weights[i]! : 1;
    while (k < ranks.length && cum >= ranks[k]!) {
      sum += sorted[i]!;
      k++;
    }
  }
  return k === 0 ? NaN : sum / k;
}

/**
 * A side's statistic and its request-sampling variance; per repeat, the statistic, its sampling
 * variance, and the sampling variance of the metric's own single quantile (what a run prints, so
 * what the history's per-repeat noise is made of).
 */
interface SideEstimate {
  value: number;
  samplingVariance: number;
  repeats: { value: number; samplingVariance: number; printedVariance: number; group: number }[];
  requests: number;
}

/**
 * Variance of one launch's level from the spread of each side's launch means (pooled over the sides,
 * df = launches − sides); undefined with fewer than two launches on any side.
 */
function launchSpread(sides: readonly SideEstimate[]): { variance: number; df: number } | undefined {
  let squares = 0;
  let df = 0;
  for (const side of sides) {
    const byLaunch = new Map<number, number[]>();
    for (const r of side.repeats) byLaunch.set(r.group, [...(byLaunch.get(r.group) ?? []), r.value]);
    if (byLaunch.size < 2) return undefined;
    const means = [...byLaunch.values()].map((v) => v.reduce((a, x) => a + x, 0) / v.length);
    const mean = means.reduce((a, x) => a + x, 0) / means.length;
    squares += means.reduce((a, x) => a + (x - mean) ** 2, 0);
    df += means.length - 1;
  }
  return df > 0 && squares > 0 ? { variance: squares / df, df } : undefined;
}

function estimateSide(repeats: readonly RequestRepeat[], tail: boolean, seed: number): SideEstimate {
  const qs = tail ? TAIL_QUANTILES : [0.5];
  const printed = tail ? [0.99] : [0.5];
  const side = poolSide(repeats);
  const total = side.sorted.length;
  const value = statistic(side.sorted, undefined, total, qs);
  const random = indexRng(seed * 2654435761);
  const pooledWeights = new Uint32Array(total);
  const ownWeights = side.own.map((o) => new Uint32Array(o.length));
  const pooledDraws: number[] = [];
  const ownDraws: number[][] = side.own.map(() => []);
  const printedDraws: number[][] = side.own.map(() => []);
  for (let b = 0; b < BOOTSTRAP_ROUNDS; b++) {
    pooledWeights.fill(0);
    side.members.forEach((positions, j) => {
      const own = ownWeights[j]!;
      own.fill(0);
      for (let i = 0; i < positions.length; i++) {
        own[random(positions.length)]! += 1;
      }
      // The pooled sorted order keeps each repeat's own order, so the i-th smallest of repeat j is members[j][i].
      for (let i = 0; i < positions.length; i++) pooledWeights[positions[i]!]! += own[i]!;
      ownDraws[j]!.push(statistic(side.own[j]!, own, positions.length, qs));
      if (tail) printedDraws[j]!.push(statistic(side.own[j]!, own, positions.length, printed));
    });
    pooledDraws.push(statistic(side.sorted, pooledWeights, total, qs));
  }
  const spread = (xs: number[]): number => {
    const m = mean(xs);
    return xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1);
  };
  return {
    value,
    samplingVariance: spread(pooledDraws),
    repeats: side.own.map((own, j) => ({
      value: statistic(own, undefined, own.length, qs),
      samplingVariance: spread(ownDraws[j]!),
      printedVariance: spread(tail ? printedDraws[j]! : ownDraws[j]!),
      group: repeats[j]!.group,
    })),
    requests: total,
  };
}

/**
 * Within-launch repeat-to-repeat variance of the level beyond request sampling, with its df: the
 * spread of per-repeat statistics inside each launch minus their sampling variance, pooled with the
 * history's per-repeat noise of the printed value minus that value's own sampling variance; ≥ 0.
 */
function repeatLevelVariance(sides: SideEstimate[], history?: NoiseEstimate): { variance: number; df: number } {
  let ss = 0;
  let df = 0;
  const all = sides.flatMap((s) => s.repeats);
  for (const side of sides) {
    const groups = new Map<number, number[]>();
    for (const r of side.repeats) groups.set(r.group, [...(groups.get(r.group) ?? []), r.value]);
    for (const values of groups.values()) {
      if (values.length < 2) continue;
      const m = mean(values);
      ss += values.reduce((s, v) => s + (v - m) ** 2, 0);
      df += values.length - 1;
    }
  }
  let excess = df > 0 ? (ss / df - mean(all.map((r) => r.samplingVariance))) * df : 0;
  if (history && history.df > 0) {
    excess += (history.variance - mean(all.map((r) => r.printedVariance))) * history.df;
    df += history.df;
  }
  return df > 0 ? { variance: Math.max(0, excess / df), df } : { variance: 0, df: 0 };
}

/**
 * Decides one median or tail cell from per-request data: each side's repeats (already without
 * warm-up) with the launch they belong to. Undefined when the metric has no request-level statistic.
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
  const b = estimateSide(baseline, tail, 1);
  const c = estimateSide(candidate, tail, 2);
  const diff = c.value - b.value;
  const repeatLevel = repeatLevelVariance([b, c], opts.history);
  const repeatPart = repeatLevel.variance * (1 / b.repeats.length + 1 / c.repeats.length);
  const launches = (s: SideEstimate): number => new Set(s.repeats.map((r) => r.group)).size;
  const launchNoise = [opts.history, opts.companion]
    .filter((h): h is NoiseEstimate => (h?.runVariance ?? 0) > 0 && (h?.runDf ?? 0) > 0)
    .sort((x, y) => y.runVariance! - x.runVariance!)[0];
  // Without history, the spread between a side's launches (compare-pr's interleaved blocks) is the
  // launch noise; with one launch a side and neither, the level of a launch is unknown: no verdict
  // here (the run-level cell, with its own rules, decides).
  const spread = launchNoise ? undefined : launchSpread([b, c]);
  if (!opts.sameRun && !launchNoise && !spread) return undefined;
  const runVar = opts.sameRun ? 0 : (launchNoise?.runVariance ?? spread?.variance ?? 0);
  const runDf = launchNoise?.runDf ?? spread?.df ?? 0;
  const runPart = runVar * (1 / launches(b) + 1 / launches(c));
  const samplingPart = b.samplingVariance + c.samplingVariance;
  const df = satterthwaiteDf([
    { variance: samplingPart, df: Infinity },
    { variance: repeatPart, df: repeatLevel.df > 0 ? repeatLevel.df : Infinity },
    { variance: runPart, df: runDf > 0 ? runDf : Infinity },
  ]);
  const dfUsed = Number.isFinite(df) ? df : 1000;
  const half = tQuantile(1 - (1 - opts.confidence) / 2, dfUsed) * Math.sqrt(samplingPart + repeatPart + runPart);
  const j = judge(diff, half, better, opts.minEffectPct);
  const what = tail ? "P90–P99 band" : "median";
  const launchNote = opts.sameRun
    ? "same launch"
    : launchNoise
      ? "launch-to-launch noise from history"
      : `launch-to-launch noise from the spread of ${launches(b)} + ${launches(c)} launches`;
  const evidence = `requests: PR vs main ${formatEvidence(j)} (${what} of ${b.requests} vs ${c.requests} requests in ${b.repeats.length} vs ${c.repeats.length} repeats; ${Math.round(opts.confidence * 100)}%, ${launchNote})`;
  const perRepeat = (s: SideEstimate): number[] => s.repeats.map((r) => Math.round(Math.exp(r.value) * 100) / 100);
  return {
    verdict: j.verdict,
    change_pct: j.change_pct,
    interval: j.interval,
    reason: j.why ? `${evidence}: ${j.why}` : evidence,
    used: { baseline: perRepeat(b), candidate: perRepeat(c) },
    df: dfUsed,
    evidence: {
      logChange: diff,
      repeatVariance: samplingPart + repeatPart,
      repeatDf: repeatLevel.df > 0 ? repeatLevel.df : Infinity,
      runVariance: runPart,
      runDf: runDf > 0 ? runDf : Infinity,
    },
  };
}
