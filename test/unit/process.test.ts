import { describe, expect, it, beforeEach, afterEach } from "@jest/globals";
import { cp, mkdtemp, mkdir, readFile, rename, rm, symlink, writeFile, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/process.js";
import { processSummaries } from "../../src/pipeline/process-summaries.js";
import { findRunFolders, firstKvCache } from "../../src/store/history.js";
import { captureIO } from "../helpers/capture-io.js";
import { formatGsm8kOnlineCsv } from "../../src/store/online-csv.js";

const REAL = join(process.cwd(), "test/fixtures/real");
const HEADER11 =
  "TP,batch_size,IL,OL,Backend,Prefill_latency(s),Median_decode_latency(s),E2E_Latency(s),Prefill_Throughput(token/s),Median_Decode_Throughput(token/s),E2E_Throughput(token/s)";
const HEADER10 =
  "TP,batch_size,IL,OL,Prefill_latency(s),Median_decode_latency(s),E2E_Latency(s),Prefill_Throughput(token/s),Median_Decode_Throughput(token/s),E2E_Throughput(token/s)";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-process-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function offlineRun(tag: string, body: string, opts: { config?: string; mode?: string } = {}): Promise<string> {
  const name = `${tag}_GROK1_MOE-I4F8_offline${opts.mode ? `_${opts.mode}` : ""}`;
  const folder = join(dir, "offline", "GROK1", name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, `${name}.csv`), body);
  if (opts.config) await writeFile(join(folder, "config.json"), opts.config);
  return folder;
}

describe("process on the real online fixtures", () => {
  it("writes the DeepSeek concurrency summary and the GROK2 request-rate summary with KV cache and GSM8K", async () => {
    await cp(REAL, join(dir, "real"), { recursive: true });
    const io = captureIO(dir);
    const code = await run(["--mode", "online", "--data-dir", "real", "--today", "20251117", "--days", "40"], io);
    expect(code).toBe(0);
    const ds = await readFile(
      join(dir, "real/online_benchmark_log/mi30x/DeepSeek-V3-0324/DeepSeek-V3-0324_FP8_online_aiter_summary.csv"),
      "utf8",
    );
    const lines = ds.trim().split("\n");
    expect(lines[0]).toBe(
      "date,variant,mode,concurrency,node_name,GSM8K_Accuracy,E2E_Latency_ms,TTFT_ms,ITL_ms,num_tokens,KV_size_GB",
    );
    expect(lines).toHaveLength(1 + 4 * 5);
    // The 20251013 serving CSV's best-of-3 medians, the printed GSM8K average, the MLA KV line.
    expect(lines[1]).toBe("20251013,standard,aiter,1,dell300x-pla-t10-23,0.937,16462.56,103.52,20.47,971748,63.6");
    expect(lines[5]).toBe("20251013,standard,aiter,128,dell300x-pla-t10-23,0.937,61139.44,10745.5,51.18,971748,63.6");
    const grok = await readFile(join(dir, "real/online/GROK2/GROK2_FP8_online_aiter_summary.csv"), "utf8");
    expect(grok.trim().split("\n")[1]).toBe(
      "20251113,standard,aiter,1,dell300x-pla-t10-23,0.929,11494.06,148.46,19.12,3328113,101.56",
    );
  });

  it("leaves out runs outside the window", async () => {
    const out = await processSummaries({ dataDir: REAL, kind: "online", today: "20251015", days: 2, dryRun: true });
    const ds = out.summaries.find((s) => s.model === "DeepSeek-V3-0324");
    expect(ds?.online?.map((r) => r.date)).toEqual(Array(5).fill("20251014").concat(Array(5).fill("20251015")));
    expect(out.summaries.find((s) => s.model === "GROK2")).toBeUndefined();
  });

  it("reads the KV cache from the first KV line only (MHA K+V summed)", async () => {
    const log = join(REAL, "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online/server_output_aiter.log");
    expect(await firstKvCache(log)).toEqual({ num_tokens: 3328113, size_gb: 101.56 });
  });
});

