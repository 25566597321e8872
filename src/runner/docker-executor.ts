/**
 * Runs commands inside a Docker container through dockerode: pull the image if missing (with progress),
 * create or reuse a container named `<repo>_<tag>` with the ROCm settings, exec with streamed output.
 * Only containers carrying the `sglbench=1` label are ever reused, stopped or removed.
 *
 * Docker has no "kill this exec" call, so every command runs under a small `sh` wrapper that writes
 * its PID to a file; a timeout or cancel kills that process and all its descendants (walking
 * /proc/<pid>/task/<tid>/children) with SIGTERM, then SIGKILL after the grace period.
 *
 * A reused container may still run the server of a sglbench that was SIGKILLed (execs outlive their
 * client): each executor writes its owner (`host:SGLBENCH_OWNER`) into the container, and one that
 * finds processes of a gone owner restarts the container first (only sglbench's labelled ones).
 */
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { PassThrough, type Readable } from "node:stream";
import type Docker from "dockerode";
import { containerName, parseImage } from "../core/catalogue/index.js";
import {
  DEFAULT_KILL_GRACE_MS,
  type BackgroundProcess,
  type ExecOptions,
  type ExecResult,
  type Executor,
} from "./executor.js";
import { errorMessage } from "../core/util/index.js";
import { hostname } from "node:os";
import { OWNER_ENV, ownerAlive, ownerToken } from "./leftovers.js";

/** The label that marks containers sglbench created (and may therefore stop). */
export const SGLBENCH_LABEL = "sglbench";
/** The label naming the sglbench process that created the container (`host:pid.start`). */
export const OWNER_LABEL = "sglbench.owner";
/** Where, inside the container, the executor that uses it writes its owner. */
const OWNER_FILE = "/tmp/.sglbench-owner";
const ROCM_DEVICES = ["/dev/kfd", "/dev/dri"];

export interface DockerExecutorOptions {
  docker: Docker;
  image: string;
  /** Container name (default: `<repo last segment>_<tag>` as the seed named it). */
  name?: string;
  /** GPU devices (default /dev/kfd and /dev/dri; `[]` for machines without GPUs, such as CI). */
  devices?: string[];
  /** Shared memory (default 32 GiB, the seed's). */
  shmSizeBytes?: number;
  /** Bind mounts `host:container[:ro]` (models, work dir). */
  binds?: string[];
  /**
   * Host paths the container may only read (models): mounted at the same path with `:ro`, whatever
   * `binds` says. Use with `binds` holding only the run's own folder for code that is not trusted.
   */
  readOnlyPaths?: string[];
  /** Base environment of every exec. */
  env?: Record<string, string>;
  workDir?: string;
  /** Pull when the image is not present (default true). */
  pull?: boolean;
  onPullProgress?: (line: string) => void;
  /** Remove the container on close() when this executor created it (default false: the seed reused containers). */
  removeOnClose?: boolean;
  killGraceMs?: number;
}

/** The container sglbench creates: ROCm devices, host network and IPC, labelled, with its binds. */
export function containerSpec(options: DockerExecutorOptions, name: string): Docker.ContainerCreateOptions {
  const devices = options.devices ?? ROCM_DEVICES;
  const gpu = devices.length > 0;
  return {
    name,
    Image: options.image,
    // Keeps the container alive between execs (busybox and coreutils both have tail).
    Entrypoint: ["tail"],
    Cmd: ["-f", "/dev/null"],
    Labels: { [SGLBENCH_LABEL]: "1", [OWNER_LABEL]: `${hostname()}:${ownerToken()}` },
    ...(options.workDir ? { WorkingDir: options.workDir } : {}),
    HostConfig: {
      NetworkMode: "host",
      IpcMode: "host",
      ShmSize: options.shmSizeBytes ?? 32 * 1024 ** 3,
      Devices: devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rwm" })),
      ...(gpu ? { GroupAdd: ["video"] } : {}),
      CapAdd: ["SYS_PTRACE"],
      SecurityOpt: ["seccomp=unconfined"],
      Binds: [...readOnlyBinds(options.readOnlyPaths ?? []), ...(options.binds ?? [])],
    },
  };
}

/** `path:path:ro` for each host path (same path inside, so the suites' model paths still resolve). */
export function readOnlyBinds(paths: readonly string[]): string[] {
  return paths.map((p) => `${p}:${p}:ro`);
}

