/**
 * Value labels that never overlap: candidates are placed in priority order above their point,
 * else below, else beside it (above/below, to the right or left); a position whose box would hit an
 * accepted label, a reserved area, the drawn line, or leave the plot is skipped, and a label with no
 * free position is dropped. The seed annotated every point and its labels piled on each other.
 */

/** A value label wanted at a point, in pixel coordinates of the plot area (y grows downwards). */
export interface LabelCandidate {
  x: number;
  y: number;
  text: string;
  /** Lower is placed first. */
  priority: number;
  /**
   * Side the label may move to when centred positions are taken (default both): the night before a
   * change reads left of its rule, the night after it right.
   */
  side?: "left" | "right";
}

/** The positions tried, in order: centred above/below the point, then beside it. */
export const LABEL_POSITIONS = ["above", "below", "above-right", "above-left", "below-right", "below-left"] as const;

/** Where a candidate's label went; `undefined` = dropped. */
export type LabelPlacement = (typeof LABEL_POSITIONS)[number] | undefined;

/** A rectangle in plot pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Geometry of the labels and the plot area. */
export interface LabelGeometry {
  width: number;
  height: number;
  /** Font size in px (default 10); box width is estimated from it. */
  fontSize?: number;
  /** Gap between the point and the label box (default 5). */
  offset?: number;
  /** Space kept free around each box (default 2). */
  margin?: number;
  /** Points a label must not cover (the drawn lines, sampled by {@link samplePolyline}). */
  obstacles?: readonly { x: number; y: number }[];
  /** Areas already taken (other text drawn on the plot). */
  reserved?: readonly Box[];
}

/** Points every `step` px along a polyline, so labels can keep off the line itself. */
export function samplePolyline(points: readonly { x: number; y: number }[], step = 3): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < points.length; i++) {
    const a = points[i];
    if (!a || !Number.isFinite(a.x) || !Number.isFinite(a.y)) continue;
    out.push(a);
    const b = points[i + 1];
    if (!b || !Number.isFinite(b.x) || !Number.isFinite(b.y)) continue;
    const n = Math.floor(Math.hypot(b.x - a.x, b.y - a.y) / step);
    for (let k = 1; k < n; k++) out.push({ x: a.x + ((b.x - a.x) * k) / n, y: a.y + ((b.y - a.y) * k) / n });
  }
  return out;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Width of a label in px: DejaVu Sans digits are ≈ 0.64 em, a bit wider than the average glyph. */
export function labelWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.64;
}

/** The box (with margin) of a label of width `w` and height `h` at a position around its point. */
function labelBox(
  c: { x: number; y: number },
  where: NonNullable<LabelPlacement>,
  w: number,
  h: number,
  offset: number,
  margin: number,
): Box {
  const [vertical, side] = where.split("-") as ["above" | "below", "right" | "left" | undefined];
  const x0 = side === "right" ? c.x + offset : side === "left" ? c.x - offset - w : c.x - w / 2;
  const dy = offset;
  const y0 = vertical === "above" ? c.y - dy - h : c.y + dy;
  return { x0: x0 - margin, x1: x0 + w + margin, y0: y0 - margin, y1: y0 + h + margin };
}

/** Vega text-mark properties that draw a label at a placement (align, baseline, dx, dy). */
export function labelMark(where: NonNullable<LabelPlacement>, offset = 5): Record<string, string | number> {
  const [vertical, side] = where.split("-") as ["above" | "below", "right" | "left" | undefined];
  const dy = offset;
  return {
    align: side === "right" ? "left" : side === "left" ? "right" : "center",
    baseline: vertical === "above" ? "bottom" : "top",
    dx: side === "right" ? offset : side === "left" ? -offset : 0,
    dy: vertical === "above" ? -dy : dy,
  };
}

/** Chooses which labels to show and where; returns one placement per candidate, in input order. */
export function placeLabels(candidates: readonly LabelCandidate[], geo: LabelGeometry): LabelPlacement[] {
  const fontSize = geo.fontSize ?? 10;
  const offset = geo.offset ?? 5;
  const margin = geo.margin ?? 2;
  const h = fontSize * 1.2;
  const order = candidates
    .map((_, i) => i)
    .sort((a, b) => {
      const ca = candidates[a];
      const cb = candidates[b];
      return (ca?.priority ?? 0) - (cb?.priority ?? 0) || (ca?.x ?? 0) - (cb?.x ?? 0);
    });
  const accepted: Box[] = [...(geo.reserved ?? [])];
  const obstacles = geo.obstacles ?? [];
  // The box itself (without its margin) must stay clear of the line.
  const covers = (b: Box): boolean =>
    obstacles.some((o) => o.x > b.x0 + margin && o.x < b.x1 - margin && o.y > b.y0 + margin && o.y < b.y1 - margin);
  const out: LabelPlacement[] = candidates.map(() => undefined);
  for (const i of order) {
    const c = candidates[i];
    if (!c || !Number.isFinite(c.x) || !Number.isFinite(c.y)) continue;
    const w = labelWidth(c.text, fontSize);
    for (const where of LABEL_POSITIONS) {
      if (c.side && where.includes("-") && !where.endsWith(c.side)) continue;
      const box = labelBox(c, where, w, h, offset, margin);
      if (box.x0 < -margin || box.x1 > geo.width + margin || box.y0 < -margin || box.y1 > geo.height + margin) continue;
      if (accepted.some((b) => overlaps(b, box)) || covers(box)) continue;
      accepted.push(box);
      out[i] = where;
      break;
    }
  }
  return out;
}

/** Short number for a label: 3–4 significant digits, thousands without decimals. */
export function formatValue(value: number): string {
  const a = Math.abs(value);
  if (a >= 1000) return Math.round(value).toString();
  if (a >= 100) return value.toFixed(1);
  if (a >= 10) return value.toFixed(2);
  if (a >= 1) return value.toFixed(3);
  return value.toPrecision(3);
}
