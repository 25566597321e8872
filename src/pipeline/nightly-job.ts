/**
 * A nightly from a caller's choices (CLI flags or Action inputs) plus the seed's environment
 * variables: the options for runNightly, the real services and the report's text. Shared by
 * `sglbench nightly` and the Action's `command: nightly`, so both read the environment the same way.
 */
import { thresholdsFromEnv } from "../runner/gpu-idle.js";
import type { Hardware, RocmVersion, SuiteModel } from "../core/catalogue/index.js";
import {
  sanityTable,
  type NightlyMode,
  type NightlyOptions,
  type NightlyReport,
  type NightlyServices,
} from "./nightly.js";
import { realNightlyServices } from "./nightly-services.js";

type Env = Record<string, string | undefined>;

/** A setting that cannot work (bad flag or environment value); the CLI prints it with its usage. */
export class NightlySettingsError extends Error {}

/** What the caller chose; anything left out comes from the environment (HARDWARE_TYPE, IMAGE_REPO, …). */
export interface NightlyRequest {
  mode: NightlyMode;
  model: SuiteModel;
  /** mi30x or mi35x; default $HARDWARE_TYPE, else mi30x. */
  hardware?: string;
  /** Only images of this ROCm build (630, 700). */
  rocm?: string;
  /** A fixed image instead of today's pick. */
  image?: string;
  /** Default $IMAGE_REPO, else rocm/sgl-dev. */
  imageRepo?: string;
  /** Absolute results tree. */
  dataDir: string;
  lockDir?: string;
  lockWaitMs: number;
  runWhenBusy?: boolean;
}

/** The request plus GPU_USAGE_THRESHOLD, VRAM_USAGE_THRESHOLD and GPU_IDLE_WAIT_TIME → runNightly's options. */
export function nightlyOptionsFor(request: NightlyRequest, env: Env): NightlyOptions {
  const hardware = request.hardware ?? env["HARDWARE_TYPE"] ?? "mi30x";
  if (hardware !== "mi30x" && hardware !== "mi35x")
    throw new NightlySettingsError(`--hardware must be mi30x or mi35x, not "${hardware}"`);
  if (request.rocm !== undefined && request.rocm !== "630" && request.rocm !== "700")
    throw new NightlySettingsError(`--rocm must be 630 or 700`);
  let thresholds;
  try {
    thresholds = thresholdsFromEnv(env);
  } catch (error: unknown) {
    throw new NightlySettingsError((error as Error).message, { cause: error });
  }
  const waitS = Number(env["GPU_IDLE_WAIT_TIME"] ?? "15");
  if (!Number.isFinite(waitS) || waitS < 0)
    throw new NightlySettingsError(`GPU_IDLE_WAIT_TIME must be seconds, not "${env["GPU_IDLE_WAIT_TIME"]}"`);
  return {
    mode: request.mode,
    model: request.model,
    hardware: hardware as Hardware,
    ...(request.rocm ? { rocm: request.rocm as RocmVersion } : {}),
    imageRepo: request.imageRepo ?? env["IMAGE_REPO"] ?? "rocm/sgl-dev",
    ...(request.image ? { image: request.image } : {}),
    dataDir: request.dataDir,
    ...(request.lockDir ? { lockDir: request.lockDir } : {}),
    lockWaitMs: request.lockWaitMs,
    thresholds,
    idleWaitMs: waitS * 1000,
    ...(request.runWhenBusy ? { runWhenBusy: true } : {}),
  };
}

/** The real services configured from MOUNT_DIR, WORK_DIR, GITHUB_REPO/GITHUB_TOKEN and SGLBENCH_DASHBOARD_URL. */
export function nightlyServicesFor(options: {
  local: boolean;
  gpu: boolean;
  cwd: string;
  env: Env;
  log: (line: string) => void;
  port?: number;
  /** Container work dir (`--work-dir`; default $WORK_DIR, else /sgl-workspace). */
  workDir?: string;
  /** Host folders mounted read-only (`--models-dir`). */
  readOnlyPaths?: string[];
}): NightlyServices {
  const { local, env } = options;
  return realNightlyServices({
    executor: local ? "local" : "docker",
    mountDir: env["MOUNT_DIR"] ?? "/mnt/raid/",
    // The container's work dir by default; a local run works in the current folder.
    workDir: options.workDir ?? env["WORK_DIR"] ?? (local ? options.cwd : "/sgl-workspace"),
    ...(options.readOnlyPaths?.length ? { readOnlyPaths: options.readOnlyPaths } : {}),
    gpu: options.gpu,
    ...(env["GITHUB_REPO"] ? { githubRepo: env["GITHUB_REPO"] } : {}),
    ...(env["GITHUB_TOKEN"] ? { githubToken: env["GITHUB_TOKEN"] } : {}),
    ...(env["SGLBENCH_DASHBOARD_URL"] ? { dashboardUrl: env["SGLBENCH_DASHBOARD_URL"] } : {}),
    env,
    log: options.log,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
}

/** A short human summary of a nightly. */
export function formatNightlyReport(r: NightlyReport): string {
  const lines = [
    `nightly ${r.model} ${r.mode}${r.variant ? ` (${r.variant})` : ""} ${r.date}: ${r.image ?? "no image"}${r.fallback ? " (yesterday's)" : ""}`,
  ];
  if (r.images) lines.push(`images: ${r.images.join(", ")}`);
  if (r.gpu.checked) lines.push(`GPUs: ${r.gpu.idle ? "idle" : "busy"} after ${r.gpu.attempts} check(s)`);
  for (const s of r.suites)
    lines.push(`suite ${s.suite}: exit ${s.exitCode}, ${s.points} points, ${s.failures} failures → ${s.folder}`);
  for (const s of r.summaries)
    lines.push(
      `summaries (${s.kind}): ${s.files.join(", ") || "none"}${s.skipped ? `, ${s.skipped} files skipped` : ""}`,
    );
  if (r.sanity?.length) lines.push("sanity:", sanityTable(r.sanity));
  else lines.push(`change points: ${r.changes.length}; open regressions: ${r.regressions.length}`);
  for (const g of r.regressions) lines.push(`  regression ${g.scope} from ${g.date}: ${g.tag_before} → ${g.tag_after}`);
  if (r.issues) {
    for (const i of r.issues.opened) lines.push(`issue opened #${i.number}: ${i.title}`);
    for (const i of r.issues.updated) lines.push(`issue updated #${i.number}`);
    for (const i of r.issues.leftClosed) lines.push(`issue #${i.number} was closed by hand; left closed`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.report) lines.push(`report: ${r.report}`);
  return `${lines.join("\n")}\n`;
}
