/**
 * Runs that are cancelled, killed or hung never poison the next one (issue 15 items 1, 2, 8), on the
 * simulator, locally: SIGTERM during bench_serving / GSM8K / bench_one_batch / compare-pr's PR side,
 * a SIGKILLed run's leftover server, a hung launch_server, a port taken by another program, HTTP
 * errors. Each: the documented exit code, nothing of the run left running, a run folder naming the
 * cause and point, what finished kept, and the next run on the same port unaffected.
 */
import { describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { freeLocalPort, portInUse } from "../../src/runner/free-port.js";
import type { RunResults } from "../../src/core/results/index.js";
import { pacificDate } from "../../src/core/catalogue/index.js";
import { captureIO } from "../helpers/capture-io.js";
import { eventually, processesOwnedBy, SIM_PATH, startCli, startEntry } from "../helpers/lifecycle.js";

// Real processes and servers on a shared, slow machine.
jest.setTimeout(240_000);

const IMAGE = "rocm/sgl-dev:20250623";
const ONLINE_FOLDER = "online/GROK1/20250623_GROK1_MOE-I4F8_online";
const SIM = { SGLSIM_TIME_SCALE: "0.0002", SGLSIM_MAX_REAL_REQUESTS: "4", SGLSIM_GSM8K_REAL_REQUESTS: "4" };
const tmp = (what: string) => mkdtempSync(join(tmpdir(), `sglbench-lifecycle-${what}-`));

const onlineArgs = (out: string, port: number | "auto", extra: string[] = []) => [
  "online",
  "--local",
  IMAGE,
  "--points=1,2",
  "--repeats=1",
  "--skip-gsm8k=true",
  `--port=${port}`,
  `--output-dir=${out}`,
  `--work-dir=${out}`,
  ...extra,
];

const results = (folder: string): RunResults => JSON.parse(readFileSync(join(folder, "results.json"), "utf8"));

/** `sglbench online` in this process (its commands are owned by this process), on the simulator. */
async function onlineHere(out: string, port: number | "auto", env: Record<string, string> = {}, extra: string[] = []) {
  const io = { ...captureIO(out), env: { ...process.env, PATH: SIM_PATH, ...SIM, ...env } };
  const code = await main(onlineArgs(out, port, extra), io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

/** After SIGTERM: nothing the CLI started survives 15 s, and the port is free again. */
async function expectNothingLeft(pid: number, port?: number) {
  expect(await eventually(() => processesOwnedBy(pid).length === 0, 15_000)).toBe(true);
  if (port !== undefined) expect(await portInUse("127.0.0.1", port)).toBe(false);
}

describe("usage", () => {
  it("every command that launches a server documents --port (auto) and its exit codes on a signal", async () => {
    for (const command of ["offline", "online", "compare-pr", "nightly"]) {
      const io = captureIO();
      expect(await main([command, "--help"], io)).toBe(0);
      const text = io.out.join("");
      expect(text).toMatch(/--port[= ]N\|auto/);
      expect(text).toContain("143/130");
      if (command === "offline" || command === "online") expect(text).toContain("--ready-timeout=S");
    }
  });

  it("a bad --port is a usage error naming the flag", async () => {
    const io = captureIO();
    expect(await main(["online", "--port=70000", "--dry-run"], io)).toBe(2);
    expect(io.err.join("")).toContain('--port must be a TCP port (1-65535) or auto, got "70000"');
  });
});

describe("SIGTERM stops a running command cleanly", () => {
  it("online, SIGTERM while bench_serving hangs at rate 2: exit 143, rate 1 kept, rate 2 cancelled, INTERRUPTED, nothing left; the next run is unaffected", async () => {
    const out = tmp("online-term");
    const port = await freeLocalPort();
    const cli = startCli(onlineArgs(out, port), { ...SIM, SGLSIM_HANG: "serving:2" }, out);
    await cli.waitFor(/request_rate 2/);
    await new Promise((r) => setTimeout(r, 1500));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    expect(cli.output()).toContain("interrupted by SIGTERM");
    await expectNothingLeft(cli.pid, port);
    const folder = join(out, ONLINE_FOLDER);
    expect(readFileSync(join(folder, "INTERRUPTED"), "utf8")).toMatch(/^interrupted by SIGTERM at /);
    const run = results(folder);
    expect(run.points[0]?.failure).toBeUndefined();
    expect(run.points[0]?.repeats.filter((r) => !r.warmup)).toHaveLength(1);
    expect(run.points[1]?.failure?.kind).toBe("cancelled");
    expect(run.points[1]?.failure?.point?.request_rate).toBe(2);
    expect(run.failures.some((f) => f.kind === "cancelled" && f.message.includes("interrupted by SIGTERM"))).toBe(true);

    // The next run on the same port measures its own server and completes the cancelled point.
    const next = await onlineHere(out, port);
    expect(next.err).toBe("");
    expect(next.code).toBe(0);
    expect(results(folder).points.every((p) => !p.failure)).toBe(true);
    expect(existsSync(join(folder, "INTERRUPTED"))).toBe(false);
  });

  it("online, SIGINT while the GSM8K client hangs: exit 130, the gate cancelled, nothing left", async () => {
    const out = tmp("gsm8k-int");
    const port = await freeLocalPort();
    const args = onlineArgs(out, port).filter((a) => !a.startsWith("--skip-gsm8k"));
    const cli = startCli(args, { ...SIM, SGLSIM_HANG: "gsm8k" }, out);
    await cli.waitFor(/GSM8K gate/);
    await new Promise((r) => setTimeout(r, 1500));
    cli.child.kill("SIGINT");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(130);
    await expectNothingLeft(cli.pid, port);
    const run = results(join(out, ONLINE_FOLDER));
    expect(run.points.every((p) => p.failure?.kind === "cancelled")).toBe(true);
    expect(run.failures.some((f) => f.message.includes("interrupted by SIGINT"))).toBe(true);
  });

  it("offline, SIGTERM while bench_one_batch hangs (deaf to SIGTERM) at batch 16: exit 143, batch 1 kept, nothing left", async () => {
    const out = tmp("offline-term");
    const cli = startCli(
      ["offline", "--local", IMAGE, "--points=1,16", `--output-dir=${out}`, `--work-dir=${out}`],
      { ...SIM, SGLSIM_HANG: "one_batch:16", SGLSIM_HANG_IGNORE_TERM: "1" },
      out,
    );
    await cli.waitFor(/batch_size=16|bs=16|16\b.*bench_one_batch|point 2\/2/);
    await new Promise((r) => setTimeout(r, 1500));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    await expectNothingLeft(cli.pid);
    const folder = join(out, "offline/GROK1");
    const runFolder = join(folder, readdirSync(folder)[0]!);
    const run = results(runFolder);
    expect(run.points[0]?.failure).toBeUndefined();
    expect(run.points[1]?.failure?.kind).toBe("cancelled");
    expect(existsSync(join(runFolder, "INTERRUPTED"))).toBe(true);
  });

  it("compare-pr, SIGTERM while the PR side hangs: exit 143, the report is written with main measured and the PR cells cancelled", async () => {
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
        "--main-image=sglbench-sim:main",
        "--pr-image=sglbench-sim:pr",
        "--local",
        "--base-sha=abcdef0123456789abcdef0123456789abcdef01",
        "--head-sha=feed000000000000000000000000000000000042",
        `--work-dir=${dir}`,
        "--pr-env=SGLSIM_HANG=one_batch",
        "--port=auto",
      ],
      SIM,
      dir,
    );
    await cli.waitFor(/Running .* pr block 1/);
    await new Promise((r) => setTimeout(r, 1500));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    await expectNothingLeft(cli.pid);
    expect(cli.output()).toMatch(/Report: .*comparison_report\.md/);
    const root = join(dir, "comparison_results");
    const cmp = join(root, readdirSync(root)[0]!);
    const record = JSON.parse(readFileSync(join(cmp, "results.json"), "utf8")) as {
      runs: { main: RunResults[]; pr: RunResults[] };
    };
    expect(record.runs.main[0]?.points.some((p) => p.repeats.length > 0)).toBe(true);
    expect(record.runs.pr[0]?.points.every((p) => !p.repeats.some((r) => !r.warmup))).toBe(true);
    expect(JSON.stringify(record.runs.pr)).toContain("cancelled");
  });
});

describe("nightly", () => {
  it("SIGTERM while bench_one_batch hangs at batch 16: exit 143, the finished batches kept, the report written, the lock released", async () => {
    const dir = tmp("nightly");
    const today = pacificDate(new Date());
    const image = `rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-${today}`;
    const cli = startCli(
      ["nightly", "--local", "--model", "grok1", "--mode", "offline", "--image", image, "--lock-dir", dir],
      { ...SIM, SGLSIM_HANG: "one_batch:16", BENCHMARK_CI_DIR: join(dir, "hist") },
      dir,
    );
    await cli.waitFor(/tp8_bs16/);
    await new Promise((r) => setTimeout(r, 1500));
    cli.child.kill("SIGTERM");
    const { exitCode } = await cli.done;
    expect(exitCode).toBe(143);
    await expectNothingLeft(cli.pid);
    const folder = join(dir, "hist/offline/GROK1", `v0.5.3.post1-rocm630-mi30x-${today}_GROK1_MOE-I4F8_offline`);
    const run = results(folder);
    expect(run.points.filter((p) => p.repeats.length > 0).map((p) => p.point.batch_size)).toEqual([1, 2, 4, 8]);
    expect(run.points.find((p) => p.point.batch_size === 16)?.failure?.kind).toBe("cancelled");
    expect(existsSync(join(dir, "hist/nightly_reports", `${today}_grok1_offline.json`))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith(".lock"))).toEqual([]);
  });
});

