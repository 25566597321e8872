import { describe, expect, it } from "@jest/globals";
import { parseVerdictSettings, verdictSettingsFlags, verdictSettingsFromFlags } from "../../src/core/verdict/index.js";
import { verdictComparer } from "../../src/pipeline/compare-pr-services.js";
import { onlineRun } from "../helpers/online-run.js";

describe("verdict settings", () => {
  it("parses what a user types, leaving out what was not given", () => {
    expect(parseVerdictSettings({})).toEqual({ settings: {}, problems: [] });
    expect(parseVerdictSettings({ performanceThreshold: " 5 ", falseDiscoveryRate: "OFF" }).settings).toEqual({
      minEffectPct: 5,
      falseDiscoveryRate: false,
    });
    expect(parseVerdictSettings({ falseDiscoveryRate: "0.05" }).settings).toEqual({ falseDiscoveryRate: 0.05 });
    expect(parseVerdictSettings({ performanceThreshold: "5%", falseDiscoveryRate: "0" }).problems).toEqual([
      '--performance-threshold must be a number of % in [0, 1000], got "5%"',
      '--false-discovery-rate must be a number in [0.001, 1] or off, got "0"',
    ]);
  });

  it("refuses a flag given empty, and names the variable a bad value came from", () => {
    expect(verdictSettingsFromFlags({ "performance-threshold": "" }, {}).problems).toEqual([
      "--performance-threshold needs a value",
    ]);
    expect(verdictSettingsFromFlags({}, { PERFORMANCE_THRESHOLD: "x" }).problems).toEqual([
      'PERFORMANCE_THRESHOLD must be a number of % in [0, 1000], got "x"',
    ]);
    expect(verdictSettingsFromFlags({}, { PERFORMANCE_THRESHOLD: "5" }).settings).toEqual({ minEffectPct: 5 });
    // The flag wins over the variable.
    expect(verdictSettingsFromFlags({ "performance-threshold": "3" }, { PERFORMANCE_THRESHOLD: "x" })).toEqual({
      settings: { minEffectPct: 3 },
      problems: [],
    });
  });

  it("reproduces only what differs from the defaults", () => {
    expect(verdictSettingsFlags({ minEffectPct: 2, falseDiscoveryRate: 0.1 })).toBe("");
    expect(verdictSettingsFlags({ minEffectPct: 5, falseDiscoveryRate: false })).toBe(
      " --performance-threshold 5 --false-discovery-rate off",
    );
  });

  it("reach the engine through compare-pr's comparer", () => {
    const run = (tag: string, factor: number, date?: string) => ({
      ...onlineRun(tag, 3, (_rate, i) => ({ median_e2e_latency_ms: (1000 + i) * factor })),
      ...(date ? { date } : {}),
    });
    // Quiet nights of main as history: the launch noise is learnt, so a +15 % move is clear.
    const history = [1, 1.004, 0.997, 1.002, 0.999, 1.003].map((f, k) => run(`n${k}`, f, `2025110${k}`));
    const judged = (settings: object) =>
      verdictComparer.compare([run("main", 1, "20251107")], [run("pr", 1.15)], { history, ...settings });
    const plain = judged({});
    expect(plain.settings).toMatchObject({ minEffectPct: 2, falseDiscoveryRate: 0.1 });
    expect(plain.summary.regressed).toBe(5);
    // +15 % is below a 20 % minimum effect: unchanged, whatever the noise.
    const strict = judged({ minEffectPct: 20, falseDiscoveryRate: false });
    expect(strict.settings.minEffectPct).toBe(20);
    expect(strict.settings).not.toHaveProperty("falseDiscoveryRate");
    expect(strict.summary).toMatchObject({ regressed: 0, unchanged: 5 });
  });
});
