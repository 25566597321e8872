/**
 * The seed's online "CSV" files, which are TAB-separated text (original-toolkit.md §2.6, §2.9):
 *
 *     Online mode - GROK1 (<TAG>)            | Online Serving Benchmark - <MODEL> (<TAG>)
 *     <blank>
 *     Median E2E Latency (ms, lower better)
 *     request rate\t1\t2\t4\t8\t16           | concurrency\t128\t64\t16\t4\t1
 *     [H100\t13209\t…]                       (baseline layout only)
 *     MI300x-aiter, <NODE>\t<values…>        | <MODEL>-FP8\t<values…>
 *     [H100/MI300x-aiter\t134%\t…]           (baseline layout only)
 *     <blank>  … TTFT, ITL sections …
 *
 * Cells not run yet are empty, so rows end in trailing TABs; parse → format keeps every byte.
 * Also the DeepSeek `_online.csv` GSM8K file (`Results` / `Average Accuracy\t0.937` with a literal backslash-t).
 */
import type { Diagnostic, PointResult } from "../core/results/index.js";
import { readDelimited, writeDelimited } from "./delimited.js";

/** Section titles → canonical metric keys (metrics.ts), in the seed's order. */
export const ONLINE_SECTIONS = [
  ["Median E2E Latency (ms, lower better)", "median_e2e_latency_ms"],
  ["Median TTFT (ms, lower better)", "median_ttft_ms"],
  ["Median ITL (ms, lower better)", "median_itl_ms"],
] as const;
export type OnlineMetricKey = (typeof ONLINE_SECTIONS)[number][1];

/** The seed's hard-coded H100 reference medians (ms) per request rate (§2.6). */
export const H100_REFERENCE: Record<OnlineMetricKey, Record<string, string>> = {
  median_e2e_latency_ms: { "1": "13209", "2": "13874", "4": "16613", "8": "44918", "16": "85049" },
  median_ttft_ms: { "1": "99.1", "2": "102.0", "4": "113.4", "8": "170.7", "16": "520.9" },
  median_itl_ms: { "1": "23.0", "2": "24.4", "4": "25.9", "8": "63.9", "16": "108.6" },
};

export type OnlineAxis = "request rate" | "concurrency";
export type OnlineRowKind = "h100" | "ratio" | "measured";

export interface OnlineCsvRow {
  kind: OnlineRowKind;
  label: string;
  /** Raw cells after the label (may be fewer or more than the axis has). */
  cells: string[];
  /** Measured rows: `MI300x-<backend>, <node>` → backend, node; `<MODEL>-FP8` → model. */
  backend?: string;
  node?: string;
  model?: string;
  /** Not as many cells as the axis line (a truncated or garbled line): reported, never read as data. */
  malformed?: true;
}

export interface OnlineCsvSection {
  title: string;
  /** Canonical key, undefined for a title we do not know. */
  metric?: OnlineMetricKey;
  axis: OnlineAxis;
  /** Raw axis values (`1`, `2`, … or `128`, `64`, …). */
  axisValues: string[];
  /** False when the file lacked the axis line (kept so such a file still round-trips). */
  axisLine?: false;
  rows: OnlineCsvRow[];
  /** Blank lines after the section (1 between sections, 0 after the last one in the seed's files). */
  blankLinesAfter: number;
}

export interface ParsedOnlineCsv {
  file: string;
  /** `grok` = `Online mode - …`, `serving` = `Online Serving Benchmark - …`. */
  layout: "grok" | "serving" | "unknown";
  title: string;
  model?: string;
  tag?: string;
  blankLinesAfterTitle: number;
  sections: OnlineCsvSection[];
  /** Whether the baseline H100 reference and ratio rows are present. */
  withH100: boolean;
  trailingNewline: boolean;
  diagnostics: Diagnostic[];
}

const GROK_TITLE = /^Online mode - (.+?) \((.*)\)$/;
const SERVING_TITLE = /^Online Serving Benchmark - (.+?) \((.*)\)$/;
const MEASURED_MI300 = /^MI\d+x-([^,]+)(?:, (.*))?$/i;

