/**
 * Today's nightly matrix end to end on the simulated SGLang (test/sim), `--local`: a Grok-2 online
 * nightly on MI355X, a DeepSeek DP-attention nightly (GSM8K only, own run folder and series) and a
 * sanity sweep with its pass/fail table. Real runner, real run folders, real report files.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import nock from "nock";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/nightly.js";
import { pacificDate } from "../../src/core/catalogue/index.js";
import { freeLocalPort } from "../../src/runner/free-port.js";
import { readResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";

jest.setTimeout(120_000);

const SIM = join(process.cwd(), "test/sim/bin");
let dir: string;
beforeAll(async () => {
  nock.restore();
  dir = await mkdtemp(join(tmpdir(), "sglbench-nightly-variants-"));
});
afterAll(async () => {
  // No nock.activate() here: re-activating after test/setup/restore-nock.ts restored it would leave
  // nock intercepting in the next files of this worker (each file's own import activates it).
  await rm(dir, { recursive: true, force: true });
});

async function io(seed: string, extra: Record<string, string> = {}) {
  return {
    ...captureIO(dir),
    env: {
      ...process.env,
      PATH: `${SIM}:${process.env.PATH ?? ""}`,
      SGLSIM_SEED: seed,
      SGLSIM_TIME_SCALE: "0",
      SGLBENCH_PORT: String(await freeLocalPort()),
      BENCHMARK_CI_DIR: join(dir, "hist"),
      ...extra,
    },
  };
}

const today = pacificDate(new Date());

describe("nightly variants, Grok-2 and sanity on the simulator", () => {
  it("Grok-2 online on MI355X runs from the Grok-2 folders with the original's environment", async () => {
    const tag = `v0.5.6-rocm700-mi35x-${today}`;
    const out = await io("3", { SGLSIM_GSM8K_ACCURACY: "0.95" });
    const args = ["--local", "--model=grok2", "--mode=online", "--hardware=mi35x", `--image=rocm/sgl-dev:${tag}`];
    expect(await run([...args, "--lock-dir", dir], out)).toBe(0);
    const folder = join(dir, "hist/online/GROK2", `${tag}_GROK2_FP8_online`);
    const results = await readResults(join(folder, "results.json"));
    expect(results.suite).toBe("grok2-online");
    expect(results.model.path).toBe("/data/grok-2");
    // Rates 1–8 on MI355X, as the original's script there ("excluding 16"): catalogue values_by_hardware.
    expect(results.points.map((p) => p.point.request_rate)).toEqual([1, 2, 4, 8]);
    expect(results.gsm8k).toMatchObject({ passed: true, threshold: 0.92 });
    const server = await readFile(join(folder, "server_output_aiter.log"), "utf8");
    expect(server).toContain(
      "env RCCL_MSCCL_ENABLE=0 SGLANG_USE_AITER=1 SGLANG_INT4_WEIGHT=0 HSA_ENABLE_COREDUMP=0 python3 -m sglang.launch_server --model-path /data/grok-2 --tokenizer-path /data/alvarobartt--grok-2-tokenizer",
    );
  });

  it("DeepSeek --check-dp-attention: GSM8K only, in its own _dp_attention folder and suite", async () => {
    const tag = `v0.5.6-rocm700-mi30x-${today}`;
    const out = await io("4");
    const args = [
      "--local",
      "--model=deepseek",
      "--mode=online",
      "--check-dp-attention",
      `--image=rocm/sgl-dev:${tag}`,
    ];
    expect(await run([...args, "--lock-dir", dir], out)).toBe(0);
    const text = out.out.join("");
    expect(text).toContain("nightly deepseek online (dp_attention)");
    const folder = join(dir, "hist/online/DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online_dp_attention`);
    const results = await readResults(join(folder, "results.json"));
    expect(results.suite).toBe("deepseek-online-dp_attention");
    expect(results.mode).toBe("dp_attention"); // the series key ingest gives the original's DP-attention runs
    expect(results.points).toEqual([]);
    expect(results.gsm8k?.runs).toHaveLength(5);
    expect(results.gsm8k?.passed).toBe(true);
    const server = await readFile(join(folder, "sglang_server.log"), "utf8");
    expect(server).toContain(
      "env SGLANG_USE_AITER=1 SGLANG_USE_ROCM700A=1 HSA_ENABLE_COREDUMP=0 python3 -m sglang.launch_server",
    );
    expect(server).toContain("--chunked-prefill-size 131072 --dp-size 8 --enable-dp-attention");
    const report = JSON.parse(
      await readFile(join(dir, "hist/nightly_reports", `${today}_deepseek_online_dp_attention.json`), "utf8"),
    ) as { variant: string; suites: { suite: string; exitCode: number }[] };
    expect(report.variant).toBe("dp_attention");
    expect(report.suites).toEqual([expect.objectContaining({ suite: "deepseek-online-dp_attention", exitCode: 0 })]);
  });

  it("--mode sanity: one GSM8K check per model, a pass/fail table, exit 3 when a model is under its floor", async () => {
    const tag = `v0.5.6-rocm700-mi30x-${today}`;
    const out = await io("5");
    const args = [
      "--local",
      "--mode=sanity",
      "--hardware=mi30x",
      "--sanity-models=GROK1-IN4,QWEN-30B",
      "--sanity-trials=2",
      "--models-dir=/models",
      `--image=rocm/sgl-dev:${tag}`,
    ];
    expect(await run([...args, "--lock-dir", dir], out)).toBe(3);
    const text = out.out.join("");
    expect(text).toMatch(/\| GROK1-IN4 +\| [^|]+\| 2 +\| 0\.8\d\d +\| 0\.800 +\| pass +\|/);
    expect(text).toMatch(/\| QWEN-30B +\| [^|]+\| 2 +\| 0\.8\d\d +\| 0\.840 +\| FAIL +\|/);
    expect(text).toContain("Sanity check failed");
    const report = JSON.parse(
      await readFile(join(dir, "hist/nightly_reports", `${today}_sanity_sanity.json`), "utf8"),
    ) as { sanity: { model: string; passed: boolean; trials: number }[] };
    // In the table's order.
    expect(report.sanity.map((r) => [r.model, r.passed, r.trials])).toEqual([
      ["QWEN-30B", false, 2],
      ["GROK1-IN4", true, 2],
    ]);
    const folders = await readdir(join(dir, "hist/online/GROK1-IN4"));
    expect(folders).toEqual([`${tag}_GROK1-IN4_GSM8K_online_sanity`]);
  });
});
