import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import {
  dockerodeEngine,
  ensureImage,
  imageTag,
  ImageBuildError,
  mergeBase,
  resolveSideImage,
  type ImageEngine,
} from "../../src/runner/images.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

function fakeEngine(
  existing: string[],
  messages: Array<{ stream?: string; error?: string }>,
): ImageEngine & { builds: string[] } {
  const builds: string[] = [];
  return {
    builds,
    hasImage: async (tag) => existing.includes(tag),
    pull: async (ref) => {
      if (ref.includes("missing")) throw new Error("manifest unknown");
      existing.push(ref);
    },
    build: (options) => {
      builds.push(options.tag);
      return (async function* () {
        yield* messages;
      })();
    },
  };
}

const request = (dir: string) => ({
  context: dir,
  repo: "sgl-project/sglang",
  branch: "pull/1234/merge",
  commit: "def4567890ab",
  baseImage: "rocm/sgl-dev:vllm20250114-rocm630",
  logPath: join(dir, "logs", "build.log"),
});

describe("images", () => {
  it("tags by commit and ROCm version", () => {
    expect(imageTag("main", "abc1234567890", "rocm/sgl-dev:rocm640")).toBe("sglbench/sglang:main-abc123456789-rocm640");
    expect(imageTag("pr", "def4567890abcd", "x", 1234)).toBe("sglbench/sglang:pr-1234-def4567890ab-rocm630");
  });

  it("reuses an existing image instead of building", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-img-"));
    const engine = fakeEngine(["t:1"], []);
    expect(await ensureImage(engine, "t:1", request(dir))).toEqual({ tag: "t:1", reused: true });
    expect(engine.builds).toEqual([]);
  });

  it("names the failing step and keeps the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-img-"));
    const engine = fakeEngine(
      [],
      [{ stream: "Step 1/3 : FROM base\n" }, { stream: "Step 2/3 : RUN pip install .\n" }, { error: "exit 1" }],
    );
    const failure = await ensureImage(engine, "t:2", request(dir)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ImageBuildError);
    expect((failure as ImageBuildError).step).toBe("Step 2/3 : RUN pip install .");
    expect(readFileSync(join(dir, "logs", "build.log"), "utf8")).toMatch(/RUN pip install[\s\S]*ERROR: exit 1/);
  });

  it("finds the merge base, not main's tip", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-git-"));
    const git = (...args: string[]) => execa("git", args, { cwd: dir });
    await git("init", "-q", "-b", "main");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "base");
    const base = (await git("rev-parse", "HEAD")).stdout;
    await git("checkout", "-q", "-b", "pr");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "pr");
    await git("checkout", "-q", "main");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "main moves on");
    expect(await mergeBase(dir, "main", "pr")).toBe(base);
    await expect(mergeBase(dir, "main", "nope")).rejects.toThrow(/fetch both refs/);
  });

  it("resolves a side: given images trusted, found, pulled or unpullable; otherwise reused or built by commit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-img-"));
    const engine = fakeEngine(["have:1"], [{ stream: "Step 1/1 : FROM base\n" }]);
    expect(await resolveSideImage(engine, { side: "pr", given: "x:1", trustGiven: true })).toEqual({
      image: "x:1",
      source: "given",
    });
    expect(await resolveSideImage(engine, { side: "main", given: "have:1" })).toEqual({
      image: "have:1",
      source: "present",
    });
    expect(await resolveSideImage(engine, { side: "main", given: "nightly:2" })).toEqual({
      image: "nightly:2",
      source: "pulled",
    });
    await expect(resolveSideImage(engine, { side: "main", given: "missing:3" })).rejects.toThrow(
      /Cannot pull main image missing:3/,
    );
    const build = { ...request(dir), pr: 1234 };
    const first = await resolveSideImage(engine, { side: "pr", build });
    expect(first).toEqual({ image: "sglbench/sglang:pr-1234-def4567890ab-rocm630", source: "built" });
    engine.hasImage = async (tag) => tag === first.image;
    expect((await resolveSideImage(engine, { side: "pr", build })).source).toBe("reused");
    expect(engine.builds).toEqual([first.image]);
    await expect(resolveSideImage(undefined, { side: "pr", build })).rejects.toThrow(/needs a Docker engine/);
  });
});

// Against the real engine when one is reachable (the private dockerd of this machine or CI's).
const socket = (process.env.DOCKER_HOST ?? "unix:///tmp/sglbench-docker/docker.sock").replace(/^unix:\/\//, "");
const dockerIt = existsSync(socket) ? it : it.skip;

describe("images on a real Docker engine", () => {
  const tags: string[] = [];
  afterAll(async () => {
    const { default: Docker } = await import("dockerode");
    const docker = new Docker({ socketPath: socket });
    for (const tag of tags)
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  /** A build context shaped like SGLang's: docker/Dockerfile.rocm using the build args, on a static busybox. */
  function context(run: string): string {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-ctx-"));
    mkdirSync(join(dir, "docker"));
    copyFileSync("/usr/bin/busybox", join(dir, "busybox"));
    writeFileSync(
      join(dir, "docker", "Dockerfile.rocm"),
      `FROM scratch\nARG SGL_BRANCH\nARG BUILD_TYPE\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "${run}"]\n`,
    );
    return dir;
  }

  dockerIt("builds from docker/Dockerfile.rocm with the build args, streams progress, then reuses by tag", async () => {
    process.env.DOCKER_HOST ??= `unix://${socket}`;
    const engine = await dockerodeEngine();
    const dir = context("echo branch=$SGL_BRANCH type=$BUILD_TYPE > /built");
    const tag = `sglbench-test/sglang:main-${Date.now()}`;
    tags.push(tag);
    const progress: string[] = [];
    const req = { ...request(dir), branch: "main", onProgress: (l: string) => progress.push(l) };
    expect(await ensureImage(engine, tag, req)).toEqual({ tag, reused: false });
    expect(progress.join("\n")).toMatch(/Step 5\/5 : RUN[\s\S]*Successfully tagged/);
    expect(readFileSync(req.logPath, "utf8")).toContain("Successfully tagged");
    expect(await ensureImage(engine, tag, req)).toEqual({ tag, reused: true });
  });

  dockerIt("names the failing step and keeps the log when a real build fails", async () => {
    process.env.DOCKER_HOST ??= `unix://${socket}`;
    const engine = await dockerodeEngine();
    const dir = context("echo compiling aiter; exit 3");
    const tag = `sglbench-test/sglang:broken-${Date.now()}`;
    tags.push(tag);
    const failure = (await ensureImage(engine, tag, request(dir)).catch((e: unknown) => e)) as ImageBuildError;
    expect(failure).toBeInstanceOf(ImageBuildError);
    expect(failure.step).toMatch(/^Step 5\/5 : RUN/);
    expect(failure.message).toMatch(/failed at Step 5\/5 : RUN.*returned a non-zero code: 3.*full log: /);
    expect(readFileSync(failure.logPath, "utf8")).toMatch(/compiling aiter[\s\S]*ERROR:/);
    expect(await engine.hasImage(tag)).toBe(false);
  });
});