function classifyRow(label: string, cells: string[]): OnlineCsvRow {
  if (label === "H100") return { kind: "h100", label, cells };
  if (label.startsWith("H100/")) return { kind: "ratio", label, cells };
  const mi = MEASURED_MI300.exec(label);
  if (mi?.[1])
    return { kind: "measured", label, cells, backend: mi[1], ...(mi[2] !== undefined ? { node: mi[2] } : {}) };
  const model = /^(.+)-FP8$/.exec(label)?.[1];
  return { kind: "measured", label, cells, ...(model ? { model } : {}) };
}

/** Parses an online TAB "CSV" of either generation. Never throws; problems become diagnostics with line numbers. */
export function parseOnlineCsv(text: string, file: string): ParsedOnlineCsv {
  const { records, trailingNewline } = readDelimited(text, "\t");
  const diagnostics: Diagnostic[] = [];
  const isBlank = (r: string[] | undefined): boolean => r !== undefined && r.length === 1 && r[0] === "";
  const title = records[0]?.join("\t") ?? "";
  const grok = GROK_TITLE.exec(title);
  const serving = SERVING_TITLE.exec(title);
  const match = grok ?? serving;
  if (!match) {
    diagnostics.push({
      file,
      line: 1,
      expected: "Online mode - <MODEL> (<TAG>) or Online Serving Benchmark - <MODEL> (<TAG>)",
      message: `unexpected title line: ${title}`,
      severity: "warning",
    });
  }
  let i = 1;
  let blankLinesAfterTitle = 0;
  while (isBlank(records[i])) {
    blankLinesAfterTitle++;
    i++;
  }
  const sections: OnlineCsvSection[] = [];
  while (i < records.length) {
    const sectionTitle = (records[i] ?? []).join("\t");
    const sectionLine = i + 1;
    i++;
    const axisRecord = records[i];
    const axisName = axisRecord?.[0];
    if (axisRecord === undefined || (axisName !== "request rate" && axisName !== "concurrency")) {
      diagnostics.push({
        file,
        line: i + 1,
        expected: "`request rate` or `concurrency` header line",
        message: `section "${sectionTitle}" (line ${sectionLine}) has no axis line`,
        severity: "error",
      });
    }
    const axis: OnlineAxis = axisName === "concurrency" ? "concurrency" : "request rate";
    const hasAxisLine = axisName === "request rate" || axisName === "concurrency";
    const axisValues = hasAxisLine && axisRecord ? axisRecord.slice(1) : [];
    if (hasAxisLine) i++;
    const rows: OnlineCsvRow[] = [];
    while (i < records.length && !isBlank(records[i])) {
      const [label = "", ...cells] = records[i] ?? [];
      const row = classifyRow(label, cells);
      if (hasAxisLine && row.kind === "measured" && cells.length !== axisValues.length) {
        // The seed writes one cell per axis value (empty when not run yet): any other count is a cut line.
        diagnostics.push({
          file,
          line: i + 1,
          expected: `${axisValues.length} TAB-separated values after the label, like the axis line`,
          message: `row "${label}" has ${cells.length} values, left out`,
          severity: "error",
        });
        row.malformed = true;
      }
      rows.push(row);
      i++;
    }
    let blankLinesAfter = 0;
    while (isBlank(records[i])) {
      blankLinesAfter++;
      i++;
    }
    const metric = ONLINE_SECTIONS.find(([t]) => t === sectionTitle)?.[1];
    if (!metric) {
      diagnostics.push({
        file,
        line: sectionLine,
        expected: ONLINE_SECTIONS.map(([t]) => t).join(" | "),
        message: `unknown section title: ${sectionTitle}`,
        severity: "warning",
      });
    }
    sections.push({
      title: sectionTitle,
      ...(metric ? { metric } : {}),
      axis,
      axisValues,
      ...(hasAxisLine ? {} : { axisLine: false }),
      rows,
      blankLinesAfter,
    });
  }
  return {
    file,
    layout: grok ? "grok" : serving ? "serving" : "unknown",
    title,
    ...(match?.[1] ? { model: match[1] } : {}),
    ...(match?.[2] !== undefined ? { tag: match[2] } : {}),
    blankLinesAfterTitle,
    sections,
    withH100: sections.some((s) => s.rows.some((r) => r.kind === "h100")),
    trailingNewline,
    diagnostics,
  };
}

