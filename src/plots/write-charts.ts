/**
 * Writes every chart of the chart data as SVG and/or PNG under
 * `<out>/<hardware>/<model>/<suite>/<chart>.{svg,png}` (stable names, so issues and the dashboard
 * can link to the latest chart).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SuiteChartData } from "./chart-data.js";
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
): Promise<{ charts: WrittenChart[]; failures: ChartFailure[] }> {
  const formats = opts.formats ?? ["svg", "png"];
  const charts: WrittenChart[] = [];
  const failures: ChartFailure[] = [];
  for (const d of data) {
    const rel = suiteChartDir(d);
    await mkdir(join(opts.outDir, rel), { recursive: true });
    for (const chart of suiteChartSpecs(d, opts.spec)) {
      const name = `${d.hardware}/${d.model}/${d.suite}/${chart.id}`;
      try {
        const svg = await renderSvg(chart.spec, name);
        const files: WrittenChart["files"] = {};
        if (formats.includes("svg")) {
          files.svg = join(rel, `${chart.id}.svg`);
          await writeFile(join(opts.outDir, files.svg), svg);
        }
        if (formats.includes("png")) {
          files.png = join(rel, `${chart.id}.png`);
          await writeFile(join(opts.outDir, files.png), svgToPng(svg, opts.zoom));
        }
        charts.push({ hardware: d.hardware, model: d.model, suite: d.suite, id: chart.id, title: chart.title, files });
      } catch (error: unknown) {
        failures.push({ chart: name, message: (error as Error).message });
      }
    }
  }
  return { charts, failures };
}
