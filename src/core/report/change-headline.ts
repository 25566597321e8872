/**
 * The one sentence every surface leads with for a change (PR report, `compare`, nightly issues,
 * dashboard): the model and the phase a reader thinks in, the change in direction words, then the
 * metric and point — "DeepSeek-V3 decode 5.8 % slower: Median ITL, concurrency 16". Suite ids and
 * folder spellings (GROK1, grok-online) stay in the tables, not in the sentence.
 */
import { modelDisplayName } from "../catalogue/index.js";
import type { Point } from "../results/index.js";
import { pointLabel } from "../verdict/index.js";
import { changeDirection, changeWords } from "./direction.js";

/** What the metric measures, in the reader's words: decode, prefill, end-to-end, accuracy, KV cache. */
export function phaseOf(metric: string): string {
  if (metric.startsWith("kv_cache")) return "KV cache";
  if (/gsm8k|accuracy/i.test(metric)) return "accuracy";
  // A serving run's output throughput is its tokens over the whole run: a stall or a slow prefill
  // lowers it as much as decode does (Grok-2 2025-12-12: −7.4 % with ITL unchanged), so end-to-end.
  if (/^output_throughput$/.test(metric)) return "end-to-end";
  if (/itl|tpot|output_tokens|decode/i.test(metric)) return "decode";
  if (/ttft|input_throughput|prefill/i.test(metric)) return "prefill";
  if (/e2e|total_latency|overall_throughput|request_throughput|total_throughput/i.test(metric)) return "end-to-end";
  return "";
}

/** A tail percentile (P99 …): one slow request in a hundred, not the phase's typical speed. */
export const isTailMetric = (metric: string): boolean => /^p9\d_/.test(metric);

/** A change as the headline says it. */
export interface HeadlineChange {
  /** Any spelling: `DeepSeek-V3-0324_FP8`, `GROK1`, `grok2`. */
  model: string;
  metric: string;
  change_pct: number;
  /** Short metric name: `Median ITL`. */
  label: string;
  /** Readable point (`concurrency 16`); "" or "—" for none. */
  point?: string;
  /** Suite id, kept in the tail so the sentence can be found in the tables: `deepseek-online`. */
  suite?: string;
  /** YYYYMMDD of the first night at the new level (nightly surfaces). */
  since?: string;
  /** An accuracy's mean on each side (0–1): the lead then says the change in points, as the rows do. */
  accuracy?: { from: number; to: number };
}

/** `DeepSeek-V3 decode 5.8 % slower`, `Grok-1 accuracy 2.1 points lower (0.926 → 0.905)`. */
export function changeLead(c: Pick<HeadlineChange, "model" | "metric" | "change_pct" | "accuracy">): string {
  // A P99 moves far more than the phase it belongs to: "decode tail 24 % slower", not "decode …".
  const phase = `${phaseOf(c.metric)}${isTailMetric(c.metric) && phaseOf(c.metric) ? " tail" : ""}`;
  const d = changeDirection(c.metric, c.change_pct);
  // The phase already names what went up or down: "accuracy 2.0 % lower", not "… lower accuracy".
  // An accuracy's floor and its rows are in points, so its change is too when both levels are known.
  const a = c.accuracy;
  const words =
    phase === "accuracy" && a && d !== "unchanged"
      ? `${(Math.abs(a.to - a.from) * 100).toFixed(1)} points ${d} (${a.from.toFixed(3)} → ${a.to.toFixed(3)})`
      : (phase === "accuracy" || phase === "KV cache") && d !== "unchanged"
        ? `${Math.abs(c.change_pct).toFixed(1)} % ${d}`
        : changeWords(c.metric, c.change_pct);
  return [modelDisplayName(c.model), phase, words].filter(Boolean).join(" ");
}

/** `2025-11-03` from `20251103`. */
const isoDate = (d: string): string => (/^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d);

/** `DeepSeek-V3 decode 6.1 % slower since 2025-11-03: Median ITL, concurrency 16 · deepseek-online`. */
export function changeHeadline(c: HeadlineChange): string {
  const since = c.since ? ` since ${isoDate(c.since)}` : "";
  const point = c.point && c.point !== "—" ? `, ${c.point}` : "";
  const suite = c.suite ? ` · ${c.suite}` : "";
  return `${changeLead(c)}${since}: ${c.label}${point}${suite}`;
}

/** A series' point key (`concurrency=16`, `tp=8,batch_size=32,…`) as the report says it: `concurrency 16`. */
export function pointKeyLabel(key: string): string {
  const point: Record<string, number> = {};
  for (const part of key.split(",")) {
    const [k, v] = part.split("=");
    if (!k || v === undefined || !Number.isFinite(Number(v))) return key;
    point[k] = Number(v);
  }
  const label = pointLabel(point as Point);
  return label === "all" ? "" : label;
}
