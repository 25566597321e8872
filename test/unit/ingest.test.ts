import { describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ingestPaths } from "../../src/store/ingest.js";
import { emptyRun, RunResultsSchema } from "../../src/core/results/index.js";
import { run as ingestCommand } from "../../src/cli/commands/ingest.js";
import type { CliIO } from "../../src/cli/io.js";

const REAL = join(import.meta.dirname, "..", "fixtures", "real");

function fakeIO(): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    env: {},
    cwd: REAL,
    isTTY: false,
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

describe("results.json server_settings", () => {
  it("keeps only the known launch settings: a forged record cannot fill the report's settings line", () => {
    const base = emptyRun({ kind: "online", suite: "grok-online", model: { name: "GROK2_FP8" } });
    const run = { ...base, server_settings: { mem_fraction_static: 0.765, injected_key_1: 1, tp_size: 8 } };
    expect(RunResultsSchema.parse(run).server_settings).toEqual({ mem_fraction_static: 0.765, tp_size: 8 });
  });
});

describe("ingestPaths on the real fixtures", () => {
  it("reads the Grok console log of 2025-10-14: rate-1 medians and GSM8K runs", async () => {
    const { runs } = await ingestPaths([join(REAL, "cron_log/mi30x/20251014/grok_nightly.log")]);
    expect(runs).toHaveLength(1);
    const grok = runs[0]!;
    expect(RunResultsSchema.parse(grok)).toBeTruthy();
    expect(grok.image?.full).toBe("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013");
    expect(grok.date).toBe("20251013");
    const rate1 = grok.points.find((p) => p.point.request_rate === 1)!;
    expect(rate1.repeats.map((r) => r.metrics.median_e2e_latency_ms)).toEqual([9893.41, 9815.01, 9820.53]);
    expect(rate1.repeats[0]!.labels?.["Max request concurrency"]).toBe("not set");
    expect(grok.gsm8k?.runs.map((r) => r.accuracy)).toEqual([0.805, 0.818, 0.807, 0.816, 0.817]);
    expect(grok.gsm8k?.average).toBe(0.813);
    expect(grok.points.map((p) => p.point.request_rate)).toEqual([1, 2, 4, 8, 16]);
    // Each repeat names the console-log line of its result header (tqdm `\r` redraws do not shift it).
    expect(rate1.repeats.map((r) => r.source?.split(":").pop())).toEqual(["140", "191", "242"]);
  });

  it("reads the GROK2 run folder: points by rate, KV cache (MHA form), GSM8K, CSV medians", async () => {
    const dir = join(REAL, "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");
    const { runs, skipped } = await ingestPaths([dir], { root: REAL });
    expect(skipped).toEqual([]);
    const run = runs[0]!;
    expect(run.model).toEqual({ name: "GROK2", variant: "FP8" });
    expect(run.suite).toBe("grok-online");
    expect(run.kv_cache).toMatchObject({ num_tokens: 3328113, size_gb: 101.56 });
    // The values the seed's CSV prints for median E2E per rate.
    expect(run.points.map((p) => p.repeats[0]!.metrics.median_e2e_latency_ms)).toEqual([
      11494.06, 13282.62, 23585.6, 93846.07, 140618.74,
    ]);
    expect(run.gsm8k?.average).toBe(0.929);
    expect(run.backend).toBe("aiter");
    expect(run.image?.full).toBe("rocm/sgl-dev:v0.5.5.post2-rocm700-mi30x-20251113");
    expect(run.node).toBe("dell300x-pla-t10-23");
    expect(run.timings).toMatchObject({ server_startup: 149, gsm8k: 169, client_rate_1: 314, total: 1972 });
    expect(run.sources.every((s) => !s.startsWith("/"))).toBe(true);
  });

  it("reads DeepSeek folders: concurrency points, three repeats each, MLA KV line", async () => {
    const { runs } = await ingestPaths([join(REAL, "online_benchmark_log")]);
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      expect(r.suite).toBe("deepseek-online");
      expect(r.kv_cache).toMatchObject({ num_tokens: 971748, size_gb: 63.6 });
      expect(r.points.map((p) => p.point.concurrency).sort((a, b) => a! - b!)).toEqual([1, 4, 16, 64, 128]);
      for (const p of r.points) expect(p.repeats.map((x) => x.index)).toEqual([1, 2, 3]);
    }
  });

  it("takes GSM8K's duration from its own section, not the serving section's total after it", async () => {
    const dir = join(REAL, "online_benchmark_log/mi30x/DeepSeek-V3-0324");
    const { runs } = await ingestPaths([join(dir, "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online")]);
    // timing_summary: "GSM8K Test Results: Total duration: 217 seconds", then "Serving Benchmark
    // Results: … Total duration: 10625 seconds".
    expect(runs[0]!.timings).toMatchObject({ server_startup: expect.any(Number), gsm8k: 217 });
  });
});

