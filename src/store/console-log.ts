/**
 * Nightly console logs (`cron_log/<hw>/<date>/*.log`): one results record per image block, with its
 * GSM8K, KV cache, serving runs or the seed's best-of-3 summary lines.
 */
import { emptyRun, pointKey, type Failure, type Point, type Repeat, type RunResults } from "../core/results/index.js";
import { parseGsm8kOutput, recordedGsm8k } from "../sglang/gsm8k.js";
import { isProgressLine } from "../sglang/lines.js";
import { parseOneBatchOutput } from "../sglang/one-batch.js";
import { lastExceptionLine, parseServerLog } from "../sglang/server-log.js";
import { parseServingOutput } from "../sglang/serving.js";
import { STANDARD_VARIANT } from "../core/trends/index.js";
import { consoleLogIdentity } from "./series-identity.js";
import { applyImageFacts, fillSeedLengths, imageRef, PointTable, repeatFrom, suiteFor } from "./run-builder.js";

/** Why a console log gave nothing: its last `ERROR` line when it has one (e.g. no image found that night). */
export function noResultsReason(text: string): string {
  const errors = text.split("\n").filter((l) => /\bERROR\b/.test(l) && l.length < 2000);
  const last = errors[errors.length - 1]?.replace(/^\[\w+\]\s*/, "").trim();
  return `no benchmark results in console log${last ? ` (${last})` : ""}`;
}

/** The model a nightly console log ran (see {@link consoleLogIdentity}): `GROK1`, `GROK2`, `DeepSeek-R1-MXFP4-Preview`, … */
export function consoleLogModel(head: string, file: string): string {
  return consoleLogIdentity(head, file).model.name;
}

const IMAGE_LINE = /(?:Starting benchmarks for image|Using Docker image):\s*(\S+)/;

/** The container went away under the script (`docker exec` into a stopped container). */
const CONTAINER_GONE = /OCI runtime exec failed|Failed to create log directory in container/;
/** The DeepSeek scripts' GSM8K gate: below it, the serving benchmarks are skipped. */
const GATE_FAILED = /Average accuracy \(([\d.]+)\) is below threshold \(([\d.]+)\)/;

/** A block that stopped before any result for another reason than its server: the container, the GSM8K gate. */
function stoppedOtherwise(lines: readonly string[], start: number, file: string): Failure | undefined {
  for (const [i, raw] of lines.entries()) {
    if (raw.length > 2000) continue;
    const line = raw.trim();
    const source = `${file}:${start + i}`;
    const gate = GATE_FAILED.exec(line);
    if (gate)
      return {
        kind: "low_accuracy",
        message: `GSM8K gate: average accuracy ${gate[1]} below the threshold ${gate[2]}; the benchmarks were skipped`,
        source,
      };
    if (CONTAINER_GONE.test(line))
      return { kind: "launch_failed", message: `the benchmark container went away: ${line.slice(0, 200)}`, source };
  }
  return undefined;
}

/** What the nightly scripts print when the server did not come up: it died starting, or never got ready. */
const SERVER_DIED = /SGLang server encountered critical errors during startup|^--- End of server log ---/;
const SERVER_NOT_READY =
  /SGLang server failed to start in time \(\d+ seconds|Server failed to start within \d+ seconds/;

/**
 * A launch that never served, from a block of console log with no result: the server died starting
 * (its cause is the last exception the dumped server log shows: `ValueError: The memory capacity is
 * unbalanced …`) or never got ready in time.
 */
function serverNotUp(lines: readonly string[], start: number, file: string): Failure | undefined {
  const at = (re: RegExp): number => lines.findIndex((l) => l.length < 2000 && re.test(l.trim()));
  const died = at(SERVER_DIED);
  const late = at(SERVER_NOT_READY);
  if (died < 0 && late < 0) return stoppedOtherwise(lines, start, file);
  const line = died >= 0 ? died : late;
  const source = `${file}:${start + line}`;
  if (died < 0) return { kind: "never_ready", message: lines[late]!.trim().slice(0, 300), source };
  // The scripts print the server log's error details after their own line, or dump the log before it.
  const cause = lastExceptionLine(lines.slice(died, died + 40)) ?? lastExceptionLine(lines.slice(0, died + 1));
  const message = `server did not start: ${cause ?? lines[died]!.trim().slice(0, 300)}`;
  return {
    kind: cause && /out of memory|OutOfMemory|Not enough memory/i.test(cause) ? "oom" : "crash",
    message,
    ...(cause ? { cause } : {}),
    source,
  };
}

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
    // What is left stays one line (joined by `\r`, which the parsers split on but do not count as a
    // line break), so the line numbers they report stay those of the file.
    if (line.includes("\r"))
      cur.lines.push(
        line
          .split("\r")
          .filter((piece) => piece.trim() !== "" && !isProgressLine(piece))
          .join("\r"),
      );
    else cur.lines.push(line);
  }
  segments.push(cur);
  const head = text.slice(0, 20000);
  // One command per file: the model, hardware and serving variant hold for all its image blocks.
  const id = consoleLogIdentity(head, file);
  const runs: RunResults[] = [];
  for (const seg of segments) {
    const segText = seg.lines.join("\n");
    const serving = parseServingOutput(segText, file);
    const gsm = parseGsm8kOutput(segText, file);
    const oneBatch = parseOneBatchOutput(segText, file);
    const benchBlocks = oneBatch.blocks.filter((b) => !b.warmup);
    const hasBest = seg.lines.some((l) => BEST_RESULTS.test(l));
    // A GSM8K test that failed as a whole (a server that died, no valid run) is a run with that failure;
    // so is a server that never came up (the night's only trace of it is this log).
    const perf = serving.blocks.length > 0 || benchBlocks.length > 0 || hasBest;
    const measured = perf || Boolean(gsm.gsm8k) || Boolean(gsm.failure);
    // GSM8K only (its gate stopped the benchmarks, or the container went): the cause, when printed.
    const notUp = !measured
      ? serverNotUp(seg.lines, seg.start, file)
      : !perf && !gsm.failure
        ? stoppedOtherwise(seg.lines, seg.start, file)
        : undefined;
    if (!measured && !notUp) continue;
    const kind =
      serving.blocks.length > 0 || gsm.gsm8k || gsm.failure || hasBest || (notUp && !/offline/i.test(file))
        ? "online"
        : "offline";
    const run = emptyRun({ kind, suite: suiteFor(kind, id.model.name), model: { ...id.model } });
    if (id.hardware) run.hardware = id.hardware;
    if (kind === "online" && id.variant !== STANDARD_VARIANT) run.mode = id.variant;
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
    const gsm8k = recordedGsm8k(gsm);
    if (gsm8k) run.gsm8k = gsm8k;
    if (gsm.failure) run.failures.push(gsm.failure);
    if (notUp) run.failures.push(notUp);
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
