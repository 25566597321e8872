/**
 * The noise-aware verdict for one metric cell (one suite × point × metric, baseline vs candidate).
 *
 * Method (see docs/verdicts.md for the why and the measured rates):
 * - Work on natural logs, so a change is a ratio and noise is relative (latency noise grows with latency).
 * - Repeat positions: on the real MI300X runs the first repeat is systematically off (DeepSeek median
 *   TTFT +36 %, throughput −2 %) and other positions can be too (Grok rate 8: run 3 ~15 % slower every
 *   night). When history gives the offset of every repeat position (noise.ts, two-way fit), values are
 *   corrected by it and all repeats kept; otherwise the first of ≥ 3 repeats per run is dropped.
 *   Repeats flagged `warmup` never reach this function.
 * - Noise: the per-value variance of the logs is pooled (weighted by degrees of freedom) from the
 *   spread within each side and, when given, the noise learnt from history for the same
 *   hardware/model/suite/point/metric (noise.ts). A floor for the printed precision (SGLang prints
 *   two decimals: 0.06 req/s is ±8 %) keeps quantised values from looking exact (request throughput
 *   itself reaches here recomputed from completed/duration when that matches: noise.ts repeatValue).
 * - Run-to-run: main and PR are separate server runs, so the run-level variance learnt from
 *   successive nights (noise.ts; moderated across the scope's points by an empirical-Bayes prior)
 *   is added once per run on each side, unless `sameRun`.
 * - Interval: difference of mean logs ± t(df, confidence) · s · √(1/n₁ + 1/n₂) (+ the offsets'
 *   uncertainty when the two sides' positions differ), shown as % change; confidence 98 %.
 * - Decision: `regressed`/`improved` only when the interval lies entirely on one side of 0 AND the
 *   estimate reaches the minimum effect (default 2 %); `unchanged` when the estimate is below the
 *   minimum effect and equivalence within ±2× the minimum effect is shown (two one-sided tests at 5 %:
 *   the 90 % interval, same noise and df); otherwise `inconclusive` — including when there is no way
 *   to estimate the noise (one repeat per side and no history). It never guesses.
 */
import type { Direction } from "../catalogue/index.js";
import { driftWeight, nightsBetween } from "./drift.js";
import { mean, satterthwaiteDf, tQuantile, variance, type TailFit } from "./stats.js";

/** What a cell concluded. `failed`: the cell ran on one side only (set by compare.ts, never here). */
export type Verdict = "improved" | "regressed" | "unchanged" | "inconclusive" | "failed";

/** Per-value variance of log values and its degrees of freedom. */
export interface NoiseEstimate {
  variance: number;
  df: number;
  /**
   * Systematic offset (log units) of each repeat position learnt from history, e.g. the first run
   * slower (warm-up) or the third run at rate 8 always ~15 % slower on the real Grok nightlies.
   * When every compared repeat has a known offset, values are corrected instead of dropped.
   */
  offsets?: Record<number, number>;
  /** Nights the offsets were learnt from (their uncertainty is ~σ²/nights). */
  offsetNights?: number;
  /** Variance (log units) of a whole run's level between server launches, beyond its repeats' noise. */
  runVariance?: number;
  runDf?: number;
  /**
   * Night-to-night differences behind runDf's own part (noise.ts runToRun): runDf counts each as one
   * df, but their median carries about a third of that (request-tails.ts effectiveRunDf).
   */
  runDiffs?: number;
  /** Variance (log units) of a run's level between nights, repeats' noise included (runVariance + variance/levelRepeats). */
  levelVariance?: number;
  /** Mean repeats per night behind levelVariance. */
  levelRepeats?: number;
  /** Degrees of freedom of runDf borrowed from the same metric at the scope's other points (empirical-Bayes prior). */
  runPriorDf?: number;
  /** The part of a run's level variance shared by all points of the launch (noise.ts withSharedRunNoise); unknown = all of it. */
  sharedRunVariance?: number;
  sharedRunDf?: number;
  /** Where the built-in prior for the launch-level term came from (prior.ts), when one was used. */
  priorSource?: string;
  /** How heavy-tailed launch-to-launch differences are (prior.ts PriorEntry.tail), when known. */
  launchTail?: TailFit;
  /** The share of consecutive nights' launch variance that is slow drift (drift.ts), when known. */
  launchDrift?: number;
}