/** Writes a parsed (or built) online CSV back; byte-identical for a parsed file. */
export function formatOnlineCsv(parsed: Omit<ParsedOnlineCsv, "file" | "diagnostics" | "layout" | "withH100">): string {
  const records: string[][] = [[parsed.title]];
  for (let b = 0; b < parsed.blankLinesAfterTitle; b++) records.push([""]);
  for (const section of parsed.sections) {
    records.push([section.title]);
    if (section.axisLine !== false) records.push([section.axis, ...section.axisValues]);
    for (const row of section.rows) records.push([row.label, ...row.cells]);
    for (let b = 0; b < section.blankLinesAfter; b++) records.push([""]);
  }
  return writeDelimited(records, "\t", parsed.trailingNewline);
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)$/;

/**
 * Measured rows → one point per axis value with one repeat (the seed's best-of-3 medians).
 * Empty cells (rate not run yet) are left out; `NA` cells become a `missing` failure on that point.
 */
export function onlineCsvToPoints(parsed: ParsedOnlineCsv): PointResult[] {
  const byAxis = new Map<string, PointResult>();
  for (const section of parsed.sections) {
    if (!section.metric) continue;
    const measured = section.rows.find((r) => r.kind === "measured" && !r.malformed);
    if (!measured) continue;
    section.axisValues.forEach((axisValue, at) => {
      const raw = (measured.cells[at] ?? "").trim();
      if (raw === "" || !NUMBER.test(axisValue.trim())) return;
      const key = axisValue.trim();
      let point = byAxis.get(key);
      if (!point) {
        const coordinate = Number(key);
        point = {
          point: section.axis === "concurrency" ? { concurrency: coordinate } : { request_rate: coordinate },
          repeats: [],
        };
        byAxis.set(key, point);
      }
      if (NUMBER.test(raw)) {
        let repeat = point.repeats[0];
        if (!repeat) {
          repeat = { index: 1, metrics: {}, labels: {}, source: parsed.file };
          if (measured.backend) repeat.labels = { ...repeat.labels, backend: measured.backend };
          point.repeats.push(repeat);
        }
        repeat.metrics[section.metric as string] = Number(raw);
        repeat.labels = { ...repeat.labels, [section.metric as string]: raw };
      } else if (!point.failure) {
        point.failure = {
          kind: "missing",
          message: `${section.title}: ${raw} at ${section.axis} ${key}`,
          point: point.point,
          source: parsed.file,
        };
      }
    });
  }
  const points = [...byAxis.values()];
  for (const p of points) if (p.failure && p.repeats.length > 0) delete p.failure;
  return points;
}

/** A value as the seed printed it: kept strings as is, numbers with bench_serving's 2 decimals. */
export type OnlineCell = string | number | undefined;

const cellText = (v: OnlineCell): string => (v === undefined ? "" : typeof v === "number" ? v.toFixed(2) : v);

/**
 * The seed's ratio cell: `int(H100 / MI300x × 100)%` with awk's truncation; `NA` when the
 * measurement is `NA` or 0; empty when the rate has not run yet (or has no H100 reference).
 */
export function h100RatioCell(h100: string | undefined, measured: OnlineCell): string {
  const text = cellText(measured).trim();
  if (text === "" || h100 === undefined) return "";
  const value = Number(text);
  if (text === "NA" || !Number.isFinite(value) || value === 0) return "NA";
  return `${Math.trunc((Number(h100) / value) * 100)}%`;
}

export interface GrokOnlineCsvInput {
  tag: string;
  /** `GROK1`, `GROK2`. */
  model: string;
  backend: string;
  node: string;
  /** Request rates in run order, e.g. [1, 2, 4, 8, 16]. */
  rates: readonly (number | string)[];
  /** Metric → one cell per rate (undefined/missing = not run yet → empty cell). */
  values: Partial<Record<OnlineMetricKey, readonly OnlineCell[]>>;
  /** Baseline layout (H100 reference + ratio rows) vs the post-July layout. */
  withH100: boolean;
  trailingNewline?: boolean;
}

