import { describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";
import { parseOneBatchOutput } from "../../src/sglang/one-batch.js";
import { ingestPaths } from "../../src/store/ingest.js";

describe("GSM8K threshold and verdict (spec F9 variants)", () => {
  it("a passing 5-run log gives threshold and passed", () => {
    const text = [
      "Accuracy: 0.805",
      "Run 1: Accuracy: 0.805",
      "Accuracy: 0.818",
      "Run 2: Accuracy: 0.818",
      "Average Accuracy over 2 runs for mode aiter: 0.812",
      "Average accuracy meets threshold (0.8) for mode aiter. Continuing with this mode.",
    ].join("\n");
    expect(parseGsm8kOutput(text, "g").gsm8k).toMatchObject({ average: 0.812, threshold: 0.8, passed: true });
  });

  it("a failing log is passed: false", () => {
    const text = [
      "Accuracy: 0.774",
      "Average Accuracy over 5 runs for mode aiter: 0.774",
      "Average accuracy (0.774) is below threshold (0.8) for mode aiter. Skipping this mode.",
    ].join("\n");
    expect(parseGsm8kOutput(text, "g").gsm8k).toMatchObject({ average: 0.774, threshold: 0.8, passed: false });
  });

  it("the early-exit summary line is not counted as a second run", () => {
    const text = [
      "Executing GSM8K test Run 1 for mode aiter...",
      "Accuracy: 0.818",
      "Invalid: 0.000",
      "Run 1: Accuracy: 0.818",
      "  ✓ Run 1 included in average (accuracy: 0.818)",
      "  🚀 Passed on run 1, skipping remaining 4 run(s)",
      "GSM8K test completed in 52 seconds (early exit)",
      "Accuracy: 0.818 (Required: 0.8)",
      "Accuracy meets threshold (0.8) for mode aiter. Continuing with this mode.",
    ].join("\n");
    const g = parseGsm8kOutput(text, "g").gsm8k;
    expect(g?.runs).toEqual([{ index: 1, accuracy: 0.818, invalid: 0 }]);
    expect(g).toMatchObject({ average: 0.818, threshold: 0.8, passed: true });
  });
});

describe("bench_one_batch failures", () => {
  const benchmark = [
    "Benchmark ...",
    "Prefill. latency: 0.09215 s, throughput:  11112.32 token/s",
    "Decode.  median latency: 0.01180 s, median throughput:     84.75 token/s",
    "Total. latency:  1.604 s, throughput:    718.20 token/s",
  ].join("\n");

  it("flags OutOfMemoryError and max-batch-size skips", () => {
    expect(parseOneBatchOutput("torch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB").oom).toBe(true);
    expect(parseOneBatchOutput(benchmark).oom).toBe(false);
    expect(
      parseOneBatchOutput("Benchmark ...\nskipping (512, 1024, 128) due to max batch size limit\n").skipped,
    ).toEqual([{ batch_size: 512, input_len: 1024, output_len: 128, line: 2 }]);
  });

  it("ingest turns a log without a benchmark block into an oom / skipped / crash failure on its point", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sglbench-ob-")), "20250624_GROK1_MOE-I4F8_offline");
    mkdirSync(dir);
    writeFileSync(join(dir, "tp8_bs1_il1024.log"), benchmark);
    writeFileSync(
      join(dir, "tp8_bs256_il1024.log"),
      "Benchmark ...\ntorch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB\n",
    );
    writeFileSync(
      join(dir, "tp8_bs512_il1024.log"),
      "Benchmark ...\nskipping (512, 1024, 128) due to max batch size limit\n",
    );
    writeFileSync(
      join(dir, "tp8_bs64_il1024.log"),
      "Benchmark ...\nSegmentation fault (core dumped) HF_TOKEN=hf_secret\n",
    );
    const { runs } = await ingestPaths([dir]);
    const run = runs[0]!;
    const byBs = (bs: number) => run.points.find((p) => p.point.batch_size === bs)!;
    expect(byBs(1).repeats[0]!.metrics.overall_throughput).toBe(718.2);
    expect(byBs(256)).toMatchObject({ repeats: [], failure: { kind: "oom" } });
    expect(byBs(512)).toMatchObject({
      repeats: [],
      failure: { kind: "skipped", source: expect.stringMatching(/tp8_bs512_il1024\.log:2$/) },
    });
    expect(byBs(64).failure).toMatchObject({
      kind: "crash",
      log_tail: ["Benchmark ...", "Segmentation fault (core dumped) HF_TOKEN=<redacted>"],
    });
    expect(run.failures.map((f) => f.kind).sort()).toEqual(["crash", "oom", "skipped"]);
  });
});