describe("process offline", () => {
  it("handles both CSV generations, rc tags, new tags, config.json backend and duplicates", async () => {
    await offlineRun(
      "20250624",
      `${HEADER11}\n8,1,1024,128,aiter,0.09215,0.01180,1.604,11112.32,84.75,718.20\n8,2,1024,128,aiter,0.1,0.012,1.694,1,1,1360.09\n8,256,1024,128,aiter,NA,NA,NA,NA,NA,NA\n`,
    );
    await offlineRun("20250624rc", `${HEADER11}\n8,1,1024,128,aiter,0.09215,0.01180,1.606,11112.32,84.75,718.00\n`);
    await offlineRun("20250623", `${HEADER10}\n8,1,1024,128,0.09215,0.01180,1.611,11112.32,84.75,715.08\n`, {
      config: '{"docker": "rocm/sgl-dev:20250623", "attention_backend": "triton"}',
    });
    await offlineRun("v0.5.3.post1-rocm630-mi30x-20250625", `${HEADER11}\n8,1,8192,10,aiter,1,1,3.5,1,1,20\n`, {
      mode: "long_context",
    });
    const io = captureIO(dir);
    const code = await run(["--mode", "offline", "--data-dir", dir, "--today", "20250625"], io);
    expect(io.err.join("")).toBe("");
    expect(code).toBe(0);
    const text = await readFile(join(dir, "offline/GROK1/GROK1_MOE-I4F8_offline_summary.csv"), "utf8");
    expect(text.split("\n")).toEqual([
      "date,batch_size,backend,E2E_Latency(s),E2E_Throughput(token/s),ILEN,OLEN",
      "20250623,1,triton,1.611,715.08,1024,128",
      "20250624,1,aiter,1.605,718.1,1024,128",
      "20250624,2,aiter,1.694,1360.09,1024,128",
      "20250625,1,aiter,3.5,20.0,8192,10",
      "",
    ]);
  });

  it("lists a corrupt CSV, an empty run folder and a half-written CSV, and still writes the rest", async () => {
    await offlineRun("20250624", `${HEADER11}\n8,1,1024,128,aiter,0.09215,0.01180,1.604,11112.32,84.75,718.20\n`);
    await offlineRun("20250623", "\u0000\u0001garbage,,\nnot,a,csv\n");
    await mkdir(join(dir, "offline/GROK1/20250622_GROK1_MOE-I4F8_offline"), { recursive: true });
    await offlineRun("20250621", `${HEADER11}\n8,1,1024,128,aiter,0.09,0.01,1.5,1`); // cut mid-row
    const io = captureIO(dir);
    const code = await run(["--mode", "offline", "--data-dir", dir, "--today", "20250625"], io);
    // All three are older than the newest night (20250624), which is complete: listed, exit 0.
    expect(code).toBe(0);
    const err = io.err.join("");
    expect(err).toContain("4 of the skipped above are from older nights");
    expect(err).toMatch(/20250623_GROK1_MOE-I4F8_offline\.csv: corrupt offline CSV/);
    expect(err).toMatch(/20250622_GROK1_MOE-I4F8_offline: no offline CSV in the run folder/);
    const text = await readFile(join(dir, "offline/GROK1/GROK1_MOE-I4F8_offline_summary.csv"), "utf8");
    expect(text).toContain("20250624,1,aiter,1.604,718.2,1024,128");
    expect(text).not.toContain("20250623");
    expect(err).toMatch(/20250621_GROK1_MOE-I4F8_offline\.csv:2: incomplete row/);
    expect(text).not.toContain("20250621");
  });

  it("removes the legacy per-batch CSVs only with --cleanup", async () => {
    await offlineRun("20250624", `${HEADER11}\n8,1,1024,128,aiter,0.09215,0.01180,1.604,11112.32,84.75,718.20\n`);
    const legacy = join(dir, "offline/GROK1/GROK1_MOE-I4F8_1.csv");
    await writeFile(legacy, "old");
    expect(await run(["--mode", "offline", "--data-dir", dir, "--today", "20250625"], captureIO(dir))).toBe(0);
    await expect(access(legacy)).resolves.toBeUndefined();
    const io = captureIO(dir);
    expect(await run(["--mode", "offline", "--data-dir", dir, "--today", "20250625", "--cleanup"], io)).toBe(0);
    await expect(access(legacy)).rejects.toThrow();
    expect(io.out.join("")).toContain(`removed ${legacy}`);
  });
});

describe("process CLI edges", () => {
  it("an empty data folder is a failure with a clear message", async () => {
    const io = captureIO(dir);
    expect(await run(["--data-dir", dir, "--today", "20250625"], io)).toBe(1);
    expect(io.err.join("")).toContain(`no run folders of the last 30 days under ${dir}`);
  });

  it("rejects unknown flags and bad values with usage (exit 2)", async () => {
    for (const args of [["--bogus"], ["--mode", "weekly"], ["--days", "0"], ["--today", "2025-06-25"]]) {
      const io = captureIO(dir);
      expect(await run(args, io)).toBe(2);
      expect(io.err.join("")).toContain("Usage: sglbench process");
    }
  });

  it("takes the data dir from BENCHMARK_CI_DIR", async () => {
    await offlineRun("20250624", `${HEADER11}\n8,1,1024,128,aiter,0.09215,0.01180,1.604,11112.32,84.75,718.20\n`);
    const io = { ...captureIO("/"), env: { BENCHMARK_CI_DIR: dir } };
    expect(await run(["--mode", "offline", "--today", "20250625", "--json"], io)).toBe(0);
    const json = JSON.parse(io.out.join("")) as { summaries: { rows: number }[] }[];
    expect(json[0]?.summaries[0]?.rows).toBe(1);
  });

  it("finds run folders at any depth up to 4", async () => {
    const folders = await findRunFolders(REAL);
    expect(folders.map((f) => f.kind)).toEqual(Array(5).fill("online"));
  });
});

