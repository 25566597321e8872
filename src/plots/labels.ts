/**
 * Value labels that never overlap: candidates are placed in priority order above (else below)
 * their point, and a label whose box would hit an accepted one, or leave the plot, is dropped.
 * The seed annotated every point and its labels piled on each other on long series.
 */

/** A value label wanted at a point, in pixel coordinates of the plot area (y grows downwards). */
export interface LabelCandidate {
  x: number;
  y: number;
  text: string;
  /** Lower is placed first. */
  priority: number;
}

/** Where a candidate's label went; `undefined` = dropped. */
export type LabelPlacement = "above" | "below" | undefined;

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
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Width of a label in px: DejaVu Sans digits are ≈ 0.64 em, a bit wider than the average glyph. */
export function labelWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.64;
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
  const accepted: Box[] = [];
  const out: LabelPlacement[] = candidates.map(() => undefined);
  for (const i of order) {
    const c = candidates[i];
    if (!c || !Number.isFinite(c.x) || !Number.isFinite(c.y)) continue;
    const w = labelWidth(c.text, fontSize);
    const x0 = c.x - w / 2 - margin;
    const x1 = c.x + w / 2 + margin;
    if (x0 < -margin || x1 > geo.width + margin) continue;
    const above: Box = { x0, x1, y0: c.y - offset - h - margin, y1: c.y - offset + margin };
    const below: Box = { x0, x1, y0: c.y + offset - margin, y1: c.y + offset + h + margin };
    for (const [where, box] of [
      ["above", above],
      ["below", below],
    ] as const) {
      if (box.y0 < -margin || box.y1 > geo.height + margin) continue;
      if (accepted.some((b) => overlaps(b, box))) continue;
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
