/**
 * The verdict evaluation behind `npm run bench:verdicts` (and its regression test): A/A pairs — one
 * steady repeat against another of the same run — and A/B pairs with a shift injected into the
 * candidate (latency ×1.05 / ×1.10, throughput ×0.95 / ×0.90); the engine runs without and with
 * history (the other nights of the same hardware/model/suite: leave-one-out, so a run never learns its
 * own noise), next to the original toolkit's fixed ±5 % rule applied to the same printed values.
 */
import {
  compareRuns,
  pointLabel,
  type Comparison,
  type ComparisonCell,
  learnNoise,
  lookupNoise,
  repeatValue,
  runScope,
  scopeKey,
  normalCdf,
  normalQuantile,
  quantisationVariance,
} from "../src/core/verdict/index.js";
import { COMPARED_METRICS, metricInfo } from "../src/core/catalogue/index.js";
import { pointKey, type RunResults } from "../src/core/results/index.js";

/**
 * A printed value shifted by `factor`, printed again as SGLang would (to the original's decimals), so
 * the injected run is what a real shifted log would show — e.g. request throughput stays
 * completed/duration to its last digit when the duration is shifted with it.
 */
export function shifted(value: number, factor: number): number {
  if (factor === 1) return value;
  const text = String(value);
  const dot = text.indexOf(".");
  const decimals = /e/i.test(text) ? 12 : dot < 0 ? 0 : text.length - dot - 1;
  const scale = 10 ** Math.max(decimals, 2);
  return Math.round(value * factor * scale) / scale;
}

/** The factor a scenario applies to one metric at one point (1 = untouched). */
type Scale = (point: string, metric: string) => number;

/** A run cut down to one repeat per point (index `k` of the steady repeats), values scaled. */
function oneRepeat(run: RunResults, k: number, scale: Scale): RunResults {
  return shiftRun(
    {
      ...run,
      points: run.points.flatMap((p) => {
        const steady = p.repeats.filter((r) => !r.warmup);
        const usable = steady.length >= 3 ? steady.slice(1) : steady;
        const rep = usable[k];
        return rep ? [{ point: p.point, repeats: [rep] }] : [];
      }),
    },
    scale,
  );
}

/** A run with every repeat's values scaled (GSM8K, KV cache and failures dropped: metric cells only). */
function shiftRun(run: RunResults, scale: Scale): RunResults {
  return {
    ...run,
    gsm8k: undefined,
    kv_cache: undefined,
    failures: [],
    points: run.points.map((p) => ({
      ...p,
      repeats: p.repeats.map((r) => ({
        ...r,
        metrics: Object.fromEntries(
          Object.entries(r.metrics).map(([m, v]) => [m, shifted(v, scale(pointKey(p.point), m))]),
        ),
      })),
    })),
  };
}

/** Steady repeats of the run's best-covered point (a failed point must not exclude the whole run). */
const steadyCount = (run: RunResults): number =>
  Math.max(0, ...run.points.map((p) => p.repeats.filter((r) => !r.warmup).length));
export function eligibleRuns(runs: RunResults[]): RunResults[] {
  return runs.filter((r) => r.points.length > 0 && steadyCount(r) >= 2);
}

/** Cells and how they were called. */
export interface Tally {
  cells: number;
  flagged: number;
  regressed: number;
  inconclusive: number;
}
export const zero = (): Tally => ({ cells: 0, flagged: 0, regressed: 0, inconclusive: 0 });

/**
 * The injected changes. `onePoint`: the shift goes into one point at a time (every point in turn);
 * its cells count as the scenario, the untouched points' cells as `<name> — other points` — the
 * check that pooling over points does not spread one point's change to its neighbours.
 */
export const SCENARIOS: { name: string; lat: number; thr: number; onePoint?: boolean }[] = [
  { name: "A/A", lat: 1, thr: 1 },
  { name: "A/B lat×1.05 thr×0.95", lat: 1.05, thr: 0.95 },
  { name: "A/B lat×1.10 thr×0.90", lat: 1.1, thr: 0.9 },
  { name: "A/B ×1.10/×0.90 at one point", lat: 1.1, thr: 0.9, onePoint: true },
];
/** The engines evaluated (the fixed rule is tallied beside the pooled engine). */
export const ENGINES = [
  ["engine, no history", { sameRun: true }],
  ["engine + history, unpooled", { sameRun: true, poolPoints: false }],
  ["engine + history", { sameRun: true }],
] as const;

