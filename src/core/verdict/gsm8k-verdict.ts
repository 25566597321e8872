/**
 * The GSM8K accuracy verdict. Every run asks the same 1 319 questions, so five runs of one launch are
 * five repeated measurements of one accuracy, not 5 × 1 319 independent answers: their binomial
 * interval was 2.3–5× wider than the real night-to-night spread and missed a real 0.926 → 0.905 drop.
 *
 * - A launch's level is the mean of its runs. Its noise is the spread of launch levels in history
 *   (same hardware/model/suite, ≥ 3 launches), never below the runs' own spread ÷ runs; without
 *   history, that plus a launch-level part of sd 0.002 (the real DeepSeek nightlies' night-to-night sd).
 * - 🔴/🟢 when every PR run lies below (above) every main run, the difference exceeds that spread
 *   (t interval at the comparison's confidence excludes 0) and reaches the minimum change (default 1 point).
 * - The model's accuracy floor (catalogue, or `--gsm8k-min-accuracy`) is applied on its own: a PR
 *   average below it is 🔴 (❔ when main is below it too).
 * - Anything else is ⚪: accuracy moves inside its noise are expected.
 */
import { runScope } from "./noise.js";
import type { RunResults } from "../results/index.js";
import { mean, median, tQuantile } from "./stats.js";
import type { Verdict } from "./verdict.js";

/** Night-to-night sd of the launch average on the real DeepSeek MI300X nightlies (Oct–Nov 2025). */
export const GSM8K_MIN_LAUNCH_SD = 0.002;
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

/**
 * The spread of launch levels over history runs of the same hardware/model/suite/mode as `like`,
 * robust to the broken or regressed nights history holds (real DeepSeek nights at 0.856 and 0.011
 * among 0.934–0.942): 1.4826 × the median absolute deviation, with the df of a MAD (≈ 37 % of n − 1).
 * Undefined with fewer than three launches.
 */
export function gsm8kHistorySpread(history: readonly RunResults[], like: RunResults): Gsm8kSpread | undefined {
  const scope = JSON.stringify(runScope(like));
  const levels = history
    .filter((r) => JSON.stringify(runScope(r)) === scope)
    .map((r) => (r.gsm8k?.runs ?? []).map((x) => x.accuracy).filter((a) => a > 0))
    .filter((accs) => accs.length > 0)
    .map((accs) => mean(accs));
  if (levels.length < 3) return undefined;
  const mid = median(levels);
  const mad = median(levels.map((v) => Math.abs(v - mid)));
  return {
    variance: (1.4826 * mad) ** 2,
    df: Math.max(2, 0.37 * (levels.length - 1)),
    launches: levels.length,
  };
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
  // A launch average carries its runs' spread ÷ runs, plus a launch-level part: learnt from history
  // (whose launch averages include both), else the real nightlies' 0.002 sd.
  const runs = mean([...baseline, ...candidate].map((l) => l.accuracies.length));
  const fromRuns = within.variance / runs;
  const launchVar = opts.spread
    ? Math.max(opts.spread.variance, fromRuns, (GSM8K_MIN_LAUNCH_SD / 2) ** 2)
    : fromRuns + GSM8K_MIN_LAUNCH_SD ** 2;
  const df = opts.spread ? opts.spread.df : Math.max(within.df, 4);
  const se = Math.sqrt(launchVar * (1 / baseline.length + 1 / candidate.length));
  const half = tQuantile(1 - (1 - opts.confidence) / 2, df) * se;
  const interval: [number, number] = [pct(diff - half, pb), pct(diff + half, pb)];
  const change = pct(diff, pb);
  const questions = [...baseline, ...candidate].find((l) => l.numQuestions)?.numQuestions;
  const noise = opts.spread
    ? `launch sd ${Math.sqrt(launchVar).toFixed(4)} from ${opts.spread.launches} launches in history`
    : `launch sd ${Math.sqrt(launchVar).toFixed(4)} from the runs' spread + ${GSM8K_MIN_LAUNCH_SD}, no history`;
  const floorNote = opts.floor ? `; floor ${opts.floor.value} (${opts.floor.source})` : "";
  const evidence = `accuracy ${pb.toFixed(3)} → ${pc.toFixed(3)} (${bRuns.length} vs ${cRuns.length} runs${questions ? ` of ${questions} questions` : ""}; ${noise}${floorNote})`;
  const result = (verdict: Verdict, why: string): Gsm8kJudgement => ({
    verdict,
    change_pct: change,
    interval,
    reason: `${evidence}: ${why}`,
  });
  const floor = opts.floor?.value;
  if (floor !== undefined && pc < floor) {
    return pb < floor
      ? result("inconclusive", `below the ${floor} threshold on both sides`)
      : result("regressed", `below the ${floor} threshold`);
  }
  const minChange = opts.minChange ?? DEFAULT_GSM8K_MIN_CHANGE;
  const beyondNoise = Math.abs(diff) > half;
  const allBelow = Math.max(...cRuns) < Math.min(...bRuns);
  const allAbove = Math.min(...cRuns) > Math.max(...bRuns);
  if (beyondNoise && Math.abs(diff) >= minChange && (diff < 0 ? allBelow : allAbove)) {
    return result(
      diff < 0 ? "regressed" : "improved",
      `every PR run ${diff < 0 ? "below" : "above"} every main run, beyond the launch-to-launch spread`,
    );
  }
  const why = !beyondNoise
    ? "within the launch-to-launch spread"
    : Math.abs(diff) < minChange
      ? `below the ${minChange} minimum change`
      : "the runs of the two sides overlap";
  return result("unchanged", why);
}
