/**
 * History by regime for a comparison: the verdict stage cuts history at metadata changes (host,
 * ROCm, release line, protocol) and, with a detector, at level shifts; the detector is the trends
 * stage's changepoint finder (wired here because trends itself uses the verdict stage's statistics).
 */
import { findChangepoints } from "../core/trends/index.js";
import { baselineRegime, type ChangeDetector, type RegimeHistory } from "../core/verdict/index.js";
import type { RunResults } from "../core/results/index.js";

/** sglbench's own changepoint detection as a regime cutter: the nights where a new level starts. */
export const changepointDetector: ChangeDetector = (nights, metric) =>
  findChangepoints(nights, { metric }).map((c) => c.index);

/** The history the baseline's noise is learnt from: its regime in each of its series. */
export function regimeHistory(history: readonly RunResults[], baseline: readonly RunResults[]): RegimeHistory {
  return baselineRegime(history, baseline, changepointDetector);
}
