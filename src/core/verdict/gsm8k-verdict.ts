/**
 * The GSM8K accuracy verdict. Every run asks the same 1 319 questions, so five runs of one launch are
 * five repeated measurements of one accuracy, not 5 × 1 319 independent answers: their binomial
 * interval was 2.3–5× wider than the real night-to-night spread and missed a real 0.926 → 0.905 drop.
 *
 * - A launch's level is the mean of its runs. Its noise: the runs' own spread ÷ runs plus a
 *   launch-level part of sd 0.002 (the real DeepSeek nightlies' night-to-night sd), pooled by degrees
 *   of freedom with the spread of launch levels in history (same hardware/model/suite/mode, ≥ 3
 *   launches; robust to broken nights), adjusted to each launch's number of runs.
 * - 🔴/🟢 when every PR run lies below (above) every main run, the difference exceeds that spread
 *   (t interval at the comparison's confidence excludes 0) and reaches the minimum change (default 1 point).
 * - The model's accuracy floor (catalogue, or `--gsm8k-min-accuracy`) is applied with the same noise:
 *   a PR average credibly below it (one-sided bound at the comparison's confidence) is 🔴 unless main
 *   is credibly below it too; a PR average under the floor but within noise of it is ❔. Real Grok-2
 *   MI355X nights sit at 0.914–0.931 around a 0.92 floor: a plain `average < floor` test flagged a
 *   typical night pair in three. When both sides are below the floor, a drop beyond noise is still 🔴.
 * - A run far from its launch's other runs (real: 0.810 among four at 0.938–0.939) makes the cell ❔
 *   when nothing else decides it: one broken run is not a level, but it is not nothing either.
 * - Anything else is ⚪: accuracy moves inside its noise are expected.
 */
import { runScope } from "./noise.js";
import type { RunResults } from "../results/index.js";
import { mean, median, tQuantile } from "./stats.js";
import type { Verdict } from "./verdict.js";

/** Night-to-night sd of the launch average on the real DeepSeek MI300X nightlies (Oct–Nov 2025). */
export const GSM8K_MIN_LAUNCH_SD = 0.002;
/** What the 0.002 launch sd is worth against a history's spread, in degrees of freedom. */
const PRIOR_DF = 4;
/** Smallest accuracy change (absolute) worth a 🔴/🟢 by default: one point. */
export const DEFAULT_GSM8K_MIN_CHANGE = 0.01;

/** One launch's GSM8K runs (accuracies 0–1) and the questions each asked, when known. */
export interface Gsm8kLaunch {
  accuracies: number[];
  numQuestions?: number;
}

/** The spread of launch levels learnt from history. */
export interface Gsm8kSpread {
  /** Variance of a launch's average accuracy between launches. */
  variance: number;
  df: number;
  launches: number;
  /** Run-to-run variance inside a history launch (robust), and the runs a history launch had (median). */
  runVariance?: number;
  runsPerLaunch?: number;
}

/** Tuning of {@link decideGsm8k}. */
export interface Gsm8kVerdictOptions {
  confidence: number;
  /** Absolute accuracy change below which nothing is flagged (default 0.01). */
  minChange?: number;
  /** The floor and where it came from (`catalogue`, `--gsm8k-min-accuracy`). */
  floor?: { value: number; source: string };
  spread?: Gsm8kSpread;
}

export interface Gsm8kJudgement {
  verdict: Verdict;
  change_pct: number;
  interval: [number, number];
  reason: string;
}

/** A run's launch level: the mean of its accuracies (runs that printed nothing count as absent). */
const level = (launch: Gsm8kLaunch): number => mean(launch.accuracies);

/** A run's GSM8K accuracies by launch: a log appended over two launches holds two (each run's `launch`). */
export function launchAccuracies(run: RunResults): number[][] {
  const byLaunch = new Map<number, number[]>();
  for (const x of run.gsm8k?.runs ?? [])
    byLaunch.set(x.launch ?? 0, [...(byLaunch.get(x.launch ?? 0) ?? []), x.accuracy]);
  return [...byLaunch.values()];
}

/**
 * The spread of launch levels over history runs of the same hardware/model/suite/mode as `like`,
 * robust to the broken or regressed nights history holds (real DeepSeek nights at 0.856 and 0.011
 * among 0.934–0.942): 1.4826 × the median absolute deviation, with the df of a MAD (≈ 37 % of n − 1).
 * Undefined with fewer than three launches.
 */
