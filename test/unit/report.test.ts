import { describe, expect, it } from "@jest/globals";
import { compareRuns } from "../../src/core/compare.js";
import { emptyRun, type RunResults } from "../../src/core/results.js";
import { formatChange, formatValue, renderReport } from "../../src/core/report.js";
import { renderReportText } from "../../src/core/report-text.js";

function run(
  suite: string,
  model: string,
  points: number,
  scale: number,
  tag = "v0.5.3-rocm630-mi30x-20251013",
): RunResults {
  return emptyRun({
    kind: "online",
    suite,
    model: { name: model, variant: "FP8" },
    hardware: "mi30x",
    backend: "aiter",
    commit: "0123456789abcdef",
    date: "20251013",
    image: { full: `rocm/sgl-dev:${tag}`, tag },
    gsm8k: { runs: [{ index: 1, accuracy: 0.95 }], num_questions: 1319 },
    points: Array.from({ length: points }, (_, p) => ({
      point: { concurrency: 2 ** p },
      repeats: [1, 2, 3].map((i) => ({
        index: i,
        metrics: Object.fromEntries(
          [
            "median_e2e_latency_ms",
            "p99_e2e_latency_ms",
            "median_ttft_ms",
            "p99_ttft_ms",
            "median_itl_ms",
            "p99_itl_ms",
            "median_tpot_ms",
          ]
            .map((k) => [k, 100 * (p + 1) * scale * (1 + i / 1000)])
            .concat([
              ["output_throughput", (1000 * (p + 1)) / scale],
              ["request_throughput", 5 / scale],
              ["total_throughput", 3000 / scale],
            ]),
        ),
      })),
    })),
  });
}

describe("formatting", () => {
  it("adapts precision instead of the seed's fixed .2f", () => {
    expect(formatValue(0.0118)).toBe("0.0118");
    expect(formatValue(16462.56)).toBe("16462.6");
    expect(formatValue(20.47)).toBe("20.47");
    expect(formatValue(2)).toBe("2");
  });
  it("prints the change with + meaning PR better, bold and emoji only when flagged", () => {
    expect(formatChange({ change_pct: 5.2, interval: [3, 7.5], better: "lower", verdict: "regressed" })).toBe(
      "**-5.2%** 🔴 [-7.5, -3.0]",
    );
    expect(formatChange({ change_pct: 5.2, interval: [3, 7.5], better: "higher", verdict: "improved" })).toBe(
      "**+5.2%** 🟢 [+3.0, +7.5]",
    );
    expect(formatChange({ change_pct: 1.1, interval: [-1, 3], better: "higher", verdict: "inconclusive" })).toBe(
      "+1.1% [-1.0, +3.0]",
    );
    expect(formatChange({ change_pct: null, interval: null, better: "lower", verdict: "failed" })).toBe("—");
  });
});

describe("renderReport", () => {
  it("starts with the counts and shows sides, suites, GSM8K and failures", () => {
    const cand = run("deepseek-online", "DeepSeek-V3", 3, 1.1);
    cand.points[2] = { point: { concurrency: 4 }, repeats: [], failure: { kind: "oom", message: "out of memory" } };
    const c = compareRuns([run("deepseek-online", "DeepSeek-V3", 3, 1)], [cand]);
    const md = renderReport(c, { repro: ["sglbench compare --csv1 a --csv2 b"] });
    const first = md.split("\n")[0]!;
    expect(first).toBe(
      `🔴 ${c.summary.regressed} regressed · 🟢 ${c.summary.improved} improved · ⚪ ${c.summary.unchanged} unchanged · ❔ ${c.summary.inconclusive} inconclusive · ❌ ${c.summary.failed} failed`,
    );
    expect(c.summary.regressed).toBeGreaterThan(0);
    expect(md).toContain("| Config");
    expect(md).toMatch(/<details open><summary>DeepSeek-V3_FP8 · deepseek-online/);
    expect(md).toContain("rocm/sgl-dev:v0.5.3-rocm630-mi30x-20251013");
    expect(md).toContain("commit 0123456789ab");
    expect(md).toContain("### GSM8K accuracy");
    expect(md).toMatch(/❌ DeepSeek-V3_FP8 · deepseek-online · concurrency 4: PR: oom: out of memory/);
    expect(md).toContain("sglbench compare --csv1 a --csv2 b");
    expect(md).toMatch(/\*\*-10\.0%\*\* 🔴/);
  });
  it("names each side by what was recorded and leaves out what was not (no placeholder)", () => {
    const base = { ...run("deepseek-online", "DeepSeek-V3", 1, 1), hardware: undefined, commit: undefined };
    const md = renderReport(compareRuns([base], [run("deepseek-online", "DeepSeek-V3", 1, 1)]));
    expect(md).toContain("**Baseline (Main):** `rocm/sgl-dev:v0.5.3-rocm630-mi30x-20251013` · 20251013 · aiter");
    expect(md).toContain("· commit 0123456789ab · 20251013 · mi30x · aiter");
    expect(md).not.toMatch(/ · \? /);
  });
  it("says when verdicts were refused", () => {
    const b = run("grok-online", "GROK1", 1, 1);
    const c = { ...run("grok-online", "GROK1", 1, 1), hardware: "mi35x" };
    expect(renderReport(compareRuns([b], [c]))).toMatch(/⚠️ grok-online: different hardware mi30x vs mi35x/);
  });
  it("stays under 65 536 characters with 5 models × 4 suites × 9 points and says what it folded", () => {
    const models = ["GROK1", "GROK2", "DeepSeek-V3", "Llama-70B", "Qwen-235B"];
    const suites = ["offline-normal", "offline-long", "online-rate", "online-conc"];
    const base = models.flatMap((m) => suites.map((s) => run(s, m, 9, 1)));
    const cand = models.flatMap((m, i) => suites.map((s) => run(s, m, 9, i === 0 ? 1.1 : 1)));
    const c = compareRuns(base, cand);
    expect(c.cells.length).toBeGreaterThan(5 * 4 * 9 * 10);
    const md = renderReport(c);
    expect(md.length).toBeLessThan(65_536);
    expect(md).toMatch(/Folded to stay under 65536 characters/);
    // the regressed suite keeps its table
    expect(md).toMatch(/\*\*-10\.0%\*\* 🔴/);
    const small = renderReport(c, { maxChars: 5000 });
    expect(small.length).toBeLessThan(5000);
  });
  it("does not fold when it fits", () => {
    const c = compareRuns([run("s", "M", 2, 1)], [run("s", "M", 2, 1)]);
    expect(renderReport(c)).not.toMatch(/Folded/);
  });
});

describe("renderReportText", () => {
  it("lists the flagged cells first in plain text", () => {
    const c = compareRuns([run("s", "M", 2, 1)], [run("s", "M", 2, 1.1)]);
    const text = renderReportText(c);
    expect(text.split("\n")[0]).toMatch(/^🔴 \d+ regressed/);
    expect(text).toMatch(/^REGRESSED +M_FP8 s concurrency 1 Median E2E Latency: 100.3 → 110.3 -10.0% 🔴/m);
    expect(text).not.toContain("**");
    expect(renderReportText(c, { maxChars: 400 }).length).toBeLessThan(400);
  });
});