/** One measured value and the repeat it came from (1-based `index`; `group` = which run, when pooling runs). */
export interface Observation {
  value: number;
  index: number;
  group?: number;
  /** The day its launch ran (drift.ts launchDay), when known. */
  day?: number;
  /**
   * Its launch ran a discarded warm-up round first (sglbench's runner does at every point): no
   * repeat of it is a first run, so none is dropped or position-corrected, whatever the count.
   */
  warmedUp?: boolean;
}

/** Tuning of {@link decideCell}. */
export interface VerdictOptions {
  /** Smallest change worth reporting, in % (default 2). */
  minEffectPct?: number;
  /** Two-sided confidence of the interval (default 0.98: ≤ 1 % false 🔴 per cell when nothing changed; chosen on the real A/A pairs, see bench/verdicts.ts). */
  confidence?: number;
  /** Noise learnt from history for this cell. */
  history?: NoiseEstimate;
  /**
   * Both sides are repeats of one server run (the evaluation's A/A pairs): no run-to-run noise
   * between them. Default false — main and PR are always separate runs.
   */
  sameRun?: boolean;
  /** Drop the first repeat of each run with ≥ 3 repeats when history gives no position offsets (default true). */
  dropWarmup?: boolean;
  /**
   * Both sides ran the same repeats per point, so where one side has fewer here it lost repeats to
   * failures: when that leaves one side's warm-up run in and the other's out, the repeats at the
   * positions both sides have are compared (run 1 against run 1), warm-up included on both.
   */
  sameProtocol?: boolean;
  /** History was given (compareRuns `history`): a ❔ for unknown noise says what it lacked, not "pass history". */
  historyGiven?: boolean;
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
  /** See {@link Judgement.equivalence}. */
  equivalence?: Equivalence;
  /** Repeat positions were corrected by history's offsets (run 1 against run 1 …), so all repeats count. */
  positionsCorrected?: boolean;
  /** Repeats actually used per side (after warm-up handling). */
  used: { baseline: number[]; candidate: number[] };
  /** Degrees of freedom of the noise estimate (0 when unknown). */
  df: number;
  /**
   * The evidence behind the interval, in log units, when the noise was known: the change, the part of
   * its variance from this cell's repeats (independent of other points) and the part from run-to-run
   * noise (shared by every point of the run), each with its degrees of freedom. pooling.ts uses it.
   */
  evidence?: CellEvidence;
}

/** A cell's change and its variance split by source (log units); see {@link CellVerdict.evidence}. */
export interface CellEvidence {
  logChange: number;
  repeatVariance: number;
  repeatDf: number;
  runVariance: number;
  runDf: number;
  /** The part of runVariance shared by every point of the run (≤ runVariance; undefined = all of it), and its df. */
  sharedRunVariance?: number;
  sharedRunDf?: number;
}

/** A decision from an estimate and its interval (both log units), shared by cells and pooled cells. */
export interface Judgement {
  verdict: Verdict;
  change_pct: number;
  interval: [number, number];
  /** Why, after the evidence: "" when flagged, else the reason it is not. */
  why: string;
  /** An `unchanged` proven by an equivalence interval (the 90 % one, in %) narrower than the one shown, within ±`within` %. */
  equivalence?: Equivalence;
}

/** The interval that proved a cell unchanged, and the bound it lies within (2× the minimum effect), in %. */
export interface Equivalence {
  interval: [number, number];
  within: number;
}

/**
 * The decision rule: `regressed`/`improved` only when the interval lies entirely on one side of 0 AND
 * the estimate reaches the minimum effect; `unchanged` when the estimate is below the minimum effect
 * and the equivalence interval (`equivalenceHalfWidth`: two one-sided tests at 5 %, the 90 %
 * interval; default the flagging one) lies within ±2× the minimum effect; otherwise `inconclusive`.
 */
