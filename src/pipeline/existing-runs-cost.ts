/**
 * The cost line of `compare`: it runs nothing itself, so its cost is what the two runs it reads
 * spent — known only when their results record how long they took (the runner writes
 * `timings.total`; ingest takes start and finish from the logs; seed CSVs do not say).
 */
import { findSuite } from "../core/catalogue/index.js";
import type { RunResults } from "../core/results/index.js";

/** Seconds a run took, from its recorded timings or start/finish times; undefined when not recorded. */
export function recordedSeconds(run: RunResults): number | undefined {
  const total = run.timings?.total;
  if (total !== undefined && total > 0) return total;
  if (run.started_at && run.finished_at) {
    const s = (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000;
    if (s > 0) return s;
  }
  return undefined;
}

/** GPUs a run held: its points' TP, else the catalogue suite's. */
function gpus(run: RunResults): number | undefined {
  const tp = run.points.find((p) => p.point.tp !== undefined)?.point.tp;
  if (tp !== undefined) return tp;
  try {
    return findSuite(run.suite).tp;
  } catch {
    return undefined;
  }
}

/** One line: `~N GPU-minutes recorded by the two runs …`, or why the cost is not known. */
export function existingRunsCost(baseline: readonly RunResults[], candidate: readonly RunResults[]): string {
  const runs = [...baseline, ...candidate];
  let gpuMinutes = 0;
  let minutes = 0;
  for (const r of runs) {
    const s = recordedSeconds(r);
    const n = gpus(r);
    if (s === undefined || n === undefined)
      return "not known for a comparison of two existing runs (not every run records its timings); compare itself ran nothing";
    minutes += s / 60;
    gpuMinutes += (s / 60) * n;
  }
  if (runs.length === 0) return "not known for a comparison of two existing runs; compare itself ran nothing";
  return `~${Math.round(gpuMinutes)} GPU-minutes recorded by the two runs (${Math.round(minutes)} min of run time); compare itself ran nothing`;
}