export function gsm8kHistorySpread(history: readonly RunResults[], like: RunResults): Gsm8kSpread | undefined {
  const scope = JSON.stringify(runScope(like));
  const launches = history
    .filter((r) => JSON.stringify(runScope(r)) === scope)
    .flatMap((r) => launchAccuracies(r).map((accs) => accs.filter((a) => a > 0)))
    .filter((accs) => accs.length > 0);
  if (launches.length < 3) return undefined;
  const levels = launches.map((accs) => mean(accs));
  const mid = median(levels);
  const mad = median(levels.map((v) => Math.abs(v - mid)));
  const runMad = robustRunSd(launches);
  return {
    variance: (1.4826 * mad) ** 2,
    df: Math.max(2, 0.37 * (levels.length - 1)),
    launches: levels.length,
    ...(runMad !== undefined ? { runVariance: runMad ** 2 } : {}),
    runsPerLaunch: median(launches.map((accs) => accs.length)),
  };
}

/**
 * The sd of runs around their launch's median, pooled over launches of ≥ 3 runs: 1.4826 × the median
 * absolute deviation, so one broken run (0.810 among 0.938s) does not set it. Undefined without such launches.
 */
function robustRunSd(launches: readonly (readonly number[])[]): number | undefined {
  const deviations = launches
    .filter((accs) => accs.length >= 3)
    .flatMap((accs) => {
      const mid = median(accs);
      return accs.map((a) => Math.abs(a - mid));
    });
  return deviations.length > 0 ? 1.4826 * median(deviations) : undefined;
}

/** Within-launch run-to-run variance pooled over both sides' launches, with its df. */
function runSpread(launches: readonly Gsm8kLaunch[]): { variance: number; df: number } {
  let ss = 0;
  let df = 0;
  for (const l of launches) {
    if (l.accuracies.length < 2) continue;
    const m = level(l);
    ss += l.accuracies.reduce((s, a) => s + (a - m) ** 2, 0);
    df += l.accuracies.length - 1;
  }
  return { variance: df > 0 ? ss / df : 0, df };
}

const pct = (diff: number, base: number): number => (base > 0 ? (diff / base) * 100 : 0);

