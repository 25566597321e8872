import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  canonicalModel,
  consoleLogIdentity,
  normaliseHardware,
  variantFromFlags,
  variantFromLogName,
} from "../../src/store/series-identity.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { identityKey, modelKey, seriesIdentity } from "../../src/core/trends/index.js";

const FIX = join(import.meta.dirname, "..", "fixtures");
const SERIES = join(FIX, "series");
const REAL = join(FIX, "real");

describe("model names", () => {
  it.each([
    ["grok", "GROK1", "MOE-I4F8"],
    ["GROK1", "GROK1", "MOE-I4F8"],
    ["lmzheng-grok-1", "GROK1", "MOE-I4F8"],
    ["amd--grok-1-W4A8KV8", "GROK1", "MOE-I4F8"],
    ["grok2", "GROK2", "FP8"],
    ["/mnt/raid/models/huggingface/grok-2", "GROK2", "FP8"],
    ["deepseek", "DeepSeek-V3-0324", "FP8"],
    ["DeepSeek-V3", "DeepSeek-V3-0324", "FP8"],
    ["/mnt/raid/models/huggingface/deepseek-ai/DeepSeek-V3-0324", "DeepSeek-V3-0324", "FP8"],
    ["DeepSeek-R1-MXFP4-Preview", "DeepSeek-R1-MXFP4-Preview", "FP8"],
    ["/data2/models/amd-DeepSeek-R1-MXFP4-Preview/", "DeepSeek-R1-MXFP4-Preview", "FP8"],
  ])("%s → %s", (raw, name, variant) => {
    expect(canonicalModel(raw)).toMatchObject({ name, variant });
  });

  it("leaves models it does not know alone (a DeepSeek-R1-0528 is no DeepSeek-V3)", () => {
    expect(canonicalModel("DeepSeek-R1-0528")).toBeUndefined();
    expect(canonicalModel("Qwen3-30B-A3B")).toBeUndefined();
  });
});

describe("hardware names", () => {
  it.each([
    ['"mi30x"', "mi30x"],
    ["MI300X", "mi30x"],
    ["mi30x,", "mi30x"],
    ["MI355X", "mi35x"],
    ["mi35x", "mi35x"],
  ])("%s → %s", (raw, hw) => expect(normaliseHardware(raw)).toBe(hw));
  it("has nothing to say about an empty value", () => expect(normaliseHardware(' "" ')).toBeUndefined());
});

describe("serving variants", () => {
  it("reads them from the nightly's flags in the run folders' order", () => {
    expect(variantFromFlags("perf_nightly.sh --model=deepseek --mode=online")).toBe("standard");
    expect(variantFromFlags("--enable-torch-compile --check-dp-attention")).toBe("dp_attention_torch_compile");
    expect(variantFromFlags("--enable-mtp-test")).toBe("mtp");
    expect(variantFromFlags("--enable-dp-test")).toBe("dp");
  });
  it("falls back to the console log's file name", () => {
    expect(variantFromLogName("cron_log/mi30x/20251118/deepseek_dp_attention_torch_compile.log")).toBe(
      "dp_attention_torch_compile",
    );
    expect(variantFromLogName("deepseek_torch_compile_rerun.log")).toBe("torch_compile");
    expect(variantFromLogName("deepseek_nightly_online_retry.log")).toBe("standard");
    expect(variantFromLogName("grok2_nightly_online.log")).toBe("standard");
    expect(variantFromLogName("grok_nightly.log")).toBe("standard");
    // A model sglbench has no alias for: its prefix is no serving variant.
    expect(variantFromLogName("mixtral8x22b_nightly_online.log")).toBe("standard");
    expect(variantFromLogName("qwen3_nightly_dp_attention.log")).toBe("dp_attention");
  });
});

