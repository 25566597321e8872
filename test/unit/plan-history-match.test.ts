/**
 * `sglbench plan --history-dir`: a stored run counts for a catalogue suite only when it measured that
 * suite's model (as the catalogue names it) in the same offline mode or plain serving set-up, on the
 * requested hardware (mi30x ≡ mi300x, mi35x ≡ mi355x). Ingest files Grok-1 and Grok-2 both under
 * `grok-online` and DeepSeek's GSM8K-only DP-attention / torch-compile checks under `deepseek-online`
 * with a mode, so the suite id alone says too little.
 */
import { describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { DEFAULT_PLAN_SUITES, planRequest, planSuiteForRun, type PlanRequest } from "../../src/core/plan/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { planHistory, timingsFromHistory } from "../../src/pipeline/baseline.js";
import { run as planCommand } from "../../src/cli/commands/plan.js";
import { captureIO } from "../helpers/capture-io.js";

const NOW = new Date("2026-11-23T06:00:00Z");
const FIXTURES = join(import.meta.dirname, "..", "fixtures");
/** A Grok-2 run on MI355X (3 repeats a rate) and a DeepSeek DP-attention GSM8K check on MI300X. */
const MIXED_HISTORY = join(FIXTURES, "plan-history");

/** A stored online run as ingest writes it: the family's suite id, the folder's model name. */
function stored(model: string, variant: string, overrides: Partial<RunResults> = {}): RunResults {
  const run = emptyRun({
    kind: "online",
    suite: /deepseek/i.test(model) ? "deepseek-online" : "grok-online",
    model: { name: model, variant },
    hardware: "mi30x",
    backend: "aiter",
    finished_at: "2026-11-23T00:00:00Z",
    timings: { server_startup: 600, gsm8k: 600 },
    ...overrides,
  });
  const point = /deepseek/i.test(model) ? { concurrency: 16 } : { request_rate: 16 };
  run.points.push({
    point,
    repeats: [100, 110, 90].map((v, i) => ({ index: i + 1, metrics: { median_e2e_latency_ms: v } })),
  });
  return run;
}

const suiteOf = (run: RunResults) => planSuiteForRun(run, DEFAULT_PLAN_SUITES)?.id;

describe("planSuiteForRun: the catalogue suite a stored run measured", () => {
  it("tells Grok-1 from Grok-2 though ingest files both under grok-online", () => {
    expect(suiteOf(stored("GROK1", "MOE-I4F8"))).toBe("grok-online");
    expect(suiteOf(stored("GROK2", "FP8"))).toBe("grok2-online");
  });

  it("takes the catalogue's names for a model: folder name, key or alias, any case", () => {
    expect(suiteOf(stored("grok-1", "MOE-I4F8"))).toBe("grok-online");
    expect(suiteOf(stored("deepseek-v3-0324", "FP8"))).toBe("deepseek-online");
    expect(suiteOf(stored("Llama-3", "FP8"))).toBeUndefined();
    // Another quantisation of the same model is another set-up.
    expect(suiteOf(stored("GROK1", "FP8"))).toBeUndefined();
  });

  it("counts only the plain serving set-up for a plain suite: a DP-attention or torch-compile check is not it", () => {
    expect(suiteOf(stored("DeepSeek-V3-0324", "FP8"))).toBe("deepseek-online");
    for (const mode of ["dp_attention", "torch_compile", "dp_attention_torch_compile"])
      expect(suiteOf(stored("DeepSeek-V3-0324", "FP8", { mode }))).toBeUndefined();
  });

  it("matches an offline run by its mode", () => {
    const offline = (mode?: string) =>
      emptyRun({
        kind: "offline",
        suite: "grok-offline-normal",
        model: { name: "GROK1", variant: "MOE-I4F8" },
        ...(mode ? { mode } : {}),
      });
    expect(suiteOf(offline("long_context"))).toBe("grok-offline-long_context");
    expect(suiteOf(offline())).toBe("grok-offline-normal");
  });
});

describe("planHistory: what a plan on one hardware learns from", () => {
  const request = { hardware: "mi300x", configHash: "default" };

  it("files each run under its own suite, on the requested hardware only (mi30x ≡ mi300x); a run naming none is the plan's, as in compare-pr", () => {
    const runs = [
      stored("GROK1", "MOE-I4F8"),
      stored("GROK2", "FP8"),
      stored("GROK2", "FP8", { hardware: "mi35x" }),
      stored("DeepSeek-V3-0324", "FP8", { mode: "dp_attention" }),
      stored("GROK1", "MOE-I4F8", { hardware: undefined }),
    ];
    const mi300x = planHistory(runs, DEFAULT_PLAN_SUITES, request, NOW);
    expect(mi300x.history.map((h) => h.suiteId)).toEqual(["grok-online", "grok2-online", "grok-online"]);
    expect(mi300x.history.every((h) => h.configHash === "default")).toBe(true);
    expect(mi300x.runs.map((r) => r.suite)).toEqual(["grok-online", "grok2-online", "grok-online"]);
    expect(mi300x.runs[2]!.hardware).toBe("mi300x");
    const mi355x = planHistory(runs, DEFAULT_PLAN_SUITES, { ...request, hardware: "mi355x" }, NOW);
    expect(mi355x.history.map((h) => h.suiteId)).toEqual(["grok2-online", "grok-online"]);
  });

  it("keeps Grok-2's noise and timings out of Grok-1's plan and a GSM8K-only variant's out of plain DeepSeek's", () => {
    const runs = [
      stored("GROK2", "FP8", { timings: { server_startup: 6000, gsm8k: 6000 } }),
      stored("DeepSeek-V3-0324", "FP8", { mode: "dp_attention", points: [], timings: { gsm8k: 6000 } }),
    ];
    const usable = planHistory(runs, DEFAULT_PLAN_SUITES, request, NOW);
    const timings = timingsFromHistory(usable.runs, NOW);
    expect(timings["grok-online"]).toBeUndefined();
    expect(timings["deepseek-online"]).toBeUndefined();
    const plan: PlanRequest = {
      pr: 1,
      models: ["grok", "deepseek"],
      types: ["online"],
      repeats: 3,
      baseline: "nightly",
      mergeBaseCommit: "abc1234",
      configHash: "default",
      hardware: "mi300x",
      backend: "",
      maxBaselineAgeHours: 36,
      buildMinutes: 0,
      mainImageExists: false,
    };
    const withHistory = planRequest(plan, usable.history, { timings });
    const without = planRequest(plan, []);
    expect(withHistory.suites.map((s) => s.noiseSource)).toEqual(["none", "none"]);
    expect(withHistory.gpuMinutes).toBeCloseTo(without.gpuMinutes);
  });
});

describe("sglbench plan --history-dir: the runs of other models, variants and hardware are left out", () => {
  async function plan(args: string[]): Promise<string> {
    const io = captureIO("/");
    expect(await planCommand(["--pr=1", ...args], io)).toBe(0);
    return io.out.join("");
  }
  const suiteLine = (text: string, suite: string) => text.split("\n").find((l) => l.startsWith(`  ${suite} `)) ?? "";
  const gpuMin = (line: string) => Number(/~(\d+) GPU-min$/.exec(line)?.[1]);

  it("no Grok-1 on MI355X: Grok-2's runs there give grok-online neither noise nor timings", async () => {
    const args = ["--models=grok", "--types=online", "--hardware=mi355x"];
    const text = await plan([...args, `--history-dir=${MIXED_HISTORY}`]);
    const line = suiteLine(text, "grok-online");
    expect(line).not.toContain("noise in history");
    expect(gpuMin(line)).toBe(gpuMin(suiteLine(await plan(args), "grok-online")));
    // Rates 1–8 on MI355X, as the original's Grok online script runs there (catalogue values_by_hardware).
    expect(line).toContain("PR: 4 points, 12 runs (no noise figure: the default 3 repeats)");
    expect(text).toContain("History: 2 runs from");
    expect(text).toContain("1 measured a suite of the catalogue on MI355X (1 left out");
  });

  it("a DeepSeek DP-attention GSM8K check gives plain deepseek-online no timings", async () => {
    const args = ["--models=deepseek", "--types=online"];
    const text = await plan([...args, `--history-dir=${MIXED_HISTORY}`]);
    expect(gpuMin(suiteLine(text, "deepseek-online"))).toBe(gpuMin(suiteLine(await plan(args), "deepseek-online")));
    expect(text).toContain("0 measured a suite of the catalogue on MI300X (2 left out");
  });

  it("Grok-1's own nightlies (mi30x folders) still set grok-online's repeats on MI300X", async () => {
    const text = await plan(["--models=grok", "--types=online", `--history-dir=${join(FIXTURES, "real")}`]);
    expect(suiteLine(text, "grok-online")).toContain("(repeats from this set-up's noise in history)");
  });
});
