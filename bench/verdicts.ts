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
import { compareRuns } from "../src/core/compare.js";
import { metricInfo } from "../src/core/metrics.js";
import { learnNoise, runScope, scopeKey } from "../src/core/noise.js";
import type { RunResults } from "../src/core/results.js";
import { ingestPaths } from "../src/store/ingest.js";

const paths = process.argv.slice(2);
const roots = paths.length > 0 ? paths : [join(import.meta.dirname, "..", "test", "fixtures", "real")];
const { runs } = await ingestPaths(roots);

/** A run cut down to one repeat per point (index `k` of the steady repeats), values scaled per metric. */
function oneRepeat(run: RunResults, k: number, scale: (metric: string) => number): RunResults {
  return {
    ...run,
    gsm8k: undefined,
    kv_cache: undefined,
    failures: [],
    points: run.points.flatMap((p) => {
      const steady = p.repeats.filter((r) => !r.warmup);
      const usable = steady.length >= 3 ? steady.slice(1) : steady;
      const rep = usable[k];
      if (!rep) return [];
      const metrics = Object.fromEntries(Object.entries(rep.metrics).map(([m, v]) => [m, v * scale(m)]));
      return [{ point: p.point, repeats: [{ ...rep, metrics }] }];
    }),
  };
}

const steadyCount = (run: RunResults): number =>
  Math.min(...run.points.map((p) => p.repeats.filter((r) => !r.warmup).length).concat([Infinity]));
const eligible = runs.filter((r) => r.points.length > 0 && steadyCount(r) >= 2);

interface Tally {
  cells: number;
  flagged: number;
  regressed: number;
  inconclusive: number;
}
const zero = (): Tally => ({ cells: 0, flagged: 0, regressed: 0, inconclusive: 0 });
const scenarios = [
  { name: "A/A", lat: 1, thr: 1 },
  { name: "A/B lat×1.05 thr×0.95", lat: 1.05, thr: 0.95 },
  { name: "A/B lat×1.10 thr×0.90", lat: 1.1, thr: 0.9 },
];
const tallies = new Map<string, Tally>();
const perMetric = new Map<string, Tally>();
const bump = (key: string, f: (t: Tally) => void, map = tallies): void => {
  const t = map.get(key) ?? zero();
  f(t);
  map.set(key, t);
};

for (const run of eligible) {
  const scope = scopeKey(runScope(run));
  const others = eligible.filter((r) => r !== run && scopeKey(runScope(r)) === scope);
  const noise = learnNoise(others);
  const k = Math.min(steadyCount(run) >= 3 ? steadyCount(run) - 1 : steadyCount(run), 4);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      for (const sc of scenarios) {
        const scale = (m: string): number => {
          const better = metricInfo(m).better;
          return better === "lower" ? sc.lat : better === "higher" ? sc.thr : 1;
        };
        const base = oneRepeat(run, i, () => 1);
        const cand = oneRepeat(run, j, scale);
        for (const [engine, opts] of [
          ["engine, no history", {}],
          ["engine + history", { noise }],
        ] as const) {
          const c = compareRuns([base], [cand], opts);
          for (const cell of c.cells.filter((x) => x.kind === "metric" && x.better !== "none")) {
            bump(`${sc.name}|${engine}`, (t) => {
              t.cells++;
              if (cell.verdict === "regressed" || cell.verdict === "improved") t.flagged++;
              if (cell.verdict === "regressed") t.regressed++;
              if (cell.verdict === "inconclusive") t.inconclusive++;
            });
            if (engine === "engine + history")
              bump(
                `${sc.name}|${cell.metric}`,
                (t) => {
                  t.cells++;
                  if (cell.verdict === "regressed" || cell.verdict === "improved") t.flagged++;
                  if (cell.verdict === "regressed") t.regressed++;
                },
                perMetric,
              );
            // The seed's rule on the same cell: flagged when |change| > 5 %, 🔴 when worse by > 5 %.
            if (engine !== "engine + history") continue;
            // Raw change of the printed values (the seed knew nothing of repeat positions).
            const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
            const change = (avg(cell.candidate.values) / avg(cell.baseline.values) - 1) * 100;
            const worse = cell.better === "lower" ? change > 5 : change < -5;
            bump(`${sc.name}|fixed ±5% rule`, (t) => {
              t.cells++;
              if (Math.abs(change) > 5) t.flagged++;
              if (worse) t.regressed++;
            });
          }
        }
      }
    }
  }
}

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
