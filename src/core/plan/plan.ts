/**
 * Planning a compare-pr request (pure): which suites run on which side, whether the main side can be
 * reused from history (proved by a short anchor), how many repeats each PR point needs given the noise
 * the history shows, and what it all costs in GPU-minutes next to the original scripts' "build both,
 * run everything twice" approach.
 */
import {
  COMPARED_METRICS,
  modelKeyFor,
  parseImage,
  pointMinutes,
  pointNoise,
  SUITES,
  suiteForHardware,
  suitePoints,
  type Suite,
} from "../catalogue/index.js";
import { pointKey, type Point, type RunResults } from "../results/index.js";
import { describeLayout, layoutRates } from "./launch-rates.js";
import { median } from "../verdict/index.js";
import { DEFAULT_REQUEST } from "../request/index.js";

/** One measured point of a suite with its wall minutes per repeat. */
export interface PlanPoint {
  /** `pointKey(point)`, e.g. `request_rate=4` or `tp=8,batch_size=32,…`: the key of maps below. */
  key: string;
  /** The point's coordinates (what the runner selects by; never parsed back from the key). */
  point: Point;
  minutes: number;
}

/** One benchmark suite as the planner sees it (built from the catalogue by `planSuiteFrom`). */
export interface PlanSuite {
  /** The runner's suite id, e.g. `grok-offline-normal`. */
  id: string;
  model: string;
  kind: "offline" | "online";
  /** Offline mode (`normal`, `long_context`, `dummy`); online suites have none. */
  mode?: "normal" | "long_context" | "dummy";
  /** GPUs the suite occupies (MI300X nodes have 8). */
  gpus: number;
  /** Model load / server start, in minutes. */
  startupMinutes: number;
  /** Offline: every bench_one_batch process loads the model again, so startup is paid per point and repeat. */
  startupPerRun: boolean;
  /** GSM8K gate minutes (online only; the original compare-pr skipped it, sglbench keeps it on the PR side). */
  gsm8kMinutes: number;
  points: PlanPoint[];
  /** Runs per point in the original scripts (online: best of 3; offline: 1). */
  seedRepeats: number;
  /** Typical relative noise (%) per point from real MI300X nightlies, for what-if plans without history. */
  typicalNoisePct?: Record<string, number>;
  /** How stored runs spell the model: its folder name (`GROK1`, `DeepSeek-V3-0324`); absent: `model`. */
  modelName?: string;
  /** The catalogue model key (`grok1`, `deepseek`): what a run's model name or alias resolves to. */
  modelKey?: string;
  /** The model's variant as run folders spell it (`MOE-I4F8`, `FP8`). */
  modelVariant?: string;
  /** The catalogue variant the suite serves with (`dp_attention`); absent: the plain serving set-up. */
  servingVariant?: string;
}

/** Measured timings that override the catalogue's (minutes). */
export interface SuiteTiming {
  startupMinutes?: number;
  gsm8kMinutes?: number;
  /** pointKey → minutes per repeat. */
  pointMinutes?: Record<string, number>;
}

/** A stored run the planner may reuse as the baseline, or learn noise from. */
export interface HistoryRun {
  suiteId: string;
  imageCommit: string;
  configHash: string;
  hardware: string;
  backend: string;
  ageHours: number;
  /** pointKey → relative noise (%) between this run's repeats (see `pointNoisePct`). */
  noisePct?: Record<string, number>;
  /** The points it measured (pointKey): a reused baseline's anchor must be one of them. */
  measuredPoints?: string[];
  /** Launches of main it holds when more than one (an earlier request's kept main: its blocks). */
  launches?: number;
}

export interface PlanRequest {
  pr: number;
  models: string[];
  types: Array<"offline" | "online">;
  /** Offline modes to run (default `normal`); online suites ignore it. */
  modes?: string[];
  /** Repeats requested per point: the most the PR side runs; fewer where history shows low noise. */
  repeats: number;
  /** Whether `repeats` was asked for (`--repeats`, `repeats:`) or is the default; absent: not known. */
  repeatsFrom?: "asked" | "default";
  baseline: "nightly" | "rerun";
  /** The merge base's commit, or UNKNOWN_MERGE_BASE. */
  mergeBaseCommit: string;
  configHash: string;
  hardware: string;
  backend: string;
  /** Oldest history (hours) that still counts as a fresh baseline. */
  maxBaselineAgeHours: number;
  /** Minutes to build one SGLang image; 0 when images are given (`--skip-build`). */
  buildMinutes: number;
  /** True when the merge-base image already exists (tag by commit) so it needs no build. */
  mainImageExists: boolean;
  /** Smallest change worth detecting, in % (default 2). */
  minEffectPct?: number;
}

export type MainSideAction =
  | {
      action: "reuse";
      historyAgeHours: number;
      anchorPoint: string;
      anchorPoints: number;
      measuredPoints?: string[];
      /** Launches the reused main holds when more than one (an earlier request's): no nightlies join it. */
      baselineLaunches?: number;
    }
  | { action: "full"; reason: string };

