/**
 * The one place that turns "where do the commands run" into an Executor: this machine (execa) or a
 * fresh container of an image (dockerode). The CLI suites, the nightly and compare-pr differ only in
 * the options below, so each caller's policy (GPUs, mounts, pulling, clean-up) is spelled out there.
 * Docker and the executors are loaded lazily, so `--local` works on a machine without an engine.
 */
import { existsSync } from "node:fs";
import type { Executor } from "./executor.js";

export interface ExecutorChoice {
  /** Run on this machine instead of in a container. */
  local: boolean;
  /** The container's image (unused locally). */
  image: string;
  /** Working directory: the local commands' cwd, or the container's WorkingDir. */
  workDir: string;
  /** Environment added to every command (e.g. one side's A/B flags). */
  env?: Record<string, string>;
  /** Local only: the environment the commands start from (default: this process's). */
  hostEnv?: Record<string, string | undefined>;
  /** Expose the ROCm devices; `"auto"` where the host has them (the simulator images run anywhere). */
  gpu: boolean | "auto";
  /** Bind mounts `host:container[:ro]`. */
  binds?: string[];
  /** Host paths mounted at the same path read-only, whatever `binds` says (for code that is not trusted). */
  readOnlyPaths?: string[];
  /** Size of the container's /dev/shm (default 32 GiB). */
  shmSizeBytes?: number;
  /** Pull a missing image (default true); false where images were resolved beforehand. */
  pull?: boolean;
  /** Remove the container on close (default false: the seed reused containers). */
  removeOnClose?: boolean;
  onPullProgress?: (line: string) => void;
}

/** Starts the executor the choice asks for; close() it when done. */
export async function startExecutor(choice: ExecutorChoice): Promise<Executor> {
  if (choice.local) {
    const { LocalExecutor } = await import("./local-executor.js");
    return new LocalExecutor({ env: { ...(choice.hostEnv ?? process.env), ...choice.env }, cwd: choice.workDir });
  }
  const [{ default: Docker }, { DockerExecutor }] = await Promise.all([
    import("dockerode"),
    import("./docker-executor.js"),
  ]);
  const gpu = choice.gpu === "auto" ? existsSync("/dev/kfd") : choice.gpu;
  return DockerExecutor.start({
    docker: new Docker(),
    image: choice.image,
    ...(gpu ? {} : { devices: [] }),
    ...(choice.binds ? { binds: choice.binds } : {}),
    ...(choice.readOnlyPaths ? { readOnlyPaths: choice.readOnlyPaths } : {}),
    workDir: choice.workDir,
    ...(choice.env ? { env: choice.env } : {}),
    ...(choice.pull !== undefined ? { pull: choice.pull } : {}),
    ...(choice.shmSizeBytes !== undefined ? { shmSizeBytes: choice.shmSizeBytes } : {}),
    ...(choice.removeOnClose !== undefined ? { removeOnClose: choice.removeOnClose } : {}),
    ...(choice.onPullProgress ? { onPullProgress: choice.onPullProgress } : {}),
  });
}
