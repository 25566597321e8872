/* global console, process */
// One bundler (esbuild), not minified: dist/index.js (the Action), dist/cli.js, dist/app.js.
import { build } from "esbuild";
import { existsSync, readFileSync, writeFileSync, mkdirSync, statSync } from "node:fs";

// CommonJS dependencies bundled into ESM still expect require, __filename and __dirname (ssh2's
// crypto reads __dirname at load time): define them for the bundle's own file.
const banner = [
  "import { createRequire as __sglbenchCreateRequire } from 'node:module';",
  "import { fileURLToPath as __sglbenchFileURLToPath } from 'node:url';",
  "import { dirname as __sglbenchDirname } from 'node:path';",
  "const require = __sglbenchCreateRequire(import.meta.url);",
  "const __filename = __sglbenchFileURLToPath(import.meta.url);",
  "const __dirname = __sglbenchDirname(__filename);",
].join(" ");
// `sglbench --version` in the bundle (src/cli/version.ts reads package.json when run from src).
const { version } = JSON.parse(readFileSync("package.json", "utf8"));
const catalogue = readFileSync("catalogue/sglbench-catalogue.yaml", "utf8");
const entries = { index: "src/action/index.ts", cli: "src/cli/main.ts", app: "src/app/server.ts" };
// SGLBENCH_DIST_DIR: build elsewhere (the test that checks dist/ is fresh).
const out = process.env.SGLBENCH_DIST_DIR ?? "dist";
mkdirSync(out, { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  // An entry whose issue has not landed yet (e.g. the App) is reported, not faked.
  if (!existsSync(entry)) {
    console.warn(`build: skipping dist/${name}.js: ${entry} does not exist yet`);
    continue;
  }
  await build({
    entryPoints: [entry],
    outfile: `${out}/${name}.js`,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "esm",
    banner: { js: banner },
    // The shipped catalogue travels inside the bundle (src/core/catalogue/catalogue.ts reads it from there).
    define: { __SGLBENCH_VERSION__: JSON.stringify(version), __SGLBENCH_CATALOGUE__: JSON.stringify(catalogue) },
    // Native add-ons stay outside the bundle; each is loaded optionally (try/catch) by its user,
    // so dist/ runs on an Actions runner without node_modules.
    external: ["@resvg/resvg-js", "cpu-features", "playwright-core", "*.node"],
    legalComments: "none",
    logLevel: "warning",
  });
  const bytes = statSync(`${out}/${name}.js`).size;
  console.log(`build: ${out}/${name}.js ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes)`);
}
writeFileSync(`${out}/package.json`, JSON.stringify({ type: "module" }, null, 2) + "\n");
