/**
 * Crashes read from the nightly logs (test/fixtures/ingest-failures, trimmed copies of the real
 * DeepSeek nights): a client log that ends in a Python traceback is a `crash` at its point with the
 * exception as cause, and a night that measured nothing says why (the GSM8K gate, the timing
 * summaries' failed health checks) — compare shows ❌ with that reason instead of "not run".
 */
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lastExceptionLine } from "../../src/sglang/server-log.js";
import { parseTimingSummary } from "../../src/sglang/timing-summary.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { compareJson } from "../helpers/compare-json.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ingest-failures");
const night = (tag: string): string => join(FIXTURES, `${tag}_DeepSeek-V3-0324_FP8_online`);
const DS1120 = night("v0.5.5.post3-rocm700-mi30x-20251120");
const DS1123 = night("v0.5.5.post3-rocm700-mi30x-20251123");
const DS1208 = night("v0.5.6-rocm700-mi30x-20251208");
const DS1209 = night("v0.5.6.post1-rocm700-mi30x-20251209");
const CONNECTION_ERROR =
  "requests.exceptions.ConnectionError: ('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))";

const compare = compareJson;

describe("a client log that ends in a traceback (DeepSeek 2025-12-09, concurrency 128)", () => {
  it("is a crash at its point, the traceback's last exception line as cause", async () => {
    const [run] = (await ingestPaths([DS1209])).runs;
    const point = run!.points.find((p) => p.point.concurrency === 128);
    expect(point).toMatchObject({
      point: { concurrency: 128, input_len: 3200, output_len: 800 },
      repeats: [],
      failure: { kind: "crash", cause: CONNECTION_ERROR, repeat: 1 },
    });
    expect(point!.failure!.message).toContain(CONNECTION_ERROR);
    expect(point!.failure!.message).toContain("sglang_serving_benchmark_concurrency_128_run1_20251209_152305.log");
    expect(run!.failures).toEqual([expect.objectContaining({ kind: "crash", cause: CONNECTION_ERROR })]);
    // The other point of the night is measured as before.
    expect(run!.points.find((p) => p.point.concurrency === 64)!.repeats).toHaveLength(1);
  });

  it("compare shows the point ❌ with the crash and its cause, not `not run`", async () => {
    const r = await compare(DS1208, DS1209);
    const failed = r.cells.find((c) => c.kind === "failure" && c.point.concurrency === 128);
    expect(failed).toMatchObject({ verdict: "failed", metric: "run" });
    expect(failed!.reason).toContain(
      `PR: crash: bench_serving at concurrency 128, run 1 printed no result: ${CONNECTION_ERROR}`,
    );
    expect(failed!.reason).not.toContain("not run");
    expect(r.cells.some((c) => c.kind === "metric" && c.point.concurrency === 64)).toBe(true);
  });

  it("`http.client.RemoteDisconnected` is an exception line; a lost connection wins over the KeyError it led to", () => {
    const tail = [
      "http.client.RemoteDisconnected: Remote end closed connection without response",
      '  warnings.warn(f"Error in stream_executor: {get_exception_traceback()}")',
      "Traceback (most recent call last):",
      '  File "/sgl-workspace/sglang/benchmark/gsm8k/bench_sglang.py", line 99, in main',
      "KeyError: 'answer'",
    ];
    expect(lastExceptionLine(tail)).toBe("KeyError: 'answer'");
    expect(lastExceptionLine(tail, /RemoteDisconnected/)).toBe(
      "http.client.RemoteDisconnected: Remote end closed connection without response",
    );
    expect(lastExceptionLine(["KeyError: 'answer'"], /RemoteDisconnected/)).toBe("KeyError: 'answer'");
  });
});

describe("a night that measured nothing (DeepSeek 2025-11-20: two launches crashed, the third failed the GSM8K gate)", () => {
  it("the timing summary's crash line is read; a restart and a GSM8K result after it mean the launch went on", () => {
    const summary = (name: string) => readFileSync(join(DS1120, name), "utf8");
    expect(parseTimingSummary(summary("timing_summary_20251120_121709.log")).crash).toEqual({
      line: 21,
      text: "GSM8K run 1: connection error; Server Health Check (before Run 2): FAILED - server crashed or became unresponsive",
      crashes: 1,
    });
    expect(parseTimingSummary(summary("timing_summary_20251120_160725.log")).crash).toMatchObject({
      text: "GSM8K run 4: connection error; Server Health Check (before Run 5): FAILED - server crashed or became unresponsive",
      crashes: 4,
    });
    expect(parseTimingSummary(summary("timing_summary_20251120_165040.log")).crash).toBeUndefined();
    const recovered = [
      "Server startup time: 165 seconds",
      "  Connection error: YES (Run 2)",
      "Server Health Check (before Run 3):",
      "  Status: FAILED - server crashed or became unresponsive",
      "Server startup time: 131 seconds",
      "  Restart attempt: SUCCESS",
      "GSM8K Test Results:",
      "  Average accuracy: 0.935",
    ].join("\n");
    expect(parseTimingSummary(recovered).crash).toBeUndefined();
  });

  it("records the gate that skipped the benchmarks first, then the launches that crashed", async () => {
    const [run] = (await ingestPaths([DS1120])).runs;
    expect(run!.points).toEqual([]);
    expect(run!.failures.map((f) => f.kind)).toEqual(["low_accuracy", "server_crashed", "server_crashed"]);
    expect(run!.failures[0]!.message).toBe(
      "GSM8K average accuracy 0.928 is below the threshold 0.93: the nightly skipped the serving benchmarks — see sglang_client_log_DeepSeek-V3-0324_gsm8k.log",
    );
    expect(run!.failures[1]).toMatchObject({
      cause:
        "GSM8K run 1: connection error; Server Health Check (before Run 2): FAILED - server crashed or became unresponsive",
    });
    expect(run!.failures[1]!.message).toMatch(
      /^an earlier launch that night: .* — see timing_summary_20251120_121709\.log$/,
    );
    expect(run!.failures[2]!.message).toContain("(after 3 restarts)");
    // Its GSM8K was measured on a healthy server: still compared.
    expect(run!.gsm8k?.average).toBe(0.928);
  });

  it("compare gives every point ❌ with that reason, and exits 1 (PR measured nothing)", async () => {
    const r = await compare(DS1123, DS1120);
    expect(r.code).toBe(1);
    const failed = r.cells.find((c) => c.kind === "failure" && c.point.concurrency === 128);
    expect(failed!.reason).toBe(
      "PR: low_accuracy: GSM8K average accuracy 0.928 is below the threshold 0.93: the nightly skipped the serving benchmarks — see sglang_client_log_DeepSeek-V3-0324_gsm8k.log",
    );
    expect(r.err).toContain("server_crashed: an earlier launch that night: GSM8K run 1: connection error");
  });
});

