import { describe, expect, it } from "@jest/globals";
import { main } from "../src/cli/main.js";
import type { CliIO } from "../src/cli/io.js";

function captureIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    cwd: process.cwd(),
    isTTY: false,
  };
}

describe("sglbench entry", () => {
  it("rejects an unknown command with exit 2 and says how to get help", async () => {
    const io = captureIO();
    expect(await main(["frobnicate"], io)).toBe(2);
    expect(io.err.join("")).toContain("unknown command 'frobnicate'");
  });

  it("lists the commands on --help", async () => {
    const io = captureIO();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out.join("")).toContain("compare");
  });
});
