import { describe, expect, it } from "@jest/globals";
import type { SuiteChartData } from "../../src/plots/chart-data.js";
import { keepLoads, keepVariants, splitRequestRates, suiteVariant } from "../../src/plots/plot-selection.js";

/** A suite's chart data with one metric whose lines sit at these loads. */
function suite(
  suiteId: string,
  baseSuite: string,
  axis: string,
  loads: number[],
  kind: "online" | "offline" = "online",
) {
  return {
    hardware: "mi30x",
    model: "GROK1_MOE-I4F8",
    suite: suiteId,
    baseSuite,
    kind,
    backends: ["aiter"],
    axis,
    metrics: [
      {
        metric: "median_e2e_latency_ms",
        display: "Median E2E Latency (ms)",
        unit: "ms",
        better: "lower",
        lines: loads.map((order) => ({ point: `x=${order}`, label: `RR=${order}`, order, nights: [], changes: [] })),
      },
    ],
    kv: [],
    gsm8k: [],
    changes: [],
  } as unknown as SuiteChartData;
}

const orders = (d: SuiteChartData): number[] => d.metrics[0]!.lines.map((l) => l.order);

describe("the original plot scripts' selections", () => {
  const grok = suite("grok-online", "grok-online", "request rate", [1, 2, 4, 8, 16]);
  const offline = suite("grok-offline-normal", "grok-offline-normal", "batch size", [1, 2, 256], "offline");
  const dp = suite("deepseek-online-dp_attention", "deepseek-online", "concurrency", [1, 16, 128]);

  it("--request-rates keeps only those loads of the online charts", () => {
    const [g, o, d] = keepLoads([grok, offline, dp], [1, 16]);
    expect(orders(g!)).toEqual([1, 16]);
    expect(orders(o!)).toEqual([1, 2, 256]);
    expect(orders(d!)).toEqual([1, 16]);
  });

  it("--split-request-rates draws rates 1–4 and 8–16 apart, concurrency suites untouched", () => {
    const split = splitRequestRates([grok, dp]);
    expect(split.map((d) => [d.suite, orders(d)])).toEqual([
      ["grok-online_low_rr", [1, 2, 4]],
      ["grok-online_high_rr", [8, 16]],
      ["deepseek-online-dp_attention", [1, 16, 128]],
    ]);
    expect(
      splitRequestRates([suite("grok-online", "grok-online", "request rate", [1, 2])]).map((d) => d.suite),
    ).toEqual(["grok-online_low_rr"]);
  });

  it("--variant-filter keeps the named serving variants", () => {
    expect(suiteVariant(dp)).toBe("dp_attention");
    expect(suiteVariant(grok)).toBe("standard");
    expect(keepVariants([grok, dp, offline], ["dp_attention"]).map((d) => d.suite)).toEqual([
      "deepseek-online-dp_attention",
    ]);
    expect(keepVariants([grok, dp], ["standard"]).map((d) => d.suite)).toEqual(["grok-online"]);
  });
});
