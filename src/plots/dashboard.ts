/**
 * The static dashboard: `<out>/index.html` (hardware × model pages, latest nightlies, open change
 * points) and `<out>/<hardware>/<model>/index.html` (interactive charts rendered in the browser by
 * the copied vega/vega-lite builds, latest nights, change points, runs with links to their folders
 * and logs), plus the charts as SVG/PNG under `<out>/charts/`. Works from file:// and offline.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { z } from "zod";
import { type SeriesChange, runDate } from "../core/trends/index.js";
import type { RunResults } from "../core/results/index.js";
import type { Skipped } from "../store/history.js";
import { writeAssets } from "./assets.js";
import { modelLabel, type SuiteChartData } from "./chart-data.js";
import { indexHtml, modelPageHtml, type ModelPage, type NightlyRow, type RunRow } from "./dashboard-html.js";
import { collectGarbage } from "./collect.js";
import { loadChartData } from "./load.js";
import { readSanityNights } from "./sanity-table.js";
import { suiteChartSpecs } from "./specs.js";
import { safeSegment, suiteChartDir, writeCharts, type ChartFailure, type ChartFormat } from "./write-charts.js";

/** Options for {@link buildDashboard}. */
export interface DashboardOptions {
  dataDir: string;
  outDir: string;
  /** Only the last N days (with `today`). */
  days?: number;
  today?: string;
  /** Only this model's run folders (`GROK1`, `DeepSeek-V3-0324`). */
  model?: string;
  /** Chart images written next to the pages (default SVG and PNG; empty = none). */
  images?: readonly ChartFormat[];
  /**
   * Base URL of the run folders (e.g. `/` when `sglbench serve` serves the data dir, or a file
   * server's URL). Default: relative file paths from each page to the folder on disk.
   */
  runsUrl?: string;
  /** Change points are searched in each series' last N nights (default 120; 0 = all). */
  changeNights?: number;
  /** Change points already computed (the nightly's); detected here otherwise. */
  changes?: readonly SeriesChange[];
  /** Clock for the "generated" line (tests). */
  now?: Date;
}

/** What was built. */
export interface DashboardResult {
  pages: string[];
  charts: number;
  /** Chart images kept from the previous build because their data did not change. */
  reused: number;
  runs: number;
  /** `YYYYMMDD` of every night charted (tells the newest night's skipped inputs from older ones). */
  nights: string[];
  skipped: Skipped[];
  failures: ChartFailure[];
}

const NightlyReportSchema = z.object({
  date: z.string(),
  mode: z.string(),
  model: z.string(),
  image: z.string().optional(),
  exitCode: z.number(),
  suites: z
    .array(z.object({ suite: z.string(), exitCode: z.number(), points: z.number(), failures: z.number() }))
    .default([]),
  regressions: z.array(z.unknown()).default([]),
  notes: z.array(z.string()).default([]),
});

/** The latest nightly report per model × mode under `<dataDir>/nightly_reports`; unreadable ones are listed. */
export async function readNightlyReports(dataDir: string): Promise<{ rows: NightlyRow[]; skipped: Skipped[] }> {
  const dir = join(dataDir, "nightly_reports");
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return { rows: [], skipped: [] }; // no nightly has run here yet
  }
  const latest = new Map<string, NightlyRow>();
  const skipped: Skipped[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const r = NightlyReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
      const row: NightlyRow = {
        date: r.date,
        model: r.model,
        mode: r.mode,
        ...(r.image ? { image: r.image } : {}),
        exitCode: r.exitCode,
        suites: r.suites,
        regressions: r.regressions.length,
        notes: r.notes,
        file: `nightly_reports/${name}`,
      };
      const key = `${r.model}/${r.mode}`;
      const prev = latest.get(key);
      if (!prev || prev.date <= row.date) latest.set(key, row);
    } catch (error: unknown) {
      skipped.push({
        file: `nightly_reports/${name}`,
        reason: `unreadable nightly report: ${(error as Error).message}`,
      });
    }
  }
  return { rows: [...latest.values()].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0)), skipped };
}

/** URL path from a page folder to a file under the data dir. */
function linkTo(opts: DashboardOptions, pageDir: string, rel: string): string {
  const encode = (p: string): string => p.split(/[\\/]/).map(encodeURIComponent).join("/");
  if (opts.runsUrl !== undefined) return `${opts.runsUrl.replace(/\/?$/, "/")}${encode(rel)}`;
  return encode(relative(pageDir, join(opts.dataDir, rel)).split(sep).join("/"));
}

function runRow(run: RunResults, opts: DashboardOptions, pageDir: string): RunRow {
  const sources = run.sources.filter((s) => !s.startsWith("/") && !s.includes(".."));
  const first = sources[0];
  const fromConsole = first?.split(/[\\/]/).includes("cron_log") ?? false;
  const folder = first ? (fromConsole ? first : dirname(first)) : undefined;
  const logs = sources
    .filter((s) => /\.(log|txt)$/.test(s) && s !== folder)
    .map((s) => ({ href: linkTo(opts, pageDir, s), name: basename(s) }));
  const failures = [
    ...run.failures.map((f) => `${f.kind}: ${f.message}`),
    ...run.points.filter((p) => p.failure).map((p) => `${p.failure?.kind}: ${p.failure?.message}`),
  ];
  return {
    date: runDate(run) ?? "",
    suite: run.suite,
    tag: run.image?.tag ?? "",
    ...(run.backend ? { backend: run.backend } : {}),
    points: run.points.length,
    repeats: run.points.reduce((n, p) => n + p.repeats.length, 0),
    failures: [...new Set(failures)].slice(0, 5),
    ...(folder
      ? {
          // Folders end in `/` so a server lists them instead of redirecting.
          folderHref: fromConsole ? linkTo(opts, pageDir, folder) : `${linkTo(opts, pageDir, folder)}/`,
          folderLabel: fromConsole ? "console log" : basename(folder),
        }
      : {}),
    logs: fromConsole ? [] : logs,
  };
}

