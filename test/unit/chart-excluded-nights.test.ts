/** Partial and failed nights on the charts: marked, never a line point, and the line breaks across them. */
import { describe, expect, it } from "@jest/globals";
import { emptyRun, type Point, type RunResults } from "../../src/core/results/index.js";
import { buildChartData } from "../../src/plots/chart-data.js";
import { combinedSpec, metricSpec, overviewSpec, type VlSpec } from "../../src/plots/specs.js";
import { gsm8kFloor } from "../../src/plots/gsm8k-floor.js";

const RATES = [1, 2, 4, 8, 16];

function night(date: string, rates: readonly number[], base = 1000): RunResults {
  const run = emptyRun({ kind: "online", suite: "grok-online", model: { name: "GROK2", variant: "FP8" } });
  run.date = date;
  run.hardware = "mi35x";
  run.image = { full: `rocm/sgl-dev:v0.5.5-rocm700-mi35x-${date}`, tag: `v0.5.5-rocm700-mi35x-${date}` };
  run.points = rates.map((r) => ({
    point: { request_rate: r } as Point,
    repeats: [0, 1].map((i) => ({ index: i + 1, metrics: { median_e2e_latency_ms: base * r * (1 + i * 0.003) } })),
  }));
  run.kv_cache = { num_tokens: 100_000, size_gb: 20 };
  return run;
}

// Nov 1–10 nightly, Nov 4 crashed (failed), Nov 7 measured rate 4 only (partial), then a week off.
const dates = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "18", "19", "20"].map((d) => `202511${d}`);
function runs(): RunResults[] {
  return dates.map((d) => {
    if (d === "20251104") {
      const r = night(d, []);
      r.failures.push({ kind: "crash", message: "RuntimeError: HIP error: out of memory" });
      return r;
    }
    if (d === "20251107") return night(d, [4], 1700);
    return night(d, RATES);
  });
}

/** Every layer (nested through concat/layer) of a spec. */
function layers(spec: VlSpec): VlSpec[] {
  const out: VlSpec[] = [];
  const walk = (s: VlSpec): void => {
    out.push(s);
    for (const k of ["layer", "vconcat", "hconcat", "concat"])
      for (const child of (s[k] as VlSpec[] | undefined) ?? []) walk(child);
  };
  walk(spec);
  return out;
}
const rowsOf = (s: VlSpec): Record<string, unknown>[] =>
  ((s.data as { values?: Record<string, unknown>[] } | undefined)?.values ?? []) as Record<string, unknown>[];

