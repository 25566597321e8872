/**
 * Ingest: turn run folders, loose logs and nightly console logs (src/store/console-log.ts) into
 * RunResults records.
 * Files are read once; big logs are streamed line by line so memory stays flat.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { createInterface } from "node:readline";
import {
  emptyRun,
  measuredAny,
  pointKey,
  type Diagnostic,
  type Failure,
  type Gsm8k,
  type Point,
  type PointResult,
  type RunResults,
} from "../core/results/index.js";
import { parseGsm8kOutput, recordedGsm8k } from "../sglang/gsm8k.js";
import { numericFields, parseJsonl } from "../sglang/jsonl.js";
import { parseTimingSummary, type TimingSummary } from "../sglang/timing-summary.js";
import { parseOneBatchOutput, type OneBatchParse } from "../sglang/one-batch.js";
import { createServerLogScanner, lastExceptionLine, parseServerLog, type ServerLogScan } from "../sglang/server-log.js";
import { parseServingOutput } from "../sglang/serving.js";
import { splitLines } from "../sglang/lines.js";
import {
  clientLogModel,
  parseClientLogName,
  parseOneBatchLogName,
  parseRunFolderName,
  parseSeedCsvName,
} from "./run-folder-name.js";
import { readConfigJson } from "./config-json.js";
import { offlineCsvToPoints, parseOfflineCsv } from "./offline-csv.js";
import { onlineCsvToPoints, parseGsm8kOnlineCsv, parseOnlineCsv } from "./online-csv.js";
import { RESULTS_FILE, readResults } from "./results-file.js";
import { redactSecrets } from "./redact.js";
import { noResultsReason, parseConsoleLog } from "./console-log.js";
import { applyImageFacts, fillSeedLengths, imageRef, PointTable, repeatFrom, suiteFor } from "./run-builder.js";
import { errorMessage } from "../core/util/index.js";
import { runVariant } from "../core/trends/index.js";
import { identityFromFiles, normaliseHardware, normaliseRunIdentity, type FolderFileHints } from "./series-identity.js";

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
  const seen = new Set<string>();
  for (const p of paths) await collect(p, byDir, consoleLogs, out.skipped, seen);
  const name = (f: string) => (opts.root ? relative(opts.root, f) : f);
  for (const [dir, files] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    const run = await ingestFolder(dir, files.sort(), name, out.skipped);
    if (run) out.runs.push(normaliseRunIdentity(run));
  }
  const folderRuns = [...out.runs];
  for (const file of consoleLogs.sort()) {
    try {
      const text = await readFile(file, "utf8");
      const runs = parseConsoleLog(text, name(file));
      if (runs.length === 0) out.skipped.push({ file: name(file), reason: noResultsReason(text) });
      for (const run of runs) if (!mergeIntoFolderRun(normaliseRunIdentity(run), folderRuns)) out.runs.push(run);
    } catch (error: unknown) {
      out.skipped.push({ file, reason: errorMessage(error) });
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
    const redactFailure = (f: Failure): void => {
      f.message = redactSecrets(f.message);
      if (f.cause) f.cause = redactSecrets(f.cause);
      if (f.log_tail) f.log_tail = f.log_tail.map(redactSecrets);
    };
    for (const f of run.failures) redactFailure(f);
    for (const p of run.points) if (p.failure && !run.failures.includes(p.failure)) redactFailure(p.failure);
  }
  for (const s of out.skipped) s.reason = redactSecrets(s.reason);
  return out;
}

/**
 * A console log and the run folder it produced describe the same run: counting both would double
 * the nightly (the DeepSeek log, whose client output went to files, even looked like a GSM8K-only run).
 * When a folder record has the same image, suite, model and serving variant (a DP-attention log
 * belongs to the `_online_dp_attention` folder, not the standard one), the console record only fills what the folder
 * lacks (GSM8K, KV cache, node) and is dropped. Returns whether it was merged.
 */
function mergeIntoFolderRun(run: RunResults, folderRuns: RunResults[]): boolean {
  const image = run.image?.full;
  if (!image) return false;
  const target = folderRuns.find(
    (f) =>
      f.suite === run.suite &&
      f.model.name === run.model.name &&
      runVariant(f) === runVariant(run) &&
      (f.image?.full === image || (f.image?.tag === run.image?.tag && !f.image?.repo)),
  );
  if (!target) return false;
  if (!target.gsm8k && run.gsm8k) {
    target.gsm8k = run.gsm8k;
    // A console GSM8K test that failed as a whole holds no accuracy: its failure says why.
    target.failures.push(...run.failures.filter((f) => !target.failures.some((t) => t.message === f.message)));
  }
  if (!target.kv_cache && run.kv_cache) target.kv_cache = run.kv_cache;
  if (!target.node && run.node) target.node = run.node;
  if (!target.image?.repo && run.image) target.image = run.image;
  if (target.points.length === 0 && run.points.length > 0) target.points = run.points;
  target.sources.push(...run.sources.filter((s) => !target.sources.includes(s)));
  return true;
}

