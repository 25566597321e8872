/**
 * The runner's programmatic API, used by the CLI (`sglbench offline|online`), the PR pipeline and the nightly:
 * one suite on one image → one run folder in the seed's layout, written as it goes.
 */
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { parseImage, environmentFor, offlinePoints, onlinePoints, type Suite } from "../core/catalogue/index.js";
import { emptyRun, type Point, type RunResults } from "../core/results/index.js";
import { timestamp } from "../core/util/index.js";
import { runFolderPath, timingSummaryName } from "../store/layout.js";
import type { SuiteContext } from "./context.js";
import type { Executor } from "./executor.js";
import { runExitCode } from "./failures.js";
import { runOfflineSuite } from "./offline-suite.js";
import { runOnlineSuite } from "./online-suite.js";
import type { Progress } from "./progress.js";
import { safeExecutor } from "./safe-executor.js";
import { measuredRepeatCount, RunFolderWriter } from "./run-folder-writer.js";
import { formatTimingSummary } from "./timing-summary.js";
import { anySignal, shutdownSignal } from "./shutdown.js";
import { freeLocalPort } from "./free-port.js";

export interface RunSuiteOptions {
  suite: Suite;
  /** Image reference the suite runs on (names the run folder, picks backend and environment). */
  image: string;
  executor: Executor;
  /** Root of the results tree; the run folder goes under it in the seed's layout. */
  outputDir: string;
  /** Measured repeats per point (default: the suite's; offline 1). */
  repeats?: number;
  /** Only these point values (batch sizes offline, rates/concurrencies online). */
  points?: number[];
  skipGsm8k?: boolean;
  /** GSM8K threshold (default: the suite's). */
  threshold?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Server host and port (default 127.0.0.1 and `defaultServerPort()`; tests pick a free port). */
  host?: string;
  port?: number;
  /** Server readiness timeout (default: the suite's `timeouts.readyS`, else 30 min). */
  readyTimeoutMs?: number;
  /** Timeout of each benchmark command (default: the suite's `timeouts.benchmarkS`, else 60 min). */
  commandTimeoutMs?: number;
  /** Timeout of each GSM8K run (default: the suite's `timeouts.gsm8kS`, else 15 min). */
  gsm8kTimeoutMs?: number;
  /** Online: a discarded warm-up round before the first point (default true). */
  warmup?: boolean;
  /** Keep repeats already in the folder's results.json (default true). */
  resume?: boolean;
  /** Node name for the Grok online CSV title. */
  node?: string;
  /**
   * The node's GPUs (`mi30x`), recorded on the run when the image tag names none (sglbench's own
   * builds): the history, the plan and the built-in prior look runs up by it.
   */
  hardware?: string;
}

export interface RunSuiteOutcome {
  run: RunResults;
  folder: string;
  /** 0 everything ran, 3 partially, 1 nothing. */
  exitCode: 0 | 1 | 3;
  /** Repeats measured by this call (0 when a resumed folder was already complete). */
  measuredNow: number;
}

/**
 * SGLang's port 30000, or SGLBENCH_PORT when set: the Action's and the CLI's callers have no port
 * input, and a shared machine (a test run beside other work) may already use 30000.
 */
export function defaultServerPort(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.SGLBENCH_PORT?.trim();
  if (!text) return 30000;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`SGLBENCH_PORT must be a TCP port (1-65535), got "${text}"`);
  return port;
}

/**
 * Defaults when neither the caller nor the suite sets a limit, sized from the real nightlies: the
 * slowest server start 888 s (DeepSeek, torch compile), the slowest bench_serving run 2574 s, GSM8K
 * runs ~170 s (the seed itself stopped waiting at 600 s).
 */
export const DEFAULT_TIMEOUTS_S = { readyS: 1800, benchmarkS: 3600, gsm8kS: 900 } as const;

