/**
 * The seed's nightly summary tables (original-toolkit.md §5), computed from plain records.
 *
 * Offline: one row per date × batch size × backend (× input/output length), mean E2E latency and
 * throughput over the rows that measured something. Online: one row per date × mode × load, the
 * median E2E/TTFT/ITL plus the KV-cache facts, with the seed's completeness filter (a date is kept
 * only when every mode it has measured exactly the expected loads).
 *
 * Deliberate differences from the seed (defects §10): ILEN/OLEN come from the file instead of the
 * constants 1024/128, so long-context rows no longer pose as normal ones; duplicates of the same
 * key (an `rc` rerun, a second folder for the same day) are averaged into one row instead of being
 * written twice.
 */

/** One measured offline row (a row of a seed offline CSV, or one repeat of a results record). */
export interface OfflineRecord {
  /** `YYYYMMDD`. */
  date: string;
  batch_size: number;
  backend: string;
  input_len: number;
  output_len: number;
  /** E2E latency in seconds; undefined for an OOM/crash row. */
  latency?: number;
  /** E2E throughput in token/s. */
  throughput?: number;
}

/** One row of `<MODEL>_<VARIANT>_offline_summary.csv`. */
export interface OfflineSummaryRow {
  date: string;
  batch_size: number;
  backend: string;
  latency: number;
  throughput: number | undefined;
  input_len: number;
  output_len: number;
  /** How many records were averaged (not written; the seed had no such column). */
  count: number;
}

/** The online load axis: Grok uses request rates, DeepSeek concurrencies. */
export type LoadAxis = "request_rate" | "concurrency";

/** One measured online point of one run. */
export interface OnlineRecord {
  date: string;
  /** Serving variant (`standard`, `dp_attention`, `mtp`, …), as the original's later processor names it. */
  variant?: string;
  /** `aiter`, `triton`, `aiter_decode`, or the model label for DeepSeek's serving CSV. */
  mode: string;
  /** Host the run was measured on (the CSV row's `MI300x-aiter, <node>`, else the timing summary's). */
  node_name?: string;
  /** `mi30x`/`mi35x`: decides the rate set a complete day has ({@link expectedLoads}); not written. */
  hardware?: string;
  load: number;
  e2e_ms?: number;
  ttft_ms?: number;
  itl_ms?: number;
  num_tokens?: number;
  kv_size_gb?: number;
  gsm8k_accuracy?: number;
}

/** One row of `<MODEL>_<VARIANT>_online_<modes>_summary.csv`. */
export type OnlineSummaryRow = Required<Pick<OnlineRecord, "date" | "mode" | "load">> &
  Omit<OnlineRecord, "date" | "mode" | "load" | "hardware"> & { count: number };

/** Loads the seed's completeness filter expects per axis (§5.2 and its July successor). */
export const EXPECTED_LOADS: Record<LoadAxis, readonly number[]> = {
  request_rate: [1, 2, 4, 8, 16],
  concurrency: [1, 4, 16, 64, 128],
};

/**
 * Rate sets that differ by hardware: the mi35x nightly runs Grok at rates 1–8 only (the original's
 * later processor expects `[1, 2, 4, 8]` there), so a mi35x day without rate 16 is complete.
 */
export const HARDWARE_LOADS: Readonly<Record<string, Partial<Record<LoadAxis, readonly number[]>>>> = {
  mi35x: { request_rate: [1, 2, 4, 8] },
};

/** The loads a complete day has on this axis and hardware. */
export function expectedLoads(axis: LoadAxis, hardware?: string): readonly number[] {
  return (hardware ? HARDWARE_LOADS[hardware]?.[axis] : undefined) ?? EXPECTED_LOADS[axis];
}

