import { describe, expect, it } from "@jest/globals";
import { parseServingOutput } from "../../src/sglang/serving.js";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";
import { parseServerArgs, parseServerLog } from "../../src/sglang/server-log.js";
import { parseOneBatchOutput } from "../../src/sglang/one-batch.js";

const BLOCK = [
  "============ Serving Benchmark Result ============",
  "Backend:                                 sglang    ",
  "Max request concurrency:                 not set   ",
  "Median E2E Latency (ms):                 9893.41   ",
  "Brand New Metric (ms):                   1.5",
  "P99 TTFT (ms):                           inf",
  "==================================================",
].join("\n");

describe("bench_serving block", () => {
  it("maps labels, keeps unknown labels by slug and non-numbers as labels, ignores tqdm \\r noise", () => {
    const text = `100%|██████| 300/300 [05:00<00:00,  1.00it/s]\r${"x".repeat(20000)}%|\n${BLOCK}\n`;
    const { blocks, diagnostics } = parseServingOutput(text, "c.log");
    expect(diagnostics).toEqual([]);
    expect(blocks[0]!.metrics).toEqual({ median_e2e_latency_ms: 9893.41, brand_new_metric_ms: 1.5 });
    expect(blocks[0]!.labels).toEqual({
      Backend: "sglang",
      "Max request concurrency": "not set",
      "P99 TTFT (ms)": "inf",
    });
  });

  it("says a known figure that is not a number (a garbled log) with its line, and keeps the rest", () => {
    const text = BLOCK.replace("9893.41", "98x3.41");
    const { blocks, diagnostics } = parseServingOutput(text, "c.log");
    expect(blocks[0]!.metrics).toEqual({ brand_new_metric_ms: 1.5 });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        file: "c.log",
        line: 4,
        severity: "error",
        message: expect.stringMatching(/^not a number, left out: Median E2E Latency \(ms\): +98x3\.41/),
      }),
    ]);
  });

  it("keeps a truncated block and says where it started", () => {
    const text = BLOCK.split("\n").slice(0, 4).join("\n");
    const { blocks, diagnostics } = parseServingOutput(`noise\n${text}\n`, "c.log");
    expect(blocks[0]!.metrics.median_e2e_latency_ms).toBe(9893.41);
    expect(diagnostics[0]).toMatchObject({ file: "c.log", line: 2, expected: "closing `=====` line" });
  });

  it("leaves out a value on the line a log stops in (cut mid-number: 195 of 1954.62), with its line", () => {
    const text = `${BLOCK.split("\n").slice(0, 3).join("\n")}\nMedian TTFT (ms):                        195`;
    const { blocks, diagnostics } = parseServingOutput(text, "c.log");
    expect(blocks[0]!.metrics).toEqual({});
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: "c.log", line: 4, message: expect.stringMatching(/stops mid-line.*195$/) }),
      expect.objectContaining({ file: "c.log", line: 1, message: "result block is truncated" }),
    ]);
  });
});

describe("GSM8K", () => {
  it("reads per-run values and the printed average, skipping `Run N:` echoes", () => {
    const text =
      "Accuracy: 0.805\nInvalid: 0.001\nLatency: 30.5 s\nOutput throughput: 4000.1 token/s\nRun 1: Accuracy: 0.805\nAccuracy: 0.818\nAverage Accuracy over 2 runs: 0.811\n";
    const { gsm8k } = parseGsm8kOutput(text);
    expect(gsm8k?.runs).toEqual([
      { index: 1, accuracy: 0.805, invalid: 0.001, latency_s: 30.5, output_throughput: 4000.1 },
      { index: 2, accuracy: 0.818 },
    ]);
    expect(gsm8k?.average).toBe(0.811);
  });

  it("leaves out an accuracy on the line a log stops in (0.9 of 0.935), with its line", () => {
    const { gsm8k, diagnostics } = parseGsm8kOutput("Accuracy: 0.931\nAccuracy: 0.9", "g.log");
    expect(gsm8k?.runs).toEqual([{ index: 1, accuracy: 0.931 }]);
    expect(diagnostics).toEqual([expect.objectContaining({ file: "g.log", line: 2, severity: "error" })]);
  });
});

