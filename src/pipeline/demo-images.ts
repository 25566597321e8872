/**
 * The demo's Docker side: is an engine reachable, and the two simulator images (`sglbench-sim:main`,
 * `sglbench-sim:pr`) built from the same files, differing only in `ENV SGLSIM_DECODE_SPEED`.
 * No registry is needed: the images are `FROM scratch` with this machine's `node` binary and the shared
 * libraries it links, a static busybox for `/bin/sh` and `env`, and `test/sim` as `/sim`.
 */
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";

export const SIM_IMAGE = { main: "sglbench-sim:main", pr: "sglbench-sim:pr" } as const;
const HASH_LABEL = "org.sglbench.sim-hash";

/** The slice of dockerode the demo images need (fakeable). */
export interface SimImageEngine {
  labelOf(tag: string, label: string): Promise<string | undefined>;
  build(contextDir: string, tag: string, onLine: (line: string) => void): Promise<void>;
}

/** True when a Docker engine answers a ping (DOCKER_HOST or the default socket), within a few seconds. */
export async function demoDockerReachable(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const { default: Docker } = await import("dockerode");
    const docker = env.DOCKER_HOST ? new Docker() : new Docker({ socketPath: "/var/run/docker.sock" });
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("ping timed out")), 3000).unref()),
    ]);
    return true;
  } catch {
    // No engine is the normal case on a laptop: the demo runs locally instead.
    return false;
  }
}

/** Files of a folder, sorted, relative paths. */
function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(root, join(dir, e.name)) : [join(dir, e.name).slice(root.length + 1)]))
    .sort();
}

/** A hash of the simulator's files and the node binary, so unchanged images are reused. */
export function simContentHash(simDir: string, nodePath: string): string {
  const hash = createHash("sha256");
  for (const file of listFiles(simDir)) hash.update(file).update(readFileSync(join(simDir, file)));
  hash.update(`${nodePath}:${statSync(nodePath).size}:${process.version}`);
  return hash.digest("hex").slice(0, 16);
}

/** The shared libraries a binary links (absolute paths from `ldd`). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa("ldd", [binary]);
  return [...stdout.matchAll(/(\/\S+\.so[^\s]*)/g)].map((m) => m[1]!).filter((p, i, all) => all.indexOf(p) === i);
}

/** Writes the build context (rootfs + Dockerfile) for one side. */
function writeContext(dir: string, rootfs: string, env: Record<string, string>, hash: string): void {
  const envLines = Object.entries(env).map(([k, v]) => `ENV ${k}=${v}`);
  writeFileSync(
    join(dir, "Dockerfile"),
    [
      "FROM scratch",
      "COPY rootfs/ /",
      'RUN ["/bin/busybox", "sh", "-c", "mkdir -p /usr/bin /sbin /usr/sbin /tmp /work && /bin/busybox --install -s && chmod 1777 /tmp"]',
      "ENV PATH=/sim/bin:/usr/local/bin:/usr/bin:/bin",
      ...envLines,
      `LABEL ${HASH_LABEL}=${hash}`,
      "WORKDIR /work",
      "",
    ].join("\n"),
  );
  cpSync(rootfs, join(dir, "rootfs"), { recursive: true });
}

/** dockerode behind the small engine interface. */
export async function dockerodeSimEngine(): Promise<SimImageEngine> {
  const { default: Docker } = await import("dockerode");
  const docker = new Docker();
  return {
    labelOf: async (tag, label) =>
      docker
        .getImage(tag)
        .inspect()
        .then(
          (info) => (info.Config?.Labels ?? {})[label],
          () => undefined,
        ),
    build: async (contextDir, tag, onLine) => {
      const stream = await docker.buildImage(
        { context: contextDir, src: readdirSync(contextDir) },
        { t: tag, rm: true, forcerm: true },
      );
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(
          stream,
          (error: Error | null, output: Array<{ error?: string }> | undefined) => {
            const failed = error?.message ?? output?.find((o) => o.error)?.error;
            if (failed) reject(new Error(`Building ${tag} failed: ${failed}`));
            else resolve();
          },
          (event: { stream?: string }) => event.stream?.trim() && onLine(event.stream.trim()),
        ),
      );
    },
  };
}

/**
 * Builds (or reuses, when their content hash label matches) the two simulator images.
 * `simDir` is the checkout's test/sim.
 */
export async function buildDemoSimImages(
  checkout: string,
  log: (line: string) => void,
  options: { engine?: SimImageEngine; decodeSlowdown?: string; tags?: { main: string; pr: string } } = {},
): Promise<{ main: string; pr: string }> {
  const tags = options.tags ?? SIM_IMAGE;
  const simDir = join(checkout, "test", "sim");
  const nodePath = process.execPath;
  const hash = simContentHash(simDir, nodePath);
  const docker = options.engine ?? (await dockerodeSimEngine());
  const sides: Array<{ tag: string; env: Record<string, string> }> = [
    { tag: tags.main, env: {} },
    { tag: tags.pr, env: { SGLSIM_DECODE_SPEED: options.decodeSlowdown ?? "1.05" } },
  ];
  if ((await Promise.all(sides.map((s) => docker.labelOf(s.tag, HASH_LABEL)))).every((h) => h === hash)) {
    log(`Reusing ${tags.main} and ${tags.pr} (simulator unchanged)`);
    return { ...tags };
  }
  const work = mkdtempSync(join(tmpdir(), "sglbench-simimg-"));
  try {
    const rootfs = join(work, "rootfs");
    const put = (from: string, to = from) => {
      mkdirSync(dirname(join(rootfs, to)), { recursive: true });
      copyFileSync(from, join(rootfs, to));
    };
    put(nodePath, "/usr/bin/node");
    for (const lib of await sharedLibraries(nodePath)) put(lib);
    put("/usr/bin/busybox", "/bin/busybox");
    cpSync(simDir, join(rootfs, "sim"), { recursive: true });
    for (const side of sides) {
      const dir = join(work, side.tag.replace(/\W/g, "_"));
      mkdirSync(dir);
      writeContext(dir, rootfs, side.env, hash);
      log(`Building ${side.tag}${Object.keys(side.env).length ? ` (${JSON.stringify(side.env)})` : ""}`);
      await docker.build(dir, side.tag, log);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { ...tags };
}
