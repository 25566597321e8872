/**
 * Baseline vs candidate: pairs the runs of each suite, merges their points (offline on TP, batch
 * size, input and output length; online on request rate or concurrency) and decides every metric cell
 * with the noise-aware verdict (verdict.ts; median and tail cells on per-request data when both sides
 * have it, request-tails.ts), plus GSM8K accuracy (gsm8k-verdict.ts), KV-cache capacity and
 * failures (a point that ran on one side only). Refuses to call verdicts across different hardware,
 * attention backend or model: those cells are `inconclusive` and the mismatch is listed.
 */
import { changeDirection, type ChangeDirection } from "../report/index.js";
import { COMPARED_METRICS, gsm8kMinAccuracy, metricInfo, type Direction } from "../catalogue/index.js";
import { learnNoise, lookupNoise, repeatValue, runScope, scopeKey, type NoiseTable } from "./noise.js";
import {
  measuredAny,
  POINT_KEYS,
  pointKey,
  suiteLabel,
  type Point,
  type PointResult,
  type Repeat,
  type RunResults,
} from "../results/index.js";
import { clipAtWord } from "../util/index.js";
import { mean } from "./stats.js";
import { poolPoints } from "./pooling.js";
import { checkedRate, controlFalseDiscoveries, DEFAULT_FALSE_DISCOVERY_RATE } from "./discoveries.js";
import { PRIOR_NOISE, priorNoise, withPrior, type PriorData } from "./prior.js";
import { withOwnPrior } from "./prior-learn.js";
import {
  baselineRegime,
  metadataBreak,
  runRegimeKey,
  settingsChanged,
  splitRegimes,
  type ChangeDetector,
  type RegimeHistory,
} from "./regime.js";
import { learnLaunchShapes, lookupShape, withLaunchShape } from "./launch-tails.js";
import { launchDayOf } from "./drift.js";
import {
  companionMetric,
  decideRequestCell,
  isRequestMetric,
  requestValues,
  scheduleKey,
  type RequestRepeat,
} from "./request-tails.js";
import { decideGsm8k, gsm8kHistorySpread, launchAccuracies, type Gsm8kLaunch } from "./gsm8k-verdict.js";
import {
  DEFAULT_CONFIDENCE,
  DEFAULT_MIN_EFFECT_PCT,
  decideCell,
  type Equivalence,
  formatEvidence,
  type CellEvidence,
  type Observation,
  type Verdict,
} from "./verdict.js";

/** What a cell measures: a benchmark metric, GSM8K accuracy, KV-cache capacity, or a failed point. */
export type CellKind = "metric" | "gsm8k" | "kv_cache" | "failure";

/** One row of the comparison. */
export interface ComparisonCell {
  suite: string;
  /** Model as `name_variant` (candidate's when they differ). */
  model: string;
  mode?: string;
  kind: CellKind;
  point: Point;
  /** Canonical metric key (`gsm8k_accuracy`, `kv_cache_tokens`, `kv_cache_size_gb`, `run` for failures). */
  metric: string;
  better: Direction;
  /** Values used for the verdict (warm-up repeats removed). */
  baseline: { values: number[] };
  candidate: { values: number[] };
  /** Candidate vs baseline in % (raw: +5 means the candidate's value is 5 % larger). */
  change_pct: number | null;
  /** The change in words (direction.ts): slower/faster for times, higher/lower otherwise; absent without a change. */
  direction?: ChangeDirection;
  interval: [number, number] | null;
  verdict: Verdict;
  reason: string;
  /**
   * Set when the verdict was borrowed from the metric's other points (pooling.ts): `change_pct` and
   * `interval` are then the pooled estimate for this point, and this is what the point showed alone.
   */
  pooled?: { points: number; alone_change_pct: number | null; alone_interval: [number, number] | null };
  /** An `unchanged` proven by the 90 % interval, narrower than the one shown: the report names it. */
  equivalence?: Equivalence;
  /** Compared run against like run (history's position offsets), so the change may disagree with the plain means. */
  positions_corrected?: boolean;
}

/** Verdict counts; every cell is counted exactly once. */
export interface ComparisonCounts {
  regressed: number;
  improved: number;
  unchanged: number;
  inconclusive: number;
  failed: number;
}

/** Who ran a side: shown in the report header. */
export interface RunIdentity {
  image?: string;
  commit?: string;
  date?: string;
  hardware?: string;
  backend?: string;
  model: string;
}

/** One suite's comparison. */
export interface SuiteComparison {
  suite: string;
  model: string;
  mode?: string;
  kind: "offline" | "online";
  baseline: RunIdentity[];
  candidate: RunIdentity[];
  /** Why verdicts were refused (different hardware/backend/model), if they were. */
  mismatch?: string;
  cells: ComparisonCell[];
}

/** The whole comparison: what the report renders and the CLI prints as JSON. */
export interface Comparison {
  suites: SuiteComparison[];
  /** All cells of all suites, in report order. */
  cells: ComparisonCell[];
  summary: ComparisonCounts;
  /** Human sentences for each refused pairing. */
  mismatches: string[];
  /**
   * Compared, with something a reader must know: the sides differ in host, ROCm or protocol, one run
   * was given as both sides, or a side lost a repeat at a point it still measured. One sentence each.
   */
  caveats?: string[];
  settings: {
    minEffectPct: number;
    confidence: number;
    gsm8kThreshold?: number;
    historyRuns: number;
    /** Benjamini–Hochberg's q over each suite's cells; absent when off. */
    falseDiscoveryRate?: number;
  };
  /** Per series of the baseline: the nights its noise was learnt from (its regime) and what was left out. */
  learntFrom?: RegimeHistory["learntFrom"];
  /** The built-in prior's entries the launch noise came from (`series …`, `model …`), when any was used. */
  priorUsed?: string[];
}

/** Options for {@link compareRuns}. */
export interface CompareOptions {
  /** Minimum effect worth reporting, % (default 2). */
  minEffectPct?: number;
  /** Past nightly runs the noise is learnt from (same hardware/model/suite/point/metric). */
  history?: RunResults[];
  /** A pre-learnt noise table (overrides `history` when both are given). */
  noise?: NoiseTable;
  /** Candidate GSM8K accuracy (0–1) below this is a regression whatever the statistics say; default: the model's floor in the catalogue. */
  gsm8kThreshold?: number;
  /**
   * Smallest GSM8K accuracy change (absolute, 0–1) worth reporting — the seed's `--gsm8k-threshold`.
   * Default: the relative minimum effect. The binomial interval still decides whether it is real.
   */
  gsm8kMinChange?: number;
  /** Two-sided confidence of the intervals (default 0.98). */
  confidence?: number;
  /** Both sides are repeats of one server run (evaluation only): no run-to-run noise between them. */
  sameRun?: boolean;
  /** Unused since GSM8K runs are judged as repeated measurements (gsm8k-verdict.ts); kept for callers. */
  defaultGsm8kQuestions?: number;
  /** Let a cell too noisy to judge alone borrow from the same metric at the suite's other points (pooling.ts; default true). */
  poolPoints?: boolean;
  /** Benjamini–Hochberg's q over each suite's cells (discoveries.ts; default 0.1); `false` = off. */
  falseDiscoveryRate?: number | false;
  /**
   * The built-in launch-noise prior (prior.ts), used when history is missing or short: default the
   * shipped prior-noise.json; `false` = none (no history then means noise unknown).
   */
  prior?: PriorData | false;
  /**
   * For a series the prior never saw (no series or model entry), learn one from the history's nights
   * of that series outside the baseline's regime (prior-learn.ts ownHistoryPrior; default false).
   */
  ownPrior?: boolean;
  /**
   * Learn from the baseline's regime of the history only (regime.ts; default true): cut at host, ROCm,
   * release, protocol changes and, with `detectChanges`, at level shifts.
   */
  regimes?: boolean;
  /** The level-shift detector for the regime cut (the pipeline passes the trends stage's changepoints). */
  detectChanges?: ChangeDetector;
}