/** Writes the Grok online TSV as the seed did (either generation), e.g. after each rate completes. */
export function formatGrokOnlineCsv(input: GrokOnlineCsvInput): string {
  const rates = input.rates.map(String);
  const sections: OnlineCsvSection[] = ONLINE_SECTIONS.map(([title, metric], s) => {
    const measured = rates.map((_, at) => input.values[metric]?.[at]);
    const rows: OnlineCsvRow[] = [];
    if (input.withH100)
      rows.push({ kind: "h100", label: "H100", cells: rates.map((r) => H100_REFERENCE[metric][r] ?? "") });
    rows.push({ kind: "measured", label: `MI300x-${input.backend}, ${input.node}`, cells: measured.map(cellText) });
    if (input.withH100) {
      rows.push({
        kind: "ratio",
        label: `H100/MI300x-${input.backend}`,
        cells: rates.map((r, at) => h100RatioCell(H100_REFERENCE[metric][r], measured[at])),
      });
    }
    return {
      title,
      metric,
      axis: "request rate",
      axisValues: rates,
      rows,
      blankLinesAfter: s < ONLINE_SECTIONS.length - 1 ? 1 : 0,
    };
  });
  return formatOnlineCsv({
    title: `Online mode - ${input.model} (${input.tag})`,
    blankLinesAfterTitle: 1,
    sections,
    trailingNewline: input.trailingNewline ?? true,
  });
}

export interface ServingCsvInput {
  tag: string;
  /** e.g. `DeepSeek-V3-0324`. */
  model: string;
  /** Row label suffix; the seed's DeepSeek files say FP8. */
  variant?: string;
  concurrencies: readonly (number | string)[];
  values: Partial<Record<OnlineMetricKey, readonly OnlineCell[]>>;
  trailingNewline?: boolean;
}

/** Writes the DeepSeek `<TAG>_<MODEL>_FP8_serving.csv` (§2.9). */
export function formatServingCsv(input: ServingCsvInput): string {
  const axisValues = input.concurrencies.map(String);
  const sections: OnlineCsvSection[] = ONLINE_SECTIONS.map(([title, metric], s) => ({
    title,
    metric,
    axis: "concurrency",
    axisValues,
    rows: [
      {
        kind: "measured",
        label: `${input.model}-${input.variant ?? "FP8"}`,
        cells: axisValues.map((_, at) => cellText(input.values[metric]?.[at])),
      },
    ],
    blankLinesAfter: s < ONLINE_SECTIONS.length - 1 ? 1 : 0,
  }));
  return formatOnlineCsv({
    title: `Online Serving Benchmark - ${input.model} (${input.tag})`,
    blankLinesAfterTitle: 1,
    sections,
    trailingNewline: input.trailingNewline ?? true,
  });
}

/** The DeepSeek `_online.csv` GSM8K summary: `Results` and `Average Accuracy\t<x>` with a literal `\t` (echo without -e). */
export interface Gsm8kOnlineCsv {
  average?: number;
  /** The average as printed. */
  averageText?: string;
  lines: string[];
  trailingNewline: boolean;
  diagnostics: Diagnostic[];
}

/** Parses the DeepSeek GSM8K `_online.csv`; accepts a real TAB too. */
export function parseGsm8kOnlineCsv(text: string, file: string): Gsm8kOnlineCsv {
  const trailingNewline = text.endsWith("\n");
  const lines = (trailingNewline ? text.slice(0, -1) : text).split("\n");
  const diagnostics: Diagnostic[] = [];
  let averageText: string | undefined;
  lines.forEach((line) => {
    const m = /^Average Accuracy(?:\\t|\t|\s+)(\S+)\s*$/.exec(line);
    if (m?.[1]) averageText = m[1];
  });
  const average = averageText !== undefined && NUMBER.test(averageText) ? Number(averageText) : undefined;
  if (average === undefined) {
    diagnostics.push({
      file,
      line: lines.length,
      expected: "Average Accuracy\\t<number>",
      message: "no average accuracy in the GSM8K results file",
      severity: "warning",
    });
  }
  return {
    ...(average !== undefined ? { average } : {}),
    ...(averageText ? { averageText } : {}),
    lines,
    trailingNewline,
    diagnostics,
  };
}

/** Writes the DeepSeek GSM8K `_online.csv` with the seed's literal backslash-t. */
export function formatGsm8kOnlineCsv(average: number | string): string {
  const text = typeof average === "number" ? average.toFixed(3) : average;
  return `Results\nAverage Accuracy\\t${text}\n`;
}