describe("excluded nights in chart data", () => {
  const [suite] = buildChartData(runs(), { metrics: ["median_e2e_latency_ms"] });
  const rate4 = suite!.metrics[0]!.lines.find((l) => l.label === "RR=4")!;
  const rate16 = suite!.metrics[0]!.lines.find((l) => l.label === "RR=16")!;

  it("draws no line point for a failed or partial night, and marks both with their reason", () => {
    expect(rate4.nights.map((n) => n.date)).not.toContain("20251104");
    expect(rate4.nights.map((n) => n.date)).not.toContain("20251107");
    expect(rate4.excluded.map((e) => [e.date, e.quality])).toEqual([
      ["20251104", "failed"],
      ["20251107", "partial"],
    ]);
    expect(rate4.excluded[0]!.label).toMatch(/^failed: nothing measured .*HIP error: out of memory/);
    expect(rate4.excluded[0]!.value).toBeUndefined();
    // Rate 4 measured a stray value on the partial night: the marker sits at it.
    expect(rate4.excluded[1]!.value).toBeCloseTo(1700 * 4 * 1.0015, 3);
    expect(rate16.excluded[1]!.label).toMatch(/^partial: no measurement for .*request_rate=16/);
    expect(rate16.excluded[1]!.value).toBeUndefined();
  });

  it("splits the line at each excluded night and at the week-long gap", () => {
    const segments = rate4.nights.map((n) => [n.date.slice(6), n.segment]);
    expect(segments).toEqual([
      ["01", 0],
      ["02", 0],
      ["03", 0],
      ["05", 1],
      ["06", 1],
      ["08", 2],
      ["09", 2],
      ["10", 2],
      ["18", 3],
      ["19", 3],
      ["20", 3],
    ]);
  });

  it("keeps the failed night out of the KV-cache chart", () => {
    expect(suite!.kv.map((k) => k.date)).not.toContain("20251104");
    expect(suite!.kv).toHaveLength(dates.length - 1);
  });

  it("specs draw lines per segment and the markers in their own layers", () => {
    const spec = metricSpec(suite!, suite!.metrics[0]!, { interactive: true });
    const all = layers(spec);
    const lineLayers = all.filter((l) => (l.mark as { type?: string } | undefined)?.type === "line");
    expect(lineLayers.length).toBeGreaterThan(0);
    for (const l of lineLayers) expect((l.encoding as VlSpec).detail).toEqual({ field: "segment", type: "nominal" });
    const crosses = all.filter((l) => (l.mark as { shape?: string } | undefined)?.shape === "cross");
    const crossDays = crosses.flatMap(rowsOf).map((r) => r.day);
    expect(crossDays).toContain("2025-11-04");
    expect(crossDays).toContain("2025-11-07");
    expect(crosses.flatMap(rowsOf).map((r) => r.label)).toContain(rate4.excluded[0]!.label);
    // Panel rows (the line's data) never hold an excluded night.
    const panelDays = all.flatMap((l) => (l.layer ? rowsOf(l) : [])).map((r) => r.day);
    expect(panelDays).toContain("2025-11-03");
    expect(panelDays).not.toContain("2025-11-04");
    expect(panelDays).not.toContain("2025-11-07");
    for (const s of [combinedSpec(suite!), overviewSpec(suite!)]) {
      const ls = layers(s);
      expect(
        ls.filter((l) => (l.mark as { shape?: string } | undefined)?.shape === "cross").flatMap(rowsOf),
      ).toHaveLength(2);
      const lineRows = ls.filter((l) => l.layer).flatMap(rowsOf);
      expect(lineRows.map((r) => r.day)).not.toContain("2025-11-04");
      expect(new Set(lineRows.map((r) => r.segment))).toEqual(new Set([0, 1, 2, 3]));
    }
  });
});

describe("a long series (no dots)", () => {
  it("still draws a night that is alone between two failed nights", () => {
    const days = Array.from({ length: 70 }, (_, i) => new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10));
    const long = days.map((day) => {
      const date = day.replaceAll("-", "");
      if (day === "2025-02-01" || day === "2025-02-03") {
        const r = night(date, []);
        r.failures.push({ kind: "crash", message: "server died" });
        return r;
      }
      return night(date, RATES);
    });
    const [suite] = buildChartData(long, { metrics: ["median_e2e_latency_ms"] });
    const spec = metricSpec(suite!, suite!.metrics[0]!);
    const panel = layers(spec).find((l) => l.layer)!;
    expect(
      rowsOf(panel)
        .filter((r) => r.alone)
        .map((r) => r.day),
    ).toEqual(["2025-02-02"]);
    const lone = (panel.layer as VlSpec[]).find((l) => JSON.stringify(l.transform ?? []).includes("datum.alone"));
    expect((lone?.mark as { type?: string } | undefined)?.type).toBe("point");
  });
});

describe("GSM8K floors", () => {
  it("come from the catalogue for a known model and the toolkit's table otherwise", () => {
    expect(gsm8kFloor("GROK2")).toBe(0.92);
    expect(gsm8kFloor("DeepSeek-V3-0324")).toBe(0.93);
    expect(gsm8kFloor("GROK1", () => 0.5)).toBe(0.5);
    expect(gsm8kFloor("grok-9000", () => undefined)).toBeUndefined();
    expect(gsm8kFloor("Grok-1-something", () => undefined)).toBe(0.8);
    expect(gsm8kFloor("no-such-model")).toBeUndefined();
  });
});
