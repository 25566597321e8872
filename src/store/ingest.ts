/**
 * Ingest: turn run folders, loose logs and nightly console logs into RunResults records.
 * Files are read once; big logs are streamed line by line so memory stays flat.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { createInterface } from "node:readline";
import {
  emptyRun,
  pointKey,
  POINT_KEYS,
  type Diagnostic,
  type Failure,
  type Point,
  type PointResult,
  type Repeat,
  type RunResults,
} from "../core/results.js";
import { parseGsm8kOutput } from "../sglang/gsm8k.js";
import { isProgressLine } from "../sglang/lines.js";
import { numericFields, parseJsonl } from "../sglang/jsonl.js";
import { parseTimingSummary } from "../sglang/timing-summary.js";
import { parseOneBatchOutput, type OneBatchParse } from "../sglang/one-batch.js";
import { createServerLogScanner, parseServerLog } from "../sglang/server-log.js";
import { parseServingOutput, type ServingBlock } from "../sglang/serving.js";
import { attentionBackend, parseImage } from "../core/images.js";
import { parseClientLogName, parseOneBatchLogName, parseRunFolderName } from "./run-folder-name.js";
import { readConfigJson } from "./config-json.js";
import { offlineCsvToPoints, parseOfflineCsv } from "./offline-csv.js";
import { onlineCsvToPoints, parseGsm8kOnlineCsv, parseOnlineCsv } from "./online-csv.js";
import { RESULTS_FILE, readResults } from "./results-file.js";
import { redactSecrets } from "./redact.js";

export interface IngestOptions {
  /** Sources are named relative to this folder when given. */
  root?: string;
}

export interface IngestOutcome {
  runs: RunResults[];
  skipped: { file: string; reason: string }[];
}

/** Files above this size are streamed instead of read whole. */
const STREAM_THRESHOLD = 32 * 1024 * 1024;

/** Ingest any mix of folders and files; never throws for bad content, lists unreadable files in `skipped`. */
export async function ingestPaths(paths: string[], opts: IngestOptions = {}): Promise<IngestOutcome> {
  const out: IngestOutcome = { runs: [], skipped: [] };
  const byDir = new Map<string, string[]>();
  const consoleLogs: string[] = [];
  for (const p of paths) await collect(p, byDir, consoleLogs, out.skipped);
  const name = (f: string) => (opts.root ? relative(opts.root, f) : f);
  for (const [dir, files] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    const run = await ingestFolder(dir, files.sort(), name, out.skipped);
    if (run) out.runs.push(run);
  }
  const folderRuns = [...out.runs];
  for (const file of consoleLogs.sort()) {
    try {
      const text = await readFile(file, "utf8");
      const runs = parseConsoleLog(text, name(file));
      if (runs.length === 0) out.skipped.push({ file: name(file), reason: noResultsReason(text) });
      for (const run of runs) if (!mergeIntoFolderRun(run, folderRuns)) out.runs.push(run);
    } catch (error: unknown) {
      out.skipped.push({ file, reason: errorText(error) });
    }
  }
  return redactOutcome(out);
}

/**
 * Messages quote log lines, and the seed's logs carry webhook URLs and tokens on their command
 * lines: nothing ingest returns may repeat them.
 */
function redactOutcome(out: IngestOutcome): IngestOutcome {
  for (const run of out.runs) {
    for (const d of run.diagnostics) d.message = redactSecrets(d.message);
    for (const f of run.failures) {
      f.message = redactSecrets(f.message);
      if (f.log_tail) f.log_tail = f.log_tail.map(redactSecrets);
    }
    for (const p of run.points) if (p.failure) p.failure.message = redactSecrets(p.failure.message);
  }
  for (const s of out.skipped) s.reason = redactSecrets(s.reason);
  return out;
}

/** Why a console log gave nothing: its last `ERROR` line when it has one (e.g. no image found that night). */
export function noResultsReason(text: string): string {
  const errors = text.split("\n").filter((l) => /\bERROR\b/.test(l) && l.length < 2000);
  const last = errors[errors.length - 1]?.replace(/^\[\w+\]\s*/, "").trim();
  return `no benchmark results in console log${last ? ` (${last})` : ""}`;
}

