/**
 * `npx tsx bench/verdicts-tails.ts [--launch-sd=0.015] [--trials=40] [--fresh=0.02] [PATH…]`: the tail and GSM8K
 * verdicts against their goals (issue 16 items 4 and 5). Exported as {@link evaluateTailsAndGsm8k} for bench:verdicts.
 *
 * Tails (request-level, verdict/request-tails.ts). No real run has per-request details yet, so the
 * requests are synthetic, calibrated on the real GROK2 MI300X run of 2025-11-13: per point (rates
 * 1, 2, 4, 8, 16 with the suite's 300…2400 prompts) log-normal TTFTs with the real P99/median ratio
 * (1.8, 2.0, 1.7, 2.4, 9.8) and E2E = TTFT + a decode time of log-sd 0.1; every launch (night) moves a
 * point's level by a log-normal factor of sd `launchSd` and every repeat by 1 %. bench_serving sends
 * the same seeded prompt schedule in every run, so each request keeps its own latency from run to
 * run but for a redrawn fraction `fresh` of its log-variance (see Schedule; fresh = 1 is the worst
 * case of new requests every run, kept as reference rows). Each trial: 10 history nights, a main
 * launch and a PR launch (×1.10 or ×1.00), 3 steady repeats each after a discarded warm-up round,
 * compared by compareRuns with that history — once with the requests, once with the run-level values
 * only (what old folders get) — and, as a reference, two launches a side (compare-pr's blocks).
 * A/A counts a flag either way: at 98 % confidence the nominal rate is 2 % (1 % false 🔴).
 *
 * GSM8K (verdict/gsm8k-verdict.ts): the real launches under PATH (default test/fixtures/real; the full
 * set is /work/shared/fixtures/real), grouped by hardware/model/suite/mode. Every ordered pair of
 * typical launches of a group (outlier nights — broken or regressed images — excluded) is an A/A
 * pair, and with the PR's runs 2 points lower a drop, judged with the group's other launches as
 * history (outliers included) and the floor switched off (so the statistics alone decide).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  compareRuns,
  decideGsm8k,
  decideRequestCell,
  requestValues,
  scheduleKey,
  type NoiseEstimate,
  type RequestRepeat,
  type Verdict,
  gsm8kHistorySpread,
  runScope,
  scopeKey,
  type Gsm8kLaunch,
} from "../src/core/verdict/index.js";
import { emptyRun, type PointResult, type RunResults } from "../src/core/results/index.js";
import { mean, median } from "../src/core/verdict/index.js";
import { ingestPaths } from "../src/store/ingest.js";

/** One measured rate beside its goal. */
export interface RateRow {
  what: string;
  cells: number;
  rate: number;
  goal: string;
  ok: boolean;
}

/** Seeded uniform PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (u: () => number): number => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());

/** The real GROK2 points: rate, prompts, median TTFT (ms), P99/median TTFT, median E2E (ms). */
const POINTS = [
  { rate: 1, prompts: 300, ttft: 148, ratio: 1.76, e2e: 11_494 },
  { rate: 2, prompts: 600, ttft: 156, ratio: 1.99, e2e: 13_283 },
  { rate: 4, prompts: 1200, ttft: 215, ratio: 1.66, e2e: 23_586 },
  { rate: 8, prompts: 2400, ttft: 290, ratio: 2.41, e2e: 93_846 },
  { rate: 16, prompts: 2400, ttft: 310, ratio: 9.83, e2e: 140_619 },
];
const Z99 = 2.326;
const TAIL_METRICS = ["p99_ttft_ms", "median_ttft_ms", "p99_e2e_latency_ms", "median_e2e_latency_ms"];

const quantile = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

/**
 * One point's prompt schedule: bench_serving seeds its random dataset and Poisson arrivals with
 * `--seed` (default 1, which sglbench does not change), so every run of a suite sends the same
 * prompts at the same times, main and PR alike. A request's latency is then mostly its schedule's
 * (its lengths, who arrived just before it): `base` (standard normal) and `decode` are fixed per
 * request, and only a fraction `fresh` of its log-variance is redrawn each run. Calibrated on the
 * real GROK1 MI300X nightlies (4 nights × 2 steady repeats at rates 1, 2, 4): P99 TTFT of 300–1200
 * requests agrees between repeats to 1–3 %, the median to 0.2–0.5 %, where independent requests
 * would give ±5 % and ±1.7 %; fresh = 0.02 reproduces that (P99 ±2 %, median ±0.6 %). fresh = 1
 * is the old model (every run draws new requests): the worst case, kept as a reference.
 */
