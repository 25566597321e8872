import { describe, expect, it } from "@jest/globals";
import {
  decideCell,
  driftWeight,
  fitDrift,
  launchDay,
  launchDayOf,
  type Observation,
} from "../../src/core/verdict/index.js";
import { mergeBlocks } from "../../src/pipeline/baseline.js";
import type { RunResults } from "../../src/core/results/index.js";
import { prng } from "../helpers/prng.js";

/** One launch a value, on the given days: main first, then PR. */
const launches = (days: number[], first = 0): Observation[] =>
  days.map((day, i) => ({ value: 100, index: 1, group: first + i, day }));

describe("launchDay", () => {
  it("reads the nightlies' YYYYMMDD and ISO dates alike, and nothing else", () => {
    expect(launchDay("20251013")).toBe(launchDay("2025-10-13"));
    expect(launchDay("20251014")! - launchDay("20251013")!).toBe(1);
    expect(launchDay("2025-10-13T04:00:00Z")).toBe(launchDay("20251013"));
    expect(launchDay(undefined)).toBeUndefined();
    expect(launchDay("v0.5.3")).toBeUndefined();
  });

  it("takes the day a launch started over its image's build date", () => {
    // A nightly image (built 2025-10-13) run on 2025-10-20 launched on the 20th.
    expect(launchDayOf({ date: "20251013", started_at: "2025-10-20T03:00:00Z" })).toBe(launchDay("20251020"));
    expect(launchDayOf({ date: "20251013" }, { labels: { launched: "2025-10-21T01:00:00Z" } })).toBe(
      launchDay("20251021"),
    );
    expect(launchDayOf({ date: "20251013" })).toBe(launchDay("20251013"));
  });
});

describe("driftWeight", () => {
  it("leaves two launches a night apart (what the launch noise is learnt from) unchanged", () => {
    expect(driftWeight(launches([0]), launches([1], 1), 0.5)).toBeCloseTo(2);
    // Same day counts as a night apart: drift never narrows the interval.
    expect(driftWeight(launches([3]), launches([3], 1), 0.5)).toBeCloseTo(2);
  });

  it("widens launches several nights apart by the drift share", () => {
    // (1 − ρ)·Σa² + 2ρ·lag = 0.5·2 + 2·0.5·3
    expect(driftWeight(launches([0]), launches([3], 1), 0.5)).toBeCloseTo(4);
    expect(driftWeight(launches([0]), launches([3], 1), 0)).toBeCloseTo(2);
  });

  it("weighs main's nights all before the PR's more than interleaved ones", () => {
    const blocked = driftWeight(launches([0, 1]), launches([2, 3], 2), 1);
    const interleaved = driftWeight(launches([0, 3]), launches([1, 2], 2), 1);
    expect(blocked).toBeCloseTo(3);
    expect(interleaved).toBeCloseTo(1); // Σa²: a linear drift cancels
  });

  it("falls back to Σa² when a launch's day is unknown", () => {
    const unknown: Observation[] = [{ value: 1, index: 1, group: 9 }];
    expect(driftWeight(launches([0, 1, 2]), unknown, 0.8)).toBeCloseTo(1 / 3 + 1);
  });
});

describe("fitDrift", () => {
  /** Cells of a random walk (step sd τ) plus launch noise (sd σ), one level a night. */
  function cells(sigma: number, tau: number, seed: number) {
    const u = prng(seed);
    const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    return Array.from({ length: 60 }, () => {
      let walk = 0;
      const nights = Array.from({ length: 12 }, (_, day) => {
        walk += tau * normal();
        return { day, level: walk + sigma * normal() };
      });
      return [nights];
    });
  }

  it("recovers the drift share τ²/(2σ² + τ²) of simulated nights", () => {
    // σ = 1, τ² = 1: ρ = 1/3
    expect(fitDrift(cells(1, 1, 7))).toBeGreaterThan(0.2);
    expect(fitDrift(cells(1, 1, 7))).toBeLessThan(0.5);
  });

  it("finds next to none in nights without drift, and none in too few", () => {
    expect(fitDrift(cells(1, 0, 11))).toBeLessThan(0.1);
    expect(fitDrift(cells(1, 1, 7).slice(0, 2))).toBeUndefined();
  });
});

