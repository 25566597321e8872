/**
 * The nightly job (replaces grok_perf_nightly.sh / perf_nightly.sh): pick today's image (Pacific
 * date, else yesterday's) → hold the per-model lock → wait for idle GPUs (numeric rocm-smi check;
 * only sglbench's own containers are ever stopped) → run the suites (resumable: the runner keeps
 * repeats already in the run folder) → process the summaries → charts/dashboard when available →
 * change points → one GitHub issue per new regression. Every outside effect is an injected service,
 * so the whole flow is testable without Docker, GPUs or GitHub.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { checkGpuIdle, type GpuThresholds } from "../runner/gpu-idle.js";
import {
  builtinCatalogue,
  modelKeyFor,
  nightlyTagForDate,
  pacificDate,
  pickNightlyTag,
  sanitySuites,
  suiteFor,
  suiteForHardware,
  type Catalogue,
  type Hardware,
  type RocmVersion,
  type Suite,
  type SuiteModel,
} from "../core/catalogue/index.js";
import { buildSeries, findAlerts, type SeriesChange, dateWindow } from "../core/trends/index.js";
import type { RunResults } from "../core/results/index.js";
import { groupRegressions, type IssueSync, type RegressionGroup } from "../github/issues.js";
import { acquireLock, LockHeldError, nightlyLockFile, type Lock } from "../runner/lock.js";
import { shutdownSignal } from "../runner/shutdown.js";
import { loadHistory } from "../store/history.js";
import { processSummaries, type ProcessOutcome } from "./process-summaries.js";
import { markdownTable } from "markdown-table";

export type NightlyMode = "offline" | "online" | "all" | "sanity";

/** One model of the sanity sweep: its GSM8K accuracy against its floor. */
export interface SanityRow {
  model: string;
  image: string;
  trials: number;
  /** Mean accuracy of the trials that ran; undefined when the server or GSM8K never produced one. */
  accuracy?: number;
  threshold: number;
  passed: boolean;
  folder: string;
}

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
  /**
   * `--download-model`: inside a container of the image, checks the free disk space (diskGb) and
   * downloads (resumable) the Hugging Face repository into `target` unless it is already there.
   */
  downloadModel?(input: {
    image: string;
    repo: string;
    target: string;
    diskGb: number;
    signal?: AbortSignal;
  }): Promise<void>;
  /** Raises an alert (sanity failures); absent → a note in the report only. */
  alert?(input: { title: string; body: string }): Promise<string | undefined>;
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
  /** Catalogue variant of the online suites (`dp_attention`, `torch_compile`, `mtp` …). */
  variant?: string;
  /** The catalogue (default: the shipped one); `--suites-file` adds to it. */
  catalogue?: Catalogue;
  /** `--model-path`, `--model-name`, `--tokenizer-path`: override the catalogue's for every suite. */
  modelPath?: string;
  modelName?: string;
  tokenizerPath?: string;
  /** Container work dir: `--download-model` writes to <workDir>/models/<name> (default /sgl-workspace). */
  workDir?: string;
  /** Sanity sweep: models folder for relative paths, GSM8K trials per model, models to check (default all). */
  modelsDir?: string;
  sanityTrials?: number;
  sanityModels?: string[];
  /** Run the last N days' images (oldest first), one each (default 1: today's, else yesterday's). */
  continueRunDays?: number;
  /** Hugging Face repository to download when the model folder is missing (only without modelPath). */
  downloadModel?: string;
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
  variant?: string;
  /** The hardware the night ran on (`mi30x`, `mi35x`). */
  hardware?: string;
  image?: string;
  /** Every image run (`--continue-run-days`), oldest first. */
  images?: string[];
  /** Sanity sweep: pass/fail per model and image. */
  sanity?: SanityRow[];
  fallback?: boolean;
  gpu: { checked: boolean; idle: boolean; attempts: number; reasons: string[]; stopped: string[] };
  suites: { suite: string; image?: string; folder: string; exitCode: number; points: number; failures: number }[];
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
  sanity: ["online"],
};

/** What selects a nightly's suites besides model and mode. */
export type NightlySelection = Pick<
  NightlyOptions,
  "variant" | "catalogue" | "modelPath" | "modelName" | "tokenizerPath" | "modelsDir" | "sanityTrials" | "sanityModels"
> & { hardware?: Hardware };

