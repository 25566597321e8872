/**
 * Vega-Lite specs for the nightly charts, the seed's set made readable:
 * - per-point panels (one per batch size / request rate / concurrency, each with its own y scale)
 *   of the nightly median, a band for the min–max over the night's repeats, de-overlapped value
 *   labels and dashed change-point rules (red regression, green improvement) with their change in %;
 * - a combined chart (one line per point, log scale) per suite;
 * - the KV-cache capacity (tokens and GB) the server allocated at startup.
 * Scale domains are set here (not by Vega) so label collisions can be computed in pixels.
 */
import { changePhrase } from "../core/report/index.js";
import type { SeriesChange } from "../core/trends/index.js";
import type {
  ChartLine,
  ExcludedMark,
  Gsm8kNight,
  KvNight,
  MetricLines,
  NightStat,
  SuiteChartData,
} from "./chart-data.js";
import {
  formatValue,
  labelMark,
  labelWidth,
  placeLabels,
  samplePolyline,
  type Box,
  type LabelCandidate,
  type LabelPlacement,
} from "./labels.js";

/** A Vega-Lite spec as plain JSON (compiled by vega-lite at render time). */
export type VlSpec = Record<string, unknown>;

/** One chart of a suite. */
export interface ChartSpec {
  /** File stem and anchor: `latency`, `throughput`, `combined`, `e2e`, `ttft`, `itl`, `kv`. */
  id: string;
  title: string;
  spec: VlSpec;
}

/** Options for the specs. */
export interface SpecOptions {
  /** Tooltips and x zoom/pan (the dashboard); static images leave them out. */
  interactive?: boolean;
  /** Plot width in px (default 860). */
  width?: number;
  /** Panel height in px (default 150). */
  panelHeight?: number;
}

const FONT = "DejaVu Sans";
const LINE_COLOR = "#1f5fa8";
const BAND_COLOR = "#7fa7d6";
const CHANGE_COLORS = { regression: "#c62828", improvement: "#2e7d32" } as const;
/** Markers of nights left out of the trend: grey = partial, red = failed. */
const EXCLUDED_COLORS = { partial: "#8a8a8a", failed: "#c62828" } as const;
/** What the subtitles say about those markers. */
const EXCLUDED_NOTE = "× = partial (grey) or failed (red) night, not in the trend";
const DAY_MS = 86_400_000;
/** Above this many nights a panel labels only its informative nights. */
const DENSE_NIGHTS = 14;
/** Above this many nights a line is drawn without dots. */
const DOT_NIGHTS = 60;
/** Room kept at each end of the time axis for a value label, in px. */
const EDGE_PX = 22;

/** Short chart ids for the seed's metrics. */
const CHART_IDS: Record<string, string> = {
  total_latency: "latency",
  overall_throughput: "throughput",
  median_e2e_latency_ms: "e2e",
  median_ttft_ms: "ttft",
  median_itl_ms: "itl",
};

/** Display name of a hardware type (`mi30x` → `MI300X`). */
export function hardwareName(hw: string): string {
  if (hw === "mi30x") return "MI300X";
  if (hw === "mi35x") return "MI355X";
  return hw.toUpperCase();
}

/** `GROK1_MOE-I4F8 · grok-offline-normal`. */
function suiteTitle(d: SuiteChartData): string {
  return `${d.model} · ${d.suite}`;
}

/** `backend aiter · MI300X (mi30x)`. */
function subtitleOf(d: SuiteChartData, extra: string): string[] {
  const backend = d.backends.length ? `backend ${d.backends.join(", ")}` : "backend unknown";
  return [`${backend} · ${hardwareName(d.hardware)} (${d.hardware})`, extra];
}

function baseConfig(): VlSpec {
  return {
    font: FONT,
    background: "white",
    view: { stroke: "#d0d0d0" },
    axis: { labelFont: FONT, titleFont: FONT, gridColor: "#ececec", labelFontSize: 10, titleFontSize: 11 },
    title: {
      font: FONT,
      subtitleFont: FONT,
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 11,
      subtitleColor: "#555",
    },
    legend: { labelFont: FONT, titleFont: FONT },
    concat: { spacing: 22 },
  };
}

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Time domain over every night of the suite, padded by ~20 px each side so the edge labels fit. */
function timeDomain(days: readonly string[], width: number): [number, number] {
  const ms = days.map(dayMs).filter(Number.isFinite);
  const lo = Math.min(...ms);
  const hi = Math.max(...ms);
  const pad = Math.max(DAY_MS / 2, ((hi - lo) * EDGE_PX) / Math.max(1, width - 2 * EDGE_PX));
  return [lo - pad, hi + pad];
}

