import { describe, expect, it } from "@jest/globals";
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  SEED_MODELS,
  clientLogName,
  gsm8kLogName,
  gsm8kOnlineCsvName,
  oneBatchLogName,
  parseClientLogName,
  parseOneBatchLogName,
  parseRunFolderName,
  runCsvName,
  runFolderName,
  runFolderPath,
  serverLogName,
  servingCsvName,
  servingLogName,
  timingSummaryName,
} from "../../src/store/layout.js";
import { timestamp } from "../../src/core/util/index.js";

const REAL = fileURLToPath(new URL("../fixtures/real", import.meta.url));
const grok = { tag: "20250624", model: SEED_MODELS.grok1.name, variant: SEED_MODELS.grok1.variant };
const ds = {
  tag: "v0.5.3.post1-rocm630-mi30x-20251013",
  model: SEED_MODELS.deepseek.name,
  variant: SEED_MODELS.deepseek.variant,
};

describe("seed folder and file names", () => {
  it("offline Grok folders per mode (§1.7)", () => {
    expect(runFolderPath("/out", { ...grok, kind: "offline" })).toBe(
      "/out/offline/GROK1/20250624_GROK1_MOE-I4F8_offline",
    );
    expect(runFolderName({ ...grok, kind: "offline", mode: "normal" })).toBe("20250624_GROK1_MOE-I4F8_offline");
    expect(runFolderName({ ...grok, kind: "offline", mode: "long_context" })).toBe(
      "20250624_GROK1_MOE-I4F8_offline_long_context",
    );
    expect(runCsvName({ ...grok, kind: "offline", mode: "dummy" })).toBe("20250624_GROK1_MOE-I4F8_offline_dummy.csv");
  });

  it("online Grok folder, CSV and logs (§2.4–2.7)", () => {
    expect(runFolderPath("/out", { ...grok, kind: "online" })).toBe("/out/online/GROK1/20250624_GROK1_MOE-I4F8_online");
    expect(runCsvName({ ...grok, kind: "online", mode: "dummy" })).toBe("20250624_GROK1_MOE-I4F8_online.csv");
    expect(clientLogName("GROK1", "aiter", 16, 2, "20251014_060535")).toBe(
      "sglang_client_log_GROK1_aiter_16_run2_20251014_060535.log",
    );
    expect(gsm8kLogName("GROK1", "aiter")).toBe("sglang_client_log_GROK1_gsm8k_aiter.log");
    expect(serverLogName("GROK1", "online")).toBe("server_output_aiter.log");
    expect(timingSummaryName("20251113_123033")).toBe("timing_summary_20251113_123033.log");
    expect(oneBatchLogName({ tp: 8, batch_size: 128, input_len: 1024 })).toBe("tp8_bs128_il1024.log");
  });

  it("DeepSeek names (§1.7, §2.9) and the later benchmark-log layout", () => {
    expect(runFolderPath("/o", { ...ds, kind: "offline" })).toBe(
      "/o/offline/DeepSeek-V3-0324/v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_offline",
    );
    expect(runFolderPath("/o", { ...ds, kind: "online" }, "benchmark-log", "mi30x")).toBe(
      "/o/online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_online",
    );
    expect(() => runFolderPath("/o", { ...ds, kind: "online" }, "benchmark-log")).toThrow(/hardware/);
    expect(servingCsvName(ds)).toBe("v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_serving.csv");
    expect(gsm8kOnlineCsvName(ds)).toBe("v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_online.csv");
    expect(servingLogName(128, 1, "20251014_013603")).toBe(
      "sglang_serving_benchmark_concurrency_128_run1_20251014_013603.log",
    );
    expect(gsm8kLogName("DeepSeek-V3-0324")).toBe("sglang_client_log_DeepSeek-V3-0324_gsm8k.log");
    expect(oneBatchLogName({ tp: 8, batch_size: 32 })).toBe("tp8_bs32.log");
    expect(serverLogName("DeepSeek-V3-0324", "online")).toBe("sglang_server.log");
    expect(serverLogName("DeepSeek-V3-0324", "offline")).toBe("sglang_warmup_server.log");
  });

  it("timestamp is date +%Y%m%d_%H%M%S, in local time or UTC", () => {
    expect(timestamp(new Date(2025, 9, 14, 6, 5, 35))).toBe("20251014_060535");
    expect(timestamp(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)), "utc")).toBe("20250102_030405");
  });

  it("names read back: folder, client log, one-batch log", () => {
    for (const parts of [
      { ...grok, kind: "offline" as const },
      { ...grok, kind: "offline" as const, mode: "long_context" },
      { ...ds, kind: "online" as const },
    ]) {
      expect(parseRunFolderName(runFolderName(parts))).toEqual(parts);
    }
    expect(parseClientLogName(clientLogName("GROK1", "aiter", 4, 3, "20251014_060535"))).toEqual({
      request_rate: 4,
      run: 3,
      backend: "aiter",
    });
    expect(parseClientLogName(servingLogName(64, 2, "20251014_013603"))).toEqual({ concurrency: 64, run: 2 });
    expect(parseOneBatchLogName(oneBatchLogName({ tp: 8, batch_size: 2, input_len: 256 }))).toEqual({
      tp: 8,
      batch_size: 2,
      input_len: 256,
    });
  });

  it("rebuilds every real run folder's path and CSV name", () => {
    const folders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (!statSync(path).isDirectory()) continue;
        if (parseRunFolderName(name)) folders.push(path);
        else walk(path);
      }
    };
    walk(REAL);
    expect(folders.length).toBe(5);
    for (const folder of folders) {
      const parts = parseRunFolderName(basename(folder))!;
      const rel = relative(REAL, folder);
      const style = rel.startsWith("online_benchmark_log") ? "benchmark-log" : "classic";
      expect(runFolderPath(REAL, parts, style, rel.split("/")[1])).toBe(folder);
      const csv = parts.model.startsWith("DeepSeek") ? servingCsvName(parts) : runCsvName(parts);
      expect(statSync(join(folder, csv)).isFile()).toBe(true);
    }
  });
});