/** Binds a container may write to: those without `:ro` (Docker's default is read-write). */
export function writableBinds(binds: readonly string[]): string[] {
  return binds.filter((b) => !b.split(":").slice(2).join(":").split(",").includes("ro"));
}

/** Executor inside one container. Create with {@link DockerExecutor.start}. */
export class DockerExecutor implements Executor {
  readonly description: string;
  private readonly live = new Set<DockerRun>();

  private constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    readonly name: string,
    private readonly created: boolean,
    private readonly options: DockerExecutorOptions,
  ) {
    this.description = `docker ${name}`;
  }

  /** Ensures the image (pulling if needed), then creates or reuses the container and starts it. */
  static async start(options: DockerExecutorOptions): Promise<DockerExecutor> {
    const { docker } = options;
    await ensureImage(docker, options.image, options.pull ?? true, options.onPullProgress);
    const name = options.name ?? containerName(parseImage(options.image));
    const existing = docker.getContainer(name);
    let info: Docker.ContainerInspectInfo | undefined;
    try {
      info = await existing.inspect();
    } catch (error: unknown) {
      if ((error as { statusCode?: number }).statusCode !== 404)
        throw new Error(`Cannot inspect container ${name}`, { cause: error });
    }
    if (info) {
      if (info.Config.Labels?.[SGLBENCH_LABEL] !== "1") {
        throw new Error(
          `A container named ${name} exists and was not created by sglbench (no ${SGLBENCH_LABEL}=1 label); remove or rename it`,
        );
      }
      let leftover = false;
      if (!info.State.Running) await existing.start();
      else leftover = await clearLeftovers(existing, name, options.onPullProgress);
      await writeOwner(existing);
      // A container a killed compare-pr step left behind is removed as if this run had created it.
      return new DockerExecutor(docker, existing, name, leftover && options.removeOnClose === true, options);
    }
    const container = await docker.createContainer(containerSpec(options, name));
    await container.start();
    await writeOwner(container);
    return new DockerExecutor(docker, container, name, true, options);
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.run(argv, options);
  }

  async spawnBackground(
    argv: readonly string[],
    options: Omit<ExecOptions, "timeoutMs"> = {},
  ): Promise<BackgroundProcess> {
    const ready = deferred<DockerRun>();
    const done = this.run(argv, options, ready.resolve);
    const run = await Promise.race([ready.promise, done.then(() => undefined)]);
    return {
      done,
      running: () => run?.ended === false,
      stop: async (graceMs = this.grace()) => {
        await run?.kill(graceMs);
        return done;
      },
    };
  }

  /** Kills what is still running; removes the container when this executor created it and removeOnClose is set. */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((r) => r.kill(this.grace())));
    if (this.created && this.options.removeOnClose) await this.container.remove({ force: true });
  }

  private grace(): number {
    return this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  private async run(
    argv: readonly string[],
    options: ExecOptions,
    onStarted?: (r: DockerRun) => void,
  ): Promise<ExecResult> {
    const started = Date.now();
    const pidFile = `/tmp/.sglbench-${randomBytes(6).toString("hex")}.pid`;
    const env = { ...this.options.env, ...options.env, [OWNER_ENV]: ownerToken() };
    const exec = await this.container.exec({
      Cmd: ["sh", "-c", `echo $$ > ${pidFile}; exec "$@"`, "sh", ...argv],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...(options.cwd ? { WorkingDir: options.cwd } : {}),
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
    const out = new PassThrough();
    const err = new PassThrough();
    this.docker.modem.demuxStream(stream, out, err);
    const run = new DockerRun(this.container, pidFile);
    this.live.add(run);
    onStarted?.(run);
    const lines = [out, err].map(
      (s) =>
        new Promise<void>((resolve) => {
          const rl = createInterface({ input: s, crlfDelay: Infinity });
          rl.on("line", (l) => options.onLine?.(l));
          rl.on("close", resolve);
        }),
    );
    let timedOut = false;
    let cancelled = false;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            void run.kill(this.grace());
          }, options.timeoutMs)
        : undefined;
    const onAbort = (): void => {
      cancelled = true;
      void run.kill(this.grace());
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", resolve);
    });
    out.end();
    err.end();
    await Promise.all(lines);
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    run.ended = true;
    this.live.delete(run);
    const inspect = await exec.inspect();
    const code = inspect.ExitCode ?? null;
    // sh reports death by signal N as 128+N.
    const signal = run.killedWith && code !== null && code > 128 ? run.killedWith : null;
    return { exitCode: signal ? null : code, signal, timedOut, cancelled, durationMs: Date.now() - started };
  }
}

