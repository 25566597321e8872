import { describe, expect, it, jest } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { main } from "../../src/cli/main.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { freeLocalPort } from "../../src/runner/free-port.js";
import { captureIO } from "../helpers/capture-io.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const simEnv = {
  ...process.env,
  PATH: `${resolve("test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`,
  SGLSIM_TIME_SCALE: "0.0002",
};

describe("sglbench offline|online flags", () => {
  it("--help prints the seed's flags", async () => {
    const io = captureIO();
    expect(await main(["offline", "--help"], io)).toBe(0);
    const text = io.out.join("");
    for (const flag of [
      "--docker-image",
      "--mode=",
      "--dummy-model",
      "--download-model",
      "--local",
      "--dry-run",
      "--points",
    ])
      expect(text).toContain(flag);
  });

  it("unknown flags are an error with usage on stderr, exit 2", async () => {
    const io = captureIO();
    expect(await main(["online", "--model-pathh=/x"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/unknown option --model-pathh.*\nUsage: sglbench online/);
  });

  it("an invalid mode says which modes exist", async () => {
    const io = captureIO();
    expect(await main(["offline", "--mode=fast"], io)).toBe(2);
    expect(io.err.join("")).toContain("Invalid mode: fast. Must be one of: normal, long_context, dummy");
  });

  it("an unknown point is a usage error", async () => {
    const io = captureIO();
    expect(await main(["online", "--points=3", "--dry-run"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/no point 3/);
  });

  it("--dry-run prints the plan with full flag names, for both image flag spellings", async () => {
    for (const flag of ["--docker_image=rocm/sgl-dev:20250623", "--docker-image=rocm/sgl-dev:20250623"]) {
      const io = captureIO();
      expect(await main(["online", flag, "--model-type=deepseek", "--dry-run", "--port=31000"], io)).toBe(0);
      const text = io.out.join("");
      expect(text).toContain("deepseek-online");
      expect(text).toContain("sglang.launch_server --model-path");
      expect(text).toContain("--max-concurrency 128");
      expect(text).toContain("--port 31000");
      expect(text).toContain("GSM8K gate (5 runs, threshold 0.93)");
      expect(text).toContain("online/DeepSeek-V3-0324/20250623_DeepSeek-V3-0324_FP8_online");
    }
  });

  it("Grok-2 (from the model path) uses GROK2 folders and the catalogue's Grok-2 tokenizer", async () => {
    const io = captureIO();
    expect(await main(["online", "--model-path=/mnt/raid/models/grok-2", "--dry-run"], io)).toBe(0);
    const text = io.out.join("");
    expect(text).toContain("--model-path /mnt/raid/models/grok-2 ");
    expect(text).toContain("--tokenizer-path /mnt/raid/models/huggingface/alvarobartt--grok-2-tokenizer");
    expect(text).toContain("online/GROK2/");
    expect(text).not.toContain("Xenova/grok-1-tokenizer");
  });

  it("--threshold and --skip-gsm8k are honoured in the plan", async () => {
    const io = captureIO();
    expect(await main(["offline", "--model=/m/DeepSeek-V3-0324", "--threshold=0.5", "--dry-run"], io)).toBe(0);
    expect(io.out.join("")).toContain("threshold 0.5");
    const skip = captureIO();
    expect(await main(["online", "--skip-gsm8k=true", "--dry-run"], skip)).toBe(0);
    expect(skip.out.join("")).not.toContain("GSM8K gate");
    const bad = captureIO();
    expect(await main(["online", "--skip-gsm8k=maybe"], bad)).toBe(2);
  });

  it("sglbench offline --local on the simulator writes a folder ingest reads back", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-cli-"));
    const io = { ...captureIO(out), env: simEnv };
    const code = await main(
      [
        "offline",
        "--local",
        "--docker-image=rocm/sgl-dev:20250623",
        "--points=1,16",
        `--output-dir=${out}`,
        `--work-dir=${mkdtempSync(join(tmpdir(), "sglbench-cli-work-"))}`,
      ],
      io,
    );
    expect(code).toBe(0);
    expect(io.out.join("")).toMatch(/\[point 2\/2 .*batch_size|point 2\/2/);
    const folder = join(out, "offline/GROK1/20250623_GROK1_MOE-I4F8_offline");
    expect(readdirSync(folder)).toEqual(
      expect.arrayContaining(["20250623_GROK1_MOE-I4F8_offline.csv", "config.json", "results.json"]),
    );
    const { runs } = await ingestPaths([out]);
    expect(runs[0]?.points.map((p) => p.point.batch_size)).toEqual([1, 16]);
  });

  it("sglbench online --local on the simulator (GSM8K gate included), then sglbench ingest reads it", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-cli-"));
    const port = await freeLocalPort();
    const io = { ...captureIO(out), env: { ...simEnv, SGLSIM_GSM8K_ACCURACY: "0.85" } };
    const code = await main(
      [
        "online",
        "--local",
        "rocm/sgl-dev:20250623",
        "--points=1,2",
        "--repeats=2",
        `--port=${port}`,
        `--output-dir=${out}`,
        `--work-dir=${mkdtempSync(join(tmpdir(), "sglbench-cli-work-"))}`,
        "--node=test-node",
      ],
      io,
    );
    expect(io.err.join("")).toBe("");
    expect(code).toBe(0);
    const folder = join(out, "online/GROK1/20250623_GROK1_MOE-I4F8_online");
    const csv = readFileSync(join(folder, "20250623_GROK1_MOE-I4F8_online.csv"), "utf8");
    expect(csv).toContain("test-node");
    expect(readFileSync(join(folder, "sglang_client_log_GROK1_gsm8k_aiter.log"), "utf8")).toContain(
      "Average accuracy meets threshold (0.8) for mode aiter",
    );
    const ingest = captureIO(out);
    expect(await main(["ingest", "--json", out], ingest)).toBe(0);
    const record = JSON.parse(ingest.out.join("").trim().split("\n")[0] ?? "{}") as {
      suite: string;
      gsm8k?: { passed?: boolean };
      points: { point: { request_rate?: number } }[];
    };
    expect(record.suite).toBe("grok-online");
    expect(record.gsm8k?.passed).toBe(true);
    expect(record.points.map((p) => p.point.request_rate)).toEqual([1, 2]);
  }, 60_000);
});
