/**
 * The nightly job (replaces grok_perf_nightly.sh / perf_nightly.sh): pick today's image (Pacific
 * date, else yesterday's) → hold the per-model lock → wait for idle GPUs (numeric rocm-smi check;
 * only sglbench's own containers are ever stopped) → run the suites (resumable: the runner keeps
 * repeats already in the run folder) → process the summaries → charts/dashboard when available →
 * change points → one GitHub issue per new regression. Every outside effect is an injected service,
 * so the whole flow is testable without Docker, GPUs or GitHub.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkGpuIdle, type GpuThresholds } from "../runner/gpu-idle.js";
import {
  pacificDate,
  pickNightlyTag,
  type Hardware,
  type RocmVersion,
  suiteFor,
  type Suite,
  type SuiteModel,
} from "../core/catalogue/index.js";
import { buildSeries, findSeriesChanges, type SeriesChange, dateWindow } from "../core/trends/index.js";
import type { RunResults } from "../core/results/index.js";
import { groupRegressions, type IssueSync, type RegressionGroup } from "../github/issues.js";
import { acquireLock, LockHeldError, nightlyLockFile, type Lock } from "../runner/lock.js";
import { shutdownSignal } from "../runner/shutdown.js";
import { loadHistory } from "../store/history.js";
import { processSummaries, type ProcessOutcome } from "./process-summaries.js";

export type NightlyMode = "offline" | "online" | "all";

/** Outside effects of a nightly, injected. */
export interface NightlyServices {
  now(): Date;
  /** Tags of the image repository (registry, else local images); may throw. */
  listTags(repository: string): Promise<string[]>;
  /** Tags of images already on this host (fallback when the registry cannot be read). */
  listLocalTags?(repository: string): Promise<string[]>;
  /** `rocm-smi --showuse --showmemuse --json` output, or undefined when rocm-smi is not installed. */
  rocmSmi(): Promise<string | undefined>;
  /** Stops running containers labelled sglbench=1 (never any other); returns their names. */
  stopOwnContainers(): Promise<string[]>;
  sleep(ms: number): Promise<void>;
  /** Runs one suite on one image into `outputDir` (the runner's runSuite, resumable). */
  runSuite(input: { suite: Suite; image: string; outputDir: string; signal?: AbortSignal }): Promise<{
    run: RunResults;
    folder: string;
    exitCode: 0 | 1 | 3;
  }>;
  /** Charts + dashboard (the plots part); absent → skipped with a note. */
  publish?(input: { dataDir: string; changes: SeriesChange[] }): Promise<string[]>;
  /** Opens/updates regression issues; absent → skipped with a note. */
  syncIssues?(groups: RegressionGroup[]): Promise<IssueSync>;
  log(line: string): void;
}

/** What a nightly is asked to do. */
export interface NightlyOptions {
  mode: NightlyMode;
  model: SuiteModel;
  hardware: Hardware;
  rocm?: RocmVersion;
  /** `rocm/sgl-dev` (IMAGE_REPO). */
  imageRepo: string;
  /** A fixed image instead of today's pick. */
  image?: string;
  /** Results tree (BENCHMARK_CI_DIR): run folders, summaries, nightly reports. */
  dataDir: string;
  /** Where the lock file lives (default /tmp, as the seed's). */
  lockDir?: string;
  /** How long to wait for another nightly to finish before giving up (default 0: give up at once). */
  lockWaitMs?: number;
  thresholds: GpuThresholds;
  /** GPU re-checks after the first busy answer (default 3) and the wait between them (GPU_IDLE_WAIT_TIME, default 15 s). */
  idleRetries?: number;
  idleWaitMs?: number;
  /** Run even when the GPUs stay busy (the seed always did; default false: numbers from shared GPUs are noise). */
  runWhenBusy?: boolean;
  /** Summary window (default 30 days) and change-point history window (default 120 days). */
  days?: number;
  historyDays?: number;
  /** Regressions whose first night is older than this are not raised as new issues (default 14). */
  issueWindowDays?: number;
  signal?: AbortSignal;
}

/** What a nightly did (also written as JSON to `<dataDir>/nightly_reports/`). */
export interface NightlyReport {
  date: string;
  mode: NightlyMode;
  model: SuiteModel;
  image?: string;
  fallback?: boolean;
  gpu: { checked: boolean; idle: boolean; attempts: number; reasons: string[]; stopped: string[] };
  suites: { suite: string; folder: string; exitCode: number; points: number; failures: number }[];
  summaries: { kind: string; files: string[]; skipped: number }[];
  changes: SeriesChange[];
  regressions: RegressionGroup[];
  issues?: IssueSync;
  published: string[];
  notes: string[];
  exitCode: 0 | 1 | 3;
  report?: string;
}

