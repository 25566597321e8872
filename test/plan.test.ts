import { describe, expect, it } from "@jest/globals";
import { planRequest, findReusableBaseline, type HistoryRun, type PlanRequest } from "../src/core/plan.js";

const request: PlanRequest = {
  pr: 1234,
  models: ["grok", "deepseek"],
  kinds: ["offline", "online"],
  repeats: 1,
  baseline: "nightly",
  mergeBaseCommit: "abc123",
  configHash: "cfg",
  hardware: "mi300x",
  backend: "rocm",
  maxBaselineAgeHours: 36,
  buildMinutes: 60,
  mainImageExists: false,
};
const fresh = (suiteId: string, overrides: Partial<HistoryRun> = {}): HistoryRun => ({
  suiteId,
  imageCommit: "abc123",
  configHash: "cfg",
  hardware: "mi300x",
  backend: "rocm",
  ageHours: 5,
  ...overrides,
});

describe("planRequest", () => {
  it("runs both sides in full and interleaved when the history is empty, costing the seed's double run", () => {
    const plan = planRequest(request, []);
    expect(plan.suites.map((s) => s.main.action)).toEqual(["full", "full", "full", "full"]);
    expect(plan.interleave).toEqual(["main", "pr", "pr", "main"]);
    expect(plan.builds).toEqual(["main", "pr"]);
    expect(plan.gpuMinutes).toBe(plan.seedGpuMinutes);
  });

  it("reuses a fresh merge-base baseline and runs only a one-point anchor on main", () => {
    const history = ["grok-offline", "grok-online", "deepseek-offline", "deepseek-online"].map((id) => fresh(id));
    const plan = planRequest({ ...request, mainImageExists: true }, history);
    expect(plan.suites.every((s) => s.main.action === "reuse")).toBe(true);
    expect(plan.builds).toEqual(["pr"]);
    expect(plan.gpuMinutes).toBeLessThan(plan.seedGpuMinutes);
  });

  it("ignores history that is too old, from another commit, hardware or config", () => {
    expect(findReusableBaseline(request, "grok-offline", [fresh("grok-offline", { ageHours: 100 })])).toBeUndefined();
    expect(
      findReusableBaseline(request, "grok-offline", [fresh("grok-offline", { imageCommit: "main-tip" })]),
    ).toBeUndefined();
    expect(
      findReusableBaseline(request, "grok-offline", [fresh("grok-offline", { hardware: "mi325x" })]),
    ).toBeUndefined();
    expect(
      findReusableBaseline(request, "grok-offline", [fresh("grok-offline", { configHash: "other" })]),
    ).toBeUndefined();
    expect(
      findReusableBaseline({ ...request, baseline: "rerun" }, "grok-offline", [fresh("grok-offline")]),
    ).toBeUndefined();
    expect(
      findReusableBaseline(request, "grok-offline", [fresh("grok-offline", { ageHours: 30 }), fresh("grok-offline")])
        ?.ageHours,
    ).toBe(5);
  });

  it("rejects a request that selects no suite, naming the known suites", () => {
    expect(() => planRequest({ ...request, models: ["llama"] }, [])).toThrow(/known: grok-offline/);
  });
});
