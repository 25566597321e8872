/**
 * compare-pr end to end on the simulated SGLang with the production services (runner + verdicts),
 * locally: the demo's decode regression, baseline reuse after an anchor, anchor disagreement, a PR
 * side that crashes, and the Action's entry (compare-pr and suite) filling GITHUB_OUTPUT.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execa } from "execa";
import { delimiter, join, resolve } from "node:path";
import { findSuite } from "../../src/core/catalogue/index.js";
import type { Comparison } from "../../src/core/verdict/index.js";
import { run } from "../../src/action/run.js";
import { runComparePrJob, type ComparePrJobInput } from "../../src/pipeline/compare-pr-job.js";
import { defaultComparePrServices } from "../../src/pipeline/compare-pr-services.js";
import { runDemo, verdictLines } from "../../src/pipeline/demo.js";
import { LocalExecutor } from "../../src/runner/local-executor.js";
import { runSuite } from "../../src/runner/run-suite.js";
import { freePort } from "../helpers/app-standin.js";
import { captureStdout } from "../helpers/capture-io.js";
import { localJobInput } from "../helpers/compare-pr-fakes.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const SIM_BIN = resolve("test/sim/bin");
const PATH = `${SIM_BIN}${delimiter}${process.env.PATH ?? ""}`;
// Low simulator noise: the 5 % decode change is then far outside it and no other cell can reach 2 %.
const SIM = { PATH, SGLSIM_NOISE: "0.004" };
const MERGE_BASE = "abcdef0123456789abcdef0123456789abcdef01";
const MAIN_IMAGE = `sglbench-sim:main-${MERGE_BASE.slice(0, 12)}`;
const saved = { ...process.env };

beforeAll(() => {
  process.env.SGLSIM_NOISE = SIM.SGLSIM_NOISE;
});
afterAll(() => {
  process.env = { ...saved };
});

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `sglbench-${prefix}-`));
const quietLog = () => undefined;

function jobInput(dir: string, over: Partial<ComparePrJobInput> = {}): ComparePrJobInput {
  return localJobInput(dir, MERGE_BASE, over);
}

/** The production services on the simulator, locally, on a free port; `prExtra` changes the PR side. */
async function simServices(prExtra: Record<string, string> = {}, hardware?: string) {
  return defaultComparePrServices({
    local: true,
    mainEnv: SIM,
    prEnv: { ...SIM, ...prExtra },
    log: quietLog,
    port: await freePort(),
    ...(hardware ? { hardware } : {}),
  });
}

/** A nightly of the merge-base image on the simulator, stored as history. */
async function nightlyHistory(dir: string, env: Record<string, string> = {}, repeats = 2): Promise<string> {
  const history = join(dir, "history");
  mkdirSync(history, { recursive: true });
  await runSuite({
    port: await freePort(),
    suite: findSuite("deepseek-online"),
    image: MAIN_IMAGE,
    // bench_serving drops its JSONL in the working directory: keep it out of the checkout.
    executor: new LocalExecutor({ env: { ...process.env, ...SIM, ...env }, cwd: history }),
    outputDir: history,
    repeats,
  });
  return history;
}