export function judge(
  logChange: number,
  halfWidth: number,
  better: Direction,
  minEffectPct: number,
  equivalenceHalfWidth = halfWidth,
): Judgement {
  const change_pct = pct(logChange);
  const interval: [number, number] = [pct(logChange - halfWidth), pct(logChange + halfWidth)];
  const significant = interval[0] > 0 || interval[1] < 0;
  const bigEnough = Math.abs(change_pct) >= minEffectPct;
  if (significant && bigEnough && better !== "none") {
    const worse = better === "lower" ? logChange > 0 : logChange < 0;
    return { verdict: worse ? "regressed" : "improved", change_pct, interval, why: "" };
  }
  const bound = 2 * minEffectPct;
  const within = [pct(logChange - equivalenceHalfWidth), pct(logChange + equivalenceHalfWidth)] as const;
  if (!bigEnough && within[0] > -bound && within[1] < bound) {
    // Equivalence (two one-sided tests): the narrower interval that proves it is named when it differs.
    const proof =
      equivalenceHalfWidth < halfWidth ? `; 90% interval [${fmt(within[0])}, ${fmt(within[1])}] within ±${bound}%` : "";
    return {
      verdict: "unchanged",
      change_pct,
      interval,
      why: `below the ${minEffectPct}% minimum effect${proof}`,
      ...(proof ? { equivalence: { interval: [within[0], within[1]], within: bound } } : {}),
    };
  }
  const why = significant && bigEnough ? "no better direction for this metric" : TOO_WIDE;
  return { verdict: "inconclusive", change_pct, interval, why };
}

/** `+5.2% [+1.0%, +9.6%]`: an estimate and its interval as the reasons print them. */
export function formatEvidence(j: Pick<Judgement, "change_pct" | "interval">): string {
  return `${fmt(j.change_pct)} [${fmt(j.interval[0])}, ${fmt(j.interval[1])}]`;
}

const TOO_WIDE = "interval too wide for the noise";
/** The ❔ reason when heavy-tailed launch noise and a single launch on a side make it too wide (≤ 80 characters). */
export const TOO_WIDE_ONE_LAUNCH = "too wide with one launch on a side (a launch here is now and then far off)";

export const DEFAULT_MIN_EFFECT_PCT = 2;
/** Confidence of the equivalence check behind ⚪ (two one-sided tests at 5 % each: the 90 % interval). */
export const EQUIVALENCE_CONFIDENCE = 0.9;

/** The half-width of the equivalence interval from the flagging interval's (same standard error and df). */
export function equivalenceHalf(half: number, df: number, confidence: number): number {
  const q = (c: number): number => tQuantile(1 - (1 - c) / 2, df);
  return confidence > EQUIVALENCE_CONFIDENCE ? (half * q(EQUIVALENCE_CONFIDENCE)) / q(confidence) : half;
}
export const DEFAULT_CONFIDENCE = 0.98;

/** The repeats a side contributes: the first is dropped when there are ≥ 3 (warm-up bias). */
export function usableRepeats<T>(values: readonly T[], dropWarmup = true): T[] {
  return dropWarmup && values.length >= 3 ? values.slice(1) : [...values];
}

/** Plain numbers are repeats 1…n of one run. */
function toObservations(values: readonly (number | Observation)[]): Observation[] {
  return values.map((v, i) => (typeof v === "number" ? { value: v, index: i + 1, group: 0 } : v));
}

/** Why a cell whose sides ran different repeats per point is not judged without position offsets. */
export const PROTOCOLS_DIFFER = "not comparable as run: repeats per point differ";

/** Said when a side lost repeats to failures and the positions both sides have were compared. */
export const SAME_POSITIONS =
  "repeats lost to failures: the runs both sides have at this point compared, first run included";

