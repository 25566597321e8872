/**
 * What each night of a series was: its metadata (image, host, commit), how it was measured (the
 * protocol: repeats per point, prompt count, how the value was selected) and whether it is
 * complete. A protocol change is a known break in a series: its levels are not compared across it.
 */
import { pointKey, type PointResult, type RunResults } from "../results/index.js";
import type { NightFacts } from "./causes.js";
import { runDate } from "./night-quality.js";
import { seriesSuite } from "./nightly-series.js";
import { modelKey } from "./series-identity.js";

/**
 * One point's night: complete when every planned repeat was measured; partial: some (or a point
 * failure); failed: none. (The group's night quality is night-quality.ts; this is per point.)
 */
export type PointQuality = "complete" | "partial" | "failed";

export interface NightInfo {
  facts: NightFacts;
  /** `3 repeats, 128 prompts`: nights of one protocol form a regime. */
  protocol: string;
  quality: PointQuality;
}

/** `hardware/model/suite` as the series key starts (nightly-series.ts). */
export function groupKey(hardware: string, model: string, suite: string): string {
  return [hardware, model, suite].join("/");
}

/** How one point of a run was measured. */
function protocolOf(run: RunResults, p: PointResult): string {
  const planned = Math.max(0, ...run.points.map((q) => q.repeats.length));
  const prompts = Math.max(0, ...p.repeats.map((r) => r.metrics["completed"] ?? 0));
  const selection = p.repeats.find((r) => r.labels?.["selection"])?.labels?.["selection"];
  return [
    `${planned} repeat${planned === 1 ? "" : "s"}`,
    ...(prompts > 0 ? [`${prompts} prompts`] : []),
    ...(selection ? [selection] : []),
  ].join(", ");
}

function qualityOf(run: RunResults, p: PointResult): PointQuality {
  if (p.repeats.length === 0) return "failed";
  const planned = Math.max(...run.points.map((q) => q.repeats.length));
  return p.failure || p.repeats.length < planned ? "partial" : "complete";
}

const RANK: Record<PointQuality, number> = { failed: 0, partial: 1, complete: 2 };

/**
 * Night information per series group and point: `groupKey → point key → date → info`. When a night
 * has several runs of a group (a rerun, a console log next to its run folder), the most complete
 * measurement of each point wins, the later run on a tie.
 */
export function nightInfoIndex(runs: readonly RunResults[]): Map<string, Map<string, Map<string, NightInfo>>> {
  const index = new Map<string, Map<string, Map<string, NightInfo>>>();
  for (const run of runs) {
    const date = runDate(run);
    if (!date) continue;
    const key = groupKey(run.hardware ?? "unknown", modelKey(run), seriesSuite(run));
    const byPoint = index.get(key) ?? new Map<string, Map<string, NightInfo>>();
    index.set(key, byPoint);
    const facts: NightFacts = {
      date,
      tag: run.image?.tag ?? date,
      ...(run.node ? { host: run.node } : {}),
      ...(run.commit ? { commit: run.commit } : {}),
    };
    for (const p of run.points) {
      const point = pointKey(p.point);
      const byDate = byPoint.get(point) ?? new Map<string, NightInfo>();
      byPoint.set(point, byDate);
      const info: NightInfo = { facts, protocol: protocolOf(run, p), quality: qualityOf(run, p) };
      const prev = byDate.get(date);
      if (!prev || RANK[info.quality] >= RANK[prev.quality]) byDate.set(date, info);
    }
  }
  return index;
}
