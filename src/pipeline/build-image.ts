/**
 * `sglbench build-image`: the original `build_sglang_docker.sh` as a step of its own. Without a PR or
 * commit it pulls the prebuilt image of a branch (main → today's nightly `rocm/sgl-dev` tag, a release
 * → `lmsysorg/sglang:<release>-rocm<v>-<hw>`); with `--pr`, `--commit` or `--no-pull` it builds that exact
 * commit from the SGLang checkout with the checkout's own Dockerfile. Built images get compare-pr's
 * tags (`sglbench/sglang:pr-<N>-<sha>-rocm<v>`, `…:main-<sha>-rocm<v>`), so a later compare-pr of
 * the same commits reuses them instead of building again.
 */
import { join } from "node:path";
import { execa } from "execa";
import { pickNightlyTag, type Hardware, type RocmVersion } from "../core/catalogue/index.js";
import {
  ensureImage,
  fetchPrHead,
  imageTag,
  rocmVersion,
  type BuildRequest,
  type ImageEngine,
} from "../runner/images.js";

export interface BuildImageOptions {
  /** `main` or a release (`v0.5.5`); the branch whose prebuilt image is pulled, or whose head is built. */
  branch: string;
  pr?: number;
  commit?: string;
  /** SGLang checkout (with an `origin` remote) for builds. */
  checkout: string;
  repo: string;
  hardware: Hardware;
  rocm?: RocmVersion;
  baseImage: string;
  dockerfile: string;
  buildType: "all" | "srt";
  /** Build even for a plain branch instead of pulling its prebuilt image. */
  noPull: boolean;
  /** Name for the built image (default compare-pr's tag for the commit). */
  tag?: string;
  /** Repository of the nightly images (default rocm/sgl-dev). */
  nightlyRepo: string;
  /** Repository of release images (default lmsysorg/sglang). */
  releaseRepo: string;
  logDir: string;
  now: Date;
  /** Extra environment for git (a token header); never printed. */
  gitEnv?: Record<string, string>;
}

/** What will be done, printable before anything runs (`--dry-run`). */
export type BuildImagePlan =
  | { action: "pull"; image: string; why: string }
  | { action: "pull-nightly"; repository: string; hardware: Hardware; rocm?: RocmVersion; why: string }
  | {
      action: "build";
      source: { pr: number } | { commit: string } | { branch: string };
      dockerfile: string;
      buildArgs: Record<string, string>;
      tag?: string;
    };

export interface BuildImageServices {
  engine: ImageEngine;
  /** Tags of an image repository, newest first. */
  listTags(repository: string): Promise<string[]>;
  log(line: string): void;
}

export interface BuiltImage {
  image: string;
  source: "pulled" | "present" | "reused" | "built";
  commit?: string;
}

/** GPU architecture SGLang's Dockerfile builds for, per hardware. */
export function gpuArchFor(hardware: Hardware): string {
  return hardware === "mi35x" ? "gfx950" : "gfx942";
}

/** A release branch (`v0.5.5`, `v0.5.3rc0`, `v0.4.9.post2`) rather than main or a feature branch. */
function isRelease(branch: string): boolean {
  return /^v\d+\.\d+\.\d+(?:\.post\d+|rc\d+)?$/.test(branch);
}

/** The plan for the options: pull a prebuilt image, or build one commit. */
export function planBuildImage(o: BuildImageOptions): BuildImagePlan {
  if (o.pr === undefined && o.commit === undefined && !o.noPull) {
    if (o.branch === "main")
      return {
        action: "pull-nightly",
        repository: o.nightlyRepo,
        hardware: o.hardware,
        ...(o.rocm ? { rocm: o.rocm } : {}),
        why: "main's prebuilt image is today's (else yesterday's) nightly",
      };
    if (isRelease(o.branch))
      return {
        action: "pull",
        image: `${o.releaseRepo}:${o.branch}-rocm${o.rocm ?? "700"}-${o.hardware}`,
        why: `the prebuilt image of release ${o.branch}`,
      };
  }
  const source =
    o.pr !== undefined ? { pr: o.pr } : o.commit !== undefined ? { commit: o.commit } : { branch: o.branch };
  return {
    action: "build",
    source,
    dockerfile: o.dockerfile,
    buildArgs: {
      BASE_IMAGE: o.baseImage,
      BUILD_TYPE: o.buildType,
      GPU_ARCH: gpuArchFor(o.hardware),
    },
    ...(o.tag ? { tag: o.tag } : {}),
  };
}

