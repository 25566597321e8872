import { describe, expect, it } from "@jest/globals";
import { run } from "../src/cli/commands/compare-pr.js";
import type { CliIO } from "../src/cli/io.js";

function capture(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: {},
    cwd: "/",
    isTTY: false,
  };
}

describe("sglbench compare-pr flags", () => {
  it("requires --pr like the original script", async () => {
    const io = capture();
    expect(await run([], io)).toBe(2);
    expect(io.err.join("")).toMatch(/--pr=N is required[\s\S]*Usage/);
  });

  it("rejects unknown flags and --skip-build without images", async () => {
    const io = capture();
    expect(await run(["--pr=1", "--bogus"], io)).toBe(2);
    const io2 = capture();
    expect(await run(["--pr=1", "--skip-build"], io2)).toBe(2);
    expect(io2.err.join("")).toMatch(/--main-image and --pr-image/);
  });

  it("prints the plan for the selected suites", async () => {
    const io = capture();
    await run(["--pr=1234", "--models=grok", "--benchmark-types=offline"], io);
    expect(io.out.join("")).toMatch(/PR #1234[\s\S]*grok-offline/);
    expect(io.out.join("")).not.toMatch(/deepseek/);
  });
});