/**
 * A console log and the run folder it produced describe the same run: counting both would double
 * the nightly (the DeepSeek log, whose client output went to files, even looked like a GSM8K-only run).
 * When a folder record has the same image and suite, the console record only fills what the folder
 * lacks (GSM8K, KV cache, node) and is dropped. Returns whether it was merged.
 */
function mergeIntoFolderRun(run: RunResults, folderRuns: RunResults[]): boolean {
  const image = run.image?.full;
  if (!image) return false;
  const target = folderRuns.find(
    (f) =>
      f.suite === run.suite &&
      f.model.name === run.model.name &&
      (f.image?.full === image || (f.image?.tag === run.image?.tag && !f.image?.repo)),
  );
  if (!target) return false;
  if (!target.gsm8k && run.gsm8k) target.gsm8k = run.gsm8k;
  if (!target.kv_cache && run.kv_cache) target.kv_cache = run.kv_cache;
  if (!target.node && run.node) target.node = run.node;
  if (!target.image?.repo && run.image) target.image = run.image;
  if (target.points.length === 0 && run.points.length > 0) target.points = run.points;
  target.sources.push(...run.sources.filter((s) => !target.sources.includes(s)));
  return true;
}

async function collect(
  path: string,
  byDir: Map<string, string[]>,
  consoleLogs: string[],
  skipped: IngestOutcome["skipped"],
): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error: unknown) {
    skipped.push({ file: path, reason: errorText(error) });
    return;
  }
  if (info.isDirectory()) {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error: unknown) {
      skipped.push({ file: path, reason: errorText(error) });
      return;
    }
    for (const e of entries) await collect(join(path, e.name), byDir, consoleLogs, skipped);
    return;
  }
  const base = basename(path);
  if (!/\.(log|jsonl|csv)$/.test(base) && base !== RESULTS_FILE && base !== "config.json") return;
  if (/nightly.*\.log$/.test(base) || path.includes(`${"cron_log"}/`)) {
    consoleLogs.push(path);
    return;
  }
  const dir = dirname(path);
  const list = byDir.get(dir) ?? [];
  list.push(path);
  byDir.set(dir, list);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Model/suite naming shared by folders and console logs. */
