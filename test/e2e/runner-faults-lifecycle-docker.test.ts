/**
 * The lifecycle faults of runner-faults-lifecycle.test.ts on the Docker executor (engine at
 * DOCKER_HOST, simulator images built from local files): SIGTERM during bench_serving, a SIGKILLed
 * run's server left in the reused container, compare-pr's PR side cancelled. Afterwards no process
 * of the run runs in any container and compare-pr's containers are gone. Skipped when no engine answers.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Docker from "dockerode";
import { findSuite, applySuiteOverrides, SUITES, type Suite } from "../../src/core/catalogue/index.js";
import type { RunResults } from "../../src/core/results/index.js";
import { buildDemoSimImages, demoDockerReachable } from "../../src/pipeline/demo-images.js";
import { DockerExecutor, removeOwnContainers, SGLBENCH_LABEL } from "../../src/runner/docker-executor.js";
import { freeLocalPort, portInUse } from "../../src/runner/free-port.js";
import { runSuite } from "../../src/runner/run-suite.js";
import { startCli } from "../helpers/lifecycle.js";

jest.setTimeout(300_000);

const reachable = await demoDockerReachable(process.env);
if (!reachable)
  console.warn(
    `Skipping Docker lifecycle tests: no Docker engine answers at ${process.env.DOCKER_HOST ?? "/var/run/docker.sock"}`,
  );
const maybe = reachable ? describe : describe.skip;

const BASE = { main: "sglbench-runner-sim:main", pr: "sglbench-runner-sim:pr" };
const FAST = "SGLSIM_TIME_SCALE=0.0002 SGLSIM_MAX_REAL_REQUESTS=4";
const HANG2 = "sglbench-lifecycle-sim:hang2";
const HANG_ALL = "sglbench-lifecycle-sim:hangall";
const DEAF16 = "sglbench-lifecycle-sim:deaf16";
const DEAF_LAUNCH = "sglbench-lifecycle-sim:deaflaunch";
const docker = new Docker();
const tmp = (what: string) => mkdtempSync(join(tmpdir(), `sglbench-lifecycle-docker-${what}-`));
const results = (folder: string): RunResults => JSON.parse(readFileSync(join(folder, "results.json"), "utf8"));

/** An image FROM the simulator image with extra ENV (the CLI passes no environment into the container). */
async function derive(tag: string, env: string): Promise<void> {
  const dir = tmp("image");
  writeFileSync(join(dir, "Dockerfile"), `FROM ${BASE.main}\nENV ${env}\n`);
  const stream = (await docker.buildImage({ context: dir, src: ["Dockerfile"] }, { t: tag })) as NodeJS.ReadableStream;
  await new Promise<void>((res, rej) => docker.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res())));
}

/** Command lines running in a container besides its keep-alive `tail -f /dev/null`. */
async function commandsIn(name: string): Promise<string[]> {
  const top = (await docker.getContainer(name).top({ ps_args: "-o pid,args" })) as { Processes?: string[][] };
  return (top.Processes ?? []).map((p) => p.join(" ")).filter((l) => !/tail -f \/dev\/null/.test(l));
}

const onlineCli = (image: string, out: string, port: number) => [
  "online",
  "--no-gpu",
  `--docker-image=${image}`,
  "--points=1,2",
  "--repeats=1",
  "--skip-gsm8k=true",
  `--port=${port}`,
  `--output-dir=${out}`,
  `--work-dir=${out}`,
];