/** Decides the GSM8K cell from each side's launches (both non-empty, accuracies non-empty). */
export function decideGsm8k(
  baseline: readonly Gsm8kLaunch[],
  candidate: readonly Gsm8kLaunch[],
  opts: Gsm8kVerdictOptions,
): Gsm8kJudgement {
  const bRuns = baseline.flatMap((l) => l.accuracies);
  const cRuns = candidate.flatMap((l) => l.accuracies);
  const pb = mean(baseline.map(level));
  const pc = mean(candidate.map(level));
  const diff = pc - pb;
  const within = runSpread([...baseline, ...candidate]);
  // A launch average of n runs carries the runs' spread ÷ n plus a launch-level part: the real
  // nightlies' 0.002 sd (worth 4 df), pooled with the history's spread when there is one (whose launch
  // averages hold both, for its own number of runs: a one-run launch against five-run history nights
  // adds 4/5 of a run's variance). Pooling keeps four history nights (2 df) from judging more
  // loosely than no history at all; a long history outweighs the constant.
  const spread = opts.spread;
  const runVar = within.df > 0 ? within.variance : (spread?.runVariance ?? 0);
  const priorVar = (n: number): number => runVar / n + GSM8K_MIN_LAUNCH_SD ** 2;
  const launchVarOf = (n: number): number => {
    if (!spread) return priorVar(n);
    const learnt = Math.max(
      spread.variance + runVar * (1 / n - 1 / (spread.runsPerLaunch ?? n)),
      runVar / n,
      (GSM8K_MIN_LAUNCH_SD / 2) ** 2,
    );
    // The constant lends a short history degrees of freedom, never a smaller spread than its own
    // (Grok-2's launch sd is nearer 0.004 than DeepSeek's 0.002).
    return Math.max(learnt, (PRIOR_DF * priorVar(n) + spread.df * learnt) / (PRIOR_DF + spread.df));
  };
  /** Variance of a side's level (the mean of its launch averages). */
  const sideVar = (side: readonly Gsm8kLaunch[]): number =>
    side.reduce((s, l) => s + launchVarOf(l.accuracies.length), 0) / side.length ** 2;
  const all = [...baseline, ...candidate];
  const launchVar = mean(all.map((l) => launchVarOf(l.accuracies.length)));
  const df = spread ? spread.df + PRIOR_DF : Math.max(within.df, PRIOR_DF);
  const se = Math.sqrt(sideVar(baseline) + sideVar(candidate));
  const half = tQuantile(1 - (1 - opts.confidence) / 2, df) * se;
  const interval: [number, number] = [pct(diff - half, pb), pct(diff + half, pb)];
  const change = pct(diff, pb);
  // Each side's question count; sides that asked different counts are said as such.
  const asked = (side: readonly Gsm8kLaunch[]): number | undefined => side.find((l) => l.numQuestions)?.numQuestions;
  const [qb, qc] = [asked(baseline), asked(candidate)];
  const questions = qb && qc && qb !== qc ? `${qb} vs ${qc}` : (qb ?? qc);
  const noise = opts.spread
    ? `launch sd ${Math.sqrt(launchVar).toFixed(4)} from ${opts.spread.launches} launches in history pooled with the nightlies' typical ${GSM8K_MIN_LAUNCH_SD}`
    : `launch sd ${Math.sqrt(launchVar).toFixed(4)} from the runs' spread + ${GSM8K_MIN_LAUNCH_SD}, none from history (it needs 3 GSM8K nights of the baseline's regime)`;
  const floorNote = opts.floor ? `; floor ${opts.floor.value} (${opts.floor.source})` : "";
  const runsOf = (n: number, side: readonly Gsm8kLaunch[]): string =>
    side.length > 1 ? `${n} runs in ${side.length} launches` : `${n}`;
  const evidence = `accuracy ${pb.toFixed(3)} → ${pc.toFixed(3)} (${runsOf(bRuns.length, baseline)} vs ${runsOf(cRuns.length, candidate)} runs${questions ? ` of ${questions} questions` : ""}; ${noise}${floorNote})`;
  const result = (verdict: Verdict, why: string): Gsm8kJudgement => ({
    verdict,
    change_pct: change,
    interval,
    reason: `${evidence}: ${why}`,
  });
  const floor = opts.floor?.value;
  // One-sided bound on a side's level: is it credibly under the floor, not just nominally?
  const tOne = tQuantile(opts.confidence, df);
  const credibly = (p: number, side: readonly Gsm8kLaunch[]): boolean =>
    floor !== undefined && p + tOne * Math.sqrt(sideVar(side)) < floor;
  const prBelow = credibly(pc, candidate);
  const mainBelow = credibly(pb, baseline);
  if (prBelow && !mainBelow) return result("regressed", `below the ${floor} threshold`);
  const minChange = opts.minChange ?? DEFAULT_GSM8K_MIN_CHANGE;
  const beyondNoise = Math.abs(diff) > half;
  const allBelow = Math.max(...cRuns) < Math.min(...bRuns);
  const allAbove = Math.min(...cRuns) > Math.max(...bRuns);
  const separated = beyondNoise && Math.abs(diff) >= minChange && (diff < 0 ? allBelow : allAbove);
  // Below the floor on both sides: a further drop is still 🔴, a rise that stays below it is no 🟢.
  if (prBelow && !(separated && diff < 0)) return result("inconclusive", `below the ${floor} threshold on both sides`);
  if (separated) {
    return result(
      diff < 0 ? "regressed" : "improved",
      `every PR run ${diff < 0 ? "below" : "above"} every main run, beyond the launch-to-launch spread${floor !== undefined && pc < floor ? ` (below the ${floor} threshold)` : ""}`,
    );
  }
  const runSd = robustRunSd(all.map((l) => l.accuracies));
  const odd =
    runSd === undefined ? undefined : (outlierRun(baseline, "main", runSd) ?? outlierRun(candidate, "PR", runSd));
  if (odd) return result("inconclusive", odd);
  if (floor !== undefined && pc < floor)
    return result("inconclusive", `${pc.toFixed(3)} is under the ${floor} threshold but within the noise of it`);
  const why = !beyondNoise
    ? "within the launch-to-launch spread"
    : Math.abs(diff) < minChange
      ? `below the ${minChange} minimum change`
      : "the runs of the two sides overlap";
  return result("unchanged", why);
}

/**
 * A run far from its launch's other runs: further from the launch median than 5 robust sds of runs
 * around their launch medians (both sides pooled), and at least a point. Repeated runs of one server
 * agree within about ±0.005 on the real DeepSeek and Grok-2 nights; Grok-1's spread is wider.
 */
function outlierRun(launches: readonly Gsm8kLaunch[], side: string, runSd: number): string | undefined {
  const limit = Math.max(5 * runSd, DEFAULT_GSM8K_MIN_CHANGE);
  for (const l of launches.filter((x) => x.accuracies.length >= 3)) {
    const mid = median(l.accuracies);
    const far = l.accuracies.find((a) => Math.abs(a - mid) > limit);
    if (far !== undefined)
      return `a ${side} run at ${far.toFixed(3)} is far from its launch's other runs (median ${mid.toFixed(3)}): one broken run`;
  }
  return undefined;
}