function suiteFor(kind: "online" | "offline", model: string, mode?: string): string {
  const family = /deepseek/i.test(model) ? "deepseek" : /grok/i.test(model) ? "grok" : slug(model);
  return kind === "online" ? `${family}-online` : `${family}-offline-${mode ?? "normal"}`;
}
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/** Repeats grouped by point, in first-seen order. */
class PointTable {
  private readonly points = new Map<string, PointResult>();
  add(point: Point, repeat: Repeat): void {
    const key = pointKey(point);
    const entry = this.points.get(key) ?? { point, repeats: [] };
    entry.repeats.push(repeat);
    this.points.set(key, entry);
  }
  /** Marks a point failed (it appears with no repeats when nothing was measured). */
  fail(point: Point, failure: Failure): void {
    const key = pointKey(point);
    const entry = this.points.get(key) ?? { point, repeats: [] };
    entry.failure ??= failure;
    this.points.set(key, entry);
  }
  list(): PointResult[] {
    const order = (p: Point) => POINT_KEYS.map((k) => p[k] ?? -1);
    const compare = (a: Point, b: Point) => {
      const x = order(a);
      const y = order(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    };
    return [...this.points.values()]
      .sort((a, b) => compare(a.point, b.point))
      .map((p) => ({ ...p, repeats: p.repeats.sort((a, b) => a.index - b.index) }));
  }
  has(point: Point): boolean {
    return this.points.has(pointKey(point));
  }
  get size(): number {
    return this.points.size;
  }
}

function repeatFrom(block: ServingBlock, index: number, source: string): Repeat {
  return {
    index,
    metrics: block.metrics,
    ...(Object.keys(block.labels).length ? { labels: block.labels } : {}),
    source,
  };
}

/** Lengths from the client's `--random-input N --random-output M` / Namespace line, when printed. */
function lengthsFrom(text: string): Pick<Point, "input_len" | "output_len"> {
  const i = /random[-_]input(?:[-_]len)?[= ]+'?(\d+)/.exec(text)?.[1];
  const o = /random[-_]output(?:[-_]len)?[= ]+'?(\d+)/.exec(text)?.[1];
  return { ...(i ? { input_len: Number(i) } : {}), ...(o ? { output_len: Number(o) } : {}) };
}

async function ingestFolder(
  dir: string,
  files: string[],
  name: (f: string) => string,
  skipped: IngestOutcome["skipped"],
): Promise<RunResults | undefined> {
  const resultsFile = files.find((f) => basename(f) === RESULTS_FILE);
  if (resultsFile) {
    // Our runner's results.json is the source of truth; the logs beside it are its raw material.
    try {
      const stored = await readResults(resultsFile);
      return { ...stored, sources: stored.sources.length > 0 ? stored.sources : [name(resultsFile)] };
    } catch (error: unknown) {
      skipped.push({ file: name(resultsFile), reason: `${errorText(error)}; reading the folder's logs instead` });
    }
  }
  const folder = parseRunFolderName(basename(dir));
  const table = new PointTable();
  const diagnostics: Diagnostic[] = [];
  const sources: string[] = [];
  const run = emptyRun({ kind: folder?.kind ?? "online", suite: "", model: { name: folder?.model ?? "unknown" } });
  if (folder) {
    run.model = { name: folder.model, variant: folder.variant };
    run.image = { full: folder.tag, tag: folder.tag };
    if (folder.mode) run.mode = folder.mode;
  }
  let csvOnly = true;
  const csvFiles: string[] = [];
  const jsonlRecords: { record: Record<string, unknown>; src: string }[] = [];
  for (const file of files) {
    const base = basename(file);
    const src = name(file);
    if (base.endsWith(".csv")) {
      csvFiles.push(file);
      continue;
    }
    if (base === RESULTS_FILE) continue;
    if (base === "config.json") {
      try {
        const config = await readConfigJson(file);
        run.image = imageRef(config.docker);
        run.backend = config.attention_backend;
        sources.push(src);
      } catch (error: unknown) {
        diagnostics.push({ file: src, message: errorText(error), severity: "warning" });
      }
      continue;
    }
    csvOnly = false;
    try {
      if (/server/.test(base) && !/serving_benchmark/.test(base)) {
        const scan = await scanServerLog(file, src);
        if (scan.kv_cache) run.kv_cache = scan.kv_cache;
        if (scan.fatal)
          run.failures.push({ kind: scan.fatal.oom ? "oom" : "crash", message: scan.fatal.text, source: src });
        diagnostics.push(...scan.diagnostics);
        sources.push(src);
        continue;
      }
      if (/^process_and_generate/.test(base)) continue;
      if (/^timing_summary_/.test(base)) {
        const t = parseTimingSummary(await readFile(file, "utf8"), src);
        if (t.image) run.image = imageRef(t.image);
        if (t.hostname) run.node = t.hostname;
        if (t.hardware) run.hardware = t.hardware;
        if (Object.keys(t.timings).length) run.timings = { ...run.timings, ...t.timings };
        diagnostics.push(...t.diagnostics);
        sources.push(src);
        continue;
      }
      const text = await readFile(file, "utf8");
      if (/gsm8k/i.test(base)) {
        const g = parseGsm8kOutput(text, src);
        if (g.gsm8k) run.gsm8k = g.gsm8k;
        diagnostics.push(...g.diagnostics);
        sources.push(src);
        continue;
      }
      if (base.endsWith(".jsonl")) {
        const parsed = parseJsonl(text, src);
        diagnostics.push(...parsed.diagnostics);
        jsonlRecords.push(...parsed.records.map((r) => ({ record: r, src })));
        sources.push(src);
        continue;
      }
      const oneBatch = parseOneBatchLogName(base);
      if (oneBatch) {
        run.kind = "offline";
        const parsed = parseOneBatchOutput(text, src);
        diagnostics.push(...parsed.diagnostics);
        let index = 0;
        for (const b of parsed.blocks) {
          if (b.warmup) continue;
          table.add({ ...oneBatch }, { index: ++index, metrics: b.metrics, source: src });
        }
        if (index === 0) {
          // The seed wrote an NA row (OOM) or an empty row (crash) here; we keep why, with the log's tail.
          const failure = oneBatchFailure(parsed, { ...oneBatch }, text, src);
          table.fail({ ...oneBatch }, failure);
          run.failures.push(failure);
        } else if (parsed.oom) {
          diagnostics.push({
            file: src,
            message: "OutOfMemoryError in a log that also has results",
            severity: "warning",
          });
        }
        sources.push(src);
        continue;
      }
      const client = parseClientLogName(base);
      if (client) {
        const parsed = parseServingOutput(text, src);
        diagnostics.push(...parsed.diagnostics);
        const block = parsed.blocks[parsed.blocks.length - 1];
        const point: Point =
          client.concurrency !== undefined
            ? { concurrency: client.concurrency, ...lengthsFrom(text) }
            : { request_rate: client.request_rate ?? 0 };
        if (block) table.add(point, repeatFrom(block, client.run, src));
        else {
          diagnostics.push({
            file: src,
            expected: "a `Serving Benchmark Result` block",
            message: "no result block in client log",
            severity: "error",
          });
          run.failures.push({ kind: "missing", message: "no result block", point, repeat: client.run, source: src });
        }
        if (client.backend && !run.backend && client.backend !== "gsm8k") run.backend = client.backend;
        sources.push(src);
      }
    } catch (error: unknown) {
      skipped.push({ file: src, reason: errorText(error) });
    }
  }
  addJsonlPoints(jsonlRecords, table, run);
  // The seed's CSVs hold only best-of-3 medians: use them when no log gave points (CSV-only folders).
  const fromCsv = await readSeedCsvs(csvFiles, name, run, diagnostics, skipped, table.size === 0);
  if (fromCsv.length > 0) sources.push(...csvFiles.map(name));
  if (sources.length === 0 && !csvOnly) return undefined;
  if (!folder && sources.length === 0) return undefined;
  run.points = table.size > 0 ? table.list() : fromCsv;
  applyImageFacts(run);
  fillSeedLengths(run);
  run.suite = suiteFor(run.kind, run.model.name, run.mode);
  run.diagnostics = diagnostics;
  run.sources = files.map(name);
  return run;
}

/** JSONL points fill in only what the text logs did not already give (logs are preferred). */
function addJsonlPoints(
  records: { record: Record<string, unknown>; src: string }[],
  table: PointTable,
  run: RunResults,
): void {
  const fromLogs = new Set<string>();
  const counts = new Map<string, number>();
  for (const { record, src } of records) {
    const metrics = numericFields(record);
    let point: Point;
    if (metrics.total_latency !== undefined && metrics.batch_size !== undefined) {
      run.kind = "offline";
      point = {
        batch_size: metrics.batch_size,
        ...(metrics.input_len !== undefined ? { input_len: metrics.input_len } : {}),
        ...(metrics.output_len !== undefined ? { output_len: metrics.output_len } : {}),
      };
      for (const k of ["batch_size", "input_len", "output_len"]) delete metrics[k];
    } else if (metrics.median_e2e_latency_ms !== undefined) {
      point =
        metrics.max_concurrency !== undefined && Number.isFinite(metrics.max_concurrency)
          ? { concurrency: metrics.max_concurrency }
          : { request_rate: metrics.request_rate ?? 0 };
    } else continue;
    const key = pointKey(point);
    if (table.has(point) && !fromLogs.has(key) && !counts.has(key)) fromLogs.add(key);
    if (fromLogs.has(key)) continue;
    const index = (counts.get(key) ?? 0) + 1;
    counts.set(key, index);
    table.add(point, { index, metrics, source: src });
  }
}

async function scanServerLog(file: string, src: string) {
  const info = await stat(file);
  if (info.size < STREAM_THRESHOLD) return parseServerLog(await readFile(file, "utf8"), src);
  const scanner = createServerLogScanner(src);
  const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of rl) scanner.push(line);
  return scanner.done();
}

