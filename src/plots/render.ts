/**
 * Rendering: Vega-Lite spec → Vega → SVG (vega's headless View, no canvas) → PNG (resvg), all from
 * npm with no native build step and no network.
 */
import { existsSync } from "node:fs";
import * as vega from "vega";
import * as vl from "vega-lite";
import type { VlSpec } from "./specs.js";

/** Compiles a Vega-Lite spec into a Vega spec; errors name the chart. */
export function compileSpec(spec: VlSpec, name = "chart"): vega.Spec {
  try {
    return vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  } catch (error: unknown) {
    throw new Error(`cannot compile the ${name} chart: ${(error as Error).message}`, { cause: error });
  }
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: VlSpec, name = "chart"): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec, name)), { renderer: "none" });
  try {
    return await view.toSVG();
  } catch (error: unknown) {
    throw new Error(`cannot render the ${name} chart: ${(error as Error).message}`, { cause: error });
  } finally {
    view.finalize();
  }
}

/** Where distributions put DejaVu Sans (Debian/Ubuntu, Fedora, Arch, Alpine). */
const DEJAVU_DIRS = [
  "/usr/share/fonts/truetype/dejavu",
  "/usr/share/fonts/dejavu-sans-fonts",
  "/usr/share/fonts/dejavu",
  "/usr/share/fonts/TTF",
  "/usr/share/fonts/ttf-dejavu",
];
let dejavuFiles: string[] | undefined;

/**
 * The two DejaVu Sans faces the charts use. Loading only these instead of every system font makes
 * a PNG ~3× faster and stops each render from holding a copy of the whole font database in native
 * memory (a year of charts grew the process by ~10 MB a chart).
 */
function chartFonts(): string[] {
  dejavuFiles ??=
    DEJAVU_DIRS.map((d) => [`${d}/DejaVuSans.ttf`, `${d}/DejaVuSans-Bold.ttf`]).find((files) =>
      files.every((f) => existsSync(f)),
    ) ?? [];
  return dejavuFiles;
}

/**
 * Rasterises an SVG to PNG with the system's DejaVu fonts (fonts-dejavu-core). resvg is a native
 * add-on kept outside the bundles and loaded on first use, so dist/ starts without node_modules.
 */
export async function svgToPng(svg: string, zoom = 1.5): Promise<Buffer> {
  let Resvg: typeof import("@resvg/resvg-js").Resvg;
  try {
    ({ Resvg } = await import("@resvg/resvg-js"));
  } catch (error: unknown) {
    throw new Error("PNG charts need the @resvg/resvg-js package: run `npm ci` (SVG needs nothing)", {
      cause: error,
    });
  }
  // Synchronously on this thread, not renderAsync on libuv's pool: each pool thread that rasterised
  // a chart keeps its own malloc arena (~30 MB each, ~75 MB for a year of charts). The Resvg
  // object holds its tree until V8 finalises it; the full GC run between charts (collect.ts) does.
  const image = new Resvg(svg, {
    fitTo: { mode: "zoom", value: zoom },
    background: "white",
    // Only DejaVu Sans when it is found; otherwise every system font, as before.
    font: chartFonts().length
      ? { loadSystemFonts: false, fontFiles: chartFonts(), defaultFontFamily: "DejaVu Sans" }
      : { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  }).render();
  return image.asPng();
}