/** Runs `sh -c script` in the container and returns its stdout (stderr discarded). */
async function execText(container: Docker.Container, script: string): Promise<string> {
  const exec = await container.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  container.modem.demuxStream(stream, out, new PassThrough().resume());
  await new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", resolve);
  });
  return Buffer.concat(chunks).toString("utf8");
}

/** Best effort: without the file a later run treats the container's leftovers as a gone owner's. */
async function writeOwner(container: Docker.Container): Promise<void> {
  try {
    await execText(container, `echo '${hostname()}:${ownerToken()}' > ${OWNER_FILE}`);
  } catch {
    // an image without sh: the commands would fail the same way and say so
  }
}

/**
 * A running container we are about to reuse: when it still runs commands (more than its keep-alive
 * process) of a sglbench that is gone, restart it so none of them survives; when that sglbench still
 * runs here, refuse (two runs in one container would measure each other). Returns true on a restart.
 */
async function clearLeftovers(
  container: Docker.Container,
  name: string,
  log?: (line: string) => void,
): Promise<boolean> {
  const top = (await container.top()) as { Processes?: string[][] };
  if ((top.Processes?.length ?? 0) <= 1) return false;
  const owner = (await execText(container, `cat ${OWNER_FILE} 2>/dev/null`)).trim();
  const sep = owner.indexOf(":");
  const [host, token] = sep > 0 ? [owner.slice(0, sep), owner.slice(sep + 1)] : ["", ""];
  if (token === ownerToken()) return false;
  if (host === hostname() && token && ownerAlive(token))
    throw new Error(
      `Container ${name} is in use by a running sglbench (PID ${token.split(".")[0]}); wait for it to finish or stop it first`,
    );
  log?.(`Container ${name} still runs commands of an earlier sglbench run that is gone: restarting it`);
  await container.restart({ t: 2 });
  return true;
}

/** One exec: knows its PID file so it can kill its process tree. */
class DockerRun {
  ended = false;
  killedWith: string | null = null;
  private killing: Promise<void> | undefined;

  constructor(
    private readonly container: Docker.Container,
    private readonly pidFile: string,
  ) {}

  kill(graceMs: number): Promise<void> {
    this.killing ??= (async () => {
      await this.signal("TERM");
      this.killedWith = "SIGTERM";
      const deadline = Date.now() + graceMs;
      while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!this.ended) {
        await this.signal("KILL");
        this.killedWith = "SIGKILL";
      }
    })();
    return this.killing;
  }

  private async signal(sig: "TERM" | "KILL"): Promise<void> {
    // Depth-first: children first so none is re-parented out of reach before we see it.
    const script = `tree() { for t in /proc/$1/task/*; do for c in $(cat $t/children 2>/dev/null); do tree $c; done; done; kill -${sig} $1 2>/dev/null; }; p=$(cat ${this.pidFile} 2>/dev/null) && tree $p; exit 0`;
    const exec = await this.container.exec({ Cmd: ["sh", "-c", script], AttachStdout: false, AttachStderr: false });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Readable;
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", resolve);
      stream.resume();
    });
  }
}

/** Pulls the image unless present; a failed pull says which image and why. */
export async function ensureImage(
  docker: Docker,
  image: string,
  pull: boolean,
  onProgress?: (line: string) => void,
): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error: unknown) {
    if ((error as { statusCode?: number }).statusCode !== 404)
      throw new Error(`Cannot inspect image ${image}`, { cause: error });
  }
  if (!pull) throw new Error(`Image ${image} is not present and pulling is disabled`);
  try {
    const stream = (await docker.pull(image)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (error: Error | null) => (error ? reject(error) : resolve()),
        (event: { status?: string; progress?: string; id?: string }) =>
          onProgress?.([event.id, event.status, event.progress].filter(Boolean).join(" ")),
      ),
    );
  } catch (error: unknown) {
    throw new Error(`Cannot pull ${image}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** Stops and removes sglbench's containers (label sglbench=1) whose name matches; never touches others. */
export async function removeOwnContainers(docker: Docker, name?: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${SGLBENCH_LABEL}=1`] } });
  const removed: string[] = [];
  for (const c of list) {
    const cName = c.Names[0]?.replace(/^\//, "") ?? c.Id;
    if (name !== undefined && cName !== name) continue;
    if (c.Labels[SGLBENCH_LABEL] !== "1") continue;
    await docker.getContainer(c.Id).remove({ force: true });
    removed.push(cName);
  }
  return removed;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
