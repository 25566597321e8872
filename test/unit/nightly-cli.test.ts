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
});
