/**
 * Run-folder writing with a scripted executor (no processes): secrets never reach a file, the seed's
 * files alone read back to the same numbers as results.json, and resume skips measured repeats.
 */
import { describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applySuiteOverrides, findSuite, SUITES } from "../../src/core/catalogue/index.js";
import type { BackgroundProcess, ExecOptions, ExecResult, Executor } from "../../src/runner/executor.js";
import { runSuite } from "../../src/runner/run-suite.js";
import { ingestPaths } from "../../src/store/ingest.js";

const SECRET_URL = "https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3tSig";
const SECRET_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz012345";

/** bench_one_batch output for one point, the way SGLang prints it, plus secret-bearing noise. */
function oneBatchOutput(bs: number, scale: number): string[] {
  return [
    `HF_TOKEN=hf_notreal123456 webhook ${SECRET_URL}`,
    `auth ${SECRET_TOKEN}`,
    "Warmup ...",
    "Prefill. latency: 0.10000 s, throughput:  10240.00 token/s",
    "Decode.  median latency: 0.01000 s, median throughput:    100.00 token/s",
    "Total. latency:  1.500 s, throughput:    768.00 token/s",
    "Benchmark ...",
    `Prefill. latency: ${(0.2 * scale).toFixed(5)} s, throughput: ${(bs * 5120).toFixed(2)} token/s`,
    `Decode 0. Batch size: ${bs}, latency: 0.01200 s, throughput: ${(bs * 83.3).toFixed(2)} token/s`,
    `Decode.  median latency: ${(0.0123 * scale).toFixed(5)} s, median throughput: ${(bs * 81.3).toFixed(2)} token/s`,
    `Total. latency:  ${(1.8 * scale).toFixed(3)} s, throughput: ${(bs * 640).toFixed(2)} token/s`,
  ];
}

class ScriptedExecutor implements Executor {
  readonly description = "scripted";
  calls: string[][] = [];
  constructor(private readonly fail: (bs: number) => "oom" | "crash" | undefined = () => undefined) {}
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push([...argv]);
    const bs = Number(argv[argv.indexOf("--batch-size") + 1]);
    const failure = this.fail(bs);
    if (failure === "oom") {
      options.onLine?.(`torch.OutOfMemoryError: HIP out of memory. token ${SECRET_TOKEN}`);
      return { exitCode: 1, signal: null, timedOut: false, cancelled: false, durationMs: 5 };
    }
    if (failure === "crash") {
      options.onLine?.(`Segmentation fault ${SECRET_URL}`);
      return { exitCode: null, signal: "SIGSEGV", timedOut: false, cancelled: false, durationMs: 5 };
    }
    for (const line of oneBatchOutput(bs, 1 + bs / 100)) options.onLine?.(line);
    return { exitCode: 0, signal: null, timedOut: false, cancelled: false, durationMs: 5 };
  }
  spawnBackground(): Promise<BackgroundProcess> {
    throw new Error("not used offline");
  }
}

const suite = findSuite(
  "grok-offline-normal",
  applySuiteOverrides(SUITES, { suites: { "grok-offline-normal": { batchSizes: [1, 4, 32, 256] } } }),
);
const IMAGE = "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013";

function allText(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
}

