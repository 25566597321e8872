/** `sglbench plot`: the nightly trend charts (SVG + PNG) of a history folder. */
import { isAbsolute, join } from "node:path";
import { historyWindow } from "../history-window.js";
import { loadChartData } from "../../plots/load.js";
import { writeCharts, type ChartFormat } from "../../plots/write-charts.js";
import { keepLoads, keepVariants, splitRequestRates } from "../../plots/plot-selection.js";
import { runDate } from "../../core/trends/index.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { partialExit } from "../partial-exit.js";
import { defaultDataDir } from "./process.js";

export const summary = "Draw the nightly trend charts (SVG + PNG)";

const USAGE = `Usage: sglbench plot [--data-dir DIR] [--out DIR] [options]

Reads every run folder (and the seed's cron_log console logs) under the data dir and draws, per
hardware × model × suite: offline E2E latency and throughput per batch size, online median E2E,
TTFT and ITL per request rate / concurrency (one panel per point: nightly median, min–max band over
the repeats, value labels that never overlap, change points marked), a combined log-scale chart,
and the KV-cache capacity (tokens, GB). Files: <out>/<hardware>/<model>/<suite>/<chart>.{svg,png}.

  --data-dir DIR     history folder (default $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
  --out DIR          where the charts go (default <data-dir>/plots_server)
  --days N           only the last N days (default: all)
  --today YYYYMMDD   end of the window (default: today in America/Los_Angeles)
  --model NAME       only this model (GROK1, GROK2, DeepSeek-V3-0324)
  --change-days N    mark change points found in each series' last N nights (default 0 = the whole series)
  --suite ID         only this suite (repeatable: grok-online, deepseek-online, grok-offline-normal, …)
  --format LIST      svg,png (default both)
  --force            redraw every chart (default: charts whose data did not change are kept)
The original plot scripts' options:
  --plot-date YYYYMMDD      same as --today
  --request-rates 1,2,4     only these request rates / concurrencies in the online charts
  --split-request-rates     draw low (≤ 4) and high request rates apart (<suite>_low_rr, <suite>_high_rr)
  --variant-filter A,B      only these serving variants (standard, dp_attention, mtp_test …)
  -h, --help         this help

Exit: 0 all charts written, 3 some charts or inputs of the newest night skipped (listed on stderr;
older nights' skipped inputs do not count), 1 nothing to chart, 2 bad usage, 4 data dir unreadable.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "plot",
    USAGE,
    argv,
    {
      "data-dir": { type: "string" },
      out: { type: "string" },
      days: { type: "string" },
      today: { type: "string" },
      model: { type: "string" },
      "change-days": { type: "string" },
      suite: { type: "string", multiple: true },
      format: { type: "string", default: "svg,png" },
      force: { type: "boolean" },
      "plot-date": { type: "string" },
      "request-rates": { type: "string" },
      "split-request-rates": { type: "boolean" },
      "variant-filter": { type: "string" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  if (v["plot-date"] !== undefined) {
    if (v.today !== undefined && v.today !== v["plot-date"]) return usage("give --today or --plot-date, not both");
    v.today = v["plot-date"];
  }
  const loads = v["request-rates"]?.split(",").map((x) => Number(x.trim()));
  if (loads?.some((n) => !(n > 0)))
    return usage(`--request-rates takes positive numbers separated by commas, not "${v["request-rates"]}"`);
  const variants = v["variant-filter"]
    ?.split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  const window = historyWindow(v, usage);
  if (typeof window === "number") return window;
  const formats = v.format.split(",").map((f) => f.trim());
  const bad = formats.filter((f) => f !== "svg" && f !== "png");
  if (bad.length || formats.length === 0) return usage(`--format takes svg and/or png, not "${bad.join(",")}"`);

  const abs = (p: string): string => (isAbsolute(p) ? p : join(io.cwd, p));
  const dataDir = abs(v["data-dir"] ?? defaultDataDir(io.env, io.cwd));
  const outDir = abs(v.out ?? join(dataDir, "plots_server"));
  let loaded;
  try {
    loaded = await loadChartData(dataDir, {
      ...window,
      ...(v.model ? { model: v.model } : {}),
      ...(v.suite ? { suites: v.suite } : {}),
    });
  } catch (error: unknown) {
    io.stderr(`sglbench plot: ${(error as Error).message}\n`);
    return EXIT.unreadable;
  }
  for (const s of loaded.skipped) io.stderr(`skipped ${s.file}: ${s.reason}\n`);
  if (loaded.data.length === 0) {
    io.stderr(`sglbench plot: no dated runs to chart under ${dataDir}\n`);
    return EXIT.failed;
  }
  let data = loaded.data;
  if (variants) data = keepVariants(data, variants);
  if (loads) data = keepLoads(data, loads);
  if (v["split-request-rates"]) data = splitRequestRates(data);
  if (data.length === 0) {
    io.stderr(`sglbench plot: nothing left to chart after --variant-filter/--request-rates\n`);
    return EXIT.failed;
  }
  const { charts, failures, reused } = await writeCharts(data, {
    outDir,
    formats: formats as ChartFormat[],
    reuse: !v.force,
  });
  for (const f of failures) io.stderr(`chart ${f.chart} failed: ${f.message}\n`);
  for (const c of charts)
    io.stdout(
      `${Object.values(c.files)
        .map((f) => join(outDir, f))
        .join("  ")}\n`,
    );
  io.stdout(
    `${charts.length} charts (${reused} unchanged) for ${loaded.data.length} suites from ${loaded.runs.length} runs → ${outDir}\n`,
  );
  if (charts.length === 0) return EXIT.failed;
  // A chart not drawn is this run's own output missing; a skipped input may be an old night's.
  if (failures.length) return EXIT.partial;
  return partialExit(
    loaded.skipped,
    loaded.runs.map((r) => runDate(r)),
    io,
  );
}