describe("the Action", () => {
  it("command: compare-pr, SIGTERM (a cancelled job) while the PR side hangs: exit 143, outputs and the summary still written", async () => {
    const dir = tmp("action");
    const output = join(dir, "output");
    const summary = join(dir, "summary.md");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const action = startEntry(
      "src/action/index.ts",
      [],
      {
        ...SIM,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_WORKSPACE: dir,
        ACTIONS_RUNTIME_TOKEN: "",
        SGLBENCH_PORT: "auto",
        INPUT_COMMAND: "compare-pr",
        INPUT_EXECUTOR: "local",
        INPUT_PR: "42",
        INPUT_MODELS: "grok",
        INPUT_TYPES: "offline",
        INPUT_REPEATS: "1",
        INPUT_BASELINE: "rerun",
        "INPUT_SKIP-BUILD": "true",
        "INPUT_MAIN-IMAGE": "sglbench-sim:main",
        "INPUT_PR-IMAGE": "sglbench-sim:pr",
        "INPUT_BASE-SHA": "abcdef0123456789abcdef0123456789abcdef01",
        "INPUT_MAIN-ENV": `PATH=${SIM_PATH}`,
        "INPUT_PR-ENV": `PATH=${SIM_PATH}\nSGLSIM_HANG=one_batch`,
      },
      dir,
    );
    await action.waitFor(/Running .* pr block 1/);
    await new Promise((r) => setTimeout(r, 1500));
    action.child.kill("SIGTERM");
    const { exitCode } = await action.done;
    expect(exitCode).toBe(143);
    await expectNothingLeft(action.pid);
    expect(readFileSync(output, "utf8")).toMatch(/report-path<<[\s\S]*comparison_report\.md/);
    expect(readFileSync(summary, "utf8").length).toBeGreaterThan(0);
  });
});

