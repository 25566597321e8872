/** Parser for the `bench_serving` text result block ("Serving Benchmark Result"). */
import type { Diagnostic, RequestSamples } from "../core/results/index.js";
import { SERVING_LABELS, slugLabel } from "../core/catalogue/index.js";
import { cutLineDiagnostic, cutLineIndex, isProgressLine, parseNumber, splitNumberedLines } from "./lines.js";

/** One result block: canonical metrics plus non-numeric labels (backend, `not set`). */
export interface ServingBlock {
  metrics: Record<string, number>;
  labels: Record<string, string>;
  /** 1-based line of the block header, counting `\n` only (as `wc -l` and editors do). */
  line: number;
  /** False when the closing `=====` line was never reached (truncated log). */
  complete: boolean;
}

export interface ServingParse {
  blocks: ServingBlock[];
  diagnostics: Diagnostic[];
}

const HEADER = "Serving Benchmark Result";

/**
 * Parse every result block in a client log; never throws. A block cut short (no closing `=====`)
 * keeps the lines it has and is reported as an error: its missing metrics are input left out.
 */
export function parseServingOutput(text: string, file = "<input>"): ServingParse {
  const { lines, lineNo } = splitNumberedLines(text);
  const blocks: ServingBlock[] = [];
  const diagnostics: Diagnostic[] = [];
  let current: ServingBlock | undefined;
  const cutAt = cutLineIndex(text, lines);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.includes(HEADER)) {
      if (current) {
        diagnostics.push(truncated(file, current.line));
        blocks.push(current);
      }
      current = { metrics: {}, labels: {}, line: lineNo[i] ?? i + 1, complete: false };
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
        line: lineNo[i] ?? i + 1,
        expected: "`Label: value`",
        message: `unexpected line in result block: ${trimmed.slice(0, 80)}`,
        severity: "warning",
      });
      continue;
    }
    const label = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1).trim();
    if (i === cutAt) {
      diagnostics.push(cutLineDiagnostic(file, lineNo[i] ?? i + 1, trimmed));
      continue;
    }
    const key = SERVING_LABELS[label] ?? slugLabel(label);
    const n = parseNumber(value);
    if (n === undefined || !Number.isFinite(n)) {
      current.labels[label] = value;
      // A known figure that is not a number (`Median ITL (ms): 4x.96`) is lost: said, with its line.
      if (SERVING_LABELS[label] && !NOT_A_FIGURE.test(label) && !WORDS.test(value))
        diagnostics.push({
          file,
          line: lineNo[i] ?? i + 1,
          expected: "a number",
          message: `not a number, left out: ${trimmed.slice(0, 80)}`,
          severity: "error",
        });
    } else current.metrics[key] = n;
  }
  if (current) {
    diagnostics.push(truncated(file, current.line));
    blocks.push(current);
  }
  return { blocks, diagnostics };
}

/** Labels whose value is a word (the backend), and the words bench_serving prints for unset figures. */
const NOT_A_FIGURE = /^Backend$/i;
const WORDS = /^(?:-?inf|nan|none|not set|n\/a|)$/i;

function truncated(file: string, line: number): Diagnostic {
  return { file, line, expected: "closing `=====` line", message: "result block is truncated", severity: "error" };
}

/**
 * Per-request timings from a bench_serving `--output-file` record written with `--output-details`
 * (bench_serving.py `result_details`): `ttfts` (s), `itls` (s, one list per request), `output_lens`,
 * `errors` — one entry per request, failed ones with an error text, TTFT 0 and output length 0.
 * Returns successful requests only, in ms rounded to 0.01; undefined when the record has no details.
 */
export function parseServingDetails(record: Record<string, unknown>): RequestSamples | undefined {
  const { ttfts, itls, output_lens: outputLens, errors } = record;
  if (!Array.isArray(ttfts) || !Array.isArray(itls) || ttfts.length === 0) return undefined;
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  const samples: Required<Omit<RequestSamples, "source">> = { ttft_ms: [], e2e_ms: [], output_len: [] };
  for (let i = 0; i < ttfts.length; i++) {
    const ttft = ttfts[i];
    const error = Array.isArray(errors) ? errors[i] : "";
    if (typeof ttft !== "number" || !Number.isFinite(ttft) || ttft <= 0 || (typeof error === "string" && error !== ""))
      continue;
    const gaps = Array.isArray(itls[i]) ? (itls[i] as unknown[]) : [];
    const decode = gaps.reduce<number>((s, g) => s + (typeof g === "number" && Number.isFinite(g) ? g : 0), 0);
    const out = Array.isArray(outputLens) && typeof outputLens[i] === "number" ? (outputLens[i] as number) : undefined;
    samples.ttft_ms.push(round(ttft * 1000));
    samples.e2e_ms.push(round((ttft + decode) * 1000));
    samples.output_len.push(out ?? gaps.length + 1);
  }
  return samples.ttft_ms.length > 0 ? samples : undefined;
}
