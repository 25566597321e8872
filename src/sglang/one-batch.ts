/**
 * Parser for `bench_one_batch` stdout. Blocks have no header: each starts at a `Prefill.` line;
 * blocks before the `Benchmark ...` line are warm-up. Metric keys follow result.jsonl.
 */
import type { Diagnostic } from "../core/results/index.js";
import { splitNumberedLines } from "./lines.js";

export interface OneBatchBlock {
  warmup: boolean;
  batch_size?: number;
  metrics: Record<string, number>;
  /** 1-based line of the block's `Prefill.` line. */
  line: number;
}

const PREFILL = /^Prefill\. latency:\s*([\d.]+) s, throughput:\s*([\d.]+)/;
const MEDIAN = /^Decode\.\s+median latency:\s*([\d.]+) s, median throughput:\s*([\d.]+)/;
const STEP = /^Decode(?: (\d+)\. Batch size: (\d+), |\.\s+)latency:\s*([\d.]+) s, throughput:\s*([\d.]+)/;
const TOTAL = /^Total\. latency:\s*([\d.]+) s, throughput:\s*([\d.]+)/;

export interface OneBatchParse {
  blocks: OneBatchBlock[];
  diagnostics: Diagnostic[];
  /** The output mentions `OutOfMemoryError` (the seed's OOM test, §1.5). */
  oom: boolean;
  /** Points bench_one_batch skipped: `skipping (bs, il, ol) due to max batch size limit`. */
  skipped: { batch_size: number; input_len: number; output_len: number; line: number }[];
}

const SKIPPING = /skipping \((\d+), (\d+), (\d+)\) due to max batch size limit/;

/** Parse all blocks (warm-up included, flagged); never throws. */
export function parseOneBatchOutput(text: string, file = "<input>"): OneBatchParse {
  const oom = text.includes("OutOfMemoryError");
  const skipped: OneBatchParse["skipped"] = [];
  const blocks: OneBatchBlock[] = [];
  const diagnostics: Diagnostic[] = [];
  let inBenchmark = false;
  let cur: (OneBatchBlock & { steps: number[]; stepTput: number[] }) | undefined;
  const finish = () => {
    if (!cur) return;
    // ≤ v0.4.5 printed no median line: take the median of the printed steps.
    if (cur.metrics.median_decode_latency === undefined && cur.steps.length > 0) {
      cur.metrics.median_decode_latency = median(cur.steps);
      cur.metrics.median_decode_throughput = median(cur.stepTput);
    }
    if (cur.metrics.total_latency === undefined)
      diagnostics.push({
        file,
        line: cur.line,
        expected: "`Total. latency:` line",
        message: "bench_one_batch block is truncated",
        severity: "warning",
      });
    const { steps: _s, stepTput: _t, ...block } = cur;
    blocks.push(block);
    cur = undefined;
  };
  const { lines, lineNo } = splitNumberedLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "Benchmark ...") {
      finish();
      inBenchmark = true;
      continue;
    }
    if (line === "Warmup ...") {
      finish();
      inBenchmark = false;
      continue;
    }
    const skip = line.length < 500 ? SKIPPING.exec(line) : null;
    if (skip) {
      skipped.push({
        batch_size: Number(skip[1]),
        input_len: Number(skip[2]),
        output_len: Number(skip[3]),
        line: lineNo[i] ?? i + 1,
      });
      continue;
    }
    let m = PREFILL.exec(line);
    if (m) {
      finish();
      cur = {
        warmup: !inBenchmark,
        metrics: { prefill_latency: Number(m[1]), prefill_throughput: Number(m[2]) },
        line: lineNo[i] ?? i + 1,
        steps: [],
        stepTput: [],
      };
      continue;
    }
    if (!cur) continue;
    if ((m = MEDIAN.exec(line))) {
      cur.metrics.median_decode_latency = Number(m[1]);
      cur.metrics.median_decode_throughput = Number(m[2]);
    } else if ((m = STEP.exec(line))) {
      if (m[2]) cur.batch_size = Number(m[2]);
      cur.steps.push(Number(m[3]));
      cur.stepTput.push(Number(m[4]));
    } else if ((m = TOTAL.exec(line))) {
      cur.metrics.total_latency = Number(m[1]);
      cur.metrics.overall_throughput = Number(m[2]);
      finish();
    }
  }
  finish();
  return { blocks, diagnostics, oom, skipped };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
