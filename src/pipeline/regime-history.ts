/**
 * History by regime for a comparison: the verdict stage cuts history at metadata changes (host,
 * ROCm, release line, protocol) and, with a detector, at level shifts; the detector is the trends
 * stage's changepoint finder (wired here because trends itself uses the verdict stage's statistics).
 */
import { findChangepoints } from "../core/trends/index.js";
import {
  baselineRegime,
  isApart,
  nightApart,
  runScope,
  scopeKey,
  type ChangeDetector,
  type RegimeHistory,
} from "../core/verdict/index.js";
import { configHashOf } from "./baseline.js";
import { MAX_BASELINE_COMPANIONS } from "../core/plan/index.js";
import type { RunResults } from "../core/results/index.js";

/** sglbench's own changepoint detection as a regime cutter: the nights where a new level starts. */
export const changepointDetector: ChangeDetector = (nights, metric, minSegment) =>
  findChangepoints(nights, { metric, ...(minSegment ? { minSegment } : {}) }).map((c) => c.index);

/** The history the baseline's noise is learnt from: its regime in each of its series. */
export function regimeHistory(history: readonly RunResults[], baseline: readonly RunResults[]): RegimeHistory {
  return baselineRegime(history, baseline, changepointDetector);
}

const nightOf = (run: RunResults): string => run.date ?? "";

/**
 * The nightlies that stand beside a reused baseline as more launches of main: runs of the baseline's
 * series (hardware, model, suite, mode, set-up) in its regime — same host, ROCm, release line and
 * protocol, no level shift between them — older than it, complete, newest first. Launches of main
 * differ by odd nights (5–24 % of the real nightlies' launches are off by 2–8 %); with one launch an
 * odd baseline passes for a change of the PR, with three the spread between them is measured and an
 * odd one is averaged down (on the real nightlies ×1.10 caught 85 % instead of 67 % for one PR
 * launch, 90 % instead of 82 % for two, at the same false-alarm rate; docs/verdicts.md). Their
 * commits are older than the merge base: within a quiet regime the nightlies measure alike, which is
 * what the regime cut checks.
 */
export function regimeCompanions(
  history: readonly RunResults[],
  baseline: RunResults,
  max = MAX_BASELINE_COMPANIONS,
): RunResults[] {
  const scope = scopeKey(runScope(baseline));
  const night = nightOf(baseline);
  if (!/^\d{8}$/.test(night)) return [];
  const series = history.filter(
    (r) =>
      r !== baseline &&
      nightOf(r) !== night &&
      scopeKey(runScope(r)) === scope &&
      configHashOf(r) === configHashOf(baseline) &&
      r.backend === baseline.backend,
  );
  const regime = regimeHistory([...series, baseline], [baseline]).runs;
  return regime
    .filter((r) => r !== baseline && nightOf(r) < night && r.points.length > 0 && r.points.every((p) => !p.failure))
    .sort((a, b) => nightOf(b).localeCompare(nightOf(a)))
    .slice(0, max);
}

/**
 * The companions that join a reused baseline the anchor reproduced, and why any stay out:
 * - none when the baseline sits at a level of its own against them (nightApart over every cell): a
 *   step on the merge base's own night, one night of a new level the detector (≥ 2 nights a level)
 *   cannot cut yet — the older nightlies measure the old level, and an unchanged PR would read as the
 *   step (DeepSeek 11-21, +40 %: 35 🔴 with them, 40 ⚪ without);
 * - not those the anchor does not reproduce (`unlike`): main today measures at another level than
 *   they did — one companion is enough to tell, where nightApart needs two.
 * `stepConfirmed`: the anchor reproduces none of them.
 */
export function companionsOf(
  baseline: RunResults,
  found: readonly RunResults[],
  unlike: readonly RunResults[],
): { companions: RunResults[]; alone?: string; stepConfirmed: boolean } {
  const dates = (runs: readonly RunResults[]) => runs.map(nightOf).join(", ");
  // Every earlier nightly unlike main today, by the anchor itself: the step is the merge base's, so
  // the nights before it are another regime — the caller learns the baseline's noise without them.
  const stepConfirmed = found.length > 0 && unlike.length === found.length;
  const apart = nightApart(baseline, found);
  if (isApart(apart))
    return {
      companions: [],
      alone: `its night is off the level of the earlier nightlies of its regime (${dates(found)}) in ${apart.apart} of ${apart.cells} cells, and the anchor reproduced it: a step on the merge base's night, so main is its one launch`,
      stepConfirmed,
    };
  if (unlike.length === 0) return { companions: [...found], stepConfirmed };
  return {
    companions: found.filter((r) => !unlike.includes(r)),
    alone: `the anchor does not reproduce the earlier nightl${unlike.length === 1 ? "y" : "ies"} of ${dates(unlike)}: ${stepConfirmed ? "a step on the merge base's night, so main is its one launch and the nights before it are not learnt from" : "left out as launches of main"}`,
    stepConfirmed,
  };
}
