/**
 * Building blocks of a results record shared by run-folder and console-log ingest: suite naming,
 * repeats grouped by point, and the facts the seed's image tags and scripts imply.
 */
import { attentionBackend, parseImage } from "../core/catalogue/index.js";
import {
  pointKey,
  POINT_KEYS,
  type Failure,
  type Point,
  type PointResult,
  type Repeat,
  type RunResults,
} from "../core/results/index.js";
import type { ServingBlock } from "../sglang/serving.js";

/** Model/suite naming shared by folders and console logs. */
export function suiteFor(kind: "online" | "offline", model: string, mode?: string): string {
  const family = /deepseek/i.test(model) ? "deepseek" : /grok/i.test(model) ? "grok" : slug(model);
  return kind === "online" ? `${family}-online` : `${family}-offline-${mode ?? "normal"}`;
}
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/** Repeats grouped by point, in first-seen order. */
export class PointTable {
  private readonly points = new Map<string, PointResult>();
  add(point: Point, repeat: Repeat): void {
    const key = pointKey(point);
    const entry = this.points.get(key) ?? { point, repeats: [] };
    entry.repeats.push(repeat);
    this.points.set(key, entry);
  }
  /** Marks a point failed (it appears with no repeats when nothing was measured). */
  fail(point: Point, failure: Failure): void {
    const key = pointKey(point);
    const entry = this.points.get(key) ?? { point, repeats: [] };
    entry.failure ??= failure;
    this.points.set(key, entry);
  }
  list(): PointResult[] {
    const order = (p: Point) => POINT_KEYS.map((k) => p[k] ?? -1);
    const compare = (a: Point, b: Point) => {
      const x = order(a);
      const y = order(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    };
    return [...this.points.values()]
      .sort((a, b) => compare(a.point, b.point))
      .map((p) => ({ ...p, repeats: p.repeats.sort((a, b) => a.index - b.index) }));
  }
  has(point: Point): boolean {
    return this.points.has(pointKey(point));
  }
  /**
   * True when a point of the table agrees with every coordinate `point` names: a client log that
   * stopped before printing its lengths names only its concurrency, yet is a repeat of that point.
   */
  covers(point: Point): boolean {
    if (this.has(point)) return true;
    const named = POINT_KEYS.filter((k) => point[k] !== undefined);
    return [...this.points.values()].some((p) => named.every((k) => p.point[k] === point[k]));
  }
  get size(): number {
    return this.points.size;
  }
}

export function repeatFrom(block: ServingBlock, index: number, source: string): Repeat {
  return {
    index,
    metrics: block.metrics,
    ...(Object.keys(block.labels).length ? { labels: block.labels } : {}),
    source,
  };
}

/** `repo:tag` → the results model's image reference. */
export function imageRef(image: string): NonNullable<RunResults["image"]> {
  const info = parseImage(image);
  return { full: image, tag: info.tag, ...(info.repo !== image ? { repo: info.repo } : {}) };
}

/**
 * Build date, hardware and (when no log or config said) the attention backend, from the image tag.
 * A folder name carries only the tag: nightly tag shapes imply rocm/sgl-dev, releases lmsysorg/sglang,
 * so the backend rule sees the repo the seed ran.
 */
export function applyImageFacts(run: RunResults): void {
  if (!run.image) return;
  let info = parseImage(run.image.full);
  if (!run.image.repo) {
    const repo =
      info.family === "release"
        ? "lmsysorg/sglang"
        : info.family === "custom" || info.family === "floating"
          ? undefined
          : "rocm/sgl-dev";
    if (repo) info = parseImage(`${repo}:${info.tag}`);
  }
  if (info.date) run.date = info.date;
  if (info.hardware && !run.hardware) run.hardware = info.hardware;
  if (!run.backend) run.backend = attentionBackend(info);
}

/**
 * Lengths the seed's scripts fixed but its file names and CSVs leave out (original-toolkit.md §1.2,
 * §1.3, §2.9), so a point reads the same whether it came from a log, a CSV or our runner:
 * Grok offline output length per mode, DeepSeek offline 128/32 at TP 8, DeepSeek online 3200/800.
 */
export function seedLengths(model: string, kind: "offline" | "online", mode?: string): Partial<Point> {
  const deepseek = /deepseek/i.test(model);
  if (kind === "online") return deepseek ? { input_len: 3200, output_len: 800 } : {};
  if (deepseek) return { tp: 8, input_len: 128, output_len: 32 };
  const output = mode === "long_context" ? 10 : mode === "dummy" ? 4096 : 128;
  return /grok/i.test(model) ? { output_len: output } : {};
}

/** Adds {@link seedLengths} to points (and their failures) that lack them; what a source printed wins. */
export function fillSeedLengths(run: RunResults): void {
  const defaults = seedLengths(run.model.name, run.kind, run.mode);
  if (Object.keys(defaults).length === 0) return;
  for (const p of run.points) {
    // Online lengths belong to concurrency points only (Grok request-rate points never carried them).
    if (run.kind === "online" && p.point.concurrency === undefined) continue;
    p.point = { ...defaults, ...p.point };
    if (p.failure) p.failure.point = p.point;
  }
  for (const f of run.failures)
    if (f.point && !(run.kind === "online" && f.point.concurrency === undefined)) f.point = { ...defaults, ...f.point };
}