export interface SuitePlan {
  suiteId: string;
  main: MainSideAction;
  prPoints: number;
  /** pointKey → repeats on the PR side (and on main when it runs in full). */
  repeats: Record<string, number>;
  /** Where the repeat counts came from. */
  noiseSource: "history" | "typical" | "none";
  /**
   * Typical noise was asked for (a what-if) but is not known for the request's hardware: the
   * catalogue's figures come from MI300X nightlies only. The hardware as asked (`mi355x`).
   */
  typicalNoiseUnknownOn?: string;
  gpuMinutes: number;
  /**
   * Server launches per point on each side (the fewest over the suite's points); a reused nightly
   * baseline is 1 launch. Main and PR are always separate launches, so the verdict adds
   * between-launch noise (history or the built-in prior); with ≥ 2 launches on a side it also
   * measures it from the spread between that side's blocks (docs/verdicts.md, "Between launches").
   */
  launches: { main: number; pr: number };
  /**
   * The suite's points grouped by the launches their blocks give them (most first): points with
   * different repeat counts run in different blocks, so one suite can hold 2 + 2 and 1 + 1 points.
   * A reused baseline counts as 1 launch of main (its regime companions are not known here).
   */
  layouts: LaunchLayout[];
  /** The runSuite calls compare-pr makes for the suite, in order (the anchor first when main is reused). */
  schedule: ScheduleStep[];
  kind: "offline" | "online";
}

/** Points that get the same number of server launches on each side. */
export interface LaunchLayout {
  main: number;
  pr: number;
  points: string[];
}

export interface Plan {
  suites: SuitePlan[];
  builds: Array<"main" | "pr">;
  gpuMinutes: number;
  /** GPU-minutes of the image builds (part of `gpuMinutes`): the build minutes × the node's GPUs, per image. */
  buildGpuMinutes: number;
  /** What compare_pr_performance.sh would have spent: two builds and every suite run twice, once each. */
  seedGpuMinutes: number;
  /**
   * Order of a group of ≥ 2 repeats when both sides run fully (interleaved to cancel drift on the
   * node); a group of one repeat runs main, PR. Each suite's `schedule` is the order it really runs.
   */
  interleave: Array<"main" | "pr">;
}

/** The model name requests use for a suite (`grok` for Grok-1, as the PR commands say it). */
function requestModel(suite: Suite): string {
  return suite.model === "grok1" ? "grok" : (suite.modelKey ?? suite.model);
}

/** A catalogue suite as the planner sees it: typed points, timings and noise from the catalogue. */
export function planSuiteFrom(suite: Suite): PlanSuite {
  const points = suitePoints(suite).map((p) => ({ key: pointKey(p), point: p, minutes: pointMinutes(suite, p) }));
  const noise = Object.fromEntries(
    points.flatMap((p) => {
      const n = pointNoise(suite, p.point);
      return n === undefined ? [] : [[p.key, n] as const];
    }),
  );
  return {
    id: suite.id,
    model: requestModel(suite),
    kind: suite.kind,
    ...(suite.kind === "offline" ? { mode: suite.mode } : {}),
    gpus: suite.tp,
    startupMinutes: suite.timing.startupMinutes,
    startupPerRun: suite.timing.startupPerRun,
    gsm8kMinutes: suite.gsm8k ? suite.timing.gsm8kMinutes : 0,
    points,
    seedRepeats: suite.kind === "online" ? suite.repeats : 1,
    ...(Object.keys(noise).length ? { typicalNoisePct: noise } : {}),
    modelName: suite.modelName,
    modelKey: suite.modelKey ?? suite.model,
    modelVariant: suite.variant,
    ...(suite.variantKey ? { servingVariant: suite.variantKey } : {}),
  };
}

/** What a stored run says about its set-up (RunResults fields). */
export type StoredRunSetup = Pick<RunResults, "kind" | "suite" | "mode" | "model">;

/** Does a run's model name (folder name, catalogue key or alias) name the suite's model? */
function sameModel(suite: PlanSuite, name: string): boolean {
  const lower = name.toLowerCase();
  if ((suite.modelName ?? suite.model).toLowerCase() === lower) return true;
  const key = modelKeyFor(name);
  return key !== undefined && key === (suite.modelKey ?? suite.model);
}

/** Does a run's set-up match the suite's: kind, model (and its variant), offline mode or serving variant? */
function runMeasured(suite: PlanSuite, run: StoredRunSetup): boolean {
  if (run.kind !== suite.kind || !sameModel(suite, run.model.name)) return false;
  const variant = run.model.variant?.toLowerCase();
  if (variant && suite.modelVariant && variant !== suite.modelVariant.toLowerCase()) return false;
  // Offline runs carry their mode (normal, long_context, dummy); online runs a serving variant or none.
  return suite.kind === "offline"
    ? (run.mode || "normal") === (suite.mode ?? "normal")
    : (run.mode ?? "") === (suite.servingVariant ?? "");
}

/**
 * The catalogue suite a stored run measured, if any. Stored suite ids name only the family (ingest
 * files Grok-1 and Grok-2 both under `grok-online`, and a DeepSeek DP-attention check under
 * `deepseek-online` with its mode), so the run counts for the suite of the same model and the same
 * offline mode or serving variant (the plain one when the run has none). Of several such suites the
 * one with the run's suite id wins; none, or several without it, leave the run out.
 */
export function planSuiteForRun<S extends PlanSuite>(run: StoredRunSetup, catalogue: readonly S[]): S | undefined {
  const candidates = catalogue.filter((suite) => runMeasured(suite, run));
  if (candidates.length <= 1) return candidates[0];
  return candidates.find((suite) => suite.id === run.suite);
}