describe("sglbench ingest command", () => {
  it("prints one JSON line per run and exits 0", async () => {
    const io = fakeIO();
    const code = await ingestCommand(["--json", "online"], io);
    expect(code).toBe(0);
    const lines = io.out.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).model.name).toBe("GROK2");
  });

  it("prints a table, one row per run, naming each run's folder and its file count", async () => {
    const io = fakeIO();
    expect(await ingestCommand(["online_benchmark_log"], io)).toBe(0);
    const [header, ...rows] = io.out.trim().split("\n");
    expect(header).toMatch(/^suite\s+image\s+points\s+repeats\s+gsm8k\s+kv tokens\s+failures\s+diagnostics\s+source$/);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows)
      expect(row).toMatch(
        /^deepseek-online\s+v0\.5\.3\S+\s+5\s+15\s+0\.9\d+\s+971748\s+0\s+0\s+\S+_online\/ \(\d+ files\)$/,
      );
  });

  it("exits 4 (input unreadable) when nothing can be read, listing the file on stderr", async () => {
    const io = fakeIO();
    expect(await ingestCommand(["/nonexistent/path"], io)).toBe(4);
    expect(io.err).toContain("/nonexistent/path");
  });

  it("exits 2 on an unknown flag with usage", async () => {
    const io = fakeIO();
    expect(await ingestCommand(["--bogus", "x"], io)).toBe(2);
    expect(io.err).toContain("Usage: sglbench ingest");
  });
});

describe("garbled input", () => {
  it("keeps what a truncated client log has and reports file + line, other files still read", async () => {
    const root = mkdtempSync(join(tmpdir(), "sglbench-ingest-"));
    try {
      const dir = join(root, "v0.5.3-rocm630-mi30x-20251013_GROK1_MOE-I4F8_online");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "sglang_client_log_GROK1_aiter_1_run1_20251014_010000.log"),
        "noise\n============ Serving Benchmark Result ============\nMedian E2E Latency (ms):   9893.41\nMedian TT",
      );
      writeFileSync(join(dir, "sglang_client_log_GROK1_aiter_2_run1_20251014_010000.log"), "\u0000\u0001garbage\n");
      writeFileSync(join(dir, "sglang_client_log_GROK1_gsm8k_aiter.log"), "Accuracy: 0.81\n");
      const { runs } = await ingestPaths([root], { root });
      const run = runs[0]!;
      expect(run.points[0]!.repeats[0]!.metrics.median_e2e_latency_ms).toBe(9893.41);
      expect(run.diagnostics).toEqual(
        expect.arrayContaining([expect.objectContaining({ line: 2, expected: "closing `=====` line" })]),
      );
      expect(run.failures).toEqual([
        expect.objectContaining({ kind: "missing", point: { request_rate: 2 }, repeat: 1 }),
      ]);
      expect(run.gsm8k?.average).toBe(0.81);
      expect(run.date).toBe("20251013");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("a run folder with nothing to read", () => {
  const DEEPSEEK_1204 = "v0.5.6-rocm700-mi30x-20251204_DeepSeek-V3-0324_FP8_online";
  it("is said with what it holds (the real DeepSeek 2025-12-04 folder: only the plotting log), not dropped silently", async () => {
    const dir = join(import.meta.dirname, "..", "fixtures", "ingest-failures", DEEPSEEK_1204);
    const { runs, skipped } = await ingestPaths([dir]);
    expect(runs).toEqual([]);
    expect(skipped).toEqual([
      {
        file: dir,
        reason:
          "a run folder with no result in it (only process_and_generate_online_plots.log): the night's console log may hold them",
      },
    ]);
  });
});

describe("result.jsonl", () => {
  it("gives offline points from bench_one_batch's result.jsonl when no log has them", async () => {
    const root = mkdtempSync(join(tmpdir(), "sglbench-ingest-"));
    try {
      const dir = join(root, "v0.5.3-rocm630-mi30x-20251013_GROK1_MOE-I4F8_offline");
      mkdirSync(dir);
      writeFileSync(
        join(dir, "result.jsonl"),
        '{"run_name": "default", "batch_size": 4, "input_len": 1024, "output_len": 128, "prefill_latency": 0.37, "median_decode_latency": 0.0118, "total_latency": 1.112, "overall_throughput": 3981.76}\n',
      );
      const { runs } = await ingestPaths([root]);
      expect(runs[0]!.kind).toBe("offline");
      expect(runs[0]!.suite).toBe("grok-offline-normal");
      expect(runs[0]!.points).toEqual([
        expect.objectContaining({
          point: { batch_size: 4, input_len: 1024, output_len: 128 },
          repeats: [expect.objectContaining({ index: 1, metrics: expect.objectContaining({ total_latency: 1.112 }) })],
        }),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("console log model", () => {
  it("takes the model from the log's own command line, not only the file name", async () => {
    const { consoleLogModel } = await import("../../src/store/console-log.js");
    expect(
      consoleLogModel("[nightly] Command: perf_nightly.sh --model=grok2 --mode=online", "x/grok_nightly.log"),
    ).toBe("GROK2");
    expect(consoleLogModel("[online] Auto-detected model type: grok1 from path", "x/nightly.log")).toBe("GROK1");
    expect(consoleLogModel("", "cron/deepseek_nightly_online.log")).toBe("DeepSeek-V3-0324");
  });
});

describe("symlinked folders", () => {
  it("follows a symlinked history folder and does not loop on a link back up the tree", async () => {
    const root = mkdtempSync(join(tmpdir(), "ingest-links-"));
    try {
      const data = join(root, "data");
      mkdirSync(data);
      symlinkSync(join(REAL, "online"), join(data, "online"));
      symlinkSync(data, join(data, "loop"));
      const { runs } = await ingestPaths([data]);
      expect(runs.map((r) => r.model.name)).toEqual(["GROK2"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
