/** The failure taxonomy's pieces: the cause line of a log, exit classification, timeouts, blocking failures. */
import { describe, expect, it } from "@jest/globals";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { findSuite } from "../../src/core/catalogue/index.js";
import { countServerErrors, lastExceptionLine } from "../../src/sglang/server-log.js";
import { classifyExit, describeCommand, percent } from "../../src/runner/failures.js";
import { parseTimeouts, suiteTimeouts, DEFAULT_TIMEOUTS_S } from "../../src/runner/run-suite.js";
import { blockingFailure } from "../../src/pipeline/compare-pr.js";
import type { ExecResult } from "../../src/runner/executor.js";
import { runSuiteCommand } from "../../src/cli/suite-command.js";
import { readActionInputs } from "../../src/action/inputs.js";
import { comparePrJobInputFor } from "../../src/action/command-inputs.js";

const exit = (over: Partial<ExecResult> = {}): ExecResult => ({
  exitCode: 1,
  signal: null,
  timedOut: false,
  cancelled: false,
  durationMs: 12_000,
  ...over,
});

describe("lastExceptionLine", () => {
  it("names the exception Python printed last, without the log prefix", () => {
    const tail = [
      "[2025-11-26 09:35:04 TP0] Scheduler hit an exception: Traceback (most recent call last):",
      '  File "/sgl-workspace/sglang/python/sglang/srt/managers/scheduler.py", line 2561, in run_scheduler_process',
      "    scheduler = Scheduler(server_args, port_args, gpu_id, tp_rank, dp_rank)",
      "[2025-11-26 09:35:04 TP0] RuntimeError: HIP error: an illegal memory access was encountered",
      "[2025-11-26 09:35:05] Received sigquit from a child process. It usually means the child failed.",
    ];
    expect(lastExceptionLine(tail)).toBe("RuntimeError: HIP error: an illegal memory access was encountered");
  });

  it("finds OOM and address-in-use causes; none in a clean log", () => {
    expect(lastExceptionLine(["torch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB"])).toMatch(
      /^torch\.OutOfMemoryError: HIP out of memory/,
    );
    expect(
      lastExceptionLine(["ERROR:    [Errno 98] error while attempting to bind on address: address already in use"]),
    ).toMatch(/address already in use/);
    expect(
      lastExceptionLine(["INFO:     Uvicorn running on http://127.0.0.1:30000", "Load weight end."]),
    ).toBeUndefined();
  });

  it("counts requests a server answered with 5xx in its access log", () => {
    expect(
      countServerErrors([
        'INFO:     127.0.0.1:5000 - "POST /generate HTTP/1.1" 500 Internal Server Error',
        'INFO:     127.0.0.1:5001 - "POST /generate HTTP/1.1" 200 OK',
        'INFO:     127.0.0.1:5002 - "GET /health HTTP/1.1" 503 Service Unavailable',
      ]),
    ).toBe(2);
  });
});

describe("classifyExit", () => {
  const point = { concurrency: 16 };
  it("a killed command is a timeout naming the command, point, run and log", () => {
    const f = classifyExit(exit({ timedOut: true, exitCode: null, signal: "SIGKILL" }), {
      what: "bench_serving",
      point,
      repeat: 2,
      tail: [],
      log: "/runs/x/sglang_serving_benchmark_concurrency_16_run2.log",
    });
    expect(f?.kind).toBe("timeout");
    expect(f?.message).toBe(
      "bench_serving at concurrency 16, run 2 timed out after 12 s and was killed — see sglang_serving_benchmark_concurrency_16_run2.log",
    );
    expect(f?.source).toBe("sglang_serving_benchmark_concurrency_16_run2.log");
  });

  it("a launch that exits is launch_failed with the cause from its log, OOM included", () => {
    const tail = ["loading", "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static."];
    const f = classifyExit(exit(), { what: "launch_server", tail, log: "server_output_aiter.log", launchStage: true });
    expect(f?.kind).toBe("launch_failed");
    expect(f?.cause).toMatch(/^RuntimeError: Not enough memory/);
    expect(f?.message).toMatch(
      /launch_server failed \(exit code 1\): RuntimeError: Not enough memory.* — see server_output_aiter\.log/,
    );
  });

  it("a benchmark that exits with an OOM line is oom; other exits crash; exit 0 succeeds", () => {
    expect(
      classifyExit(exit(), { what: "bench_one_batch", tail: ["torch.OutOfMemoryError: HIP out of memory"] })?.kind,
    ).toBe("oom");
    expect(classifyExit(exit(), { what: "bench_serving", tail: ["ValueError: boom"] })?.kind).toBe("crash");
    expect(classifyExit(exit({ exitCode: 0 }), { what: "bench_serving", tail: [] })).toBeUndefined();
  });

  it("describes points and percentages for messages", () => {
    expect(describeCommand("bench_one_batch", { batch_size: 32, input_len: 1024, output_len: 128 })).toBe(
      "bench_one_batch at batch size 32 (input 1024, output 128)",
    );
    expect(describeCommand("bench_serving", { request_rate: 4 }, 1)).toBe("bench_serving at request rate 4, run 1");
    expect(percent(90, 300)).toBe("30 %");
    expect(percent(1, 300)).toBe("0.3 %");
  });
});