const ORDER: Record<NightlyMode, ("online" | "offline")[]> = {
  // perf_nightly.sh ran online first for `all`.
  all: ["online", "offline"],
  online: ["online"],
  offline: ["offline"],
};

/** The suites a nightly runs for a model and mode. */
export function nightlySuites(model: SuiteModel, mode: NightlyMode): Suite[] {
  return ORDER[mode].map((kind) => suiteFor(kind, model));
}

/** Picks the image: given, else today's/yesterday's tag from the registry, else from the host's images. */
async function pickImage(
  opts: NightlyOptions,
  svc: NightlyServices,
  report: NightlyReport,
): Promise<string | undefined> {
  if (opts.image) return opts.image;
  let tags: string[] = [];
  try {
    tags = await svc.listTags(opts.imageRepo);
  } catch (error: unknown) {
    report.notes.push(`registry tags unavailable (${(error as Error).message}); using the images on this host`);
  }
  const pickFrom = (list: string[]) =>
    pickNightlyTag(list, { hardware: opts.hardware, now: svc.now(), ...(opts.rocm ? { rocm: opts.rocm } : {}) });
  let pick = pickFrom(tags);
  if (pick.tag === null && svc.listLocalTags) {
    const local = await svc.listLocalTags(opts.imageRepo).catch((error: unknown) => {
      report.notes.push(`local images unavailable: ${(error as Error).message}`);
      return [];
    });
    pick = pickFrom(local);
  }
  if (pick.tag === null) {
    report.notes.push(`No nightly image found for ${pick.tried.join(" or ")} in ${opts.imageRepo} (${opts.hardware})`);
    return undefined;
  }
  report.fallback = pick.fallback;
  if (pick.fallback) report.notes.push(`today's image is missing; using yesterday's ${pick.tag}`);
  return `${opts.imageRepo}:${pick.tag}`;
}

/** Waits for idle GPUs; stops only sglbench's own containers between checks. */
async function waitForIdleGpus(opts: NightlyOptions, svc: NightlyServices, report: NightlyReport): Promise<boolean> {
  const retries = opts.idleRetries ?? 3;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const out = await svc.rocmSmi();
    if (out === undefined) {
      report.notes.push("rocm-smi not found: GPU idle check skipped");
      return true;
    }
    report.gpu.checked = true;
    report.gpu.attempts = attempt + 1;
    const verdict = checkGpuIdle(out, opts.thresholds);
    report.gpu.reasons = verdict.reasons;
    if (verdict.idle) {
      report.gpu.idle = true;
      return true;
    }
    svc.log(`GPUs busy (check ${attempt + 1}/${retries + 1}): ${verdict.reasons.join("; ")}`);
    if (attempt === retries) break;
    const stopped = await svc.stopOwnContainers();
    report.gpu.stopped.push(...stopped);
    if (stopped.length) svc.log(`stopped sglbench containers: ${stopped.join(", ")}`);
    await svc.sleep(opts.idleWaitMs ?? 15_000);
  }
  return false;
}

/** Runs the nightly. Never throws for expected trouble (busy GPUs, held lock, failed suite): the report says it. */
export async function runNightly(opts: NightlyOptions, svc: NightlyServices): Promise<NightlyReport> {
  const date = pacificDate(svc.now());
  const report: NightlyReport = {
    date,
    mode: opts.mode,
    model: opts.model,
    gpu: { checked: false, idle: false, attempts: 0, reasons: [], stopped: [] },
    suites: [],
    summaries: [],
    changes: [],
    regressions: [],
    published: [],
    notes: [],
    exitCode: 1,
  };
  const image = await pickImage(opts, svc, report);
  if (!image) return report;
  report.image = image;
  svc.log(`nightly ${opts.model} ${opts.mode} on ${image}`);

  const lock = await takeLock(opts, svc, report, image);
  if (!lock) return report;
  if (lock.replaced)
    report.notes.push(`took over the stale lock of PID ${lock.replaced.pid} (${lock.replaced.started_at})`);
  try {
    if (!(await waitForIdleGpus(opts, svc, report)) && !opts.runWhenBusy) {
      report.notes.push(`GPUs still busy after ${report.gpu.attempts} checks: ${report.gpu.reasons.join("; ")}`);
      return report;
    }
    await runSuites(opts, svc, report, image);
    await postProcess(opts, svc, report);
  } finally {
    await lock.release();
    report.report = await writeReport(opts.dataDir, report).catch((error: unknown) => {
      report.notes.push(`nightly report not written: ${(error as Error).message}`);
      return undefined;
    });
  }
  return report;
}

/** Poll interval while waiting for another nightly's lock. */
const LOCK_POLL_MS = 30_000;