/**
 * Default catalogue: the base suites (no variants) of catalogue/sglbench-catalogue.yaml, whose timings
 * come from the real MI300X nightlies (timing_summary logs: DeepSeek 2025-10-16, GROK2 2025-11-13).
 */
export const DEFAULT_PLAN_SUITES: PlanSuite[] = SUITES.filter((s) => !s.variantKey).map(planSuiteFrom);

/**
 * The base suites as they run on one hardware (either spelling; none or unknown: the catalogue's own
 * points): the Grok online suites on MI355X plan rates 1–8, the points its nightlies measure.
 */
export function planSuitesFor(suites: readonly Suite[], hardware: string | undefined): PlanSuite[] {
  const folder = folderHardware(hardware);
  return suites.filter((s) => !s.variantKey).map((s) => planSuiteFrom(suiteForHardware(s, folder)));
}

/** The suites a request selects: its models and types, and for offline suites its modes (default `normal`). */
export function selectSuites<S extends PlanSuite>(
  catalogue: readonly S[],
  request: { models: string[]; types: string[]; modes?: string[] },
): S[] {
  const modes = request.modes?.length ? request.modes : ["normal"];
  return catalogue.filter(
    (s) =>
      request.models.includes(s.model) &&
      request.types.includes(s.kind) &&
      (s.kind !== "offline" || modes.includes(s.mode ?? "normal")),
  );
}

/** The merge base when it is not known (no `--merge-base`, or compare-pr could not resolve it). */
export const UNKNOWN_MERGE_BASE = "unknown";

/** The anchor is one point per suite (the cheapest): enough to show the baseline still reproduces. */
export const ANCHOR_POINTS = 1;
export const DEFAULT_MIN_EFFECT_PCT = 2;

/**
 * Repeats per side needed to detect `minEffectPct` given a point's relative noise: a two-sample test at
 * one-sided 5 % with 80 % power needs n ≥ 2·((1.645 + 0.842)·σ/δ)². Clamped to [1, max]; unknown noise → max.
 */
export function repeatsForNoise(noisePct: number | undefined, minEffectPct: number, max: number): number {
  if (noisePct === undefined || !Number.isFinite(noisePct)) return max;
  const n = Math.ceil(2 * ((2.487 * noisePct) / minEffectPct) ** 2);
  return Math.min(max, Math.max(1, n));
}

/**
 * A point's noise in one run: the median, over the compared metrics, of the coefficient of variation (%)
 * between its non-warm-up repeats. Points with fewer than two repeats have no noise figure.
 */
export function pointNoisePct(run: RunResults): Record<string, number> {
  const noise: Record<string, number> = {};
  for (const p of run.points) {
    const repeats = p.repeats.filter((r) => !r.warmup);
    const cvs: number[] = [];
    for (const metric of COMPARED_METRICS) {
      const xs = repeats.map((r) => r.metrics[metric.key]).filter((x): x is number => Number.isFinite(x));
      if (xs.length < 2) continue;
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      if (mean === 0) continue;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      cvs.push(Math.abs((100 * sd) / mean));
    }
    if (cvs.length === 0) continue;
    cvs.sort((a, b) => a - b);
    const mid = Math.floor(cvs.length / 2);
    noise[pointKey(p.point)] = cvs.length % 2 ? cvs[mid]! : (cvs[mid - 1]! + cvs[mid]!) / 2;
  }
  return noise;
}