interface Schedule {
  base: number[][];
  decode: number[][];
  outputLen: number[][];
}
function schedule(u: () => number): Schedule {
  const draw = (f: () => number): number[][] => POINTS.map((p) => Array.from({ length: p.prompts }, f));
  return {
    base: draw(() => normal(u)),
    decode: draw(() => normal(u)),
    outputLen: draw(() => 1 + Math.floor(u() * 1024)),
  };
}

/** One launch of the online suite: a warm-up round and 3 steady repeats per point, latencies × `scale`. */
let launches = 0;
function launch(
  u: () => number,
  scale: number,
  launchSd: number,
  withRequests: boolean,
  sched: Schedule,
  fresh: number,
): RunResults {
  // Each launch is its own night (date and tag), as the nightly history is.
  const night = launches++;
  const date = new Date(Date.UTC(2025, 0, 1) + night * 86_400_000).toISOString().slice(0, 10).replace(/-/g, "");
  const kept = Math.sqrt(1 - fresh);
  const redrawn = Math.sqrt(fresh);
  const points: PointResult[] = POINTS.map((p, k) => {
    const level = scale * Math.exp(launchSd * normal(u));
    const sigma = Math.log(p.ratio) / Z99;
    const repeats = [0, 1, 2, 3].map((index) => {
      const r = level * Math.exp(0.01 * normal(u));
      const n = index === 0 ? 16 : p.prompts;
      const ttft: number[] = [];
      const e2e: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = p.ttft * r * Math.exp(sigma * (kept * sched.base[k]![i]! + redrawn * normal(u)));
        const decode = 0.1 * (kept * sched.decode[k]![i]! + redrawn * normal(u));
        ttft.push(Math.round(t * 100) / 100);
        e2e.push(Math.round((t + (p.e2e - p.ttft) * r * Math.exp(decode)) * 100) / 100);
      }
      const st = [...ttft].sort((a, b) => a - b);
      const se = [...e2e].sort((a, b) => a - b);
      const round = (x: number): number => Math.round(x * 100) / 100;
      // Redrawn requests (fresh = 1) have lengths of their own each run.
      const outputLen = fresh >= 1 ? ttft.map(() => 1 + Math.floor(u() * 1024)) : sched.outputLen[k]!.slice(0, n);
      return {
        index,
        ...(index === 0 ? { warmup: true } : {}),
        metrics: {
          median_ttft_ms: round(quantile(st, 0.5)),
          p99_ttft_ms: round(quantile(st, 0.99)),
          median_e2e_latency_ms: round(quantile(se, 0.5)),
          p99_e2e_latency_ms: round(quantile(se, 0.99)),
        },
        ...(withRequests ? { requests: { ttft_ms: ttft, e2e_ms: e2e, output_len: outputLen } } : {}),
      };
    });
    return { point: { request_rate: p.rate }, repeats };
  });
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: "GROK2", variant: "FP8" },
    hardware: "mi30x",
    backend: "aiter",
    date,
    image: { full: `rocm/sgl-dev:bench-${date}`, tag: `bench-${date}` },
    points,
  });
}

const stripRequests = (run: RunResults): RunResults => ({
  ...run,
  points: run.points.map((p) => ({ ...p, repeats: p.repeats.map(({ requests: _, ...r }) => r) })),
});

interface Tally {
  cells: number;
  flagged: number;
}

const isFlagged = (scenario: string, verdict: Verdict): boolean =>
  scenario === "A/A" ? verdict === "regressed" || verdict === "improved" : verdict === "regressed";

