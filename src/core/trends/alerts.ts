/**
 * Change points worth an alert: per series, on complete nights only, within a regime (one
 * measurement protocol), a persistent level shift (level-shifts.ts) sized against the series' own
 * night-to-night noise. A protocol change (repeats per point, prompt count, value selection) is a
 * known break, listed apart and never reported as a performance change. Each change names its
 * likely cause from run metadata (ROCm, host, build, image) and links the commit range.
 */
import { metricInfo } from "../catalogue/index.js";
import { changeDirection } from "../report/index.js";
import { median } from "../verdict/index.js";
import type { RunResults } from "../results/index.js";
import type { ChangeKind } from "./changepoints.js";
import { changeCauses, commitRangeUrl, type ChangeCause, type NightFacts } from "./causes.js";
import { findLevelShifts, LEVEL_SHIFT_DEFAULTS, nightNoise, type LevelShiftOptions } from "./level-shifts.js";
import type { NightlySeries, SeriesChange } from "./nightly-series.js";
import { groupKey, nightInfoIndex, type NightInfo } from "./regimes.js";

/** A change point with what it takes to act on it. */
export interface AlertChange extends SeriesChange {
  /** Likeliest cause first (ROCm, host, build, nightly image); `cause` is the first one's text. */
  causes: ChangeCause[];
  cause: string;
  /** Commits between the image before and the image after. */
  commits_url: string;
  /** Protocol of the regime the change is in (`3 repeats, 128 prompts`). */
  protocol: string;
  /** The regime's night-to-night noise, in % (what `strength` is measured in). */
  noise_pct: number;
}

/** A change that may carry the alert fields (changes computed elsewhere, e.g. the nightly's, may not). */
export type ReportedChange = SeriesChange & Partial<Omit<AlertChange, keyof SeriesChange>>;

/** A protocol change in a series group: a known break, not a performance change. */
export interface ProtocolBreak {
  hardware: string;
  model: string;
  suite: string;
  /** First night measured the new way, and the last night before it. */
  date: string;
  previous_date: string;
  from: string;
  to: string;
}

export interface AlertOptions extends LevelShiftOptions {
  /** Only the last N complete nights of each series are searched (0 or undefined = all). */
  lastNights?: number;
}

interface Night {
  date: string;
  value: number;
  info: NightInfo;
}

function kindOf(changePct: number, better: "lower" | "higher" | "none"): ChangeKind {
  if (better === "none") return "change";
  return changePct > 0 === (better === "higher") ? "improvement" : "regression";
}

/**
 * Consecutive nights of one protocol. A run of fewer than `minNights` nights measured another way
 * between two stretches of the same protocol (a console log read for a missing run folder) is set
 * aside instead of cutting the regime in two.
 */
function regimes(nights: readonly Night[], minNights: number): Night[][] {
  const runs: Night[][] = [];
  for (const n of nights) {
    const last = runs.at(-1);
    if (last && last[0]?.info.protocol === n.info.protocol) last.push(n);
    else runs.push([n]);
  }
  const out: Night[][] = [];
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i] as Night[];
    const prev = out.at(-1);
    const next = runs[i + 1];
    const protocol = (r: Night[] | undefined): string | undefined => r?.[0]?.info.protocol;
    if (prev && next && run.length < minNights && protocol(prev) === protocol(next)) {
      prev.push(...next);
      i++;
    } else if (prev && protocol(prev) === protocol(run)) prev.push(...run);
    else out.push([...run]);
  }
  return out;
}

const fallbackInfo = (date: string, tag: string): NightInfo => ({
  facts: { date, tag },
  protocol: "",
  quality: "complete",
});

/** Finds the alert-worthy changes and the protocol breaks of every series. */
export function findAlerts(
  series: readonly NightlySeries[],
  runs: readonly RunResults[],
  opts: AlertOptions = {},
): { changes: AlertChange[]; breaks: ProtocolBreak[] } {
  const index = nightInfoIndex(runs);
  const changes: AlertChange[] = [];
  const breaks = new Map<string, ProtocolBreak>();
  for (const s of series) {
    const infos = index.get(groupKey(s.hardware, s.model, s.suite))?.get(s.point);
    let nights: Night[] = [];
    // The series' complete nights, plus the nights its group ran only in part when THIS point was
    // measured in full (a night that lost concurrency 128 still measured concurrency 64 properly).
    const candidates = [
      ...s.nights.map((n, i) => ({ date: n.date, values: n.values, tag: s.tags[i] ?? n.date })),
      ...(s.excluded ?? []).filter((e) => e.quality === "partial" && e.values.length > 0),
    ].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    for (const n of candidates) {
      const values = n.values.filter((v) => Number.isFinite(v) && v > 0);
      const info = infos?.get(n.date) ?? fallbackInfo(n.date, n.tag);
      if (values.length === 0 || info.quality !== "complete") continue;
      nights.push({ date: n.date, value: median(values), info });
    }
    if (opts.lastNights) nights = nights.slice(-opts.lastNights);
    const parts = regimes(nights, opts.persist ?? LEVEL_SHIFT_DEFAULTS.persist);
    parts.slice(1).forEach((part, i) => {
      const prev = parts[i]?.at(-1);
      const first = part[0];
      if (!prev || !first) return;
      const key = [s.hardware, s.model, s.suite, first.date].join("/");
      if (!breaks.has(key))
        breaks.set(key, {
          hardware: s.hardware,
          model: s.model,
          suite: s.suite,
          date: first.date,
          previous_date: prev.date,
          from: prev.info.protocol,
          to: first.info.protocol,
        });
    });
    const info = metricInfo(s.metric);
    const found: AlertChange[] = [];
    for (const part of parts) {
      const values = part.map((n) => n.value);
      const noise = nightNoise(values.map(Math.log));
      for (const shift of findLevelShifts(values, opts)) {
        const at = part[shift.index] as Night;
        const before = part[shift.index - 1] as Night;
        const change_pct = (shift.after / shift.before - 1) * 100;
        const causes = changeCauses(before.info.facts, at.info.facts);
        const pos = nights.indexOf(at);
        found.push({
          series: s.key,
          hardware: s.hardware,
          model: s.model,
          suite: s.suite,
          point: s.point,
          metric: s.metric,
          label: info.display,
          unit: info.unit,
          date: at.date,
          previous_date: before.date,
          tag_before: before.info.facts.tag,
          tag_after: at.info.facts.tag,
          before: shift.before,
          after: shift.after,
          change_pct,
          direction: changeDirection(s.metric, change_pct),
          strength: shift.strength,
          p: Number.NaN,
          kind: kindOf(change_pct, info.better),
          current: false,
          around: nights.slice(Math.max(0, pos - 15), pos + 15).map((n) => ({ date: n.date, value: n.value })),
          causes,
          cause: causes[0]?.text ?? "",
          commits_url: commitRangeUrl(before.info.facts, at.info.facts),
          protocol: at.info.protocol,
          noise_pct: Math.expm1(noise) * 100,
        });
      }
    }
    const last = found.at(-1);
    // Open: the series' latest change, measured the way the series is measured now.
    if (last && last.protocol === nights.at(-1)?.info.protocol) last.current = true;
    changes.push(...found);
  }
  changes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.series < b.series ? -1 : 1));
  return { changes, breaks: [...breaks.values()].sort((a, b) => (a.date < b.date ? -1 : 1)) };
}

/** Facts of a night, for callers that show them (re-exported for the dashboard). */
export type { NightFacts };