/**
 * Walks `path` (symlinked folders followed: a data dir often links in another disk's history);
 * `seen` holds the real paths already walked, so a link back up the tree is no endless loop.
 */
async function collect(
  path: string,
  byDir: Map<string, string[]>,
  consoleLogs: string[],
  skipped: IngestOutcome["skipped"],
  seen: Set<string>,
): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error: unknown) {
    skipped.push({ file: path, reason: errorMessage(error) });
    return;
  }
  if (info.isDirectory()) {
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) return;
    seen.add(real);
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (error: unknown) {
      skipped.push({ file: path, reason: errorMessage(error) });
      return;
    }
    for (const e of entries) await collect(join(path, e.name), byDir, consoleLogs, skipped, seen);
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

/** `only process_and_generate_online_plots.log`: what a folder holds, its first few names. */
function filesText(files: string[]): string {
  const names = files.map((f) => basename(f));
  return `only ${names.slice(0, 3).join(", ")}${names.length > 3 ? ` and ${names.length - 3} more` : ""}`;
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
      skipped.push({ file: name(resultsFile), reason: `${errorMessage(error)}; reading the folder's logs instead` });
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
  // What the files say about the run, for a folder whose name does not say it (a renamed copy).
  const hints: FolderFileHints = { clientModels: [] };
  let summaryKind: "online" | "offline" | undefined;
  // What the logs say about a night that measured nothing (see nightFailures).
  const night: NightLogs = { summaries: [] };
  const clientFailures: Failure[] = [];
  const jsonlRecords: { record: Record<string, unknown>; src: string }[] = [];
  for (const file of files) {
    const base = basename(file);
    const src = name(file);
    if (base.endsWith(".csv")) {
      csvFiles.push(file);
      hints.csvName ??= parseSeedCsvName(base);
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
        diagnostics.push({ file: src, message: errorMessage(error), severity: "warning" });
      }
      continue;
    }
    csvOnly = false;
    try {
      if (/server/.test(base) && !/serving_benchmark/.test(base)) {
        const scan = await scanServerLog(file, src);
        night.server = { scan, src };
        if (scan.kv_cache) run.kv_cache = scan.kv_cache;
        if (scan.fatal)
          run.failures.push({ kind: scan.fatal.oom ? "oom" : "crash", message: scan.fatal.text, source: src });
        diagnostics.push(...scan.diagnostics);
        const args = scan.server_args;
        if (args?.settings) run.server_settings ??= args.settings;
        if (args) {
          hints.servedName ??= args.served_model_name;
          hints.modelPath ??= args.model_path;
          hints.serverSwitches ??= {
            dp_attention: args.enable_dp_attention,
            torch_compile: args.enable_torch_compile,
          };
        }
        sources.push(src);
        continue;
      }
      if (/^process_and_generate/.test(base)) continue;
      if (/^timing_summary_/.test(base)) {
        const t = parseTimingSummary(await readFile(file, "utf8"), src);
        night.summaries.push({ summary: t, src });
        if (t.image) run.image = imageRef(t.image);
        if (t.hostname) run.node = t.hostname;
        if (t.hardware) run.hardware = normaliseHardware(t.hardware);
        if (Object.keys(t.timings).length) run.timings = { ...run.timings, ...t.timings };
        hints.summaryModel ??= t.model;
        hints.command ??= t.command;
        hints.switches = { ...t.switches, ...hints.switches };
        summaryKind ??= t.mode;
        diagnostics.push(...t.diagnostics);
        sources.push(src);
        continue;
      }
      const logModel = clientLogModel(base);
      if (logModel) hints.clientModels!.push(logModel);
      const text = await readFile(file, "utf8");
      if (/gsm8k/i.test(base)) {
        const g = parseGsm8kOutput(text, src);
        // An average over 0 valid runs, or runs against a server that died, is no accuracy (recordedGsm8k).
        const gsm8k = recordedGsm8k(g);
        if (gsm8k) run.gsm8k = gsm8k;
        night.gsm8kLog = src;
        if (g.failure) {
          run.failures.push(g.failure);
          night.gsm8kFailure = g.failure;
        }
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
          const failure = clientFailure(text, point, client.run, src);
          run.failures.push(failure);
          clientFailures.push(failure);
        }
        if (client.backend && !run.backend && client.backend !== "gsm8k") run.backend = client.backend;
        sources.push(src);
      }
    } catch (error: unknown) {
      skipped.push({ file: src, reason: errorMessage(error) });
    }
  }
  addJsonlPoints(jsonlRecords, table, run);
  // The seed's CSVs hold only best-of-3 medians: use them when no log gave points (CSV-only folders).
  const fromCsv = await readSeedCsvs(csvFiles, name, run, diagnostics, skipped, table.size === 0);
  if (fromCsv.length > 0) sources.push(...csvFiles.map(name));
  if (sources.length === 0 && (!csvOnly || !folder)) {
    // A nightly's folder that holds only what the seed's plotting wrote: said, not silently dropped.
    if (folder)
      skipped.push({
        file: name(dir),
        reason: `a run folder with no result in it (${filesText(files)}): the night's console log may hold them`,
      });
    return undefined;
  }
  // A point whose client logs all failed is ❌ with their cause, not "not run".
  const fromLogs = table.size > 0 || fromCsv.length === 0;
  if (fromLogs) for (const f of clientFailures) if (f.point && !table.covers(f.point)) table.fail(f.point, f);
  run.points = fromLogs ? table.list() : fromCsv;
  if (!fromLogs) for (const f of clientFailures) failPoint(run, f);
  if (!measuredAny(run)) run.failures.push(...nightFailures(run, night));
  if (!folder) applyFileIdentity(run, hints, summaryKind);
  applyImageFacts(run);
  fillSeedLengths(run);
  run.suite = suiteFor(run.kind, run.model.name, run.mode);
  run.diagnostics = diagnostics;
  run.sources = files.map(name);
  return run;
}

