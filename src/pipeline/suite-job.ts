/**
 * One offline or online suite on one image, from typed arguments: optional model download, the
 * runner's runSuite (resumable), failures and the run folder reported. Shared by `sglbench
 * offline|online` (after flag parsing) and the Action's `command: suite`, so both run suites the same way.
 */
import { existsSync } from "node:fs";
import type { Suite } from "../core/catalogue/index.js";
import type { Executor } from "../runner/executor.js";
import { startExecutor } from "../runner/executor-factory.js";
import { progressPrinter } from "../runner/progress.js";
import { runSuite } from "../runner/run-suite.js";
import { redactSecrets } from "../store/redact.js";
import { errorMessageWithCause } from "../core/util/index.js";

/** What to run: a catalogue suite (overrides applied) on one image, and how. */
export interface SuiteJob {
  suite: Suite;
  image: string;
  /** This machine instead of a container of the image. */
  local: boolean;
  workDir: string;
  outputDir: string;
  repeats?: number;
  points?: number[];
  skipGsm8k: boolean;
  threshold?: number;
  port?: number;
  node?: string;
  /** `--hardware`: the node's GPUs, recorded on runs whose image tag names none. */
  hardware?: string;
  readyTimeoutMs?: number;
  /** Per benchmark command and per GSM8K run (default: the suite catalogue's). */
  commandTimeoutMs?: number;
  gsm8kTimeoutMs?: number;
  /** Start the run folder afresh instead of resuming the repeats it holds. */
  force?: boolean;
  /** Expose /dev/kfd and /dev/dri to the container. */
  gpu: boolean;
  /** Extra `HOST:CONTAINER` bind mounts. */
  mounts: string[];
  /** The container's /dev/shm (the original's CONTAINER_SHM_SIZE; default 32 GiB). */
  shmSizeBytes?: number;
  download?: { hfModelId: string; modelPath: string };
}

/** Where a suite job reports: progress and the run folder on `stdout`, failures on `stderr`. */
export interface SuiteJobOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress bars on a terminal, one line per event in CI logs. */
  isTTY: boolean;
}

/** The line a CLI prints when the job's executor cannot start (an image that cannot be pulled, no engine). */
export function executorFailureLine(job: SuiteJob, error: unknown): string {
  return redactSecrets(
    `launch_failed: ${job.suite.id} on ${job.image} did not start: ${errorMessageWithCause(error)}\n`,
  );
}

/** The seed's models live under /mnt/raid (or MOUNT_DIR): mount it at the same path when this host has it. */
export function defaultMounts(mountDir = "/mnt/raid/"): string[] {
  const dir = mountDir.endsWith("/") ? mountDir : `${mountDir}/`;
  return existsSync(dir) ? [`${dir}:${dir}`] : [];
}

/** Runs the job; 0 everything ran, 3 partly, 1 nothing. Throws when the executor cannot start. */
export async function runSuiteJob<J extends SuiteJob>(
  job: J,
  makeExecutor: (job: J) => Promise<Executor>,
  out: SuiteJobOutput,
): Promise<0 | 1 | 3> {
  const executor = await makeExecutor(job);
  // A cancelled Actions job sends SIGTERM: stop the current command, keep what was measured.
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    if (job.download) {
      const { downloadModel } = await import("../runner/model-download.js");
      out.stdout(`Downloading ${job.download.hfModelId} into ${job.download.modelPath}\n`);
      await downloadModel(executor, job.download.hfModelId, job.download.modelPath, { signal: controller.signal });
    }
    const outcome = await runSuite({
      suite: job.suite,
      image: job.image,
      executor,
      outputDir: job.outputDir,
      ...(job.repeats !== undefined ? { repeats: job.repeats } : {}),
      ...(job.points ? { points: job.points } : {}),
      skipGsm8k: job.skipGsm8k,
      ...(job.threshold !== undefined ? { threshold: job.threshold } : {}),
      ...(job.port !== undefined ? { port: job.port } : {}),
      ...(job.node ? { node: job.node } : {}),
      ...(job.hardware ? { hardware: job.hardware } : {}),
      ...(job.readyTimeoutMs !== undefined ? { readyTimeoutMs: job.readyTimeoutMs } : {}),
      ...(job.commandTimeoutMs !== undefined ? { commandTimeoutMs: job.commandTimeoutMs } : {}),
      ...(job.gsm8kTimeoutMs !== undefined ? { gsm8kTimeoutMs: job.gsm8kTimeoutMs } : {}),
      ...(job.force ? { resume: false } : {}),
      signal: controller.signal,
      onProgress: progressPrinter(out.stdout, out.isTTY),
    });
    for (const f of outcome.run.failures) out.stderr(redactSecrets(`${f.kind}: ${f.message}\n`));
    if (outcome.measuredNow === 0 && outcome.exitCode === 0)
      out.stdout(`Nothing to run: every point is already measured in ${outcome.folder} (--force runs it again)\n`);
    out.stdout(`Run folder: ${outcome.folder}\n`);
    return outcome.exitCode;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    await executor.close?.();
  }
}

/** The executor the job asks for: this machine (`local`) or a container of the image. */
export async function defaultSuiteExecutor(
  job: SuiteJob,
  env: Record<string, string | undefined>,
  onPullProgress: (line: string) => void,
): Promise<Executor> {
  return startExecutor({
    local: job.local,
    image: job.image,
    workDir: job.workDir,
    hostEnv: env,
    gpu: job.gpu,
    binds: [...job.mounts, `${job.workDir}:${job.workDir}`],
    ...(job.shmSizeBytes !== undefined ? { shmSizeBytes: job.shmSizeBytes } : {}),
    onPullProgress,
  });
}