/**
 * One lock per host, not per model: every suite uses all the GPUs, so a Grok and a DeepSeek nightly
 * must not overlap either. Waits up to `lockWaitMs` for a running nightly to finish.
 */
async function takeLock(
  opts: NightlyOptions,
  svc: NightlyServices,
  report: NightlyReport,
  image: string,
): Promise<Lock | undefined> {
  const file = nightlyLockFile(opts.lockDir ?? "/tmp", "gpus");
  let waited = 0;
  for (;;) {
    try {
      return await acquireLock(file, {
        purpose: `sglbench nightly --model ${opts.model} --mode ${opts.mode} (${image})`,
      });
    } catch (error: unknown) {
      if (!(error instanceof LockHeldError)) throw error;
      if (waited >= (opts.lockWaitMs ?? 0)) {
        report.notes.push(error.message);
        return undefined;
      }
      svc.log(`waiting for the running nightly: ${error.message}`);
      await svc.sleep(LOCK_POLL_MS);
      waited += LOCK_POLL_MS;
    }
  }
}

async function runSuites(
  opts: NightlyOptions,
  svc: NightlyServices,
  report: NightlyReport,
  image: string,
): Promise<void> {
  for (const suite of nightlySuites(opts.model, opts.mode)) {
    if (opts.signal?.aborted || shutdownSignal().aborted) {
      report.notes.push(`cancelled before ${suite.id}`);
      break;
    }
    svc.log(`suite ${suite.id}`);
    try {
      const out = await svc.runSuite({
        suite,
        image,
        outputDir: opts.dataDir,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      report.suites.push({
        suite: suite.id,
        folder: out.folder,
        exitCode: out.exitCode,
        points: out.run.points.length,
        failures: out.run.failures.length,
      });
    } catch (error: unknown) {
      report.suites.push({ suite: suite.id, folder: "", exitCode: 1, points: 0, failures: 1 });
      report.notes.push(`${suite.id} could not run: ${(error as Error).message}`);
    }
  }
  const codes = report.suites.map((s) => s.exitCode);
  report.exitCode = codes.length > 0 && codes.every((c) => c === 0) ? 0 : codes.some((c) => c !== 1) ? 3 : 1;
}

async function postProcess(opts: NightlyOptions, svc: NightlyServices, report: NightlyReport): Promise<void> {
  for (const kind of ORDER[opts.mode]) {
    let out: ProcessOutcome;
    try {
      out = await processSummaries({ dataDir: opts.dataDir, kind, today: report.date, days: opts.days ?? 30 });
    } catch (error: unknown) {
      report.notes.push(`process ${kind} failed: ${(error as Error).message}`);
      continue;
    }
    report.summaries.push({ kind, files: out.summaries.map((s) => s.file), skipped: out.skipped.length });
    for (const s of out.skipped) svc.log(`process ${kind}: skipped ${s.file}: ${s.reason}`);
  }

  // By model name: records ingested from the seed's folders and the runner's own name suites differently.
  const modelName = suiteFor("online", opts.model).modelName;
  const history = await loadHistory(opts.dataDir, {
    days: opts.historyDays ?? 120,
    today: report.date,
    model: modelName,
  });
  const runs = history.runs.filter((r) => r.model.name === modelName);
  report.changes = findSeriesChanges(buildSeries(runs));
  const recent = dateWindow(report.date, opts.issueWindowDays ?? 14, true);
  report.regressions = groupRegressions(report.changes.filter((c) => recent.has(c.date)));
  svc.log(`${report.changes.length} change points, ${report.regressions.length} open regressions`);

  if (svc.publish) {
    try {
      report.published = await svc.publish({ dataDir: opts.dataDir, changes: report.changes });
    } catch (error: unknown) {
      report.notes.push(`charts/dashboard failed: ${(error as Error).message}`);
      if (report.exitCode === 0) report.exitCode = 3;
    }
  } else report.notes.push("charts/dashboard skipped: no plots module wired");

  if (report.regressions.length === 0) return;
  if (!svc.syncIssues) {
    report.notes.push("regression issues skipped: no GitHub token/repository configured");
    return;
  }
  try {
    report.issues = await svc.syncIssues(report.regressions);
  } catch (error: unknown) {
    report.notes.push(`regression issues failed: ${(error as Error).message}`);
    if (report.exitCode === 0) report.exitCode = 3;
  }
}

async function writeReport(dataDir: string, report: NightlyReport): Promise<string> {
  const dir = join(dataDir, "nightly_reports");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${report.date}_${report.model}_${report.mode}.json`);
  await writeFile(file, `${JSON.stringify({ ...report, report: undefined }, null, 2)}\n`);
  return file;
}