describe("run folder writer", () => {
  it("redacts secrets from every file written, logs and failure tails included", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-writer-"));
    const { folder, run } = await runSuite({
      suite,
      image: IMAGE,
      executor: new ScriptedExecutor((bs) => (bs === 32 ? "oom" : bs === 256 ? "crash" : undefined)),
      outputDir: out,
    });
    const text = allText(folder);
    expect(text).not.toContain("s3cr3tSig");
    expect(text).not.toContain(SECRET_TOKEN);
    expect(text).not.toContain("hf_notreal123456");
    expect(text).toContain("<redacted>");
    expect(run.points.find((p) => p.point.batch_size === 32)?.failure?.kind).toBe("oom");
    const crash = run.points.find((p) => p.point.batch_size === 256)?.failure;
    expect(crash?.kind).toBe("crash");
    expect(crash?.signal).toBe("SIGSEGV");
    const csv = readFileSync(
      join(
        folder,
        readdirSync(folder).find((f) => f.endsWith(".csv"))!,
      ),
      "utf8",
    ).split("\n");
    // The seed's rows: NA for OOM, empty fields for a crash.
    expect(csv).toContain("8,32,1024,128,aiter,NA,NA,NA,NA,NA,NA");
    expect(csv).toContain("8,256,1024,128,aiter,,,,,,");
  });

  it("the seed's files alone (no results.json) read back to the same numbers", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-writer-"));
    const { folder, run } = await runSuite({ suite, image: IMAGE, executor: new ScriptedExecutor(), outputDir: out });
    rmSync(join(folder, "results.json"));
    const { runs } = await ingestPaths([out]);
    expect(runs).toHaveLength(1);
    const metricsOf = (r: typeof run) =>
      r.points.map((p) => ({ point: p.point, metrics: p.repeats.filter((x) => !x.warmup).map((x) => x.metrics) }));
    expect(metricsOf(runs[0]!)).toEqual(metricsOf(run));
    expect(runs[0]?.backend).toBe("aiter");
  });

  it("resume skips points already measured and re-runs failed ones", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-writer-"));
    const first = new ScriptedExecutor((bs) => (bs === 32 ? "crash" : undefined));
    const a = await runSuite({ suite, image: IMAGE, executor: first, outputDir: out });
    expect(a.exitCode).toBe(3);
    const second = new ScriptedExecutor();
    const b = await runSuite({ suite, image: IMAGE, executor: second, outputDir: out });
    expect(second.calls.map((c) => c[c.indexOf("--batch-size") + 1])).toEqual(["32"]);
    expect(b.exitCode).toBe(0);
    expect(b.run.points.every((p) => p.repeats.length === 1 && !p.failure)).toBe(true);
    const fresh = new ScriptedExecutor();
    await runSuite({ suite, image: IMAGE, executor: fresh, outputDir: out, resume: false });
    expect(fresh.calls).toHaveLength(4);
  });

  it("Grok offline is not benchmarked when the image's online GSM8K gate failed (the seed's July gate)", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-writer-"));
    const online = join(out, "online/GROK1/v0.5.3.post1-rocm630-mi30x-20251013_GROK1_MOE-I4F8_online");
    mkdirSync(online, { recursive: true });
    writeFileSync(
      join(online, "sglang_client_log_GROK1_gsm8k_aiter.log"),
      "Average accuracy (0.412) is below threshold (0.8) for mode aiter. Skipping this mode.\n",
    );
    const blocked = new ScriptedExecutor();
    const r = await runSuite({ suite, image: IMAGE, executor: blocked, outputDir: out });
    expect(blocked.calls).toHaveLength(0);
    expect(r.exitCode).toBe(1);
    expect(r.run.points.every((p) => p.failure?.kind === "low_accuracy")).toBe(true);
    const skipped = new ScriptedExecutor();
    const s = await runSuite({ suite, image: IMAGE, executor: skipped, outputDir: out, skipGsm8k: true });
    expect(s.exitCode).toBe(0);
    writeFileSync(
      join(online, "sglang_client_log_GROK1_gsm8k_aiter.log"),
      "Average accuracy meets threshold (0.8) for mode aiter. Continuing with this mode.\n",
    );
    const passed = await runSuite({
      suite,
      image: IMAGE,
      executor: new ScriptedExecutor(),
      outputDir: out,
      resume: false,
    });
    expect(passed.exitCode).toBe(0);
  });

  it("an executor that throws (container gone) fails each point as launch_failed instead of aborting the run", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-writer-"));
    const broken: Executor = {
      description: "docker gone",
      exec: () => Promise.reject(new Error("connect ENOENT /var/run/docker.sock")),
      spawnBackground: () => Promise.reject(new Error("connect ENOENT /var/run/docker.sock")),
    };
    const r = await runSuite({ suite, image: IMAGE, executor: broken, outputDir: out });
    expect(r.exitCode).toBe(1);
    expect(r.run.points).toHaveLength(4);
    expect(r.run.points.every((p) => p.failure?.kind === "launch_failed")).toBe(true);
    expect(r.run.points[0]?.failure?.log_tail?.join("\n")).toContain("connect ENOENT");
  });
});
