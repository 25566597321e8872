/**
 * `sglbench build-image` (the original build_sglang_docker.sh) on real git repositories: a bare origin
 * with a branch and `refs/pull/7/head`, the runner's checkout cloned from it. The engine is a fake that
 * records what it was asked to pull or build and reads the context; one test builds on the real engine.
 */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { run } from "../../src/cli/commands/build-image.js";
import type { BuildImageServices } from "../../src/pipeline/build-image.js";
import { imageTag, type ImageEngine } from "../../src/runner/images.js";
import { captureIO } from "../helpers/capture-io.js";

// Processes and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `sglbench-${prefix}-`));
const gitIn =
  (cwd: string) =>
  async (...args: string[]) =>
    (await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd })).stdout.trim();

/** Writes VERSION and two Dockerfiles, commits, returns the SHA. */
async function commit(dir: string, version: string): Promise<string> {
  const git = gitIn(dir);
  mkdirSync(join(dir, "docker"), { recursive: true });
  copyFileSync("/usr/bin/busybox", join(dir, "busybox"));
  writeFileSync(join(dir, "docker", "Dockerfile.rocm"), "FROM scratch\n");
  writeFileSync(
    join(dir, "docker", "Dockerfile.test"),
    'FROM scratch\nARG BUILD_TYPE\nCOPY busybox /bin/busybox\nCOPY VERSION /VERSION\nRUN ["/bin/busybox", "sh", "-c", "echo type=$BUILD_TYPE > /built"]\n',
  );
  writeFileSync(join(dir, "VERSION"), version);
  await git("add", "-A");
  await git("commit", "-q", "-m", version);
  return git("rev-parse", "HEAD");
}

/** origin (bare) with main, release branch v0.5.5 and refs/pull/7/head; a plain clone as checkout. */
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
  await git("checkout", "-q", "main");
  await execa("git", ["clone", "-q", origin, checkout]);
  const mainMoved = await commit(dev, "main moved");
  await git("push", "-q", "origin", "main");
  return { origin, checkout, base, head, mainMoved };
}

/** A fake engine and registry that record their calls and read the build context's VERSION. */
function fakeServices(tags: string[] = [], present: string[] = []) {
  const calls: { pulls: string[]; builds: { tag: string; dockerfile: string; version: string; args: unknown }[] } = {
    pulls: [],
    builds: [],
  };
  const engine: ImageEngine = {
    hasImage: async (tag) => present.includes(tag),
    pull: async (ref) => {
      if (ref.includes("missing")) throw new Error("manifest unknown");
      calls.pulls.push(ref);
    },
    build: (options) => {
      calls.builds.push({
        tag: options.tag,
        dockerfile: options.dockerfile,
        version: readFileSync(join(options.context, "VERSION"), "utf8"),
        args: options.buildArgs,
      });
      present.push(options.tag);
      return (async function* () {
        yield { stream: "Step 1/1 : FROM scratch\n" };
      })();
    },
  };
  const services = async (log: (line: string) => void): Promise<BuildImageServices> => ({
    engine,
    listTags: async () => tags,
    log,
  });
  return { calls, services };
}