/**
 * A folder whose name is not `<tag>_<model>_<variant>_<online|offline>[_mode]` (a copy under another
 * name): model, image tag and mode from what its files say ({@link identityFromFiles}), as the
 * original folder name would have given them. `kind` is the timing summary's `Mode:`, used only when
 * the run has no point to say which kind it is.
 */
function applyFileIdentity(run: RunResults, hints: FolderFileHints, kind: "online" | "offline" | undefined): void {
  const id = identityFromFiles(hints);
  if (id.model) run.model = { ...run.model, ...id.model };
  if (id.tag && !run.image) run.image = { full: id.tag, tag: id.tag };
  if (kind && run.points.length === 0) run.kind = kind;
  if (id.mode) run.mode = id.mode;
  else if (run.kind === "online" && id.servingVariant) run.mode = id.servingVariant;
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
      skipped.push({ file: src, reason: errorMessage(error) });
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

/** What a run folder's logs say about how its night ended, beyond its results. */
interface NightLogs {
  /** Timing summaries, oldest first (one per launch of the nightly script). */
  summaries: { summary: TimingSummary; src: string }[];
  server?: { scan: ServerLogScan; src: string };
  gsm8kLog?: string;
  /** The GSM8K log's own failure (parseGsm8kOutput), already on the run. */
  gsm8kFailure?: Failure;
}

/** ` (accuracy 0.934)`: what the GSM8K log averaged, or "" when it printed no average. */
const logAccuracy = (g: Gsm8k): string => (g.average !== undefined ? ` (accuracy ${g.average.toFixed(3)})` : "");

/** What a launch's timing summary kept of a GSM8K whose log holds no result. */
function summaryAccuracy({ summary, src }: { summary: TimingSummary; src: string }): string {
  if (summary.gsm8kValidRuns === 0) return ` (no valid run in ${fileName(src)})`;
  return ` (average accuracy ${summary.gsm8kAverage!.toFixed(3)} in ${fileName(src)}; the GSM8K log holds no result)`;
}

/** The file name of a source (a run folder holds it): what messages name. */
const fileName = (src: string): string => basename(src);

/**
 * Why a night that measured no benchmark point has none, from its logs, in this order (compare shows
 * the first at each point):
 * - the GSM8K gate failed (average below the threshold) with a healthy server: the seed skips the
 *   serving benchmarks (`Skipping benchmarks … due to low GSM8K accuracy`) — low_accuracy;
 * - the last launch's timing summary ends in a failed health check (`server crashed or became
 *   unresponsive`) that the GSM8K log did not already report — server_crashed;
 * - earlier launches of the night (their own timing summaries) ended the same way — server_crashed;
 * - nothing else, and the server log never printed its ready line — never_ready.
 * GSM8K-only variants (`Serving benchmarks skipped in … mode`) get no gate failure for it.
 */
function nightFailures(run: RunResults, night: NightLogs): Failure[] {
  const out: Failure[] = [];
  const gsmLost = night.gsm8kFailure?.kind === "server_crashed";
  // The server answered GSM8K before it died, so a server log without a ready line is the restart's.
  if (gsmLost && night.server && !night.server.scan.ready) {
    const f = night.gsm8kFailure!;
    const note = `; the restarted server never got ready (${fileName(night.server.src)} has no ready line)`;
    const message = f.message.replace("; the script restarted it and ran no further GSM8K run", "");
    f.message = message.includes(" — see ") ? message.replace(" — see ", `${note} — see `) : `${message}${note}`;
  }
  const g = run.gsm8k;
  const gsm8kOnly = night.summaries.some((s) => s.summary.servingSkipped) || run.mode !== undefined;
  if (!night.gsm8kFailure && g?.passed === false && !gsm8kOnly) {
    const average = g.average !== undefined ? g.average.toFixed(3) : "?";
    out.push({
      kind: "low_accuracy",
      message: `GSM8K average accuracy ${average} is below the threshold ${g.threshold ?? "?"}: the nightly skipped the serving benchmarks — see ${fileName(g.source ?? night.gsm8kLog ?? "GSM8K log")}`,
      ...(g.source ? { source: g.source } : {}),
    });
  }
  // The last launch that did anything; header-only summaries (a launch that found nothing to do) aside.
  const launches = night.summaries.filter(
    (s) => s.summary.crash || Object.keys(s.summary.timings).length > 0 || s.summary.servingSkipped,
  );
  // The last launch's crash first (what compare shows at each point), then the earlier ones, oldest first.
  const ordered = launches.length > 0 ? [launches[launches.length - 1]!, ...launches.slice(0, -1)] : [];
  ordered.forEach(({ summary, src }, i) => {
    const crash = summary.crash;
    if (!crash) return;
    const last = i === 0;
    if (last && gsmLost) return;
    const restarts = crash.crashes > 1 ? ` (after ${crash.crashes - 1} restart${crash.crashes > 2 ? "s" : ""})` : "";
    out.push({
      kind: "server_crashed",
      message: `${last ? "" : "an earlier launch that night: "}${crash.text}${restarts} — see ${fileName(src)}`,
      cause: crash.text,
      source: `${src}:${crash.line}`,
    });
  });
  // A launch that began (its ServerArgs line) and never printed the ready line, when the last launch's
  // summary has no startup time either; an empty or missing server log says nothing.
  const startedUp = launches[launches.length - 1]?.summary.timings.server_startup !== undefined;
  const server = night.server;
  if (
    run.failures.length === 0 &&
    out.length === 0 &&
    !g &&
    server?.scan.server_args &&
    !server.scan.ready &&
    !startedUp
  ) {
    const { src } = server;
    out.push({
      kind: "never_ready",
      message: `the server never got ready: ${fileName(src)} ends before its ready line ("The server is fired up")`,
      source: src,
    });
  }
  // GSM8K ran and nothing after it: the night's logs end before the serving benchmarks (cut off or
  // killed). The GSM8K log may be empty while the launch's timing summary kept the average (2025-11-12).
  const summarised = [...launches].reverse().find((s) => s.summary.gsm8kAverage !== undefined);
  if (run.failures.length === 0 && out.length === 0 && (g || summarised) && !gsm8kOnly) {
    const where = server ? ` — ${fileName(server.src)} ends without a benchmark` : "";
    const accuracy = g ? logAccuracy(g) : summaryAccuracy(summarised!);
    out.push({
      kind: "missing",
      message: `GSM8K ran${accuracy} but no serving benchmark point was recorded${where}`,
      ...(server ? { source: server.src } : {}),
    });
  }
  return out;
}

/**
 * A bench_serving client log without a result block: `oom` when it ran out of memory, `crash` with
 * the log's last exception line (a traceback ends in it), else `missing` (cut off, garbled).
 */
function clientFailure(text: string, point: Point, repeat: number, source: string): Failure {
  const lines = splitLines(text).filter((l) => l.trim() !== "" && l.length < 4000);
  const cause = lastExceptionLine(lines);
  const tail = lines.slice(-5).map((l) => redactSecrets(l.trimEnd()));
  const at =
    point.concurrency !== undefined ? `concurrency ${point.concurrency}` : `request rate ${point.request_rate}`;
  const base = { point, repeat, source, log_tail: tail };
  if (!cause) return { kind: "missing", message: "no result block", ...base };
  const oom = /OutOfMemoryError|out of memory/i.test(cause);
  return {
    kind: oom ? "oom" : "crash",
    message: `bench_serving at ${at}, run ${repeat} printed no result: ${cause} — see ${fileName(source)}`,
    cause,
    ...base,
  };
}

/** Marks a client log's failure on its point when no log of that point measured anything. */
function failPoint(run: RunResults, failure: Failure): void {
  const key = pointKey(failure.point ?? {});
  const entry = run.points.find((p) => pointKey(p.point) === key);
  if (!entry) run.points.push({ point: failure.point ?? {}, repeats: [], failure });
  else if (entry.repeats.length === 0) entry.failure ??= failure;
}