/** `--model sanity` or `--mode sanity`: the GSM8K sweep over the catalogue's sanity table. */
export const isSanity = (model: string, mode: NightlyMode): boolean => mode === "sanity" || model === "sanity";

/**
 * The suites a nightly runs: the model's online/offline suites from the catalogue (online as the
 * variant when one is asked), with the hardware's paths and the caller's overrides; or the sanity sweep.
 */
export function nightlySuites(model: SuiteModel, mode: NightlyMode, sel: NightlySelection = {}): Suite[] {
  const catalogue = sel.catalogue ?? builtinCatalogue();
  if (isSanity(model, mode)) {
    return sanitySuites(catalogue, sel.hardware ?? "mi30x", {
      ...(sel.sanityTrials !== undefined ? { trials: sel.sanityTrials } : {}),
      ...(sel.modelsDir ? { modelsDir: sel.modelsDir } : {}),
      ...(sel.sanityModels?.length ? { models: sel.sanityModels } : {}),
    });
  }
  const key = modelKeyFor(model, catalogue) ?? model;
  const entry = catalogue.models[key];
  if (entry?.hardware && sel.hardware && !entry.hardware.includes(sel.hardware))
    throw new Error(`${key} runs on ${entry.hardware.join(", ")} only, not ${sel.hardware}`);
  return ORDER[mode].map((kind) => {
    let suite = suiteFor(kind, key, "normal", catalogue.suites);
    if (sel.variant && kind === "online") {
      const id = `${suite.id}-${sel.variant}`;
      const variant = catalogue.suites.find((s) => s.id === id);
      if (!variant) {
        const known = catalogue.suites.filter((s) => s.variantKey && s.modelKey === key).map((s) => s.variantKey);
        throw new Error(`No variant "${sel.variant}" for ${key} (known: ${known.join(", ") || "none"})`);
      }
      suite = variant;
    }
    return withOverrides(suite, sel);
  });
}

/** `--model-path` / `--tokenizer-path` / `--model-name` over the catalogue's values, then the hardware's paths. */
function withOverrides(suite: Suite, sel: NightlySelection): Suite {
  let out: Suite = suite;
  if (sel.modelPath) out = { ...out, modelPath: sel.modelPath, modelPaths: {} };
  if (sel.tokenizerPath) out = { ...out, tokenizer: sel.tokenizerPath, tokenizers: {}, tokenizerFromModel: false };
  if (sel.modelName) out = { ...out, modelName: sel.modelName };
  return suiteForHardware(out, sel.hardware);
}

/** The repository's tags (registry, else this host's images); a note says which failed. */
async function readTags(opts: NightlyOptions, svc: NightlyServices, report: NightlyReport): Promise<string[][]> {
  let tags: string[] = [];
  try {
    tags = await svc.listTags(opts.imageRepo);
  } catch (error: unknown) {
    report.notes.push(`registry tags unavailable (${(error as Error).message}); using the images on this host`);
  }
  const local = svc.listLocalTags
    ? async () =>
        svc.listLocalTags!(opts.imageRepo).catch((error: unknown) => {
          report.notes.push(`local images unavailable: ${(error as Error).message}`);
          return [] as string[];
        })
    : async () => [] as string[];
  return [tags, await local()];
}

/**
 * The images to run: the given one; else with `continueRunDays` N > 1 one per day of the last N
 * Pacific days that has one (oldest first, as the original backfills); else today's, or yesterday's.
 */