/** y domain: the band's extent, with headroom above for labels. */
function valueDomain(values: readonly number[], log: boolean): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (log) {
    const [l, h] = [Math.log10(lo), Math.log10(hi)];
    const span = Math.max(h - l, 0.2);
    return [10 ** (l - span * 0.08), 10 ** (h + span * 0.18)];
  }
  if (hi - lo < Math.abs(hi) * 0.004 || hi === lo) {
    // A flat line: show ±1 % so noise is not magnified into a cliff.
    const mid = (hi + lo) / 2 || 1;
    lo = mid - Math.abs(mid) * 0.01;
    hi = mid + Math.abs(mid) * 0.01;
  }
  const span = hi - lo;
  return [lo - span * 0.08, hi + span * 0.3];
}

function scaler(domain: [number, number], range: number, log: boolean, invert: boolean): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const [a, b] = [f(domain[0]), f(domain[1])];
  return (v) => {
    const t = b === a ? 0.5 : (f(v) - a) / (b - a);
    return invert ? range - t * range : t * range;
  };
}

function pointTitle(line: ChartLine): string {
  const parts = line.point
    .split(",")
    .map((kv) => kv.split("="))
    .map(([k, v]) => `${(k ?? "").replaceAll("_", " ")} ${v ?? ""}`);
  return `${line.label}   (${parts.join(", ")})`;
}

function changeText(c: SeriesChange): string {
  return changePhrase(c.metric, c.change_pct);
}

/** Label priorities: change nights first, then the latest night, the first, the extremes, the rest. */
function labelPriority(i: number, n: number, isChange: boolean, isExtreme: boolean): number {
  if (isChange) return 0;
  if (i === n - 1) return 1;
  if (i === 0) return 2;
  if (isExtreme) return 3;
  return 4;
}

function tooltip(unit: string): VlSpec[] {
  return [
    { field: "day", type: "temporal", timeUnit: "utcyearmonthdate", title: "date", format: "%Y-%m-%d" },
    { field: "tag", type: "nominal", title: "image" },
    { field: "median", type: "quantitative", title: `median (${unit})`, format: ",.4~f" },
    { field: "min", type: "quantitative", title: "min", format: ",.4~f" },
    { field: "max", type: "quantitative", title: "max", format: ",.4~f" },
    { field: "n", type: "quantitative", title: "repeats" },
  ];
}

/** Whole-day (or whole-month) ticks, about a dozen: the default ticks fell between nights on short series. */
function tickCount(domain: [number, number]): VlSpec {
  const days = (domain[1] - domain[0]) / DAY_MS;
  if (days > 120) return { interval: "month", step: Math.max(1, Math.ceil(days / 30 / 12)) };
  return { interval: "day", step: Math.max(1, Math.ceil(days / 12)) };
}

/** 6 significant digits: the charts cannot show more, and the dashboard inlines every row. */
function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/** The fields a chart row needs (no raw date: `day` is the axis; `segment` breaks the line). */
function chartRow(n: NightStat): Omit<NightStat, "date"> {
  return {
    day: n.day,
    tag: n.tag,
    median: round(n.median),
    min: round(n.min),
    max: round(n.max),
    n: n.n,
    segment: n.segment,
  };
}

/** Lines and bands are drawn per segment, so they stop at an excluded night or a long gap. */
const SEGMENT_DETAIL: VlSpec = { field: "segment", type: "nominal" };

