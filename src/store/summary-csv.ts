/**
 * The seed's summary CSVs as pandas wrote them (original-toolkit.md §5, samples F4/F11): comma
 * separated, header line, no index, floats in Python `repr` (`718.2`, `1353.0`), NaN as an empty cell.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import type { LoadAxis, OfflineSummaryRow, OnlineSummaryRow } from "../core/trends/index.js";

/** Offline summary header, exactly the seed's. */
export const OFFLINE_SUMMARY_HEADER = [
  "date",
  "batch_size",
  "backend",
  "E2E_Latency(s)",
  "E2E_Throughput(token/s)",
  "ILEN",
  "OLEN",
] as const;

/**
 * Online summary header of the original's later processor (process_and_generate_online_plots.py,
 * original-toolkit.md §5.2): `request_rate` becomes `concurrency` for DeepSeek; `GSM8K_Accuracy` is
 * always there (empty when not measured), as are `variant` (`standard`, `dp_attention`, …) and `node_name`.
 */
export function onlineSummaryHeader(axis: LoadAxis): string[] {
  return [
    "date",
    "variant",
    "mode",
    axis,
    "node_name",
    "GSM8K_Accuracy",
    "E2E_Latency_ms",
    "TTFT_ms",
    "ITL_ms",
    "num_tokens",
    "KV_size_GB",
  ];
}

/**
 * A float as Python's `repr` prints it: shortest round-trip digits (same as JS), but always with a
 * decimal point (`1353.0`) and Python's exponent style (`1e-05`, `1e+16`).
 */
export function pythonFloat(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // Python switches to exponent form outside [1e-4, 1e16); digits are the shortest round trip.
    const [mantissa = "", exp = "0"] = value.toExponential().split("e");
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** An integer column (batch size, lengths, loads, token counts); fractional loads keep their digits. */
function intCell(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "";
  return Number.isInteger(value) ? String(value) : pythonFloat(value);
}

/** The offline summary CSV text. */
export function formatOfflineSummary(rows: readonly OfflineSummaryRow[]): string {
  const records = rows.map((r) => [
    r.date,
    intCell(r.batch_size),
    r.backend,
    pythonFloat(r.latency),
    pythonFloat(r.throughput),
    intCell(r.input_len),
    intCell(r.output_len),
  ]);
  return stringify([[...OFFLINE_SUMMARY_HEADER], ...records]);
}

/** The online summary CSV text. */
export function formatOnlineSummary(rows: readonly OnlineSummaryRow[], axis: LoadAxis): string {
  const records = rows.map((r) => [
    r.date,
    r.variant ?? "standard",
    r.mode,
    intCell(r.load),
    r.node_name ?? "",
    pythonFloat(r.gsm8k_accuracy),
    pythonFloat(r.e2e_ms),
    pythonFloat(r.ttft_ms),
    pythonFloat(r.itl_ms),
    // The token count is an integer in the log; a mean over duplicates may not be.
    intCell(r.num_tokens),
    pythonFloat(r.kv_size_gb),
  ]);
  return stringify([onlineSummaryHeader(axis), ...records]);
}

/** Writes `text` to `file` atomically (temp file + rename) so a reader never sees half a summary. */
export async function writeSummaryFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function num(cell: string | undefined): number | undefined {
  if (cell === undefined || cell.trim() === "" || cell === "NaN" || cell === "nan") return undefined;
  const n = Number(cell);
  return Number.isFinite(n) ? n : undefined;
}

/** Reads an offline summary CSV (ours or the seed's); throws naming the file and line on a bad row. */
export async function readOfflineSummary(file: string): Promise<OfflineSummaryRow[]> {
  const rows = parse(await readFile(file, "utf8"), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return rows.map((r, i) => {
    const latency = num(r["E2E_Latency(s)"]);
    const batch = num(r["batch_size"]);
    if (!r["date"] || batch === undefined || latency === undefined)
      throw new Error(`${file}:${i + 2}: expected date, batch_size and E2E_Latency(s)`);
    return {
      date: r["date"],
      batch_size: batch,
      backend: r["backend"] ?? "unknown",
      latency,
      throughput: num(r["E2E_Throughput(token/s)"]),
      input_len: num(r["ILEN"]) ?? 1024,
      output_len: num(r["OLEN"]) ?? 128,
      count: 1,
    };
  });
}

/** Reads an online summary CSV of either generation (request_rate or concurrency column). */
export async function readOnlineSummary(file: string): Promise<{ axis: LoadAxis; rows: OnlineSummaryRow[] }> {
  const rows = parse(await readFile(file, "utf8"), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  const axis: LoadAxis = rows[0] && "concurrency" in rows[0] ? "concurrency" : "request_rate";
  return {
    axis,
    rows: rows.map((r, i) => {
      const load = num(r[axis]);
      if (!r["date"] || load === undefined) throw new Error(`${file}:${i + 2}: expected date and ${axis}`);
      const row: OnlineSummaryRow = { date: r["date"], mode: r["mode"] ?? "", load, count: 1 };
      if (r["variant"]) row.variant = r["variant"];
      if (r["node_name"]) row.node_name = r["node_name"];
      const cells = [
        ["e2e_ms", "E2E_Latency_ms"],
        ["ttft_ms", "TTFT_ms"],
        ["itl_ms", "ITL_ms"],
        ["num_tokens", "num_tokens"],
        ["kv_size_gb", "KV_size_GB"],
        ["gsm8k_accuracy", "GSM8K_Accuracy"],
      ] as const;
      for (const [field, column] of cells) {
        const v = num(r[column]);
        if (v !== undefined) row[field] = v;
      }
      return row;
    }),
  };
}
