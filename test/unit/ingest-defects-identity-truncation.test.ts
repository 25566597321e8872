/**
 * Defects found by a re-check of ingest on the real nightly logs: a client log cut off inside its
 * result block (reported with a `wc -l` line, its lost cells ❌, exit 3), a run folder copied under
 * another name (identity from its logs), and the GSM8K warm-up round the original excludes.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as compareCommand } from "../../src/cli/commands/compare.js";
import { run as ingestCommand } from "../../src/cli/commands/ingest.js";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";
import { parseServingOutput } from "../../src/sglang/serving.js";
import { splitNumberedLines } from "../../src/sglang/lines.js";
import { parseConsoleLog } from "../../src/store/console-log.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { identityFromFiles } from "../../src/store/series-identity.js";
import { captureIO } from "../helpers/capture-io.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const GROK2 = join(FIXTURES, "real/online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");
const DEEPSEEK = join(FIXTURES, "real/online_benchmark_log/mi30x/DeepSeek-V3-0324");
const DS1014 = join(DEEPSEEK, "v0.5.3.post1-rocm630-mi30x-20251014_DeepSeek-V3-0324_FP8_online");
const DS1015 = join(DEEPSEEK, "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online");
const GSM8K_1121 = join(
  FIXTURES,
  "ingest-defects/deepseek-20251121-gsm8k/sglang_client_log_DeepSeek-V3-0324_gsm8k.log",
);
const RATE4 = "sglang_client_log_GROK2_aiter_4_run1_20251113_123551.log";

const root = mkdtempSync(join(tmpdir(), "sglbench-ingest-defects-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of a fixture folder under `name` in the temp root. */
function copy(from: string, name: string): string {
  const to = join(root, name);
  cpSync(from, to, { recursive: true });
  return to;
}

/** The GROK2 night with its rate-4 client log cut before `Mean E2E Latency` (inside the result block). */
function truncatedGrok(name: string): { dir: string; file: string } {
  const dir = copy(GROK2, name);
  const file = join(dir, RATE4);
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.slice(0, text.indexOf("Mean E2E Latency")));
  return { dir, file };
}

/** `wc -l`: the number of `\n` in the text. */
const wcL = (text: string): number => text.split("\n").length - 1;

async function compare(...argv: string[]) {
  const io = captureIO();
  const code = await compareCommand([...argv, "--format", "json"], io);
  return { code, err: io.err.join(""), out: io.out.join("") };
}

interface JsonCell {
  kind: string;
  point: { request_rate?: number; concurrency?: number };
  metric: string;
  verdict: string;
  change_pct: number | null;
  reason: string;
}

