import { describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { run } from "../src/cli/commands/demo.js";
import { captureIO } from "./helpers/capture-io.js";

describe("sglbench demo", () => {
  it("reads the two shipped nightlies and prints every concurrency with its three repeats", async () => {
    const io = captureIO();
    expect(await run(["--fixtures", join(import.meta.dirname, "fixtures", "real")], io)).toBe(0);
    const text = io.out.join("");
    expect(text).toContain("v0.5.3.post1-rocm630-mi30x-20251014");
    // concurrency 16 of the 20251014 image: run1 is the slow warm-up round (23258 ms), then 20895, 20930.
    expect(text).toMatch(/\n\s+16 {2}23258 20895 20930/);
  });

  it("fails clearly when the fixtures are missing", async () => {
    const io = captureIO();
    expect(await run(["--fixtures", "/nonexistent"], io)).toBe(1);
    expect(io.err.join("")).toContain("pass --fixtures DIR");
  });
});
