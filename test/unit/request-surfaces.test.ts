/** The comment, the Action inputs and the plan/compare-pr flags share one request parser: same words, same alias. */
import { describe, expect, it } from "@jest/globals";
import { readActionInputs } from "../../src/action/inputs.js";
import { run as comparePr } from "../../src/cli/commands/compare-pr.js";
import { run as plan } from "../../src/cli/commands/plan.js";
import { DEFAULT_REQUEST, parseRequestFields, parseCommand } from "../../src/core/request/index.js";
import { captureIO } from "../helpers/capture-io.js";

const BAD = { models: "llama", types: "gpu", modes: "fast", repeats: "21", baseline: "main" };
const PROBLEMS = [
  "`models`: unknown value `llama` (allowed: grok, grok2, deepseek)",
  "`types`: unknown value `gpu` (allowed: offline, online)",
  "`modes`: unknown value `fast` (allowed: normal, long_context, dummy)",
  "`repeats`: `21` is not an integer from 1 to 20",
  "`baseline`: unknown value `main` (allowed: nightly, rerun)",
];

const commentProblems = (body: string): string[] => {
  const parsed = parseCommand(body);
  return parsed.kind === "invalid" ? parsed.problems : [];
};

async function cliErrors(command: typeof plan, argv: string[]): Promise<{ code: number; err: string }> {
  const io = captureIO("/");
  const code = await command(argv, io);
  return { code, err: io.err.join("") };
}

describe("one request parser for the comment, the Action and the CLI", () => {
  const flags = Object.entries(BAD).map(([key, value]) => `--${key}=${value}`);

  it("the comment names every bad field", () => {
    const body = `/benchmark ${Object.entries(BAD)
      .map(([key, value]) => `${key}=${value}`)
      .join(" ")}`;
    expect(commentProblems(body)).toEqual(PROBLEMS);
  });

  it("the Action inputs fail with the same problems", () => {
    const env = Object.fromEntries(Object.entries(BAD).map(([key, value]) => [`INPUT_${key.toUpperCase()}`, value]));
    expect(() => readActionInputs({ INPUT_PR: "1", ...env })).toThrow(`Invalid action inputs: ${PROBLEMS.join("; ")}.`);
  });

  it.each([
    ["plan", plan],
    ["compare-pr", comparePr],
  ])("sglbench %s exits 2 with the same problems", async (name, command) => {
    const { code, err } = await cliErrors(command, ["--pr=1", ...flags]);
    expect(code).toBe(2);
    expect(err).toContain(`sglbench ${name}: ${PROBLEMS.join("; ")}\n`);
  });

  it.each([
    ["plan", plan],
    ["compare-pr", comparePr],
  ])("sglbench %s checks --pr and --repeats bounds like the other", async (_name, command) => {
    for (const argv of [["--repeats=0"], ["--pr=1", "--repeats=0"], ["--pr=1", "--repeats="]]) {
      expect((await cliErrors(command, argv)).code).toBe(2);
    }
    expect((await cliErrors(command, [])).err).toMatch(/--pr=N is required/);
  });
});

describe("benchmark-types, the original toolkit's spelling of types", () => {
  it("is accepted by the comment and named as written when its value is bad", () => {
    expect(parseCommand("/benchmark benchmark-types=online")).toEqual({
      kind: "run",
      request: { ...DEFAULT_REQUEST, types: ["online"] },
    });
    expect(commentProblems("/benchmark benchmark-types=gpu")).toEqual([
      "`benchmark-types`: unknown value `gpu` (allowed: offline, online)",
    ]);
  });

  it("is accepted by the CLI as --benchmark-types, with the same result as --types", async () => {
    const outputs = [];
    for (const flag of ["--types=online", "--benchmark-types=online"]) {
      const io = captureIO("/");
      expect(await plan(["--pr=1", "--models=deepseek", flag], io)).toBe(0);
      outputs.push(io.out.join(""));
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[0]).toContain("deepseek-online");
    expect(outputs[0]).not.toContain("deepseek-offline");
    const { code, err } = await cliErrors(comparePr, ["--pr=1", "--benchmark-types=gpu"]);
    expect([code, err]).toEqual([2, expect.stringContaining(commentProblems("/benchmark benchmark-types=gpu")[0]!)]);
  });

  it("may not be given together with types, on either surface", async () => {
    const duplicate = "duplicate key `benchmark-types` (another name for `types`): give each key once";
    expect(commentProblems("/benchmark types=online benchmark-types=offline")).toEqual([duplicate]);
    const { code, err } = await cliErrors(plan, ["--pr=1", "--types=online", "--benchmark-types=offline"]);
    expect([code, err]).toEqual([2, expect.stringContaining(duplicate)]);
  });
});

describe("parseRequestFields", () => {
  it("fills left-out and undefined fields from the defaults and normalises case, spaces and repeats", () => {
    expect(parseRequestFields({ models: " Grok , grok", types: undefined, repeats: "4" })).toEqual({
      ok: true,
      request: { ...DEFAULT_REQUEST, models: ["grok"], repeats: 4 },
    });
  });

  it("rejects an unknown key and an empty list", () => {
    expect(
      parseRequestFields([
        ["model", "grok"],
        ["modes", " "],
      ]),
    ).toEqual({
      ok: false,
      problems: [
        "unknown key `model` (allowed: models, types, modes, repeats, baseline)",
        "`modes`: needs at least one value (allowed: normal, long_context, dummy)",
      ],
    });
  });
});
