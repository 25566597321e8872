import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readActionInputs } from "../src/action/inputs.js";
import { runAction } from "../src/action/main.js";

// @actions/core caches the summary file path on first write, so one file serves the whole test file.
const SUMMARY = join(mkdtempSync(join(tmpdir(), "sglbench-summary-")), "summary.md");

describe("action inputs", () => {
  it("applies defaults and parses lists", () => {
    const inputs = readActionInputs({ INPUT_PR: "1234", INPUT_MODELS: "Grok" });
    expect(inputs.pr).toBe(1234);
    expect(inputs.models).toEqual(["grok"]);
    expect(inputs.benchmarkTypes).toEqual(["offline", "online"]);
    expect(inputs.repeats).toBe(3);
    expect(inputs.skipBuild).toBe(false);
  });

  it("names every bad input with a fix-it hint", () => {
    expect(() => readActionInputs({ INPUT_MODELS: "llama", INPUT_REPEATS: "0" })).toThrow(
      /input 'models.0'.*input 'repeats'.*Fix the 'with:' block/,
    );
    expect(() => readActionInputs({ INPUT_PR: "1", "INPUT_SKIP-BUILD": "true" })).toThrow(/main-image/);
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
      await runAction({ ...process.env, INPUT_COMMAND: "compare-pr", INPUT_MODELS: "llama" });
    } finally {
      process.stdout.write = original;
    }
    expect(process.exitCode).toBe(1);
    expect(writes.join("")).toMatch(/::error::sglbench: Invalid action inputs.*docs\/action.md/);
  });

  it("writes the plan to the step summary for a valid request", async () => {
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runAction({ ...process.env, INPUT_COMMAND: "compare-pr", INPUT_PR: "1234" });
    } finally {
      process.stdout.write = original;
    }
    expect(readFileSync(SUMMARY, "utf8")).toMatch(/Plan for PR #1234/);
  });
});

describe("action outputs and summary", () => {
  it("fills GITHUB_OUTPUT and the step summary", async () => {
    const { setComparisonOutputs, writeComparisonSummary } = await import("../src/action/summary.js");
    const dir = mkdtempSync(join(tmpdir(), "sglbench-out-"));
    writeFileSync(join(dir, "output"), "");
    writeFileSync(SUMMARY, "");
    process.env.GITHUB_OUTPUT = join(dir, "output");
    process.env.GITHUB_STEP_SUMMARY = SUMMARY;
    const outcome = {
      verdict: "regressed" as const,
      regressions: 1,
      reportPath: "/r/comparison_report.md",
      resultsPath: "/r/results.json",
      reportMarkdown: "# Report\n🔴 decode",
    };
    setComparisonOutputs(outcome);
    await writeComparisonSummary(outcome);
    const output = readFileSync(join(dir, "output"), "utf8");
    expect(output).toMatch(/verdict<<[\s\S]*regressed/);
    expect(output).toMatch(/regressions<<[\s\S]*\n1\n/);
    expect(readFileSync(SUMMARY, "utf8")).toMatch(/🔴 decode/);
  });

  it("uploads sglbench-report through the fakeable adapter", async () => {
    const { uploadReport } = await import("../src/action/artifacts.js");
    const calls: Array<[string, string[], string]> = [];
    await uploadReport({ upload: async (n, f, r) => (calls.push([n, f, r]), {}) }, "/r/report.md", "/r/results.json");
    expect(calls).toEqual([["sglbench-report", ["/r/report.md", "/r/results.json"], "/r"]]);
  });
});
