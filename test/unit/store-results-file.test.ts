import { describe, expect, it } from "@jest/globals";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { RESULTS_FILE, readResults, writeResults } from "../../src/store/results-file.js";
import {
  CONFIG_FILE,
  formatConfigJson,
  parseConfigJson,
  readConfigJson,
  writeConfigJson,
} from "../../src/store/config-json.js";

function sampleRun(): RunResults {
  return emptyRun({
    kind: "offline",
    suite: "grok-offline-normal",
    model: { name: "GROK1", variant: "MOE-I4F8" },
    mode: "normal",
    image: { full: "rocm/sgl-dev:20250624", repo: "rocm/sgl-dev", tag: "20250624" },
    backend: "aiter",
    hardware: "mi30x",
    date: "20250624",
    points: [
      {
        point: { tp: 8, batch_size: 1, input_len: 1024, output_len: 128 },
        repeats: [
          { index: 1, metrics: { prefill_latency: 0.07, total_latency: 1.5 }, labels: { prefill_latency: "0.07000" } },
        ],
      },
      {
        point: { tp: 8, batch_size: 256, input_len: 1024, output_len: 128 },
        repeats: [],
        failure: { kind: "oom", message: "OutOfMemoryError" },
      },
    ],
    gsm8k: { runs: [{ index: 1, accuracy: 0.95 }], average: 0.95, threshold: 0.8, passed: true },
    timings: { total: 123 },
  });
}

describe("results.json", () => {
  it("round-trips a run and leaves no temp file behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sglbench-results-"));
    const file = await writeResults(join(dir, "run"), sampleRun());
    expect(file).toBe(join(dir, "run", RESULTS_FILE));
    expect(await readResults(file)).toEqual(sampleRun());
    expect(await readdir(join(dir, "run"))).toEqual([RESULTS_FILE]);
  });

  it("overwrites atomically (second write replaces the first)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sglbench-results-"));
    await writeResults(dir, sampleRun());
    const second = { ...sampleRun(), backend: "triton" };
    await writeResults(dir, second);
    expect((await readResults(join(dir, RESULTS_FILE))).backend).toBe("triton");
  });

  it("refuses to write an invalid record", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sglbench-results-"));
    const bad = { ...sampleRun(), kind: "sideways" } as unknown as RunResults;
    await expect(writeResults(dir, bad)).rejects.toThrow(/invalid results record.*kind/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("names the file and the field on an invalid file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sglbench-results-"));
    const file = join(dir, RESULTS_FILE);
    await writeFile(file, JSON.stringify({ ...sampleRun(), schema_version: 99 }));
    await expect(readResults(file)).rejects.toThrow(new RegExp(`${file}.*schema_version`));
    await writeFile(file, "{ not json");
    await expect(readResults(file)).rejects.toThrow(new RegExp(`${file}: not valid JSON`));
    await expect(readResults(join(dir, "missing.json"))).rejects.toThrow(/Cannot read results file/);
  });
});

describe("config.json (seed)", () => {
  const seedBytes = '{"docker": "rocm/sgl-dev:20250624", "attention_backend": "aiter"}';

  it("parse → format gives the seed's bytes", () => {
    expect(formatConfigJson(parseConfigJson(seedBytes, "config.json"))).toBe(seedBytes);
  });

  it("writes and reads back from a folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sglbench-config-"));
    await writeConfigJson(dir, { docker: "lmsysorg/sglang:v0.4.7-rocm630", attention_backend: "triton" });
    expect(await readFile(join(dir, CONFIG_FILE), "utf8")).toBe(
      '{"docker": "lmsysorg/sglang:v0.4.7-rocm630", "attention_backend": "triton"}',
    );
    expect(await readConfigJson(dir)).toEqual({
      docker: "lmsysorg/sglang:v0.4.7-rocm630",
      attention_backend: "triton",
    });
  });

  it("names the file on bad content", () => {
    expect(() => parseConfigJson('{"docker": "x"}', "/r/config.json")).toThrow(/\/r\/config.json.*attention_backend/);
    expect(() => parseConfigJson("{", "/r/config.json")).toThrow(/\/r\/config.json: not valid JSON/);
  });
});
