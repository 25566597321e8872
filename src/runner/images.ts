/**
 * Images for a PR comparison: the baseline is the PR's merge base (not main's tip). Each side's image
 * is tagged by commit so a second request reuses it; it is built from SGLang's docker/Dockerfile.rocm,
 * pulled, or taken as given (`--skip-build`).
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
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
  /** `main`, a commit, or `pull/<N>/merge`. */
  branch: string;
  commit: string;
  baseImage: string;
  buildType?: "all" | "srt";
  gpuArch?: string;
  /** Where the full build log is kept (also on failure). */
  logPath: string;
  onProgress?: (line: string) => void;
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
  const log = createWriteStream(request.logPath);
  let step = "(before the first step)";
  try {
    const messages = engine.build({
      context: request.context,
      dockerfile: "docker/Dockerfile.rocm",
      tag,
      buildArgs: {
        BASE_IMAGE: request.baseImage,
        SGL_REPO: `https://github.com/${request.repo}`,
        SGL_BRANCH: request.branch,
        BUILD_TYPE: request.buildType ?? "all",
        GPU_ARCH: request.gpuArch ?? "gfx942",
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
  }
  return { tag, reused: false };
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
        const entries = await readdir(options.context);
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
 * The PR's head and merge base from an SGLang checkout. Uses local refs when they exist, else fetches
 * `pull/<N>/head` and `main` from `origin` into `refs/sglbench/*` (what the seed did with pr-N refs).
 */
export async function resolvePrCommits(checkout: string, pr: number): Promise<{ head: string; mergeBase: string }> {
  const git = (...args: string[]) => execa("git", args, { cwd: checkout });
  const local = { main: "refs/sglbench/main", head: `refs/sglbench/pr-${pr}` };
  const have = async (ref: string) =>
    git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`).then(
      () => true,
      () => false,
    );
  if (!(await have(local.main)) || !(await have(local.head))) {
    try {
      await git("fetch", "--quiet", "origin", `+refs/heads/main:${local.main}`, `+refs/pull/${pr}/head:${local.head}`);
    } catch (error: unknown) {
      throw new Error(
        `Cannot fetch main and pull/${pr}/head into ${checkout}; pass the commits (base_sha/head_sha or --main-image/--pr-image).`,
        { cause: error },
      );
    }
  }
  const head = (await git("rev-parse", local.head)).stdout.trim();
  return { head, mergeBase: await mergeBase(checkout, local.main, local.head) };
}