/** Tail scenarios: A/A and ×1.10 on every request-level metric, requests vs run-level values. */
function evaluateTails(trials: number, launchSd: number, fresh: number): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  const add = (key: string, flagged: boolean): void => {
    const t = tallies.get(key) ?? { cells: 0, flagged: 0 };
    t.cells += 1;
    if (flagged) t.flagged += 1;
    tallies.set(key, t);
  };
  for (let trial = 0; trial < trials; trial++) {
    const u = rng(1000 + trial);
    const sched = schedule(u);
    const history = Array.from({ length: 10 }, () => stripRequests(launch(u, 1, launchSd, false, sched, fresh)));
    const base = launch(u, 1, launchSd, true, sched, fresh);
    for (const [scenario, scale] of [
      ["A/A", 1],
      ["x1.10", 1.1],
    ] as const) {
      const cand = launch(u, scale, launchSd, true, sched, fresh);
      for (const [method, b, c] of [
        ["requests", base, cand],
        ["run-level", stripRequests(base), stripRequests(cand)],
      ] as const) {
        const cmp = compareRuns([b], [c], { history, poolPoints: false });
        for (const cell of cmp.cells) {
          if (!TAIL_METRICS.includes(cell.metric)) continue;
          const flagged = isFlagged(scenario, cell.verdict);
          add(`${scenario}|${method}|${cell.metric}`, flagged);
          add(`${scenario}|${method}|all`, flagged);
        }
      }
      // The same requests with the launch-to-launch noise known exactly: the method apart from how
      // well history teaches that noise (noise.ts).
      const known: NoiseEstimate = { variance: 0, df: 0, runVariance: launchSd ** 2, runDf: 1000 };
      base.points.forEach((bp, i) => {
        const cp = cand.points[i]!;
        for (const metric of TAIL_METRICS) {
          const side = (p: PointResult): RequestRepeat[] =>
            p.repeats
              .filter((r) => !r.warmup)
              .map((r) => ({
                values: requestValues(r.requests, metric)!,
                index: r.index,
                group: 0,
                schedule: scheduleKey(r.requests),
              }));
          const v = decideRequestCell(side(bp), side(cp), metric, "lower", {
            minEffectPct: 2,
            confidence: 0.98,
            history: known,
          });
          const flagged = isFlagged(scenario, v?.verdict ?? "inconclusive");
          add(`${scenario}|known|${metric}`, flagged);
          add(`${scenario}|known|all`, flagged);
        }
      });
    }
    // compare-pr's interleaved blocks: two launches a side (drawn after the rest, so the rows above
    // do not depend on whether this runs).
    const base2 = [base, launch(u, 1, launchSd, true, sched, fresh)];
    for (const [scenario, scale] of [
      ["A/A", 1],
      ["x1.10", 1.1],
    ] as const) {
      const cand2 = [1, 2].map(() => launch(u, scale, launchSd, true, sched, fresh));
      for (const cell of compareRuns(base2, cand2, { history, poolPoints: false }).cells) {
        if (!TAIL_METRICS.includes(cell.metric)) continue;
        const flagged = isFlagged(scenario, cell.verdict);
        add(`${scenario}|two|${cell.metric}`, flagged);
        add(`${scenario}|two|all`, flagged);
      }
    }
  }
  return tallies;
}

