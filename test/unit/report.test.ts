import { describe, expect, it } from "@jest/globals";
import { compareRuns, type ComparisonCell } from "../../src/core/verdict/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import {
  changeHeadline,
  changeLead,
  formatChange,
  formatValue,
  buildReportModel,
  inconclusiveLine,
  phaseOf,
  pointKeyLabel,
  POSITIONS_NOTE,
  renderReport,
  renderReportText,
  rowOf,
} from "../../src/core/report/index.js";
import { modelDisplayName } from "../../src/core/catalogue/index.js";

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

/** Made-up models with no history: their repeats judged as within one launch (no launch noise to learn here). */
const REPEATS_ONLY = { sameRun: true } as const;

describe("formatting", () => {
  it("adapts precision instead of the seed's fixed .2f", () => {
    expect(formatValue(0.0118)).toBe("0.0118");
    expect(formatValue(16462.56)).toBe("16462.6");
    expect(formatValue(5603306)).toBe("5603306"); // KV cache tokens: a count, not "5603306.0"
    expect(formatValue(20.47)).toBe("20.47");
    expect(formatValue(2)).toBe("2");
  });
  it("prints the change with + meaning the value went up, in words, with its interval", () => {
    expect(formatChange({ change_pct: 5.2, interval: [3, 7.5], metric: "median_itl_ms" })).toBe(
      "+5.2 % slower [+3.0, +7.5]",
    );
    expect(formatChange({ change_pct: 5.2, interval: [3, 7.5], metric: "output_throughput" })).toBe(
      "+5.2 % higher [+3.0, +7.5]",
    );
    expect(formatChange({ change_pct: -1.1, interval: [-3, 1], metric: "total_latency" })).toBe(
      "-1.1 % faster [-3.0, +1.0]",
    );
    // A bound past ×11 says only that it is huge.
    expect(formatChange({ change_pct: 74.1, interval: [-100, 2088864915075.2], metric: "median_ttft_ms" })).toBe(
      "+74.1 % slower [-100.0, >+999]",
    );
    expect(formatChange({ change_pct: -0.01, interval: null, metric: "total_latency" })).toBe("0.0 %");
    expect(formatChange({ change_pct: null, interval: null, metric: "run" })).toBe("—");
  });
});