describe("sglbench build-image", () => {
  it("builds a PR's head (never its merge ref) with compare-pr's tag, then reuses it", async () => {
    const { checkout, head } = await repos();
    const { calls, services } = fakeServices();
    const io = captureIO();
    expect(await run(["--pr=7", `--checkout=${checkout}`, "--build-type=srt", "--hardware=mi35x"], io, services)).toBe(
      0,
    );
    const tag = imageTag("pr", head, "rocm/sgl-dev:vllm20250114", 7);
    expect(io.out.join("")).toBe(`${tag}\n`);
    expect(calls.builds).toEqual([
      {
        tag,
        dockerfile: "docker/Dockerfile.rocm",
        version: "pr head",
        args: expect.objectContaining({ BUILD_TYPE: "srt", GPU_ARCH: "gfx950", SGL_BRANCH: head }),
      },
    ]);
    const again = captureIO();
    expect(await run(["--pr=7", `--checkout=${checkout}`], again, services)).toBe(0);
    expect(calls.builds).toHaveLength(1);
    expect(again.err.join("")).toContain(`reused: ${tag}`);
  });

  it("builds a commit or a branch head (--no-pull) with the Dockerfile asked for", async () => {
    const { checkout, base, mainMoved } = await repos();
    const { calls, services } = fakeServices();
    expect(
      await run(
        [`--commit=${base.slice(0, 10)}`, `--checkout=${checkout}`, "--dockerfile-path=docker/Dockerfile.test"],
        captureIO(),
        services,
      ),
    ).toBe(0);
    expect(await run(["--no-pull", `--checkout=${checkout}`, "--tag=mine:latest"], captureIO(), services)).toBe(0);
    expect(calls.builds.map((b) => [b.tag, b.dockerfile, b.version])).toEqual([
      [imageTag("main", base, "rocm/sgl-dev:vllm20250114"), "docker/Dockerfile.test", "base"],
      // The clone was made before main moved: the branch is fetched fresh, so its new head is built.
      ["mine:latest", "docker/Dockerfile.rocm", "main moved"],
    ]);
    expect(mainMoved).not.toBe(base);
  });

  it("pulls main's newest nightly for the hardware, or a release's prebuilt image", async () => {
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Los_Angeles" })
      .format(new Date())
      .replaceAll("-", "");
    const { calls, services } = fakeServices([
      `v0.5.5-rocm700-mi35x-${today}`,
      `v0.5.5-rocm700-mi30x-${today}`,
      `v0.5.5-rocm700-mi30x-${today}-srt`,
    ]);
    const io = captureIO();
    expect(await run([], io, services)).toBe(0);
    expect(io.out.join("")).toBe(`rocm/sgl-dev:v0.5.5-rocm700-mi30x-${today}\n`);
    expect(await run(["--branch=v0.5.4", "--hardware=mi35x"], captureIO(), services)).toBe(0);
    expect(calls.pulls).toEqual([`rocm/sgl-dev:v0.5.5-rocm700-mi30x-${today}`, "lmsysorg/sglang:v0.5.4-rocm700-mi35x"]);
    expect(calls.builds).toEqual([]);
  });

  it("explains a failed pull and a missing nightly instead of a stack trace", async () => {
    const { services } = fakeServices([]);
    const io = captureIO();
    expect(await run([], io, services)).toBe(1);
    expect(io.err.join("")).toMatch(/No rocm\/sgl-dev nightly for mi30x on \d{8} or \d{8}; name a release/);
    const pull = captureIO();
    expect(await run(["--branch=v9.9.9", "--release-repo=missing/repo"], pull, services)).toBe(1);
    expect(pull.err.join("")).toMatch(
      /Cannot pull missing\/repo:v9\.9\.9-rocm700-mi30x: manifest unknown\. .*--no-pull/,
    );
    expect(pull.err.join("")).not.toMatch(/\n\s+at /);
  });

  it("--dry-run shows the plan and touches nothing; the original's flags get their meaning or replacement", async () => {
    const { calls, services } = fakeServices();
    const io = captureIO();
    expect(await run(["--pr=7", "--checkout=/nowhere", "--dry-run", "--container-name=sgl_pr"], io, services)).toBe(0);
    expect(io.out.join("")).toMatch(
      /fetch refs\/pull\/7\/head from origin in \/nowhere\nbuild that exact commit .*BASE_IMAGE=/,
    );
    expect(io.err.join("")).toContain("--container-name is not needed");
    expect(calls).toEqual({ pulls: [], builds: [] });
    const url = captureIO();
    expect(await run(["--github-dockerfile-url=https://x/y"], url, services)).toBe(2);
    expect(url.err.join("")).toContain("--github-dockerfile-url is replaced by --dockerfile-path");
  });

  it("never prints the GitHub token, even when git fails with it", async () => {
    const { services } = fakeServices();
    const token = "ghp_" + "s3cretTokenValue1234567890abcdefABCD";
    const io = captureIO();
    const dir = tmp("nogit");
    expect(await run(["--pr=7", `--checkout=${dir}`, `--github-token=${token}`], io, services)).toBe(1);
    expect(io.err.join("")).toContain("Cannot fetch refs/pull/7/head");
    expect(io.err.join("") + io.out.join("")).not.toContain(token);
    expect(io.err.join("") + io.out.join("")).not.toContain(Buffer.from(`x-access-token:${token}`).toString("base64"));
  });
});

// Against the real engine when one is reachable (the private dockerd of this machine or CI's).
const socket = (process.env.DOCKER_HOST ?? "unix:///tmp/sglbench-docker/docker.sock").replace(/^unix:\/\//, "");
const dockerIt = existsSync(socket) ? it : it.skip;

describe("sglbench build-image on a real Docker engine", () => {
  const built: string[] = [];
  afterAll(async () => {
    const { default: Docker } = await import("dockerode");
    const docker = new Docker({ socketPath: socket });
    for (const tag of built)
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  });

  dockerIt("builds the exact commit with its own Dockerfile; a second call reuses the image", async () => {
    process.env.DOCKER_HOST ??= `unix://${socket}`;
    const { checkout, head } = await repos();
    const tag = `sglbench-test/build-image:${Date.now()}`;
    built.push(tag);
    const args = ["--pr=7", `--checkout=${checkout}`, "--dockerfile-path=docker/Dockerfile.test", `--tag=${tag}`];
    const io = captureIO();
    expect(await run(args, io)).toBe(0);
    expect(io.out.join("")).toBe(`${tag}\n`);
    expect(io.err.join("")).toMatch(new RegExp(`built: ${tag} \\(commit ${head}\\)`));
    const again = captureIO();
    expect(await run(args, again)).toBe(0);
    expect(again.err.join("")).toContain(`reused: ${tag}`);
  });
});
