/**
 * Issue 15 item 9: identical images on both sides of compare-pr (simulated SGLang, its default noise)
 * flag no cell 🔴/🟢. Each side has its own fixed SGLSIM_SEED, so the run is repeatable, yet every
 * repeat and launch still draws its own noise (a fixed seed used to replay one draw in every
 * bench_one_batch process, so a side's repeats did not vary at all).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { execa } from "execa";
import { simulatedComparePr } from "../helpers/sim-compare-pr.js";

// A compare-pr of two suites with interleaved blocks: tens of seconds, more on a busy machine.
jest.setTimeout(300_000);

const PATH = `${resolve("test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`;
const saved = { ...process.env };
beforeAll(() => {
  delete process.env.SGLSIM_NOISE;
  process.env.SGLSIM_TIME_SCALE = "0";
});
afterAll(() => {
  process.env = { ...saved };
});

const ONE_BATCH = ["-m", "sglang.bench_one_batch", "--model", "/models/grok-1", "--batch-size", "2"];
const prefills = (stdout: string): string[] => [...stdout.matchAll(/Prefill\. latency: +([\d.]+)/g)].map((m) => m[1]!);

describe("simulator noise under a fixed SGLSIM_SEED", () => {
  it("varies between invocations of one command, and replays for a new parent process", async () => {
    const env = { PATH, SGLSIM_SEED: "4242", SGLSIM_TIME_SCALE: "0" };
    const twice = `python3 ${ONE_BATCH.join(" ")}; python3 ${ONE_BATCH.join(" ")}`;
    // bench_one_batch appends result.jsonl to its working folder.
    const cwd = mkdtempSync(join(tmpdir(), "sglbench-seeded-"));
    const first = prefills((await execa("sh", ["-c", twice], { env, extendEnv: false, cwd })).stdout);
    const again = prefills((await execa("sh", ["-c", twice], { env, extendEnv: false, cwd })).stdout);
    expect(first).toHaveLength(4); // warm-up + benchmark block per invocation
    expect(first[1]).not.toEqual(first[3]); // the second repeat draws its own noise
    expect(again).toEqual(first); // same parent commands, same seed: same numbers
  });
});

describe("compare-pr with identical images on the simulator", () => {
  it("flags no cell 🔴/🟢 (each side its own fixed seed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-identical-"));
    const { cells } = await simulatedComparePr({
      dir,
      models: ["grok"],
      types: ["offline", "online"],
      mainEnv: { PATH, SGLSIM_SEED: "101" },
      prEnv: { PATH, SGLSIM_SEED: "202" },
    });
    expect(cells.length).toBeGreaterThan(50);
    const flagged = cells
      .filter((c) => c.verdict === "regressed" || c.verdict === "improved")
      .map((c) => `${c.suite} ${c.metric} ${c.verdict}`);
    expect(flagged).toEqual([]);
    // The repeats of a side still differ (the noise is there, it is just below the 2 % minimum effect).
    const offline = cells.filter((c) => c.suite.includes("offline") && (c.baseline?.values.length ?? 0) >= 2);
    expect(offline.some((c) => new Set(c.baseline!.values).size > 1)).toBe(true);
  });
});