describe("compare-pr on the simulated SGLang (production services, local)", () => {
  it("the demo flags the PR's 5 % slower decode 🔴 and nothing that decode does not drive", async () => {
    const { mode, result } = await runDemo({
      mode: "local",
      outputDir: tmp("demo-e2e"),
      simBin: SIM_BIN,
      models: ["deepseek"],
      types: ["online"],
      repeats: 5,
      log: quietLog,
      services: async (options) => defaultComparePrServices({ ...options, port: await freePort() }),
      dockerReachable: async () => false,
      buildSimImages: async () => {
        throw new Error("not used");
      },
    });
    expect(mode).toBe("local");
    expect(result.verdict).toBe("regressed");
    expect(result.counts.improved).toBe(0);
    expect(result.counts.failed).toBe(0);
    const flagged = verdictLines(result.reportMarkdown);
    expect(flagged.every((line) => line.includes("🔴"))).toBe(true);
    // Inter-token latency is pure decode: it moves at every concurrency.
    const itl = flagged.filter((line) => /\| Median ITL \(ms\) \|/.test(line));
    expect(itl.length).toBeGreaterThanOrEqual(4);
    // Without queueing (concurrency 1 and 4) the time to the first token does not depend on decode.
    expect(flagged.filter((line) => /concurrency [14] \|.*TTFT/.test(line))).toEqual([]);
    // The demo's own comparison_report.md reads as the issue asks: the answer first, in words.
    const report = readFileSync(result.reportPath, "utf8");
    expect(report).toContain("Verdict: regressed");
    // Its reproduce line names what made the PR side differ.
    expect(report).toMatch(/sglbench compare-pr --pr=1 .*--local --pr-env=SGLSIM_DECODE_SPEED=\d/);
    const lines = report.split("\n");
    expect(
      lines
        .slice(0, 5)
        .some((l) =>
          /^### 🔴 Merging #1 makes DeepSeek-V3 (decode|end-to-end|prefill) \d+\.\d % (slower|lower throughput): [A-Z][\w ]+, concurrency \d+ · deepseek-online/.test(
            l,
          ),
        ),
    ).toBe(true);
    const fold = lines.findIndex((l) => l.startsWith("<details"));
    expect(fold).toBeGreaterThan(0);
    expect(fold).toBeLessThanOrEqual(25);
    // No 🟢 anywhere: the PR is only slower (and the counts line names only verdicts that occur).
    expect(report).not.toContain("🟢");
    expect(report.length).toBeLessThan(65_536);
  }, 240_000);

  it("reuses a fresh nightly of the merge base after a one-point anchor, running only the PR side", async () => {
    const dir = tmp("reuse");
    const historyDir = await nightlyHistory(dir);
    const services = await simServices();
    const result = await runComparePrJob(jobInput(dir, { historyDir }), services, quietLog);
    expect(result.mainSide).toEqual([expect.objectContaining({ suite: "deepseek-online", action: "reuse" })]);
    expect(existsSync(join(result.dir, "main", "anchor"))).toBe(true);
    expect(existsSync(join(result.dir, "main", "online"))).toBe(false);
    expect(existsSync(join(result.dir, "pr", "online"))).toBe(true);
    expect(result.counts.failed).toBe(0);
    // Nothing changed between the nightly and the PR: no median or throughput cell flagged (the rows
    // on failure). P99 cells are left out: which tokens meet a prefill depends on the real request
    // timing under load, in the simulator as on a GPU, and two repeats can underrate that noise.
    expect(verdictLines(result.reportMarkdown).filter((row) => !/\| P99 /.test(row))).toEqual([]);
    expect(result.plan.gpuMinutes).toBeLessThan(result.plan.seedGpuMinutes);
  }, 240_000);

  it("keeps main one launch and learns nothing from the nights before a step on the merge base's night", async () => {
    // The merge base's nightly today, and yesterday's nightly of the same series 10 % slower: main
    // stepped on its own night. The anchor reproduces today's level, not yesterday's.
    const dir = tmp("step");
    const historyDir = await nightlyHistory(dir);
    const older = await nightlyHistory(join(dir, "older"), { SGLSIM_SPEED: "1.10" });
    const [file] = readdirSync(older, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith("results.json"));
    // Every time stamp of that run a day back (its start, end and repeats, whatever day each fell on:
    // a run across midnight too), and its night.
    const dayBack = (iso: string): string => new Date(Date.parse(iso) - 86_400_000).toISOString();
    const text = readFileSync(join(older, file!), "utf8").replace(
      /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)"/g,
      (_, iso: string) => `"${dayBack(iso)}"`,
    );
    const run = JSON.parse(text) as { date: string; started_at: string };
    run.date = run.started_at.slice(0, 10).replaceAll("-", "");
    mkdirSync(join(historyDir, "yesterday"));
    writeFileSync(join(historyDir, "yesterday", "results.json"), JSON.stringify(run));
    const services = await simServices();
    const result = await runComparePrJob(jobInput(dir, { historyDir }), services, quietLog);
    expect(result.mainSide[0]).toMatchObject({ action: "reuse" });
    expect(result.mainSide[0]!.companionNights).toBeUndefined();
    expect(result.mainSide[0]!.mainAlone).toMatch(
      /^the anchor does not reproduce the earlier nightly of \d{8}: a step/,
    );
    // An unchanged PR: nothing flagged, and the footer learnt from today's night only.
    expect(result.counts.regressed + result.counts.improved).toBe(0);
    expect((result.comparison as Comparison).learntFrom?.[0]?.nights).not.toContain(run.date);
  }, 240_000);

  it("a reused nightly of 3 repeats in one launch against a PR 10 % slower in 2 + 1: ITL and throughput 🔴", async () => {
    // Both sides ran a discarded warm-up round first: repeats per launch are not a protocol then
    // (they were: every ITL and throughput cell ❔ "repeats per point differ", even at +10 %).
    const dir = tmp("reuse-slow");
    const historyDir = await nightlyHistory(dir, {}, 3);
    const services = await simServices({ SGLSIM_SPEED: "1.10" });
    const result = await runComparePrJob(jobInput(dir, { historyDir }), services, quietLog);
    expect(result.mainSide[0]).toMatchObject({ action: "reuse" });
    const cells = (result.comparison as Comparison).cells;
    expect(cells.filter((c) => /repeats per point differ/.test(c.reason))).toEqual([]);
    const regressed = (metric: string) => cells.filter((c) => c.metric === metric && c.verdict === "regressed").length;
    expect(regressed("median_itl_ms")).toBeGreaterThanOrEqual(4);
    expect(regressed("output_throughput")).toBeGreaterThanOrEqual(4);
    expect(result.counts.improved).toBe(0);
  }, 240_000);

  it("on named hardware the runs carry it, the built-in prior judges one launch a side, no stray JSONL", async () => {
    // Images sglbench builds name no hardware: without it, one launch a side had no source of launch
    // noise and every cell was ❔ "the built-in prior has none for it".
    const dir = tmp("hardware");
    const services = await simServices({ SGLSIM_SPEED: "1.10" }, "mi30x");
    const result = await runComparePrJob(
      jobInput(dir, { baseline: "rerun", repeats: 1, hardware: "mi30x" }),
      services,
      quietLog,
    );
    const comparison = result.comparison as Comparison;
    expect(comparison.priorUsed).toEqual(expect.arrayContaining([expect.stringMatching(/^series mi30x\//)]));
    expect(comparison.cells.filter((c) => /noise between launches unknown/.test(c.reason))).toEqual([]);
    expect(result.counts.regressed).toBeGreaterThanOrEqual(20);
    // The warm-up rounds' JSONL goes to a scratch file: nothing bench_serving names by default is left.
    const stray = readdirSync(result.dir, { recursive: true, encoding: "utf8" }).filter((f) =>
      /(^|\/)sglang_\d{4}_[^/]*\.jsonl$/.test(f),
    );
    expect(stray).toEqual([]);
  }, 240_000);

  it("runs main in full when the anchor no longer reproduces the stored baseline", async () => {
    const dir = tmp("anchor");
    // The stored nightly ran 30 % slower than main runs now (say, a noisy node that night).
    const historyDir = await nightlyHistory(dir, { SGLSIM_SPEED: "1.3" });
    const services = await simServices();
    const result = await runComparePrJob(jobInput(dir, { historyDir }), services, quietLog);
    expect(result.mainSide[0]).toMatchObject({ action: "full" });
    expect(result.mainSide[0]?.reason).toMatch(/anchor disagreed/);
    expect(existsSync(join(result.dir, "main", "online"))).toBe(true);
  }, 240_000);

  it("still writes the report when the PR side's server crashes: failed cells, exit 3", async () => {
    const dir = tmp("crash");
    const services = await simServices({ SGLSIM_CRASH: "launch" });
    const result = await runComparePrJob(jobInput(dir, { baseline: "rerun", repeats: 1 }), services, quietLog);
    expect(result.exitCode).toBe(3);
    expect(result.verdict).toBe("failed");
    expect(result.counts.failed).toBeGreaterThan(0);
    expect(readFileSync(result.reportPath, "utf8")).toMatch(/❌/);
  }, 240_000);
});

describe("the Action's entry with the production services (executor: local)", () => {
  const SUMMARY = join(tmp("summary"), "summary.md");

  const actionEnv = async (dir: string, extra: Record<string, string>) => {
    writeFileSync(SUMMARY, "");
    // The Action has no port input: SGLBENCH_PORT moves the server off 30000, which may be taken here.
    process.env.SGLBENCH_PORT = String(await freePort());
    writeFileSync(join(dir, "output"), "");
    // @actions/core writes outputs and the summary through process.env, whatever env the entry reads.
    process.env.GITHUB_STEP_SUMMARY = SUMMARY;
    process.env.GITHUB_OUTPUT = join(dir, "output");
    return {
      ...process.env,
      GITHUB_STEP_SUMMARY: SUMMARY,
      GITHUB_OUTPUT: join(dir, "output"),
      SGLBENCH_PORT: process.env.SGLBENCH_PORT,
      GITHUB_WORKSPACE: dir,
      ACTIONS_RUNTIME_TOKEN: "",
      INPUT_MODELS: "deepseek",
      INPUT_TYPES: "online",
      INPUT_EXECUTOR: "local",
      ...extra,
    };
  };
  const quiet = captureStdout;

  it("node dist/index.js with command: compare-pr reports the decode regression in GITHUB_OUTPUT and the step summary", async () => {
    // The bundle GitHub runs (action.yml: dist/index.js), as its own process, on the simulator.
    const dir = tmp("action-e2e");
    const env = await actionEnv(dir, {
      INPUT_COMMAND: "compare-pr",
      INPUT_PR: "42",
      INPUT_REPEATS: "5",
      INPUT_BASELINE: "rerun",
      "INPUT_MAIN-IMAGE": "sglbench-sim:main",
      "INPUT_PR-IMAGE": "sglbench-sim:pr",
      "INPUT_SKIP-BUILD": "true",
      "INPUT_BASE-SHA": MERGE_BASE,
      "INPUT_MAIN-ENV": `PATH=${PATH}`,
      "INPUT_PR-ENV": `PATH=${PATH}\nSGLSIM_DECODE_SPEED=1.05`,
    });
    const run = await execa("node", [resolve("dist/index.js")], { env, extendEnv: false, cwd: dir, reject: false });
    const log = run.stdout;
    expect({ exitCode: run.exitCode, errors: log.match(/::error::.*/g) ?? [] }).toEqual({ exitCode: 0, errors: [] });
    const output = readFileSync(join(dir, "output"), "utf8");
    expect(output).toMatch(/verdict<<[\s\S]*\nregressed\n/);
    expect(output).toMatch(/report-path<<[\s\S]*pr42_\d{8}_\d{6}\/comparison_report\.md/);
    expect(readFileSync(SUMMARY, "utf8")).toMatch(
      // The PR decodes 5 % slower: the headline's cell is a decode-driven one (ITL or E2E, whichever moved most).
      /^### 🔴 Merging #42 makes .* slower: (Median|P99) (ITL|E2E Latency)[\s\S]*🔴 \d+ regressed/,
    );
    expect(log).toMatch(/::notice::sglbench: PR #42 .*regressed/);
    // The plain-text variant goes to the job log, one line per flagged cell.
    expect(log).toMatch(/^🔴 regressed +.*deepseek-online concurrency \d+ Median ITL.*slower/m);
  }, 240_000);

  it("command: suite runs the online suite on the given image and writes the run folder", async () => {
    const dir = tmp("action-suite");
    process.exitCode = undefined;
    const env = await actionEnv(dir, {
      INPUT_COMMAND: "suite",
      INPUT_REPEATS: "1",
      "INPUT_PR-IMAGE": "sglbench-sim:pr",
      PATH,
    });
    const log = await quiet(() => run(env));
    expect(log.match(/::error::.*/g) ?? []).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(readFileSync(join(dir, "output"), "utf8")).toMatch(/verdict<<[\s\S]*\nran\n/);
    const folder = join(dir, "comparison_results", "online", "DeepSeek-V3-0324", "pr_DeepSeek-V3-0324_FP8_online");
    expect(existsSync(join(folder, "results.json"))).toBe(true);
  }, 240_000);
});
