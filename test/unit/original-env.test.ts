import { describe, expect, it } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { originalEnvPatch, shmSizeBytes } from "../../src/cli/original-env.js";
import { parseSuiteArgs, renderDryRun, type SuiteCommandArgs } from "../../src/cli/suite-command.js";
import { captureIO } from "../helpers/capture-io.js";

/** `sglbench offline|online` parsed with these environment variables. */
function parse(kind: "offline" | "online", argv: string[], env: Record<string, string>): SuiteCommandArgs {
  const io = { ...captureIO(), env };
  const args = parseSuiteArgs(kind, argv, io);
  if (args === "help") throw new Error("help");
  return args;
}

describe("the original's environment overrides", () => {
  it("set the Grok offline points, lengths and memory fractions; a flag still wins", () => {
    const env = {
      NORMAL_BATCH_SIZES: "1 8 64",
      NORMAL_INPUT_LENGTHS: "2048",
      NORMAL_OUTPUT_LENGTH: "64",
      BATCH_SIZE_128_MEM_FRACTION: "0.8",
      DEFAULT_DOCKER_IMAGE: "rocm/sgl-dev:v0.5.5-rocm700-mi30x-20251110",
      BENCHMARK_MODEL_NAME: "GROK1X",
      DEFAULT_MODEL_PATH: "/models/grok-x",
    };
    const args = parse("offline", [], env);
    expect(args.image).toBe(env.DEFAULT_DOCKER_IMAGE);
    expect(args.suite).toMatchObject({
      batchSizes: [1, 8, 64],
      inputLens: [2048],
      outputLen: 64,
      memFractionByBatch: { "128": 0.8 },
      modelName: "GROK1X",
      modelPath: "/models/grok-x",
    });
    expect(renderDryRun(args).match(/--batch-size \d+/g)).toEqual([
      "--batch-size 1",
      "--batch-size 8",
      "--batch-size 64",
    ]);
    const flags = parse("offline", ["--docker-image=mine:1", "--model=/flag/path"], env);
    expect(flags.image).toBe("mine:1");
    expect(flags.suite.modelPath).toBe("/flag/path");
  });

  it("cover long_context and dummy; Grok-2 keeps its own model defaults", () => {
    const env = { LONG_CONTEXT_INPUT_LENGTHS: "4096", DUMMY_BATCH_SIZES: "4", DEFAULT_MODEL_PATH: "/models/grok-x" };
    expect(parse("offline", ["--mode=long_context"], env).suite).toMatchObject({ inputLens: [4096] });
    expect(parse("offline", ["--mode=dummy"], env).suite).toMatchObject({ batchSizes: [4] });
    expect(parse("offline", ["--model-type=grok2"], env).suite.modelPath).not.toBe("/models/grok-x");
    expect(originalEnvPatch("deepseek-offline", "deepseek", env)).toEqual({});
  });

  it("name the variable of a bad value", () => {
    expect(() => parse("offline", [], { NORMAL_BATCH_SIZES: "1 two" })).toThrow(
      /NORMAL_BATCH_SIZES="1 two": expected whole numbers/,
    );
    expect(() => parse("offline", [], { BATCH_SIZE_256_MEM_FRACTION: "75" })).toThrow(
      /BATCH_SIZE_256_MEM_FRACTION="75"/,
    );
    expect(() => shmSizeBytes({ CONTAINER_SHM_SIZE: "lots" })).toThrow(/CONTAINER_SHM_SIZE="lots"/);
  });

  it("size the container's /dev/shm and mount MOUNT_DIR", () => {
    expect(shmSizeBytes({ CONTAINER_SHM_SIZE: "16g" })).toBe(16 * 1024 ** 3);
    expect(shmSizeBytes({})).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), "sglbench-mount-"));
    const args = parse("online", [], { CONTAINER_SHM_SIZE: "512m", MOUNT_DIR: dir });
    expect(args.shmSizeBytes).toBe(512 * 1024 ** 2);
    expect(args.mounts).toEqual([`${dir}/:${dir}/`]);
  });
});
