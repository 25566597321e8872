import { ingestPaths } from "../src/store/ingest.js";
import { compareRuns, priorHardware, runScope, scopeKey, splitRegimes, runLevel } from "../src/core/verdict/index.js";
import { changepointDetector, regimeHistory } from "../src/pipeline/regime-history.js";
import { dedupeRuns, stepsPerCell } from "./prior-learn.js";
import { pointKey } from "../src/core/results/index.js";
const { runs: all } = await ingestPaths(["/work/shared/fixtures/real"]);
const runs = dedupeRuns(all).filter((r) => r.points.length > 0 && priorHardware(r.hardware));
const byScope = new Map<string, any[]>();
for (const r of runs) byScope.set(scopeKey(runScope(r)), [...(byScope.get(scopeKey(runScope(r))) ?? []), r]);
for (const [scope, group] of byScope) {
  const nights = [...group].sort((a, b) => (a.date ?? "").localeCompare(b.date ?? ""));
  if (nights.length < 3) continue;
  const regimes = splitRegimes(nights, changepointDetector);
  const regimeOf = new Map(); regimes.forEach((g, k) => g.runs.forEach((r) => regimeOf.set(r, k)));
  const steps = stepsPerCell(nights);
  for (let i = 1; i < nights.length; i++) {
    const base = nights[i - 1], cand = nights[i];
    const quiet = regimeOf.get(base) === regimeOf.get(cand);
    const start = regimes[regimeOf.get(cand)];
    const regimeStep = !quiet && start.runs[0] === cand && !!start.startReason?.startsWith("level shift");
    if (!quiet && !regimeStep) continue;
    const cut = regimeHistory(nights.slice(0, i), [base]).runs;
    const cmp = compareRuns([base], [cand], { history: cut, regimes: false });
    for (const c of cmp.cells) {
      if (c.kind !== "metric" || c.better === "none") continue;
      const own = steps.get(`${pointKey(c.point)}|${c.metric}`)?.get(i);
      if (!regimeStep && !own) continue;
      let a: number | undefined, b: number | undefined;
      if (own) { a = Math.log(own.before); b = Math.log(own.after); } else {
        const med = (rs: any[]) => { const ls = rs.map((r) => runLevel(r, pointKey(c.point), c.metric)?.level).filter((x) => x !== undefined).sort((x: any, y: any) => x - y); return ls.length ? ls[Math.floor(ls.length / 2)] : undefined; };
        a = med(regimes[regimeOf.get(base)].runs); b = med(start.runs);
      }
      if (a === undefined || b === undefined || Math.abs(b - a) < Math.log(1.05)) continue;
      const worse = c.better === "lower" ? b > a : b < a;
      const want = worse ? "regressed" : "improved";
      if (c.verdict !== want) console.log(scope.slice(0, 24), cand.date, cut.length, own ? "own" : "regime", c.metric, JSON.stringify(c.point).replace(/"input_len":3200,"output_len":800,/, ""), ((Math.exp(b - a) - 1) * 100).toFixed(1), c.verdict, c.reason.slice(0, 150));
    }
  }
}
