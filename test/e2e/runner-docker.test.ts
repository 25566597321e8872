/**
 * The Docker executor and runSuite inside a real container on the engine at DOCKER_HOST, using an image
 * built from local files (host node + its libraries + static busybox + test/sim; see pipeline/demo-images.ts).
 * Skipped, with a message, only when no engine answers.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { freeLocalPort as freePort } from "../../src/runner/free-port.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Docker from "dockerode";
import { applySuiteOverrides, findSuite, SUITES } from "../../src/core/catalogue/index.js";
import { buildDemoSimImages, demoDockerReachable } from "../../src/pipeline/demo-images.js";
import { sideMounts } from "../../src/pipeline/compare-pr-services.js";
import { DockerExecutor, ensureImage, removeOwnContainers, SGLBENCH_LABEL } from "../../src/runner/docker-executor.js";
import { runSuite } from "../../src/runner/run-suite.js";
import { main } from "../../src/cli/main.js";
import { captureIO } from "../helpers/capture-io.js";
import { ingestPaths } from "../../src/store/ingest.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const reachable = await demoDockerReachable(process.env);
if (!reachable)
  console.warn(
    `Skipping Docker runner tests: no Docker engine answers at ${process.env.DOCKER_HOST ?? "/var/run/docker.sock"}`,
  );
const maybe = reachable ? describe : describe.skip;

const IMAGE = "sglbench-runner-sim:main";
const NAME = `sglbench-runner-test-${process.pid}`;
const docker = new Docker();
let exe: DockerExecutor;

maybe("DockerExecutor on a real engine", () => {
  beforeAll(async () => {
    await buildDemoSimImages(resolve("."), () => undefined, { tags: { main: IMAGE, pr: "sglbench-runner-sim:pr" } });
    exe = await DockerExecutor.start({
      docker,
      image: IMAGE,
      name: NAME,
      devices: [],
      shmSizeBytes: 64 * 1024 ** 2,
      env: { SGLSIM_TIME_SCALE: "0.0002", SGLSIM_SEED: "3" },
      pull: false,
      removeOnClose: true,
      killGraceMs: 1000,
    });
  }, 300_000);

  afterAll(async () => {
    await exe?.close();
    await removeOwnContainers(docker, NAME);
  });

  it("creates a labelled container with host networking and no GPU devices", async () => {
    const info = await exe.container.inspect();
    expect(info.Config.Labels?.[SGLBENCH_LABEL]).toBe("1");
    expect(info.HostConfig.NetworkMode).toBe("host");
    expect(info.HostConfig.IpcMode).toBe("host");
    expect(info.HostConfig.CapAdd).toContain("SYS_PTRACE");
    expect(info.HostConfig.Devices ?? []).toEqual([]);
  });

  it("streams lines, passes env and returns the exit code", async () => {
    const lines: string[] = [];
    const r = await exe.exec(["sh", "-c", 'echo "a $X"; echo b >&2; exit 4'], {
      env: { X: "1" },
      onLine: (l) => lines.push(l),
    });
    expect(r.exitCode).toBe(4);
    expect(lines.sort()).toEqual(["a 1", "b"]);
  });

  it("kills the whole process tree in the container on timeout", async () => {
    const r = await exe.exec(["sh", "-c", "sleep 300 & sleep 300"], { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    const ps: string[] = [];
    await exe.exec(["ps", "-o", "args"], { onLine: (l) => ps.push(l) });
    expect(ps.filter((l) => l.includes("sleep 300"))).toEqual([]);
  });

  it("reuses its own container and refuses a container it did not create", async () => {
    const again = await DockerExecutor.start({ docker, image: IMAGE, name: NAME, devices: [], pull: false });
    expect((await again.container.inspect()).Id).toBe((await exe.container.inspect()).Id);
    const foreign = `sglbench-foreign-${process.pid}`;
    await docker.createContainer({ name: foreign, Image: IMAGE, Entrypoint: ["tail"], Cmd: ["-f", "/dev/null"] });
    try {
      await expect(
        DockerExecutor.start({ docker, image: IMAGE, name: foreign, devices: [], pull: false }),
      ).rejects.toThrow(/not created by sglbench/);
      expect(await removeOwnContainers(docker, foreign)).toEqual([]);
    } finally {
      await docker.getContainer(foreign).remove({ force: true });
    }
  });

  it("read-only paths cannot be written from inside; only the bound output folder can", async () => {
    const models = mkdtempSync(join(tmpdir(), "sglbench-ro-models-"));
    const out = mkdtempSync(join(tmpdir(), "sglbench-rw-out-"));
    const name = `${NAME}-mounts`;
    const boxed = await DockerExecutor.start({
      docker,
      image: IMAGE,
      name,
      devices: [],
      pull: false,
      removeOnClose: true,
      ...sideMounts(out, [models]),
    });
    try {
      const info = await boxed.container.inspect();
      expect(info.HostConfig.Binds).toEqual([`${models}:${models}:ro`, `${out}:${out}`]);
      expect((await boxed.exec(["sh", "-c", `echo x > ${models}/written`])).exitCode).not.toBe(0);
      expect(existsSync(join(models, "written"))).toBe(false);
      expect((await boxed.exec(["sh", "-c", `echo x > ${out}/written`])).exitCode).toBe(0);
      expect(existsSync(join(out, "written"))).toBe(true);
    } finally {
      await boxed.close();
    }
  });

  it("a pull of an image no registry has fails with the image named", async () => {
    await expect(ensureImage(docker, "sglbench-no-such-image:v0", false)).rejects.toThrow(
      /sglbench-no-such-image:v0 is not present/,
    );
    await expect(ensureImage(docker, "127.0.0.1:1/sglbench-no-such:v0", true)).rejects.toThrow(
      /Cannot pull 127\.0\.0\.1:1\/sglbench-no-such:v0/,
    );
  });

  it("runs the Grok offline and online suites inside the container; ingest reads the folders back", async () => {
    const fast = applySuiteOverrides(SUITES, {
      suites: {
        "grok-offline-normal": { batchSizes: [1, 16] },
        "grok-online": { values: [2], repeats: 2, prompts: { perValue: 4, cap: 8 } },
      },
    });
    const outputDir = mkdtempSync(join(tmpdir(), "sglbench-runner-docker-"));
    const offline = await runSuite({
      suite: findSuite("grok-offline-normal", fast),
      image: IMAGE,
      executor: exe,
      outputDir,
    });
    expect(offline.exitCode).toBe(0);
    expect(offline.run.points.every((p) => p.repeats.length === 1)).toBe(true);
    const online = await runSuite({
      suite: findSuite("grok-online", fast),
      image: IMAGE,
      executor: exe,
      outputDir,
      port: await freePort(),
      skipGsm8k: true,
      readyTimeoutMs: 30_000,
    });
    expect(online.exitCode).toBe(0);
    expect(readdirSync(online.folder).some((f) => f.startsWith("sglang_client_log_GROK1_"))).toBe(true);
    const { runs } = await ingestPaths([outputDir]);
    expect(runs.map((r) => r.kind).sort()).toEqual(["offline", "online"]);
    const ps: string[] = [];
    await exe.exec(["ps", "-o", "args"], { onLine: (l) => ps.push(l) });
    expect(ps.filter((l) => l.includes("launch_server"))).toEqual([]);
  }, 120_000);

  it("faults inside the container: OOM at a batch size, cancel mid-run (server stopped, partial results kept)", async () => {
    const fast = applySuiteOverrides(SUITES, {
      suites: {
        "grok-offline-normal": { batchSizes: [1, 16] },
        "grok-online": { values: [1, 2], repeats: 2, prompts: { perValue: 4, cap: 8 } },
      },
    });
    const outputDir = mkdtempSync(join(tmpdir(), "sglbench-runner-docker-"));
    const oomExe = await DockerExecutor.start({
      docker,
      image: IMAGE,
      name: NAME,
      devices: [],
      pull: false,
      env: { SGLSIM_TIME_SCALE: "0.0002", SGLSIM_OOM_AT_BS: "16" },
    });
    const offline = await runSuite({
      suite: findSuite("grok-offline-normal", fast),
      image: IMAGE,
      executor: oomExe,
      outputDir,
    });
    expect(offline.exitCode).toBe(3);
    expect(offline.run.points[1]?.failure?.kind).toBe("oom");
    const ac = new AbortController();
    const online = await runSuite({
      suite: findSuite("grok-online", fast),
      image: IMAGE,
      executor: exe,
      outputDir,
      port: await freePort(),
      skipGsm8k: true,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.point?.index === 2) ac.abort();
      },
    });
    expect(online.exitCode).toBe(3);
    expect(online.run.points[1]?.failure?.kind).toBe("cancelled");
    expect(online.run.points[0]?.repeats.filter((r) => !r.warmup)).toHaveLength(2);
    const ps: string[] = [];
    await exe.exec(["ps", "-o", "args"], { onLine: (l) => ps.push(l) });
    expect(ps.filter((l) => l.includes("sglang."))).toEqual([]);
  }, 120_000);

  it("sglbench offline --no-gpu runs in a container named <repo>_<tag> and leaves it for reuse", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-runner-docker-cli-"));
    const io = { ...captureIO(out), env: process.env };
    try {
      const code = await main(
        ["offline", "--no-gpu", `--docker-image=${IMAGE}`, "--points=1,2", `--work-dir=${out}`],
        io,
      );
      expect(io.err.join("")).toBe("");
      expect(code).toBe(0);
      const info = await docker.getContainer("sglbench-runner-sim_main").inspect();
      expect(info.Config.Labels?.[SGLBENCH_LABEL]).toBe("1");
      expect(info.HostConfig.Binds).toContain(`${out}:${out}`);
      const { runs } = await ingestPaths([out]);
      expect(runs[0]?.points.map((p) => p.point.batch_size)).toEqual([1, 2]);
    } finally {
      expect(await removeOwnContainers(docker, "sglbench-runner-sim_main")).toEqual(["sglbench-runner-sim_main"]);
    }
  }, 120_000);
});
