import { describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/demo.js";
import { groupedVerdicts, runDemo, verdictLines, type DemoOptions } from "../../src/pipeline/demo.js";
import type { ServiceOptions } from "../../src/pipeline/compare-pr-services.js";
import { captureIO } from "../helpers/capture-io.js";
import { FAKE_SUITE, fakeComparer, fakeRunner } from "../helpers/compare-pr-fakes.js";

describe("sglbench demo --real-nightlies", () => {
  it("reads the two shipped nightlies and prints every concurrency with its three repeats", async () => {
    const io = captureIO();
    expect(await run(["--real-nightlies", "--fixtures", join(import.meta.dirname, "..", "fixtures", "real")], io)).toBe(
      0,
    );
    const text = io.out.join("");
    expect(text).toContain("v0.5.3.post1-rocm630-mi30x-20251014");
    // concurrency 16 of the 20251014 image: run1 is the slow warm-up round (23258 ms), then 20895, 20930.
    expect(text).toMatch(/\n\s+16 {2}23258 20895 20930/);
  });

  it("fails clearly when the fixtures are missing", async () => {
    const io = captureIO();
    expect(await run(["--real-nightlies", "--fixtures", "/nonexistent"], io)).toBe(1);
    expect(io.err.join("")).toContain("pass --fixtures DIR");
  });

  it("rejects contradictory flags", async () => {
    const io = captureIO();
    expect(await run(["--docker", "--local"], io)).toBe(2);
    expect(io.err.join("")).toMatch(/choose one of --docker and --local[\s\S]*Usage/);
  });
});

describe("runDemo (pipeline choices)", () => {
  const simBin = () => {
    const dir = mkdtempSync(join(tmpdir(), "sglbench-simbin-"));
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "python3"), "#!/bin/sh\n");
    return join(dir, "bin");
  };
  const options = (over: Partial<DemoOptions>, seen: ServiceOptions[], slowdown: Record<string, number>) => {
    const fake = fakeRunner(slowdown);
    const base: DemoOptions = {
      mode: "auto",
      outputDir: mkdtempSync(join(tmpdir(), "sglbench-demo-")),
      simBin: simBin(),
      models: ["deepseek"],
      types: ["online"],
      repeats: 2,
      log: () => undefined,
      services: async (o) => (
        seen.push(o),
        { runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE] }
      ),
      dockerReachable: async () => false,
      buildSimImages: async () => ({ main: "sglbench-sim:main", pr: "sglbench-sim:pr" }),
    };
    return { ...base, ...over };
  };

  it("runs locally without Docker: same simulator on PATH, only the PR side decodes 5 % slower", async () => {
    const seen: ServiceOptions[] = [];
    const opts = options({}, seen, { "sglbench-sim:pr": 1.05 });
    const { mode, result } = await runDemo(opts);
    expect(mode).toBe("local");
    expect(seen[0]).toMatchObject({ local: true, prEnv: { SGLSIM_DECODE_SPEED: "1.05" } });
    expect(seen[0]!.mainEnv.SGLSIM_DECODE_SPEED).toBeUndefined();
    expect(seen[0]!.mainEnv.PATH?.startsWith(opts.simBin)).toBe(true);
    expect(result.verdict).toBe("regressed");
    expect(result.dir).toMatch(/pr1_\d{8}_\d{6}$/);
  });

  it("uses the two simulator images when Docker answers, and falls back to local when they cannot be built", async () => {
    const seen: ServiceOptions[] = [];
    const docker = await runDemo(options({ dockerReachable: async () => true }, seen, { "sglbench-sim:pr": 1.05 }));
    expect(docker.mode).toBe("docker");
    expect(seen[0]).toMatchObject({ local: false, mainEnv: {}, prEnv: {} });
    expect(docker.result.verdict).toBe("regressed");
    const fallback = await runDemo(
      options(
        {
          dockerReachable: async () => true,
          buildSimImages: async () => {
            throw new Error("no base image");
          },
        },
        [],
        {},
      ),
    );
    expect(fallback.mode).toBe("local");
    await expect(
      runDemo(options({ mode: "docker", buildSimImages: async () => Promise.reject(new Error("x")) }, [], {})),
    ).rejects.toThrow(/Cannot build the simulator images/);
  });

  it("refuses to start without the simulator", async () => {
    await expect(runDemo(options({ simBin: "/nonexistent" }, [], {}))).rejects.toThrow(/no python3 in \/nonexistent/);
  });

  it("picks the 🔴/🟢 table rows out of a report", () => {
    expect(verdictLines("# R\n| a | 🔴 +5.0 % |\n| b | ⚪ |\n| c | 🟢 -3 % |\ntext 🔴")).toEqual([
      "| a | 🔴 +5.0 % |",
      "| c | 🟢 -3 % |",
    ]);
  });

  it("groups flagged rows by metric, one line per metric with its points and changes", () => {
    const report = [
      "| | Point | Metric | Main | PR | Change | Interval | Why |",
      "| 🔴 | concurrency 1 | Median ITL (ms) | 20.3 | 21.4 | +5.5 % slower | [+1.6, +9.5] | |",
      "| ⚪ | concurrency 4 | Median TTFT (ms) | 359 | 360 | +0.2 % slower | [-1.0, +1.0] | |",
      "| 🔴 | concurrency 4 | Median ITL (ms) | 21.2 | 22.3 | +5.1 % slower | [+2.8, +7.4] | |",
      "| 🟢 | concurrency 4 | Output Throughput (tok/s) | 180 | 190 | +5.0 % higher | [+3.0, +7.0] | |",
    ].join("\n");
    expect(groupedVerdicts(report)).toEqual([
      "🔴 Median ITL (ms): concurrency 1 (+5.5 % slower), concurrency 4 (+5.1 % slower)",
      "🟢 Output Throughput (tok/s): concurrency 4 (+5.0 % higher)",
    ]);
  });
});
