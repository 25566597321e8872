/**
 * Chart data: results records → per hardware × model × suite groups of nightly lines (one line per
 * batch size / request rate / concurrency), each night summarised as median and min–max over its
 * repeats, with the change points found in the line. Pure: no I/O, no rendering.
 */
import { metricInfo, type Direction } from "../core/catalogue/index.js";
import {
  buildSeries,
  findAlerts,
  identityKey,
  NIGHTLY_METRICS,
  nightQualities,
  runDate,
  seriesIdentity,
  seriesSuite,
  type NightlySeries,
  type SeriesChange,
  type AlertOptions,
} from "../core/trends/index.js";
import type { RunResults } from "../core/results/index.js";
import { gsm8kFloor } from "./gsm8k-floor.js";

/** One night of one line. */
export interface NightStat {
  /** `YYYYMMDD`. */
  date: string;
  /** `YYYY-MM-DD`, what the charts put on the time axis. */
  day: string;
  /** Image tag of the night. */
  tag: string;
  median: number;
  min: number;
  max: number;
  /** Repeats pooled into this night. */
  n: number;
  /**
   * Line segment: the line is drawn unbroken only within a segment. A new one starts after an
   * excluded (partial or failed) night or a calendar gap of more than {@link GAP_DAYS} days.
   */
  segment: number;
}

/** A partial or failed night of a line: marked on the chart, never a line point. */
export interface ExcludedMark {
  date: string;
  day: string;
  tag: string;
  quality: "partial" | "failed";
  /** Median of what the line measured that night, when it measured anything (a partial night). */
  value?: number;
  /** `partial: no measurement for request_rate=16`, `failed: nothing measured (server: …)`. */
  label: string;
}

/** One benchmark point followed over the nights. */
export interface ChartLine {
  /** Point key (`tp=8,batch_size=1,input_len=1024,output_len=128`). */
  point: string;
  /** Short legend label: `BS=1`, `RR=4`, `C=128` (plus `IL=`/`OL=` when a suite mixes lengths). */
  label: string;
  /** Sort key (the load value). */
  order: number;
  nights: NightStat[];
  /** Partial and failed nights, by date: marked, and the line is broken across them. */
  excluded: ExcludedMark[];
  changes: SeriesChange[];
}

/** Every line of one metric in one suite. */
export interface MetricLines {
  metric: string;
  display: string;
  unit: string;
  better: Direction;
  lines: ChartLine[];
}

/** KV-cache capacity of one run (read by the server at startup). */
export interface KvNight {
  date: string;
  day: string;
  tag: string;
  num_tokens?: number;
  size_gb?: number;
}

/** GSM8K accuracy of one night (the last run of a night wins) and the model's floor. */
export interface Gsm8kNight {
  date: string;
  day: string;
  tag: string;
  accuracy: number;
  /** Pass mark: the run's own threshold, else the model's (gsm8k-floor.ts). */
  floor?: number;
}

/** Everything charted for one hardware × model × suite. */
export interface SuiteChartData {
  hardware: string;
  /** `GROK1_MOE-I4F8`, `DeepSeek-V3-0324_FP8`. */
  model: string;
  /**
   * Suite id, with the run folder's configuration for online runs that have one
   * (`deepseek-online-dp_attention`): a different server configuration is a different series.
   */
  suite: string;
  /** The catalogue's suite id (`deepseek-online`). */
  baseSuite: string;
  kind: "offline" | "online";
  /** Attention backends seen, most recent first. */
  backends: string[];
  /** What the lines are split by: `batch size`, `request rate`, `concurrency`. */
  axis: string;
  metrics: MetricLines[];
  kv: KvNight[];
  /** GSM8K accuracy per night. */
  gsm8k: Gsm8kNight[];
  /** Every change point of the suite's series. */
  changes: SeriesChange[];
}

/** `20251013` → `2025-10-13`. */
export function isoDay(date: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
}

