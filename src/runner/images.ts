/**
 * Images for a PR comparison: the baseline is the PR's merge base (not main's tip). Each side's image
 * is tagged by commit so a second request reuses it; it is built from SGLang's docker/Dockerfile.rocm,
 * pulled, or taken as given (`--skip-build`).
 *
 * A build uses exactly one commit: its tree is exported (`git archive`, so no `.git`) into a fresh
 * context and SGL_BRANCH names the same SHA. The PR side is never built from `pull/<N>/merge`, a ref
 * that moves with every push, so the tag (derived from the SHA) always names what was built.
 */
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";

/** The slice of dockerode the image code needs, so tests can fake the engine. */
export interface ImageEngine {
  hasImage(tag: string): Promise<boolean>;
  /** Streams JSON progress messages ({stream}|{status}|{error}) and resolves when the build ends. */
  build(options: {
    context: string;
    dockerfile: string;
    tag: string;
    buildArgs: Record<string, string>;
  }): AsyncIterable<{
    stream?: string;
    status?: string;
    error?: string;
  }>;
  pull(ref: string): Promise<void>;
}

export interface BuildRequest {
  /** SGLang checkout used as build context. */
  context: string;
  repo: string;
  /** SGL_BRANCH: `main` or a commit SHA (the job always passes the SHA; never a moving PR ref). */
  branch: string;
  commit: string;
  /**
   * Build from a snapshot of `commit` exported from the `context` checkout (no `.git`, exactly that
   * tree) instead of the checkout itself. The job always sets it; tests of the engine leave it off.
   */
  fromCommit?: boolean;
  baseImage: string;
  /** Dockerfile inside the context (default SGLang's `docker/Dockerfile.rocm`). */
  dockerfile?: string;
  buildType?: "all" | "srt";
  gpuArch?: string;
  /** Where the full build log is kept (also on failure). */
  logPath: string;
  onProgress?: (line: string) => void;
}

/** SGLang's ROCm Dockerfile, relative to the checkout. */
export const DEFAULT_DOCKERFILE = "docker/Dockerfile.rocm";

/** The PR's head is no longer the commit the request approved: nothing is built or run. */
export class PrHeadMovedError extends Error {
  constructor(
    readonly pr: number,
    readonly requested: string,
    readonly current: string,
  ) {
    super(
      `PR #${pr} head is now ${current.slice(0, 12)}, not the requested ${requested.slice(0, 12)}: the PR changed after the request; ask for a new benchmark of the new head.`,
    );
  }
}

/** A build that failed: names the Dockerfile step it died in and where the log is. */
export class ImageBuildError extends Error {
  constructor(
    message: string,
    readonly step: string,
    readonly logPath: string,
  ) {
    super(message);
  }
}

/** ROCm version from the base image name (`rocm630` → `630`), as the seed's build script did. */
export function rocmVersion(baseImage: string): string {
  return /rocm(\d+)/.exec(baseImage)?.[1] ?? "630";
}

/** Tag by commit: the same commit + base image always maps to the same tag, so builds are reused. */
export function imageTag(side: "main" | "pr", commit: string, baseImage: string, pr?: number): string {
  const sha = commit.slice(0, 12);
  const rocm = `rocm${rocmVersion(baseImage)}`;
  return side === "pr" && pr !== undefined
    ? `sglbench/sglang:pr-${pr}-${sha}-${rocm}`
    : `sglbench/sglang:main-${sha}-${rocm}`;
}

/** The PR's merge base with main, from a local checkout (`git merge-base`). */
export async function mergeBase(checkout: string, base: string, head: string): Promise<string> {
  try {
    const { stdout } = await execa("git", ["merge-base", base, head], { cwd: checkout });
    return stdout.trim();
  } catch (error: unknown) {
    throw new Error(`Cannot find the merge base of ${head} and ${base} in ${checkout}; fetch both refs first.`, {
      cause: error,
    });
  }
}