describe("process online configurations", () => {
  it("keeps a dp_attention run out of the plain DeepSeek summary", async () => {
    const root = join(dir, "online", "DeepSeek-V3-0324");
    const src = join(REAL, "online_benchmark_log/mi30x/DeepSeek-V3-0324");
    await cp(
      join(src, "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online"),
      join(root, "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online"),
      { recursive: true },
    );
    await cp(
      join(src, "v0.5.3.post1-rocm630-mi30x-20251014_DeepSeek-V3-0324_FP8_online"),
      join(root, "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online_dp_attention"),
      { recursive: true },
    );
    const out = await processSummaries({ dataDir: dir, kind: "online", today: "20251016", dryRun: true });
    expect(out.summaries.map((s) => [s.file.slice(root.length + 1), s.rows])).toEqual([
      ["DeepSeek-V3-0324_FP8_online_aiter_summary.csv", 5],
      ["DeepSeek-V3-0324_FP8_dp_attention_online_aiter_summary.csv", 5],
    ]);
  });
});

describe("process reads every layout the original writes", () => {
  const SRC = join(REAL, "online_benchmark_log/mi30x/DeepSeek-V3-0324");
  const STD = "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online";
  const STEM = "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8";

  /** A copy of the real 20251015 DeepSeek run as the `_online_<variant>` folder with `_serving_<variant>.csv`. */
  async function variantRun(root: string, variant: string, extra: Record<string, string> = {}): Promise<string> {
    const folder = join(root, `${STD}_${variant}`);
    await cp(join(SRC, STD), folder, { recursive: true });
    await rename(join(folder, `${STEM}_serving.csv`), join(folder, `${STEM}_serving_${variant}.csv`));
    for (const [name, text] of Object.entries(extra)) await writeFile(join(folder, name), text);
    return folder;
  }

  it("summarises the MTP and DP-attention serving CSVs, each as its variant, and reads our GSM8K _online.csv", async () => {
    const root = join(dir, "online", "DeepSeek-V3-0324");
    await cp(join(SRC, STD), join(root, STD), { recursive: true });
    await variantRun(root, "mtp");
    await variantRun(root, "dp_attention", { [`${STEM}_online.csv`]: formatGsm8kOnlineCsv(0.941) });
    // A GSM8K-only night (the torch-compile variant runs no serving benchmark) is a finished run.
    const gsmOnly = join(root, `${STD}_torch_compile`);
    await mkdir(gsmOnly, { recursive: true });
    await writeFile(join(gsmOnly, "sglang_client_log_DeepSeek-V3-0324_gsm8k.log"), "Accuracy: 0.940\n");
    const out = await processSummaries({ dataDir: dir, kind: "online", today: "20251016", dryRun: true });
    expect(out.skipped).toEqual([]);
    expect(out.summaries.map((s) => [s.file.slice(root.length + 1), s.rows])).toEqual([
      ["DeepSeek-V3-0324_FP8_online_aiter_summary.csv", 5],
      ["DeepSeek-V3-0324_FP8_dp_attention_online_aiter_summary.csv", 5],
      ["DeepSeek-V3-0324_FP8_mtp_online_aiter_summary.csv", 5],
    ]);
    const dp = out.summaries.find((s) => s.variant === "FP8_dp_attention")!;
    expect(dp.online?.[0]).toMatchObject({ variant: "dp_attention", node_name: "dell300x-pla-t10-23" });
    expect(out.summaries.find((s) => s.variant === "FP8_mtp")?.online?.[0]?.variant).toBe("mtp");
  });

  it("keeps a mi35x day of rates 1–8 (the rate set mi35x runs) instead of writing an empty summary", async () => {
    const tag = "v0.5.5.post3-rocm700-mi35x-20251122";
    const folder = join(dir, "online_benchmark_log", "mi35x", "GROK2", `${tag}_GROK2_FP8_online`);
    await mkdir(folder, { recursive: true });
    const grok = await readFile(
      join(
        REAL,
        "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online.csv",
      ),
      "utf8",
    );
    // Drop the rate-16 column as the mi35x nightly never runs it.
    const four = grok
      .split("\n")
      .map((l) => (l.includes("\t") ? l.split("\t").slice(0, 5).join("\t") : l))
      .join("\n");
    await writeFile(join(folder, `${tag}_GROK2_FP8_online.csv`), four);
    const out = await processSummaries({ dataDir: dir, kind: "online", today: "20251122", dryRun: true });
    expect(out.summaries[0]?.online?.map((r) => r.load)).toEqual([1, 2, 4, 8]);
    expect(out.summaries[0]?.dropped).toEqual([]);
  });

  it("follows a symlinked history folder", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "sglbench-linked-"));
    try {
      await cp(join(SRC, STD), join(elsewhere, STD), { recursive: true });
      await mkdir(join(dir, "online"), { recursive: true });
      await symlink(elsewhere, join(dir, "online", "DeepSeek-V3-0324"));
      const out = await processSummaries({ dataDir: dir, kind: "online", today: "20251016", dryRun: true });
      expect(out.summaries.map((s) => s.rows)).toEqual([5]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