/**
 * The model a nightly console log ran, from what the log itself says (`--model=grok2` on the
 * `Command:` line, `Auto-detected model type: grok2`), falling back to the file name.
 */
export function consoleLogModel(head: string, file: string): string {
  const said =
    /Auto-detected model type:\s*(\w+)/.exec(head)?.[1] ??
    /Model type:\s*(\w+)/.exec(head)?.[1] ??
    /--model=([\w.-]+)/.exec(head)?.[1] ??
    file;
  if (/deepseek/i.test(said)) return "DeepSeek-V3-0324";
  if (/grok-?2/i.test(said)) return "GROK2";
  return "GROK1";
}

const IMAGE_LINE = /(?:Starting benchmarks for image|Using Docker image):\s*(\S+)/;

/** Split a nightly console log into one record per image block, with its GSM8K, KV cache and serving runs. */
export function parseConsoleLog(text: string, file: string): RunResults[] {
  const lines = text.split("\n");
  const segments: { image?: string; start: number; lines: string[] }[] = [];
  let cur: { image?: string; start: number; lines: string[] } = { start: 1, lines: [] };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const m = line.length < 2000 ? IMAGE_LINE.exec(line) : null;
    if (m && m[1] !== cur.image && line.includes("Starting benchmarks")) {
      segments.push(cur);
      cur = { image: m[1], start: i + 1, lines: [] };
    } else if (m && !cur.image) cur.image = m[1];
    // tqdm redraws (~20 kB, `\r`-separated) carry no results: drop them once here, not in every parser.
    // Joined with "\n" into one slot so later line numbers stay aligned with the file.
    if (line.includes("\r"))
      cur.lines.push(
        line
          .split("\r")
          .filter((piece) => piece.trim() !== "" && !isProgressLine(piece))
          .join("\n"),
      );
    else cur.lines.push(line);
  }
  segments.push(cur);
  const modelGuess = consoleLogModel(text.slice(0, 20000), file);
  const runs: RunResults[] = [];
  for (const seg of segments) {
    const segText = seg.lines.join("\n");
    const serving = parseServingOutput(segText, file);
    const gsm = parseGsm8kOutput(segText, file);
    const oneBatch = parseOneBatchOutput(segText, file);
    const benchBlocks = oneBatch.blocks.filter((b) => !b.warmup);
    const hasBest = seg.lines.some((l) => BEST_RESULTS.test(l));
    if (serving.blocks.length === 0 && !gsm.gsm8k && benchBlocks.length === 0 && !hasBest) continue;
    const kind = serving.blocks.length > 0 || gsm.gsm8k || hasBest ? "online" : "offline";
    const run = emptyRun({ kind, suite: suiteFor(kind, modelGuess), model: { name: modelGuess } });
    if (seg.image) run.image = imageRef(seg.image);
    const table = new PointTable();
    const counts = new Map<string, number>();
    for (const b of serving.blocks) {
      const point: Point =
        b.metrics.max_concurrency !== undefined
          ? { concurrency: b.metrics.max_concurrency }
          : { request_rate: b.metrics.request_rate ?? 0 };
      const key = pointKey(point);
      const index = (counts.get(key) ?? 0) + 1;
      counts.set(key, index);
      table.add(point, repeatFrom(b, index, `${file}:${seg.start - 1 + b.line}`));
    }
    if (serving.blocks.length === 0) {
      // DeepSeek's client output went to files; the console keeps only the best-of-3 summary per level.
      for (const best of bestResultLines(seg.lines, seg.start))
        table.add(best.point, { ...best.repeat, source: `${file}:${best.line}` });
    }
    for (const b of benchBlocks) {
      const point: Point = b.batch_size ? { batch_size: b.batch_size } : {};
      table.add(point, { index: 1, metrics: b.metrics, source: `${file}:${seg.start - 1 + b.line}` });
    }
    const scan = parseServerLog(segText, file);
    if (scan.kv_cache) run.kv_cache = scan.kv_cache;
    if (gsm.gsm8k) run.gsm8k = gsm.gsm8k;
    run.points = table.list();
    run.diagnostics = [...serving.diagnostics, ...gsm.diagnostics, ...oneBatch.diagnostics].map((d) => ({
      ...d,
      line: d.line !== undefined ? d.line + seg.start - 1 : undefined,
    }));
    run.sources = [file];
    applyImageFacts(run);
    fillSeedLengths(run);
    runs.push(run);
  }
  return runs;
}