/** Two commit ids name the same commit when one is a prefix of the other (short vs full SHA). */
export function sameCommit(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  if (a === b) return true;
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

/** The seed's folder spelling of each hardware sglbench knows (the catalogue's per-hardware keys). */
const FOLDER_HARDWARE: Record<string, string> = { mi30x: "mi300x", mi35x: "mi355x" };

/** The hardware sglbench knows, as it says them (`mi30x` / `mi35x`, the folder spellings, mean the same). */
export const KNOWN_HARDWARE: readonly string[] = Object.values(FOLDER_HARDWARE);

/** The hardware the catalogue's typical noise per point was measured on (the real MI300X nightlies). */
export const TYPICAL_NOISE_HARDWARE = "mi300x";

/** The seed names the MI300X family `mi30x` and MI355X `mi35x`; sglbench says `mi300x` / `mi355x`. */
export function normalizeHardware(hardware: string | undefined): string {
  const h = (hardware ?? "").toLowerCase();
  return FOLDER_HARDWARE[h] ?? h;
}

/** The seed's (and the catalogue's) spelling, `mi30x` for `mi300x` or `mi30x`; undefined when not known. */
export function folderHardware(hardware: string | undefined): string | undefined {
  const h = normalizeHardware(hardware);
  return Object.keys(FOLDER_HARDWARE).find((k) => FOLDER_HARDWARE[k] === h);
}

/**
 * The GPUs a PR comparison runs on, in the catalogue's spelling: the one given (either spelling),
 * else what the main image's tag names (`…-rocm700-mi35x-…`), else the catalogue's own (MI300X, as
 * `sglbench plan` assumes): sglbench's own builds name none, and a comparison without hardware has no
 * built-in prior. Undefined only for a given name that is no known hardware.
 */
export function comparisonHardware(given: string | undefined, mainImage: string | undefined): string | undefined {
  return folderHardware(given || parseImage(mainImage ?? "").hardware || TYPICAL_NOISE_HARDWARE);
}

/** `MI300X` for `mi300x` or `mi30x`: the hardware as a reader says it. */
export const hardwareName = (hardware: string): string => normalizeHardware(hardware).toUpperCase();

/**
 * Same suite, config, hardware and backend; an empty hardware/backend in the request accepts any, and
 * a run that names no hardware is taken as this node's (compare-pr's history is the runner's own disk).
 */
const sameSetup = (request: PlanRequest, suiteId: string) => (h: HistoryRun) =>
  h.suiteId === suiteId &&
  h.configHash === request.configHash &&
  (!request.hardware || !h.hardware || normalizeHardware(h.hardware) === normalizeHardware(request.hardware)) &&
  (!request.backend || h.backend === request.backend);

/** The history run that may stand in for the main side, if any: same merge-base image, setup, fresh enough. */
export function findReusableBaseline(
  request: PlanRequest,
  suiteId: string,
  history: HistoryRun[],
): HistoryRun | undefined {
  if (request.baseline !== "nightly") return undefined;
  return history
    .filter(sameSetup(request, suiteId))
    .filter((h) => sameCommit(h.imageCommit, request.mergeBaseCommit) && h.ageHours <= request.maxBaselineAgeHours)
    .sort((a, b) => a.ageHours - b.ageHours)[0];
}

/** How many of the youngest runs with a noise figure a point's noise is the median of. */
export const NOISE_HISTORY_RUNS = 5;

/**
 * Noise per point from history (any commit: noise belongs to the setup): the median of the figures the
 * point has in the NOISE_HISTORY_RUNS youngest runs of the same setup that measured it. Per point, so a
 * run that measured only some points (a crashed night) leaves the others to older runs; a median, so
 * one odd night does not set the repeats.
 */
function historyNoise(
  request: PlanRequest,
  suiteId: string,
  history: HistoryRun[],
): Record<string, number> | undefined {
  const youngestFirst = history.filter(sameSetup(request, suiteId)).sort((a, b) => a.ageHours - b.ageHours);
  const figures = new Map<string, number[]>();
  for (const run of youngestFirst)
    for (const [key, pct] of Object.entries(run.noisePct ?? {})) {
      const list = figures.get(key) ?? [];
      if (list.length < NOISE_HISTORY_RUNS && Number.isFinite(pct)) figures.set(key, [...list, pct]);
    }
  if (figures.size === 0) return undefined;
  return Object.fromEntries([...figures].map(([key, list]) => [key, median(list)]));
}

function resolveTiming(suite: PlanSuite, timing: SuiteTiming | undefined) {
  return {
    startup: timing?.startupMinutes ?? suite.startupMinutes,
    gsm8k: timing?.gsm8kMinutes ?? suite.gsm8kMinutes,
    minutes: (p: PlanPoint) => timing?.pointMinutes?.[p.key] ?? p.minutes,
  };
}

/** Most earlier nightlies of its regime a reused baseline is joined by as launches of main (pipeline/regime-history.ts). */
export const MAX_BASELINE_COMPANIONS = 2;

/** One runSuite call of the schedule. */
export interface ScheduleStep {
  side: "main" | "pr";
  /** Point keys to run (all points of the suite when empty). */
  points: string[];
  repeats: number;
  /** GSM8K runs once per side, with its first block. */
  gsm8k: boolean;
  /** 1-based block number of this side, used to name its folder. */
  block: number;
}

/**
 * The blocks of one suite. Repeats per point come from the plan; points with the same count run
 * together. When main runs too, each group runs main, PR, PR, main (ABBA) so slow drift of the node
 * cancels out of the difference; a single repeat can only run main, PR. With main reused, a group of
 * ≥ 2 repeats still runs the PR in two launches (its repeats split, one more server start): the
 * spread between them measures the launch noise on the spot, and an odd launch (5–24 % of launches
 * on the real nightlies are off by 2–8 %) shows instead of passing for a change — on the real
 * nightlies ×1.10 caught 82 % instead of 68 % at the same 1.6 % A/A (docs/verdicts.md).
 */
export function scheduleSuite(repeats: Record<string, number>, mainRuns: boolean): ScheduleStep[] {
  const groups = new Map<number, string[]>();
  for (const [key, n] of Object.entries(repeats)) groups.set(n, [...(groups.get(n) ?? []), key]);
  const steps: ScheduleStep[] = [];
  const blocks = { main: 0, pr: 0 };
  const gsm8kDone = { main: false, pr: false };
  const add = (side: "main" | "pr", points: string[], n: number) => {
    if (n <= 0) return;
    steps.push({ side, points, repeats: n, gsm8k: !gsm8kDone[side], block: ++blocks[side] });
    gsm8kDone[side] = true;
  };
  for (const [n, points] of [...groups.entries()].sort((a, b) => b[0] - a[0])) {
    if (!mainRuns) {
      add("pr", points, Math.ceil(n / 2));
      add("pr", points, n - Math.ceil(n / 2));
    } else if (n === 1) {
      add("main", points, 1);
      add("pr", points, 1);
    } else {
      const first = Math.ceil(n / 2);
      add("main", points, first);
      add("pr", points, first);
      add("pr", points, n - first);
      add("main", points, n - first);
    }
  }
  return steps;
}

/** Node minutes of a list of steps (one side or both). */
function stepsMinutes(suite: PlanSuite, t: ReturnType<typeof resolveTiming>, steps: ScheduleStep[]): number {
  const byKey = new Map(suite.points.map((p) => [p.key, p]));
  return steps.reduce((sum, step) => {
    const work = step.points.reduce((acc, key) => {
      const p = byKey.get(key);
      return acc + (p ? step.repeats * (t.minutes(p) + (suite.startupPerRun ? t.startup : 0)) : 0);
    }, 0);
    return sum + work + (suite.startupPerRun ? 0 : t.startup) + (step.gsm8k ? t.gsm8k : 0);
  }, 0);
}

/** The fewest server launches (blocks) any point of the suite gets on one side. */
function launchesPerPoint(suite: PlanSuite, steps: ScheduleStep[], side: "main" | "pr"): number {
  const counts = suite.points.map(
    (p) => steps.filter((s) => s.side === side && (s.points.length === 0 || s.points.includes(p.key))).length,
  );
  return counts.length ? Math.min(...counts) : 0;
}

/** The suite's points grouped by their launches per side (a reused baseline: 1 launch of main). */
function launchLayouts(suite: PlanSuite, steps: ScheduleStep[], mainReused: boolean): LaunchLayout[] {
  const count = (key: string, side: "main" | "pr") =>
    steps.filter((s) => s.side === side && (s.points.length === 0 || s.points.includes(key))).length;
  const layouts: LaunchLayout[] = [];
  for (const p of suite.points) {
    const main = mainReused ? 1 : count(p.key, "main");
    const pr = count(p.key, "pr");
    const same = layouts.find((l) => l.main === main && l.pr === pr);
    if (same) same.points.push(p.key);
    else layouts.push({ main, pr, points: [p.key] });
  }
  return layouts.sort((a, b) => b.main + b.pr - (a.main + a.pr));
}

/** The most repeats per point the default request asks. */
const DEFAULT_MOST_REPEATS = DEFAULT_REQUEST.repeats;

/**
 * Against a reused nightly, a point whose noise nothing tells runs 2 repeats — two PR launches of
 * one — instead of the request's default 3: the PR's launches decide between launches, and two
 * launches of one repeat are what the between-launch rates were measured on (bench:verdicts, 1 + 2
 * and 3 + 2: the nightlies run one repeat per rate); a third repeat narrows only the within-launch
 * part, which the launch term already holds. A request for more repeats than the default keeps them.
 */
function launchRepeats(
  repeats: Record<string, number>,
  noise: Record<string, number> | undefined,
  most: number,
): Record<string, number> {
  if (most > DEFAULT_MOST_REPEATS) return repeats;
  return Object.fromEntries(
    Object.entries(repeats).map(([key, n]) => [key, noise?.[key] === undefined ? Math.min(n, 2) : n]),
  );
}

/** Options for `planRequest`. */
export interface PlanOptions {
  timings?: Record<string, SuiteTiming>;
  catalogue?: PlanSuite[];
  /** Use the catalogue's typical noise where history has none (what-if plans). */
  assumeTypicalNoise?: boolean;
}

/** The share of the original's double run the default request may spend (second PR launches below). */
export const COST_SHARE_GOAL = 0.5;

/** A suite whose main side is a reused nightly: the anchor on main, the PR's blocks (scheduleSuite). */
function reusedSuitePlan(
  suite: PlanSuite,
  t: ReturnType<typeof resolveTiming>,
  repeats: Record<string, number>,
  reused: { historyAgeHours: number; measuredPoints?: readonly string[]; baselineLaunches?: number },
): Omit<SuitePlan, "noiseSource"> {
  const measured = reused.measuredPoints;
  const launches = reused.baselineLaunches ?? 1;
  // The anchor shows the baseline still reproduces: only a point the reused nightly measured can
  // (the MI355X Grok-2 nightlies ran rates 1–8, not the catalogue's cheapest, 16).
  const anchorable = suite.points.filter((p) => !measured?.length || measured.includes(p.key));
  // A point whose repeats are known to spread past the smallest effect is a poor anchor: it fails to
  // reproduce an unchanged main more often, and then main runs in full (DeepSeek concurrency 16, 5.9 %:
  // 15 of 45 next-night checks on the real nightlies, against 8 of 44 at concurrency 128).
  const steady = anchorable.filter((p) => (suite.typicalNoisePct?.[p.key] ?? 0) < DEFAULT_MIN_EFFECT_PCT);
  const pool = steady.length ? steady : anchorable.length ? anchorable : suite.points;
  const cheapest = [...pool].sort((a, b) => t.minutes(a) - t.minutes(b))[0]!;
  const anchor: ScheduleStep = { side: "main", points: [cheapest.key], repeats: 1, gsm8k: false, block: 1 };
  const steps = scheduleSuite(repeats, false);
  return {
    suiteId: suite.id,
    kind: suite.kind,
    launches: { main: launches, pr: launchesPerPoint(suite, steps, "pr") },
    layouts: launchLayouts(suite, steps, true),
    schedule: [anchor, ...steps],
    main: {
      action: "reuse",
      historyAgeHours: reused.historyAgeHours,
      anchorPoint: cheapest.key,
      anchorPoints: 1,
      ...(measured?.length ? { measuredPoints: [...measured] } : {}),
      ...(launches > 1 ? { baselineLaunches: launches } : {}),
    },
    prPoints: suite.points.length,
    repeats,
    gpuMinutes: suite.gpus * stepsMinutes(suite, t, [anchor, ...steps]),
  };
}

/** A suite whose main runs too: main and PR in blocks main, PR, PR, main (scheduleSuite). */
function fullSuitePlan(
  suite: PlanSuite,
  t: ReturnType<typeof resolveTiming>,
  repeats: Record<string, number>,
  reason: string,
): Omit<SuitePlan, "noiseSource"> {
  const steps = scheduleSuite(repeats, true);
  return {
    suiteId: suite.id,
    kind: suite.kind,
    launches: { main: launchesPerPoint(suite, steps, "main"), pr: launchesPerPoint(suite, steps, "pr") },
    layouts: launchLayouts(suite, steps, false),
    schedule: steps,
    main: { action: "full", reason },
    prPoints: suite.points.length,
    repeats,
    gpuMinutes: suite.gpus * stepsMinutes(suite, t, steps),
  };
}

/**
 * A point the repeat noise cuts to one repeat runs in one PR launch; against a reused nightly that
 * is 3 + 1 launches, where an odd PR launch cannot be told from a change (×1.10 caught 89 % on the
 * real nightlies, 96 % with a second PR launch: docs/verdicts.md), and with main run too it is
 * main, PR: one launch a side (1.0 % A/A, 76 % caught) where main, PR, PR, main gives 2 + 2. While
 * the suites' GPU-minutes stay within `budget`, such online points get a second repeat in a second
 * launch of each side that runs, the cheapest first.
 */
function secondLaunches(
  suites: SuitePlan[],
  catalogue: readonly PlanSuite[],
  timings: Record<string, SuiteTiming> | undefined,
  budget: number,
  main: SuitePlan["main"]["action"],
): void {
  let total = suites.reduce((sum, s) => sum + s.gpuMinutes, 0);
  for (;;) {
    let best: { index: number; plan: Omit<SuitePlan, "noiseSource">; extra: number } | undefined;
    suites.forEach((s, index) => {
      const suite = catalogue.find((c) => c.id === s.suiteId);
      if (!suite || s.kind !== "online" || s.main.action !== main) return;
      const t = resolveTiming(suite, timings?.[suite.id]);
      for (const [key, n] of Object.entries(s.repeats)) {
        if (n !== 1) continue;
        const repeats = { ...s.repeats, [key]: 2 };
        const plan =
          s.main.action === "reuse"
            ? reusedSuitePlan(suite, t, repeats, s.main)
            : fullSuitePlan(suite, t, repeats, s.main.reason);
        const extra = plan.gpuMinutes - s.gpuMinutes;
        if (!best || extra < best.extra) best = { index, plan, extra };
      }
    });
    if (!best || total + best.extra > budget) return;
    suites[best.index] = { ...suites[best.index]!, ...best.plan };
    total += best.extra;
  }
}

/** Build the plan for one request. Throws on a request that selects no suite. */
export function planRequest(request: PlanRequest, history: HistoryRun[], options: PlanOptions = {}): Plan {
  const catalogue = options.catalogue ?? DEFAULT_PLAN_SUITES;
  const minEffect = request.minEffectPct ?? DEFAULT_MIN_EFFECT_PCT;
  const selected = selectSuites(catalogue, request);
  const typicalKnown = !request.hardware || normalizeHardware(request.hardware) === TYPICAL_NOISE_HARDWARE;
  if (selected.length === 0) {
    throw new Error(
      `No suite matches models=${request.models.join(",")} types=${request.types.join(",")}; known: ${catalogue.map((s) => s.id).join(", ")}`,
    );
  }
  // The seed builds both images on the GPU node, holding all its GPUs.
  const nodeGpus = Math.max(...selected.map((s) => s.gpus));
  const buildGpuMinutes = request.buildMinutes * nodeGpus;
  let seedGpuMinutes = 2 * buildGpuMinutes;
  const suites = selected.map((suite): SuitePlan => {
    const t = resolveTiming(suite, options.timings?.[suite.id]);
    // The seed ran every point seedRepeats times per side in one block, GSM8K skipped.
    const seedSide: ScheduleStep = {
      side: "main",
      points: suite.points.map((p) => p.key),
      repeats: suite.seedRepeats,
      gsm8k: false,
      block: 1,
    };
    seedGpuMinutes += 2 * suite.gpus * stepsMinutes(suite, t, [seedSide]);

    const measured = historyNoise(request, suite.id, history);
    const typical = options.assumeTypicalNoise && typicalKnown ? suite.typicalNoisePct : undefined;
    const noise = measured ?? typical;
    const noiseSource = measured ? "history" : noise ? "typical" : "none";
    // A what-if on other hardware: the catalogue's typical noise is MI300X's, so it is not used there.
    const unknownOn =
      !noise && options.assumeTypicalNoise && !typicalKnown && suite.typicalNoisePct
        ? { typicalNoiseUnknownOn: request.hardware }
        : {};
    const repeats = Object.fromEntries(
      suite.points.map((p) => [p.key, repeatsForNoise(noise?.[p.key], minEffect, request.repeats)]),
    );

    const reusable = findReusableBaseline(request, suite.id, history);
    if (reusable) {
      const plan = reusedSuitePlan(suite, t, launchRepeats(repeats, noise, request.repeats), {
        historyAgeHours: reusable.ageHours,
        ...(reusable.measuredPoints ? { measuredPoints: reusable.measuredPoints } : {}),
        ...(reusable.launches ? { baselineLaunches: reusable.launches } : {}),
      });
      return { ...plan, noiseSource, ...unknownOn };
    }
    const reason =
      request.baseline === "rerun"
        ? "baseline=rerun requested"
        : request.mergeBaseCommit === UNKNOWN_MERGE_BASE
          ? "merge base not known, so no stored run can stand in for it"
          : "no fresh baseline of the merge base in history";
    return { ...fullSuitePlan(suite, t, repeats, reason), noiseSource, ...unknownOn };
  });
  const builds: Array<"main" | "pr"> = [];
  if (request.buildMinutes > 0) {
    if (!request.mainImageExists) builds.push("main");
    builds.push("pr");
  }
  const buildsGpuMinutes = builds.length * buildGpuMinutes;
  if (request.repeats >= 2) {
    // Against a reused nightly within the default request's goal; with main run too, within the
    // original's double run (two launches a side are what makes that run worth trusting).
    const budget = (share: number) => share * seedGpuMinutes - buildsGpuMinutes;
    secondLaunches(suites, selected, options.timings, budget(COST_SHARE_GOAL), "reuse");
    secondLaunches(suites, selected, options.timings, budget(1), "full");
  }
  const gpuMinutes = suites.reduce((sum, s) => sum + s.gpuMinutes, 0) + buildsGpuMinutes;
  const anyFull = suites.some((s) => s.main.action === "full");
  return {
    suites,
    builds,
    gpuMinutes,
    buildGpuMinutes: buildsGpuMinutes,
    seedGpuMinutes,
    interleave: anyFull ? ["main", "pr", "pr", "main"] : ["pr"],
  };
}

/** `6 h`, `40 min`, `under a minute`: how old a reused baseline is, as a reader says it. */
function ageText(hours: number): string {
  if (hours >= 1) return `${Math.round(hours)} h`;
  const minutes = Math.round(hours * 60);
  return minutes >= 1 ? `${minutes} min` : "under a minute";
}

const pointsText = (n: number): string => `${n} point${n === 1 ? "" : "s"}`;

/** Point keys without the coordinates every point of the suite shares (`concurrency=16`, not the whole key). */
function shortKeys(all: string[], keys: string[]): string[] {
  const parts = all.map((k) => k.split(","));
  const common = new Set(parts[0]?.filter((p) => parts.every((q) => q.includes(p))));
  return keys.map(
    (k) =>
      k
        .split(",")
        .filter((p) => !common.has(p))
        .join(",") || k,
  );
}

/** Where a suite's repeat counts per point come from, in words. */
function repeatsSource(s: SuitePlan, request: PlanRequest): string {
  if (s.noiseSource === "history") return "repeats from this set-up's noise in history";
  if (s.noiseSource === "typical")
    return "repeats from typical noise: the built-in prior learnt from real MI300X nightlies, no history of this set-up";
  const n = request.repeats;
  const why = s.typicalNoiseUnknownOn
    ? ` — the built-in typical noise is from MI300X nightlies, none is known for ${hardwareName(s.typicalNoiseUnknownOn)}`
    : "";
  if (s.main.action === "reuse" && n <= DEFAULT_MOST_REPEATS && n > 2)
    return `no noise figure: one repeat in each of 2 PR launches, not a full run's ${n} — against a reused main the launches decide${why}`;
  const repeats =
    request.repeatsFrom === "default"
      ? `the default ${n} repeats`
      : request.repeatsFrom === "asked"
        ? `${n} repeats, as requested`
        : `${n} repeats`;
  return `no noise figure: ${repeats}${why}`;
}

/** Rounds parts so the rounded parts add up to the rounded total (largest remainder first). */
function roundParts(parts: number[]): number[] {
  const floors = parts.map(Math.floor);
  let left = Math.round(parts.reduce((a, b) => a + b, 0)) - floors.reduce((a, b) => a + b, 0);
  const order = parts.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return floors;
}

/** `launches per side: …` — one layout in one line, several with the points each covers. */
function launchesLine(s: SuitePlan): string {
  const reuse = s.main.action === "reuse";
  const own = s.main.action === "reuse" && s.main.baselineLaunches;
  const companions = !reuse
    ? ""
    : own
      ? " (an earlier request's, on this merge base)"
      : ` (+ up to ${MAX_BASELINE_COMPANIONS} earlier nightlies of its regime)`;
  const drift = reuse ? ", widened for the nights between main's launches and the PR's (drift)" : "";
  const [only] = s.layouts;
  if (s.layouts.length <= 1) {
    const spread = s.launches.main >= 2 || s.launches.pr >= 2 ? "the blocks' spread + " : "";
    return `launches per side: main ${own ? s.launches.main : (only?.main ?? s.launches.main)}${companions}, PR ${only?.pr ?? s.launches.pr} — between-launch noise from ${spread}history / built-in prior${drift}`;
  }
  // Several layouts: a group of one repeat runs in one block a side (scheduleSuite), the others in two.
  const all = Object.keys(s.repeats);
  const groups = s.layouts.map((l) =>
    reuse
      ? `PR ${l.pr} for ${pointsText(l.points.length)}`
      : `main ${l.main}, PR ${l.pr} for ${pointsText(l.points.length)}`,
  );
  const single = Object.entries(s.repeats)
    .filter(([, n]) => n === 1)
    .map(([key]) => key);
  const why = single.length
    ? ` (1 repeat, one block ${reuse ? "on the PR side" : "a side"}: ${shortKeys(all, single).join(", ")})`
    : "";
  return `launches per side: ${reuse ? `main ${s.launches.main}${companions}; ` : ""}${groups.join("; ")}${why} — between-launch noise from the blocks' spread where a side has ≥ 2 launches + history / built-in prior${drift}`;
}

/** What each layout bought between launches on the real online nightlies (none measured for offline suites). */
function ratesLines(s: SuitePlan): string[] {
  if (s.kind === "offline")
    return ["no measured rate for offline suites: the between-launch rates were measured on the online nightlies only"];
  const reuse = s.main.action === "reuse";
  return s.layouts.map((l) => {
    const prefix = s.layouts.length > 1 ? `${pointsText(l.points.length)}: ` : "";
    // With a reused nightly main is at best the nightly and its companions, all before the PR; an
    // earlier request's main is its own launches.
    const own = s.main.action === "reuse" ? s.main.baselineLaunches : undefined;
    const main = own ?? (reuse ? l.main + MAX_BASELINE_COMPANIONS : l.main);
    const measured = describeLayout(main, l.pr, !reuse);
    if (!measured) return `${prefix}${main} + ${l.pr} launches: no measured rate for this layout`;
    const alone = reuse && !own ? layoutRates(l.main, l.pr, false) : undefined;
    const fallback = alone
      ? ` — if both earlier nightlies of its regime are found; nightly alone, ${l.main} + ${l.pr}: ${alone.falseAlarms.toFixed(1)} %, ${Math.round(alone.caught)} %`
      : "";
    return `${prefix}${measured}${fallback}`;
  });
}

/** The blocks compare-pr runs for the suite, in order: `main ×2, PR ×2, PR ×1, main ×1 (4 points); …`. */
function orderLine(s: SuitePlan): string {
  const all = Object.keys(s.repeats);
  const steps = [...s.schedule];
  const anchor = s.main.action === "reuse" ? steps.shift() : undefined;
  const segments: Array<{ points: string[]; labels: string[] }> = [];
  for (const step of steps) {
    const points = step.points.length ? step.points : all;
    const label = `${step.side === "main" ? "main" : "PR"} ×${step.repeats}`;
    const last = segments.at(-1);
    if (last && last.points.join(" ") === points.join(" ")) last.labels.push(label);
    else segments.push({ points, labels: [label] });
  }
  const whole = segments.length === 1 && segments[0]!.points.length === all.length;
  const body = segments
    .map((g) => `${g.labels.join(", ")}${whole ? "" : ` (${pointsText(g.points.length)})`}`)
    .join("; ");
  const first = anchor ? `anchor on main ×1 (${shortKeys(all, anchor.points).join(", ")}); ` : "";
  return `order: ${first}${body} — each block a server launch`;
}

/** Human-readable plan for `sglbench plan`. */
export function renderPlan(plan: Plan, request: PlanRequest): string {
  const base =
    request.mergeBaseCommit === UNKNOWN_MERGE_BASE
      ? "merge base not known"
      : `merge base ${request.mergeBaseCommit.slice(0, 12)}`;
  const lines = [`Plan for PR #${request.pr} (${base}):`];
  // The builds and each suite with its GPU-minutes, rounded so that they add up to the estimate.
  const [buildRounded = 0, ...suiteRounded] = roundParts([
    plan.buildGpuMinutes,
    ...plan.suites.map((s) => s.gpuMinutes),
  ]);
  if (plan.builds.length) {
    // The builds hold the whole GPU node (planRequest): its GPUs × the build minutes, per image.
    const gpus = request.buildMinutes > 0 ? plan.buildGpuMinutes / plan.builds.length / request.buildMinutes : 0;
    const each = plan.builds.length > 1 ? " each" : "";
    lines.push(
      `  ${"build images".padEnd(18)} ${plan.builds.join(", ")}: ${request.buildMinutes} min${each} on the ${gpus}-GPU node; ~${buildRounded} GPU-min`,
    );
  }
  const indent = `  ${"".padEnd(18)} `;
  for (const [i, s] of plan.suites.entries()) {
    const main =
      s.main.action === "reuse"
        ? `reuse baseline (${ageText(s.main.historyAgeHours)} old) + anchor ${s.main.anchorPoint} ×1 on main`
        : `run main in full (${s.main.reason})`;
    const counts = Object.values(s.repeats);
    const total = counts.reduce((a, b) => a + b, 0);
    lines.push(
      `  ${s.suiteId.padEnd(18)} PR: ${pointsText(s.prPoints)}, ${total} runs (${repeatsSource(s, request)}); main: ${main}; ~${suiteRounded[i] ?? Math.round(s.gpuMinutes)} GPU-min`,
      `${indent}${launchesLine(s)}`,
      ...ratesLines(s).map((line) => `${indent}${line}`),
      `${indent}${orderLine(s)}`,
    );
  }
  const ratio = plan.seedGpuMinutes > 0 ? plan.gpuMinutes / plan.seedGpuMinutes : 0;
  lines.push(
    `Estimated: ${Math.round(plan.gpuMinutes)} GPU-minutes; original scripts' double run: ${Math.round(plan.seedGpuMinutes)} GPU-minutes (${Math.round(ratio * 100)} %).`,
  );
  if (ratio > 1 && plan.suites.some((s) => s.main.action === "full"))
    lines.push(
      "More than the original because main runs in full and each point is repeated to measure noise; with a fresh nightly of the merge base, main runs only an anchor.",
    );
  return lines.join("\n") + "\n";
}