describe("a client log cut off inside its result block", () => {
  it("line numbers count `\\n` only: tqdm's `\\r` redraws are not lines", () => {
    const { lineNo } = splitNumberedLines("a\r b\r c\nd\r\ne\n");
    expect(lineNo).toEqual([1, 1, 1, 2, 3, 4]);
    const text = `10%|█ | 1/10\r100%|██| 10/10\r\n\n============ Serving Benchmark Result ============\nMedian TTFT (ms): 1.5\n`;
    const { diagnostics } = parseServingOutput(text, "c.log");
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: "c.log", line: 3, message: "result block is truncated", severity: "error" }),
    ]);
  });

  it("ingest reports the header's line as `wc -l` counts it, within the file", async () => {
    const { dir, file } = truncatedGrok("grok-ingest");
    const lines = wcL(readFileSync(file, "utf8"));
    const { runs } = await ingestPaths([dir]);
    const d = runs[0]!.diagnostics.find((x) => x.message === "result block is truncated");
    expect(d).toMatchObject({ file, line: 18, severity: "error" });
    expect(d!.line!).toBeLessThanOrEqual(lines);
  });

  it("compare prints FILE:LINE, reports the lost TTFT/ITL/TPOT cells as ❌ and exits 3; the rest is compared", async () => {
    const main = copy(GROK2, "grok-main");
    const { dir: pr, file } = truncatedGrok("grok-pr");
    const r = await compare("--csv1", main, "--csv2", pr);
    expect(r.err).toContain(`${file}:18: result block is truncated\n`);
    expect(r.err).toContain("compared in part");
    expect(r.code).toBe(3);
    const cells = (JSON.parse(r.out) as { cells: JsonCell[] }).cells;
    const rate4 = cells.filter((c) => c.point.request_rate === 4);
    const failed = rate4.find((c) => c.kind === "failure");
    expect(failed).toMatchObject({ verdict: "failed", metric: "run" });
    expect(failed!.reason).toContain(`PR: result block is truncated (${RATE4}:18)`);
    for (const name of ["Median TTFT", "P99 ITL", "Median TPOT", "Median E2E Latency"])
      expect(failed!.reason).toContain(name);
    // What the cut log still holds (throughput lines before the cut) and the other rates are compared.
    expect(rate4.some((c) => c.metric === "output_throughput" && c.kind === "metric")).toBe(true);
    expect(cells.some((c) => c.point.request_rate === 1 && c.metric === "median_ttft_ms")).toBe(true);
  });

  it("a console log names the same `wc -l` line, past lines holding tqdm redraws", () => {
    const text = [
      "Starting benchmarks for image: rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013",
      "client start\r 50%|█████     | 5/10 [00:01<00:01]\rclient still running",
      "============ Serving Benchmark Result ============",
      "Traffic request rate:                    1.0",
      "Median TTFT (ms):                        150.0",
    ].join("\n");
    const [run] = parseConsoleLog(text, "grok_nightly.log");
    expect(run!.diagnostics).toContainEqual(
      expect.objectContaining({ file: "grok_nightly.log", line: 3, message: "result block is truncated" }),
    );
  });

  it("a point with other runs: the cells the cut run lost are ❌, not judged with the warm-up standing in", async () => {
    // DeepSeek 2025-10-15 ran 3 runs per point; run 2 at concurrency 4 is cut before Mean E2E Latency.
    const pr = copy(DS1015, "ds-pr-cut");
    const name = readdirSync(pr).find((f) => f.includes("concurrency_4_run2"))!;
    const text = readFileSync(join(pr, name), "utf8");
    writeFileSync(join(pr, name), text.slice(0, text.indexOf("Mean E2E Latency")));
    const r = await compare("--csv1", DS1014, "--csv2", pr);
    expect(r.err).toMatch(/concurrency_4_run2_\S+:\d+: result block is truncated\n/);
    expect(r.code).toBe(3);
    const at4 = (JSON.parse(r.out) as { cells: JsonCell[] }).cells.filter((c) => c.point.concurrency === 4);
    const e2e = at4.find((c) => c.metric === "median_e2e_latency_ms")!;
    expect(e2e.verdict).toBe("failed");
    expect(e2e.change_pct).toBeNull();
    expect(e2e.reason).toMatch(/^PR: result block is truncated \(sglang_serving_benchmark_concurrency_4_run2_/);
    // What the cut run still printed before the cut is judged as usual.
    expect(at4.find((c) => c.metric === "output_throughput")!.verdict).not.toBe("failed");
  });

  it("an intact pair still compares cleanly (exit 0, nothing on stderr)", async () => {
    const r = await compare("--csv1", copy(GROK2, "grok-a"), "--csv2", copy(GROK2, "grok-b"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("a run folder copied under another name", () => {
  it("takes model, image, hardware and suite from its logs, as the original name gives them", async () => {
    const renamed = copy(DS1015, "ds1015");
    const [orig] = (await ingestPaths([DS1015])).runs;
    const [copyRun] = (await ingestPaths([renamed])).runs;
    expect(copyRun!.model).toEqual({ name: "DeepSeek-V3-0324", variant: "FP8" });
    for (const k of ["model", "suite", "hardware", "image", "kind", "mode", "backend"] as const)
      expect(copyRun![k]).toEqual(orig![k]);
  });

  it("without its CSV and timing summary, the server's model_path names the model", async () => {
    const dir = copy(GROK2, "grok-bare");
    for (const f of readdirSync(dir)) if (f.endsWith(".csv") || f.startsWith("timing_summary")) rmSync(join(dir, f));
    const [r] = (await ingestPaths([dir])).runs;
    expect(r!.model).toEqual({ name: "GROK2", variant: "FP8" });
    expect(r!.suite).toBe("grok-online");
  });

  it("compare of the night against a renamed copy of the next: compared, not refused as model unknown", async () => {
    const r = await compare("--csv1", DS1014, "--csv2", copy(DS1015, "ds1015-cmp"));
    expect(r.err).not.toContain("unknown");
    expect(r.err).not.toContain("no suite could be compared");
    expect(r.code).not.toBe(1);
    const cells = (JSON.parse(r.out) as { cells: JsonCell[] }).cells;
    expect(cells.some((c) => c.kind === "metric" && !c.reason.startsWith("not compared"))).toBe(true);
  });

  it("a renamed DP-attention run keeps its serving variant (the `_online_dp_attention` of its name)", async () => {
    const dir = copy(DS1015, "ds1015-dpa");
    const summary = readdirSync(dir).find((f) => f.startsWith("timing_summary"))!;
    const text = readFileSync(join(dir, summary), "utf8")
      .replace("--hardware=mi30x", "--hardware=mi30x --check-dp-attention")
      .replace("DP Attention: false", "DP Attention: true");
    writeFileSync(join(dir, summary), text);
    const [r] = (await ingestPaths([dir])).runs;
    expect(r!.mode).toBe("dp_attention");
    expect(r!.model.name).toBe("DeepSeek-V3-0324");
  });

  it("the serving variant comes from the command's flags, the summary's switches or the server's", () => {
    expect(
      identityFromFiles({
        summaryModel: "/mnt/raid/models/huggingface/deepseek-ai/DeepSeek-V3-0324",
        command: "perf_nightly.sh --model=deepseek --mode=online --check-dp-attention --enable-torch-compile",
      }),
    ).toEqual({ model: { name: "DeepSeek-V3-0324", variant: "FP8" }, servingVariant: "dp_attention_torch_compile" });
    expect(identityFromFiles({ switches: { "DP Attention": true, "Torch Compile": false } }).servingVariant).toBe(
      "dp_attention",
    );
    expect(
      identityFromFiles({ modelPath: "/data/grok-2", serverSwitches: { dp_attention: false, torch_compile: true } }),
    ).toEqual({ model: { name: "GROK2", variant: "FP8" }, servingVariant: "torch_compile" });
  });

  it("ingest --json of the renamed copy names the model", async () => {
    const io = captureIO();
    expect(await ingestCommand(["--json", copy(DS1015, "ds1015-json")], io)).toBe(0);
    expect(JSON.parse(io.out.join("").trim()).model.name).toBe("DeepSeek-V3-0324");
  });
});

describe("GSM8K warm-up round", () => {
  it("a run the log marks `excluded from average (warm-up run)` is not one of the runs (DeepSeek 2025-11-21)", () => {
    const { gsm8k } = parseGsm8kOutput(readFileSync(GSM8K_1121, "utf8"), "gsm8k.log");
    expect(gsm8k!.runs.map((r) => r.index)).toEqual([2, 3, 4, 5]);
    expect(gsm8k!.runs.map((r) => r.accuracy)).toEqual([0.933, 0.931, 0.933, 0.933]);
    const mean = gsm8k!.runs.reduce((s, r) => s + r.accuracy, 0) / gsm8k!.runs.length;
    expect(mean).toBeCloseTo(0.9325, 6);
    expect(gsm8k!.average).toBe(0.932);
  });

  it("runs excluded as `likely failed/crashed` stay: their ~0 accuracy is the failure", () => {
    const text = [
      "Accuracy: 0.000",
      "Run 1: Accuracy: 0.000",
      "  ✗ Run 1 excluded from average (accuracy: 0.000 < 0.1 - likely failed/crashed)",
      "Accuracy: 0.000",
      "Run 2: Accuracy: 0.000",
      "  ✗ Run 2 excluded from average (accuracy: 0.000 < 0.1 - likely failed/crashed)",
      "Average Accuracy over 0 valid runs: 0",
    ].join("\n");
    expect(parseGsm8kOutput(text).gsm8k!.runs).toHaveLength(2);
  });
});