/** The time limits of a run in ms: the caller's, else the suite catalogue's, else the defaults. */
export function suiteTimeouts(
  suite: Suite,
  options: Pick<RunSuiteOptions, "readyTimeoutMs" | "commandTimeoutMs" | "gsm8kTimeoutMs"> = {},
): { readyTimeoutMs: number; commandTimeoutMs: number; gsm8kTimeoutMs: number } {
  const t = { ...DEFAULT_TIMEOUTS_S, ...suite.timeouts };
  return {
    readyTimeoutMs: options.readyTimeoutMs ?? t.readyS * 1000,
    commandTimeoutMs: options.commandTimeoutMs ?? t.benchmarkS * 1000,
    gsm8kTimeoutMs: options.gsm8kTimeoutMs ?? t.gsm8kS * 1000,
  };
}

/** Time limits a caller sets (ms); unset ones come from the suite catalogue, then the defaults. */
export type TimeoutOverrides = Pick<RunSuiteOptions, "readyTimeoutMs" | "commandTimeoutMs" | "gsm8kTimeoutMs">;

const TIMEOUT_NAMES = { ready: "readyTimeoutMs", benchmark: "commandTimeoutMs", gsm8k: "gsm8kTimeoutMs" } as const;

/** `ready=1800,benchmark=3600,gsm8k=900` (seconds; any subset, comma or newline separated) → overrides. */
export function parseTimeouts(text: string): { timeouts: TimeoutOverrides; problems: string[] } {
  const timeouts: TimeoutOverrides = {};
  const problems: string[] = [];
  for (const entry of text
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(ready|benchmark|gsm8k)=(\d+(?:\.\d+)?)$/.exec(entry);
    if (m && Number(m[2]) > 0) timeouts[TIMEOUT_NAMES[m[1] as keyof typeof TIMEOUT_NAMES]] = Number(m[2]) * 1000;
    else problems.push(`'${entry}' is not ready=S, benchmark=S or gsm8k=S (seconds > 0)`);
  }
  return { timeouts, problems };
}

/** The points a run covers, filtered by `--points` (batch sizes offline, rates/concurrencies online). */
export function selectPoints(suite: Suite, only?: readonly number[]): Point[] {
  const all = suite.kind === "offline" ? offlinePoints(suite) : onlinePoints(suite);
  if (!only?.length) return all;
  const value = (p: Point): number | undefined =>
    suite.kind === "offline" ? p.batch_size : suite.axis === "concurrency" ? p.concurrency : p.request_rate;
  const known = new Set(all.map(value));
  const unknown = only.filter((v) => !known.has(v));
  if (unknown.length)
    throw new Error(`Suite ${suite.id} has no point ${unknown.join(", ")} (points: ${[...known].join(", ")})`);
  return all.filter((p) => only.includes(value(p) ?? Number.NaN));
}

/** The run folder a suite on an image writes (the seed's classic layout). */
export function runFolderFor(suite: Suite, image: string, outputDir: string): string {
  const info = parseImage(image);
  const folder = runFolderPath(outputDir, {
    tag: info.tag,
    model: suite.modelName,
    variant: suite.variant,
    kind: suite.kind,
    ...(suite.kind === "offline" ? { mode: suite.mode } : {}),
  });
  // A catalogue variant writes its own folder, as the original names them (`…_online_dp_attention`).
  return suite.kind === "online" && suite.folderSuffix ? `${folder}_${suite.folderSuffix}` : folder;
}

