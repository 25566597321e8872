/**
 * `npm run bench:verdicts [-- PATH…]`: how often the verdict engine raises a false 🔴/🟢 on A/A pairs
 * and how often it catches an injected shift, next to the original toolkit's fixed ±5 % rule.
 *
 * From real run folders (default: test/fixtures/real) with ≥ 2 steady repeats per point:
 * - A/A: one steady repeat (the warm-up first repeat excluded) against another of the same run.
 * - A/B: the same pairs with the candidate shifted — latency ×1.05 / ×1.10, throughput ×0.95 / ×0.90.
 * The engine runs without history (one repeat per side: it must say inconclusive) and with history
 * (the other nights of the same hardware/model/suite — leave-one-out, so a run never learns its own noise).
 */
import { join } from "node:path";
import { runScope, scopeKey } from "../src/core/noise.js";
import { ingestPaths } from "../src/store/ingest.js";
import { evaluateVerdicts, SCENARIOS, zero } from "./verdicts-eval.js";

const paths = process.argv.slice(2);
const roots = paths.length > 0 ? paths : [join(import.meta.dirname, "..", "test", "fixtures", "real")];
const { runs } = await ingestPaths(roots);
const { runs: eligible, tallies, perMetric } = evaluateVerdicts(runs);
const scenarios = SCENARIOS;

const pct = (n: number, d: number): string => (d === 0 ? "—" : `${((100 * n) / d).toFixed(1)}%`);
console.log(`Runs used: ${eligible.length} (${[...new Set(eligible.map((r) => scopeKey(runScope(r))))].join("; ")})`);
console.log("");
console.log("| Scenario | Method | Cells | Flagged 🔴/🟢 | Flagged 🔴 | Inconclusive |");
console.log("|---|---|--:|--:|--:|--:|");
for (const sc of scenarios) {
  for (const engine of ["fixed ±5% rule", "engine, no history", "engine + history"]) {
    const t = tallies.get(`${sc.name}|${engine}`) ?? zero();
    const inc = engine.startsWith("fixed") ? "—" : pct(t.inconclusive, t.cells);
    console.log(
      `| ${sc.name} | ${engine} | ${t.cells} | ${pct(t.flagged, t.cells)} | ${pct(t.regressed, t.cells)} | ${inc} |`,
    );
  }
}
for (const sc of scenarios) {
  for (const engine of ["fixed ±5% rule", "engine + history"]) {
    const t = tallies.get(`${sc.name} (next nightly)|${engine}`) ?? zero();
    const inc = engine.startsWith("fixed") ? "—" : pct(t.inconclusive, t.cells);
    console.log(
      `| ${sc.name} — next nightly, 3 repeats per side | ${engine} | ${t.cells} | ${pct(t.flagged, t.cells)} | ${pct(t.regressed, t.cells)} | ${inc} |`,
    );
  }
}
console.log("");
console.log("Per hardware, engine + history (repeat vs repeat):");
for (const hw of [...new Set(eligible.map((r) => r.hardware ?? "unknown"))].sort()) {
  const aa = tallies.get(`A/A|engine + history|${hw}`) ?? zero();
  const ab = tallies.get(`A/B lat×1.10 thr×0.90|engine + history|${hw}`) ?? zero();
  console.log(
    `  ${hw.padEnd(8)} A/A flagged ${pct(aa.flagged, aa.cells).padStart(6)}   ×1.10/×0.90 caught 🔴 ${pct(ab.regressed, ab.cells).padStart(6)}  (${aa.cells} cells)`,
  );
}
console.log("");
console.log("Per metric, engine + history (A/A false flags; ×1.10/×0.90 detection):");
const metrics = [...new Set([...perMetric.keys()].map((k) => k.split("|")[1]!))];
for (const m of metrics) {
  const aa = perMetric.get(`A/A|${m}`) ?? zero();
  const ab = perMetric.get(`A/B lat×1.10 thr×0.90|${m}`) ?? zero();
  const ab5 = perMetric.get(`A/B lat×1.05 thr×0.95|${m}`) ?? zero();
  console.log(
    `  ${m.padEnd(24)} A/A ${pct(aa.flagged, aa.cells).padStart(6)}   ×1.05 ${pct(ab5.regressed, ab5.cells).padStart(6)}   ×1.10 ${pct(ab.regressed, ab.cells).padStart(6)}  (${aa.cells} cells)`,
  );
}

// Size and speed of the largest report the issue names: 5 models × 4 suites × 9 points, 3 repeats.
{
  const { compareRuns } = await import("../src/core/compare.js");
  const { renderReport } = await import("../src/core/report.js");
  const { emptyRun } = await import("../src/core/results.js");
  const metricsOf = (p: number, scale: number, i: number): Record<string, number> =>
    Object.fromEntries(
      ["median_e2e_latency_ms", "p99_e2e_latency_ms", "median_ttft_ms", "p99_ttft_ms", "median_itl_ms", "p99_itl_ms"]
        .map((k) => [k, 100 * (p + 1) * scale * (1 + ((i * 7) % 5) / 500)])
        .concat([["output_throughput", (1000 * (p + 1)) / scale]]),
    );
  const make = (model: string, suite: string, scale: number) =>
    emptyRun({
      kind: "online",
      suite,
      model: { name: model },
      hardware: "mi30x",
      points: Array.from({ length: 9 }, (_, p) => ({
        point: { concurrency: 2 ** p },
        repeats: [1, 2, 3].map((i) => ({ index: i, metrics: metricsOf(p, scale, i) })),
      })),
    });
  const models = ["GROK1", "GROK2", "DeepSeek-V3", "Llama-3-70B", "Qwen3-235B"];
  const suites = ["offline-normal", "offline-long", "online-rate", "online-concurrency"];
  const base = models.flatMap((m) => suites.map((s) => make(m, s, 1)));
  const cand = models.flatMap((m, k) => suites.map((s) => make(m, s, k === 0 ? 1.1 : 1)));
  const t0 = performance.now();
  const c = compareRuns(base, cand);
  const t1 = performance.now();
  const md = renderReport(c);
  const t2 = performance.now();
  console.log("");
  console.log(
    `5 models × 4 suites × 9 points: ${c.cells.length} cells compared in ${(t1 - t0).toFixed(0)} ms; report ${md.length} chars (limit 65536) rendered in ${(t2 - t1).toFixed(0)} ms`,
  );
}