/** Builds the image for one commit unless an image with its tag already exists. Returns the tag. */
export async function ensureImage(
  engine: ImageEngine,
  tag: string,
  request: BuildRequest,
): Promise<{ tag: string; reused: boolean }> {
  if (await engine.hasImage(tag)) return { tag, reused: true };
  await mkdir(dirname(request.logPath), { recursive: true });
  const snapshot = request.fromCommit ? await exportCommit(request.context, request.commit) : undefined;
  const log = createWriteStream(request.logPath);
  let step = "(before the first step)";
  try {
    const messages = engine.build({
      context: snapshot ?? request.context,
      dockerfile: request.dockerfile ?? DEFAULT_DOCKERFILE,
      tag,
      buildArgs: {
        BASE_IMAGE: request.baseImage,
        SGL_REPO: `https://github.com/${request.repo}`,
        SGL_BRANCH: request.branch,
        BUILD_TYPE: request.buildType ?? "all",
        GPU_ARCH: request.gpuArch ?? "gfx942",
        // Newer Dockerfile.rocm copy the context instead of cloning when asked: the context is the commit.
        ...(snapshot ? { BRANCH_TYPE: "local" } : {}),
      },
    });
    for await (const message of messages) {
      const text = message.stream ?? message.status ?? "";
      if (text) {
        log.write(text.endsWith("\n") ? text : `${text}\n`);
        const stepMatch = /^Step \d+\/\d+ : .*|^#\d+ \[.*\].*/.exec(text.trim());
        if (stepMatch) step = stepMatch[0];
        if (text.trim()) request.onProgress?.(text.trimEnd());
      }
      if (message.error) {
        log.write(`ERROR: ${message.error}\n`);
        throw new ImageBuildError(
          `Image build ${tag} failed at ${step}: ${message.error} (full log: ${request.logPath})`,
          step,
          request.logPath,
        );
      }
    }
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
    if (snapshot) await rm(snapshot, { recursive: true, force: true });
  }
  return { tag, reused: false };
}

/**
 * Exports one commit's tree from a checkout into a fresh folder (`git archive`): the build context then
 * holds exactly that commit and no `.git` (no history, no credentials from the checkout's config).
 */
export async function exportCommit(checkout: string, commit: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sglbench-ctx-${commit.slice(0, 12)}-`));
  const archive = join(dir, ".sglbench-export.tar");
  try {
    await execa("git", ["archive", "--format=tar", "-o", archive, `${commit}^{commit}`], { cwd: checkout });
    await execa("tar", ["-xf", archive, "-C", dir]);
  } catch (error: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Cannot export commit ${commit} from ${checkout} for the image build; fetch it first.`, {
      cause: error,
    });
  }
  await rm(archive, { force: true });
  return dir;
}

/** Top-level entries of a build context that are sent to the engine: never `.git` (history, tokens). */
export function buildContextEntries(entries: readonly string[]): string[] {
  return entries.filter((entry) => entry !== ".git");
}

/** The real engine: dockerode against DOCKER_HOST (or the default socket). */
export async function dockerodeEngine(): Promise<ImageEngine> {
  const { default: Docker } = await import("dockerode");
  const { readdir } = await import("node:fs/promises");
  const docker = new Docker();
  return {
    hasImage: async (tag) =>
      docker
        .getImage(tag)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    pull: async (ref) => {
      const stream = await docker.pull(ref);
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
      );
    },
    build: (options) =>
      (async function* () {
        const entries = buildContextEntries(await readdir(options.context));
        const stream = await docker.buildImage(
          { context: options.context, src: entries },
          // forcerm: a failed step must not leave its container behind on the runner.
          { t: options.tag, dockerfile: options.dockerfile, buildargs: options.buildArgs, rm: true, forcerm: true },
        );
        let buffered = "";
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          buffered += chunk.toString("utf8");
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines.filter(Boolean)) yield JSON.parse(line) as { stream?: string; error?: string };
        }
        if (buffered.trim()) yield JSON.parse(buffered) as { stream?: string; error?: string };
      })(),
  };
}

/** How one side's image was obtained. */
export type ImageSource = "given" | "present" | "pulled" | "reused" | "built";

export interface SideImageRequest {
  side: "main" | "pr";
  /** An image named by the user (`--main-image`/`--pr-image`). */
  given?: string;
  /** Take `given` without asking the engine (`--skip-build`, or a local run without Docker). */
  trustGiven?: boolean;
  /** How to build the image when none is given. */
  build?: BuildRequest & { pr?: number };
}

