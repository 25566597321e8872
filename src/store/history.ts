/**
 * The nightly history on disk: run folders under a data directory (the seed's `offline/<MODEL>/`,
 * `online/<MODEL>/` or `online_benchmark_log/<hw>/<MODEL>/` trees).
 *
 * Two readers: {@link scanSummaryInputs} reads only what the summaries need (the seed's CSVs, the
 * first KV-cache line of the server log, the GSM8K log) and is the fast path behind `process`;
 * {@link loadHistory} ingests whole folders into results records for change-point detection.
 */
import { createReadStream, type Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { RunResults } from "../core/results/index.js";
import {
  dateInName,
  dateWindow,
  runVariant,
  type LoadAxis,
  type OfflineRecord,
  type OnlineRecord,
} from "../core/trends/index.js";
import { createServerLogScanner } from "../sglang/server-log.js";
import { parseGsm8kOutput, recordedGsm8k } from "../sglang/gsm8k.js";
import { CONFIG_FILE, parseConfigJson } from "./config-json.js";
import { ingestPaths } from "./ingest.js";
import { parseOfflineCsv } from "./offline-csv.js";
import { parseGsm8kOnlineCsv, parseOnlineCsv } from "./online-csv.js";
import { canonicalModel, normaliseHardware } from "./series-identity.js";
import { parseTimingSummary } from "../sglang/timing-summary.js";
import { parseRunFolderName } from "./run-folder-name.js";

/** A file or folder that was left out, and why (shown to the user; the rest is still processed). */
export interface Skipped {
  file: string;
  reason: string;
}

/** A run folder found under the data directory. */
export interface RunFolder {
  path: string;
  name: string;
  /** `YYYYMMDD` from the folder name. */
  date: string;
  kind: "offline" | "online";
  /** `GROK1`, `DeepSeek-V3-0324`, … (undefined for names the folder parser does not know). */
  model?: string;
  variant?: string;
  /** Folder suffix after the kind: `long_context`, `dummy` (offline), `dp_attention`, `torch_compile` (online). */
  mode?: string;
  /** `mi30x`/`mi35x`: the image tag's, else the `<kind>_benchmark_log/<hw>/` folder's. */
  hardware?: string;
}

/** The hardware a run folder ran on: its image tag says, else the tree it sits in. */
function folderHardware(path: string, name: string): string | undefined {
  const fromTag = /-(mi3\d+x)-/i.exec(name)?.[1];
  const fromTree = /[\\/](?:online|offline)_benchmark_log[\\/]([^\\/]+)[\\/]/.exec(path)?.[1];
  return normaliseHardware(fromTag ?? fromTree);
}

/** Options for finding run folders. */
export interface FindOptions {
  /** Keep only folders whose date is in this set. */
  dates?: ReadonlySet<string>;
  /** How deep below the data directory run folders may sit (default 4: `online_benchmark_log/mi30x/<MODEL>/<run>`). */
  maxDepth?: number;
}

function folderKind(name: string): "offline" | "online" | undefined {
  if (/_online(?:_|$)/.test(name)) return "online";
  if (/_offline(?:_|$)/.test(name)) return "offline";
  return undefined;
}

/**
 * A directory entry that is a folder, following symlinks (a data dir often links in another disk's
 * history); a dangling link is no folder.
 */
async function isFolder(e: Dirent, path: string): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Run folders under `dataDir` (a folder whose name carries a date and `_online`/`_offline`), sorted by path. */
export async function findRunFolders(dataDir: string, opts: FindOptions = {}): Promise<RunFolder[]> {
  const out: RunFolder[] = [];
  const maxDepth = opts.maxDepth ?? 4;
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error: unknown) {
      if (depth === 0) throw new Error(`cannot read data directory ${dir}`, { cause: error });
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const path = join(dir, e.name);
      if (!(await isFolder(e, path))) continue;
      const date = dateInName(e.name);
      const kind = folderKind(e.name);
      if (date && kind) {
        if (opts.dates && !opts.dates.has(date)) continue;
        const parsed = parseRunFolderName(e.name);
        const hardware = folderHardware(path, e.name);
        out.push({
          path,
          name: e.name,
          date,
          kind,
          ...(parsed ? { model: canonicalModel(parsed.model)?.name ?? parsed.model, variant: parsed.variant } : {}),
          ...(parsed?.mode ? { mode: parsed.mode } : {}),
          ...(hardware ? { hardware } : {}),
        });
      } else if (depth < maxDepth) {
        await walk(path, depth + 1);
      }
    }
  };
  await walk(dataDir, 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Where summaries for a model go: the folder that holds its run folders (the seed's `<data_dir>`). */
export function summaryGroupKey(folder: RunFolder): string {
  return `${dirname(folder.path)}\u0000${folder.model ?? "UNKNOWN"}_${summaryVariant(folder)}`;
}

/**
 * The variant a summary is written under. Offline long-context/dummy runs share the model's summary
 * (as in the seed; their ILEN/OLEN tell them apart); online configurations such as `dp_attention`
 * measure something else and get their own summary (`FP8_dp_attention`).
 */
export function summaryVariant(folder: RunFolder): string {
  const variant = folder.variant ?? "UNKNOWN";
  return folder.kind === "online" && folder.mode ? `${variant}_${folder.mode}` : variant;
}

/** Records for one model's summary, plus where it is written. */
export interface SummaryGroup {
  /** The folder holding the run folders; the summary CSV is written here. */
  dir: string;
  model: string;
  variant: string;
  offline: OfflineRecord[];
  online: OnlineRecord[];
  /** Online load axis seen in this group's files. */
  axis: LoadAxis;
  /** Hardware of the group's folders (the latest folder's), for its rate set. */
  hardware?: string;
  folders: number;
}

/** Options for {@link scanSummaryInputs}. */
export interface ScanOptions {
  kind: "offline" | "online";
  /** Window length in days (default 30). */
  days?: number;
  /** `YYYYMMDD` of today (default: Pacific date, given by the caller). */
  today: string;
  /** The seed's offline window excluded today; the successor and sglbench include it (default true). */
  includeToday?: boolean;
}

/** Reads the summary inputs of every run folder of one kind in the window, grouped by model. */
export async function scanSummaryInputs(
  dataDir: string,
  opts: ScanOptions,
): Promise<{ groups: SummaryGroup[]; skipped: Skipped[] }> {
  const dates = dateWindow(opts.today, opts.days ?? 30, opts.includeToday ?? true);
  const folders = (await findRunFolders(dataDir, { dates })).filter((f) => f.kind === opts.kind);
  const groups = new Map<string, SummaryGroup>();
  const skipped: Skipped[] = [];
  for (const folder of folders) {
    const key = summaryGroupKey(folder);
    let group = groups.get(key);
    if (!group) {
      group = {
        dir: dirname(folder.path),
        model: folder.model ?? "UNKNOWN",
        variant: summaryVariant(folder),
        offline: [],
        online: [],
        axis: "request_rate",
        folders: 0,
      };
      groups.set(key, group);
    }
    group.folders += 1;
    if (folder.hardware) group.hardware = folder.hardware;
    try {
      if (opts.kind === "offline") await readOfflineFolder(folder, dates, group, skipped);
      else await readOnlineFolder(folder, dates, group, skipped);
    } catch (error: unknown) {
      skipped.push({ file: folder.path, reason: `unreadable run folder: ${(error as Error).message}` });
    }
  }
  return { groups: [...groups.values()], skipped };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

async function readBackend(folder: string, skipped: Skipped[]): Promise<string | undefined> {
  const file = join(folder, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined; // no config.json: the seed's default `unknown` applies
  }
  try {
    return parseConfigJson(text, file).attention_backend;
  } catch (error: unknown) {
    skipped.push({ file, reason: `config.json ignored: ${(error as Error).message}` });
    return undefined;
  }
}

function isSummaryFile(name: string): boolean {
  return name.endsWith("_summary.csv");
}

async function readOfflineFolder(
  folder: RunFolder,
  dates: ReadonlySet<string>,
  group: SummaryGroup,
  skipped: Skipped[],
): Promise<void> {
  const files = (await listFiles(folder.path)).filter((f) => f.endsWith(".csv") && !isSummaryFile(f));
  if (files.length === 0) {
    skipped.push({ file: folder.path, reason: "no offline CSV in the run folder (run not finished or failed)" });
    return;
  }
  const configBackend = await readBackend(folder.path, skipped);
  for (const name of files) {
    const file = join(folder.path, name);
    // The seed dates each file by its own name; fall back to the folder's date.
    const date = dateInName(name) ?? folder.date;
    if (!dates.has(date)) continue;
    const parsed = parseOfflineCsv(await readFile(file, "utf8"), file);
    const errors = parsed.diagnostics.filter((d) => d.severity === "error");
    // A row cut short (the run died while writing) is not a measurement.
    const short = parsed.rows.filter((r) => r.cells.length < parsed.header.length);
    for (const r of short) skipped.push({ file: `${file}:${r.line}`, reason: "incomplete row (file half-written?)" });
    const usable = parsed.rows.filter((r) => r.batch_size !== undefined && r.cells.length >= parsed.header.length);
    if (usable.length === 0) {
      const why = errors[0] ? `line ${errors[0].line ?? "?"}: ${errors[0].message}` : "no data rows";
      skipped.push({ file, reason: `corrupt offline CSV (${why})` });
      continue;
    }
    for (const d of errors) skipped.push({ file: `${file}:${d.line ?? "?"}`, reason: d.message });
    for (const row of usable) {
      const latency = toNumber(row.values.total_latency);
      const throughput = toNumber(row.values.overall_throughput);
      group.offline.push({
        date,
        batch_size: row.batch_size ?? 0,
        backend: row.backend?.trim() || configBackend || "unknown",
        input_len: row.input_len ?? 1024,
        output_len: row.output_len ?? 128,
        ...(latency !== undefined ? { latency } : {}),
        ...(throughput !== undefined ? { throughput } : {}),
      });
    }
  }
}

function toNumber(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** The seed's mode rule for a measured row label (`MI300x-aiter, node` → `aiter`). */
export function modeOfLabel(label: string, backend: string | undefined, fallback: string): string {
  if (label.includes("aiter_decode")) return "aiter_decode";
  if (/MI\d+x-aiter/i.test(label)) return "aiter";
  if (/MI\d+x-triton/i.test(label)) return "triton";
  const m = /MI\d+x-(\w+)/i.exec(label);
  return m?.[1] ?? backend?.trim() ?? fallback;
}

/**
 * Every online table the nightly scripts write: `<stem>_online.csv` (Grok), `<stem>_serving.csv`
 * (DeepSeek) and the variants' `<stem>_serving_dp_attention.csv`, `_serving_mtp.csv`, ….
 */
const ONLINE_CSV = /_(?:online|serving)(?:_[a-z0-9_]+)?\.csv$/i;

/** The first line of a file (its layout's signature). */
function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  return (nl === -1 ? text : text.slice(0, nl)).trim();
}

/** The host a folder ran on, from its timing summary (the DeepSeek serving CSV's rows do not name it). */
async function timingHost(folder: string, names: readonly string[]): Promise<string | undefined> {
  const file = names.find((n) => /^timing_summary_.*\.log$/.test(n));
  if (!file) return undefined;
  try {
    return parseTimingSummary(await readFile(join(folder, file), "utf8"), file).hostname;
  } catch {
    return undefined;
  }
}

async function readOnlineFolder(
  folder: RunFolder,
  dates: ReadonlySet<string>,
  group: SummaryGroup,
  skipped: Skipped[],
): Promise<void> {
  const names = await listFiles(folder.path);
  const csvs = names.filter((f) => ONLINE_CSV.test(f) && !isSummaryFile(f));
  if (csvs.length === 0) {
    // DP-attention / torch-compile nights run GSM8K only: an accuracy and no table is a finished run.
    const gsm = names.find((n) => /gsm8k.*\.log$/.test(n));
    if (gsm && (await readAccuracy(join(folder.path, gsm))) !== undefined) return;
    skipped.push({ file: folder.path, reason: "no online CSV in the run folder (run not finished or failed)" });
    return;
  }
  const configBackend = await readBackend(folder.path, skipped);
  const serverLog = names.find((n) => /^server_output.*\.log$/.test(n)) ?? names.find((n) => n === "sglang_server.log");
  const kv = serverLog ? await firstKvCache(join(folder.path, serverLog)) : undefined;
  const gsmLog = names.find((n) => /gsm8k.*\.log$/.test(n));
  let accuracy = gsmLog ? await readAccuracy(join(folder.path, gsmLog)) : undefined;
  const host = await timingHost(folder.path, names);
  const variant = runVariant({ kind: "online", ...(folder.mode ? { mode: folder.mode } : {}) });
  const tables: { file: string; date: string; text: string }[] = [];
  for (const name of csvs) {
    const file = join(folder.path, name);
    const date = dateInName(name) ?? folder.date;
    if (!dates.has(date)) continue;
    const text = await readFile(file, "utf8");
    // DeepSeek's `_online.csv` (ours and the seed's) is its GSM8K result, not a serving table.
    if (firstLine(text) === "Results") {
      const gsm = parseGsm8kOnlineCsv(text, file);
      accuracy ??= gsm.average;
      continue;
    }
    tables.push({ file, date, text });
  }
  for (const { file, date, text } of tables) {
    const parsed = parseOnlineCsv(text, file);
    const sections = parsed.sections.filter((s) => s.metric !== undefined);
    if (sections.length === 0) {
      const e = parsed.diagnostics.find((d) => d.severity === "error");
      skipped.push({
        file,
        reason: `corrupt online CSV (${e ? `line ${e.line ?? "?"}: ${e.message}` : "no known metric section"})`,
      });
      continue;
    }
    const records = new Map<string, OnlineRecord>();
    for (const section of sections) {
      if (section.axis === "concurrency") group.axis = "concurrency";
      for (const row of section.rows) {
        if (row.kind !== "measured") continue;
        const mode = modeOfLabel(row.label, row.backend, configBackend ?? "aiter");
        const node = row.node?.trim() || host;
        section.axisValues.forEach((axisValue, i) => {
          const load = toNumber(axisValue);
          if (load === undefined) return;
          const key = `${mode}\u0000${load}\u0000${node ?? ""}`;
          let rec = records.get(key);
          if (!rec) {
            rec = { date, variant, mode, load };
            if (node) rec.node_name = node;
            if (folder.hardware) rec.hardware = folder.hardware;
            if (kv?.num_tokens !== undefined) rec.num_tokens = kv.num_tokens;
            if (kv?.size_gb !== undefined) rec.kv_size_gb = kv.size_gb;
            if (accuracy !== undefined) rec.gsm8k_accuracy = accuracy;
            records.set(key, rec);
          }
          const value = toNumber(row.cells[i]);
          if (value === undefined) return;
          if (section.metric === "median_e2e_latency_ms") rec.e2e_ms = value;
          else if (section.metric === "median_ttft_ms") rec.ttft_ms = value;
          else if (section.metric === "median_itl_ms") rec.itl_ms = value;
        });
      }
    }
    group.online.push(...records.values());
  }
}

/** Streams a server log until its first KV-cache line (it comes early; the rest of a 1 GB log is never read). */
export async function firstKvCache(file: string): Promise<{ num_tokens?: number; size_gb?: number } | undefined> {
  const scanner = createServerLogScanner(file);
  const stream = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      scanner.push(line);
      if (scanner.done().kv_cache?.num_tokens !== undefined) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  const kv = scanner.done().kv_cache;
  return kv?.num_tokens !== undefined ? { num_tokens: kv.num_tokens, size_gb: kv.size_gb } : undefined;
}

async function readAccuracy(file: string): Promise<number | undefined> {
  // GSM8K logs are small (a few KB): read whole.
  if ((await stat(file)).size > 8 * 1024 * 1024) return undefined;
  // A test that failed as a whole (0 valid runs, a server that died) gives no accuracy, not its printed 0.
  const g = recordedGsm8k(parseGsm8kOutput(await readFile(file, "utf8"), basename(file)));
  if (!g) return undefined;
  if (g.average !== undefined) return g.average;
  const accs = g.runs.map((r) => r.accuracy).filter((a): a is number => typeof a === "number");
  return accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : undefined;
}

/** Options for {@link loadHistory}. */
export interface HistoryOptions {
  /** Keep runs from the last N days (by folder date) ending at `today`; all when absent. */
  days?: number;
  /** `YYYYMMDD`, required with `days`. */
  today?: string;
  /** Only run folders of this model (`GROK1`, `DeepSeek-V3-0324`): the nightly reads just its own history. */
  model?: string;
}

/**
 * The seed's nightly console logs (`cron_log/<hw>/<YYYYMMDD>/<task>.log`) under `dataDir`; they hold
 * the best-of-3 results of runs whose folders may be gone. Optionally only dates in `dates`.
 */
export async function findConsoleLogs(dataDir: string, dates?: ReadonlySet<string>, maxDepth = 4): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number, inCron: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable sub-folder: nothing to add (the data dir itself was checked by findRunFolders)
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (!e.name.startsWith(".") && depth < maxDepth && (await isFolder(e, path))) {
        if (inCron || e.name === "cron_log") await walk(path, depth + 1, true);
        else if (!(dateInName(e.name) && folderKind(e.name))) await walk(path, depth + 1, false);
      } else if (inCron && e.name.endsWith(".log") && (e.isFile() || e.isSymbolicLink())) {
        const date = dateInName(basename(dir)) ?? dateInName(e.name);
        if (!dates || (date && dates.has(date))) out.push(path);
      }
    }
  };
  await walk(dataDir, 0, basename(dataDir) === "cron_log");
  return out.sort();
}

/**
 * Ingests every run folder under `dataDir` (optionally only the last `days`) into results records,
 * with the seed's nightly console logs merged in (they fill runs whose folders are missing).
 */
export async function loadHistory(
  dataDir: string,
  opts: HistoryOptions = {},
): Promise<{ runs: RunResults[]; skipped: Skipped[] }> {
  const dates = opts.days !== undefined && opts.today ? dateWindow(opts.today, opts.days, true) : undefined;
  const folders = (await findRunFolders(dataDir, dates ? { dates } : {})).filter(
    (f) => opts.model === undefined || f.model === opts.model,
  );
  const logs = await findConsoleLogs(dataDir, dates);
  if (folders.length === 0 && logs.length === 0) return { runs: [], skipped: [] };
  return ingestPaths([...folders.map((f) => f.path), ...logs], { root: dataDir });
}
