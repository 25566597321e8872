/**
 * The seed's offline CSV (original-toolkit.md §1.6): one header line, one row per point in loop order.
 * 11 columns for Grok since ~2025-06-19 (with `Backend`), 10 for old Grok and DeepSeek.
 * A row of `NA`s is an OOM, a row of empty fields a crash without `OutOfMemoryError` (§10).
 * Values stay the strings the seed printed, so `718.20` survives a round trip.
 */
import type { Diagnostic, PointResult, Repeat, Point, Failure } from "../core/results/index.js";
import { readDelimited, writeDelimited } from "./delimited.js";

/** Offline metric columns → canonical keys (metrics.ts), in the seed's column order. */
export const OFFLINE_METRIC_COLUMNS = [
  ["Prefill_latency(s)", "prefill_latency"],
  ["Median_decode_latency(s)", "median_decode_latency"],
  ["E2E_Latency(s)", "total_latency"],
  ["Prefill_Throughput(token/s)", "prefill_throughput"],
  ["Median_Decode_Throughput(token/s)", "median_decode_throughput"],
  ["E2E_Throughput(token/s)", "overall_throughput"],
] as const;
export type OfflineMetricKey = (typeof OFFLINE_METRIC_COLUMNS)[number][1];

const POINT_COLUMNS = ["TP", "batch_size", "IL", "OL"] as const;

/** Grok header with `Backend` (11 columns). */
export const OFFLINE_HEADER_11: readonly string[] = [
  ...POINT_COLUMNS,
  "Backend",
  ...OFFLINE_METRIC_COLUMNS.map(([c]) => c),
];
/** Old Grok and DeepSeek header (10 columns). */
export const OFFLINE_HEADER_10: readonly string[] = [...POINT_COLUMNS, ...OFFLINE_METRIC_COLUMNS.map(([c]) => c)];

/** Decimals the seed's values carry (bench_one_batch's `6.5f` latencies, `6.3f` total, `9.2f` throughputs). */
const DECIMALS: Record<OfflineMetricKey, number> = {
  prefill_latency: 5,
  median_decode_latency: 5,
  total_latency: 3,
  prefill_throughput: 2,
  median_decode_throughput: 2,
  overall_throughput: 2,
};

/** `malformed`: not as many fields as the header (a truncated or garbled line); never read as data. */
export type OfflineRowStatus = "ok" | "oom" | "crash" | "partial" | "malformed";

export interface OfflineCsvRow {
  /** The row's cells exactly as in the file (what {@link formatOfflineCsv} writes). */
  cells: string[];
  /** 1-based line in the file (0 for rows built in memory). */
  line: number;
  tp?: number;
  batch_size?: number;
  input_len?: number;
  output_len?: number;
  backend?: string;
  /** Canonical key → raw text (`"718.20"`, `"NA"`, `""`). */
  values: Partial<Record<OfflineMetricKey, string>>;
  status: OfflineRowStatus;
}

