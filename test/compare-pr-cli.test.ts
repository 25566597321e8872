import { describe, expect, it } from "@jest/globals";
import { run } from "../src/cli/commands/compare-pr.js";
import { captureIO } from "./helpers/capture-io.js";

describe("sglbench compare-pr flags", () => {
  it("requires --pr like the original script", async () => {
    const io = captureIO("/");
    expect(await run([], io)).toBe(2);
    expect(io.err.join("")).toMatch(/--pr=N is required[\s\S]*Usage/);
  });

  it("rejects unknown flags and --skip-build without images", async () => {
    const io = captureIO("/");
    expect(await run(["--pr=1", "--bogus"], io)).toBe(2);
    const io2 = captureIO("/");
    expect(await run(["--pr=1", "--skip-build"], io2)).toBe(2);
    expect(io2.err.join("")).toMatch(/--main-image and --pr-image/);
  });

  it("prints the plan for the selected suites", async () => {
    const io = captureIO("/");
    await run(["--pr=1234", "--models=grok", "--benchmark-types=offline"], io);
    expect(io.out.join("")).toMatch(/PR #1234[\s\S]*grok-offline/);
    expect(io.out.join("")).not.toMatch(/deepseek/);
  });
});
