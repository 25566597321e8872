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