/** One line per step of the plan, for `--dry-run` and the log. */
export function describePlan(plan: BuildImagePlan, o: BuildImageOptions): string[] {
  if (plan.action === "pull") return [`pull ${plan.image} (${plan.why})`];
  if (plan.action === "pull-nightly")
    return [
      `pull the newest ${plan.repository} tag for ${plan.hardware}${plan.rocm ? ` rocm${plan.rocm}` : ""} (${plan.why})`,
    ];
  const what =
    "pr" in plan.source
      ? `fetch refs/pull/${plan.source.pr}/head from origin in ${o.checkout}`
      : "commit" in plan.source
        ? `take commit ${plan.source.commit} from ${o.checkout}`
        : `fetch branch ${plan.source.branch} from origin in ${o.checkout}`;
  const args = Object.entries(plan.buildArgs)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return [
    what,
    `build that exact commit (git archive, no .git) with ${plan.dockerfile} (${args})`,
    `tag ${plan.tag ?? ("pr" in plan.source ? `sglbench/sglang:pr-${plan.source.pr}-<sha>-rocm${rocmVersion(o.baseImage)}` : `sglbench/sglang:main-<sha>-rocm${rocmVersion(o.baseImage)}`)}`,
  ];
}

/** Full SHA of a commit or branch in the checkout, fetching the branch from origin first. */
async function resolveCommit(o: BuildImageOptions, ref: { commit: string } | { branch: string }): Promise<string> {
  const git = (...args: string[]) => execa("git", args, { cwd: o.checkout, env: o.gitEnv ?? {} });
  if ("branch" in ref) {
    const local = `refs/sglbench/branch-${ref.branch}`;
    try {
      await git("fetch", "--quiet", "origin", `+refs/heads/${ref.branch}:${local}`);
    } catch (error: unknown) {
      throw new Error(`Cannot fetch branch ${ref.branch} from origin into ${o.checkout}.`, { cause: error });
    }
    return (await git("rev-parse", "--verify", `${local}^{commit}`)).stdout.trim();
  }
  try {
    return (await git("rev-parse", "--verify", `${ref.commit}^{commit}`)).stdout.trim();
  } catch (error: unknown) {
    throw new Error(`Commit ${ref.commit} is not in ${o.checkout}; fetch it first.`, { cause: error });
  }
}

/** Pulls (unless present) an image, with an error that says what to do. */
async function pullImage(svc: BuildImageServices, image: string): Promise<BuiltImage> {
  if (await svc.engine.hasImage(image)) return { image, source: "present" };
  svc.log(`pulling ${image}`);
  try {
    await svc.engine.pull(image);
  } catch (error: unknown) {
    throw new Error(
      `Cannot pull ${image}: ${error instanceof Error ? error.message : String(error)}. Check the name, or build it with --no-pull.`,
      { cause: error },
    );
  }
  return { image, source: "pulled" };
}

/** Carries out the plan: the image to run, and how it was obtained. */
export async function buildImage(o: BuildImageOptions, svc: BuildImageServices): Promise<BuiltImage> {
  const plan = planBuildImage(o);
  if (plan.action === "pull") return pullImage(svc, plan.image);
  if (plan.action === "pull-nightly") {
    const tags = await svc.listTags(plan.repository);
    const pick = pickNightlyTag(tags, {
      hardware: plan.hardware,
      now: o.now,
      ...(plan.rocm ? { rocm: plan.rocm } : {}),
    });
    if (pick.tag === null)
      throw new Error(
        `No ${plan.repository} nightly for ${plan.hardware} on ${pick.tried.join(" or ")}; name a release (--branch vX.Y.Z) or build main with --no-pull.`,
      );
    return pullImage(svc, `${plan.repository}:${pick.tag}`);
  }
  const commit =
    "pr" in plan.source
      ? await fetchPrHead(o.checkout, plan.source.pr, undefined, o.gitEnv)
      : await resolveCommit(o, plan.source);
  const pr = "pr" in plan.source ? plan.source.pr : undefined;
  const tag = plan.tag ?? imageTag(pr === undefined ? "main" : "pr", commit, o.baseImage, pr);
  const request: BuildRequest = {
    context: o.checkout,
    repo: o.repo,
    branch: commit,
    commit,
    fromCommit: true,
    baseImage: o.baseImage,
    dockerfile: plan.dockerfile,
    buildType: o.buildType,
    gpuArch: plan.buildArgs.GPU_ARCH ?? gpuArchFor(o.hardware),
    logPath: join(o.logDir, `build_${tag.replace(/[^\w.-]+/g, "_")}.log`),
    onProgress: (line) => svc.log(line),
  };
  svc.log(`building ${tag} from ${commit.slice(0, 12)} (log: ${request.logPath})`);
  const { reused } = await ensureImage(svc.engine, tag, request);
  return { image: tag, source: reused ? "reused" : "built", commit };
}