describe("server log", () => {
  it("reads the MHA KV line, max_total_num_tokens, ready line and OOM", () => {
    const scan = parseServerLog(
      "[TP0] KV Cache is allocated. #tokens: 4609641, K size: 70.34 GB, V size: 70.34 GB\nmax_total_num_tokens=4609641\nThe server is fired up and ready to roll!\ntorch.OutOfMemoryError: HIP out of memory\n",
    );
    expect(scan.kv_cache).toMatchObject({ num_tokens: 4609641, size_gb: 140.68, max_total_num_tokens: 4609641 });
    expect(scan.ready).toBe(true);
    expect(scan.fatal).toMatchObject({ line: 4, oom: true });
  });
  it("names a crash by the exception that ends its traceback, not the traceback's first line", () => {
    const scan = parseServerLog(
      [
        "[2025-11-26 09:35:04 TP3] Scheduler hit an exception: Traceback (most recent call last):",
        '  File "/sgl-workspace/sglang/python/sglang/srt/managers/scheduler.py", line 2412, in run_scheduler_process',
        "    scheduler = Scheduler(server_args, port_args, gpu_id, tp_rank, dp_rank)",
        "RuntimeError: HIP error: invalid device function",
        "torch.OutOfMemoryError: later noise",
      ].join("\n"),
    );
    expect(scan.fatal).toEqual({ line: 4, text: "RuntimeError: HIP error: invalid device function", oom: false });
  });
  it("reads the MLA form", () => {
    expect(parseServerLog("#tokens: 971748, KV size: 63.60 GB").kv_cache).toMatchObject({
      num_tokens: 971748,
      size_gb: 63.6,
    });
  });
});

describe("bench_one_batch", () => {
  it("separates warm-up from benchmark blocks and reads both decode forms", () => {
    const text = [
      "Warmup ...",
      "Prefill. latency: 0.5 s, throughput:   100.00 token/s",
      "Total. latency:  1.0 s, throughput:   10.00 token/s",
      "Benchmark ...",
      "[2026-02-26 10:25:21 TP0] Reset HybridReqToTokenPool",
      "Prefill. latency: 0.37183 s, throughput:  11015.86 token/s",
      "Decode 0. Batch size: 4, latency: 0.01211 s, throughput:    330.38 token/s",
      "Decode.  median latency: 0.01178 s, median throughput:    339.57 token/s",
      "Total. latency:  1.112 s, throughput:   3981.76 token/s",
      "Prefill. latency: 0.4 s, throughput:  9000.00 token/s",
      "Decode.  latency: 0.02 s, throughput:     50.00 token/s",
      "Decode.  latency: 0.04 s, throughput:     25.00 token/s",
      "Decode.  latency: 0.03 s, throughput:     33.00 token/s",
    ].join("\n");
    const { blocks, diagnostics } = parseOneBatchOutput(text, "o.log");
    expect(blocks.map((b) => b.warmup)).toEqual([true, false, false]);
    expect(blocks[1]).toMatchObject({
      batch_size: 4,
      metrics: { median_decode_latency: 0.01178, total_latency: 1.112, overall_throughput: 3981.76 },
    });
    expect(blocks[2]!.metrics.median_decode_latency).toBe(0.03);
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: "o.log", line: 10, expected: "`Total. latency:` line" }),
    ]);
  });
});

describe("JSONL", () => {
  it("accepts bare Infinity/NaN, keeps strings intact and reports a bad line by number", async () => {
    const { parseJsonl } = await import("../../src/sglang/jsonl.js");
    const text =
      '{"request_rate": Infinity, "p99_ttft_ms": NaN, "backend": "NaN Infinity"}\n{broken\n{"batch_size": 4, "total_latency": 1.112}\n';
    const { records, diagnostics } = parseJsonl(text, "r.jsonl");
    expect(records).toHaveLength(2);
    expect(records[0]!.request_rate).toBe(Infinity);
    expect(Number.isNaN(records[0]!.p99_ttft_ms)).toBe(true);
    expect(records[0]!.backend).toBe("NaN Infinity");
    expect(records[1]).toEqual({ batch_size: 4, total_latency: 1.112 });
    expect(diagnostics).toEqual([expect.objectContaining({ file: "r.jsonl", line: 2 })]);
  });
});

describe("parseServerArgs: launch settings", () => {
  it("reads the numeric settings that size memory and batching, and skips the ones printed as None", () => {
    // Real DeepSeek-V3 MI300X nightly of 2025-11-23 (abridged ServerArgs line).
    const line =
      "[2025-11-23 12:15:40] server_args=ServerArgs(model_path='/mnt/raid/models/huggingface/deepseek-ai/DeepSeek-V3-0324', mem_fraction_static=0.612, max_running_requests=1024, max_total_tokens=None, chunked_prefill_size=16384, tp_size=8, dp_size=1, cuda_graph_max_bs=256, enable_dp_attention=False)";
    expect(parseServerArgs(line)?.settings).toEqual({
      mem_fraction_static: 0.612,
      max_running_requests: 1024,
      chunked_prefill_size: 16384,
      tp_size: 8,
      dp_size: 1,
      cuda_graph_max_bs: 256,
    });
  });
});