describe("console log identity (real log heads)", () => {
  const read = (p: string) => readFileSync(join(SERIES, p), "utf8");
  it("files a --model-name=DeepSeek-R1-MXFP4-Preview torch-compile night under that model and variant", () => {
    const file = "cron_log/mi30x/20251118/deepseek_torch_compile.log";
    expect(consoleLogIdentity(read(file), file)).toEqual({
      model: { name: "DeepSeek-R1-MXFP4-Preview", variant: "FP8" },
      hardware: "mi30x",
      variant: "torch_compile",
    });
  });
  it("files a --check-dp-attention night under DeepSeek-V3-0324 dp_attention", () => {
    const file = "cron_log/mi30x/20251118/deepseek_dp_attention.log";
    expect(consoleLogIdentity(read(file), file)).toEqual({
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      variant: "dp_attention",
    });
  });
  it("files a night of a model it has no alias for under that model, not Grok-1", () => {
    // The real Grok-2 head of 2025-10-04 with its command naming another model.
    const file = "cron_log/mi35x/20251004/mixtral8x22b_nightly_online.log";
    const head = read("cron_log/mi35x/20251004/grok2_nightly_online.log")
      .replace(/--model=\S+/, "--model=mixtral8x22b")
      .replace(/--model-path=\S+/, "--model-path=/mnt/raid/models/huggingface/mixtral-8x22b");
    expect(head).toContain("--model=mixtral8x22b");
    expect(consoleLogIdentity(head, file)).toEqual({
      model: { name: "mixtral8x22b", variant: "FP8" },
      hardware: "mi35x",
      variant: "standard",
    });
  });
  it("files a mi35x Grok-2 night under GROK2_FP8 on mi35x", () => {
    const file = "cron_log/mi35x/20251004/grok2_nightly_online.log";
    expect(consoleLogIdentity(read(file), file)).toEqual({
      model: { name: "GROK2", variant: "FP8" },
      hardware: "mi35x",
      variant: "standard",
    });
  });
});

describe("ingest gives one identity per model and hardware", () => {
  it("console-log nights share their run folders' model key; hardware is only mi30x / mi35x", async () => {
    const { runs } = await ingestPaths([REAL]);
    const models = new Set(runs.map((r) => modelKey(r)));
    expect([...models].sort()).toEqual(["DeepSeek-V3-0324_FP8", "GROK1_MOE-I4F8", "GROK2_FP8"]);
    for (const r of runs) expect(["mi30x", "mi35x"]).toContain(r.hardware);
    const fromConsole = runs.filter((r) => r.sources.every((s) => s.includes("cron_log")));
    expect(fromConsole.length).toBeGreaterThan(0);
    for (const r of fromConsole) expect(models.has(modelKey(r))).toBe(true);
  });

  it('reads `Hardware: "mi30x"` as mi30x and keeps a DP-attention log off the standard folder', async () => {
    const root = mkdtempSync(join(tmpdir(), "series-id-"));
    try {
      const tag = "v0.5.3.post3-rocm700-mi30x-20251020";
      const standard = join(root, "online", "DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online`);
      const dp = join(root, "online", "DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online_dp_attention`);
      mkdirSync(standard, { recursive: true });
      mkdirSync(dp, { recursive: true });
      writeFileSync(
        join(dp, "timing_summary_20251021_204518.log"),
        `Docker image: rocm/sgl-dev:${tag}\nHostname: node-1\nHardware: "mi30x"\n`,
      );
      writeFileSync(join(dp, "sglang_client_log_DeepSeek-V3-0324_gsm8k.log"), "Accuracy: 0.941\n");
      writeFileSync(join(standard, "sglang_serving_benchmark_concurrency_1_run1_20251020.log"), SERVING_BLOCK(14000.5));
      const cron = join(root, "cron_log", "mi30x", "20251020");
      mkdirSync(cron, { recursive: true });
      writeFileSync(
        join(cron, "deepseek_dp_attention.log"),
        [
          "[nightly] Command: scripts/perf_nightly.sh --model=deepseek --model-path=/m/DeepSeek-V3-0324 --mode=online --hardware=mi30x --check-dp-attention",
          `[nightly] Starting benchmarks for image: rocm/sgl-dev:${tag}`,
          "Accuracy: 0.940",
          "",
        ].join("\n"),
      );
      const { runs } = await ingestPaths([root]);
      expect(runs.map((r) => identityKey(seriesIdentity(r))).sort()).toEqual([
        "mi30x/DeepSeek-V3-0324_FP8/deepseek-online",
        "mi30x/DeepSeek-V3-0324_FP8/deepseek-online-dp_attention",
      ]);
      const dpRun = runs.find((r) => r.mode === "dp_attention")!;
      expect(dpRun.hardware).toBe("mi30x");
      expect(dpRun.sources.some((s) => s.endsWith("deepseek_dp_attention.log"))).toBe(true);
      const std = runs.find((r) => r.mode === undefined)!;
      expect(std.sources.some((s) => s.includes("cron_log"))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

function SERVING_BLOCK(e2e: number): string {
  return [
    "============ Serving Benchmark Result ============",
    "Backend:                                 sglang",
    "Max request concurrency:                 1",
    "Successful requests:                     10",
    `Median E2E Latency (ms):                 ${e2e}`,
    "Median TTFT (ms):                        120.5",
    "Median ITL (ms):                         17.3",
    "==================================================",
    "",
  ].join("\n");
}
