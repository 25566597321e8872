import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as changes } from "../../src/cli/commands/changes.js";
import { run as processCmd } from "../../src/cli/commands/process.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { writeResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";

function dateOf(day: number): string {
  return new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10).replaceAll("-", "");
}

/** 60 nights of DeepSeek ITL; `level(day)` scales it (a fixed ±0.5 % wobble stands for noise). */
function history(level: (day: number) => number): RunResults[] {
  return Array.from({ length: 60 }, (_, day) => {
    const date = dateOf(day);
    const r = emptyRun({
      kind: "online",
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      date,
      image: { full: `rocm/sgl-dev:v0.5.3-rocm630-mi30x-${date}`, tag: `v0.5.3-rocm630-mi30x-${date}` },
    });
    r.points.push({
      point: { concurrency: 64, input_len: 3200, output_len: 800 },
      repeats: [1, 2, 3].map((index) => ({
        index,
        metrics: { median_itl_ms: 42 * level(day) * (1 + (0.005 * (((day * 7 + index * 3) % 5) - 2)) / 2) },
      })),
    });
    return r;
  });
}

async function store(runs: RunResults[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sglbench-exit-"));
  for (const r of runs)
    await writeResults(join(dir, "online", "DeepSeek-V3-0324", `${r.image?.tag}_DeepSeek-V3-0324_FP8_online`), r);
  return dir;
}

describe("changes exits 1 only for an open regression", () => {
  let open: string;
  let closed: string;
  beforeAll(async () => {
    open = await store(history((d) => (d >= 40 ? 1.2 : 1)));
    // Slower from night 20, back to the old level from night 40: the regression is over.
    closed = await store(history((d) => (d >= 20 && d < 40 ? 1.2 : 1)));
  });
  afterAll(async () => {
    await rm(open, { recursive: true, force: true });
    await rm(closed, { recursive: true, force: true });
  });

  it("1 when a series' current level is a regression", async () => {
    expect(await changes(["--data-dir", open], captureIO(open))).toBe(1);
  });

  it("0 when the regression was followed by a recovery (still listed)", async () => {
    const io = captureIO(closed);
    expect(await changes(["--data-dir", closed], io)).toBe(0);
    expect(io.out.join("")).toMatch(/regression/);
  });

  it("4, not 1, when the data dir cannot be read", async () => {
    const missing = join(tmpdir(), "sglbench-exit-missing-dir");
    expect(await changes(["--data-dir", missing], captureIO(tmpdir()))).toBe(4);
    expect(await processCmd(["--data-dir", missing, "--today", "20250301"], captureIO(tmpdir()))).toBe(4);
  });
});