/** `repo:tag` → the results model's image reference. */
function imageRef(image: string): NonNullable<RunResults["image"]> {
  const info = parseImage(image);
  return { full: image, tag: info.tag, ...(info.repo !== image ? { repo: info.repo } : {}) };
}

/**
 * Build date, hardware and (when no log or config said) the attention backend, from the image tag.
 * A folder name carries only the tag: nightly tag shapes imply rocm/sgl-dev, releases lmsysorg/sglang,
 * so the backend rule sees the repo the seed ran.
 */
export function applyImageFacts(run: RunResults): void {
  if (!run.image) return;
  let info = parseImage(run.image.full);
  if (!run.image.repo) {
    const repo =
      info.family === "release"
        ? "lmsysorg/sglang"
        : info.family === "custom" || info.family === "floating"
          ? undefined
          : "rocm/sgl-dev";
    if (repo) info = parseImage(`${repo}:${info.tag}`);
  }
  if (info.date) run.date = info.date;
  if (info.hardware && !run.hardware) run.hardware = info.hardware;
  if (!run.backend) run.backend = attentionBackend(info);
}

/**
 * Reads the seed's CSVs of a folder: offline CSV, online/serving TAB CSV, DeepSeek GSM8K `_online.csv`.
 * Returns their points when `wantPoints`; GSM8K and diagnostics are recorded on the run either way.
 */
