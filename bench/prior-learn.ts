/**
 * Learning the built-in noise prior from nightly runs (used by scripts/learn-prior-noise.ts to write
 * src/core/verdict/prior-noise.json, and by bench/verdicts-launch.ts for leave-one-series-out): the
 * learning itself is src/core/verdict/prior-learn.ts, here with sglbench's changepoint detector.
 * Method: see the script's header and src/core/verdict/prior.ts.
 */
import { pointKey, type RunResults } from "../src/core/results/index.js";
import { COMPARED_METRICS } from "../src/core/catalogue/index.js";
import {
  dedupeRuns,
  learnPrior as learnPriorWith,
  runLevel,
  runRegimeKey,
  stepsPerCell as cellSteps,
  type CellSteps,
  type PriorData,
} from "../src/core/verdict/index.js";
import { changepointDetector } from "../src/pipeline/regime-history.js";
import { findChangepoints } from "../src/core/trends/index.js";

export { dedupeRuns };

/** Learns the prior from nightly runs (any number of series), levels cut by sglbench's detector. */
export function learnPrior(runs: readonly RunResults[], source: string): PriorData {
  return learnPriorWith(runs, source, changepointDetector);
}

/**
 * Each cell's own persistent steps with hindsight (src/core/verdict/launch-tails.ts), by sglbench's
 * detector — and the steps it cannot see because a level held only 2 nights (its alerts ask 3 on
 * either side): DeepSeek concurrency 64 ITL 108.9, 108.8, then 121.7 and 5 nights alike on
 * v0.5.6.post1 is a step on its third night, not an A/A pair. Such a short level counts only when
 * every night on either side sits nearer its own level than the other's (an odd night followed by a
 * step is no level of two).
 */
export function stepsPerCell(nights: readonly RunResults[]): CellSteps {
  const steps = cellSteps(nights, changepointDetector);
  const short = cellSteps(nights, (n, metric) => findChangepoints(n, { metric, minSegment: 2 }).map((c) => c.index));
  for (const [cell, found] of short) {
    const [key, metric] = cell.split("|") as [string, string];
    const cuts = [...found.keys()].sort((a, b) => a - b);
    const levels = (from: number, to: number): number[] =>
      nights
        .slice(from, to)
        .map((r) => runLevel(r, key, metric)?.level)
        .filter((l): l is number => l !== undefined);
    cuts.forEach((at, n) => {
      if (steps.get(cell)?.has(at)) return;
      const { before, after } = found.get(at)!;
      const [b, a] = [Math.log(before), Math.log(after)];
      const nearer = (own: number, other: number) => (l: number) => Math.abs(l - own) < Math.abs(l - other);
      const separated =
        levels(cuts[n - 1] ?? 0, at).every(nearer(b, a)) &&
        levels(at, cuts[n + 1] ?? nights.length).every(nearer(a, b));
      if (separated) steps.set(cell, new Map([...(steps.get(cell) ?? []), [at, { before, after }]]));
    });
  }
  for (const [cell, found] of protocolStartSteps(nights)) {
    const known = steps.get(cell) ?? new Map();
    for (const [at, step] of found) if (!known.has(at)) known.set(at, step);
    steps.set(cell, known);
  }
  return steps;
}

/**
 * A night alone at its level at the start of a protocol stretch (its repeats per point differ from
 * the night before: the first 1-repeat night, Grok-2 2025-11-12), then a level that holds for ≥ 3
 * nights: the detector asks ≥ 2 nights a level, and the night before the stretch ran another protocol,
 * so the step on the stretch's second night is seen by neither. It is a step (≥ 5 %, every later
 * night of the stretch nearer its new level than the first night), not an A/A pair.
 */
function protocolStartSteps(nights: readonly RunResults[]): CellSteps {
  const starts = nights.map((r, i) => i === 0 || runRegimeKey(r).repeats !== runRegimeKey(nights[i - 1]!).repeats);
  const keys = new Set(nights.flatMap((r) => r.points.map((p) => pointKey(p.point))));
  const out: CellSteps = new Map();
  for (let at = 1; at < nights.length; at++) {
    if (!starts[at - 1] || starts[at]) continue;
    const end = starts.findIndex((s, i) => i > at && s);
    const stretch = nights.slice(at, end < 0 ? nights.length : end);
    if (stretch.length < 3) continue;
    for (const key of keys) {
      for (const m of COMPARED_METRICS) {
        if (m.better === "none") continue;
        const first = runLevel(nights[at - 1]!, key, m.key)?.level;
        const later = stretch.map((r) => runLevel(r, key, m.key)?.level).filter((l): l is number => l !== undefined);
        if (first === undefined || later.length < 3) continue;
        const level = [...later].sort((a, b) => a - b)[Math.floor(later.length / 2)]!;
        if (Math.abs(level - first) < Math.log(1.05)) continue;
        if (!later.every((l) => Math.abs(l - level) < Math.abs(l - first))) continue;
        const cell = `${key}|${m.key}`;
        out.set(cell, (out.get(cell) ?? new Map()).set(at, { before: Math.exp(first), after: Math.exp(level) }));
      }
    }
  }
  return out;
}