maybe("run lifecycle faults on the Docker executor", () => {
  const dockerEnv = { ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) };

  beforeAll(async () => {
    await buildDemoSimImages(resolve("."), () => undefined, { tags: BASE });
    await derive(HANG2, `${FAST} SGLSIM_HANG=serving:2`);
    await derive(HANG_ALL, `${FAST} SGLSIM_HANG=serving`);
    await derive(DEAF16, `${FAST} SGLSIM_HANG=one_batch:16 SGLSIM_HANG_IGNORE_TERM=1`);
    await derive(DEAF_LAUNCH, `${FAST} SGLSIM_HANG=launch SGLSIM_HANG_IGNORE_TERM=1`);
  }, 600_000);

  afterAll(async () => {
    for (const name of [
      "sglbench-lifecycle-sim_hang2",
      "sglbench-lifecycle-sim_hangall",
      "sglbench-lifecycle-sim_deaf16",
      "sglbench-lifecycle-sim_deaflaunch",
    ])
      await removeOwnContainers(docker, name);
  });

  it("online in Docker, SIGTERM while bench_serving hangs at rate 2: exit 143, nothing runs in the container, rate 1 kept, port free", async () => {
    const out = tmp("term");
    const port = await freeLocalPort();
    const cli = startCli(onlineCli(HANG2, out, port), dockerEnv, out);
    await cli.waitFor(/request_rate 2/);
    await new Promise((r) => setTimeout(r, 2000));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    expect(await commandsIn("sglbench-lifecycle-sim_hang2")).toEqual([]);
    expect(await portInUse("127.0.0.1", port)).toBe(false);
    const folder = join(out, "online/GROK1");
    const runFolder = join(folder, readdirSync(folder)[0]!);
    const measured = results(runFolder);
    expect(measured.points[0]?.failure).toBeUndefined();
    expect(measured.points[1]?.failure?.kind).toBe("cancelled");
    expect(readFileSync(join(runFolder, "INTERRUPTED"), "utf8")).toMatch(/interrupted by SIGTERM/);
  });

  it("offline in Docker, SIGTERM while bench_one_batch hangs deaf to SIGTERM: SIGKILL inside the container after the grace, exit 143, batch 1 kept", async () => {
    const out = tmp("deaf");
    const cli = startCli(
      ["offline", "--no-gpu", `--docker-image=${DEAF16}`, "--points=1,16", `--output-dir=${out}`, `--work-dir=${out}`],
      dockerEnv,
      out,
    );
    await cli.waitFor(/point 2\/2/);
    await new Promise((r) => setTimeout(r, 2000));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    expect(await commandsIn("sglbench-lifecycle-sim_deaf16")).toEqual([]);
    const folder = join(out, "offline/GROK1");
    const measured = results(join(folder, readdirSync(folder)[0]!));
    expect(measured.points[0]?.failure).toBeUndefined();
    expect(measured.points[1]?.failure?.kind).toBe("cancelled");
  });

  it("online in Docker, launch_server hangs deaf to SIGTERM: never_ready on every point, exit 1, nothing left in the container", async () => {
    const out = tmp("launch");
    const port = await freeLocalPort();
    const cli = startCli([...onlineCli(DEAF_LAUNCH, out, port), "--ready-timeout=3"], dockerEnv, out);
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(1);
    expect(await commandsIn("sglbench-lifecycle-sim_deaflaunch")).toEqual([]);
    const folder = join(out, "online/GROK1");
    const measured = results(join(folder, readdirSync(folder)[0]!));
    expect(measured.points.map((p) => p.failure?.kind)).toEqual(["never_ready", "never_ready"]);
  });

  it("a SIGKILLed run leaves its server in the container; the next executor on it restarts it and measures its own server", async () => {
    const out = tmp("kill");
    const port = await freeLocalPort();
    const name = "sglbench-lifecycle-sim_hangall";
    const cli = startCli(onlineCli(HANG_ALL, out, port), dockerEnv, out);
    await cli.waitFor(/request_rate 1/);
    await new Promise((r) => setTimeout(r, 2000));
    cli.child.kill("SIGKILL");
    await cli.done;
    expect((await commandsIn(name)).some((l) => l.includes("sglang.launch_server"))).toBe(true);
    expect(await portInUse("127.0.0.1", port)).toBe(true);

    const lines: string[] = [];
    const exe = await DockerExecutor.start({
      docker,
      image: HANG_ALL,
      name,
      devices: [],
      pull: false,
      env: { SGLSIM_HANG: "" },
      removeOnClose: true,
      killGraceMs: 1000,
      onPullProgress: (l) => lines.push(l),
    });
    try {
      expect(lines.join("\n")).toContain("earlier sglbench run that is gone: restarting it");
      expect(await commandsIn(name)).toEqual([]);
      const suite: Suite = findSuite(
        "grok-online",
        applySuiteOverrides(SUITES, { suites: { "grok-online": { values: [1], repeats: 1 } } }),
      );
      const outcome = await runSuite({
        suite,
        image: HANG_ALL,
        executor: exe,
        outputDir: tmp("next"),
        port,
        skipGsm8k: true,
      });
      expect(outcome.exitCode).toBe(0);
    } finally {
      await exe.close();
    }
    // The container a dead run left behind is removed like one this run created.
    const left = await docker.listContainers({ all: true, filters: { label: [`${SGLBENCH_LABEL}=1`] } });
    expect(left.map((c) => c.Names[0])).not.toContain(`/${name}`);
  });

  it("compare-pr in Docker, SIGTERM while the PR side hangs: exit 143, report written, the step containers removed", async () => {
    const dir = tmp("compare-pr");
    const cli = startCli(
      [
        "compare-pr",
        "--pr=42",
        "--models=grok",
        "--types=offline",
        "--repeats=1",
        "--baseline=rerun",
        "--skip-build",
        `--main-image=${BASE.main}`,
        `--pr-image=${BASE.pr}`,
        "--base-sha=abcdef0123456789abcdef0123456789abcdef01",
        "--head-sha=feed000000000000000000000000000000000042",
        `--work-dir=${dir}`,
        `--main-env=SGLSIM_TIME_SCALE=0.0002`,
        `--pr-env=SGLSIM_TIME_SCALE=0.0002,SGLSIM_HANG=one_batch`,
        "--port=auto",
      ],
      dockerEnv,
      dir,
    );
    await cli.waitFor(/Running .* pr block 1/);
    await new Promise((r) => setTimeout(r, 3000));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    expect(cli.output()).toMatch(/Report: .*comparison_report\.md/);
    const left = await docker.listContainers({ all: true, filters: { label: [`${SGLBENCH_LABEL}=1`] } });
    expect(left.map((c) => c.Names[0])).not.toContain("/sglbench-runner-sim_pr");
    expect(left.map((c) => c.Names[0])).not.toContain("/sglbench-runner-sim_main");
  });
});
