import { describe, expect, it } from "@jest/globals";
import { main } from "../../src/cli/main.js";
import { captureIO } from "../helpers/capture-io.js";

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
    // The one unit test that loads every command module (vega, probot, …): seconds under jest's loader.
  }, 30_000);
});
