import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { comparePrJobInputFor, nightlyRequestsFor, suiteJobsFor } from "../../src/action/command-inputs.js";
import { readActionInputs } from "../../src/action/inputs.js";
import { run } from "../../src/action/run.js";
import { emptyRun } from "../../src/core/results/index.js";
import type { NightlyServices } from "../../src/pipeline/nightly.js";
import { captureStdout } from "../helpers/capture-io.js";

const WS = { GITHUB_WORKSPACE: "/ws" };

describe("the Action's commands → their pipeline functions' arguments", () => {
  it("compare-pr: paths under the workspace, SHAs from the inputs else the App's environment", () => {
    const inputs = readActionInputs({ INPUT_PR: "7", "INPUT_WORK-DIR": "sglang", "INPUT_HISTORY-DIR": "hist" });
    expect(comparePrJobInputFor(inputs, { ...WS, SGLBENCH_HEAD_SHA: "beef" })).toMatchObject({
      pr: 7,
      workDir: "/ws/sglang",
      outputDir: "/ws/sglang/comparison_results",
      historyDir: "/ws/hist",
      local: false,
      headSha: "beef",
    });
  });

  it("compare-pr: the hardware from the input (either spelling), else the main image's tag; a wrong one is named", () => {
    const hardwareOf = (env: Record<string, string>) =>
      comparePrJobInputFor(readActionInputs({ INPUT_PR: "7", ...env }), WS).hardware;
    expect(hardwareOf({ INPUT_HARDWARE: "mi355x" })).toBe("mi35x");
    expect(hardwareOf({ INPUT_HARDWARE: "MI30X" })).toBe("mi30x");
    expect(hardwareOf({ "INPUT_MAIN-IMAGE": "rocm/sgl-dev:v0.5.6-rocm700-mi35x-20251210" })).toBe("mi35x");
    // Neither given nor in the tag: the catalogue's own, so the built-in prior applies.
    expect(hardwareOf({})).toBe("mi30x");
    expect(() => readActionInputs({ INPUT_PR: "7", INPUT_HARDWARE: "h100" })).toThrow(
      /hardware must be mi300x or mi355x, got "h100"/,
    );
  });

  it("nightly: one request per model, mode from the types, the history dir as the results tree", () => {
    const inputs = readActionInputs({
      INPUT_COMMAND: "nightly",
      INPUT_MODELS: "grok,deepseek",
      INPUT_TYPES: "online",
      "INPUT_HISTORY-DIR": "hist",
      "INPUT_MAIN-IMAGE": "rocm/sgl-dev:pinned",
    });
    expect(nightlyRequestsFor(inputs, WS)).toEqual([
      { mode: "online", model: "grok1", image: "rocm/sgl-dev:pinned", dataDir: "/ws/hist", lockWaitMs: 0 },
      { mode: "online", model: "deepseek", image: "rocm/sgl-dev:pinned", dataDir: "/ws/hist", lockWaitMs: 0 },
    ]);
    const both = readActionInputs({ INPUT_COMMAND: "nightly", INPUT_MODELS: "grok" });
    expect(nightlyRequestsFor(both, { ...WS, BENCHMARK_CI_DIR: "/data/ci" })).toEqual([
      { mode: "all", model: "grok1", dataDir: "/data/ci", lockWaitMs: 0 },
    ]);
  });

  it("suite: offline per requested Grok mode (DeepSeek has one), online with the repeats", () => {
    const inputs = readActionInputs({
      INPUT_COMMAND: "suite",
      INPUT_MODELS: "grok,deepseek",
      INPUT_MODES: "normal,dummy",
      INPUT_REPEATS: "2",
      INPUT_EXECUTOR: "local",
      "INPUT_PR-IMAGE": "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015",
    });
    const jobs = suiteJobsFor(inputs, WS);
    expect(jobs.map((j) => [j.suite.id, j.repeats])).toEqual([
      ["grok-offline-normal", undefined],
      ["grok-offline-dummy", undefined],
      ["grok-online", 2],
      ["deepseek-offline", undefined],
      ["deepseek-online", 2],
    ]);
    expect(jobs[0]).toMatchObject({
      image: "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015",
      local: true,
      workDir: "/ws",
      outputDir: "/ws/comparison_results",
      skipGsm8k: false,
      gpu: true,
    });
  });

  it("suite without an image and an unknown mode are refused with the input named", () => {
    expect(() => suiteJobsFor(readActionInputs({ INPUT_COMMAND: "suite" }), WS)).toThrow(/pr-image/);
    expect(() => readActionInputs({ INPUT_MODES: "turbo" })).toThrow(/modes/);
  });
});

describe("the Action's nightly and suite commands through run()", () => {
  const saved = { ...process.env };
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sglbench-action-cmd-"));
    writeFileSync(join(dir, "output"), "");
    process.env.GITHUB_OUTPUT = join(dir, "output");
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.env = { ...saved };
    process.exitCode = undefined;
  });

  const nightlyServices = (exitCode: 0 | 1, images: string[]): NightlyServices => ({
    now: () => new Date("2025-07-01T18:00:00Z"),
    listTags: async () => ["20250701"],
    rocmSmi: async () => undefined,
    stopOwnContainers: async () => [],
    sleep: async () => undefined,
    runSuite: async ({ suite, image }) => {
      images.push(`${suite.id}:${image}`);
      return {
        run: emptyRun({ kind: suite.kind, suite: suite.id, model: { name: suite.modelName } }),
        folder: "x",
        exitCode,
      };
    },
    log: () => undefined,
  });
  const env = (extra: Record<string, string>) => ({ ...process.env, GITHUB_WORKSPACE: dir, ...extra });

  it("nightly runs runNightly per model and sets verdict ran", async () => {
    const images: string[] = [];
    const log = await captureStdout(() =>
      run(env({ INPUT_COMMAND: "nightly", INPUT_MODELS: "grok,deepseek", INPUT_TYPES: "offline" }), {
        nightlyServices: nightlyServices(0, images),
      }),
    );
    expect(process.exitCode).toBeUndefined();
    expect(images).toEqual(["grok-offline-normal:rocm/sgl-dev:20250701", "deepseek-offline:rocm/sgl-dev:20250701"]);
    expect(log).toContain("nightly grok1 offline 20250701: rocm/sgl-dev:20250701");
    expect(readFileSync(join(dir, "output"), "utf8")).toMatch(/verdict<<[\s\S]*\nran\n/);
  });

  it("nightly that ran nothing sets verdict failed and fails the step", async () => {
    const log = await captureStdout(() =>
      run(env({ INPUT_COMMAND: "nightly", INPUT_MODELS: "deepseek", INPUT_TYPES: "online" }), {
        nightlyServices: nightlyServices(1, []),
      }),
    );
    expect(process.exitCode).toBe(1);
    expect(readFileSync(join(dir, "output"), "utf8")).toMatch(/verdict<<[\s\S]*\nfailed\n/);
    expect(log).toMatch(/::error::sglbench: sglbench nightly ran nothing/);
  });

  it("suite: an executor that cannot start fails the step through run()'s one error path", async () => {
    const log = await captureStdout(() =>
      run(env({ INPUT_COMMAND: "suite", INPUT_MODELS: "deepseek", INPUT_TYPES: "online", "INPUT_PR-IMAGE": "x:y" }), {
        suiteExecutor: async (job) => {
          throw new Error(`no Docker for ${job.suite.id}`);
        },
      }),
    );
    expect(process.exitCode).toBe(1);
    expect(log).toMatch(/::error::sglbench: no Docker for deepseek-online.*Hint:/);
  });
});
