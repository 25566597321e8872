/**
 * The PR image is built from the exact head SHA the request approved, on real git repositories: a bare
 * "origin" holding `refs/pull/7/head` (as GitHub does) and a runner checkout cloned from it. The engine
 * is a fake that records what it was asked to build and reads the context it was given.
 */
import { describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { DEFAULT_PLAN_SUITES } from "../../src/core/plan/index.js";
import { runComparePrJob, type ComparePrJobInput } from "../../src/pipeline/compare-pr-job.js";
import type { ImagePair } from "../../src/pipeline/compare-pr.js";
import {
  buildContextEntries,
  exportCommit,
  fetchPrHead,
  PrHeadMovedError,
  resolvePrCommits,
  type ImageEngine,
} from "../../src/runner/images.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `sglbench-${prefix}-`));
const gitIn =
  (cwd: string) =>
  async (...args: string[]) =>
    (await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })).stdout.trim();

/** Writes VERSION and docker/Dockerfile.rocm, commits, returns the SHA. */
async function commit(dir: string, version: string): Promise<string> {
  const git = gitIn(dir);
  mkdirSync(join(dir, "docker"), { recursive: true });
  writeFileSync(join(dir, "docker", "Dockerfile.rocm"), "FROM scratch\n");
  writeFileSync(join(dir, "VERSION"), version);
  await git("add", "-A");
  await git("commit", "-q", "-m", version);
  return git("rev-parse", "HEAD");
}

/** origin (bare) with main and refs/pull/7/head; the runner's checkout is a plain clone of it. */
async function repos() {
  const root = tmp("git");
  const origin = join(root, "origin.git");
  const dev = join(root, "dev");
  const checkout = join(root, "checkout");
  await execa("git", ["init", "-q", "--bare", "-b", "main", origin]);
  await execa("git", ["init", "-q", "-b", "main", dev]);
  const git = gitIn(dev);
  const base = await commit(dev, "base");
  await git("remote", "add", "origin", origin);
  await git("push", "-q", "origin", "main");
  await git("checkout", "-q", "-b", "feature");
  const head = await commit(dev, "pr head");
  await git("push", "-q", "origin", `${head}:refs/pull/7/head`);
  // What GitHub's merge ref would hold: a different tree that must never be built.
  await git("checkout", "-q", "main");
  await git("merge", "-q", "--no-ff", "-m", "merge", "feature");
  writeFileSync(join(dev, "VERSION"), "merge ref");
  await git("commit", "-q", "-am", "merge ref");
  await git("push", "-q", "origin", "HEAD:refs/pull/7/merge");
  await git("reset", "-q", "--hard", base);
  await execa("git", ["clone", "-q", origin, checkout]);
  /** The author pushes again: refs/pull/7/head moves. */
  const push = async () => {
    await git("checkout", "-q", "feature");
    const moved = await commit(dev, "pushed after the request");
    await git("push", "-q", "-f", "origin", `${moved}:refs/pull/7/head`);
    return moved;
  };
  return { root, checkout, base, head, push };
}

/** Records builds and what each build context holds. */
function recordingEngine(present: string[]) {
  const builds: Array<{
    tag: string;
    args: Record<string, string>;
    dockerfile: string;
    version: string;
    hasGit: boolean;
  }> = [];
  const engine: ImageEngine = {
    hasImage: async (tag) => present.includes(tag),
    pull: async () => undefined,
    build: (options) => {
      builds.push({
        tag: options.tag,
        args: options.buildArgs,
        dockerfile: options.dockerfile,
        version: readFileSync(join(options.context, "VERSION"), "utf8"),
        hasGit: existsSync(join(options.context, ".git")),
      });
      return (async function* () {
        yield { stream: "Step 1/1 : FROM scratch\n" };
      })();
    },
  };
  return { engine, builds };
}

function jobInput(checkout: string, over: Partial<ComparePrJobInput>): ComparePrJobInput {
  return {
    pr: 7,
    repo: "sgl-project/sglang",
    models: ["grok"],
    types: ["offline"],
    repeats: 1,
    baseline: "rerun",
    mainImage: "main:given",
    skipBuild: false,
    baseImage: "rocm/sgl-dev:x-rocm630",
    workDir: checkout,
    outputDir: join(checkout, "..", "out"),
    local: false,
    ...over,
  };
}