/** Excluded nights, one marker per date (the first line's when several lines list it). */
function uniqueMarks(marks: readonly ExcludedMark[]): ExcludedMark[] {
  const byDate = new Map<string, ExcludedMark>();
  for (const m of marks) if (!byDate.has(m.date)) byDate.set(m.date, m);
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

/**
 * Layers marking excluded nights with a cross: at the night's value when the line measured one
 * (clamped into the panel, a stray value must not stretch the scale), else at the panel's
 * baseline. Never part of the line.
 */
function excludedLayers(
  marks: readonly ExcludedMark[],
  opts: { y?: VlSpec; domain?: [number, number]; height: number; interactive: boolean },
): VlSpec[] {
  if (marks.length === 0) return [];
  const clamp = (v: number): number =>
    opts.domain ? Math.min(opts.domain[1], Math.max(opts.domain[0], v)) : Number.NaN;
  const rows = marks.map((m) => ({
    day: m.day,
    tag: m.tag,
    quality: m.quality,
    label: m.label,
    ...(m.value !== undefined && opts.y ? { value: round(m.value), at: round(clamp(m.value)) } : {}),
  }));
  const tooltip = opts.interactive
    ? {
        tooltip: [
          { field: "day", type: "temporal", timeUnit: "utcyearmonthdate", title: "date", format: "%Y-%m-%d" },
          { field: "tag", type: "nominal", title: "image" },
          { field: "label", type: "nominal", title: "excluded" },
          ...(rows.some((r) => r.value !== undefined)
            ? [{ field: "value", type: "quantitative", title: "value", format: ",.4~f" }]
            : []),
        ],
      }
    : {};
  // One layer per quality and placement: a color encoding would share the panel's color scale
  // with the change rules (regression/improvement).
  const out: VlSpec[] = [];
  for (const quality of ["partial", "failed"] as const) {
    const mark = { type: "point", shape: "cross", filled: true, size: 70, color: EXCLUDED_COLORS[quality] };
    const mine = rows.filter((r) => r.quality === quality);
    const placed = mine.filter((r) => r.at !== undefined && Number.isFinite(r.at));
    const atBase = mine.filter((r) => !placed.includes(r));
    if (placed.length && opts.y)
      out.push({ data: { values: placed }, mark, encoding: { y: { ...opts.y, field: "at" }, ...tooltip } });
    if (atBase.length)
      out.push({ data: { values: atBase }, mark, encoding: { y: { value: opts.height - 6 }, ...tooltip } });
  }
  return out;
}

/** One text layer per label position in use (Vega-Lite cannot encode align/dx per datum). */
function labelLayers(
  placements: readonly LabelPlacement[],
  y: VlSpec,
  mark: VlSpec = {},
  encoding: VlSpec = {},
): VlSpec[] {
  const used = [...new Set(placements.filter((p): p is NonNullable<LabelPlacement> => p !== undefined))];
  return used.map((pos) => ({
    transform: [{ filter: `datum.pos === '${pos}'` }],
    mark: { type: "text", fontSize: 10, ...labelMark(pos), ...mark },
    encoding: { y, text: { field: "text" }, ...encoding },
  }));
}

/**
 * Invisible dots that carry the tooltips: a line mark is one item, so its tooltip would always
 * show the first night; one dot per night shows the night under the pointer.
 */
function hoverLayer(y: VlSpec, fields: VlSpec[]): VlSpec {
  return { mark: { type: "point", opacity: 0, size: 80 }, encoding: { y, tooltip: fields } };
}

function xEncoding(domain: [number, number], title: string | null): VlSpec {
  return {
    field: "day",
    type: "temporal",
    scale: { type: "utc", domain, nice: false },
    axis: {
      // Month ticks on long series carry the year (a year of nights crosses New Year).
      format: (domain[1] - domain[0]) / DAY_MS > 120 ? "%b %Y" : "%b %d",
      labelAngle: -40,
      title,
      labelOverlap: true,
      tickCount: tickCount(domain),
    },
  };
}

/** One point's panel: band, median line, labels, change rules. */
function panelSpec(
  line: ChartLine,
  m: MetricLines,
  xDomain: [number, number],
  opts: Required<Omit<SpecOptions, "interactive">> & { interactive: boolean; index: number; last: boolean },
): VlSpec {
  const { width, panelHeight: height } = opts;
  const yDomain = valueDomain(
    line.nights.flatMap((n) => [n.min, n.max]),
    false,
  );
  const px = scaler(xDomain, width, false, false);
  const py = scaler(yDomain, height, false, true);
  // Both sides of a change are labelled, so the step can be read off the chart.
  const changeDays = new Set(line.changes.flatMap((c) => [c.date, c.previous_date]));
  const afterDays = new Set(line.changes.map((c) => c.date));
  const beforeDays = new Set(line.changes.map((c) => c.previous_date));
  const medians = line.nights.map((n) => n.median);
  const hi = Math.max(...medians);
  const lo = Math.min(...medians);
  const candidates: LabelCandidate[] = line.nights.map((n, i) => ({
    x: px(dayMs(n.day)),
    y: py(n.median),
    text: formatValue(n.median),
    priority: labelPriority(i, line.nights.length, changeDays.has(n.date), n.median === hi || n.median === lo),
    ...(afterDays.has(n.date) ? { side: "right" as const } : beforeDays.has(n.date) ? { side: "left" as const } : {}),
  }));
  const changes = line.changes.map((c) => ({
    day: `${c.date.slice(0, 4)}-${c.date.slice(4, 6)}-${c.date.slice(6, 8)}`,
    kind: c.kind === "regression" ? "regression" : "improvement",
    text: `${changeText(c)} ${c.kind === "regression" ? "regression" : "improvement"}`,
  }));
  // Labels keep off the line, the dashed change rules and the change texts at the top.
  const ruleXs = changes.map((c) => px(dayMs(c.day)));
  const obstacles = [
    ...samplePolyline(candidates),
    ...ruleXs.flatMap((x) =>
      samplePolyline([
        { x, y: 0 },
        { x, y: height },
      ]),
    ),
  ];
  const reserved: Box[] = changes.map((c, i) => ({
    x0: (ruleXs[i] ?? 0) + 2,
    x1: (ruleXs[i] ?? 0) + 6 + labelWidth(c.text, 10) * 1.1,
    y0: 0,
    y1: 16,
  }));
  // Long series: only the informative nights (changes, ends, extremes); a label per night is noise.
  const dense = line.nights.length > DENSE_NIGHTS;
  const placed = placeLabels(
    candidates.map((c) => (dense && c.priority > 3 ? { ...c, x: Number.NaN } : c)),
    { width, height, obstacles, reserved },
  );
  // Without dots, a night alone in its segment (between two excluded nights) would draw nothing.
  const dots = line.nights.length <= DOT_NIGHTS;
  const segmentSize = new Map<number, number>();
  for (const n of line.nights) segmentSize.set(n.segment, (segmentSize.get(n.segment) ?? 0) + 1);
  const rows = line.nights.map((n, i) => {
    const pos = placed[i];
    const alone = !dots && segmentSize.get(n.segment) === 1;
    return { ...chartRow(n), ...(pos ? { text: candidates[i]?.text, pos } : {}), ...(alone ? { alone } : {}) };
  });
  const y = { field: "median", type: "quantitative", scale: { domain: yDomain, nice: false, zero: false } };
  const lineLayer: VlSpec = {
    mark: {
      type: "line",
      color: LINE_COLOR,
      strokeWidth: 1.8,
      // Dots help on a few nights; on months of nights they merge into a thick smear.
      point: dots ? { filled: true, size: 22, color: LINE_COLOR } : false,
    },
    encoding: { y: { ...y, title: `${m.unit}` }, detail: SEGMENT_DETAIL },
    ...(opts.interactive
      ? { params: [{ name: `zoom${opts.index}`, select: { type: "interval", encodings: ["x"] }, bind: "scales" }] }
      : {}),
  };
  const changeColor = {
    field: "kind",
    type: "nominal",
    scale: { domain: ["regression", "improvement"], range: [CHANGE_COLORS.regression, CHANGE_COLORS.improvement] },
    legend: null,
  };
  const layers: VlSpec[] = [
    {
      mark: { type: "area", color: BAND_COLOR, opacity: 0.35 },
      encoding: {
        y: { field: "min", type: "quantitative", scale: y.scale },
        y2: { field: "max" },
        detail: SEGMENT_DETAIL,
      },
    },
    lineLayer,
    ...(rows.some((r) => "alone" in r)
      ? [
          {
            transform: [{ filter: "datum.alone" }],
            mark: { type: "point", filled: true, size: 18, color: LINE_COLOR },
            encoding: { y },
          },
        ]
      : []),
    ...excludedLayers(line.excluded, { y, domain: yDomain, height, interactive: opts.interactive }),
    ...labelLayers(placed, y, { color: "#333" }),
    ...(opts.interactive ? [hoverLayer(y, tooltip(m.unit))] : []),
  ];
  if (changes.length) {
    layers.push(
      {
        data: { values: changes },
        mark: { type: "rule", strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: { color: changeColor },
      },
      {
        data: { values: changes },
        mark: { type: "text", align: "left", baseline: "top", dx: 4, fontSize: 10, fontWeight: "bold" },
        encoding: { y: { value: 3 }, text: { field: "text" }, color: changeColor },
      },
    );
  }
  return {
    width,
    height,
    title: { text: pointTitle(line), fontSize: 12, anchor: "start", fontWeight: "bold" },
    data: { values: rows },
    encoding: { x: xEncoding(xDomain, opts.last ? "nightly image date (Pacific)" : null) },
    layer: layers,
  };
}

function defaults(opts: SpecOptions): Required<Omit<SpecOptions, "interactive">> & { interactive: boolean } {
  return { width: opts.width ?? 860, panelHeight: opts.panelHeight ?? 150, interactive: opts.interactive ?? false };
}

/** A metric's chart: one panel per point, stacked. */
export function metricSpec(d: SuiteChartData, m: MetricLines, opts: SpecOptions = {}): VlSpec {
  const o = defaults(opts);
  const lines = m.lines.filter((l) => l.nights.length > 0);
  const xDomain = timeDomain(
    lines.flatMap((l) => [...l.nights.map((n) => n.day), ...l.excluded.map((e) => e.day)]),
    o.width,
  );
  const excluded = lines.some((l) => l.excluded.length > 0);
  const regressions = lines.reduce((n, l) => n + l.changes.filter((c) => c.kind === "regression").length, 0);
  const better = m.better === "lower" ? "lower is better" : m.better === "higher" ? "higher is better" : "";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `${m.display} (${m.unit}) vs date — ${suiteTitle(d)}`,
      subtitle: subtitleOf(
        d,
        `${better}; line = nightly median, band = min–max over the night's repeats, dashed = change point` +
          (regressions ? ` (${regressions} regression${regressions > 1 ? "s" : ""})` : "") +
          (excluded ? `; ${EXCLUDED_NOTE}` : ""),
      ),
    },
    config: baseConfig(),
    vconcat: lines.map((line, index) => panelSpec(line, m, xDomain, { ...o, index, last: index === lines.length - 1 })),
  };
}

