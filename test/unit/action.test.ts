import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readActionInputs } from "../../src/action/inputs.js";
import { comparePrJobInputFor } from "../../src/action/command-inputs.js";
import { run } from "../../src/action/run.js";
import { FAKE_SUITE, fakeComparer, fakeRunner } from "../helpers/compare-pr-fakes.js";
import { captureStdout } from "../helpers/capture-io.js";

// @actions/core caches the summary file path on first write, so one file serves the whole test file.
const SUMMARY = join(mkdtempSync(join(tmpdir(), "sglbench-summary-")), "summary.md");

describe("action inputs", () => {
  it("applies defaults and parses lists", () => {
    const inputs = readActionInputs({ INPUT_PR: "1234", INPUT_MODELS: "Grok" });
    expect(inputs.pr).toBe(1234);
    expect(inputs.models).toEqual(["grok"]);
    expect(inputs.types).toEqual(["offline", "online"]);
    expect(inputs.repeats).toBe(3);
    expect(inputs.skipBuild).toBe(false);
  });

  it("names every bad input with a fix-it hint", () => {
    expect(() => readActionInputs({ INPUT_MODELS: "llama", INPUT_REPEATS: "0" })).toThrow(
      /`models`: unknown value `llama`.*`repeats`: `0` is not an integer.*Fix the 'with:' block/,
    );
    expect(() => readActionInputs({ INPUT_PR: "1", "INPUT_SKIP-BUILD": "true" })).toThrow(/main-image/);
  });

  it("reads the verdict settings compare-pr judges by, and names a bad one", () => {
    const inputs = readActionInputs({
      INPUT_PR: "1",
      "INPUT_PERFORMANCE-THRESHOLD": "3",
      "INPUT_FALSE-DISCOVERY-RATE": "Off",
    });
    expect(inputs.verdictSettings).toEqual({ minEffectPct: 3, falseDiscoveryRate: false });
    expect(comparePrJobInputFor(inputs, { GITHUB_WORKSPACE: "/ws" })).toMatchObject({
      minEffectPct: 3,
      falseDiscoveryRate: false,
    });
    expect(readActionInputs({ INPUT_PR: "1" }).verdictSettings).toEqual({});
    expect(() => readActionInputs({ INPUT_PR: "1", "INPUT_FALSE-DISCOVERY-RATE": "0.0001" })).toThrow(
      /input 'false-discovery-rate' must be a number in \[0.001, 1\] or off, got "0.0001"/,
    );
  });

  it("takes the suite types from `types` only: the original's `benchmark-types` is named, not used", () => {
    expect(readActionInputs({ INPUT_PR: "1", INPUT_TYPES: "Online" }).types).toEqual(["online"]);
    expect(() => readActionInputs({ INPUT_PR: "1", "INPUT_BENCHMARK-TYPES": "online" })).toThrow(
      /input 'benchmark-types' is now called 'types'/,
    );
  });
});

