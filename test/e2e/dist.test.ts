/**
 * The bundles in dist/ must start on an Actions runner without node_modules: only Node's own modules
 * may be imported statically; the native add-ons (resvg, playwright, cpu-features) load on first use.
 */
import { describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("dist bundles", () => {
  for (const name of ["index.js", "cli.js", "app.js"]) {
    const file = join(import.meta.dirname, "..", "..", "dist", name);
    (existsSync(file) ? it : it.skip)(`${name} imports only Node built-ins at load time`, () => {
      const statics = [...readFileSync(file, "utf8").matchAll(/^import\b[^;]*?from\s+["']([^"']+)["']/gm)].map(
        (m) => m[1]!,
      );
      expect(statics.filter((spec) => !builtins.has(spec))).toEqual([]);
    });
  }
});

describe("dist is fresh", () => {
  it("npm run build from the sources reproduces dist/ byte for byte (run it and commit dist/ if not)", async () => {
    const root = join(import.meta.dirname, "..", "..");
    const out = mkdtempSync(join(tmpdir(), "sglbench-dist-"));
    try {
      await execa("node", ["scripts/build.mjs"], { cwd: root, env: { SGLBENCH_DIST_DIR: out } });
      const stale = readdirSync(out).filter(
        (name) =>
          !existsSync(join(root, "dist", name)) ||
          !readFileSync(join(out, name)).equals(readFileSync(join(root, "dist", name))),
      );
      expect(stale).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("dist/cli.js as shipped", () => {
  it("ingests a real run folder and prints its JSON record", async () => {
    const root = join(import.meta.dirname, "..", "..");
    const r = await execa(
      "node",
      [join(root, "dist", "cli.js"), "ingest", "--json", join(root, "test", "fixtures", "real", "online")],
      {
        reject: false,
      },
    );
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(JSON.parse(r.stdout.split("\n")[0]!)).toMatchObject({ suite: "grok-online", model: { name: "GROK2" } });
  });
});
