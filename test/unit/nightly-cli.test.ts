import { describe, expect, it, beforeEach, afterEach } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRun } from "../../src/core/results/index.js";
import { run } from "../../src/cli/commands/nightly.js";
import type { NightlyServices } from "../../src/pipeline/nightly.js";
import { captureIO } from "../helpers/capture-io.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-nightly-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fake(seen: { repo?: string; images: string[]; sleeps: number[] }): NightlyServices {
  return {
    now: () => new Date("2025-07-01T18:00:00Z"),
    listTags: async (repo) => {
      seen.repo = repo;
      return ["20250701", "20250630"];
    },
    rocmSmi: async () => undefined,
    stopOwnContainers: async () => [],
    sleep: async (ms) => void seen.sleeps.push(ms),
    runSuite: async ({ suite, image }) => {
      seen.images.push(`${suite.id}:${image}`);
      return {
        run: emptyRun({ kind: suite.kind, suite: suite.id, model: { name: suite.modelName } }),
        folder: "x",
        exitCode: 0,
      };
    },
    log: () => undefined,
  };
}

describe("sglbench nightly CLI", () => {
  it("runs with the seed's environment variables and prints a summary", async () => {
    const seen = { images: [] as string[], sleeps: [] as number[] } as {
      repo?: string;
      images: string[];
      sleeps: number[];
    };
    const io = { ...captureIO(dir), env: { IMAGE_REPO: "lmsysorg/sglang-rocm", BENCHMARK_CI_DIR: dir } };
    const code = await run(["--mode", "offline", "--model", "grok", "--lock-dir", dir], io, fake(seen));
    expect(code).toBe(0);
    expect(seen.repo).toBe("lmsysorg/sglang-rocm");
    expect(seen.images).toEqual(["grok-offline-normal:lmsysorg/sglang-rocm:20250701"]);
    const out = io.out.join("");
    expect(out).toContain("nightly grok1 offline 20250701: lmsysorg/sglang-rocm:20250701");
    expect(out).toContain(`report: ${join(dir, "nightly_reports/20250701_grok1_offline.json")}`);
  });

  it("--json prints the report; --image skips the pick", async () => {
    const seen = { images: [] as string[], sleeps: [] as number[] };
    const io = { ...captureIO(dir), env: {} };
    const code = await run(
      [
        "--mode",
        "online",
        "--model",
        "DeepSeek-V3",
        "--image",
        "rocm/sgl-dev:custom",
        "--data-dir",
        dir,
        "--lock-dir",
        dir,
        "--json",
      ],
      io,
      fake(seen),
    );
    expect(code).toBe(0);
    const report = JSON.parse(io.out.join("")) as { image: string; suites: { suite: string }[] };
    expect(report.image).toBe("rocm/sgl-dev:custom");
    expect(report.suites.map((s) => s.suite)).toEqual(["deepseek-online"]);
  });

  it("bad usage and bad environment values exit 2 with usage", async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--mode", "weekly"], {}, /--mode must be/],
      [["--model", "llama"], {}, /unknown --model "llama"/],
      [["--hardware", "h100"], {}, /--hardware must be/],
      [["--bogus"], {}, /unknown option --bogus/],
      [[], { GPU_USAGE_THRESHOLD: "high" }, /GPU_USAGE_THRESHOLD="high" is not a percentage/],
      [[], { GPU_IDLE_WAIT_TIME: "soon" }, /GPU_IDLE_WAIT_TIME must be seconds/],
    ];
    for (const [args, env, message] of cases) {
      const io = { ...captureIO(dir), env };
      expect(await run(args, io, fake({ images: [], sleeps: [] }))).toBe(2);
      expect(io.err.join("")).toMatch(message);
      expect(io.err.join("")).toContain("Usage: sglbench nightly");
    }
  });

  it("--help documents the seed's variables", async () => {
    const io = captureIO(dir);
    expect(await run(["--help"], io)).toBe(0);
    for (const name of ["BENCHMARK_CI_DIR", "MOUNT_DIR", "WORK_DIR", "IMAGE_REPO", "GPU_USAGE_THRESHOLD"])
      expect(io.out.join("")).toContain(name);
  });

  it("the original's DeepSeek switches pick the variant; --dry-run shows its model path, environment and server flags", async () => {
    const io = { ...captureIO(dir), env: {} };
    const args = ["--model=deepseek", "--mode=online", "--check-dp-attention", "--enable-torch-compile", "--dry-run"];
    expect(await run(args, io, fake({ images: [], sleeps: [] }))).toBe(0);
    const text = io.out.join("");
    expect(text).toContain("suite deepseek-online-dp_attention_torch_compile");
    expect(text).toContain("_DeepSeek-V3-0324_FP8_online_dp_attention_torch_compile");
    expect(text).toContain(
      "server: SGLANG_USE_AITER=1 SGLANG_USE_ROCM700A=1 HSA_ENABLE_COREDUMP=0 python3 -m sglang.launch_server --model-path /mnt/raid/models/huggingface/deepseek-ai/DeepSeek-V3-0324 --tp-size 8 --mem-fraction-static 0.8 --trust-remote-code --chunked-prefill-size 131072 --dp-size 8 --enable-dp-attention --cuda-graph-max-bs 16 --enable-torch-compile",
    );
    expect(text).toContain("GSM8K only: no serving sweep");
  });

  it("MXFP4 with MTP on MI355X, with the original's --model-path / --model-name / --tokenizer-path", async () => {
    const io = { ...captureIO(dir), env: {} };
    const args = [
      "--model=DeepSeek-R1-MXFP4",
      "--mode=online",
      "--hardware=mi35x",
      "--enable-mtp-test",
      "--model-path=/data2/mxfp4",
      "--model-name=DeepSeek-R1-MXFP4-Preview",
      "--tokenizer-path=/data2/tok",
      "--dry-run",
    ];
    expect(await run(args, io, fake({ images: [], sleeps: [] }))).toBe(0);
    const text = io.out.join("");
    expect(text).toContain("suite deepseek-r1-mxfp4-online-mtp");
    expect(text).toContain("--model-path /data2/mxfp4 --tokenizer-path /data2/tok --tp-size 8");
    expect(text).toContain("--speculative-algorithm EAGLE");
    expect(text).toContain("_DeepSeek-R1-MXFP4-Preview_FP8_online_mtp_test");
    // MI355X only.
    const mi30 = { ...captureIO(dir), env: {} };
    expect(await run(["--model=deepseek-r1-mxfp4", "--mode=online", "--dry-run"], mi30)).toBe(2);
    expect(mi30.err.join("")).toContain("deepseek-r1-mxfp4 runs on mi35x only, not mi30x");
  });

  it("--continue-run-days runs one image per day, oldest first; --model=sanity is the sanity sweep", async () => {
    const seen = { images: [] as string[], sleeps: [] as number[] };
    const io = { ...captureIO(dir), env: {} };
    const code = await run(
      ["--model=grok2", "--mode=online", "--continue-run-days=3", "--data-dir", dir, "--lock-dir", dir],
      io,
      fake(seen),
    );
    expect(code).toBe(0);
    // 20250629 has no image: noted, the others run.
    expect(seen.images).toEqual(["grok2-online:rocm/sgl-dev:20250630", "grok2-online:rocm/sgl-dev:20250701"]);
    expect(io.out.join("")).toContain("note: no mi30x image for 20250629");

    const sanity = { images: [] as string[], sleeps: [] as number[] };
    const sio = { ...captureIO(dir), env: {} };
    const args = [
      "--model=sanity",
      "--sanity-models=GROK2.5",
      "--sanity-trials=2",
      "--data-dir",
      dir,
      "--lock-dir",
      dir,
    ];
    expect(await run(args, sio, fake(sanity))).toBe(3); // the fake run has no GSM8K result: a failed check
    expect(sanity.images).toEqual(["sanity-GROK2.5:rocm/sgl-dev:20250701"]);
    expect(sio.out.join("")).toMatch(/\| GROK2\.5 +\| 20250701 +\| 2 +\| — +\| 0\.915 +\| FAIL +\|/);
  });

  it("rejects variant misuse and bad counts", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--enable-mtp-test", "--enable-torch-compile", "--model=deepseek"],
        /No variant for --enable-torch-compile --enable-mtp-test \(known: --check-dp-attention;/,
      ],
      [["--check-dp-attention", "--model=deepseek", "--mode=offline"], /online variant/],
      [["--check-dp-attention", "--model=grok1", "--mode=online", "--dry-run"], /No variant "dp_attention" for grok1/],
      [["--continue-run-days=0"], /--continue-run-days must be/],
      [["--mode=sanity", "--sanity-trials=x"], /--sanity-trials must be/],
      [["--variant=dp", "--enable-dp-test"], /exclusive/],
    ];
    for (const [args, message] of cases) {
      const io = { ...captureIO(dir), env: {} };
      expect(await run(args, io, fake({ images: [], sleeps: [] }))).toBe(2);
      expect(io.err.join("")).toMatch(message);
    }
  });
});
