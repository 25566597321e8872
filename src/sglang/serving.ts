/** Parser for the `bench_serving` text result block ("Serving Benchmark Result"). */
import type { Diagnostic } from "../core/results/index.js";
import { SERVING_LABELS, slugLabel } from "../core/catalogue/index.js";
import { isProgressLine, parseNumber, splitLines } from "./lines.js";

/** One result block: canonical metrics plus non-numeric labels (backend, `not set`). */
export interface ServingBlock {
  metrics: Record<string, number>;
  labels: Record<string, string>;
  /** 1-based line of the block header. */
  line: number;
  /** False when the closing `=====` line was never reached (truncated log). */
  complete: boolean;
}

export interface ServingParse {
  blocks: ServingBlock[];
  diagnostics: Diagnostic[];
}

const HEADER = "Serving Benchmark Result";

/** Parse every result block in a client log; never throws. */
export function parseServingOutput(text: string, file = "<input>"): ServingParse {
  const lines = splitLines(text);
  const blocks: ServingBlock[] = [];
  const diagnostics: Diagnostic[] = [];
  let current: ServingBlock | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.includes(HEADER)) {
      if (current) {
        diagnostics.push(truncated(file, current.line));
        blocks.push(current);
      }
      current = { metrics: {}, labels: {}, line: i + 1, complete: false };
      continue;
    }
    if (!current) continue;
    if (isProgressLine(line)) continue;
    const trimmed = line.trim();
    if (/^=+$/.test(trimmed)) {
      current.complete = true;
      blocks.push(current);
      current = undefined;
      continue;
    }
    if (/^-+.*-+$/.test(trimmed) || trimmed === "") continue;
    const colon = trimmed.lastIndexOf(":");
    if (colon <= 0) {
      diagnostics.push({
        file,
        line: i + 1,
        expected: "`Label: value`",
        message: `unexpected line in result block: ${trimmed.slice(0, 80)}`,
        severity: "warning",
      });
      continue;
    }
    const label = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1).trim();
    const key = SERVING_LABELS[label] ?? slugLabel(label);
    const n = parseNumber(value);
    if (n === undefined || !Number.isFinite(n)) current.labels[label] = value;
    else current.metrics[key] = n;
  }
  if (current) {
    diagnostics.push(truncated(file, current.line));
    blocks.push(current);
  }
  return { blocks, diagnostics };
}

function truncated(file: string, line: number): Diagnostic {
  return { file, line, expected: "closing `=====` line", message: "result block is truncated", severity: "warning" };
}