/** Mean of the finite values; undefined when there are none (pandas' `mean()` skips NaN the same way). */
export function meanOf(values: readonly (number | undefined)[]): number | undefined {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v !== undefined && Number.isFinite(v)) {
      sum += v;
      n += 1;
    }
  }
  return n === 0 ? undefined : sum / n;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Offline summary rows: records without a latency are dropped (the seed's `dropna`), the rest are
 * averaged per date × batch size × backend × lengths, sorted by date, batch size, backend, lengths.
 */
export function summarizeOffline(records: Iterable<OfflineRecord>): OfflineSummaryRow[] {
  const groups = new Map<string, OfflineRecord[]>();
  for (const r of records) {
    if (r.latency === undefined || !Number.isFinite(r.latency)) continue;
    const key = [r.date, r.batch_size, r.backend, r.input_len, r.output_len].join("\u0000");
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const rows: OfflineSummaryRow[] = [];
  for (const list of groups.values()) {
    const first = list[0];
    if (!first) continue;
    rows.push({
      date: first.date,
      batch_size: first.batch_size,
      backend: first.backend,
      latency: meanOf(list.map((r) => r.latency)) ?? Number.NaN,
      throughput: meanOf(list.map((r) => r.throughput)),
      input_len: first.input_len,
      output_len: first.output_len,
      count: list.length,
    });
  }
  return rows.sort(
    (a, b) =>
      compareText(a.date, b.date) ||
      a.batch_size - b.batch_size ||
      compareText(a.backend, b.backend) ||
      a.input_len - b.input_len ||
      a.output_len - b.output_len,
  );
}

/** Options for {@link summarizeOnline}. */
export interface OnlineSummaryOptions {
  /** Loads a complete day must have for every mode; default the request-rate set. Empty = no filter. */
  expectedLoads?: readonly number[];
  /** Instead of `expectedLoads`: each day's set from its axis and the hardware of its records ({@link expectedLoads}). */
  axis?: LoadAxis;
  /** Keep only these modes (`aiter`, …); undefined or `["all"]` keeps every mode. */
  modes?: readonly string[];
}

/** Why a date was left out of the online summary (reported, never silent). */
export interface DroppedDate {
  date: string;
  reason: string;
}

/**
 * Online summary rows (means over duplicate date × mode × load), the seed's completeness filter, and
 * the dates it removed with the reason. Sorted by date, mode, load.
 */
export function summarizeOnline(
  records: Iterable<OnlineRecord>,
  opts: OnlineSummaryOptions = {},
): { rows: OnlineSummaryRow[]; dropped: DroppedDate[] } {
  const modes = opts.modes && !opts.modes.includes("all") ? new Set(opts.modes) : undefined;
  const groups = new Map<string, OnlineRecord[]>();
  const kept: OnlineRecord[] = [];
  for (const r of records) {
    if (modes && !modes.has(r.mode)) continue;
    kept.push(r);
    const key = [r.date, r.variant ?? "", r.mode, r.load, r.node_name ?? ""].join("\u0000");
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const rows: OnlineSummaryRow[] = [];
  for (const list of groups.values()) {
    const first = list[0];
    if (!first) continue;
    const row: OnlineSummaryRow = {
      date: first.date,
      ...(first.variant !== undefined ? { variant: first.variant } : {}),
      mode: first.mode,
      load: first.load,
      ...(first.node_name !== undefined ? { node_name: first.node_name } : {}),
      count: list.length,
    };
    const fields = ["e2e_ms", "ttft_ms", "itl_ms", "num_tokens", "kv_size_gb", "gsm8k_accuracy"] as const;
    for (const f of fields) {
      const m = meanOf(list.map((r) => r[f]));
      if (m !== undefined) row[f] = m;
    }
    rows.push(row);
  }
  rows.sort(
    (a, b) =>
      compareText(a.date, b.date) ||
      compareText(a.variant ?? "", b.variant ?? "") ||
      compareText(a.mode, b.mode) ||
      a.load - b.load ||
      compareText(a.node_name ?? "", b.node_name ?? ""),
  );

  // Completeness is judged per date × variant, as the original's later processor does.
  const dayKey = (r: { date: string; variant?: string }) => `${r.date}\u0000${r.variant ?? ""}`;
  const hardwareOf = new Map<string, string>();
  for (const r of kept) if (r.hardware) hardwareOf.set(dayKey(r), r.hardware);
  const dropped: DroppedDate[] = [];
  const byDay = new Map<string, OnlineSummaryRow[]>();
  for (const row of rows) {
    const list = byDay.get(dayKey(row));
    if (list) list.push(row);
    else byDay.set(dayKey(row), [row]);
  }
  const keep = new Set<string>();
  for (const [key, dayRows] of byDay) {
    const expected = opts.axis
      ? expectedLoads(opts.axis, hardwareOf.get(key))
      : (opts.expectedLoads ?? EXPECTED_LOADS.request_rate);
    const reason = expected.length === 0 ? undefined : incompleteReason(dayRows, expected);
    const first = dayRows[0];
    const variant = first?.variant && first.variant !== "standard" ? `variant ${first.variant}, ` : "";
    if (reason && first) dropped.push({ date: first.date, reason: `${variant}${reason}` });
    else keep.add(key);
  }
  return { rows: rows.filter((r) => keep.has(dayKey(r))), dropped };
}

function measured(row: OnlineSummaryRow): boolean {
  return row.e2e_ms !== undefined || row.ttft_ms !== undefined || row.itl_ms !== undefined;
}

/**
 * The seed's rule: every mode has the expected loads, each with at least one of E2E/TTFT/ITL. A
 * load beyond the set (rate 16 on an early mi35x night) is kept, not a reason to drop the day.
 */
function incompleteReason(dayRows: readonly OnlineSummaryRow[], expected: readonly number[]): string | undefined {
  const byMode = new Map<string, OnlineSummaryRow[]>();
  for (const row of dayRows) {
    const list = byMode.get(row.mode);
    if (list) list.push(row);
    else byMode.set(row.mode, [row]);
  }
  for (const [mode, list] of byMode) {
    const loads = list.filter(measured).map((r) => r.load);
    const missing = expected.filter((l) => !loads.includes(l));
    if (missing.length > 0) return `mode ${mode}: no measurement for load ${missing.join(", ")}`;
  }
  return undefined;
}

/** Dates `today-1 … today-days` (offline seed) or `today … today-(days-1)` (online successor) as `YYYYMMDD`. */
export function dateWindow(today: string, days: number, includeToday: boolean): Set<string> {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(4, 6));
  const d = Number(today.slice(6, 8));
  const out = new Set<string>();
  const start = includeToday ? 0 : 1;
  const end = includeToday ? days - 1 : days;
  for (let i = start; i <= end; i += 1) {
    const t = new Date(Date.UTC(y, m - 1, d - i));
    out.add(t.toISOString().slice(0, 10).replaceAll("-", ""));
  }
  return out;
}

/** First `YYYYMMDD` in a folder or file name (both tag styles, `rc` suffix ignored), validated as a calendar date. */
export function dateInName(name: string): string | undefined {
  for (const m of name.matchAll(/(?<!\d)(\d{8})(?!\d)/g)) {
    const s = m[1];
    if (!s) continue;
    const y = Number(s.slice(0, 4));
    const mo = Number(s.slice(4, 6));
    const d = Number(s.slice(6, 8));
    const t = new Date(Date.UTC(y, mo - 1, d));
    if (y >= 2000 && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d) return s;
  }
  return undefined;
}
