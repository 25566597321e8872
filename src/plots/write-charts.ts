/**
 * Writes every chart of the chart data as SVG and/or PNG under
 * `<out>/<hardware>/<model>/<suite>/<chart>.{svg,png}` (stable names, so issues and the dashboard
 * can link to the latest chart).
 */
import { createHash } from "node:crypto";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SuiteChartData } from "./chart-data.js";
import { collectGarbage } from "./collect.js";
import { renderSvg, svgToPng } from "./render.js";
import { suiteChartSpecs, type SpecOptions } from "./specs.js";

/** An image format the plot command writes. */
export type ChartFormat = "svg" | "png";

/** One chart written to disk. */
export interface WrittenChart {
  hardware: string;
  model: string;
  suite: string;
  id: string;
  title: string;
  /** Paths relative to the output folder, per format. */
  files: Partial<Record<ChartFormat, string>>;
}

/** Options for {@link writeCharts}. */
export interface WriteChartsOptions {
  outDir: string;
  formats?: readonly ChartFormat[];
  /** PNG zoom factor (default 1.5). */
  zoom?: number;
  spec?: SpecOptions;
  /**
   * Skip charts whose spec has not changed since the last write into `outDir` (hashes kept in
   * `<outDir>/.chart-hashes.json`): the nightly's update redraws only what the new run changed.
   */
  reuse?: boolean;
}

/** File that remembers the spec hash of every chart written into an output folder. */
export const HASH_FILE = ".chart-hashes.json";

async function readHashes(outDir: string): Promise<Record<string, string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(outDir, HASH_FILE), "utf8"));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
  } catch {
    return {}; // first build, or a damaged cache: redraw everything
  }
}

async function allExist(paths: readonly string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((p) => access(p)));
    return true;
  } catch {
    return false;
  }
}

/** A chart that could not be drawn; the others are still written. */
export interface ChartFailure {
  chart: string;
  message: string;
}

/** Path-safe folder name (model names carry `/` only by mistake, but never let one escape). */
export function safeSegment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_") || "_";
}

/** Folder of a suite's charts, relative to the output folder. */
export function suiteChartDir(d: Pick<SuiteChartData, "hardware" | "model" | "suite">): string {
  return join(safeSegment(d.hardware), safeSegment(d.model), safeSegment(d.suite));
}

/** Renders and writes every chart; a chart that fails is reported and the rest are written. */
export async function writeCharts(
  data: readonly SuiteChartData[],
  opts: WriteChartsOptions,
): Promise<{ charts: WrittenChart[]; failures: ChartFailure[]; reused: number }> {
  const formats = opts.formats ?? ["svg", "png"];
  const charts: WrittenChart[] = [];
  const failures: ChartFailure[] = [];
  const previous = opts.reuse ? await readHashes(opts.outDir) : {};
  const hashes: Record<string, string> = { ...previous };
  let reused = 0;
  for (const d of data) {
    const rel = suiteChartDir(d);
    await mkdir(join(opts.outDir, rel), { recursive: true });
    for (const chart of suiteChartSpecs(d, opts.spec)) {
      const name = `${d.hardware}/${d.model}/${d.suite}/${chart.id}`;
      const files: WrittenChart["files"] = {};
      for (const f of formats) files[f] = join(rel, `${chart.id}.${f}`);
      const written = { hardware: d.hardware, model: d.model, suite: d.suite, id: chart.id, title: chart.title, files };
      const hash = createHash("sha1")
        .update(JSON.stringify([chart.spec, formats, opts.zoom ?? null]))
        .digest("hex");
      const paths = Object.values(files).map((f) => join(opts.outDir, f));
      if (opts.reuse && previous[name] === hash && (await allExist(paths))) {
        charts.push(written);
        reused++;
        continue;
      }
      try {
        const svg = await renderSvg(chart.spec, name);
        if (files.svg) await writeFile(join(opts.outDir, files.svg), svg);
        // The SVG's vega garbage is collected before the raster is made, so the peak is the larger
        // of the two, not their sum (rasterising alongside the next SVG saved little and cost
        // ~80 MB at a year of nights).
        collectGarbage();
        if (files.png) await writeFile(join(opts.outDir, files.png), await svgToPng(svg, opts.zoom));
        charts.push(written);
        hashes[name] = hash;
      } catch (error: unknown) {
        delete hashes[name];
        failures.push({ chart: name, message: (error as Error).message });
      }
    }
  }
  if (opts.reuse) {
    await mkdir(opts.outDir, { recursive: true });
    await writeFile(join(opts.outDir, HASH_FILE), `${JSON.stringify(hashes, null, 1)}\n`);
  }
  return { charts, failures, reused };
}