describe("timeouts", () => {
  it("parses ready/benchmark/gsm8k seconds and names bad entries", () => {
    expect(parseTimeouts("ready=1800, benchmark=60\ngsm8k=90")).toEqual({
      timeouts: { readyTimeoutMs: 1_800_000, commandTimeoutMs: 60_000, gsm8kTimeoutMs: 90_000 },
      problems: [],
    });
    expect(parseTimeouts("ready=0,bench=5").problems).toEqual([
      "'ready=0' is not ready=S, benchmark=S or gsm8k=S (seconds > 0)",
      "'bench=5' is not ready=S, benchmark=S or gsm8k=S (seconds > 0)",
    ]);
  });

  it("the caller's limit wins over the suite catalogue's, which wins over the defaults", () => {
    const suite = findSuite("deepseek-online");
    expect(suiteTimeouts(suite, { commandTimeoutMs: 5000 })).toEqual({
      readyTimeoutMs: (suite.timeouts?.readyS ?? 0) * 1000,
      commandTimeoutMs: 5000,
      gsm8kTimeoutMs: (suite.timeouts?.gsm8kS ?? 0) * 1000,
    });
    const bare = { ...findSuite("grok-offline-normal"), timeouts: {} };
    expect(suiteTimeouts(bare).readyTimeoutMs).toBe(DEFAULT_TIMEOUTS_S.readyS * 1000);
  });
});

describe("blockingFailure (compare-pr does not rerun a side that failed for good)", () => {
  const run = (over: Partial<RunResults>): RunResults =>
    emptyRun({ kind: "online", suite: "deepseek-online", model: { name: "DeepSeek-V3-0324" }, ...over });
  const point = { concurrency: 4 };

  it("launch_failed, never_ready and a failed GSM8K gate block the side", () => {
    for (const kind of ["launch_failed", "never_ready", "low_accuracy"] as const)
      expect(blockingFailure(run({ failures: [{ kind, message: "x" }] }))?.kind).toBe(kind);
    const gate = run({ gsm8k: { runs: [{ index: 1, accuracy: 0.5 }], average: 0.5, passed: false } });
    expect(blockingFailure(gate)?.kind).toBe("low_accuracy");
  });

  it("a point that failed while others measured does not block; a block that measured nothing does", () => {
    const partial = run({
      points: [
        { point, repeats: [{ index: 1, metrics: { median_e2e_latency_ms: 1 } }] },
        { point: { concurrency: 1 }, repeats: [], failure: { kind: "requests_failed", message: "x", point } },
      ],
      failures: [{ kind: "requests_failed", message: "x", point }],
    });
    expect(blockingFailure(partial)).toBeUndefined();
    const nothing = run({
      points: [{ point, repeats: [], failure: { kind: "server_crashed", message: "again", point } }],
      failures: [{ kind: "server_crashed", message: "again" }],
    });
    expect(blockingFailure(nothing)?.kind).toBe("server_crashed");
  });
});

describe("sglbench online with an image that cannot be pulled", () => {
  it("prints one launch_failed line naming the suite, image and cause, and exits 1 (no stack trace)", async () => {
    let err = "";
    const io = { stdout: () => undefined, stderr: (t: string) => void (err += t), env: {}, cwd: "/tmp", isTTY: false };
    const code = await runSuiteCommand("online", ["--docker-image=rocm/sgl-dev:no-such-tag", "--no-gpu"], io, () =>
      Promise.reject(new Error("Cannot pull rocm/sgl-dev:no-such-tag", { cause: new Error("manifest unknown") })),
    );
    expect(code).toBe(1);
    expect(err).toMatch(
      /^sglbench online: launch_failed: grok-online on rocm\/sgl-dev:no-such-tag did not start: Cannot pull .*manifest unknown/,
    );
    expect(err).not.toMatch(/\n\s+at /);
  });
});

describe("the Action's timeouts input", () => {
  it("reaches compare-pr and suite jobs as milliseconds; a bad entry is named", () => {
    const inputs = readActionInputs({
      INPUT_COMMAND: "compare-pr",
      INPUT_PR: "7",
      INPUT_TIMEOUTS: "ready=600\nbenchmark=1200",
    });
    expect(inputs.timeouts).toEqual({ readyTimeoutMs: 600_000, commandTimeoutMs: 1_200_000 });
    expect(comparePrJobInputFor(inputs, { GITHUB_WORKSPACE: "/w" }).timeouts).toEqual(inputs.timeouts);
    expect(() =>
      readActionInputs({ INPUT_COMMAND: "compare-pr", INPUT_PR: "7", INPUT_TIMEOUTS: "ready=soon" }),
    ).toThrow(/input 'timeouts': 'ready=soon' is not ready=S/);
  });
});