describe("the headline's words", () => {
  it("names the model as a reader does and the phase from the metric family", () => {
    expect(
      ["DeepSeek-V3-0324_FP8", "GROK1_MOE-I4F8", "GROK2_FP8", "grok1", "deepseek", "Llama-70B"].map(modelDisplayName),
    ).toEqual(["DeepSeek-V3", "Grok-1", "Grok-2", "Grok-1", "DeepSeek-V3", "Llama-70B"]);
    const phases = [
      "median_itl_ms",
      "median_tpot_ms",
      "output_throughput",
      "median_decode_latency",
      "p99_ttft_ms",
      "prefill_throughput",
      "median_e2e_latency_ms",
      "total_latency",
      "gsm8k_accuracy",
      "kv_cache_tokens",
    ].map(phaseOf);
    expect(phases).toEqual([
      "decode",
      "decode",
      // Tokens over the whole run: a stall lowers it as much as decode does.
      "end-to-end",
      "decode",
      "prefill",
      "prefill",
      "end-to-end",
      "end-to-end",
      "accuracy",
      "KV cache",
    ]);
  });
  it("names a serving variant in the headline as in the detail line", () => {
    const variant = (scale: number): RunResults => ({
      ...run("deepseek-online", "DeepSeek-V3-0324", 3, scale),
      mode: "dp_attention",
    });
    const c = compareRuns([variant(1)], [variant(1.3)]);
    expect(renderReport(c).split("\n")[0]).toMatch(/^### 🔴 .* · deepseek-online \(dp_attention\)/);
  });
  it("says a change the same way everywhere: model, phase, % and direction, then metric, point, suite", () => {
    expect(
      changeHeadline({
        model: "DeepSeek-V3-0324_FP8",
        metric: "median_itl_ms",
        change_pct: 5.84,
        label: "Median ITL",
        point: "concurrency 16",
      }),
    ).toBe("DeepSeek-V3 decode 5.8 % slower: Median ITL, concurrency 16");
    expect(
      changeHeadline({
        model: "GROK1",
        metric: "output_throughput",
        change_pct: -3,
        label: "Output Throughput",
        point: pointKeyLabel("request_rate=8"),
        suite: "grok-online",
        since: "20251103",
      }),
    ).toBe("Grok-1 end-to-end 3.0 % lower throughput since 2025-11-03: Output Throughput, rate 8 · grok-online");
    expect(changeLead({ model: "GROK2_FP8", metric: "gsm8k_accuracy", change_pct: -2 })).toBe(
      "Grok-2 accuracy 2.0 % lower",
    );
    // With both levels known, in points as the GSM8K rows and the floor are.
    expect(
      changeLead({
        model: "DeepSeek-V3-0324_FP8",
        metric: "gsm8k_accuracy",
        change_pct: -2.27,
        accuracy: { from: 0.926, to: 0.905 },
      }),
    ).toBe("DeepSeek-V3 accuracy 2.1 points lower (0.926 → 0.905)");
    // A P99 is said as the phase's tail.
    expect(changeLead({ model: "GROK2_FP8", metric: "p99_itl_ms", change_pct: 24.1 })).toBe(
      "Grok-2 decode tail 24.1 % slower",
    );
  });
});

describe("renderReport", () => {
  it("says why every ❔ is one in a single line before the first fold", () => {
    const once = (r: RunResults): RunResults => ({
      ...r,
      points: r.points.map((p) => ({ ...p, repeats: p.repeats.slice(0, 1) })),
    });
    const c = compareRuns([once(run("s", "M", 2, 1))], [once(run("s", "M", 2, 1.001))]);
    expect(c.summary.inconclusive).toBeGreaterThan(0);
    const md = renderReport(c, { pr: 5 });
    const lines = md.split("\n");
    const fold = lines.findIndex((l) => l.startsWith("<details"));
    const line = lines.findIndex((l) => l.startsWith("- ❔ "));
    expect(line).toBeGreaterThan(0);
    expect(line).toBeLessThan(fold);
    expect(lines[line]).toBe(
      `- ❔ ${c.summary.inconclusive} inconclusive: noise unknown (no history, no built-in prior) — pass earlier runs as history`,
    );
    // Nothing was judged ⚪ but the gates: the headline says so instead of "nothing measurable".
    // The reason follows the ❔ count it explains, then the ⚪ count — GSM8K's in points, not "±2 %".
    expect(lines[0]).toMatch(
      /^### ❔ No verdict: 20 cell\(s\) too noisy or not comparable — noise unknown .*; GSM8K accuracy within its noise$/,
    );
    // The headline gives the reason most ❔ cells share, not the largest cell's.
    const cells = c.cells.map((x, i) =>
      x.verdict === "inconclusive" && i % 4 === 0
        ? { ...x, reason: "measured on main only: the PR side's output has no p99" }
        : x,
    );
    const odd = cells.filter((x) => x.reason.startsWith("measured on main only")).length;
    const mixed = renderReport({ ...c, cells }, { pr: 5 }).split("\n")[0]!;
    expect(mixed).toContain(
      `— noise unknown (no history, no built-in prior) — pass earlier runs as history (${20 - odd} of them)`,
    );
  });
  it("opens with the headline, then the counts once, the top changes, the sides once, suites and failures", () => {
    const cand = run("deepseek-online", "DeepSeek-V3", 3, 1.1);
    cand.points[2] = { point: { concurrency: 4 }, repeats: [], failure: { kind: "oom", message: "out of memory" } };
    const c = compareRuns([run("deepseek-online", "DeepSeek-V3", 3, 1)], [cand], REPEATS_ONLY);
    const md = renderReport(c, { pr: 123, repro: ["sglbench compare --csv1 a --csv2 b"] });
    const lines = md.split("\n");
    expect(lines[0]).toMatch(
      /^### 🔴 Merging #123 makes DeepSeek-V3 end-to-end 10\.0 % slower: Median E2E Latency, concurrency \d+ · deepseek-online \(and \d+ more regressions\)$/,
    );
    // Only the verdicts that occur: no "🟢 0 improved" when nothing improved.
    expect(lines[2]).toBe(
      `🔴 ${c.summary.regressed} regressed · ⚪ ${c.summary.unchanged} unchanged · ❌ ${c.summary.failed} failed`,
    );
    // The counts are said once.
    expect(md.match(/ regressed · /g)).toHaveLength(1);
    expect(md).toMatch(
      /^- 🔴 \*\*\+10\.0 % slower\*\* Median E2E Latency \(ms\) · concurrency \d+ · DeepSeek-V3_FP8 · deepseek-online · /m,
    );
    expect(md).toMatch(/^- ❌ DeepSeek-V3_FP8 · deepseek-online · concurrency 4: PR: oom: out of memory$/m);
    expect(md).toMatch(/<details open><summary>❌ 1 🔴 \d+ .*DeepSeek-V3_FP8 · deepseek-online/);
    expect(md).toContain("| | Point | Metric | Main | PR | Change | Interval | Why |");
    // The verdict emoji once per row: the change cell has none.
    expect(md).toMatch(
      /^\| 🔴 \| concurrency \d+ \| Median E2E Latency \(ms\) \| [\d.]+ \| [\d.]+ \| \+10\.0 % slower \| \[\+[\d.]+, \+[\d.]+\] \| \|$/m,
    );
    expect(md.match(/rocm\/sgl-dev:v0\.5\.3-rocm630-mi30x-20251013/g)).toHaveLength(2); // once per side
    expect(md).toContain("commit 0123456789ab");
    expect(md).toMatch(/\| ⚪ \| — \| GSM8K accuracy \|/);
    expect(md).toContain("sglbench compare --csv1 a --csv2 b");
    // No 🟢 when the PR is only slower.
    expect(md).not.toContain("🟢 **");
    expect(md).not.toMatch(/^\| 🟢/m);
  });
  it("says the PR side without a PR number, and the verdict in the text output alike", () => {
    const c = compareRuns([run("s", "M", 2, 1)], [run("s", "M", 2, 1.1)], REPEATS_ONLY);
    expect(renderReport(c).split("\n")[0]).toMatch(
      /^### 🔴 The PR side makes M_FP8 end-to-end 10\.0 % slower: Median E2E Latency, concurrency \d+ · s/,
    );
    expect(renderReportText(c).split("\n")[0]).toMatch(
      /^🔴 The PR side makes M_FP8 end-to-end 10\.0 % slower: Median E2E Latency, concurrency \d+ · s/,
    );
  });
  it("names each side by what was recorded and leaves out what was not (no placeholder)", () => {
    const base = { ...run("deepseek-online", "DeepSeek-V3", 1, 1), hardware: undefined, commit: undefined };
    const md = renderReport(compareRuns([base], [run("deepseek-online", "DeepSeek-V3", 1, 1)]));
    expect(md).toContain("**Main:** `rocm/sgl-dev:v0.5.3-rocm630-mi30x-20251013` · 20251013 · aiter");
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
    const c = compareRuns(base, cand, REPEATS_ONLY);
    expect(c.cells.length).toBeGreaterThan(5 * 4 * 9 * 10);
    const md = renderReport(c);
    expect(md.length).toBeLessThan(65_536);
    expect(md).toMatch(/Folded to stay under 65536 characters/);
    // the regressed suite keeps its table, and the headline stays first
    expect(md).toMatch(/^\| 🔴 \| .* \| \+10\.0 % slower \|/m);
    expect(md.split("\n")[0]).toMatch(/^### 🔴 The PR side makes Grok-1 end-to-end 10\.0 % slower: /);
    const small = renderReport(c, { maxChars: 5000 });
    expect(small.length).toBeLessThan(5000);
  });
  it("does not fold when it fits", () => {
    const c = compareRuns([run("s", "M", 2, 1)], [run("s", "M", 2, 1)]);
    expect(renderReport(c)).not.toMatch(/Folded/);
  });
});

describe("renderReportText", () => {
  it("lists the flagged cells first in plain text, in the report's words", () => {
    const c = compareRuns([run("s", "M", 2, 1)], [run("s", "M", 2, 1.1)], REPEATS_ONLY);
    const text = renderReportText(c);
    expect(text.split("\n")[1]).toMatch(/^🔴 \d+ regressed/);
    expect(text).toMatch(
      /^🔴 regressed +M_FP8 · s concurrency 1 Median E2E Latency \(ms\): 100.3 → 110.3 \+10.0 % slower \[/m,
    );
    expect(text).not.toContain("**");
    expect(renderReportText(c, { maxChars: 400 }).length).toBeLessThan(400);
  });
});

describe("rowOf", () => {
  const cell = (baseline: number[], candidate: number[], reason: string): ComparisonCell => ({
    suite: "grok-online",
    model: "GROK2_FP8",
    kind: "metric",
    point: { request_rate: 2 },
    metric: "median_e2e_latency_ms",
    better: "lower",
    baseline: { values: baseline },
    candidate: { values: candidate },
    change_pct: -3.6,
    interval: [-5.3, -2.0],
    verdict: "improved",
    reason,
  });

  it("says a position-corrected change compares like runs when the columns' means disagree with it", () => {
    const why = "PR vs main −3.6 % (98%, df 4, repeats+history, positions corrected, run-to-run)";
    // Main: nightly runs 2–3 (28 267 was run 1); PR: its run 1 only.
    const corrected = (b: number[], c: number[]) => ({ ...cell(b, c, why), positions_corrected: true });
    expect(rowOf(corrected([25715, 25715], [27316])).reason).toBe(POSITIONS_NOTE);
    // Same runs per side: the means are what was compared.
    expect(rowOf(corrected([25715, 25715], [24800, 24800])).reason).toBe("");
    // The cell's field says it, not the words of its reason.
    expect(rowOf(cell([25715, 25715], [27316], why)).reason).toBe("");
  });

  it("a ⚪ whose shown interval reaches past ±4 % gives the 90 % interval that made it ⚪", () => {
    const why =
      "PR vs main -1.9% [-8.6%, +5.3%] (98%, df 1): below the 2% minimum effect; 90% interval [-3.5%, -0.2%] within ±4%";
    const wide = {
      ...cell([1], [1], why),
      verdict: "unchanged" as const,
      interval: [-8.6, 5.3] as [number, number],
      equivalence: { interval: [-3.5, -0.2] as [number, number], within: 4 },
    };
    expect(rowOf(wide).reason).toBe("⚪ as its 90% interval [-3.5%, -0.2%] within ±4%");
    expect(rowOf({ ...wide, interval: [-3.0, 1.0] }).reason).toBe("");
  });

  it("a ⚪ just under the minimum effect shows two decimals, not the threshold itself", () => {
    const under = { ...cell([1], [1], ""), verdict: "unchanged" as const, change_pct: 1.96 };
    expect(rowOf(under).change).toBe("+1.96 % slower");
    expect(rowOf({ ...under, change_pct: 1.2 }).change).toBe("+1.2 % slower");
    expect(rowOf({ ...under, change_pct: 2.96 }, 3).change).toBe("+2.96 % slower");
    // A flag at the same size keeps one decimal: it is past the threshold.
    expect(rowOf({ ...under, verdict: "regressed" }).change).toBe("+2.0 % slower");
  });
});

describe("inconclusiveLine", () => {
  it("cuts a long reason at a word and never inside an open parenthesis", () => {
    const reason = "significant for this cell, within chance among the suite's cells (Benjamini–Hochberg at 10%)";
    const line = inconclusiveLine([
      { reason, count: 2 },
      { reason: "noise unknown", count: 1 },
    ]);
    expect(line).toBe(
      "- ❔ 3 inconclusive: significant for this cell, within chance among the suite's cells… ×2; noise unknown ×1",
    );
  });
});

describe("the headline's change", () => {
  it("names a median or throughput that moved before a P99 that moved more", () => {
    const cell = (metric: string, change_pct: number): ComparisonCell => ({
      suite: "grok-online",
      model: "GROK2_FP8",
      kind: "metric",
      point: { request_rate: 4 },
      metric,
      better: "lower",
      baseline: { values: [100] },
      candidate: { values: [100 * (1 + change_pct / 100)] },
      change_pct,
      interval: [change_pct - 5, change_pct + 5],
      verdict: "regressed",
      reason: "",
    });
    const c = compareRuns([], []);
    c.cells = [cell("p99_itl_ms", 215.5), cell("median_itl_ms", 19)];
    c.summary = { regressed: 2, improved: 0, unchanged: 0, inconclusive: 0, failed: 0 };
    // The tail that moved more follows, so a reader does not miss it (past doubling, as a factor).
    expect(buildReportModel(c).headline).toMatch(
      /makes Grok-2 decode 19\.0 % slower: Median ITL, rate 4 · grok-online; decode tail 3\.2× slower: P99 ITL, rate 4$/,
    );
  });
});

describe("the headline when a point failed", () => {
  it("says part of the comparison failed and counts the cells that were judged", () => {
    const main = run("deepseek-online", "DeepSeek-V3-0324", 3, 1);
    const pr = {
      ...run("deepseek-online", "DeepSeek-V3-0324", 3, 1),
      points: run("deepseek-online", "DeepSeek-V3-0324", 2, 1).points,
    };
    const c = compareRuns([main], [pr], { prior: false });
    const head = renderReportText(c).split("\n")[0]!;
    expect(head).toMatch(/^❌ Part of the comparison failed: .*concurrency 4.* — PR: /);
    expect(head).toMatch(/; the other \d+ cell\(s\): /);
    expect(buildReportModel(c, { pr: 7 }).headline).toMatch(/^❌ Merging #7 could not be measured in part: /);
  });

  it("says how many more failures there are when they differ in cause", () => {
    const main = run("deepseek-online", "DeepSeek-V3-0324", 3, 1);
    const pr = run("deepseek-online", "DeepSeek-V3-0324", 3, 1);
    pr.points = pr.points.slice(0, 2);
    pr.points[1] = { ...pr.points[1]!, repeats: [] };
    pr.failures = [{ kind: "oom", message: "out of memory", point: pr.points[1]!.point }];
    const head = renderReportText(compareRuns([main], [pr], { prior: false })).split("\n")[0]!;
    expect(head).toMatch(/ \(and 1 more failure\); the other \d+ cell\(s\): /);
  });
});

describe("the headline when GSM8K sits under the model's floor", () => {
  it("a ⚪ headline still says the accuracy under the floor that the cell left ❔", () => {
    const c = compareRuns(
      [run("deepseek-online", "DeepSeek-V3-0324", 2, 1)],
      [run("deepseek-online", "DeepSeek-V3-0324", 2, 1)],
      REPEATS_ONLY,
    );
    const gsm8k = c.cells.find((x) => x.kind === "gsm8k")!;
    expect(renderReport(c)).not.toContain("⚠️ GSM8K accuracy");
    // As gsm8k-verdict.ts words a PR average under the floor within the noise of it (a real night: 0.928 < 0.93).
    const was = gsm8k.verdict;
    Object.assign(gsm8k, {
      verdict: "inconclusive",
      reason: "0.928 is under the 0.93 threshold but within the noise of it",
    });
    c.summary = { ...c.summary, [was]: c.summary[was as "unchanged"] - 1, inconclusive: c.summary.inconclusive + 1 };
    const headline = renderReport(c)
      .split("\n")
      .find((l) => l.startsWith("### "))!;
    expect(headline).toMatch(
      /nothing measurable.*; ⚠️ GSM8K accuracy 0\.928 is under the 0\.93 floor \(within its noise\)$/,
    );
  });
});