/** Runs one suite on one image, writing the run folder as it goes. Throws only for bad options. */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteOutcome> {
  const { suite } = options;
  const info = parseImage(options.image);
  const { backend, env } = environmentFor(suite, info);
  const points = selectPoints(suite, options.points);
  const repeats = options.repeats ?? (suite.kind === "online" ? suite.repeats : 1);
  const folder = runFolderFor(suite, options.image, options.outputDir);
  // SIGTERM/SIGINT of the process (shutdown.ts) cancels every suite, whoever called it.
  const signal = anySignal(options.signal, shutdownSignal());
  const started = new Date();
  const fresh = emptyRun({
    kind: suite.kind,
    suite: suite.id,
    model: { name: suite.modelName, variant: suite.variant, path: suite.modelPath },
    // An online variant run is its own series: its mode is the variant (`dp_attention`), as ingest names it.
    ...(suite.kind === "offline" ? { mode: suite.mode } : suite.variantKey ? { mode: suite.variantKey } : {}),
    image: { full: info.image, repo: info.repo, tag: info.tag },
    backend,
    ...(info.hardware || options.hardware ? { hardware: info.hardware ?? options.hardware } : {}),
    node: options.node ?? hostname(),
    date: info.date ?? timestamp(started).slice(0, 8),
    started_at: started.toISOString(),
  });
  const writer = await RunFolderWriter.open(folder, fresh, {
    resume: options.resume ?? true,
    withH100: suite.kind === "online" && suite.h100Reference,
  });
  // A resumed run is no longer the interrupted one (markInterrupted writes it again if this one is stopped too).
  await rm(join(folder, "INTERRUPTED"), { force: true });
  // Every point appears in results.json from the start, so a cancelled run still lists what never ran.
  for (const p of points) writer.pointResult(p);
  const totalRepeats = points.length * repeats;
  let finished = 0;
  const alreadyDone = points.reduce((n, p) => n + Math.min(writer.measured(p).length, repeats), 0);
  const ctx: SuiteContext = {
    executor: safeExecutor(options.executor),
    writer,
    info,
    backend,
    env,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? (process.env.SGLBENCH_PORT?.trim() === "auto" ? await freeLocalPort() : defaultServerPort()),
    repeats,
    skipGsm8k: options.skipGsm8k ?? false,
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...suiteTimeouts(suite, options),
    warmup: options.warmup ?? true,
    signal,
    progress: (event, finishedRepeat) => {
      if (finishedRepeat) finished++;
      const elapsedS = (Date.now() - started.getTime()) / 1000;
      const left = totalRepeats - alreadyDone - finished;
      const etaS = finished > 0 ? (elapsedS / finished) * left : undefined;
      options.onProgress?.({ ...event, elapsedS, ...(etaS !== undefined ? { etaS } : {}) });
    },
  };
  if (suite.kind === "offline") await runOfflineSuite(suite, points, ctx);
  else await runOnlineSuite(suite, points, ctx);
  const run = writer.run;
  if (signal.aborted) await markInterrupted(writer, signal);
  const finishedAt = new Date();
  run.finished_at = finishedAt.toISOString();
  (run.timings ??= {}).total = (finishedAt.getTime() - started.getTime()) / 1000;
  await writer.flush();
  await writer.writeText(
    timingSummaryName(timestamp(started)),
    formatTimingSummary(run, { started, finished: finishedAt, image: options.image }),
  );
  const failed = run.points.filter((p) => p.failure).length;
  // A GSM8K-only suite (DP attention, torch compile, sanity) measures accuracy, not repeats.
  const exitCode = suite.gsm8kOnly
    ? run.gsm8k?.runs.length
      ? run.gsm8k.passed === false
        ? 3
        : 0
      : 1
    : runExitCode(measuredRepeatCount(run), failed);
  ctx.progress({ phase: "done", message: `finished: exit ${exitCode}` });
  return { run, folder, exitCode, measuredNow: measuredRepeatCount(run) - alreadyDone };
}

/** The run folder of a run stopped by a signal: a run-level `cancelled` failure naming it, and an INTERRUPTED file. */
async function markInterrupted(writer: RunFolderWriter, signal: AbortSignal): Promise<void> {
  const why = signal.reason instanceof Error ? signal.reason.message : "cancelled";
  const at = new Date().toISOString();
  writer.run.failures.push({
    kind: "cancelled",
    message: `run ${why} at ${at}; points not measured are marked cancelled`,
  });
  await writer.writeText("INTERRUPTED", `${why} at ${at}\n`);
}