/** Tallies keyed `scenario|method` (and `scenario|method|hardware` for the engines); per metric `scenario|metric`. */
export interface Evaluation {
  runs: RunResults[];
  tallies: Map<string, Tally>;
  perMetric: Map<string, Tally>;
}

/** Every variant of a scenario: one scale for the whole run, or one per shifted point. */
function variants(sc: (typeof SCENARIOS)[number], run: RunResults): { scale: Scale; shiftedPoint?: string }[] {
  const factor = (metric: string): number => {
    const better = metricInfo(metric).better;
    return better === "lower" ? sc.lat : better === "higher" ? sc.thr : metric === "duration" ? 1 / sc.thr : 1;
  };
  if (!sc.onePoint) return [{ scale: (_p, m) => factor(m) }];
  return run.points.map((p) => {
    const key = pointKey(p.point);
    return { scale: (point, m) => (point === key ? factor(m) : 1), shiftedPoint: key };
  });
}

/** Runs every scenario on every eligible run (leave-one-out history) and tallies the verdicts. */
export function evaluateVerdicts(all: RunResults[]): Evaluation {
  const eligible = eligibleRuns(all);
  const tallies = new Map<string, Tally>();
  const perMetric = new Map<string, Tally>();
  const bump = (key: string, cell: ComparisonCell, map = tallies): void => {
    const t = map.get(key) ?? zero();
    t.cells++;
    if (cell.verdict === "regressed" || cell.verdict === "improved") t.flagged++;
    if (cell.verdict === "regressed") t.regressed++;
    if (cell.verdict === "inconclusive") t.inconclusive++;
    map.set(key, t);
  };
  // The seed's rule on the same cell: raw change of the printed values (it knew nothing of repeat
  // positions), flagged when |change| > 5 %, 🔴 when worse by > 5 %.
  const bumpFixed = (key: string, cell: ComparisonCell): void => {
    const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    const change = (avg(cell.candidate.values) / avg(cell.baseline.values) - 1) * 100;
    const t = tallies.get(key) ?? zero();
    t.cells++;
    if (Math.abs(change) > 5) t.flagged++;
    if (cell.better === "lower" ? change > 5 : change < -5) t.regressed++;
    tallies.set(key, t);
  };
  /** Tallies one comparison: `settings` are the scenario-name suffixes it counts for. */
  const tally = (
    c: Comparison,
    sc: (typeof SCENARIOS)[number],
    shiftedPoint: string | undefined,
    engine: string,
    settings: string[],
    hardware?: string,
  ): void => {
    for (const cell of c.cells.filter((x) => x.kind === "metric" && x.better !== "none")) {
      const elsewhere = shiftedPoint !== undefined && pointKey(cell.point) !== shiftedPoint;
      for (const setting of settings) {
        const name = `${sc.name}${elsewhere ? " — other points" : ""}${setting}`;
        bump(`${name}|${engine}`, cell);
        if (hardware) bump(`${name}|${engine}|${hardware}`, cell);
        if (engine !== "engine + history") continue;
        bump(`${name}|${cell.metric}`, cell, perMetric);
        bumpFixed(`${name}|fixed ±5% rule`, cell);
      }
    }
  };

  for (const run of eligible) {
    const scope = scopeKey(runScope(run));
    const others = eligible.filter((r) => r !== run && scopeKey(runScope(r)) === scope);
    const noise = learnNoise(others);
    const k = Math.min(steadyCount(run) >= 3 ? steadyCount(run) - 1 : steadyCount(run), 4);
    for (let i = 0; i < k; i++) {
      const base = oneRepeat(run, i, () => 1);
      for (let j = 0; j < k; j++) {
        if (i === j) continue;
        for (const sc of SCENARIOS) {
          for (const { scale, shiftedPoint } of variants(sc, run)) {
            const cand = oneRepeat(run, j, scale);
            for (const [engine, opts] of ENGINES) {
              const withNoise = engine === "engine, no history" ? opts : { ...opts, noise };
              tally(compareRuns([base], [cand], withNoise), sc, shiftedPoint, engine, [""], run.hardware ?? "unknown");
            }
          }
        }
      }
    }
  }
  // Nightlies as main → PR: separate server runs with all repeats on both sides, the setting of a
  // real PR comparison (the images differ, so a few real changes are possible). "Next nightly" pairs
  // night n with night n+1; "any two nightlies" takes every ordered pair (more A/A cells for the
  // run-to-run term). The candidate night is left out of the history; the baseline night stays in,
  // as main's nightly would.
  const byScope = new Map<string, RunResults[]>();
  for (const r of eligible) byScope.set(scopeKey(runScope(r)), [...(byScope.get(scopeKey(runScope(r))) ?? []), r]);
  for (const group of byScope.values()) {
    const nights = [...group].sort((a, b) => (a.date ?? "").localeCompare(b.date ?? ""));
    for (const [j, next] of nights.entries()) {
      const noise = learnNoise(group.filter((r) => r !== next));
      for (const [i, night] of nights.entries()) {
        if (i === j) continue;
        const base = shiftRun(night, () => 1);
        const settings = j === i + 1 ? [" (next nightly)", " (any two nightlies)"] : [" (any two nightlies)"];
        // "Short history": neither side's night in the history (2 nights left with 4): the fewest a
        // new scope has, where the run-to-run term rests on one night-to-night difference.
        const short = learnNoise(group.filter((r) => r !== next && r !== night));
        for (const sc of SCENARIOS) {
          for (const { scale, shiftedPoint } of variants(sc, next)) {
            const cand = shiftRun(next, scale);
            for (const [engine, poolPoints] of [
              ["engine + history, unpooled", false],
              ["engine + history", true],
            ] as const) {
              tally(compareRuns([base], [cand], { noise, poolPoints }), sc, shiftedPoint, engine, settings);
              tally(compareRuns([base], [cand], { noise: short, poolPoints }), sc, shiftedPoint, engine, [
                " (short history)",
              ]);
            }
          }
        }
      }
    }
  }
  return { runs: eligible, tallies, perMetric };
}