export interface ParsedOfflineCsv {
  file: string;
  columns: 10 | 11;
  header: string[];
  rows: OfflineCsvRow[];
  trailingNewline: boolean;
  diagnostics: Diagnostic[];
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function toNumber(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && NUMBER.test(t) ? Number(t) : undefined;
}

function rowStatus(values: readonly string[]): OfflineRowStatus {
  const trimmed = values.map((v) => v.trim());
  if (trimmed.every((v) => v === "NA")) return "oom";
  if (trimmed.every((v) => v === "")) return "crash";
  return trimmed.every((v) => NUMBER.test(v)) ? "ok" : "partial";
}

/**
 * Parses an offline CSV. Never throws: a bad row is kept (so the file still round-trips) and reported
 * as a diagnostic naming file and line.
 */
export function parseOfflineCsv(text: string, file: string): ParsedOfflineCsv {
  const { records, trailingNewline } = readDelimited(text, ",");
  const diagnostics: Diagnostic[] = [];
  const header = records[0] ?? [];
  const trimmedHeader = header.map((h) => h.trim());
  const hasBackend = trimmedHeader.includes("Backend");
  const columns: 10 | 11 = hasBackend ? 11 : 10;
  const expected = hasBackend ? OFFLINE_HEADER_11 : OFFLINE_HEADER_10;
  if (records.length === 0) {
    diagnostics.push({ file, line: 1, expected: expected.join(","), message: "empty offline CSV", severity: "error" });
  } else if (trimmedHeader.join(",") !== expected.join(",")) {
    diagnostics.push({
      file,
      line: 1,
      expected: expected.join(","),
      message: `unexpected offline CSV header: ${header.join(",")}`,
      severity: "warning",
    });
  }
  const index = (name: string): number => trimmedHeader.indexOf(name);

  const rows: OfflineCsvRow[] = [];
  for (const [i, cells] of records.slice(1).entries()) {
    const line = i + 2;
    if (cells.length === 1 && cells[0] === "") {
      // Kept so the file round-trips; it names no point.
      diagnostics.push({ file, line, message: "blank line in offline CSV", severity: "warning" });
      rows.push({ cells, line, values: {}, status: "crash" });
      continue;
    }
    if (records.length > 0 && cells.length !== header.length) {
      // A truncated line (a crash mid-write) would read `2` for 2.828: reported and left out.
      diagnostics.push({
        file,
        line,
        expected: `${header.length} comma-separated fields like the header`,
        message: `row has ${cells.length} fields, left out: ${cells.join(",")}`,
        severity: "error",
      });
      rows.push({ cells, line, values: {}, status: "malformed" });
      continue;
    }
    const cell = (name: string): string | undefined => {
      const at = index(name);
      return at === -1 ? undefined : cells[at];
    };
    const values: Partial<Record<OfflineMetricKey, string>> = {};
    for (const [column, key] of OFFLINE_METRIC_COLUMNS) values[key] = cell(column) ?? "";
    const status = rowStatus(Object.values(values));
    if (status === "partial") {
      diagnostics.push({
        file,
        line,
        expected: "numbers, all NA (OOM) or all empty (crash)",
        message: `row mixes values and gaps: ${cells.join(",")}`,
        severity: "warning",
      });
    }
    const tp = toNumber(cell("TP"));
    const batch = toNumber(cell("batch_size"));
    const il = toNumber(cell("IL"));
    const ol = toNumber(cell("OL"));
    if (tp === undefined || batch === undefined) {
      diagnostics.push({
        file,
        line,
        expected: "numeric TP and batch_size",
        message: `cannot read the point of row: ${cells.join(",")}`,
        severity: "error",
      });
    }
    const backend = hasBackend ? cell("Backend")?.trim() : undefined;
    rows.push({
      cells,
      line,
      ...(tp !== undefined ? { tp } : {}),
      ...(batch !== undefined ? { batch_size: batch } : {}),
      ...(il !== undefined ? { input_len: il } : {}),
      ...(ol !== undefined ? { output_len: ol } : {}),
      ...(backend ? { backend } : {}),
      values,
      status,
    });
  }
  return { file, columns, header, rows, trailingNewline, diagnostics };
}

/** Writes the header and rows back; byte-identical to the parsed file when given its parts. */
export function formatOfflineCsv(
  header: readonly string[],
  rows: readonly OfflineCsvRow[],
  trailingNewline = true,
): string {
  return writeDelimited([header, ...rows.map((r) => r.cells)], ",", trailingNewline);
}

function pointOf(row: OfflineCsvRow): Point {
  return {
    ...(row.tp !== undefined ? { tp: row.tp } : {}),
    ...(row.batch_size !== undefined ? { batch_size: row.batch_size } : {}),
    ...(row.input_len !== undefined ? { input_len: row.input_len } : {}),
    ...(row.output_len !== undefined ? { output_len: row.output_len } : {}),
  };
}

const samePoint = (a: Point, b: Point): boolean =>
  a.tp === b.tp && a.batch_size === b.batch_size && a.input_len === b.input_len && a.output_len === b.output_len;

/**
 * Rows → points in file order. A point that appears again (DeepSeek appends on re-runs) gets another
 * repeat. `NA` rows become an `oom` failure, empty rows a `crash` failure on their point.
 */
export function offlineCsvToPoints(parsed: ParsedOfflineCsv): PointResult[] {
  const points: PointResult[] = [];
  for (const row of parsed.rows) {
    if (row.status === "malformed" || row.tp === undefined || row.batch_size === undefined) continue;
    const point = pointOf(row);
    let result = points.find((p) => samePoint(p.point, point));
    if (!result) {
      result = { point, repeats: [] };
      points.push(result);
    }
    const source = `${parsed.file}:${row.line}`;
    if (row.status === "oom" || row.status === "crash") {
      const failure: Failure = {
        kind: row.status,
        message:
          row.status === "oom"
            ? "The offline CSV row is NA (the seed's OutOfMemoryError marker)"
            : "The offline CSV row is empty (the run failed without OutOfMemoryError)",
        point,
        repeat: result.repeats.length + 1,
        source,
      };
      if (!result.failure) result.failure = failure;
      continue;
    }
    const metrics: Record<string, number> = {};
    const labels: Record<string, string> = {};
    for (const [, key] of OFFLINE_METRIC_COLUMNS) {
      const raw = row.values[key];
      const value = toNumber(raw);
      if (value !== undefined) metrics[key] = value;
      if (raw !== undefined && raw !== "") labels[key] = raw.trim();
    }
    if (row.backend) labels.backend = row.backend;
    result.repeats.push({ index: result.repeats.length + 1, metrics, labels, source });
  }
  // A point that also has a good repeat keeps its failure only when no repeat succeeded.
  for (const p of points) if (p.failure && p.repeats.length > 0) delete p.failure;
  return points;
}

/** The seed's text for a value: the printed string when the repeat kept it, else fixed decimals. */
function seedText(key: OfflineMetricKey, repeat: Repeat): string {
  const value = repeat.metrics[key];
  const printed = repeat.labels?.[key];
  if (printed !== undefined && (value === undefined || toNumber(printed) === value)) return printed;
  return value === undefined ? "" : value.toFixed(DECIMALS[key]);
}

/** One CSV row for a measured repeat (11 columns when `backend` is given, else 10), for writing as values arrive. */
export function offlineCsvRowFromRepeat(point: Point, repeat: Repeat, backend?: string): OfflineCsvRow {
  const values: Partial<Record<OfflineMetricKey, string>> = {};
  for (const [, key] of OFFLINE_METRIC_COLUMNS) values[key] = seedText(key, repeat);
  return rowFrom(point, values, backend);
}

/** One CSV row for a failed point the way the seed wrote it: `NA`s for OOM, empty fields otherwise. */
export function offlineCsvFailureRow(point: Point, kind: Failure["kind"], backend?: string): OfflineCsvRow {
  const text = kind === "oom" ? "NA" : "";
  const values: Partial<Record<OfflineMetricKey, string>> = {};
  for (const [, key] of OFFLINE_METRIC_COLUMNS) values[key] = text;
  return rowFrom(point, values, backend);
}

function rowFrom(point: Point, values: Partial<Record<OfflineMetricKey, string>>, backend?: string): OfflineCsvRow {
  const coords = [point.tp, point.batch_size, point.input_len, point.output_len].map((n) =>
    n === undefined ? "" : String(n),
  );
  const cells = [
    ...coords,
    ...(backend !== undefined ? [backend] : []),
    ...OFFLINE_METRIC_COLUMNS.map(([, k]) => values[k] ?? ""),
  ];
  return {
    cells,
    line: 0,
    ...(point.tp !== undefined ? { tp: point.tp } : {}),
    ...(point.batch_size !== undefined ? { batch_size: point.batch_size } : {}),
    ...(point.input_len !== undefined ? { input_len: point.input_len } : {}),
    ...(point.output_len !== undefined ? { output_len: point.output_len } : {}),
    ...(backend !== undefined ? { backend } : {}),
    values,
    status: rowStatus(Object.values(values)),
  };
}