describe("a killed run's leftovers, a hung server, a busy port, HTTP errors", () => {
  it("a SIGKILLed run leaves its server and client; the next run stops exactly those and measures its own server", async () => {
    const out = tmp("leftover");
    const port = await freeLocalPort();
    const cli = startCli(onlineArgs(out, port), { ...SIM, SGLSIM_HANG: "serving" }, out);
    await cli.waitFor(/request_rate 1/);
    await new Promise((r) => setTimeout(r, 1500));
    cli.child.kill("SIGKILL");
    await cli.done;
    const left = processesOwnedBy(cli.pid);
    expect(left.some((p) => p.includes("sglang.launch_server"))).toBe(true);
    expect(await portInUse("127.0.0.1", port)).toBe(true);

    const next = await onlineHere(out, port);
    expect(next.out).toContain("stopping a leftover of an earlier sglbench run");
    expect(next.err).toBe("");
    expect(next.code).toBe(0);
    expect(processesOwnedBy(cli.pid)).toEqual([]);
    expect(processesOwnedBy(process.pid)).toEqual([]);
  });

  it("a launch_server that hangs (deaf to SIGTERM) is never ready: never_ready on every point, exit 1, nothing left", async () => {
    const out = tmp("launch-hang");
    const port = await freeLocalPort();
    const run = await onlineHere(out, port, { SGLSIM_HANG: "launch", SGLSIM_HANG_IGNORE_TERM: "1" }, [
      "--ready-timeout=3",
    ]);
    expect(run.code).toBe(1);
    const folder = join(out, ONLINE_FOLDER);
    expect(results(folder).points.map((p) => p.failure?.kind)).toEqual(["never_ready", "never_ready"]);
    expect(await eventually(() => processesOwnedBy(process.pid).length === 0, 15_000)).toBe(true);
    expect((await onlineHere(out, port)).code).toBe(0);
  });

  it("a port another program listens on: exit 1 naming the port, that program untouched; --port=auto runs", async () => {
    const out = tmp("busy");
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const port = (other.address() as { port: number }).port;
    try {
      const busy = await onlineHere(out, port);
      expect(busy.code).toBe(1);
      expect(busy.err).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(other.listening).toBe(true);
      const auto = await onlineHere(out, "auto");
      expect(auto.code).toBe(0);
    } finally {
      other.close();
    }
  });

  it("HTTP 500 on every request: the points fail, the server is stopped, the next run is unaffected", async () => {
    const out = tmp("http");
    const port = await freeLocalPort();
    const bad = await onlineHere(out, port, { SGLSIM_FAIL_REQUESTS: "1" });
    expect(bad.code).toBe(1);
    expect(results(join(out, ONLINE_FOLDER)).points.every((p) => p.failure !== undefined)).toBe(true);
    expect(processesOwnedBy(process.pid)).toEqual([]);
    expect(await portInUse("127.0.0.1", port)).toBe(false);
    expect((await onlineHere(out, port)).code).toBe(0);
  });
});
