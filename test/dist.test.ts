/**
 * The bundles in dist/ must start on an Actions runner without node_modules: only Node's own modules
 * may be imported statically; the native add-ons (resvg, playwright, cpu-features) load on first use.
 */
import { describe, expect, it } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("dist bundles", () => {
  for (const name of ["index.js", "cli.js", "app.js"]) {
    const file = join(import.meta.dirname, "..", "dist", name);
    (existsSync(file) ? it : it.skip)(`${name} imports only Node built-ins at load time`, () => {
      const statics = [...readFileSync(file, "utf8").matchAll(/^import\b[^;]*?from\s+["']([^"']+)["']/gm)].map(
        (m) => m[1]!,
      );
      expect(statics.filter((spec) => !builtins.has(spec))).toEqual([]);
    });
  }
});
