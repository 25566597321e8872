import { describe, expect, it } from "@jest/globals";
import { cliStepsFor } from "../../src/action/cli-commands.js";
import { readActionInputs } from "../../src/action/inputs.js";

describe("the Action's nightly and suite commands", () => {
  it("nightly: one `sglbench nightly` per model with the history dir as the results tree", () => {
    const inputs = readActionInputs({
      INPUT_COMMAND: "nightly",
      INPUT_MODELS: "grok,deepseek",
      INPUT_TYPES: "online",
      "INPUT_HISTORY-DIR": "hist",
      INPUT_EXECUTOR: "local",
    });
    expect(cliStepsFor(inputs, "/ws")).toEqual([
      { command: "nightly", argv: ["--mode", "online", "--model", "grok1", "--data-dir", "/ws/hist", "--local"] },
      { command: "nightly", argv: ["--mode", "online", "--model", "deepseek", "--data-dir", "/ws/hist", "--local"] },
    ]);
  });

  it("suite: offline per requested Grok mode (DeepSeek has one), online with the repeats", () => {
    const inputs = readActionInputs({
      INPUT_COMMAND: "suite",
      INPUT_MODELS: "grok,deepseek",
      INPUT_MODES: "normal,dummy",
      INPUT_REPEATS: "2",
      "INPUT_PR-IMAGE": "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015",
    });
    const steps = cliStepsFor(inputs, "/ws");
    expect(
      steps.map((s) => [s.command, s.argv.find((a) => a.startsWith("--mode=") || a.startsWith("--repeats="))]),
    ).toEqual([
      ["offline", "--mode=normal"],
      ["offline", "--mode=dummy"],
      ["online", "--repeats=2"],
      ["offline", "--mode=normal"],
      ["online", "--repeats=2"],
    ]);
    expect(steps[0]?.argv).toContain("--docker-image=rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015");
    expect(steps[0]?.argv).toContain("--output-dir=/ws/comparison_results");
  });

  it("suite without an image and an unknown mode are refused with the input named", () => {
    expect(() => cliStepsFor(readActionInputs({ INPUT_COMMAND: "suite" }), "/ws")).toThrow(/pr-image/);
    expect(() => readActionInputs({ INPUT_MODES: "turbo" })).toThrow(/modes/);
  });
});