describe("a night whose server never came up, read from its console log (DeepSeek 2025-10-05, real logs)", () => {
  const CRON = join(import.meta.dirname, "..", "fixtures", "console-crash", "cron_log", "mi30x", "20251005");

  it("is a run with the launch's failure and the dumped server log's cause, not a skipped file", async () => {
    const { runs, skipped } = await ingestPaths([CRON]);
    expect(skipped).toEqual([]);
    const plain = runs.find((r) => !r.mode)!;
    expect(plain).toMatchObject({ kind: "online", suite: "deepseek-online", hardware: "mi30x", points: [] });
    expect(plain.failures).toEqual([
      expect.objectContaining({
        kind: "crash",
        cause: expect.stringMatching(/^ValueError: The memory capacity is unbalanced/),
        source: expect.stringMatching(/deepseek_nightly_online\.log:\d+$/),
      }),
    ]);
    // DP attention: the scripts print the server log's error details after their own line.
    const dp = runs.find((r) => r.mode === "dp_attention")!;
    expect(dp.failures).toEqual([
      expect.objectContaining({ kind: "oom", cause: expect.stringMatching(/^RuntimeError: Not enough memory/) }),
    ]);
  });

  it("compare shows ❌ with the cause on each side that did not start", async () => {
    const r = await compare(CRON, CRON);
    const cells = r.cells.filter((c) => c.kind === "failure");
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.every((c) => c.verdict === "failed")).toBe(true);
    expect(cells.map((c) => c.reason).join("\n")).toContain("server did not start: ValueError: The memory capacity");
  });
});

describe("sglbench ingest's table", () => {
  it("names each run's variant, so a night's runs read apart", async () => {
    const { run } = await import("../../src/cli/commands/ingest.js");
    const { captureIO } = await import("../helpers/capture-io.js");
    const io = captureIO();
    await run([join(import.meta.dirname, "..", "fixtures", "console-crash", "cron_log", "mi30x", "20251005")], io);
    const lines = io.out.join("").split("\n");
    expect(lines.find((l) => l.startsWith("deepseek-online (dp_attention) "))).toContain("1 (oom)");
    expect(lines.find((l) => l.startsWith("deepseek-online  "))).toContain("1 (crash)");
  });
});

describe("a night stopped before any benchmark for another reason, read from its console log (real logs)", () => {
  const CRON = join(import.meta.dirname, "..", "fixtures", "console-crash", "cron_log", "mi30x");

  it("the GSM8K gate (DeepSeek 2025-10-03: 0.913 below 0.93) is a low_accuracy failure, not 'not run'", async () => {
    const { runs } = await ingestPaths([join(CRON, "20251003")]);
    expect(runs[0]!.failures).toEqual([
      expect.objectContaining({
        kind: "low_accuracy",
        message: "GSM8K gate: average accuracy 0.913 below the threshold 0.93; the benchmarks were skipped",
      }),
    ]);
  });

  it("a container that went away (DeepSeek 2025-10-30, DP attention + torch compile) is launch_failed", async () => {
    const { runs, skipped } = await ingestPaths([join(CRON, "20251030")]);
    expect(skipped).toEqual([]);
    expect(runs[0]!.failures).toEqual([
      expect.objectContaining({
        kind: "launch_failed",
        message: expect.stringMatching(/^the benchmark container went away/),
      }),
    ]);
  });
});

describe("a repeat whose client log stopped before its lengths (DeepSeek 2025-10-23, concurrency 64 run 3)", () => {
  it("stays a failed repeat of its point, not a second concurrency-64 point with no repeats", async () => {
    const { cpSync, mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const night = join(
      import.meta.dirname,
      "..",
      "fixtures",
      "real",
      "online_benchmark_log",
      "mi30x",
      "DeepSeek-V3-0324",
      "v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_online",
    );
    const dir = mkdtempSync(join(tmpdir(), "sglbench-cut-run-"));
    try {
      cpSync(night, dir, { recursive: true });
      // What the real run 3 left: its first two lines (the server went away before any result).
      writeFileSync(
        join(dir, "sglang_serving_benchmark_concurrency_64_run3_20251014_014951.log"),
        "Run started at: 2025-10-23 16:02:17 PDT\nUsing 500 prompts for concurrency 64\n",
      );
      const { runs } = await ingestPaths([dir]);
      const at64 = runs[0]!.points.filter((p) => p.point.concurrency === 64);
      expect(at64).toHaveLength(1);
      expect(at64[0]!.repeats.map((r) => r.index)).toEqual([1, 2]);
      expect(runs[0]!.failures).toEqual([expect.objectContaining({ kind: "missing", repeat: 3 })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