/**
 * One side's image: a given image is used as is (trusted), found locally, or pulled; otherwise the
 * commit's image is reused by tag or built from docker/Dockerfile.rocm.
 */
export async function resolveSideImage(
  engine: ImageEngine | undefined,
  request: SideImageRequest,
): Promise<{ image: string; source: ImageSource }> {
  if (request.given) {
    if (request.trustGiven || !engine) return { image: request.given, source: "given" };
    if (await engine.hasImage(request.given)) return { image: request.given, source: "present" };
    try {
      await engine.pull(request.given);
    } catch (error: unknown) {
      throw new Error(
        `Cannot pull ${request.side} image ${request.given}; check the name or pre-load it with docker pull/load.`,
        { cause: error },
      );
    }
    return { image: request.given, source: "pulled" };
  }
  if (!request.build) throw new Error(`No ${request.side} image given and nothing to build it from.`);
  if (!engine) throw new Error(`Building the ${request.side} image needs a Docker engine (set DOCKER_HOST).`);
  const tag = imageTag(request.side, request.build.commit, request.build.baseImage, request.build.pr);
  const { reused } = await ensureImage(engine, tag, request.build);
  return { image: tag, source: reused ? "reused" : "built" };
}

/**
 * Fetches the PR's current head (`refs/pull/<N>/head`, never `merge`) from `origin` into
 * `refs/sglbench/pr-<N>` and returns its full SHA. With `requested`, refuses (PrHeadMovedError) when
 * the head is no longer that commit: the approved commit is the one measured, or nothing is.
 * `gitEnv` adds environment for git (a token header from `build-image --github-token`).
 */
export async function fetchPrHead(
  checkout: string,
  pr: number,
  requested?: string,
  gitEnv: Record<string, string> = {},
): Promise<string> {
  const git = (...args: string[]) => execa("git", args, { cwd: checkout, env: gitEnv });
  const local = `refs/sglbench/pr-${pr}`;
  // A shallow checkout (actions/checkout's default) only needs the head commit itself.
  const shallow = (await git("rev-parse", "--is-shallow-repository").catch(() => ({ stdout: "false" }))).stdout;
  try {
    await git(
      "fetch",
      "--quiet",
      ...(shallow.trim() === "true" ? ["--depth=1"] : []),
      "origin",
      `+refs/pull/${pr}/head:${local}`,
    );
  } catch (error: unknown) {
    throw new Error(`Cannot fetch refs/pull/${pr}/head from origin into ${checkout}.`, { cause: error });
  }
  const head = (await git("rev-parse", "--verify", `${local}^{commit}`)).stdout.trim();
  if (requested !== undefined && !sameSha(head, requested)) throw new PrHeadMovedError(pr, requested, head);
  return head;
}

/** Full SHA against a full or abbreviated one (at least 7 hex digits). */
function sameSha(full: string, given: string): boolean {
  const g = given.trim().toLowerCase();
  return /^[0-9a-f]{7,40}$/.test(g) && full.toLowerCase().startsWith(g);
}

/**
 * The PR's head and merge base from an SGLang checkout. The head is always fetched fresh (a stale local
 * ref would measure an old commit) and checked against `requested`; `main` is fetched into
 * `refs/sglbench/main` when missing.
 */
export async function resolvePrCommits(
  checkout: string,
  pr: number,
  requested?: string,
): Promise<{ head: string; mergeBase: string }> {
  const git = (...args: string[]) => execa("git", args, { cwd: checkout });
  const main = "refs/sglbench/main";
  const haveMain = await git("rev-parse", "--verify", "--quiet", `${main}^{commit}`).then(
    () => true,
    () => false,
  );
  if (!haveMain) {
    try {
      await git("fetch", "--quiet", "origin", `+refs/heads/main:${main}`);
    } catch (error: unknown) {
      throw new Error(
        `Cannot fetch main into ${checkout}; pass the commits (base_sha/head_sha or --main-image/--pr-image).`,
        { cause: error },
      );
    }
  }
  const head = await fetchPrHead(checkout, pr, requested);
  return { head, mergeBase: await mergeBase(checkout, main, head) };
}
