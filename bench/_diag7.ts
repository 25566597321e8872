import { ingestPaths } from "../src/store/ingest.js";
import { compareRuns, priorHardware, runScope, scopeKey, splitRegimes } from "../src/core/verdict/index.js";
import { changepointDetector, regimeHistory } from "../src/pipeline/regime-history.js";
import { dedupeRuns, stepsPerCell } from "./prior-learn.js";
import { pointKey } from "../src/core/results/index.js";
import { metricInfo } from "../src/core/catalogue/index.js";
import { shifted } from "./verdicts-eval.js";
const { runs: all } = await ingestPaths(["/work/shared/fixtures/real"]);
const runs = dedupeRuns(all).filter((r) => r.points.length > 0 && priorHardware(r.hardware));
const byScope = new Map<string, any[]>();
for (const r of runs) byScope.set(scopeKey(runScope(r)), [...(byScope.get(scopeKey(runScope(r))) ?? []), r]);
const scale = (run: any, f: number) => ({ ...run, gsm8k: undefined, kv_cache: undefined, failures: [], points: run.points.map((p: any) => ({ ...p, repeats: p.repeats.map((r: any) => ({ ...r, metrics: Object.fromEntries(Object.entries(r.metrics).map(([m, v]: any) => [m, shifted(v, metricInfo(m).better === "lower" ? f : metricInfo(m).better === "higher" ? 1 / f : 1)])) })) })) });
const t = new Map<string, { n: number; aa: number; det: number }>();
for (const [scope, group] of byScope) {
  const nights = [...group].sort((a, b) => (a.date ?? "").localeCompare(b.date ?? ""));
  if (nights.length < 3) continue;
  const regimes = splitRegimes(nights, changepointDetector);
  const regimeOf = new Map(); regimes.forEach((g, k) => g.runs.forEach((r) => regimeOf.set(r, k)));
  const steps = stepsPerCell(nights);
  for (let i = 1; i < nights.length; i++) {
    const base = nights[i - 1], cand = nights[i];
    if (regimeOf.get(base) !== regimeOf.get(cand)) continue;
    const cut = regimeHistory(nights.slice(0, i), [base]).runs;
    const a = compareRuns([scale(base, 1)], [scale(cand, 1)], { history: cut, regimes: false });
    const b = compareRuns([scale(base, 1)], [scale(cand, 1.1)], { history: cut, regimes: false });
    a.cells.forEach((c, k) => {
      if (c.kind !== "metric" || c.better === "none") return;
      if (steps.get(`${pointKey(c.point)}|${c.metric}`)?.has(i)) return;
      const key = scope.split("/")[1].slice(0, 8) + " " + c.metric;
      const e = t.get(key) ?? { n: 0, aa: 0, det: 0 };
      e.n++; if (c.verdict === "regressed" || c.verdict === "improved") e.aa++;
      if (b.cells[k].verdict === "regressed") e.det++;
      t.set(key, e);
    });
  }
}
for (const [k, e] of [...t].sort()) console.log(k.padEnd(40), e.n, "A/A", (100 * e.aa / e.n).toFixed(1), "det", (100 * e.det / e.n).toFixed(1));
