/**
 * Night quality: is a night's measurement of a series group whole? A night whose server crashed
 * and left one stray value, or that ran two of five rates, is no level to compare against: it is
 * marked on the charts and kept out of trends, change points and noise.
 *
 *   complete  every point the neighbouring nights measure was measured
 *   partial   some were measured, some not (which ones: `missing`)
 *   failed    nothing was measured (server crash, no client logs, every point failed)
 *
 * What a night "should" measure is learnt from its neighbours, not from a fixed plan: the points
 * measured on most of the 3 measured nights before and the 3 after. A rate set that changes for
 * good (mi35x dropping rate 16) is then no fault, while a night missing what both sides have is.
 */
import { pointKey, type RunResults } from "../results/index.js";
import { identityKey, seriesIdentity } from "./series-identity.js";

export type NightQuality = "complete" | "partial" | "failed";

/** The quality of one night of one series group. */
export interface NightStatus {
  /** `YYYYMMDD`. */
  date: string;
  quality: NightQuality;
  /** Point keys measured that night (any run of the date). */
  measured: string[];
  /** Point keys the neighbouring nights measure and this one did not. */
  missing: string[];
  /** Why the night is not complete, in words (`no measurement for concurrency=16, concurrency=64`). */
  reason?: string;
}

/** How many measured nights on each side decide what a night should measure. */
const NEIGHBOURS = 3;

/** What {@link measuredPoints} calls a GSM8K accuracy (the only measurement of GSM8K-only variants). */
export const GSM8K_POINT = "gsm8k";

/**
 * Point keys of a run that have at least one finite metric value, plus {@link GSM8K_POINT} when it
 * measured an accuracy: a GSM8K-only variant (DP attention, torch compile) is complete with it alone.
 */
export function measuredPoints(run: RunResults): Set<string> {
  const out = new Set<string>();
  const accuracy = run.gsm8k?.average ?? run.gsm8k?.runs.find((r) => Number.isFinite(r.accuracy))?.accuracy;
  if (accuracy !== undefined && Number.isFinite(accuracy)) out.add(GSM8K_POINT);
  for (const p of run.points)
    if (p.repeats.some((r) => Object.values(r.metrics).some((v) => Number.isFinite(v)))) out.add(pointKey(p.point));
  return out;
}

/** The first run-level failure message of a night (a server crash), to say why it measured nothing. */
function failureText(runs: readonly RunResults[]): string | undefined {
  for (const run of runs) {
    const f = run.failures.find((x) => !x.point) ?? run.failures[0];
    if (f) return `${f.kind}: ${f.message}`;
  }
  return undefined;
}

/**
 * Classifies the nights of one series group. `nights` maps a date to the runs of that date (reruns
 * pooled: a point measured by any of them counts).
 */
export function classifyNights(nights: ReadonlyMap<string, readonly RunResults[]>): Map<string, NightStatus> {
  const dates = [...nights.keys()].sort();
  const measured = new Map<string, Set<string>>();
  for (const d of dates) {
    const set = new Set<string>();
    for (const run of nights.get(d) ?? []) for (const k of measuredPoints(run)) set.add(k);
    measured.set(d, set);
  }
  const withData = dates.filter((d) => (measured.get(d)?.size ?? 0) > 0);
  const out = new Map<string, NightStatus>();
  for (const date of dates) {
    const have = measured.get(date) ?? new Set<string>();
    if (have.size === 0) {
      const why = failureText(nights.get(date) ?? []);
      out.set(date, {
        date,
        quality: "failed",
        measured: [],
        missing: [],
        reason: `nothing measured${why ? ` (${why})` : ""}`,
      });
      continue;
    }
    const before = withData.filter((d) => d < date).slice(-NEIGHBOURS);
    const after = withData.filter((d) => d > date).slice(0, NEIGHBOURS);
    const around = [...before, ...after];
    const votes = new Map<string, number>();
    for (const d of around) for (const k of measured.get(d) ?? []) votes.set(k, (votes.get(k) ?? 0) + 1);
    const missing = [...votes]
      .filter(([k, n]) => n * 2 > around.length && !have.has(k))
      .map(([k]) => k)
      .sort();
    out.set(date, {
      date,
      quality: missing.length > 0 ? "partial" : "complete",
      measured: [...have].sort(),
      missing,
      ...(missing.length > 0 ? { reason: `no measurement for ${missing.join("; ")}` } : {}),
    });
  }
  return out;
}

/** Run date as `YYYYMMDD`: the record's own date, else the first 8-digit date in its tag. */
export function runDate(run: RunResults): string | undefined {
  if (run.date && /^\d{8}$/.test(run.date)) return run.date;
  return /(?<!\d)(\d{8})(?!\d)/.exec(run.image?.tag ?? "")?.[1];
}

/**
 * The quality of every night of every series group in `runs`, by group key ({@link identityKey}:
 * `hardware/model/suite[-variant]`) then date. Runs without a date are left out.
 */
export function nightQualities(runs: readonly RunResults[]): Map<string, Map<string, NightStatus>> {
  const groups = new Map<string, Map<string, RunResults[]>>();
  for (const run of runs) {
    const date = runDate(run);
    if (!date) continue;
    const key = identityKey(seriesIdentity(run));
    const byDate = groups.get(key) ?? new Map<string, RunResults[]>();
    byDate.set(date, [...(byDate.get(date) ?? []), run]);
    groups.set(key, byDate);
  }
  const out = new Map<string, Map<string, NightStatus>>();
  for (const [key, byDate] of groups) out.set(key, classifyNights(byDate));
  return out;
}
