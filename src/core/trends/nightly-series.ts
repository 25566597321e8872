/**
 * Nightly series (hardware × model × suite × point × metric → one value list per night) built from
 * results records, and the change points found in them (method: see changepoints.ts — binary
 * segmentation with a t-test whose noise comes from each night's repeats and the night-to-night
 * scatter, Bonferroni-corrected, plus a minimum effect size).
 */
import { changeDirection, type ChangeDirection } from "../report/index.js";
import { findChangepoints, type ChangeKind, type ChangepointOptions, type NightPoint } from "./changepoints.js";
import { COMPARED_METRICS, metricInfo } from "../catalogue/index.js";
import { pointKey, type RunResults } from "../results/index.js";

/** One nightly series. */
export interface NightlySeries {
  /** `hardware/model/suite/point/metric`, stable across runs; used for issue dedupe. */
  key: string;
  hardware: string;
  model: string;
  suite: string;
  point: string;
  metric: string;
  /** Nights ordered by date; several runs of one date are pooled. */
  nights: NightPoint[];
  /** Image tag per night (the last run's when several), same order as `nights`. */
  tags: string[];
}

/** Options for {@link buildSeries}. */
export interface SeriesOptions {
  /** Metrics to follow; default the ones the seed charted (E2E latency/throughput offline, E2E/TTFT/ITL online). */
  metrics?: readonly string[];
}

/** The metrics the seed's charts followed. */
export const NIGHTLY_METRICS = [
  "total_latency",
  "overall_throughput",
  "median_e2e_latency_ms",
  "median_ttft_ms",
  "median_itl_ms",
] as const;

/** Run date as `YYYYMMDD`: the record's own date, else the first 8-digit date in its tag. */
export function runDate(run: RunResults): string | undefined {
  if (run.date && /^\d{8}$/.test(run.date)) return run.date;
  return /(?<!\d)(\d{8})(?!\d)/.exec(run.image?.tag ?? "")?.[1];
}

/**
 * The series group of a run: its suite, plus the folder's configuration for online runs that have
 * one (`deepseek-online-dp_attention`): a different server configuration is a different series.
 */
export function seriesSuite(run: RunResults): string {
  return run.kind === "online" && run.mode ? `${run.suite}-${run.mode}` : run.suite;
}

/** Groups every repeat of every run into series; runs without a date are ignored (nothing to order them by). */
export function buildSeries(runs: readonly RunResults[], opts: SeriesOptions = {}): NightlySeries[] {
  const metrics = new Set(opts.metrics ?? NIGHTLY_METRICS);
  const byKey = new Map<
    string,
    { s: Omit<NightlySeries, "nights" | "tags">; byDate: Map<string, { values: number[]; tag: string }> }
  >();
  for (const run of runs) {
    const date = runDate(run);
    if (!date) continue;
    const hardware = run.hardware ?? "unknown";
    const model = [run.model.name, run.model.variant].filter(Boolean).join("_");
    const suite = seriesSuite(run);
    for (const p of run.points) {
      const point = pointKey(p.point);
      for (const rep of p.repeats) {
        for (const [metric, value] of Object.entries(rep.metrics)) {
          if (!metrics.has(metric) || !Number.isFinite(value)) continue;
          const key = [hardware, model, suite, point, metric].join("/");
          let entry = byKey.get(key);
          if (!entry) {
            entry = { s: { key, hardware, model, suite, point, metric }, byDate: new Map() };
            byKey.set(key, entry);
          }
          let night = entry.byDate.get(date);
          if (!night) {
            night = { values: [], tag: run.image?.tag ?? date };
            entry.byDate.set(date, night);
          }
          night.values.push(value);
          night.tag = run.image?.tag ?? night.tag;
        }
      }
    }
  }
  const out: NightlySeries[] = [];
  for (const { s, byDate } of byKey.values()) {
    const dates = [...byDate.keys()].sort();
    out.push({
      ...s,
      nights: dates.map((date) => ({ date, values: byDate.get(date)?.values ?? [] })),
      tags: dates.map((d) => byDate.get(d)?.tag ?? d),
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A change point in one series, with what a reader needs to judge it. */
export interface SeriesChange {
  series: string;
  hardware: string;
  model: string;
  suite: string;
  point: string;
  metric: string;
  /** Display name and unit of the metric. */
  label: string;
  unit: string;
  /** First night at the new level. */
  date: string;
  /** Last night before it. */
  previous_date: string;
  /** Images on either side of the change: the last one before and the first one after. */
  tag_before: string;
  tag_after: string;
  before: number;
  after: number;
  change_pct: number;
  /** The change in words, as every report says it (direction.ts): slower/faster, higher/lower. */
  direction: ChangeDirection;
  /** |t| of the accepted split; larger is stronger. */
  strength: number;
  p: number;
  /** Good or bad for the metric: regression, improvement (or "change" for a metric with no better side). */
  kind: ChangeKind;
  /** True when this is the series' latest change (its level is still the current one). */
  current: boolean;
  /** Nightly medians around the change (up to 15 nights before, 15 from it), for a quick chart. */
  around: { date: string; value: number }[];
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? (v[mid] ?? Number.NaN) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

/** A one-line unicode chart (▁…█) of a value list, scaled between its min and max. */
export function sparkline(values: readonly number[]): string {
  const bars = "▁▂▃▄▅▆▇█";
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values
    .map((v) => (Number.isFinite(v) ? bars[hi > lo ? Math.round(((v - lo) / (hi - lo)) * 7) : 3] : " "))
    .join("");
}

/** Finds the change points of every series (series shorter than 2 × minSegment nights have none). */
export function findSeriesChanges(series: readonly NightlySeries[], opts: ChangepointOptions = {}): SeriesChange[] {
  const out: SeriesChange[] = [];
  for (const s of series) {
    const info = metricInfo(s.metric);
    const cps = findChangepoints(s.nights, { ...opts, metric: s.metric });
    cps.forEach((cp, i) => {
      out.push({
        series: s.key,
        hardware: s.hardware,
        model: s.model,
        suite: s.suite,
        point: s.point,
        metric: s.metric,
        label: info.display,
        unit: info.unit,
        date: cp.date,
        previous_date: s.nights[cp.index - 1]?.date ?? cp.date,
        tag_before: s.tags[cp.index - 1] ?? "",
        tag_after: s.tags[cp.index] ?? "",
        before: cp.before,
        after: cp.after,
        change_pct: cp.change_pct,
        direction: changeDirection(s.metric, cp.change_pct),
        strength: Math.abs(cp.t),
        p: cp.p,
        kind: cp.kind,
        current: i === cps.length - 1,
        around: s.nights
          .slice(Math.max(0, cp.index - 15), cp.index + 15)
          .filter((n) => n.values.length > 0)
          .map((n) => ({ date: n.date, value: median(n.values) })),
      });
    });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.series < b.series ? -1 : 1));
}

/** Metric keys that are known to the catalogue, for `--metric` validation. */
export function knownMetric(key: string): boolean {
  return COMPARED_METRICS.some((m) => m.key === key);
}
