/**
 * Nightly series (hardware × model × variant × suite × point × metric → one value list per night) built from
 * results records, and the change points found in them (method: see changepoints.ts — binary
 * segmentation with a t-test whose noise comes from each night's repeats and the night-to-night
 * scatter, Bonferroni-corrected, plus a minimum effect size).
 */
import { changeDirection, type ChangeDirection } from "../report/index.js";
import { findChangepoints, type ChangeKind, type ChangepointOptions, type NightPoint } from "./changepoints.js";
import { COMPARED_METRICS, metricInfo } from "../catalogue/index.js";
import { pointKey, type RunResults } from "../results/index.js";
import { nightQualities, runDate, type NightQuality } from "./night-quality.js";
import { identityKey, identitySuite, seriesIdentity } from "./series-identity.js";

/** One nightly series. */
export interface NightlySeries {
  /** `hardware/model/suite/point/metric`, stable across runs; used for issue dedupe. */
  key: string;
  hardware: string;
  model: string;
  /** Serving variant (`standard`, `dp_attention`, `mtp`, …); also part of `suite` when not standard. */
  variant?: string;
  /** Suite id with the variant when not standard (`deepseek-online-dp_attention`). */
  suite: string;
  point: string;
  metric: string;
  /** Complete nights ordered by date; several runs of one date are pooled. */
  nights: NightPoint[];
  /** Image tag per night (the last run's when several), same order as `nights`. */
  tags: string[];
  /** Partial and failed nights of the series' group, by date: not in `nights`, marked on charts. */
  excluded?: ExcludedNight[];
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

/**
 * The series group of a run: its suite, plus the serving variant for online runs that have one
 * (`deepseek-online-dp_attention`): a different server configuration is a different series.
 */
export function seriesSuite(run: RunResults): string {
  return identitySuite(seriesIdentity(run));
}

/** A night left out of a series' trend (partial or failed), kept so charts can mark it. */
export interface ExcludedNight {
  date: string;
  quality: Exclude<NightQuality, "complete">;
  /** This series' own values that night, when it measured any (drawn as a hollow marker, never joined). */
  values: number[];
  /** Image tag of the night. */
  tag: string;
  reason: string;
}

/**
 * Groups every repeat of every run into series; runs without a date are ignored (nothing to order
 * them by). Only complete nights (night-quality.ts) make up `nights`, so trends, change points and
 * noise never see a crashed or half-run night; those nights are listed in `excluded` for the charts.
 */
export function buildSeries(runs: readonly RunResults[], opts: SeriesOptions = {}): NightlySeries[] {
  const metrics = new Set(opts.metrics ?? NIGHTLY_METRICS);
  const quality = nightQualities(runs);
  const byKey = new Map<
    string,
    {
      s: Omit<NightlySeries, "nights" | "tags" | "excluded"> & { variant: string };
      group: string;
      byDate: Map<string, { values: number[]; tag: string }>;
    }
  >();
  for (const run of runs) {
    const date = runDate(run);
    if (!date) continue;
    const id = seriesIdentity(run);
    const group = identityKey(id);
    const suite = identitySuite(id);
    for (const p of run.points) {
      const point = pointKey(p.point);
      for (const rep of p.repeats) {
        for (const [metric, value] of Object.entries(rep.metrics)) {
          if (!metrics.has(metric) || !Number.isFinite(value)) continue;
          const key = [group, point, metric].join("/");
          let entry = byKey.get(key);
          if (!entry) {
            entry = {
              s: { key, hardware: id.hardware, model: id.model, variant: id.variant, suite, point, metric },
              group,
              byDate: new Map(),
            };
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
  for (const { s, group, byDate } of byKey.values()) {
    const statuses = quality.get(group);
    const complete: string[] = [];
    const excluded: ExcludedNight[] = [];
    for (const date of [...byDate.keys()].sort()) {
      const status = statuses?.get(date);
      const night = byDate.get(date);
      if (!night) continue;
      if (!status || status.quality === "complete") complete.push(date);
      else
        excluded.push({
          date,
          quality: status.quality,
          values: night.values,
          tag: night.tag,
          reason: status.reason ?? status.quality,
        });
    }
    // Failed nights measured nothing, so they have no values here; list them too so a chart can mark them.
    for (const status of statuses?.values() ?? [])
      if (status.quality === "failed" && !byDate.has(status.date))
        excluded.push({
          date: status.date,
          quality: "failed",
          values: [],
          tag: status.date,
          reason: status.reason ?? "failed",
        });
    excluded.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    out.push({
      ...s,
      nights: complete.map((date) => ({ date, values: byDate.get(date)?.values ?? [] })),
      tags: complete.map((d) => byDate.get(d)?.tag ?? d),
      excluded,
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