/** All lines of each metric on one log-scale chart (the seed's "combined" view), metrics side by side. */
export function combinedSpec(d: SuiteChartData, opts: SpecOptions = {}): VlSpec {
  const o = defaults(opts);
  const width = Math.max(260, Math.floor((o.width - 40 * (d.metrics.length - 1)) / Math.max(1, d.metrics.length)) - 30);
  const height = 300;
  const labelsOrder = [...new Map(d.metrics.flatMap((m) => m.lines.map((l) => [l.label, l.order]))).entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([l]) => l);
  const xDomain = timeDomain(
    d.metrics.flatMap((m) => m.lines.flatMap((l) => [...l.nights.map((n) => n.day), ...l.excluded.map((e) => e.day)])),
    width,
  );
  const panels = d.metrics.map((m, mi) => {
    const rows = m.lines.flatMap((l) => l.nights.map((n) => ({ ...n, line: l.label })));
    const yDomain = valueDomain(
      rows.map((r) => r.median),
      true,
    );
    const px = scaler(xDomain, width, false, false);
    const py = scaler(yDomain, height, true, true);
    // Only each line's latest value is labelled: the log scale already separates the lines.
    const lastRows = m.lines.map((l) => l.nights[l.nights.length - 1]).filter((n) => n !== undefined);
    const obstacles = m.lines.flatMap((l) =>
      samplePolyline(l.nights.map((n) => ({ x: px(dayMs(n.day)), y: py(n.median) }))),
    );
    const placed = placeLabels(
      lastRows.map((n) => ({ x: px(dayMs(n.day)), y: py(n.median), text: formatValue(n.median), priority: 0 })),
      { width, height, obstacles },
    );
    const lastKeys = new Map(lastRows.map((n, i) => [n, placed[i]]));
    const labelled = rows.map((r) => {
      const line = m.lines.find((l) => l.label === r.line);
      const last = line?.nights[line.nights.length - 1];
      const pos = last && last.date === r.date ? (lastKeys.get(last) ?? null) : null;
      // Only labelled rows carry their text: a year of nights × lines is inlined in the dashboard.
      return { ...chartRow(r), line: r.line, ...(pos ? { text: formatValue(r.median), pos } : {}) };
    });
    const y = { field: "median", type: "quantitative", scale: { type: "log", domain: yDomain, nice: false } };
    const color = {
      field: "line",
      type: "ordinal",
      title: d.axis,
      scale: { domain: labelsOrder, scheme: "tableau10" },
    };
    return {
      width,
      height,
      title: { text: `${m.display} (${m.unit})`, fontSize: 12 },
      data: { values: labelled },
      encoding: { x: xEncoding(xDomain, "date") },
      layer: [
        {
          mark: {
            type: "line",
            strokeWidth: 1.6,
            point: d.metrics.every((x) => x.lines.every((l) => l.nights.length <= DOT_NIGHTS))
              ? { filled: true, size: 16 }
              : false,
          },
          encoding: {
            y: { ...y, title: `${m.unit} (log)` },
            color,
            detail: SEGMENT_DETAIL,
          },
          ...(o.interactive
            ? { params: [{ name: `czoom${mi}`, select: { type: "interval", encodings: ["x"] }, bind: "scales" }] }
            : {}),
        },
        ...labelLayers(placed, y, {}, { color }),
        // Lines differ in value, so an excluded night is marked once, at the baseline.
        ...excludedLayers(
          uniqueMarks(m.lines.flatMap((l) => l.excluded)).map(({ value: _v, ...rest }) => rest),
          { height, interactive: o.interactive },
        ),
        ...(o.interactive ? [hoverLayer(y, [{ field: "line", title: d.axis }, ...tooltip(m.unit)])] : []),
      ],
    };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Trends — ${suiteTitle(d)}`,
      subtitle: subtitleOf(
        d,
        `nightly median per ${d.axis}, log scale; latest value labelled` +
          (d.metrics.some((m) => m.lines.some((l) => l.excluded.length)) ? `; ${EXCLUDED_NOTE}` : ""),
      ),
    },
    config: baseConfig(),
    hconcat: panels,
  };
}

/** KV-cache capacity allocated at server start: tokens (line) and GB (bars). */
export function kvSpec(d: SuiteChartData, opts: SpecOptions = {}): VlSpec {
  const o = defaults(opts);
  const xDomain = timeDomain(
    d.kv.map((k) => k.day),
    o.width,
  );
  const height = 160;
  // One bar per night, centred on its date, as wide as 60 % of a night's slot.
  const slot = (o.width * DAY_MS) / Math.max(DAY_MS, xDomain[1] - xDomain[0]);
  const barSize = Math.max(1, Math.min(40, slot * 0.6));
  const part = (field: "num_tokens" | "size_gb", title: string, bars: boolean, last: boolean): VlSpec => {
    const rows = d.kv.filter((k): k is KvNight & Record<typeof field, number> => k[field] !== undefined);
    const yDomain = valueDomain(
      rows.map((r) => r[field]),
      false,
    );
    const px = scaler(xDomain, o.width, false, false);
    const py = scaler(yDomain, height, false, true);
    const placed = placeLabels(
      rows.map((r, i) => ({
        x: px(dayMs(r.day)),
        y: py(r[field]),
        text: formatValue(r[field]),
        priority: labelPriority(i, rows.length, i > 0 && rows[i - 1]?.[field] !== r[field], false),
      })),
      { width: o.width, height },
    );
    const values = rows.map((r, i) => ({ ...r, value: r[field], text: formatValue(r[field]), pos: placed[i] ?? null }));
    const y = { field: "value", type: "quantitative", scale: { domain: yDomain, nice: false, zero: false } };
    return {
      width: o.width,
      height,
      title: { text: title, fontSize: 12, anchor: "start" },
      data: { values },
      encoding: { x: xEncoding(xDomain, last ? "nightly image date (Pacific)" : null) },
      layer: [
        bars
          ? {
              mark: { type: "bar", color: "#8e6bbf", size: barSize, clip: true },
              encoding: {
                y: { ...y, title: "GB" },
                y2: { datum: yDomain[0] },
              },
            }
          : {
              mark: { type: "line", color: "#8e6bbf", point: { filled: true, color: "#8e6bbf" } },
              encoding: { y: { ...y, title: "tokens" } },
            },
        ...labelLayers(placed, y),
        ...(o.interactive
          ? [
              {
                mark: { type: "point", opacity: 0 },
                encoding: {
                  y,
                  tooltip: [
                    { field: "day", type: "temporal", timeUnit: "utcyearmonthdate", title: "date", format: "%Y-%m-%d" },
                    { field: "tag", title: "image" },
                    { field: "value", title, format: ",.4~f" },
                  ],
                },
              },
            ]
          : []),
      ],
    };
  };
  const hasTokens = d.kv.some((k) => k.num_tokens !== undefined);
  const hasGb = d.kv.some((k) => k.size_gb !== undefined);
  const parts = [
    ...(hasTokens ? [part("num_tokens", "# tokens the KV cache holds", false, !hasGb)] : []),
    ...(hasGb ? [part("size_gb", "KV cache size (GB)", true, true)] : []),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `KV cache at server start — ${suiteTitle(d)}`,
      subtitle: subtitleOf(d, "what the server allocated for the KV cache at startup (server log)"),
    },
    config: baseConfig(),
    vconcat: parts,
  };
}

/** GSM8K accuracy per night with the model's floor (dashed): below it the night failed its gate. */
function gsm8kPanel(rows: readonly Gsm8kNight[], xDomain: [number, number], width: number, height: number): VlSpec {
  const floor = rows.find((r) => r.floor !== undefined)?.floor;
  const values = rows.map((r) => ({
    day: r.day,
    tag: r.tag,
    accuracy: round(r.accuracy),
    below: floor !== undefined && r.accuracy < floor,
  }));
  const all = [...rows.map((r) => r.accuracy), ...(floor !== undefined ? [floor] : [])];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = Math.max(0.005, (hi - lo) * 0.15);
  const y = {
    field: "accuracy",
    type: "quantitative",
    scale: { domain: [lo - pad, Math.min(1, hi + pad)], nice: false, zero: false },
  };
  return {
    width,
    height,
    title: { text: `GSM8K accuracy${floor !== undefined ? ` (floor ${floor})` : ""}`, fontSize: 12, anchor: "start" },
    data: { values },
    encoding: { x: xEncoding(xDomain, null) },
    layer: [
      {
        mark: { type: "line", color: "#00796b", point: { filled: true, size: 14 } },
        encoding: { y: { ...y, title: "accuracy", axis: { format: ".3f" } } },
      },
      {
        transform: [{ filter: "datum.below" }],
        mark: { type: "point", color: CHANGE_COLORS.regression, filled: true, size: 50 },
        encoding: { y },
      },
      ...(floor !== undefined
        ? [
            {
              data: { values: [{ floor }] },
              mark: { type: "rule", strokeDash: [5, 3], color: CHANGE_COLORS.regression },
              // Its own x (the panel's is the night's date, which this row has not).
              encoding: { x: { value: 0 }, x2: { value: width }, y: { field: "floor", type: "quantitative" } },
            },
          ]
        : []),
    ],
  };
}

/** GSM8K accuracy chart of a suite. */
export function gsm8kSpec(d: SuiteChartData, opts: SpecOptions = {}): VlSpec {
  const o = defaults(opts);
  const xDomain = timeDomain(
    d.gsm8k.map((g) => g.day),
    o.width,
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `GSM8K accuracy — ${suiteTitle(d)}`,
      subtitle: subtitleOf(d, "average over the night's GSM8K runs; dashed = the model's floor, red = below it"),
    },
    config: baseConfig(),
    vconcat: [gsm8kPanel(d.gsm8k, xDomain, o.width, 160)],
  };
}

/**
 * The morning glance, as the original's six panels: every point of each metric (log scale), the KV
 * cache in tokens and GB, and GSM8K accuracy with its floor, two panels a row. Static (no labels).
 */
export function overviewSpec(d: SuiteChartData): VlSpec {
  const width = 400;
  const height = 190;
  const days = [
    ...d.metrics.flatMap((m) =>
      m.lines.flatMap((l) => [...l.nights.map((n) => n.day), ...l.excluded.map((e) => e.day)]),
    ),
    ...d.kv.map((k) => k.day),
    ...d.gsm8k.map((g) => g.day),
  ];
  const xDomain = timeDomain(days, width);
  const labelsOrder = [...new Map(d.metrics.flatMap((m) => m.lines.map((l) => [l.label, l.order]))).entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([l]) => l);
  const metricPanels = d.metrics.map((m) => {
    const rows = m.lines.flatMap((l) =>
      l.nights.map((n) => ({ day: n.day, median: round(n.median), line: l.label, segment: n.segment })),
    );
    const yDomain = valueDomain(
      rows.map((r) => r.median),
      true,
    );
    return {
      width,
      height,
      title: { text: `${m.display} (${m.unit})`, fontSize: 12, anchor: "start" },
      data: { values: rows },
      encoding: { x: xEncoding(xDomain, null) },
      layer: [
        {
          mark: { type: "line", strokeWidth: 1.4 },
          encoding: {
            y: {
              field: "median",
              type: "quantitative",
              scale: { type: "log", domain: yDomain, nice: false },
              title: `${m.unit} (log)`,
            },
            color: {
              field: "line",
              type: "ordinal",
              title: d.axis,
              scale: { domain: labelsOrder, scheme: "tableau10" },
            },
            detail: SEGMENT_DETAIL,
          },
        },
        ...excludedLayers(
          uniqueMarks(m.lines.flatMap((l) => l.excluded)).map(({ value: _v, ...rest }) => rest),
          { height, interactive: false },
        ),
      ],
    };
  });
  const kvPanel = (field: "num_tokens" | "size_gb", title: string): VlSpec | undefined => {
    const rows = d.kv.filter((k) => k[field] !== undefined).map((k) => ({ day: k.day, value: k[field] }));
    if (rows.length === 0) return undefined;
    const yDomain = valueDomain(
      rows.map((r) => r.value as number),
      false,
    );
    return {
      width,
      height,
      title: { text: title, fontSize: 12, anchor: "start" },
      data: { values: rows },
      mark: { type: "line", color: "#8e6bbf", point: { filled: true, size: 12 }, interpolate: "step-after" },
      encoding: {
        x: xEncoding(xDomain, null),
        y: {
          field: "value",
          type: "quantitative",
          scale: { domain: yDomain, nice: false, zero: false },
          title: field === "size_gb" ? "GB" : "tokens",
        },
      },
    };
  };
  const panels = [
    ...metricPanels,
    kvPanel("num_tokens", "# tokens the KV cache holds (server start)"),
    kvPanel("size_gb", "KV cache size (GB)"),
    ...(d.gsm8k.length ? [gsm8kPanel(d.gsm8k, xDomain, width, height)] : []),
  ].filter((p): p is VlSpec => p !== undefined);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Overview — ${suiteTitle(d)}`,
      subtitle: subtitleOf(
        d,
        `nightly medians per ${d.axis} (log scale), KV cache, GSM8K accuracy and floor` +
          (d.metrics.some((m) => m.lines.some((l) => l.excluded.length)) ? `; ${EXCLUDED_NOTE}` : ""),
      ),
    },
    config: { ...baseConfig(), legend: { labelFont: FONT, titleFont: FONT, orient: "right" } },
    columns: 2,
    concat: panels,
    resolve: { scale: { color: "independent" } },
  };
}

/** Every chart of a suite, in display order. */
export function suiteChartSpecs(d: SuiteChartData, opts: SpecOptions = {}): ChartSpec[] {
  const out: ChartSpec[] = d.metrics
    .filter((m) => m.lines.some((l) => l.nights.length > 0))
    .map((m) => ({
      id: CHART_IDS[m.metric] ?? m.metric,
      title: `${m.display} (${m.unit})`,
      spec: metricSpec(d, m, opts),
    }));
  if (d.metrics.length > 0) out.push({ id: "combined", title: "Trends (all points)", spec: combinedSpec(d, opts) });
  if (d.kv.length > 0) out.push({ id: "kv", title: "KV cache", spec: kvSpec(d, opts) });
  if (d.gsm8k.length > 0) out.push({ id: "gsm8k", title: "GSM8K accuracy", spec: gsm8kSpec(d, opts) });
  // The overview is an image for the morning glance (and the page's top); not drawn interactively.
  if (!opts.interactive && d.metrics.length > 0)
    out.push({ id: "overview", title: "Overview (six panels)", spec: overviewSpec(d) });
  return out;
}