const modelName = (run: RunResults): string => [run.model.name, run.model.variant].filter(Boolean).join("_");

function identity(run: RunResults): RunIdentity {
  return {
    image: run.image?.full,
    commit: run.commit,
    date: run.date,
    hardware: run.hardware,
    backend: run.backend,
    model: modelName(run),
  };
}

/** Readable point label, e.g. `TP8 BS32 IL1024 OL128`, `rate 4`, `concurrency 16`. */
export function pointLabel(point: Point): string {
  const parts: string[] = [];
  if (point.tp !== undefined) parts.push(`TP${point.tp}`);
  if (point.batch_size !== undefined) parts.push(`BS${point.batch_size}`);
  if (point.request_rate !== undefined) parts.push(`rate ${point.request_rate}`);
  if (point.concurrency !== undefined) parts.push(`concurrency ${point.concurrency}`);
  const online = point.request_rate !== undefined || point.concurrency !== undefined;
  if (!online) {
    if (point.input_len !== undefined) parts.push(`IL${point.input_len}`);
    if (point.output_len !== undefined) parts.push(`OL${point.output_len}`);
  }
  return parts.join(" ") || "all";
}

/** Numeric order of points: by each coordinate in POINT_KEYS order. */
function comparePoints(a: Point, b: Point): number {
  for (const k of POINT_KEYS) {
    const d = (a[k] ?? -1) - (b[k] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

const groupKey = (run: RunResults, withModel: boolean): string =>
  [run.suite, run.mode ?? "", withModel ? modelName(run) : ""].join("|");

/** Pairs baseline and candidate runs per suite × mode × model; unmatched suites with a different model pair up as mismatches. */
function pairRuns(
  baseline: readonly RunResults[],
  candidate: readonly RunResults[],
): { base: RunResults[]; cand: RunResults[] }[] {
  const groups = new Map<string, { base: RunResults[]; cand: RunResults[] }>();
  const add = (run: RunResults, side: "base" | "cand"): void => {
    const key = groupKey(run, true);
    const g = groups.get(key) ?? { base: [], cand: [] };
    g[side].push(run);
    groups.set(key, g);
  };
  baseline.forEach((r) => add(r, "base"));
  candidate.forEach((r) => add(r, "cand"));
  const pairs = [...groups.values()];
  // A suite run with model X on one side and model Y on the other: pair them so the report can refuse explicitly.
  const loneBase = pairs.filter((p) => p.cand.length === 0);
  const loneCand = pairs.filter((p) => p.base.length === 0);
  for (const b of loneBase) {
    const match = loneCand.find(
      (c) => c.base.length === 0 && groupKey(c.cand[0]!, false) === groupKey(b.base[0]!, false),
    );
    if (match) {
      match.base.push(...b.base);
      pairs.splice(pairs.indexOf(b), 1);
    }
  }
  // Two folders of one run each but different models/suites (e.g. DeepSeek vs GROK2 online): pair
  // them so the refusal is explicit instead of two "not run" suites.
  const restBase = pairs.filter((p) => p.cand.length === 0);
  const restCand = pairs.filter((p) => p.base.length === 0);
  if (restBase.length === 1 && restCand.length === 1 && restBase[0]!.base[0]!.kind === restCand[0]!.cand[0]!.kind) {
    restCand[0]!.base.push(...restBase[0]!.base);
    pairs.splice(pairs.indexOf(restBase[0]!), 1);
  }
  return pairs;
}

/** Why two sides must not be compared, or undefined when they may. */
function mismatchOf(base: RunResults[], cand: RunResults[]): string | undefined {
  const problems: string[] = [];
  for (const [what, get] of [
    ["model", modelName],
    ["suite", (r: RunResults) => [r.suite, r.mode].filter(Boolean).join(" ")],
    ["hardware", (r: RunResults) => r.hardware],
    ["attention backend", (r: RunResults) => r.backend],
  ] as const) {
    const b = new Set(base.map(get).filter((v): v is string => Boolean(v)));
    const c = new Set(cand.map(get).filter((v): v is string => Boolean(v)));
    if (b.size > 0 && c.size > 0 && [...b].sort().join(",") !== [...c].sort().join(",")) {
      problems.push(`${what} ${[...b].join("/")} vs ${[...c].join("/")}`);
    }
  }
  return problems.length > 0 ? `different ${problems.join(", ")}` : undefined;
}

/** All points of one side by key: the point, its usable values per metric, and any failure message. */
interface SidePoint {
  point: Point;
  values: Map<string, Observation[]>;
  /** Per-request values of median/tail metrics, per repeat (request-tails.ts); absent when any run lacks them. */
  requests: Map<string, RequestRepeat[] | null>;
  failure?: string;
}

/**
 * Adds one run's per-request values of `metric` at a point to the side (request-tails.ts). A run
 * where any used repeat lacks them makes the whole side fall back to run-level values (`null`). The
 * first of ≥ 3 repeats is dropped as in verdict.ts unless the run measured a discarded warm-up round.
 */
function collectRequests(entry: SidePoint, metric: string, p: PointResult, run: RunResults, runIndex: number): void {
  if (!isRequestMetric(metric) || entry.requests.get(metric) === null) return;
  const warmedUp = p.repeats.some((r) => r.warmup);
  const byLaunch = new Map<number, Repeat[]>();
  for (const r of p.repeats.filter((x) => !x.warmup).sort((a, b) => a.index - b.index)) {
    const group = launchGroup(runIndex, r);
    byLaunch.set(group, [...(byLaunch.get(group) ?? []), r]);
  }
  const repeats = [...byLaunch].flatMap(([group, steady]) =>
    (steady.length >= 3 && !warmedUp ? steady.slice(1) : steady).map((r) => ({
      values: requestValues(r.requests, metric),
      index: r.index,
      group,
      day: launchDayOf(run, r),
      schedule: scheduleKey(r.requests),
    })),
  );
  if (repeats.length === 0 || repeats.some((r) => !r.values)) {
    entry.requests.set(metric, null);
    return;
  }
  entry.requests.set(metric, [...(entry.requests.get(metric) ?? []), ...(repeats as RequestRepeat[])]);
}

/** One group per server launch: a run, or a block of a merged run (label `launch`, baseline.ts mergeBlocks). */
const launchGroup = (runIndex: number, r: Repeat): number => runIndex * 1000 + Number(r.labels?.launch ?? 0);

/**
 * The launches of a point that ran a discarded warm-up round first (sglbench's runner, online), or
 * whose every repeat warms up on its own (bench_one_batch, offline): none of their repeats is a first run.
 */
function warmedLaunches(run: RunResults, p: PointResult, runIndex: number): Set<number> {
  const repeats = run.kind === "offline" ? p.repeats : p.repeats.filter((r) => r.warmup);
  return new Set(repeats.map((r) => launchGroup(runIndex, r)));
}

/**
 * Steady repeats per launch at each point of a run (merged blocks counted apart), of the launches
 * whose count is a protocol: a launch that ran its own warm-up round has no first-run bias whatever
 * its count, and sglbench plans its blocks' sizes (2 + 1) and records any repeat it lost.
 */
function repeatsPerLaunch(run: RunResults, runIndex: number): { point: PointResult; counts: number[] }[] {
  return run.points.map((p) => {
    const warmed = warmedLaunches(run, p, runIndex);
    const perLaunch = new Map<number, number>();
    for (const r of p.repeats.filter((x) => !x.warmup)) {
      const launch = launchGroup(runIndex, r);
      if (!warmed.has(launch)) perLaunch.set(launch, (perLaunch.get(launch) ?? 0) + 1);
    }
    return { point: p, counts: [...perLaunch.values()] };
  });
}

/** A side's protocol: the most steady repeats one launch without its own warm-up ran at any point (0: none). */
function launchRepeats(runs: readonly RunResults[]): number {
  return Math.max(0, ...runs.flatMap((run, i) => repeatsPerLaunch(run, i).flatMap((p) => p.counts)));
}

/**
 * A ❔ cell that was not judged because the sides are not alike (other model or hardware, other
 * protocol, other launch settings), as against one whose noise was too wide to decide.
 */
export function notComparable(cell: Pick<ComparisonCell, "verdict" | "reason">): boolean {
  return cell.verdict === "inconclusive" && /^not compar/.test(cell.reason);
}

/**
 * A side of GSM8K checks by design (a DP-attention nightly skips the serving benchmarks): no
 * benchmark point, a GSM8K result and nothing failed — it measured what it ran.
 */
export function isGsm8kCheck(runs: readonly RunResults[]): boolean {
  return (
    runs.length > 0 && runs.every((r) => r.points.length === 0 && r.gsm8k !== undefined && r.failures.length === 0)
  );
}

function collectSide(runs: RunResults[]): Map<string, SidePoint> {
  const out = new Map<string, SidePoint>();
  const runFailure = (run: RunResults): string | undefined => {
    const f = run.failures.find((x) => x.point === undefined);
    return f ? `${f.kind}: ${f.message}` : undefined;
  };
  runs.forEach((run, runIndex) => {
    for (const p of run.points as PointResult[]) {
      const key = pointKey(p.point);
      const entry: SidePoint = out.get(key) ?? { point: p.point, values: new Map(), requests: new Map() };
      out.set(key, entry);
      const repeats = p.repeats.filter((r) => !r.warmup);
      const metrics = new Set(repeats.flatMap((r) => Object.keys(r.metrics)));
      const warmed = warmedLaunches(run, p, runIndex);
      for (const metric of metrics) {
        const obs = repeats.flatMap((r) => {
          const value = repeatValue(r.metrics, metric);
          const group = launchGroup(runIndex, r);
          const day = launchDayOf(run, r);
          const warmedUp = warmed.has(group);
          return value !== undefined && Number.isFinite(value)
            ? [{ value, index: r.index, group, day, ...(warmedUp ? { warmedUp } : {}) }]
            : [];
        });
        // Warm-up is handled in the verdict per run (group), so pooling runs never drops a steady repeat.
        entry.values.set(metric, [...(entry.values.get(metric) ?? []), ...obs]);
        collectRequests(entry, metric, p, run, runIndex);
      }
      const failure = p.failure ?? run.failures.find((f) => f.point && pointKey(f.point) === key);
      if (repeats.length === 0)
        entry.failure = failure ? `${failure.kind}: ${failure.message}` : (runFailure(run) ?? "no result");
    }
  });
  return out;
}

/** `a repeat at rate 8 (crash: …)`: failures at points that still have repeats, or "" when none. */
function partialFailures(runs: readonly RunResults[]): string {
  const lost = runs.flatMap((run) =>
    run.failures.filter((f) => {
      if (!f.point) return false;
      // Any entry of the point (a log read twice can leave an empty one beside the measured one).
      return run.points.some((q) => pointKey(q.point) === pointKey(f.point!) && q.repeats.some((r) => !r.warmup));
    }),
  );
  if (lost.length === 0) return "";
  const first = lost[0]!;
  const more = lost.length > 1 ? ` and ${lost.length - 1} more` : "";
  return `a repeat at ${pointLabel(first.point!)} (${first.kind}: ${clipAtWord(first.message, 120)})${more}`;
}

/**
 * `1 of 3 repeats at concurrency 4, 16`: points of a run with fewer repeats than its others and no
 * failure to say why (a run stopped early), or "" when none.
 */
function shortPoints(runs: readonly RunResults[]): string {
  for (const run of runs) {
    // Counted per launch, as the protocol is: a merged side's 6 repeats over two blocks are 3 a launch.
    const perPoint = repeatsPerLaunch(run, 0);
    const full = Math.max(0, ...perPoint.flatMap((p) => p.counts));
    const failed = new Set(run.failures.flatMap((f) => (f.point ? [pointKey(f.point)] : [])));
    const short = perPoint
      .filter((p) => !failed.has(pointKey(p.point.point)))
      .map((p) => ({ point: p.point.point, fewest: Math.min(...p.counts.filter((n) => n < full)) }))
      .filter((p) => Number.isFinite(p.fewest));
    if (short.length === 0) continue;
    const counts = short.map((p) => p.fewest);
    const [fewest, most] = [Math.min(...counts), Math.max(...counts)];
    const where = short.map((p) => pointLabel(p.point));
    const more = where.length > 3 ? ` and ${where.length - 3} more` : "";
    return `${fewest === most ? fewest : `${fewest}–${most}`} of ${full} repeats at ${where.slice(0, 3).join(", ")}${more}`;
  }
  return "";
}

/**
 * The same values at the same points: with sameRun, one run read twice — from another path, or once
 * as its console log and once as its result folder (whose CSV rounds to fewer digits: 4 kept; a
 * DeepSeek console log prints only E2E, TTFT and ITL: the metrics both have are compared).
 */
function samePoints(a: RunResults, b: RunResults): boolean {
  const round = (v: number): number => Number(v.toPrecision(4));
  const steady = (run: RunResults) =>
    new Map(run.points.map((p) => [pointKey(p.point), p.repeats.filter((r) => !r.warmup)] as const));
  const [pa, pb] = [steady(a), steady(b)];
  if (pa.size !== pb.size) return false;
  let compared = 0;
  for (const [key, ra] of pa) {
    const rb = pb.get(key);
    if (!rb || rb.length !== ra.length) return false;
    for (const [i, x] of ra.entries()) {
      const y = rb[i]!;
      for (const [metric, v] of Object.entries(x.metrics)) {
        const w = y.metrics[metric];
        if (w === undefined) continue;
        if (round(v) !== round(w)) return false;
        compared += 1;
      }
    }
  }
  return compared > 0 || (pa.size === 0 && a.failures.length === b.failures.length);
}

/** A value one side measured and the other did not print (a cut-off CSV row, an older client, no GSM8K log). */
const oneSided = (measuredOn: "main" | "PR", what: string): string =>
  `measured on ${measuredOn} only: the ${measuredOn === "main" ? "PR" : "main"} side's output has no ${what}`;

function gsm8kCell(
  base: RunResults[],
  cand: RunResults[],
  common: Pick<ComparisonCell, "suite" | "model" | "mode">,
  opts: Required<Pick<CompareOptions, "minEffectPct" | "confidence" | "defaultGsm8kQuestions">> & CompareOptions,
): ComparisonCell | undefined {
  const side = (runs: RunResults[]): { acc: number[] } => ({
    acc: runs.flatMap((r) => r.gsm8k?.runs.map((x) => x.accuracy) ?? []),
  });
  const b = side(base);
  const c = side(cand);
  // A side whose GSM8K failed (or 0 on both: the client crashed) is "not measured", with its cause.
  const missing = (runs: RunResults[], acc: number[]): string | undefined =>
    acc.length === 0 ? gsm8kCause(runs) : undefined;
  const bothZero = b.acc.length > 0 && c.acc.length > 0 && mean(b.acc) === 0 && mean(c.acc) === 0;
  // Every GSM8K cell has the same shape; only the judgement differs.
  const cell = (
    change_pct: number | null,
    interval: [number, number] | null,
    verdict: Verdict,
    reason: string,
  ): ComparisonCell => ({
    ...common,
    kind: "gsm8k",
    point: {},
    metric: "gsm8k_accuracy",
    better: "higher",
    baseline: { values: b.acc },
    candidate: { values: c.acc },
    change_pct,
    interval,
    verdict,
    reason,
  });
  const bMissing = missing(base, b.acc);
  const cMissing = missing(cand, c.acc);
  if (bMissing || cMissing || bothZero) {
    const why = (cause: string | undefined): string => `not measured (${cause || "no GSM8K result"})`;
    const reason = bothZero
      ? `accuracy 0 on both sides: ${gsm8kCause([...base, ...cand]) || "the GSM8K client answered nothing"}`
      : [bMissing ? `main: ${why(bMissing)}` : "", cMissing ? `PR: ${why(cMissing)}` : ""].filter(Boolean).join("; ");
    return cell(null, null, "failed", reason);
  }
  // A side without a result and without a GSM8K failure did not run it: said, not dropped (a gate
  // that silently vanishes reads as passed).
  if (b.acc.length === 0 && c.acc.length === 0) return undefined;
  if (b.acc.length === 0 || c.acc.length === 0)
    return cell(null, null, "inconclusive", oneSided(b.acc.length > 0 ? "main" : "PR", "GSM8K result"));
  // Repeated runs over the same questions are repeated measurements of each launch (gsm8k-verdict.ts).
  const launches = (runs: RunResults[]): Gsm8kLaunch[] =>
    runs.flatMap((r) =>
      launchAccuracies(r).map((accuracies) => ({ accuracies, numQuestions: r.gsm8k?.num_questions })),
    );
  const floorValue = opts.gsm8kThreshold ?? gsm8kMinAccuracy(common.model);
  const j = decideGsm8k(launches(base), launches(cand), {
    confidence: opts.confidence,
    minChange: opts.gsm8kMinChange,
    ...(floorValue !== undefined
      ? {
          floor: {
            value: floorValue,
            source: opts.gsm8kThreshold !== undefined ? "--gsm8k-min-accuracy" : "catalogue",
          },
        }
      : {}),
    ...(opts.history ? { spread: gsm8kHistorySpread(opts.history, cand[0]!) } : {}),
  });
  return cell(j.change_pct, j.interval, j.verdict, j.reason);
}

function kvCells(
  base: RunResults[],
  cand: RunResults[],
  common: Pick<ComparisonCell, "suite" | "model" | "mode">,
  minEffect: number,
  launchedApart: string,
): ComparisonCell[] {
  const cells: ComparisonCell[] = [];
  for (const [metric, field] of [
    ["kv_cache_tokens", "num_tokens"],
    ["kv_cache_size_gb", "size_gb"],
  ] as const) {
    const b = base.map((r) => r.kv_cache?.[field]).filter((v): v is number => v !== undefined && v > 0);
    const c = cand.map((r) => r.kv_cache?.[field]).filter((v): v is number => v !== undefined && v > 0);
    if (b.length === 0 || c.length === 0) continue;
    // Capacity is deterministic for a given image and memory setting: no noise, any change is real.
    const change = (mean(c) / mean(b) - 1) * 100;
    const verdict: Verdict = Math.abs(change) < minEffect ? "unchanged" : change > 0 ? "improved" : "regressed";
    // Other launch settings explain a capacity change; one within the minimum effect is judged as usual.
    const judged =
      launchedApart && verdict !== "unchanged"
        ? {
            verdict: "inconclusive" as const,
            interval: null,
            reason: `not comparable: the server's launch settings differ (${launchedApart}), and they size the KV cache`,
          }
        : {
            verdict,
            interval: [change, change] as [number, number],
            reason: change === 0 ? "same capacity" : `capacity is deterministic: ${change.toFixed(2)}%`,
          };
    cells.push({
      ...common,
      kind: "kv_cache",
      point: {},
      metric,
      better: "higher",
      baseline: { values: b },
      candidate: { values: c },
      change_pct: change,
      ...judged,
    });
  }
  return cells;
}

/** Why a side has no GSM8K accuracy: its GSM8K-related failure ("" when nothing says GSM8K was meant to run). */
function gsm8kCause(runs: RunResults[]): string {
  const f = runs
    .flatMap((r) => r.failures)
    .find((x) => x.kind === "low_accuracy" || /gsm8k/i.test(`${x.message} ${x.source ?? ""}`));
  return f ? `${f.kind}: ${f.message}` : "";
}

/** Why a side ran no point at all: every run-level failure, or that nothing was recorded. */
function noPointsCause(runs: RunResults[]): string {
  if (runs.length === 0) return "suite not run";
  // Each side's causes kept short, so the other side's still shows in the report's 300 characters.
  const fs = [...new Set(runs.flatMap((r) => r.failures).map((f) => `${f.kind}: ${f.message}`))];
  if (fs.length === 0) return "no benchmark point recorded";
  return fs.length > 1 ? `${clipAtWord(fs[0]!, 120)} (and ${fs.length - 1} more)` : clipAtWord(fs[0]!, 140);
}

/** Why a side has no result for a point: its run-level failure (launch, readiness, GSM8K gate …) if any. */
function sideFailure(runs: RunResults[]): string {
  if (runs.length === 0) return "suite not run";
  const f = runs.flatMap((r) => r.failures).find((x) => x.point === undefined);
  return f ? `${f.kind}: ${f.message}` : "not run";
}

/**
 * Cells that are `inconclusive` alone get the verdict of their metric pooled over the suite's points
 * (pooling.ts), when that verdict is clear, with the pooled estimate and interval (so change, interval
 * and verdict always agree); `pooled` and the reason keep what the cell showed alone.
 */
function poolUndecided(
  cells: ComparisonCell[],
  evidence: Map<ComparisonCell, CellEvidence>,
  dfs: Map<ComparisonCell, number>,
  minEffectPct: number,
  confidence: number,
): void {
  for (const m of COMPARED_METRICS) {
    const family = cells.filter((c) => c.metric === m.key && evidence.has(c));
    if (m.better === "none" || !family.some((c) => c.verdict === "inconclusive")) continue;
    const pooled = poolPoints(
      family.map((c) => evidence.get(c)!),
      m.better,
      minEffectPct,
      confidence,
    );
    if (!pooled) continue;
    family.forEach((cell, i) => {
      const j = pooled.judgements[i]!;
      if (cell.verdict !== "inconclusive" || j.verdict === "inconclusive") return;
      const alone = cell.reason.replace(/^PR vs main /, "").replace(/: [^:]*$/, "");
      dfs.set(cell, j.df);
      Object.assign(cell, {
        pooled: { points: pooled.family.points, alone_change_pct: cell.change_pct, alone_interval: cell.interval },
        verdict: j.verdict,
        change_pct: j.change_pct,
        interval: j.interval,
        ...(j.equivalence ? { equivalence: j.equivalence } : {}),
        reason: `pooled over ${pooled.family.points} points: PR vs main ${formatEvidence(j)} (${Math.round(confidence * 100)}%, df ${j.df > 999 ? "∞" : Math.round(j.df)}; this point alone ${alone})`,
      });
    });
  }
}

/** A cell of sides that are not alike (model, hardware, one side missing): ❔ with why, never judged. */
function notCompared(cell: ComparisonCell, why: string): ComparisonCell {
  return Object.assign(cell, { verdict: "inconclusive" as const, reason: `not compared: ${why}` });
}

/** Failures that take a server down: the PR's code may have done it. */
const SERVER_DOWN = new Set(["server_crashed", "crash", "oom"]);

/**
 * A server crash on the PR side only, with every point still measured (after a relaunch): the cells
 * alone would read ⚪, yet a PR that brings the server down under load is the finding — a failed
 * cell leads with it. Crashes on both sides are the machine's, left to the ⚠️ lines.
 */
function prOnlyCrash(
  base: readonly RunResults[],
  cand: readonly RunResults[],
): { point?: ComparisonCell["point"]; reason: string } | undefined {
  // A `crash` at a point is a client's traceback (a reset connection, a dataset download): the server's own crash is run-level.
  const down = (runs: readonly RunResults[]) =>
    runs.flatMap((r) => r.failures).filter((f) => SERVER_DOWN.has(f.kind) && !(f.kind === "crash" && f.point));
  const [first] = down(cand);
  if (!first || down(base).length > 0) return undefined;
  const more = down(cand).length - 1;
  return {
    ...(first.point ? { point: first.point } : {}),
    reason: `PR: ${first.kind}: ${clipAtWord(first.message, 160)}${more > 0 ? ` (and ${more} more)` : ""} — the PR's server went down, main's did not (the points measured after the relaunch are judged as usual)`,
  };
}

/** A suite's comparison but its cells: what ran on each side. */
function suiteHeader(
  ref: RunResults,
  model: string,
  base: RunResults[],
  cand: RunResults[],
  mismatch: string | undefined,
): Omit<SuiteComparison, "cells"> {
  return {
    suite: ref.suite,
    model,
    mode: ref.mode,
    kind: ref.kind,
    baseline: base.map(identity),
    candidate: cand.map(identity),
    mismatch,
  };
}

/** Counts cells per verdict. */
export function summarize(cells: readonly ComparisonCell[]): ComparisonCounts {
  const s: ComparisonCounts = { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, failed: 0 };
  for (const c of cells) s[c.verdict] += 1;
  return s;
}

/**
 * The same run read twice: one series, and a file in common or the same night and image, and the same
 * host and start where both say them (a night's console log names neither, its result folder does).
 */
function sameRun(a: RunResults, b: RunResults): boolean {
  if (scopeKey(runScope(a)) !== scopeKey(runScope(b))) return false;
  if (a.sources.some((f) => b.sources.includes(f))) return true;
  const agree = (x: string | undefined, y: string | undefined): boolean => !x || !y || x === y;
  return (
    a.date !== undefined &&
    a.date === b.date &&
    a.image?.full !== undefined &&
    a.image.full === b.image?.full &&
    agree(a.node, b.node) &&
    agree(a.started_at, b.started_at)
  );
}

/**
 * The history with each baseline night it lacks: a dated run of one launch (a nightly, not
 * compare-pr's merged blocks) on the host, ROCm, release line and protocol of its series' latest
 * night in the history. A baseline unlike that night starts a regime of its own, which
 * baselineRegime says and handles (the prior, or the launch noise carried across a protocol change).
 */
function withBaselineNights(
  history: RunResults[] | undefined,
  baseline: readonly RunResults[],
): RunResults[] | undefined {
  if (!history?.length) return history;
  const oneLaunch = (r: RunResults): boolean => r.points.every((p) => p.repeats.every((x) => !x.labels?.launch));
  const latest = (b: RunResults): RunResults | undefined =>
    history
      .filter((h) => measuredAny(h) && scopeKey(runScope(h)) === scopeKey(runScope(b)))
      .sort((x, y) => (x.date ?? "").localeCompare(y.date ?? ""))
      .at(-1);
  const missing = baseline.filter((b) => {
    if (b.points.length === 0 || !/^\d{8}$/.test(b.date ?? "") || !oneLaunch(b)) return false;
    if (history.some((h) => sameRun(h, b))) return false;
    const last = latest(b);
    return last !== undefined && !metadataBreak(runRegimeKey(last), runRegimeKey(b));
  });
  return missing.length ? [...history, ...missing] : history;
}

/**
 * The history without the nights of a candidate's series dated after the candidate's night (dated
 * YYYYMMDD on both), and how many nights that left out per series.
 */
function beforeCandidate(
  history: RunResults[] | undefined,
  candidate: readonly RunResults[],
): { before: RunResults[] | undefined; later: Map<string, number> } {
  const later = new Map<string, Set<string>>();
  if (!history) return { before: history, later: new Map() };
  const dated = (d: string | undefined): d is string => /^\d{8}$/.test(d ?? "");
  const night = new Map<string, string>();
  // Per series, the candidate's latest night.
  for (const c of candidate) {
    const scope = scopeKey(runScope(c));
    const latest = night.get(scope);
    if (dated(c.date) && (latest === undefined || c.date > latest)) night.set(scope, c.date);
  }
  const before = history.filter((h) => {
    const scope = scopeKey(runScope(h));
    const limit = night.get(scope);
    if (!limit || !dated(h.date) || h.date <= limit) return true;
    later.set(scope, (later.get(scope) ?? new Set()).add(h.date));
    return false;
  });
  return { before, later: new Map([...later].map(([scope, nights]) => [scope, nights.size])) };
}

/** `mem_fraction_static 0.765 → 0.612, cuda_graph_max_bs 512 → 256`: launch settings both sides printed and that differ, or "". */
function settingsApart(base: readonly RunResults[], cand: readonly RunResults[]): string {
  return settingsChanged(base[base.length - 1]!.server_settings, cand[0]!.server_settings);
}

/**
 * How the sides' platforms differ (host, ROCm, repeats and prompts per point: what a nightly's regime is cut at,
 * the release aside — that is the code being compared), "" when alike or not known on both.
 */
function platformApart(base: readonly RunResults[], cand: readonly RunResults[]): string {
  // Repeats per launch: a merged side's blocks each ran the protocol once.
  const key = (r: RunResults) => ({ ...runRegimeKey(r), repeats: launchRepeats([r]), release: undefined });
  return metadataBreak(key(base[base.length - 1]!), key(cand[0]!));
}

/**
 * `generated tokens 160347 → 156136 (−2.6 %) at request_rate=1`: a point whose sides sent or generated
 * other token totals (the first steady repeat of each), "" when alike. bench_serving seeds its prompts:
 * on every real nightly the totals are identical night to night, except where bench_serving itself
 * changed (Grok-2 2025-12-11, a new length ratio: −2.6 % generated at rate 1) — then the workload moved,
 * not only the code. Apart = ≥ 1 % on some point.
 */
function workloadApart(base: readonly RunResults[], cand: readonly RunResults[]): string {
  const first = (runs: readonly RunResults[], key: string, metric: string): number | undefined =>
    runs
      .flatMap((r) => r.points.filter((p) => pointKey(p.point) === key))
      .flatMap((p) => p.repeats.filter((r) => !r.warmup))
      .map((r) => r.metrics[metric])
      .find((v): v is number => v !== undefined && v > 0);
  const moves: { pct: number; text: string }[] = [];
  const keys = new Set(base.flatMap((r) => r.points.map((p) => pointKey(p.point))));
  for (const key of keys) {
    for (const [metric, what] of [
      ["total_input_tokens", "input tokens"],
      ["total_output_tokens", "generated tokens"],
    ] as const) {
      const [a, b] = [first(base, key, metric), first(cand, key, metric)];
      if (a === undefined || b === undefined) continue;
      const pct = (b / a - 1) * 100;
      if (Math.abs(pct) >= 1)
        moves.push({
          pct,
          text: `${what} ${a} → ${b} (${pct > 0 ? "+" : "−"}${Math.abs(pct).toFixed(1)} %) at ${key}`,
        });
    }
  }
  return moves
    .sort((x, y) => Math.abs(y.pct) - Math.abs(x.pct))
    .slice(0, 2)
    .map((m) => m.text)
    .join(", ");
}

/**
 * A baseline night alone in its regime (the regime starts on it: a new host, release or protocol)
 * has no night of its kind to show whether it was a usual one: an odd main night then reads as a
 * change of the PR (Grok-2 2025-11-12, the first one-repeat night, 15 % slower than every night
 * after it). Said where it applies, not only in the footer.
 */
function loneBaselineNights(regime: RegimeHistory, baseline: readonly RunResults[]): string[] {
  return regime.learntFrom.flatMap((l) => {
    const base = baseline.find((b) => b.points.length > 0 && scopeKey(runScope(b)) === l.scope);
    if (!base) return [];
    const named = suiteLabel(base);
    const unseen = "no other night shows whether main's own launch was a usual one";
    const after = `${unseen}; its launch noise is the built-in prior's where there is one`;
    // Not in the history, and unlike its latest regime (another protocol, host or release).
    // (A dated night: a PR comparison's main launch is no night and need not match the nightlies' protocol.)
    if (l.baselineDiffers && base.date && !l.nights.includes(base.date))
      return [
        `${named}: main's night ${base.date} differs from the history's nights (${l.baselineDiffers}) — ${unseen}`,
      ];
    // Cut off from earlier nights of its series (not a history that holds only this night).
    if (l.nights.length !== 1 || l.nights[0] !== base.date || l.leftOut === 0) return [];
    const why = l.startReason ? ` (${l.startReason})` : "";
    return [
      `${named}: main's night ${base.date} starts its regime in the history${why} and is its only night — ${after}`,
    ];
  });
}

/** Compares candidate runs against baseline runs, suite by suite. */
export function compareRuns(baseline: RunResults[], candidate: RunResults[], opts: CompareOptions = {}): Comparison {
  const minEffectPct = opts.minEffectPct ?? DEFAULT_MIN_EFFECT_PCT;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  // Checked before any work: a bad rate must not surface after the cells are judged.
  const falseDiscoveryRate =
    opts.falseDiscoveryRate === false ? false : checkedRate(opts.falseDiscoveryRate ?? DEFAULT_FALSE_DISCOVERY_RATE);
  // The candidate is what is judged: its own runs in the history (a whole nightly folder given as
  // --history) would be learnt from as noise. Nor is anything after it: a PR comparison has no later
  // nights, the rates in docs/verdicts.md were measured without them, and a verdict must not change
  // when later nights are added to the folder.
  const { before: beforeRuns, later } = beforeCandidate(
    opts.history?.filter((h) => !candidate.some((c) => sameRun(h, c))),
    candidate,
  );
  const comparedScopes = new Set([...baseline, ...candidate].map((r) => scopeKey(runScope(r))));
  // The baseline night is a night of its series: history is cut and learnt with it whether or not
  // --history lists it too. Without it, two nights after a real step were too few for the detector
  // and the baseline's regime spanned the step (DeepSeek 11-21 +40 %, baseline 11-23: ±900 %).
  const pastRuns = withBaselineNights(beforeRuns, baseline);
  // The history's regimes, split once: the baseline's regime and the launch tails both read them.
  const regimes = pastRuns?.length && opts.detectChanges ? splitRegimes(pastRuns, opts.detectChanges) : undefined;
  const regime =
    !opts.noise && pastRuns && pastRuns.length > 0 && opts.regimes !== false
      ? baselineRegime(pastRuns, baseline, opts.detectChanges, regimes)
      : undefined;
  const history = regime?.runs ?? pastRuns ?? [];
  // GSM8K's launch spread is learnt from the same regime as every other cell's noise. A GSM8K check
  // by design (no benchmark point: a DP-attention nightly) has no regime — regimes are cut on the
  // points — so its series' past checks are its history.
  const checks = new Set(baseline.filter((r) => r.points.length === 0).map((r) => scopeKey(runScope(r))));
  const gsm8kHistory = [
    ...history,
    ...(pastRuns ?? []).filter((r) => r.points.length === 0 && checks.has(scopeKey(runScope(r)))),
  ];
  const full = {
    ...opts,
    ...(pastRuns ? { history: gsm8kHistory } : {}),
    minEffectPct,
    confidence,
    defaultGsm8kQuestions: opts.defaultGsm8kQuestions ?? 200,
  };
  const noise = opts.noise ?? (history.length > 0 ? learnNoise(history) : undefined);
  const shipped = opts.prior === false ? undefined : (opts.prior ?? PRIOR_NOISE);
  const prior =
    shipped && opts.ownPrior && pastRuns?.length && regime
      ? withOwnPrior(shipped, pastRuns, baseline, regime.runs, opts.detectChanges ?? (() => []))
      : shipped;
  // The heavy tail and the drift between launches from the whole history (every regime: a property
  // of the platform), when it holds enough quiet nights; otherwise the prior's (launch-tails.ts).
  const shapes = pastRuns?.length ? learnLaunchShapes(pastRuns, opts.detectChanges, regimes) : undefined;
  const suites: SuiteComparison[] = [];
  const mismatches: string[] = [];
  const caveats: string[] = regime ? loneBaselineNights(regime, baseline) : [];
  const priorUsed = new Set<string>();

  for (const { base, cand } of pairRuns(baseline, candidate)) {
    const ref = cand[0] ?? base[0]!;
    const common = { suite: ref.suite, model: modelName(ref), mode: ref.mode };
    const mismatch = base.length > 0 && cand.length > 0 ? mismatchOf(base, cand) : undefined;
    // How every sentence about this pairing names it: `deepseek-online (dp_attention)`.
    const named = suiteLabel(ref);
    if (mismatch) mismatches.push(`${named}: ${mismatch} — no verdicts`);
    // A suite only one side's folders hold (a variant the other night did not run): nothing to compare,
    // and nothing failed — compare-pr records a side that did not run as a failed run, never as none.
    if (base.length === 0 || cand.length === 0) {
      const [has, lacks] = base.length > 0 ? ["main", "PR"] : ["PR", "main"];
      const cell = notCompared(
        failureCell(common, {}, ""),
        `only ${has} has a run of ${named} (the ${lacks} side's input holds none)`,
      );
      suites.push({ ...suiteHeader(ref, common.model, base, cand, mismatch), cells: [cell] });
      continue;
    }
    // The same run read twice: same identity and the same values (not a run rewritten as a test's PR).
    // Its repeats are judged as one launch's: no launch noise lies between a run and itself.
    const readTwice = cand.every((c) => base.some((b) => sameRun(b, c) && samePoints(b, c)));
    if (readTwice)
      caveats.push(`${named}: main and PR are the same run read twice — any difference shown is not a change`);
    // A repeat that failed at a point whose other repeats measured it: judged on those, and said.
    for (const [side, runs] of [
      ["main", base],
      ["PR", cand],
    ] as const) {
      const lost = partialFailures(runs);
      if (lost) caveats.push(`${named}: ${side} lost ${lost} — judged on the point's other repeats`);
      const short = shortPoints(runs);
      if (short) caveats.push(`${named}: ${side} ran ${short}, no failure recorded — judged on the runs it has`);
    }
    // Launched with other memory or batching settings: what they size (the KV cache) is not the code's doing.
    const launched = !mismatch && base.length > 0 && cand.length > 0 ? settingsApart(base, cand) : "";
    if (launched)
      caveats.push(
        `${named}: main and PR launched the server with other settings (${launched}) — part of any change may come from that, not from the code`,
      );
    const apart = !mismatch && base.length > 0 && cand.length > 0 ? platformApart(base, cand) : "";
    if (apart)
      caveats.push(
        `${named}: main and PR differ by ${apart} — part of any change may come from that, not from the code`,
      );
    const workload = !mismatch && base.length > 0 && cand.length > 0 ? workloadApart(base, cand) : "";
    if (workload)
      caveats.push(
        `${named}: main and PR ran another workload (${workload}) — bench_serving or its dataset changed; part of any change may come from that, not from the code`,
      );
    const bSide = collectSide(base);
    const cSide = collectSide(cand);
    // One repeats-per-point protocol on both sides: a point with fewer repeats lost them to failures.
    const sameProtocol = launchRepeats(base) === launchRepeats(cand);
    const keys = [...new Set([...bSide.keys(), ...cSide.keys()])];
    const points = keys
      .map((k) => ({ key: k, point: (cSide.get(k) ?? bSide.get(k))!.point }))
      .sort((x, y) => comparePoints(x.point, y.point));
    const cells: ComparisonCell[] = [];
    const evidence = new Map<ComparisonCell, CellEvidence>();
    const dfs = new Map<ComparisonCell, number>();
    for (const { key, point } of points) {
      const b = bSide.get(key);
      const c = cSide.get(key);
      const bFail = !b || b.values.size === 0 ? (b?.failure ?? sideFailure(base)) : undefined;
      const cFail = !c || c.values.size === 0 ? (c?.failure ?? sideFailure(cand)) : undefined;
      if (bFail || cFail) {
        const reason = [bFail ? `main: ${bFail}` : "", cFail ? `PR: ${cFail}` : ""].filter(Boolean).join("; ");
        // Sides of different models or hardware have different points: not a failure, not compared.
        const cell = failureCell(common, point, reason);
        if (mismatch) notCompared(cell, mismatch);
        cells.push(cell);
        continue;
      }
      for (const m of COMPARED_METRICS) {
        const bv = b!.values.get(m.key);
        const cv = c!.values.get(m.key);
        if (!bv?.length && !cv?.length) continue;
        const cell: ComparisonCell = {
          ...common,
          kind: "metric",
          point,
          metric: m.key,
          better: m.better,
          baseline: { values: (bv ?? []).map((o) => o.value) },
          candidate: { values: (cv ?? []).map((o) => o.value) },
          change_pct: null,
          interval: null,
          verdict: "inconclusive",
          reason: "",
        };
        if (!bv?.length || !cv?.length) {
          cell.reason = oneSided(bv?.length ? "main" : "PR", metricInfo(m.key).display);
        } else if (mismatch) {
          cell.change_pct = (mean(cell.candidate.values) / mean(cell.baseline.values) - 1) * 100;
          notCompared(cell, mismatch);
        } else {
          const learnt = lookupNoise(noise, runScope(ref), point, m.key);
          const history = withLaunchShape(
            withPrior(learnt, prior && priorNoise(runScope(ref), point, m.key, prior)),
            lookupShape(shapes, ref, m.key),
          );
          if (history?.priorSource) priorUsed.add(history.priorSource.replace(/ at .*$/, ""));
          const requestSides = [b!.requests.get(m.key), c!.requests.get(m.key)];
          const companionKey = companionMetric(m.key) ?? m.key;
          const v =
            (requestSides[0] && requestSides[1]
              ? decideRequestCell(requestSides[0], requestSides[1], m.key, metricInfo(m.key).better, {
                  minEffectPct,
                  confidence,
                  history,
                  companion: withPrior(
                    lookupNoise(noise, runScope(ref), point, companionKey),
                    prior && priorNoise(runScope(ref), point, companionKey, prior),
                  ),
                  sameRun: opts.sameRun || readTwice,
                })
              : undefined) ??
            decideCell(bv, cv, metricInfo(m.key).better, {
              minEffectPct,
              confidence,
              history,
              sameRun: opts.sameRun || readTwice,
              sameProtocol,
              historyGiven: (opts.history?.length ?? 0) > 0,
            });
          Object.assign(cell, {
            baseline: { values: v.used.baseline },
            candidate: { values: v.used.candidate },
            change_pct: v.change_pct,
            interval: v.interval,
            verdict: v.verdict,
            reason: v.reason,
            ...(v.equivalence ? { equivalence: v.equivalence } : {}),
            ...(v.positionsCorrected ? { positions_corrected: true } : {}),
          });
          if (v.evidence) evidence.set(cell, v.evidence);
          dfs.set(cell, v.df);
        }
        cells.push(cell);
      }
    }
    if (opts.poolPoints !== false) poolUndecided(cells, evidence, dfs, minEffectPct, confidence);
    // Dozens of cells per suite: keep the expected share of its flags that are noise at q (discoveries.ts).
    if (falseDiscoveryRate !== false)
      controlFalseDiscoveries(
        [...dfs].map(([cell, df]) => ({ cell, df })),
        confidence,
        falseDiscoveryRate,
        minEffectPct,
      );
    // A suite that measured no point failed, whatever else (KV cache, GSM8K) it logged: never ⚪ —
    // unless both sides are GSM8K checks by design (a DP-attention nightly skips the serving
    // benchmarks): GSM8K and nothing failed on either side.
    if (points.length === 0 && !(isGsm8kCheck(base) && isGsm8kCheck(cand))) {
      cells.push(
        failureCell(common, {}, `no benchmark point ran — main: ${noPointsCause(base)}; PR: ${noPointsCause(cand)}`),
      );
    }
    if (base.length > 0 && cand.length > 0) {
      // KV-cache capacity of a side that measured nothing would read ⚪ next to its ❌: left out.
      const measured = (runs: RunResults[]): boolean => runs.some((r) => r.points.some((p) => p.repeats.length > 0));
      const kv = measured(base) && measured(cand) ? kvCells(base, cand, common, minEffectPct, launched) : [];
      const extra = [gsm8kCell(base, cand, common, full), ...kv].filter((x): x is ComparisonCell => x !== undefined);
      for (const cell of extra) {
        if (mismatch) notCompared(cell, mismatch);
        cells.push(cell);
      }
    }
    const crash = !mismatch && !cells.some((x) => x.verdict === "failed") ? prOnlyCrash(base, cand) : undefined;
    if (crash) cells.push(failureCell(common, crash.point ?? {}, crash.reason));
    suites.push({ ...suiteHeader(ref, common.model, base, cand, mismatch), cells });
  }
  suites.sort((a, b) => suiteKey(a).localeCompare(suiteKey(b)));
  const cells = suites.flatMap((s) => s.cells);
  for (const c of cells) if (c.change_pct !== null) c.direction = changeDirection(c.metric, c.change_pct);
  return {
    suites,
    cells,
    summary: summarize(cells),
    mismatches,
    ...(caveats.length > 0 ? { caveats } : {}),
    settings: {
      minEffectPct,
      confidence,
      gsm8kThreshold: opts.gsm8kThreshold,
      // The runs of the compared series learnt from, not every run read.
      historyRuns: history.filter((h) => comparedScopes.has(scopeKey(runScope(h)))).length,
      ...(falseDiscoveryRate !== false ? { falseDiscoveryRate } : {}),
    },
    ...(regime
      ? {
          learntFrom: regime.learntFrom.map((l) => ({
            ...l,
            ...(later.get(l.scope) ? { afterCandidate: later.get(l.scope)! } : {}),
            ...(shapes?.has(l.scope)
              ? { shapesFrom: pastRuns!.filter((r) => r.points.length > 0 && scopeKey(runScope(r)) === l.scope).length }
              : {}),
          })),
        }
      : {}),
    ...(priorUsed.size > 0 ? { priorUsed: [...priorUsed].sort() } : {}),
  };
}

const suiteKey = (s: Pick<SuiteComparison, "model" | "suite" | "mode">): string =>
  `${s.model}|${s.suite}|${s.mode ?? ""}`;

/**
 * One comparison from comparisons of separate suites (compare-pr's matrix jobs): every suite keeps
 * the verdicts its job gave it with that job's history — they are judged suite by suite, the false
 * discoveries too, so nothing changes by putting them side by side. Undefined when two parts judge
 * the same suite or were judged by different rules (then the runs must be compared again).
 */
export function joinComparisons(parts: readonly Comparison[]): Comparison | undefined {
  const [first] = parts;
  if (!first) return undefined;
  const suites = parts.flatMap((p) => p.suites);
  if (new Set(suites.map(suiteKey)).size !== suites.length) return undefined;
  const rule = (c: Comparison) =>
    JSON.stringify([
      c.settings.minEffectPct,
      c.settings.confidence,
      c.settings.gsm8kThreshold,
      c.settings.falseDiscoveryRate,
    ]);
  if (parts.some((p) => rule(p) !== rule(first))) return undefined;
  suites.sort((a, b) => suiteKey(a).localeCompare(suiteKey(b)));
  const cells = suites.flatMap((s) => s.cells);
  const learntFrom = parts.flatMap((p) => p.learntFrom ?? []);
  const priorUsed = [...new Set(parts.flatMap((p) => p.priorUsed ?? []))].sort();
  return {
    suites,
    cells,
    summary: summarize(cells),
    mismatches: parts.flatMap((p) => p.mismatches),
    ...(parts.some((p) => p.caveats?.length) ? { caveats: parts.flatMap((p) => p.caveats ?? []) } : {}),
    settings: { ...first.settings, historyRuns: parts.reduce((n, p) => n + p.settings.historyRuns, 0) },
    ...(learntFrom.length > 0 ? { learntFrom } : {}),
    ...(priorUsed.length > 0 ? { priorUsed } : {}),
  };
}

/** A ❌ cell for a point (or a whole suite) that did not run, with its cause. */
export function failureCell(
  common: Pick<ComparisonCell, "model" | "suite" | "mode">,
  point: ComparisonCell["point"],
  reason: string,
): ComparisonCell {
  return {
    ...common,
    kind: "failure",
    point,
    metric: "run",
    better: "none",
    baseline: { values: [] },
    candidate: { values: [] },
    change_pct: null,
    interval: null,
    verdict: "failed",
    reason,
  };
}
