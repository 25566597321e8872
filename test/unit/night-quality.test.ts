import { describe, expect, it } from "@jest/globals";
import { emptyRun, type Point, type RunResults } from "../../src/core/results/index.js";
import { buildSeries, classifyNights, findSeriesChanges, nightQualities } from "../../src/core/trends/index.js";

const RATES = [1, 2, 4, 8, 16];

/** A Grok online night measuring `rates` (E2E = base × rate, three repeats). */
function night(date: string, rates: readonly number[], opts: { base?: number; mode?: string } = {}): RunResults {
  const run = emptyRun({ kind: "online", suite: "grok-online", model: { name: "GROK2", variant: "FP8" } });
  run.date = date;
  run.hardware = "mi35x";
  run.image = { full: `rocm/sgl-dev:v0.5.5-rocm700-mi35x-${date}`, tag: `v0.5.5-rocm700-mi35x-${date}` };
  if (opts.mode) run.mode = opts.mode;
  run.points = rates.map((r) => ({
    point: { request_rate: r } as Point,
    repeats: [0, 1, 2].map((i) => ({
      index: i + 1,
      metrics: { median_e2e_latency_ms: (opts.base ?? 1000) * r * (1 + i * 0.003) },
    })),
  }));
  return run;
}

const dates = Array.from({ length: 14 }, (_, i) => `202511${String(i + 1).padStart(2, "0")}`);

describe("night quality", () => {
  it("marks a night with one stray value partial (naming the missing points) and a crashed one failed", () => {
    const runs = dates.map((d) => night(d, RATES));
    runs[6] = night(dates[6]!, [4], { base: 1700 }); // server crashed: one value from the console log
    const crashed = night(dates[9]!, []);
    crashed.failures.push({ kind: "crash", message: "RuntimeError: HIP error: out of memory" });
    runs[9] = crashed;
    const q = nightQualities(runs).get("mi35x/GROK2_FP8/grok-online")!;
    expect(q.get(dates[6]!)).toMatchObject({
      quality: "partial",
      measured: ["request_rate=4"],
      missing: ["request_rate=1", "request_rate=16", "request_rate=2", "request_rate=8"],
    });
    expect(q.get(dates[9]!)).toMatchObject({ quality: "failed", measured: [] });
    expect(q.get(dates[9]!)?.reason).toContain("RuntimeError: HIP error: out of memory");
    expect([...q.values()].filter((s) => s.quality === "complete")).toHaveLength(12);
  });

  it("takes a rate set that changes for good (mi35x dropping rate 16) as complete on both sides", () => {
    const byDate = new Map(dates.map((d, i) => [d, [night(d, i < 7 ? RATES : [1, 2, 4, 8])]]));
    const q = classifyNights(byDate);
    expect([...q.values()].map((s) => s.quality)).toEqual(dates.map(() => "complete"));
  });

  it("counts a GSM8K-only variant's accuracy as its measurement", () => {
    const runs = dates.slice(0, 4).map((d) => {
      const r = night(d, [], { mode: "dp_attention" });
      r.gsm8k = { runs: [{ index: 1, accuracy: 0.94 }], average: 0.94 };
      return r;
    });
    runs[2]!.gsm8k = undefined;
    const q = nightQualities(runs).get("mi35x/GROK2_FP8/grok-online-dp_attention")!;
    expect([...q.values()].map((s) => s.quality)).toEqual(["complete", "complete", "failed", "complete"]);
  });
});

describe("series keep partial and failed nights out of trends and change points", () => {
  const runs = dates.map((d) => night(d, RATES));
  runs[10] = night(dates[10]!, [4], { base: 1700 }); // +70 % stray value on a crashed night
  runs[12] = night(dates[12]!, []);
  const series = buildSeries(runs);
  const rate4 = series.find((s) => s.point === "request_rate=4")!;

  it("lists them apart, with the night's own values and the reason", () => {
    expect(rate4.nights.map((n) => n.date)).not.toContain(dates[10]);
    expect(rate4.nights).toHaveLength(12);
    expect(rate4.variant).toBe("standard");
    expect(rate4.excluded?.map((e) => [e.date, e.quality, e.values.length])).toEqual([
      [dates[10], "partial", 3],
      [dates[12], "failed", 0],
    ]);
    expect(rate4.excluded?.[0]?.reason).toContain("no measurement for request_rate=1");
  });

  it("finds no regression from the stray value", () => {
    expect(findSeriesChanges(series)).toEqual([]);
  });

  it("gives every serving variant series of its own", () => {
    const mixed = [...runs, ...dates.map((d) => night(d, RATES, { base: 2500, mode: "mtp" }))];
    const keys = new Set(buildSeries(mixed).map((s) => `${s.suite}|${s.variant}`));
    expect([...keys].sort()).toEqual(["grok-online-mtp|mtp", "grok-online|standard"]);
    expect(findSeriesChanges(buildSeries(mixed))).toEqual([]);
  });
});
