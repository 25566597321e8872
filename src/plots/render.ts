/**
 * Rendering: Vega-Lite spec → Vega → SVG (vega's headless View, no canvas) → PNG (resvg), all from
 * npm with no native build step and no network.
 */
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
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: zoom },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