/** Runs the job up to the point where both images are resolved, and returns them. */
async function imagesOf(input: ComparePrJobInput, engine: ImageEngine): Promise<ImagePair> {
  let images: ImagePair | undefined;
  const stop = new Error("images resolved");
  const failure = await runComparePrJob(input, {
    engine,
    catalogue: DEFAULT_PLAN_SUITES,
    runSideFor: (pair) => {
      images = pair;
      throw stop;
    },
    comparer: { compare: () => ({ summary: {} as never }), render: () => "" },
  }).catch((e: unknown) => e);
  expect(failure).toBe(stop);
  return images!;
}

describe("the PR image is built from the approved head SHA", () => {
  it("builds exactly the requested commit (not the merge ref), tagged by it, without .git in the context", async () => {
    const r = await repos();
    const { engine, builds } = recordingEngine(["main:given"]);
    const images = await imagesOf(jobInput(r.checkout, { baseSha: r.base, headSha: r.head }), engine);
    expect(images.prCommit).toBe(r.head);
    expect(builds).toHaveLength(1);
    const [build] = builds;
    expect(build!.version).toBe("pr head");
    expect(build!.hasGit).toBe(false);
    expect(build!.args.SGL_BRANCH).toBe(r.head);
    expect(build!.tag).toBe(`sglbench/sglang:pr-7-${r.head.slice(0, 12)}-rocm630`);
    expect(images.pr).toBe(build!.tag);
    expect(JSON.stringify(builds)).not.toMatch(/merge/);
  });

  it("builds with the Dockerfile and build type asked for, as sglbench build-image does", async () => {
    const r = await repos();
    const { engine, builds } = recordingEngine(["main:given"]);
    await imagesOf(
      jobInput(r.checkout, {
        baseSha: r.base,
        headSha: r.head,
        dockerfile: "docker/Dockerfile.mi35x",
        buildType: "srt",
      }),
      engine,
    );
    expect(builds.map((b) => [b.dockerfile, b.args.BUILD_TYPE])).toEqual([["docker/Dockerfile.mi35x", "srt"]]);
  });

  it("refuses a PR whose head moved after the request, building nothing", async () => {
    const r = await repos();
    const moved = await r.push();
    const { engine, builds } = recordingEngine(["main:given"]);
    const failure = await runComparePrJob(jobInput(r.checkout, { baseSha: r.base, headSha: r.head }), {
      engine,
      catalogue: DEFAULT_PLAN_SUITES,
      runSideFor: () => {
        throw new Error("must not run");
      },
      comparer: { compare: () => ({ summary: {} as never }), render: () => "" },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PrHeadMovedError);
    expect((failure as Error).message).toMatch(
      new RegExp(`PR #7 head is now ${moved.slice(0, 12)}, not the requested ${r.head.slice(0, 12)}`),
    );
    expect(builds).toEqual([]);
  });

  it("without a base SHA: merge base from main, head fetched fresh and checked; a stale local ref is not trusted", async () => {
    const r = await repos();
    // A ref left by an earlier request for the same PR.
    await gitIn(r.checkout)("update-ref", "refs/sglbench/pr-7", r.base);
    expect(await resolvePrCommits(r.checkout, 7, r.head)).toEqual({ head: r.head, mergeBase: r.base });
    const moved = await r.push();
    await expect(resolvePrCommits(r.checkout, 7, r.head)).rejects.toBeInstanceOf(PrHeadMovedError);
    expect(await fetchPrHead(r.checkout, 7)).toBe(moved);
    expect(await fetchPrHead(r.checkout, 7, moved.slice(0, 10))).toBe(moved);
  });

  it("exports one commit's tree without .git; a missing commit is named", async () => {
    const r = await repos();
    const dir = await exportCommit(r.checkout, r.base);
    expect(readFileSync(join(dir, "VERSION"), "utf8")).toBe("base");
    expect(existsSync(join(dir, ".git"))).toBe(false);
    await expect(exportCommit(r.checkout, "0".repeat(40))).rejects.toThrow(/Cannot export commit 0{40}/);
    expect(buildContextEntries([".git", "docker", "python", ".github"])).toEqual(["docker", "python", ".github"]);
  });
});