/** One cell's known-noise detection power (see {@link knownNoiseCeiling}). */
export interface CeilingCell {
  scope: string;
  point: string;
  metric: string;
  /** Per-value repeat noise and run-to-run noise, % (all nights). */
  repeatPct: number;
  runPct: number;
  /** Standard error of the change and the power to flag a ×1.10 shift, per setting. */
  repeatVsRepeat: { sePct: number; power: number };
  nextNightly: { sePct: number; power: number };
}

/**
 * The best any noise-aware rule can do on these cells at the engine's confidence: the noise taken as
 * KNOWN (all nights' two-way fit, z instead of t, no estimation error), a ×1.10 / ×0.90 shift, and
 * the expected share flagged 🔴 = mean over cells of Φ(ln 1.1 / se − z). Repeat vs repeat: one value
 * per side at different positions, offsets from the other nights (se² = σ²(2 + 2/(nights − 1))); next nightly: 3 repeats per side in
 * separate runs (se² = 2σ²/3 + 2σ²_run). If this ceiling is below 95 %, no honest engine reaches it.
 */
export function knownNoiseCeiling(all: RunResults[], confidence = 0.98): CeilingCell[] {
  const eligible = eligibleRuns(all);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const shift = Math.log(1.1);
  const byScope = new Map<string, RunResults[]>();
  for (const r of eligible) byScope.set(scopeKey(runScope(r)), [...(byScope.get(scopeKey(runScope(r))) ?? []), r]);
  const out: CeilingCell[] = [];
  for (const [scope, runs] of byScope) {
    const noise = learnNoise(runs, { moderate: false });
    const points = new Map(runs.flatMap((r) => r.points.map((p) => [pointKey(p.point), p.point] as const)));
    for (const [key, point] of points) {
      for (const m of COMPARED_METRICS) {
        const est = lookupNoise(noise, runScope(runs[0]!), point, m.key);
        if (!est) continue;
        const values = runs.flatMap((r) =>
          r.points
            .filter((p) => pointKey(p.point) === key)
            .flatMap((p) =>
              p.repeats.map((x) => repeatValue(x.metrics, m.key)).filter((v): v is number => v !== undefined && v > 0),
            ),
        );
        const s2 = Math.max(est.variance, quantisationVariance(values));
        const run2 = est.runVariance ?? 0;
        const seRR = Math.sqrt(s2 * (2 + 2 / Math.max(1, runs.length - 1))); // offsets from the other nights (leave-one-out)
        const seNN = Math.sqrt((2 * s2) / 3 + 2 * run2);
        out.push({
          scope,
          point: pointLabel(point),
          metric: m.key,
          repeatPct: 100 * Math.sqrt(s2),
          runPct: 100 * Math.sqrt(run2),
          repeatVsRepeat: { sePct: 100 * seRR, power: normalCdf(shift / seRR - z) },
          nextNightly: { sePct: 100 * seNN, power: normalCdf(shift / seNN - z) },
        });
      }
    }
  }
  return out;
}
