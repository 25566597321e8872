import { describe, expect, it } from "@jest/globals";
import { parse as parseYaml } from "yaml";
import {
  parseImage,
  SUITES,
  applySuiteOverrides,
  buildCommands,
  findSuite,
  promptsFor,
  suiteFor,
  type OfflineSuite,
  type OnlineSuite,
} from "../../src/core/catalogue/index.js";

const aiterImage = parseImage("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013");
const argOf = (argv: string[], flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
};

describe("suite catalogue", () => {
  it("has the seed's Grok offline normal parameters with mem fractions at BS 128 and 256", () => {
    const suite = findSuite("grok-offline-normal") as OfflineSuite;
    const cmds = buildCommands(suite, aiterImage);
    expect(cmds.points.map((p) => p.point.batch_size)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    const bs128 = cmds.points[7]!.argv;
    expect(argOf(bs128, "--mem-fraction-static")).toBe("0.85");
    expect(argOf(cmds.points[8]!.argv, "--mem-fraction-static")).toBe("0.75");
    expect(cmds.points[0]!.argv).not.toContain("--mem-fraction-static");
    expect(argOf(bs128, "--input-len")).toBe("1024");
    expect(argOf(bs128, "--output-len")).toBe("128");
    expect(argOf(bs128, "--tp-size")).toBe("8");
    expect(argOf(bs128, "--model-path")).toBe(suite.modelPath);
    expect(argOf(bs128, "--attention-backend")).toBe("aiter");
    expect(cmds.points[0]!.env).toMatchObject({ SGLANG_USE_AITER: "1", SGLANG_INT4_WEIGHT: "1" });
  });

  it("never uses the seed's abbreviated flags", () => {
    for (const suite of SUITES) {
      const cmds = buildCommands(suite, aiterImage);
      const all = [...(cmds.server?.argv ?? []), ...(cmds.gsm8k ?? []), ...cmds.points.flatMap((p) => p.argv)];
      for (const bad of ["--model", "--input", "--output", "--tp", "--random-input", "--random-output"])
        expect(all).not.toContain(bad);
    }
  });

  it("long_context and dummy modes", () => {
    const long = buildCommands(findSuite("grok-offline-long_context"), aiterImage);
    expect(long.points.map((p) => p.point.input_len)).toEqual([8192, 16384, 32768]);
    expect(
      long.points.every((p) => argOf(p.argv, "--output-len") === "10" && argOf(p.argv, "--batch-size") === "1"),
    ).toBe(true);
    const dummy = buildCommands(findSuite("grok-offline-dummy"), aiterImage);
    expect(dummy.points).toHaveLength(1);
    expect(argOf(dummy.points[0]!.argv, "--load-format")).toBe("dummy");
    expect(dummy.points[0]!.argv).toContain("--enable-torch-compile");
    expect(dummy.points[0]!.env.SGLANG_INT4_WEIGHT).toBe("0");
    const triton = buildCommands(findSuite("grok-offline-dummy"), parseImage("rocm/sgl-dev:20250501"));
    expect(triton.points[0]!.argv).not.toContain("--enable-torch-compile");
  });

  it("DeepSeek offline has a warm-up server and a 0.93 GSM8K gate", () => {
    const suite = findSuite("deepseek-offline") as OfflineSuite;
    expect(suite.gsm8k?.threshold).toBe(0.93);
    const cmds = buildCommands(suite, aiterImage, { port: 31234 });
    expect(argOf(cmds.server!.argv, "--mem-fraction-static")).toBe("0.7");
    expect(argOf(cmds.server!.argv, "--port")).toBe("31234");
    expect(cmds.server!.env.TORCHINDUCTOR_AUTOTUNE_ENABLE).toBe("0");
    expect(cmds.server!.log).toBe("sglang_warmup_server.log");
    expect(argOf(cmds.gsm8k!, "--port")).toBe("31234");
    expect(cmds.points[0]!.argv).toContain("--disable-radix-cache");
    expect(cmds.points[0]!.argv).not.toContain("--attention-backend");
  });

  it("Grok online: rates × 3 repeats, prompts 300 × rate capped at 2400", () => {
    const suite = findSuite("grok-online") as OnlineSuite;
    expect(suite.values.map((r) => promptsFor(suite, r))).toEqual([300, 600, 1200, 2400, 2400]);
    const cmds = buildCommands(suite, aiterImage);
    expect(cmds.points.map((p) => p.repeats)).toEqual([3, 3, 3, 3, 3]);
    expect(argOf(cmds.points[2]!.argv, "--request-rate")).toBe("4");
    expect(argOf(cmds.points[2]!.argv, "--random-input-len")).toBe("1024");
    expect(cmds.points[2]!.argv).not.toContain("--random-range-ratio");
    expect(cmds.server!.log).toBe("server_output_aiter.log");
    expect(argOf(cmds.server!.argv, "--mem-fraction-static")).toBe("0.85");
    expect(suite.gsm8k?.threshold).toBe(0.8);
    expect(suite.h100Reference).toBe(true);
    expect(cmds.estimatedMinutes).toBeGreaterThan(0);
  });

  it("DeepSeek online: concurrency 128…1, IL 3200, OL 800, 128/500 prompts", () => {
    const suite = findSuite("deepseek-online") as OnlineSuite;
    const cmds = buildCommands(suite, aiterImage);
    expect(cmds.points.map((p) => p.point.concurrency)).toEqual([128, 64, 16, 4, 1]);
    expect(cmds.points.map((p) => argOf(p.argv, "--num-prompts"))).toEqual(["500", "500", "128", "128", "128"]);
    expect(argOf(cmds.points[0]!.argv, "--max-concurrency")).toBe("128");
    expect(argOf(cmds.points[0]!.argv, "--random-range-ratio")).toBe("1");
    expect(cmds.server!.log).toBe("sglang_server.log");
  });

  it("Grok-2 uses its own folder names", () => {
    const suite = suiteFor("online", "grok2");
    expect(suite.modelName).toBe("GROK2");
    expect(buildCommands(suite, aiterImage).points[0]!.env).toEqual({});
  });
});

describe("suite overrides", () => {
  it("applies YAML overrides and validates them", () => {
    const yaml = parseYaml("suites:\n  grok-offline-normal:\n    batchSizes: [1, 8]\n");
    const out = applySuiteOverrides(SUITES, yaml, "sglbench.yml");
    expect((findSuite("grok-offline-normal", out) as OfflineSuite).batchSizes).toEqual([1, 8]);
    expect((findSuite("grok-offline-normal") as OfflineSuite).batchSizes).toHaveLength(9);
  });
  it("rejects unknown suites and bad values with the source named", () => {
    expect(() => applySuiteOverrides(SUITES, { suites: { nope: {} } }, "x.yml")).toThrow(
      /x\.yml: unknown suite "nope"/,
    );
    expect(() => applySuiteOverrides(SUITES, { suites: { "grok-online": { repeats: -1 } } }, "x.yml")).toThrow(
      /x\.yml: suite "grok-online": repeats/,
    );
    expect(() => applySuiteOverrides(SUITES, { suites: { "grok-online": { kind: "offline" } } })).toThrow(
      /cannot be overridden/,
    );
  });
});
