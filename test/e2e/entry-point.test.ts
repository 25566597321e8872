/** Entry files must run when started through a symlink (npm bin links, linked checkouts). */
import { describe, expect, it, jest } from "@jest/globals";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { isEntryPoint } from "../../src/core/util/index.js";

// Processes and bundles: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const MAIN = resolve("src/cli/main.ts");

describe("isEntryPoint", () => {
  it("is true for the started file, directly or through a symlink, and false for another", () => {
    const link = join(mkdtempSync(join(tmpdir(), "sglbench-entry-")), "sglbench.ts");
    symlinkSync(MAIN, link);
    const url = pathToFileURL(MAIN).href;
    expect(isEntryPoint(url, MAIN)).toBe(true);
    expect(isEntryPoint(url, link)).toBe(true);
    expect(isEntryPoint(url, resolve("src/cli/io.ts"))).toBe(false);
    expect(isEntryPoint(url, undefined)).toBe(false);
  });

  it("the CLI started through a symlink prints its usage on --help", async () => {
    const link = join(mkdtempSync(join(tmpdir(), "sglbench-entry-")), "sglbench.ts");
    symlinkSync(MAIN, link);
    const run = await execa("node", ["--import", "tsx", link, "--help"], { reject: false, timeout: 60_000 });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/compare/);
  }, 90_000);
});

describe("bin/sglbench.js", () => {
  const BIN = resolve("bin/sglbench.js");
  it("runs the built CLI on Node 24", async () => {
    const run = await execa(process.execPath, [BIN, "--version"], { reject: false, timeout: 60_000 });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^sglbench \d/);
  });

  it("says it needs Node 24 under an older Node instead of failing deep inside", async () => {
    // An older Node, as far as the entry can tell: the version it reads is the one it checks.
    const older = "data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '20.20.2' })";
    const run = await execa(process.execPath, ["--import", older, BIN, "--help"], { reject: false, timeout: 60_000 });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^sglbench needs Node\.js 24 or newer; .*npx sglbench/);
    expect(run.stdout).toBe("");
  });
});