/** Nights charted in a suite (its longest line). */
function nightsOf(d: SuiteChartData): number {
  return Math.max(0, ...d.metrics.flatMap((m) => m.lines.map((l) => l.nights.length)));
}

/** Builds the whole site into `opts.outDir`. */
export async function buildDashboard(opts: DashboardOptions): Promise<DashboardResult> {
  const loaded = await loadChartData(opts.dataDir, {
    ...(opts.days !== undefined && opts.today ? { days: opts.days, today: opts.today } : {}),
    ...(opts.model ? { model: opts.model } : {}),
    ...(opts.changes ? { changes: opts.changes } : {}),
    ...(opts.changeNights !== undefined ? { changeNights: opts.changeNights } : {}),
  });
  const reports = await readNightlyReports(opts.dataDir);
  const sanity = await readSanityNights(opts.dataDir);
  const generatedAt = (opts.now ?? new Date()).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  await mkdir(opts.outDir, { recursive: true });
  await writeAssets(opts.outDir);

  const formats = opts.images ?? ["svg", "png"];
  const chartsDir = join(opts.outDir, "charts");
  const written = formats.length
    ? await writeCharts(loaded.data, { outDir: chartsDir, formats, reuse: true })
    : { charts: [], failures: [], reused: 0 };

  const byPage = new Map<string, SuiteChartData[]>();
  for (const d of loaded.data) {
    const key = `${d.hardware}\u0000${d.model}`;
    byPage.set(key, [...(byPage.get(key) ?? []), d]);
  }
  const pages: ModelPage[] = [];
  const out: string[] = [];
  for (const [key, suites] of byPage) {
    const [hardware = "unknown", model = ""] = key.split("\u0000");
    const path = `${safeSegment(hardware)}/${safeSegment(model)}/index.html`;
    const pageDir = join(opts.outDir, safeSegment(hardware), safeSegment(model));
    const runs = loaded.runs
      .filter((r) => (r.hardware ?? "unknown") === hardware && modelLabel(r) === model && runDate(r))
      .sort((a, b) => ((runDate(a) ?? "") < (runDate(b) ?? "") ? 1 : -1))
      .map((r) => runRow(r, opts, pageDir));
    // The overview of the suite with the most nights leads the page (the morning glance).
    const main = [...suites].sort((a, b) => nightsOf(b) - nightsOf(a))[0];
    const overview = main
      ? written.charts.find(
          (w) =>
            w.hardware === main.hardware && w.model === main.model && w.suite === main.suite && w.id === "overview",
        )?.files
      : undefined;
    const overviewFile = overview?.png ?? overview?.svg;
    const page: ModelPage = {
      hardware,
      model,
      path,
      runs,
      ...(overviewFile && main
        ? {
            overview: { src: relative(pageDir, join(chartsDir, overviewFile)).split(sep).join("/"), suite: main.suite },
          }
        : {}),
      suites: suites.map((data) => ({
        data,
        charts: suiteChartSpecs(data, { interactive: true }).map((c) => {
          const files = written.charts.find(
            (w) => w.hardware === data.hardware && w.model === data.model && w.suite === data.suite && w.id === c.id,
          )?.files;
          const rel = (f: string | undefined): string | undefined =>
            f ? relative(pageDir, join(chartsDir, f)).split(sep).join("/") : undefined;
          const svg = rel(files?.svg);
          const png = rel(files?.png);
          return { ...c, images: { ...(svg ? { svg } : {}), ...(png ? { png } : {}) } };
        }),
      })),
    };
    // Written now and kept without its chart specs: a year of nights inlined in every page's
    // specs is the largest thing the dashboard builds, and the index needs none of it.
    const file = join(opts.outDir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, modelPageHtml(page, generatedAt));
    out.push(file);
    pages.push({ ...page, suites: page.suites.map((x) => ({ data: x.data, charts: [] })) });
    collectGarbage();
  }
  const skipped = [...loaded.skipped, ...reports.skipped];
  const index = join(opts.outDir, "index.html");
  await writeFile(
    index,
    indexHtml({
      generatedAt,
      dataDir: basename(opts.dataDir) || opts.dataDir,
      pages,
      nightlies: reports.rows,
      sanity,
      dataHref: (rel) => linkTo(opts, opts.outDir, rel),
      skipped,
    }),
  );
  out.unshift(index);
  return {
    pages: out,
    charts: written.charts.length,
    reused: written.reused,
    runs: loaded.runs.length,
    nights: [...new Set(loaded.runs.map((r) => runDate(r) ?? ""))].filter(Boolean).sort(),
    skipped,
    failures: written.failures,
  };
}

/** Where chart images of a suite live inside the site (for links from issues). */
export function chartImagePath(d: Pick<SuiteChartData, "hardware" | "model" | "suite">, id: string): string {
  return `charts/${suiteChartDir(d).split(sep).join("/")}/${id}.png`;
}