async function readSeedCsvs(
  files: string[],
  name: (f: string) => string,
  run: RunResults,
  diagnostics: Diagnostic[],
  skipped: IngestOutcome["skipped"],
  wantPoints: boolean,
): Promise<PointResult[]> {
  const points: PointResult[] = [];
  for (const file of files) {
    const src = name(file);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error: unknown) {
      skipped.push({ file: src, reason: errorText(error) });
      continue;
    }
    const first = text.slice(0, text.indexOf("\n") === -1 ? undefined : text.indexOf("\n"));
    if (first.startsWith("TP,")) {
      const parsed = parseOfflineCsv(text, src);
      diagnostics.push(...parsed.diagnostics);
      run.kind = "offline";
      const backend = parsed.rows.find((r) => r.backend)?.backend;
      if (backend && !run.backend) run.backend = backend;
      if (wantPoints) points.push(...offlineCsvToPoints(parsed));
    } else if (/^Online (mode|Serving Benchmark) - /.test(first)) {
      const parsed = parseOnlineCsv(text, src);
      diagnostics.push(...parsed.diagnostics);
      run.kind = "online";
      const measured = parsed.sections[0]?.rows.find((r) => r.kind === "measured");
      if (measured?.backend && !run.backend) run.backend = measured.backend;
      if (measured?.node && !run.node) run.node = measured.node;
      if (wantPoints) points.push(...onlineCsvToPoints(parsed));
    } else if (first.trim() === "Results") {
      const parsed = parseGsm8kOnlineCsv(text, src);
      diagnostics.push(...parsed.diagnostics);
      if (!run.gsm8k && parsed.average !== undefined) run.gsm8k = { runs: [], average: parsed.average, source: src };
    } else {
      diagnostics.push({
        file: src,
        line: 1,
        message: `not a CSV layout of the original toolkit: ${first.slice(0, 80)}`,
        severity: "warning",
      });
    }
  }
  return points;
}