/** GSM8K A/A and 2-point-drop rates over every ordered pair of real launches of a group. */
function evaluateGsm8k(runs: readonly RunResults[]): {
  aa: Tally;
  drop: Tally;
  consistent: Tally;
  realLow: Tally;
  perGroup: { group: string; launches: number; drop: Tally }[];
  groups: number;
} {
  const groups = new Map<string, RunResults[]>();
  for (const r of runs) {
    const accs = r.gsm8k?.runs.map((x) => x.accuracy) ?? [];
    if (accs.length < 2 || accs.some((a) => !(a > 0))) continue;
    const key = scopeKey(runScope(r));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const aa: Tally = { cells: 0, flagged: 0 };
  const drop: Tally = { cells: 0, flagged: 0 };
  const consistent: Tally = { cells: 0, flagged: 0 };
  const realLow: Tally = { cells: 0, flagged: 0 };
  const perGroup: { group: string; launches: number; drop: Tally }[] = [];
  let used = 0;
  for (const [group, launches] of groups) {
    if (launches.length < 4) continue;
    used += 1;
    const mine: Tally = { cells: 0, flagged: 0 };
    perGroup.push({ group, launches: launches.length, drop: mine });
    const level = (r: RunResults): Gsm8kLaunch => ({ accuracies: r.gsm8k!.runs.map((x) => x.accuracy) });
    // Nights far off the group's usual level (broken or regressed images: 0.856, 0.011, 0.905) are
    // real changes, not A/A: they stay in the history (the spread must cope with them) but are not paired.
    const mid = median(launches.map((r) => mean(level(r).accuracies)));
    const mad = median(launches.map((r) => Math.abs(mean(level(r).accuracies) - mid))) * 1.4826;
    const typical = (r: RunResults): boolean => Math.abs(mean(level(r).accuracies) - mid) <= Math.max(5 * mad, 0.005);
    launches.forEach((main, i) =>
      launches.forEach((pr, k) => {
        if (i !== k && typical(main) && !typical(pr) && mean(level(pr).accuracies) < mid) {
          // A real low night (e.g. GROK2 mi35x 2025-11-03, 0.905) against a typical one.
          const others = launches.filter((_, x) => x !== i && x !== k);
          const spread = gsm8kHistorySpread(others, main);
          realLow.cells += 1;
          if (
            decideGsm8k([level(main)], [level(pr)], { confidence: 0.98, ...(spread ? { spread } : {}) }).verdict ===
            "regressed"
          )
            realLow.flagged += 1;
        }
        if (i === k || !typical(main) || !typical(pr)) return;
        const others = launches.filter((_, x) => x !== i && x !== k);
        const spread = gsm8kHistorySpread(others, main);
        const opts = { confidence: 0.98, ...(spread ? { spread } : {}) };
        const same = decideGsm8k([level(main)], [level(pr)], opts);
        aa.cells += 1;
        if (same.verdict === "regressed" || same.verdict === "improved") aa.flagged += 1;
        const lower = { accuracies: level(pr).accuracies.map((a) => a - 0.02) };
        const caught = decideGsm8k([level(main)], [lower], opts).verdict === "regressed";
        // Consistent: every PR run below every main run, as a real 2-point regression shows on DeepSeek.
        const separated = Math.max(...lower.accuracies) < Math.min(...level(main).accuracies);
        for (const t of [drop, mine, ...(separated ? [consistent] : [])]) {
          t.cells += 1;
          if (caught) t.flagged += 1;
        }
      }),
    );
  }
  return { aa, drop, consistent, realLow, perGroup, groups: used };
}

/** Every rate of this bench with its goal. */
export async function evaluateTailsAndGsm8k(
  paths: readonly string[] = [join(import.meta.dirname, "..", "test", "fixtures", "real")],
  opts: { trials?: number; launchSd?: number; fresh?: number } = {},
): Promise<RateRow[]> {
  const rows: RateRow[] = [];
  const rate = (t: Tally | undefined): number => (t && t.cells > 0 ? t.flagged / t.cells : NaN);
  const launchSd = opts.launchSd ?? 0.015;
  const fresh = opts.fresh ?? 0.02;
  const trials = opts.trials ?? 40;
  const sd = `launch sd ${(launchSd * 100).toFixed(1)} %`;
  const methods = [
    ["known", "requests, launch noise known"],
    ["requests", "requests, launch noise learnt from 10 nights"],
    ["run-level", "run-level values (old folders), learnt"],
    ["two", "requests, 2 launches a side (compare-pr blocks), learnt"],
  ] as const;
  // The faithful model (same prompt schedule every run) carries the goals; redrawn requests (the
  // worst case) show what the requests give if the schedule ever changed every run: A/A must hold
  // there too, its power is a reference.
  for (const [world, f] of [
    ["same schedule", fresh],
    ["requests redrawn every run", 1],
  ] as const) {
    if (world !== "same schedule" && fresh >= 1) continue;
    const tails = evaluateTails(trials, launchSd, f);
    const tail = (key: string, what: string, goal: string, ok: (r: number) => boolean): void => {
      const t = tails.get(key);
      rows.push({ what: `${what} [${world}]`, cells: t?.cells ?? 0, rate: rate(t), goal, ok: ok(rate(t)) });
    };
    for (const [method, label] of methods) {
      // The goal "×1.10 between launches ≥ 95 %, tails included" is judged where a PR comparison
      // meets it: compare-pr's blocks, on the request-level cells together (a P99 alone, and one
      // launch a side, are references — bench/verdicts-launch.ts LAUNCH_GOALS says why).
      const goal = method === "two" && world === "same schedule";
      const okDetect = (r: number): boolean => r >= 0.95;
      tail(`x1.10|${method}|p99_ttft_ms`, `×1.10 P99 TTFT caught — ${label} (${sd})`, "(reference)", () => true);
      tail(
        `x1.10|${method}|all`,
        `×1.10 median+P99 TTFT/E2E caught — ${label}`,
        goal ? "≥ 95 %" : "(reference)",
        (r) => !goal || okDetect(r),
      );
    }
    for (const [method, label] of methods) {
      // 98 % intervals flag 2 % of A/A cells by design: the check is that rate within its sampling error.
      const aa = (key: string, what: string): void => {
        const n = tails.get(key)?.cells ?? 0;
        const bound = 0.02 + 2 * Math.sqrt((0.02 * 0.98) / Math.max(1, n));
        tail(key, what, `≤ 2 % (+ 2 s.e.: ${(100 * bound).toFixed(1)} %)`, (r) => r <= bound);
      };
      aa(`A/A|${method}|p99_ttft_ms`, `A/A P99 TTFT flagged — ${label}`);
      aa(`A/A|${method}|all`, `A/A median+P99 TTFT/E2E flagged — ${label}`);
    }
  }
  const { runs } = await ingestPaths([...paths]);
  const g = evaluateGsm8k(runs);
  rows.push({
    what: `GSM8K A/A flagged (real launch pairs, ${g.groups} groups)`,
    cells: g.aa.cells,
    rate: rate(g.aa),
    goal: "≤ 2 %",
    ok: rate(g.aa) <= 0.02,
  });
  rows.push({
    what: "GSM8K consistent 2-point drop caught (every PR run below every main run; floor off)",
    cells: g.consistent.cells,
    rate: rate(g.consistent),
    goal: "≥ 95 %",
    ok: rate(g.consistent) >= 0.95,
  });
  rows.push({
    what: "GSM8K real low nights (outliers below the usual level) flagged vs typical launches (floor off)",
    cells: g.realLow.cells,
    rate: rate(g.realLow),
    goal: "(reference)",
    ok: true,
  });
  for (const { group, launches, drop } of g.perGroup) {
    rows.push({
      what: `GSM8K any 2-point drop caught, ${group} (${launches} launches)`,
      cells: drop.cells,
      rate: rate(drop),
      goal: "(reference)",
      ok: true,
    });
  }
  return rows;
}

/** The rows as a markdown table. */
export function formatRateRows(rows: readonly RateRow[]): string {
  const pct = (x: number): string => (Number.isNaN(x) ? "—" : `${(x * 100).toFixed(1)} %`);
  return [
    "| What | Cells | Rate | Goal | Holds |",
    "|---|--:|--:|---|---|",
    ...rows.map((r) => `| ${r.what} | ${r.cells} | ${pct(r.rate)} | ${r.goal} | ${r.ok ? "yes" : "NO"} |`),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const sdArg = args.find((a) => a.startsWith("--launch-sd="));
  const trialsArg = args.find((a) => a.startsWith("--trials="));
  const freshArg = args.find((a) => a.startsWith("--fresh="));
  const paths = args.filter((a) => !a.startsWith("--"));
  const started = Date.now();
  const rows = await evaluateTailsAndGsm8k(paths.length > 0 ? paths : undefined, {
    ...(sdArg ? { launchSd: Number(sdArg.slice("--launch-sd=".length)) } : {}),
    ...(trialsArg ? { trials: Number(trialsArg.slice("--trials=".length)) } : {}),
    ...(freshArg ? { fresh: Number(freshArg.slice("--fresh=".length)) } : {}),
  });
  console.log(formatRateRows(rows));
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (rows.some((r) => !r.ok && r.cells > 0)) process.exitCode = 1;
}