describe("action entry", () => {
  const saved = { ...process.env };
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sglbench-action-"));
    writeFileSync(SUMMARY, "");
    writeFileSync(join(dir, "output"), "");
    process.env.GITHUB_STEP_SUMMARY = SUMMARY;
    process.env.GITHUB_OUTPUT = join(dir, "output");
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.env = { ...saved };
    process.exitCode = undefined;
  });

  it("fails through one path with a hint when inputs are invalid", async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await run({ ...process.env, INPUT_COMMAND: "compare-pr", INPUT_MODELS: "llama" });
    } finally {
      process.stdout.write = original;
    }
    expect(process.exitCode).toBe(1);
    expect(writes.join("")).toMatch(/::error::sglbench: Invalid action inputs.*docs\/action.md/);
  });

  const quiet = captureStdout;
  const inputs = (extra: Record<string, string> = {}) => ({
    ...process.env,
    INPUT_COMMAND: "compare-pr",
    INPUT_PR: "77",
    INPUT_MODELS: "deepseek",
    INPUT_TYPES: "online",
    INPUT_REPEATS: "1",
    "INPUT_MAIN-IMAGE": "img:main",
    "INPUT_PR-IMAGE": "img:pr",
    "INPUT_SKIP-BUILD": "true",
    "INPUT_BASE-SHA": "feedface0001",
    "INPUT_WORK-DIR": dir,
    "INPUT_OUTPUT-DIR": join(dir, "results"),
    "INPUT_PR-ENV": "SGLSIM_DECODE_SPEED=1.05",
    ...extra,
  });

  it("runs compare-pr, fills GITHUB_OUTPUT and the step summary and uploads both artifacts", async () => {
    const fake = fakeRunner({ "img:pr": 1.05 });
    const uploads: Array<[string, string[]]> = [];
    let serviceOptions: unknown;
    const log = await quiet(() =>
      run(inputs(), {
        services: async (options) => {
          serviceOptions = options;
          return { runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE] };
        },
        uploader: async () => ({ upload: async (name, files) => (uploads.push([name, files]), {}) }),
      }),
    );
    expect(process.exitCode).toBeUndefined();
    expect(serviceOptions).toMatchObject({ local: false, prEnv: { SGLSIM_DECODE_SPEED: "1.05" }, mainEnv: {} });
    const output = readFileSync(join(dir, "output"), "utf8");
    expect(output).toMatch(/verdict<<[\s\S]*\nregressed\n/);
    expect(output).toMatch(/regressions<<[\s\S]*\n2\n/);
    expect(output).toMatch(/report-path<<[\s\S]*pr77_\d{8}_\d{6}\/comparison_report\.md/);
    expect(readFileSync(SUMMARY, "utf8")).toMatch(
      /^🔴 2 regressed[\s\S]*## PR #77 vs merge base feedface0001: regressed/,
    );
    expect(uploads.map(([name, files]) => [name, files.map((f) => f.split("/").pop())])).toEqual([
      ["sglbench-report", ["report.md", "results.json"]],
      ["sglbench-logs", ["comparison.log"]],
    ]);
    expect(log).toMatch(/::notice::sglbench: PR #77 vs merge base feedface0001: regressed/);
  });

  it("masks secret-looking main-env/pr-env values in the job log", async () => {
    const fake = fakeRunner({});
    const log = await quiet(() =>
      run(inputs({ "INPUT_MAIN-ENV": "HF_TOKEN=hf_abcdef123456\nNCCL_DEBUG=INFO" }), {
        services: async () => ({ runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE] }),
        uploader: async () => ({ upload: async () => ({}) }),
      }),
    );
    expect(log).toContain("::add-mask::hf_abcdef123456");
    expect(log).not.toContain("::add-mask::INFO");
  });

  it("ends in setFailed with a hint when the pipeline cannot start", async () => {
    const log = await quiet(() =>
      run(inputs({ "INPUT_BASE-SHA": "", "INPUT_SKIP-BUILD": "false", "INPUT_MAIN-IMAGE": "" }), {
        services: async () => ({
          runSideFor: () => fakeRunner({}).runSide,
          comparer: fakeComparer,
          catalogue: [FAKE_SUITE],
        }),
      }),
    );
    expect(process.exitCode).toBe(1);
    expect(log).toMatch(/::error::sglbench: Cannot fetch main into .*\(cause: .*\) Hint:/);
  });

  it("leaves artifacts on disk outside Actions instead of failing", async () => {
    const fake = fakeRunner({});
    const log = await quiet(() =>
      run(
        { ...inputs(), ACTIONS_RUNTIME_TOKEN: "" },
        { services: async () => ({ runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE] }) },
      ),
    );
    expect(process.exitCode).toBeUndefined();
    expect(log).toMatch(/artifacts left in/);
    expect(readFileSync(join(dir, "output"), "utf8")).toMatch(/verdict<<[\s\S]*\nunchanged\n/);
  });
});

describe("action outputs, failure message and artifacts", () => {
  it("nightly and suite set the verdict output from the exit code", async () => {
    const { writeOutputs } = await import("../../src/action/outputs.js");
    const dir = mkdtempSync(join(tmpdir(), "sglbench-out-"));
    writeFileSync(join(dir, "output"), "");
    process.env.GITHUB_OUTPUT = join(dir, "output");
    writeOutputs({ command: "suite", exitCode: 3 });
    expect(readFileSync(join(dir, "output"), "utf8")).toMatch(/verdict<<[\s\S]*\npartial\n/);
  });

  it("names the cause and adds a hint unless the message already points to docs/action.md", async () => {
    const { failureMessage } = await import("../../src/action/run.js");
    expect(failureMessage(new Error("pull failed", { cause: new Error("denied") }))).toMatch(
      /^sglbench: pull failed \(cause: denied\) Hint: .*docs\/action.md/,
    );
    expect(failureMessage("Fix the 'with:' block (see docs/action.md).")).not.toMatch(/Hint:/);
  });

  it("uploads sglbench-report through the fakeable adapter", async () => {
    const { uploadReport } = await import("../../src/action/artifacts.js");
    const calls: Array<[string, string[], string]> = [];
    await uploadReport({ upload: async (n, f, r) => (calls.push([n, f, r]), {}) }, "/r/report.md", "/r/results.json");
    expect(calls).toEqual([["sglbench-report", ["/r/report.md", "/r/results.json"], "/r"]]);
  });
});

describe("action.yml", () => {
  it("declares exactly the inputs the entry reads, with the same defaults, and the four outputs", async () => {
    const { parse } = await import("yaml");
    const { INPUT_DEFAULTS } = await import("../../src/action/inputs.js");
    const manifest = parse(readFileSync(join(import.meta.dirname, "..", "..", "action.yml"), "utf8")) as {
      inputs: Record<string, { default: string; description: string }>;
      outputs: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    expect(Object.keys(manifest.inputs).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
    for (const [name, input] of Object.entries(manifest.inputs)) {
      expect([name, String(input.default)]).toEqual([name, INPUT_DEFAULTS[name]]);
      expect(input.description.length).toBeGreaterThan(10);
    }
    expect(Object.keys(manifest.outputs).sort()).toEqual(["regressions", "report-path", "results-path", "verdict"]);
    expect(manifest.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});
