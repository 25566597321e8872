/** `sglbench dashboard`: the static nightly dashboard (works offline, no CDN). */
import { isAbsolute, join } from "node:path";
import { historyWindow } from "../history-window.js";
import { buildDashboard } from "../../plots/dashboard.js";
import type { ChartFormat } from "../../plots/write-charts.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { partialExit } from "../partial-exit.js";
import { defaultDataDir } from "./process.js";

export const summary = "Build the static nightly dashboard";

const USAGE = `Usage: sglbench dashboard [--out DIR] [--data-dir DIR] [options]

Builds a static site from every run folder (and the seed's cron_log console logs) under the data
dir: an index (hardware × model pages, the latest nightly of each model from nightly_reports/,
open change points, unreadable inputs) and one page per hardware × model with interactive charts
(zoom, tooltips with image tag and repeats), the latest night against the week before, change
points, and every run with links to its folder and logs. vega/vega-lite are copied into
<out>/assets, so it works from file:// and offline. Serve it with: sglbench serve --dir <data-dir>

  --out DIR          site folder (default <data-dir>/dashboard)
  --data-dir DIR     history folder (default $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
  --days N           only the last N days (default: all)
  --today YYYYMMDD   end of the window (default: today in America/Los_Angeles)
  --model NAME       only this model (GROK1, GROK2, DeepSeek-V3-0324)
  --change-days N    mark change points found in each series' last N nights (default 0 = the whole series)
  --images LIST      chart images under <out>/charts: svg,png (default), svg, png or none
  --runs-url URL     base URL of the run folders (default: relative paths to them on disk)
  -h, --help         this help

Exit: 0 built, 3 built but some charts or inputs of the newest night skipped (listed on stderr;
older nights' skipped inputs do not count), 1 nothing built, 2 bad usage, 4 data dir unreadable.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "dashboard",
    USAGE,
    argv,
    {
      out: { type: "string" },
      "data-dir": { type: "string" },
      days: { type: "string" },
      today: { type: "string" },
      model: { type: "string" },
      "change-days": { type: "string" },
      images: { type: "string", default: "svg,png" },
      "runs-url": { type: "string" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  const window = historyWindow(v, usage);
  if (typeof window === "number") return window;
  const images = v.images === "none" ? [] : v.images.split(",").map((f) => f.trim());
  const bad = images.filter((f) => f !== "svg" && f !== "png");
  if (bad.length) return usage(`--images takes svg, png or none, not "${bad.join(",")}"`);

  const abs = (p: string): string => (isAbsolute(p) ? p : join(io.cwd, p));
  const dataDir = abs(v["data-dir"] ?? defaultDataDir(io.env, io.cwd));
  const outDir = abs(v.out ?? join(dataDir, "dashboard"));
  let result;
  try {
    result = await buildDashboard({
      dataDir,
      outDir,
      images: images as ChartFormat[],
      ...window,
      ...(v.model ? { model: v.model } : {}),
      ...(v["runs-url"] !== undefined ? { runsUrl: v["runs-url"] } : {}),
    });
  } catch (error: unknown) {
    io.stderr(`sglbench dashboard: ${(error as Error).message}\n`);
    return /^cannot read data directory/.test((error as Error).message) ? EXIT.unreadable : EXIT.failed;
  }
  for (const s of result.skipped) io.stderr(`skipped ${s.file}: ${s.reason}\n`);
  if (result.runs === 0) {
    io.stderr(`sglbench dashboard: no dated runs under ${dataDir} (an empty dashboard was written)\n`);
    return EXIT.failed;
  }
  for (const f of result.failures) io.stderr(`chart ${f.chart} failed: ${f.message}\n`);
  io.stdout(
    `dashboard: ${result.pages.length - 1} model page(s), ${result.runs} runs, ${result.charts} chart images (${result.reused} unchanged) → ${join(outDir, "index.html")}\n`,
  );
  // A chart not drawn is this run's own output missing; a skipped input may be an old night's.
  if (result.failures.length) return EXIT.partial;
  return partialExit(result.skipped, result.nights, io);
}