describe("drift in a verdict", () => {
  const history = { variance: 0, df: 0, runVariance: 0.0001, runDf: 40, levelVariance: 0.0001, levelRepeats: 1 };
  const side = (days: number[], value: number, first: number): Observation[] =>
    days.map((day, i) => ({ value, index: 1, group: first + i, day }));

  it("widens the interval of nightlies taken as main a week before the PR, not of interleaved launches", () => {
    const week = (launchDrift?: number) =>
      decideCell(side([0, 1, 2], 100, 0), side([8, 8], 103, 10), "higher", {
        history: { ...history, launchDrift },
      });
    const width = (v: ReturnType<typeof decideCell>) => v.interval![1] - v.interval![0];
    expect(width(week(0.4))).toBeGreaterThan(1.5 * width(week(undefined)));
    const interleaved = (launchDrift?: number) =>
      decideCell(side([0, 3], 100, 0), side([1, 2], 103, 10), "higher", { history: { ...history, launchDrift } });
    expect(width(interleaved(0.4))).toBeCloseTo(width(interleaved(undefined)), 6);
  });

  it("widens by the whole level variance it was fitted on, even when repeats explain the nights' spread", () => {
    // runVariance 0: history puts all of a night's spread on its repeats; the drift still applies.
    const quiet = { variance: 0.0004, df: 20, runVariance: 0, runDf: 40, levelVariance: 0.0004, levelRepeats: 1 };
    const far = (launchDrift?: number) =>
      decideCell(side([0], 100, 0), side([8], 101, 10), "higher", { history: { ...quiet, launchDrift } });
    const width = (v: ReturnType<typeof decideCell>) => v.interval![1] - v.interval![0];
    expect(width(far(0.5))).toBeGreaterThan(1.5 * width(far(undefined)));
  });
});

describe("mergeBlocks", () => {
  const run = (date: string): RunResults =>
    ({
      schema_version: 1,
      suite: "s",
      model: { name: "m" },
      hardware: "mi300x",
      date,
      points: [{ point: { request_rate: 1 }, repeats: [{ index: 1, metrics: { output_throughput: 1 } }] }],
      failures: [],
      diagnostics: [],
      sources: [],
    }) as unknown as RunResults;

  it("labels every block with the night it ran, so the verdict sees how far apart launches are", () => {
    const merged = mergeBlocks([run("20251001"), run("20251003")]);
    expect(merged.points[0]!.repeats.map((r) => r.labels?.launched)).toEqual(["20251001", "20251003"]);
    expect(merged.points[0]!.repeats.map((r) => r.labels?.launch)).toEqual([undefined, "1"]);
  });

  it("labels a point first measured in a later block with that block's launch and day", () => {
    const a = run("20251001");
    const b = run("20251003");
    b.points[0]!.point = { request_rate: 2 };
    const merged = mergeBlocks([a, b]);
    expect(merged.points[1]!.repeats[0]!.labels).toEqual({ launch: "1", launched: "20251003" });
  });
});

describe("drift in the reason", () => {
  it("says how many nights apart the launches were when it widened the interval", () => {
    const history = { variance: 0, df: 0, runVariance: 0.0001, runDf: 40, levelVariance: 0.0001, levelRepeats: 1 };
    const obs = (day: number, value: number, group: number): Observation[] => [{ value, index: 1, group, day }];
    const week = decideCell(obs(0, 100, 0), obs(7, 103, 1), "higher", { history: { ...history, launchDrift: 0.3 } });
    expect(week.reason).toContain("slow drift over 7 nights");
    const next = decideCell(obs(0, 100, 0), obs(1, 103, 1), "higher", { history: { ...history, launchDrift: 0.3 } });
    expect(next.reason).not.toContain("drift");
  });
});

describe("driftWeight on odd days", () => {
  it("treats a day that is not a number as unknown, and caps the widening at 8 nights", () => {
    expect(driftWeight(launches([Number.NaN]), launches([1], 1), 0.5)).toBeCloseTo(2);
    expect(driftWeight(launches([0]), launches([1e9], 1), 1)).toBeCloseTo(16);
  });
});