/** Said when a launch that lost repeats (its warm-up run left alone) was set aside beside whole launches. */
export const LAUNCH_SET_ASIDE =
  "repeats lost to failures: a launch left with its warm-up run only is set aside, the whole launches compared";

/** Drops the first repeat of every run that has ≥ 3 (when positions cannot be corrected from history). */
function dropFirstPerRun(obs: Observation[]): Observation[] {
  return byLaunch(obs).flatMap((g) => (g[0]?.warmedUp ? g : usableRepeats(g)));
}

/** A side's repeats by launch (group), each in run order (merged blocks number runs on across launches). */
function byLaunch(obs: Observation[]): Observation[][] {
  const groups = new Map<number, Observation[]>();
  for (const o of obs) groups.set(o.group ?? 0, [...(groups.get(o.group ?? 0) ?? []), o]);
  return [...groups.values()].map((g) => [...g].sort((a, b) => a.index - b.index));
}

/** A launch of 1–2 repeats keeps its first (warm-up) run; ≥ 3 drop it (usableRepeats); one warmed up has none. */
const keepsWarmup = (obs: Observation[]): boolean => byLaunch(obs).some((g) => g.length < 3 && !g[0]?.warmedUp);

const sameIndexes = (a: Observation[], b: Observation[]): boolean =>
  a
    .map((o) => o.index)
    .sort()
    .join(",") ===
  b
    .map((o) => o.index)
    .sort()
    .join(",");

/** Decimal places of a value as printed (capped at 6); SGLang prints 2. */
function decimals(value: number): number {
  const text = String(value);
  if (/e/i.test(text)) return 6;
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : Math.min(6, text.length - dot - 1);
}

