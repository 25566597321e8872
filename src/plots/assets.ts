/**
 * The dashboard's static assets: vega and vega-lite's browser builds (copied from node_modules so
 * the site works offline, no CDN), a tiny embed script and the stylesheet.
 */
import { access, copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Browser builds the dashboard needs, by package. */
const BROWSER_BUILDS = [
  { pkg: "vega", file: "build/vega.min.js", as: "vega.min.js" },
  { pkg: "vega-lite", file: "build/vega-lite.min.js", as: "vega-lite.min.js" },
] as const;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Finds `node_modules/<pkg>/<file>` above this module or the working folder. */
async function findInNodeModules(pkg: string, file: string): Promise<string | undefined> {
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const candidate = join(dir, "node_modules", pkg, file);
      if (await exists(candidate)) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** Renders every `script.vl-spec` into its target element; marks the body when all are done (tests wait on it). */
export const EMBED_JS = `// sglbench dashboard: renders the Vega-Lite specs embedded in the page (no network).
(function () {
  "use strict";
  var nodes = document.querySelectorAll("script.vl-spec");
  var jobs = [];
  var failed = 0;
  nodes.forEach(function (node) {
    var target = document.getElementById(node.getAttribute("data-target"));
    if (!target) return;
    try {
      var spec = JSON.parse(node.textContent);
      var compiled = vegaLite.compile(spec).spec;
      var view = new vega.View(vega.parse(compiled), { renderer: "svg", container: target, hover: true });
      jobs.push(view.runAsync().then(function () {
        target.setAttribute("data-rendered", "ok");
      }, function (error) {
        failed++;
        target.setAttribute("data-rendered", "error");
        target.textContent = "chart failed: " + error.message;
      }));
    } catch (error) {
      failed++;
      target.setAttribute("data-rendered", "error");
      target.textContent = "chart failed: " + error.message;
    }
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute("data-charts", String(nodes.length));
    document.body.setAttribute("data-charts-failed", String(failed));
  });
})();
`;

export const STYLE_CSS = `body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3b5c;color:#fff;padding:14px 28px}header a{color:#cfe0f5}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;font-size:13px;color:#cfe0f5}
main{padding:18px 28px;max-width:1400px}
h2{margin-top:32px;border-bottom:2px solid #1f3b5c;padding-bottom:4px}h3{margin-top:22px}
table{border-collapse:collapse;font-size:13px;margin:8px 0;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.regression{color:#b71c1c;font-weight:bold}.improvement{color:#1b5e20;font-weight:bold}
.ok{color:#1b5e20}.partial{color:#b26a00}.failed{color:#b71c1c}
figure.chart{background:#fff;border:1px solid #ddd;margin:14px 0;padding:10px;overflow-x:auto}
figure.chart figcaption{font-size:12px;color:#555;margin-top:4px}
nav.toc a{margin-right:12px}.muted{color:#777}details{margin:8px 0}
table{display:block;overflow-x:auto;max-width:100%}img{max-width:100%;height:auto}
figure.overview{margin:10px 0}figure.overview img{border:1px solid #ddd;background:#fff}
@media (max-width:700px){header{padding:10px 12px}main{padding:10px 12px}header h1{font-size:18px}
figure.chart{padding:4px;margin:10px 0}th,td{padding:3px 5px}table{font-size:12px}}
`;

/** Writes the assets into `<out>/assets`; throws naming what is missing when vega is not installed. */
export async function writeAssets(outDir: string): Promise<void> {
  const dir = join(outDir, "assets");
  await mkdir(dir, { recursive: true });
  for (const b of BROWSER_BUILDS) {
    const from = await findInNodeModules(b.pkg, b.file);
    if (!from) throw new Error(`cannot find ${b.pkg}/${b.file} in node_modules (npm install ${b.pkg})`);
    await copyFile(from, join(dir, b.as));
  }
  await writeFile(join(dir, "embed.js"), EMBED_JS);
  await writeFile(join(dir, "style.css"), STYLE_CSS);
}
