/**
 * Every failure names its real cause, its point and its log (issue 15 item 4), on the simulated SGLang:
 * a server crash during the GSM8K gate is server_crashed (relaunched once, then the rest fail), HTTP 500s
 * during the gate are requests_failed (not low_accuracy), a benchmark with failed requests is never
 * judged, a hung bench_serving or GSM8K client is a timeout (one relaunch, then the rest fail), and two
 * hung offline points stop the rest instead of each waiting out its timeout.
 */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { applySuiteOverrides, findSuite, SUITES } from "../../src/core/catalogue/index.js";
import { freeLocalPort as freePort } from "../../src/runner/free-port.js";
import { LocalExecutor } from "../../src/runner/local-executor.js";
import { runSuite, type RunSuiteOptions } from "../../src/runner/run-suite.js";

// Processes, servers and real files: seconds each, more on a busy machine.
jest.setTimeout(120_000);

const SIM_BIN = resolve("test/sim/bin");
const IMAGE = "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013";
const root = mkdtempSync(join(tmpdir(), "sglbench-causes-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gate = { ...findSuite("deepseek-online").gsm8k, numQuestions: 20, parallel: 20, runs: 2 };
const fast = applySuiteOverrides(SUITES, {
  suites: {
    "grok-offline-normal": { batchSizes: [1, 8, 64] },
    "deepseek-online": { values: [4, 1], repeats: 1, prompts: { smallUpTo: 16, small: 10, large: 10 }, gsm8k: gate },
  },
});

async function runOn(suiteId: string, name: string, env: Record<string, string>, extra: Partial<RunSuiteOptions>) {
  const executor = new LocalExecutor({
    env: {
      ...process.env,
      PATH: `${SIM_BIN}${delimiter}${process.env.PATH ?? ""}`,
      SGLSIM_TIME_SCALE: "0.0002",
      SGLSIM_SEED: "7",
      ...env,
    },
    killGraceMs: 1000,
    cwd: mkdtempSync(join(root, "work-")),
  });
  return runSuite({
    suite: findSuite(suiteId, fast),
    image: IMAGE,
    executor,
    outputDir: join(root, name),
    port: await freePort(),
    readyTimeoutMs: 20_000,
    commandTimeoutMs: 30_000,
    ...extra,
  });
}

describe("failure causes on the simulator", () => {
  it("a server crash during the GSM8K gate is server_crashed: relaunched once, then every point fails with it", async () => {
    const { run, folder, exitCode } = await runOn(
      "deepseek-online",
      "gsm8k-crash",
      { SGLSIM_CRASH: "after_requests:5" },
      {},
    );
    expect(exitCode).toBe(1);
    expect(run.points.map((p) => p.failure?.kind)).toEqual(["server_crashed", "server_crashed"]);
    expect(run.points[0]?.failure?.message).toMatch(/the server died during the GSM8K gate/);
    expect(run.points[0]?.failure?.message).toMatch(/again after a relaunch/);
    expect(run.points[0]?.failure?.source).toBe("sglang_server.log");
    expect(run.failures.some((f) => f.kind === "low_accuracy")).toBe(false);
    // Two launches in the one server log: the relaunch happened, and only one.
    const serverLog = readFileSync(join(folder, "sglang_server.log"), "utf8");
    expect(serverLog.match(/^Executing: /gm)?.length).toBe(2);
  });

  it("a bench_serving that hangs is a timeout: the server is relaunched once, then the side's rest fails instead of waiting", async () => {
    const { run, folder, exitCode } = await runOn(
      "deepseek-online",
      "serving-hang",
      { SGLSIM_HANG: "serving:1" },
      { commandTimeoutMs: 8_000 },
    );
    expect(exitCode).toBe(3);
    expect(run.points[0]?.failure).toBeUndefined();
    expect(run.points[0]?.repeats.filter((r) => !r.warmup).length).toBeGreaterThan(0);
    expect(run.points[1]?.failure?.kind).toBe("timeout");
    expect(run.points[1]?.failure?.message).toMatch(/concurrency 1 timed out after 8 s and was killed/);
    expect(run.failures.some((f) => f.kind === "timeout" && /again after a relaunch/.test(f.message))).toBe(true);
    const serverLog = readFileSync(join(folder, "sglang_server.log"), "utf8");
    expect(serverLog.match(/^Executing: /gm)?.length).toBe(2);
  });

  it("a GSM8K client that hangs is a timeout of the gate, not low_accuracy", async () => {
    const { run, exitCode } = await runOn(
      "deepseek-online",
      "gsm8k-hang",
      { SGLSIM_HANG: "gsm8k" },
      { gsm8kTimeoutMs: 5_000 },
    );
    expect(exitCode).toBe(1);
    expect(run.points.map((p) => p.failure?.kind)).toEqual(["timeout", "timeout"]);
    expect(run.points[0]?.failure?.message).toMatch(/GSM8K/);
    expect(run.failures.some((f) => f.kind === "low_accuracy")).toBe(false);
  });

  it("HTTP 500s during the GSM8K gate are requests_failed naming the server log, not low_accuracy", async () => {
    const { run, exitCode } = await runOn("deepseek-online", "gsm8k-500", { SGLSIM_FAIL_REQUESTS: "0.3" }, {});
    expect(exitCode).toBe(1);
    expect(run.points[0]?.failure?.kind).toBe("requests_failed");
    expect(run.points[0]?.failure?.message).toMatch(/HTTP 5xx.*see sglang_server\.log/);
  });

  it("a benchmark with 30 % failed requests is requests_failed with the count, its point and log; never judged", async () => {
    const { run, folder, exitCode } = await runOn(
      "deepseek-online",
      "bench-500",
      { SGLSIM_FAIL_REQUESTS: "0.3" },
      { skipGsm8k: true, points: [4] },
    );
    expect(exitCode).toBe(1);
    const failure = run.points[0]?.failure;
    expect(failure?.kind).toBe("requests_failed");
    expect(failure?.requests?.total).toBe(10);
    expect(failure?.requests?.failed).toBeGreaterThan(0);
    expect(failure?.message).toMatch(/bench_serving at concurrency 4, run 1: \d+ of 10 requests failed \(\d+ %\)/);
    expect(existsSync(join(folder, failure?.source ?? "missing"))).toBe(true);
    expect(run.points[0]?.repeats.filter((r) => !r.warmup)).toEqual([]);
  });

  it("two hung offline points: the remaining points fail as timeout without being run", async () => {
    const { run, exitCode } = await runOn(
      "grok-offline-normal",
      "offline-hang",
      { SGLSIM_HANG: "bench_one_batch" },
      { commandTimeoutMs: 1500 },
    );
    expect(exitCode).toBe(1);
    expect(run.points.map((p) => p.failure?.kind)).toEqual(["timeout", "timeout", "timeout"]);
    expect(run.points[0]?.failure?.message).toMatch(/bench_one_batch at batch size 1 .*timed out after \d+ s/);
    expect(run.points[2]?.failure?.message).toMatch(/^not run: .*second timeout/);
  });
});
