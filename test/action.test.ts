import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readActionInputs } from "../src/action/inputs.js";
import { runAction } from "../src/action/main.js";

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
    writeFileSync(join(dir, "summary.md"), "");
    writeFileSync(join(dir, "output"), "");
    process.env.GITHUB_STEP_SUMMARY = join(dir, "summary.md");
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
    expect(writes.join("")).toMatch(/::error::sglbench: Invalid action inputs.*Hint/);
  });

  it("writes the plan to the step summary for a valid request", async () => {
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runAction({ ...process.env, INPUT_COMMAND: "compare-pr", INPUT_PR: "1234" });
    } finally {
      process.stdout.write = original;
    }
    expect(readFileSync(join(dir, "summary.md"), "utf8")).toMatch(/Plan for PR #1234/);
  });
});