async function pickImages(opts: NightlyOptions, svc: NightlyServices, report: NightlyReport): Promise<string[]> {
  if (opts.image) return [opts.image];
  const days = opts.continueRunDays ?? 1;
  const pickOpts = { hardware: opts.hardware, ...(opts.rocm ? { rocm: opts.rocm } : {}) };
  if (days > 1) {
    const [remote, local] = await readTags(opts, svc, report);
    const all = [...new Set([...(remote ?? []), ...(local ?? [])])];
    const picked: string[] = [];
    for (let d = days - 1; d >= 0; d--) {
      const date = pacificDate(svc.now(), d);
      const tag = nightlyTagForDate(all, date, pickOpts);
      if (tag) picked.push(`${opts.imageRepo}:${tag}`);
      else report.notes.push(`no ${opts.hardware} image for ${date}`);
    }
    if (picked.length === 0) report.notes.push(`No nightly image found in the last ${days} days in ${opts.imageRepo}`);
    return picked;
  }
  let tags: string[] = [];
  try {
    tags = await svc.listTags(opts.imageRepo);
  } catch (error: unknown) {
    report.notes.push(`registry tags unavailable (${(error as Error).message}); using the images on this host`);
  }
  const pickFrom = (list: string[]) => pickNightlyTag(list, { ...pickOpts, now: svc.now() });
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
    return [];
  }
  report.fallback = pick.fallback;
  if (pick.fallback) report.notes.push(`today's image is missing; using yesterday's ${pick.tag}`);
  return [`${opts.imageRepo}:${pick.tag}`];
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
    ...(opts.variant ? { variant: opts.variant } : {}),
    hardware: opts.hardware,
    gpu: { checked: false, idle: false, attempts: 0, reasons: [], stopped: [] },
    suites: [],
    summaries: [],
    changes: [],
    regressions: [],
    published: [],
    notes: [],
    exitCode: 1,
  };
  let suites: Suite[];
  try {
    suites = nightlySuites(opts.model, opts.mode, { ...opts, hardware: opts.hardware });
  } catch (error: unknown) {
    report.notes.push((error as Error).message);
    return report;
  }
  const images = await pickImages(opts, svc, report);
  const image = images[images.length - 1];
  if (!image) return report;
  report.image = image;
  if (images.length > 1) report.images = images;
  svc.log(`nightly ${opts.model} ${opts.mode}${opts.variant ? ` (${opts.variant})` : ""} on ${images.join(", ")}`);

  const lock = await takeLock(opts, svc, report, image);
  if (!lock) return report;
  if (lock.replaced)
    report.notes.push(`took over the stale lock of PID ${lock.replaced.pid} (${lock.replaced.started_at})`);
  try {
    if (!(await waitForIdleGpus(opts, svc, report)) && !opts.runWhenBusy) {
      report.notes.push(`GPUs still busy after ${report.gpu.attempts} checks: ${report.gpu.reasons.join("; ")}`);
      return report;
    }
    if (opts.downloadModel) suites = await download(opts, svc, report, image, suites);
    for (const img of images) await runSuites(opts, svc, report, img, suites);
    finishExitCode(report);
    if (isSanity(opts.model, opts.mode)) await alertSanity(svc, report);
    else await postProcess(opts, svc, report);
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
        purpose: `sglbench nightly --model ${opts.model} --mode ${opts.mode}${opts.variant ? ` --variant ${opts.variant}` : ""} (${image})`,
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

/** Free disk the original asks before a download: DeepSeek 685 GB, Grok 200 GB, others 100 GB. */
function diskGbFor(suite: Suite | undefined): number {
  if (suite?.download) return suite.download.diskGb;
  return suite?.model === "deepseek" ? 685 : suite?.model.startsWith("grok") ? 200 : 100;
}

/**
 * `--download-model REPO` (only when no --model-path is given, as the original): the weights go to
 * <workDir>/models/<repo name> inside the container, resumably, after a disk-space check; the suites
 * then read them from there.
 */
async function download(
  opts: NightlyOptions,
  svc: NightlyServices,
  report: NightlyReport,
  image: string,
  suites: Suite[],
): Promise<Suite[]> {
  const repo = opts.downloadModel ?? "";
  if (opts.modelPath) {
    report.notes.push(`--download-model ${repo} ignored: --model-path ${opts.modelPath} is given`);
    return suites;
  }
  if (!svc.downloadModel) {
    report.notes.push(`--download-model ${repo}: no download service; using the catalogue's paths`);
    return suites;
  }
  const target = join(opts.workDir ?? "/sgl-workspace", "models", basename(repo));
  svc.log(`downloading ${repo} into ${target}`);
  try {
    await svc.downloadModel({
      image,
      repo,
      target,
      diskGb: diskGbFor(suites[0]),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (error: unknown) {
    report.notes.push(`download of ${repo} failed: ${(error as Error).message}`);
    return [];
  }
  return suites.map((s) => ({
    ...s,
    modelPath: target,
    modelPaths: {},
    ...(s.tokenizerFromModel ? { tokenizer: target } : {}),
  }));
}

async function runSuites(
  opts: NightlyOptions,
  svc: NightlyServices,
  report: NightlyReport,
  image: string,
  suites: Suite[],
): Promise<void> {
  for (const suite of suites) {
    if (opts.signal?.aborted || shutdownSignal().aborted) {
      report.notes.push(`cancelled before ${suite.id}`);
      break;
    }
    svc.log(`suite ${suite.id} on ${image}`);
    const withImage = report.images ? { image } : {};
    try {
      const out = await svc.runSuite({
        suite,
        image,
        outputDir: opts.dataDir,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      report.suites.push({
        suite: suite.id,
        ...withImage,
        folder: out.folder,
        exitCode: out.exitCode,
        points: out.run.points.length,
        failures: out.run.failures.length,
      });
      if (isSanity(opts.model, opts.mode)) report.sanity = [...(report.sanity ?? []), sanityRow(suite, image, out)];
    } catch (error: unknown) {
      report.suites.push({ suite: suite.id, ...withImage, folder: "", exitCode: 1, points: 0, failures: 1 });
      report.notes.push(`${suite.id} could not run: ${(error as Error).message}`);
      if (isSanity(opts.model, opts.mode))
        report.sanity = [...(report.sanity ?? []), sanityRow(suite, image, undefined)];
    }
  }
}

/** 0 when every suite ran, 1 when none did, 3 in between; a failed sanity model makes it partial. */
function finishExitCode(report: NightlyReport): void {
  const codes = report.suites.map((s) => s.exitCode);
  report.exitCode = codes.length > 0 && codes.every((c) => c === 0) ? 0 : codes.some((c) => c !== 1) ? 3 : 1;
  if (report.exitCode === 0 && report.sanity?.some((r) => !r.passed)) report.exitCode = 3;
}

function sanityRow(suite: Suite, image: string, out: { run: RunResults; folder: string } | undefined): SanityRow {
  const g = out?.run.gsm8k;
  const accuracies = g?.runs.map((r) => r.accuracy).filter((a): a is number => Number.isFinite(a)) ?? [];
  const accuracy =
    g?.average ?? (accuracies.length ? accuracies.reduce((a, b) => a + b, 0) / accuracies.length : undefined);
  const threshold = suite.gsm8k?.threshold ?? suite.gsm8kMinAccuracy ?? 0;
  return {
    model: suite.modelName,
    image,
    trials: suite.gsm8k?.runs ?? 1,
    ...(accuracy !== undefined ? { accuracy } : {}),
    threshold,
    passed: accuracy !== undefined && accuracy >= threshold,
    folder: out?.folder ?? "",
  };
}

/** The sanity table as Markdown (report, alert, dashboard). */
export function sanityTable(rows: readonly SanityRow[]): string {
  return markdownTable([
    ["Model", "Image", "Trials", "Accuracy", "Floor", "Result"],
    ...rows.map((r) => [
      r.model,
      r.image.slice(r.image.lastIndexOf(":") + 1),
      String(r.trials),
      r.accuracy === undefined ? "—" : r.accuracy.toFixed(3),
      r.threshold.toFixed(3),
      r.passed ? "pass" : "FAIL",
    ]),
  ]);
}

/** Failed sanity models raise one alert with the whole table. */
async function alertSanity(svc: NightlyServices, report: NightlyReport): Promise<void> {
  const failed = (report.sanity ?? []).filter((r) => !r.passed);
  if (failed.length === 0) return;
  const title = `Sanity check failed on ${report.date}: ${failed.map((r) => r.model).join(", ")}`;
  if (!svc.alert) {
    report.notes.push(`${title} (no alert channel configured)`);
    return;
  }
  try {
    const where = await svc.alert({ title, body: `${sanityTable(report.sanity ?? [])}\n` });
    report.notes.push(`${title}${where ? `: ${where}` : ""}`);
  } catch (error: unknown) {
    report.notes.push(`sanity alert failed: ${(error as Error).message}`);
  }
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
  const modelName =
    opts.modelName ?? suiteFor("online", opts.model, "normal", (opts.catalogue ?? builtinCatalogue()).suites).modelName;
  const history = await loadHistory(opts.dataDir, {
    days: opts.historyDays ?? 120,
    today: report.date,
    model: modelName,
  });
  const runs = history.runs.filter((r) => r.model.name === modelName);
  // The same alert rule as `sglbench changes` and the dashboard: complete nights, within a regime, with a likely cause.
  report.changes = findAlerts(buildSeries(runs), runs).changes;
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
  const file = join(
    dir,
    `${report.date}_${report.model}_${report.mode}${report.variant ? `_${report.variant}` : ""}.json`,
  );
  await writeFile(file, `${JSON.stringify({ ...report, report: undefined }, null, 2)}\n`);
  return file;
}