/**
 * Variance (per value, in log units) caused by rounding to the printed precision: a uniform error of
 * ± half a unit in the last place. SGLang prints two decimals, so the resolution is taken as at most
 * 0.01 even when a value parsed as an integer (`1.00` req/s → 1).
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
/** `+5.2%`, `-12%`: a change in % as the reasons print it. */
export const formatPct = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(Math.abs(x) < 10 ? 1 : 0)}%`;
const fmt = formatPct;

/**
 * The launch-level variance seen between the launches (groups) of each side: each launch's mean log
 * value spreads around its side's mean by σ²_run + σ²/r, so σ²_run = Σ(m_g − m_side)²/Σ(g − 1) − σ²/r̄
 * with Σ(g − 1) df (one-way random effects, pooled over the two sides). Undefined when neither side
 * has two launches.
 */
function blockLaunchVariance(
  baseObs: Observation[],
  candObs: Observation[],
  lb: number[],
  lc: number[],
  repeatVariance: number,
): { variance: number; df: number; launches: number } | undefined {
  let ss = 0;
  let df = 0;
  let launches = 0;
  let perLaunch = 0;
  let counted = 0;
  for (const [obs, logs] of [
    [baseObs, lb],
    [candObs, lc],
  ] as const) {
    const byGroup = new Map<number, number[]>();
    obs.forEach((o, i) => byGroup.set(o.group ?? 0, [...(byGroup.get(o.group ?? 0) ?? []), logs[i]!]));
    launches += byGroup.size;
    if (byGroup.size < 2) continue;
    const means = [...byGroup.values()].map(mean);
    const m = mean(means);
    ss += means.reduce((s, x) => s + (x - m) ** 2, 0);
    df += means.length - 1;
    perLaunch += [...byGroup.values()].reduce((s, g) => s + 1 / g.length, 0);
    counted += byGroup.size;
  }
  if (df === 0) return undefined;
  const avgInverseRepeats = perLaunch / counted;
  return { variance: Math.max(0, ss / df - repeatVariance * avgInverseRepeats), df, launches };
}

/**
 * The launch-level term under heavy tails. The learnt variance is a normal-equivalent robust scale
 * (median of squared night differences); real launch differences are scale · t(ν) in its units
 * (prior.ts, ν ≈ 1–2 on the real nightlies). A t(ν) variable is a normal whose variance is known
 * with ν degrees of freedom, so the tail enters as extra uncertainty of the launch variance: its df
 * combine as 1/df = 1/df_estimate + 1/ν (the two inverse-χ² factors multiply; their log-variances,
 * ~2/df each, add). Averaging m launches per side thins the tail (excess kurtosis falls as 1/m):
 * ν·m. Without a learnt tail nothing changes.
 */
function launchTail(
  fit: TailFit | undefined,
  launchesPerSide: number,
): { scale2: number; df: (estimateDf: number) => number; nu?: number } {
  if (!fit || !(fit.df > 0 && fit.scale > 0)) return { scale2: 1, df: (d) => d };
  // Below 1 (no finite mean) a t's far quantiles run past anything measured — a few odd nights
  // against an almost noiseless series fit df ≈ 0.5 and would leave nothing decidable — so 1 at least.
  const nu = Math.max(1, fit.df) * Math.max(1, launchesPerSide);
  return { scale2: fit.scale ** 2, df: (d) => 1 / (1 / d + 1 / nu), nu };
}

/**
 * Decides one cell from the repeats on each side. `better` is the metric's direction; a metric with no
 * direction is never called better or worse (at most `unchanged`).
 */
export function decideCell(
  baselineValues: readonly (number | Observation)[],
  candidateValues: readonly (number | Observation)[],
  better: Direction,
  opts: VerdictOptions = {},
): CellVerdict {
  const minEffect = opts.minEffectPct ?? DEFAULT_MIN_EFFECT_PCT;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  const valid = (o: Observation): boolean => Number.isFinite(o.value);
  const allBase = toObservations(baselineValues).filter(valid);
  const allCand = toObservations(candidateValues).filter(valid);
  const offsets = opts.history?.offsets;
  // With learnt position offsets covering every repeat, correct all repeats (warm-up included);
  // otherwise fall back to dropping the first of ≥ 3 repeats per run.
  const positioned = [...allBase, ...allCand].filter((o) => !o.warmedUp);
  const corrected =
    offsets !== undefined &&
    allBase.length > 0 &&
    allCand.length > 0 &&
    positioned.length > 0 &&
    positioned.every((o) => offsets[o.index] !== undefined);
  const keepAll = corrected || opts.dropWarmup === false;
  const baseObs = keepAll ? allBase : dropFirstPerRun(allBase);
  const candObs = keepAll ? allCand : dropFirstPerRun(allCand);
  // Runs of ≥ 3 repeats lose their first (warm-up) run, shorter ones keep it: a 3-repeat nightly
  // against a 1-repeat PR would set runs 2–3 against a first run (+70 % TTFT that is only the
  // warm-up), and run 1 against run 1 is no better (on the real Grok-2 nightlies a 3-repeat night's
  // run 1 at rate 4 is 359 ms TTFT, a 1-repeat night's 213). Without offsets to correct them: ❔.
  const firstDiffers = !keepAll && keepsWarmup(allBase) !== keepsWarmup(allCand);
  if (firstDiffers && opts.sameProtocol) {
    // A launch that lost repeats kept its warm-up run: set aside when its side has launches that
    // did not; otherwise (one launch a side) run 1 against run 1, warm-up included on both.
    const [b, c] = [allBase, allCand].map((obs) =>
      byLaunch(obs)
        .filter((g) => g.length >= 3)
        .flatMap((g) => usableRepeats(g)),
    ) as [Observation[], Observation[]];
    const [pb, pc] = [allBase, allCand].map((obs) =>
      byLaunch(obs).flatMap((g) => g.map((o, k) => ({ ...o, index: k + 1 }))),
    ) as [Observation[], Observation[]];
    const shared = (obs: Observation[], other: Observation[]): Observation[] =>
      obs.filter((o) => other.some((x) => x.index === o.index));
    if (b.length > 0 && c.length > 0) {
      const v = decideCell(b, c, better, { ...opts, dropWarmup: false });
      return { ...v, reason: `${v.reason}; ${LAUNCH_SET_ASIDE}` };
    }
    const v = decideCell(shared(pb, pc), shared(pc, pb), better, { ...opts, dropWarmup: false });
    return { ...v, reason: `${v.reason}; ${SAME_POSITIONS}` };
  }
  if (firstDiffers) {
    const runs = (obs: Observation[]): number => Math.max(...byLaunch(obs).map((g) => g.length));
    return {
      verdict: "inconclusive",
      change_pct: (mean(allCand.map((o) => o.value)) / mean(allBase.map((o) => o.value)) - 1) * 100,
      interval: null,
      reason: `${PROTOCOLS_DIFFER}: main ran ${runs(allBase)} repeat(s) here, the PR ${runs(allCand)}, and a first run is slower in one protocol than the other — ${
        (opts.history?.df ?? 0) > 0
          ? "the history learnt no offset for every position here (too few nights of the baseline's protocol in its regime)"
          : "earlier nights given as history would give the position offsets that correct it"
      }`,
      used: { baseline: allBase.map((o) => o.value), candidate: allCand.map((o) => o.value) },
      df: 0,
    };
  }
  const base = baseObs.map((o) => o.value);
  const cand = candObs.map((o) => o.value);
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
  const shift = (o: Observation): number => (corrected && !o.warmedUp ? (offsets?.[o.index] ?? 0) : 0);
  const lb = baseObs.map((o) => Math.log(o.value) - shift(o));
  const lc = candObs.map((o) => Math.log(o.value) - shift(o));
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
  const groups = (obs: Observation[]): number => new Set(obs.map((o) => o.group ?? 0)).size;
  // Launch-level noise: from history (or the built-in prior), and from the spread between the
  // launches (blocks) of each side when a side has several (compare-pr's interleaved main/PR blocks).
  const blocks = opts.sameRun ? undefined : blockLaunchVariance(baseObs, candObs, lb, lc, df > 0 ? ss / df : 0);
  const histRunVar = opts.sameRun ? 0 : (opts.history?.runVariance ?? 0);
  const histRunDf = opts.sameRun ? 0 : (opts.history?.runDf ?? 0);
  const runDf = histRunDf + (blocks?.df ?? 0);
  const runVar = runDf > 0 ? (histRunVar * histRunDf + (blocks ? blocks.variance * blocks.df : 0)) / runDf : 0;
  const unknownWhy = opts.historyGiven
    ? "the history holds no earlier night of this series' regime and protocol, and the built-in prior has none for it"
    : "no history, no built-in prior";
  const passHistory = opts.historyGiven ? "" : " — pass earlier runs as history";
  const unknown = (what: string, hint = passHistory): CellVerdict => ({
    verdict: "inconclusive",
    change_pct: change,
    interval: null,
    reason: `PR vs main ${fmt(change)}: ${what}${hint}`,
    used,
    df: 0,
  });
  // One launch (the same run read twice) with one repeat a side: no spread at all, whatever is known.
  if (df === 0 && opts.sameRun) return unknown("one repeat of one launch a side: no spread to judge by", "");
  if (df === 0 && !(runVar > 0 && runDf > 0)) return unknown(`noise unknown (${unknownWhy})`);
  // Main and PR are separate launches: their repeats alone cannot show how far launches differ (a
  // whole launch at ~115 or ~135 ms on DeepSeek's P99 TTFT at concurrency 1). Without any source of
  // that spread — history, the built-in prior, or several launches a side — nothing is judged.
  if (!opts.sameRun && runDf === 0)
    return unknown(`noise between launches unknown (${unknownWhy}); the repeats of one launch do not show it`);
  const quantisation = quantisationVariance([...base, ...cand]);
  const s2 = df > 0 ? Math.max(ss / df, quantisation) : quantisation;
  // Correcting different positions on the two sides adds the offsets' own uncertainty (~2σ²/nights).
  const offsetVar =
    corrected && !sameIndexes(baseObs, candObs) ? (2 * s2) / Math.max(1, opts.history?.offsetNights ?? 1) : 0;
  const repeatPart = s2 * (1 / lb.length + 1 / lc.length) + offsetVar;
  // Each side's level also moves from launch to launch (run-to-run noise), once per run it pools,
  // and drifts slowly: launches nights apart differ by more (drift.ts).
  const runs = 1 / groups(baseObs) + 1 / groups(candObs);
  // The drift's extra over a night apart, on the whole level variance its share was fitted on.
  const driftExtra =
    (driftWeight(baseObs, candObs, opts.sameRun ? undefined : opts.history?.launchDrift) - runs) *
    (opts.history?.levelVariance ?? runVar);
  const drifted = driftExtra > 0;
  const fewestLaunches = Math.min(groups(baseObs), groups(candObs));
  const tail = launchTail(opts.history?.launchTail, fewestLaunches);
  // The tail describes whole launch levels (repeats included): when history explains the nights'
  // spread by repeat noise alone (launch part clipped to 0), an odd launch must still be covered.
  const levelPart =
    tail.nu !== undefined && !opts.sameRun ? (opts.history?.levelVariance ?? 0) * runs * tail.scale2 : 0;
  const runPart = Math.max(runVar * runs * tail.scale2, levelPart - repeatPart) + driftExtra * tail.scale2;
  const shared = opts.history?.sharedRunVariance;
  const sharedPart = shared === undefined ? runPart : (Math.min(runVar, shared) * runs + driftExtra) * tail.scale2;
  const se = Math.sqrt(repeatPart + runPart);
  const dfTotal = satterthwaiteDf([
    { variance: repeatPart, df: df > 0 ? df : Infinity },
    { variance: runPart, df: tail.df(runDf > 0 ? runDf : Infinity) },
  ]);
  const repeatDf = df > 0 ? df : Infinity;
  df = Number.isFinite(dfTotal) ? dfTotal : Math.max(df, runDf, 1);
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  const fromHistory = (opts.history?.df ?? 0) > 0 || runPart > 0;
  const launch = [
    opts.history?.runPriorDf ? "run-to-run pooled over points" : "run-to-run",
    opts.history?.priorSource && histRunDf > 0 ? `prior ${opts.history.priorSource}` : "",
    blocks ? `${blocks.launches} launches` : "",
    tail.nu !== undefined ? `heavy-tailed between launches, t df ${tail.nu.toFixed(1)}` : "",
    drifted ? `slow drift over ${nightsBetween(baseObs, candObs)} nights` : "",
  ].filter(Boolean);
  const positions = corrected ? ", positions corrected" : "";
  const source = fromHistory
    ? `${(opts.history?.df ?? 0) > 0 ? "repeats+history" : "repeats"}${positions}${runPart > 0 ? `, ${launch.join(", ")}` : ""}`
    : `repeats only${positions}`;
  const j = judge(diff, half, better, minEffect, equivalenceHalf(half, df, confidence));
  // Say what would help: with one launch on a side an odd launch cannot be told from a change.
  if (j.verdict === "inconclusive" && j.why === TOO_WIDE && tail.nu !== undefined && fewestLaunches === 1)
    j.why = TOO_WIDE_ONE_LAUNCH;
  const evidence = `PR vs main ${formatEvidence(j)} (${Math.round(confidence * 100)}%, df ${Math.round(df)}, ${source})`;
  return {
    verdict: j.verdict,
    change_pct: j.change_pct,
    interval: j.interval,
    reason: j.why ? `${evidence}: ${j.why}` : evidence,
    ...(j.equivalence ? { equivalence: j.equivalence } : {}),
    ...(corrected ? { positionsCorrected: true } : {}),
    used,
    df,
    evidence: {
      logChange: diff,
      repeatVariance: repeatPart,
      repeatDf,
      runVariance: runPart,
      runDf: tail.df(runDf > 0 ? runDf : Infinity),
      sharedRunVariance: sharedPart,
      // A night off on every point is the heavy tail itself: the shared part carries it too.
      sharedRunDf: opts.history?.sharedRunDf === undefined ? undefined : tail.df(opts.history.sharedRunDf),
    },
  };
}