const BEST_RESULTS =
  /Best results for (concurrency|rate|request rate) (\d+(?:\.\d+)?): E2E=([\d.]+)ms, TTFT=([\d.]+)ms, ITL=([\d.]+)ms/;

/**
 * `✅ Best results for concurrency 128: E2E=61139.44ms, TTFT=10745.50ms, ITL=51.18ms, …` → one repeat per
 * level holding the seed's best-of-3 medians (the same numbers its serving CSV has), labelled as such.
 */
export function bestResultLines(
  lines: readonly string[],
  firstLine = 1,
): { point: Point; repeat: Repeat; line: number }[] {
  const out: { point: Point; repeat: Repeat; line: number }[] = [];
  lines.forEach((text, i) => {
    const m = text.length < 2000 ? BEST_RESULTS.exec(text) : null;
    if (!m?.[2] || !m[3] || !m[4] || !m[5]) return;
    const level = Number(m[2]);
    out.push({
      point: m[1] === "concurrency" ? { concurrency: level } : { request_rate: level },
      repeat: {
        index: 1,
        metrics: { median_e2e_latency_ms: Number(m[3]), median_ttft_ms: Number(m[4]), median_itl_ms: Number(m[5]) },
        labels: { selection: "best of 3 (console summary)" },
      },
      line: firstLine + i,
    });
  });
  return out;
}

/** Why a bench_one_batch log has no benchmark block: OOM, skipped by the max batch size limit, or a crash. */
function oneBatchFailure(parsed: OneBatchParse, point: Point, text: string, source: string): Failure {
  const tail = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "" && l.length < 1000)
    .slice(-5)
    .map(redactSecrets);
  if (parsed.oom)
    return { kind: "oom", message: "OutOfMemoryError in bench_one_batch output", point, log_tail: tail, source };
  const skip = parsed.skipped[0];
  if (skip) {
    return {
      kind: "skipped",
      message: `bench_one_batch skipped (${skip.batch_size}, ${skip.input_len}, ${skip.output_len}) due to max batch size limit`,
      point,
      source: `${source}:${skip.line}`,
    };
  }
  return { kind: "crash", message: "no benchmark block in bench_one_batch output", point, log_tail: tail, source };
}

/**
 * Lengths the seed's scripts fixed but its file names and CSVs leave out (original-toolkit.md §1.2,
 * §1.3, §2.9), so a point reads the same whether it came from a log, a CSV or our runner:
 * Grok offline output length per mode, DeepSeek offline 128/32 at TP 8, DeepSeek online 3200/800.
 */
export function seedLengths(model: string, kind: "offline" | "online", mode?: string): Partial<Point> {
  const deepseek = /deepseek/i.test(model);
  if (kind === "online") return deepseek ? { input_len: 3200, output_len: 800 } : {};
  if (deepseek) return { tp: 8, input_len: 128, output_len: 32 };
  const output = mode === "long_context" ? 10 : mode === "dummy" ? 4096 : 128;
  return /grok/i.test(model) ? { output_len: output } : {};
}

/** Adds {@link seedLengths} to points (and their failures) that lack them; what a source printed wins. */
export function fillSeedLengths(run: RunResults): void {
  const defaults = seedLengths(run.model.name, run.kind, run.mode);
  if (Object.keys(defaults).length === 0) return;
  for (const p of run.points) {
    // Online lengths belong to concurrency points only (Grok request-rate points never carried them).
    if (run.kind === "online" && p.point.concurrency === undefined) continue;
    p.point = { ...defaults, ...p.point };
    if (p.failure) p.failure.point = p.point;
  }
  for (const f of run.failures)
    if (f.point && !(run.kind === "online" && f.point.concurrency === undefined)) f.point = { ...defaults, ...f.point };
}