/** Model label as the series key spells it: name and variant joined with `_`. */
export function modelLabel(run: RunResults): string {
  return [run.model.name, run.model.variant].filter(Boolean).join("_");
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The chart group of a run: the series group (suite, plus an online run's configuration). */
export const chartSuite = seriesSuite;

/** Parses a point key back into its coordinates (numbers only). */
export function parsePointKey(key: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of key.split(",")) {
    const [k, v] = part.split("=");
    if (k && v !== undefined && Number.isFinite(Number(v))) out[k] = Number(v);
  }
  return out;
}

const LOAD_AXES = [
  { key: "batch_size", short: "BS", name: "batch size" },
  { key: "request_rate", short: "RR", name: "request rate" },
  { key: "concurrency", short: "C", name: "concurrency" },
] as const;

/** The coordinate the suite's lines are split by, and the legend label of each point. */
function labelPoints(points: readonly string[]): {
  axis: string;
  labels: Map<string, { label: string; order: number }>;
} {
  const parsed = points.map((p) => ({ p, c: parsePointKey(p) }));
  const axis = LOAD_AXES.find((a) => parsed.some(({ c }) => c[a.key] !== undefined));
  // Lengths go into the label only when the suite mixes them (long-context rows next to normal ones).
  const varies = (k: string): boolean => new Set(parsed.map(({ c }) => c[k])).size > 1;
  const extra = (["input_len", "output_len"] as const).filter(varies);
  const labels = new Map<string, { label: string; order: number }>();
  for (const { p, c } of parsed) {
    const parts = axis && c[axis.key] !== undefined ? [`${axis.short}=${c[axis.key]}`] : [p || "all"];
    for (const k of extra) if (c[k] !== undefined) parts.push(`${k === "input_len" ? "IL" : "OL"}=${c[k]}`);
    labels.set(p, { label: parts.join(" "), order: axis ? (c[axis.key] ?? Number.POSITIVE_INFINITY) : 0 });
  }
  return { axis: axis?.name ?? "point", labels };
}

/** Nights further apart than this (a missed night or two is no break; a week off is) break the line. */
export const GAP_DAYS = 2;

function daysBetween(a: string, b: string): number {
  return (Date.parse(`${isoDay(b)}T00:00:00Z`) - Date.parse(`${isoDay(a)}T00:00:00Z`)) / 86_400_000;
}

function nightStats(series: NightlySeries): NightStat[] {
  const out: NightStat[] = [];
  const excluded = (series.excluded ?? []).map((e) => e.date).sort();
  let segment = 0;
  let previous: string | undefined;
  series.nights.forEach((night, i) => {
    const values = night.values.filter(Number.isFinite).sort((a, b) => a - b);
    if (values.length === 0) return;
    // The line must not join two nights across an excluded night or a long calendar gap.
    if (
      previous !== undefined &&
      (daysBetween(previous, night.date) > GAP_DAYS || excluded.some((d) => d > (previous ?? "") && d < night.date))
    )
      segment += 1;
    previous = night.date;
    out.push({
      date: night.date,
      day: isoDay(night.date),
      tag: series.tags[i] ?? night.date,
      median: median(values),
      min: values[0] ?? Number.NaN,
      max: values[values.length - 1] ?? Number.NaN,
      n: values.length,
      segment,
    });
  });
  return out;
}

/**
 * buildSeries lists a partial night only in the series that measured something that night; every
 * line of the group is marked (and broken) there, so the night's own status is added to the others.
 */
function withGroupExclusions(series: NightlySeries[], runs: readonly RunResults[]): NightlySeries[] {
  const quality = nightQualities(runs);
  return series.map((s) => {
    const group = [s.hardware, s.model, s.suite].join("/"); // identityKey of the series group
    const have = new Set((s.excluded ?? []).map((e) => e.date));
    const extra = [...(quality.get(group)?.values() ?? [])]
      .filter((st) => st.quality !== "complete" && !have.has(st.date))
      .map((st) => ({
        date: st.date,
        quality: st.quality as "partial" | "failed",
        values: [],
        tag: runs.find((r) => runDate(r) === st.date)?.image?.tag ?? st.date,
        reason: st.reason ?? st.quality,
      }));
    if (extra.length === 0) return s;
    const excluded = [...(s.excluded ?? []), ...extra].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return { ...s, excluded };
  });
}

/** The excluded nights of a series as chart markers. */
function excludedMarks(series: NightlySeries): ExcludedMark[] {
  return (series.excluded ?? []).map((e) => {
    const values = e.values.filter(Number.isFinite).sort((a, b) => a - b);
    return {
      date: e.date,
      day: isoDay(e.date),
      tag: e.tag,
      quality: e.quality,
      ...(values.length ? { value: median(values) } : {}),
      label: `${e.quality}: ${e.reason}`,
    };
  });
}

/** Options for {@link buildChartData}. */
export interface ChartDataOptions {
  /** Metrics charted (default: the seed's — E2E latency/throughput offline, E2E/TTFT/ITL online). */
  metrics?: readonly string[];
  /** Change-point detection options (noise factor, persistence, min effect …). */
  changepoints?: AlertOptions;
  /** Precomputed change points (from the nightly), used instead of detecting them again. */
  changes?: readonly SeriesChange[];
  /**
   * Change points are searched in each series' last N nights (default 120, the nightly's window;
   * 0 = the whole series). The search grows with the cube of the length, so a year of nights is
   * much slower than the window that matters for open regressions.
   */
  changeNights?: number;
}

/** Default window of the change-point search, in nights: 0 = the whole series (a year takes < 1 s). */
export const DEFAULT_CHANGE_NIGHTS = 0;

/** Groups runs by hardware × model × suite and summarises every series for charting. */
export function buildChartData(runs: readonly RunResults[], opts: ChartDataOptions = {}): SuiteChartData[] {
  const metrics = opts.metrics ?? NIGHTLY_METRICS;
  const groups = new Map<string, RunResults[]>();
  for (const run of runs) {
    if (!runDate(run)) continue;
    const key = [run.hardware ?? "unknown", modelLabel(run), chartSuite(run)].join("/");
    const list = groups.get(key) ?? [];
    list.push(run);
    groups.set(key, list);
  }
  const out: SuiteChartData[] = [];
  for (const [key, groupRuns] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [hardware = "unknown", model = "", suite = ""] = key.split("/");
    const baseSuite = groupRuns[0]?.suite ?? suite;
    const series = withGroupExclusions(buildSeries(groupRuns, { metrics }), groupRuns);
    const changes = opts.changes
      ? opts.changes.filter((c) => c.hardware === hardware && c.model === model && c.suite === suite)
      : findAlerts(series, groupRuns, {
          ...opts.changepoints,
          ...(opts.changeNights ? { lastNights: opts.changeNights } : {}),
        }).changes;
    const { axis, labels } = labelPoints([...new Set(series.map((s) => s.point))]);
    const byMetric = new Map<string, ChartLine[]>();
    for (const s of series) {
      const lines = byMetric.get(s.metric) ?? [];
      const l = labels.get(s.point) ?? { label: s.point, order: 0 };
      lines.push({
        point: s.point,
        label: l.label,
        order: l.order,
        nights: nightStats(s),
        excluded: excludedMarks(s),
        changes: changes.filter((c) => c.series === s.key),
      });
      byMetric.set(s.metric, lines);
    }
    const sorted = [...groupRuns].sort((a, b) => ((runDate(a) ?? "") < (runDate(b) ?? "") ? 1 : -1));
    out.push({
      hardware,
      model,
      suite,
      baseSuite,
      kind: groupRuns[0]?.kind ?? "online",
      backends: [...new Set(sorted.map((r) => r.backend).filter((b): b is string => Boolean(b)))],
      axis,
      metrics: metrics
        .filter((m) => byMetric.has(m))
        .map((m) => {
          const info = metricInfo(m);
          const lines = (byMetric.get(m) ?? []).sort((a, b) => a.order - b.order || (a.label < b.label ? -1 : 1));
          return { metric: m, display: info.display, unit: info.unit, better: info.better, lines };
        }),
      kv: kvNights(groupRuns),
      gsm8k: gsm8kNights(groupRuns),
      changes,
    });
  }
  return out;
}

/**
 * KV-cache capacity per night (the last run of a night wins: an `rc` rerun replaces the first). A
 * failed night (the server started, logged its KV cache, then measured nothing) is not charted.
 */
function kvNights(runs: readonly RunResults[]): KvNight[] {
  const quality = nightQualities(runs);
  const byDate = new Map<string, KvNight>();
  for (const run of runs) {
    const date = runDate(run);
    const kv = run.kv_cache;
    if (!date || !kv || (kv.num_tokens === undefined && kv.size_gb === undefined)) continue;
    if (quality.get(identityKey(seriesIdentity(run)))?.get(date)?.quality === "failed") continue;
    byDate.set(date, {
      date,
      day: isoDay(date),
      tag: run.image?.tag ?? date,
      ...(kv.num_tokens !== undefined ? { num_tokens: kv.num_tokens } : {}),
      ...(kv.size_gb !== undefined ? { size_gb: kv.size_gb } : {}),
    });
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** GSM8K accuracy per night (the last run of a night wins, as for the KV cache). */
function gsm8kNights(runs: readonly RunResults[]): Gsm8kNight[] {
  const byDate = new Map<string, Gsm8kNight>();
  for (const run of runs) {
    const date = runDate(run);
    const g = run.gsm8k;
    const accuracy =
      g?.average ?? (g?.runs.length ? g.runs.reduce((a, r) => a + r.accuracy, 0) / g.runs.length : undefined);
    // 0 is what a crashed GSM8K client leaves: a failed night, not an accuracy.
    if (!date || accuracy === undefined || !(accuracy > 0)) continue;
    const floor = g?.threshold ?? gsm8kFloor(run.model.name);
    byDate.set(date, {
      date,
      day: isoDay(date),
      tag: run.image?.tag ?? date,
      accuracy,
      ...(floor !== undefined ? { floor } : {}),
    });
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}
