/**
 * Baseline reuse for compare-pr (pure functions over RunResults): find a fresh run of the merge-base
 * image in the history, turn history into the planner's view, check that a short anchor on main still
 * reproduces it, schedule the interleaved main/PR blocks, and merge the blocks of one side back into
 * one run.
 */
import { COMPARED_METRICS } from "../core/catalogue/index.js";
import {
  normalizeHardware,
  planSuiteForRun,
  pointNoisePct,
  sameCommit,
  type HistoryRun,
  type PlanSuite,
  type SuiteTiming,
} from "../core/plan/index.js";

export { sameCommit, scheduleSuite, type ScheduleStep } from "../core/plan/index.js";
import { pointKey, type Point, type PointResult, type RunResults } from "../core/results/index.js";
import { launchedAt, priorNoise, runScope, type PriorData } from "../core/verdict/index.js";

/** The commit a run's image was built from: the recorded commit, else one spelled in an sglbench tag. */
export function runCommit(run: RunResults): string | undefined {
  if (run.commit) return run.commit;
  const tag = run.image?.tag ?? "";
  return /(?:^|-)(?:main|pr-\d+)-([0-9a-f]{7,40})(?:-|$)/.exec(tag)?.[1];
}

/** When a run finished: its timestamps, else its date (YYYYMMDD, noon UTC). */
export function runTime(run: RunResults): Date | undefined {
  for (const stamp of [run.finished_at, run.started_at]) {
    if (!stamp) continue;
    const t = new Date(stamp);
    if (!Number.isNaN(t.getTime())) return t;
  }
  const d = run.date && /^(\d{4})(\d{2})(\d{2})$/.exec(run.date);
  return d ? new Date(Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), 12)) : undefined;
}

/** Runs are comparable baselines only with the same suite set-up: suite, mode and model variant. */
export function configHashOf(run: RunResults): string {
  return [run.suite, run.mode ?? "", run.model.name, run.model.variant ?? ""].join("|");
}

/** The planner's view of a history run (age, setup, per-point noise). */
export function toHistoryRun(run: RunResults, now: Date): HistoryRun {
  const time = runTime(run);
  // mergeBlocks labels the repeats of every block after the first with its launch.
  const launches = new Set(run.points.flatMap((p) => p.repeats.map((r) => r.labels?.launch ?? "0"))).size;
  return {
    suiteId: run.suite,
    imageCommit: runCommit(run) ?? "",
    configHash: configHashOf(run),
    hardware: run.hardware ?? "",
    backend: run.backend ?? "",
    ageHours: time ? Math.max(0, (now.getTime() - time.getTime()) / 3_600_000) : Number.POSITIVE_INFINITY,
    noisePct: pointNoisePct(run),
    measuredPoints: run.points.filter((p) => p.repeats.some((r) => !r.warmup)).map((p) => pointKey(p.point)),
    ...(launches > 1 ? { launches } : {}),
  };
}

/** The history `sglbench plan` may use (the stored runs it was drawn from, less those left out). */
export interface PlanHistory {
  /** The planner's view of each run that measured a suite of the plan's catalogue on its hardware. */
  history: HistoryRun[];
  /** Those runs under their catalogue suite's id, for `timingsFromHistory`. */
  runs: RunResults[];
}

/**
 * The history a plan on one hardware may learn from: each stored run that measured a suite of the
 * catalogue (`planSuiteForRun`: same model, same offline mode or serving variant) on that hardware
 * (`mi30x` ≡ `mi300x`), filed under that suite's id with the plan's config hash. The others (Grok-2 that
 * ingest files as `grok-online`, a DeepSeek DP-attention check, another hardware or none recorded) are
 * left out of the baselines, the noise and the timings alike.
 */
export function planHistory(
  runs: RunResults[],
  catalogue: readonly PlanSuite[],
  request: { hardware: string; configHash: string },
  now: Date,
): PlanHistory {
  const out: PlanHistory = { history: [], runs: [] };
  for (const stored of runs) {
    // A run that records no hardware is this node's, as compare-pr takes it (its folders are the node's disk).
    const run = stored.hardware ? stored : { ...stored, hardware: request.hardware };
    if (normalizeHardware(run.hardware) !== normalizeHardware(request.hardware)) continue;
    const suite = planSuiteForRun(run, catalogue);
    if (!suite) continue;
    out.history.push({ ...toHistoryRun(run, now), suiteId: suite.id, configHash: request.configHash });
    out.runs.push({ ...run, suite: suite.id });
  }
  return out;
}

export interface BaselineCriteria {
  suite: string;
  mergeBaseCommit: string;
  hardware?: string;
  backend?: string;
  /** configHashOf the suite as it will run; omitted = any set-up of the suite. */
  configHash?: string;
  maxAgeHours: number;
  now: Date;
}

/** The youngest history run of the merge-base image with the same set-up and no failed point, if fresh enough. */
export function findBaselineRun(history: RunResults[], criteria: BaselineCriteria): RunResults | undefined {
  return history
    .filter(
      (run) =>
        run.suite === criteria.suite &&
        sameCommit(runCommit(run), criteria.mergeBaseCommit) &&
        (!criteria.hardware ||
          !run.hardware ||
          normalizeHardware(run.hardware) === normalizeHardware(criteria.hardware)) &&
        (!criteria.backend || run.backend === criteria.backend) &&
        (criteria.configHash === undefined || configHashOf(run) === criteria.configHash) &&
        run.points.length > 0 &&
        run.points.every((p) => !p.failure),
    )
    .map((run) => ({ run, age: toHistoryRun(run, criteria.now).ageHours }))
    .filter(({ age }) => age <= criteria.maxAgeHours)
    .sort((a, b) => a.age - b.age)[0]?.run;
}

/**
 * Past timings per suite from history, each figure from the youngest run that has it: server start and
 * GSM8K from the timing summary, minutes per repeat per point from the per-rate/concurrency totals or
 * the repeats' durations. Per figure, so a younger run that timed only part (a GSM8K-only variant, a
 * night that crashed after two points) does not send the rest back to the catalogue's estimates.
 */
export function timingsFromHistory(runs: RunResults[], now: Date): Record<string, SuiteTiming> {
  const out: Record<string, SuiteTiming> = {};
  const youngestFirst = [...runs].sort((a, b) => toHistoryRun(a, now).ageHours - toHistoryRun(b, now).ageHours);
  for (const run of youngestFirst) {
    const t = run.timings ?? {};
    const timing = (out[run.suite] ??= {});
    for (const p of run.points) {
      const key = pointKey(p.point);
      if (timing.pointMinutes?.[key] !== undefined) continue;
      const by =
        p.point.concurrency !== undefined ? `concurrency_${p.point.concurrency}` : `rate_${p.point.request_rate}`;
      const total = t[`client_${by}`];
      const durations = p.repeats.map((r) => r.duration_s).filter((d): d is number => Number.isFinite(d));
      const minutes =
        total !== undefined && p.repeats.length > 0
          ? total / p.repeats.length / 60
          : durations.length
            ? durations.reduce((a, b) => a + b, 0) / durations.length / 60
            : undefined;
      if (minutes !== undefined) timing.pointMinutes = { ...timing.pointMinutes, [key]: minutes };
    }
    if (t.server_startup !== undefined) timing.startupMinutes ??= t.server_startup / 60;
    if (t.gsm8k !== undefined) timing.gsm8kMinutes ??= t.gsm8k / 60;
  }
  for (const [suite, timing] of Object.entries(out)) if (Object.keys(timing).length === 0) delete out[suite];
  return out;
}

/** One metric of the anchor next to the baseline it should reproduce. */
export interface AnchorDelta {
  point: string;
  metric: string;
  baseline: number;
  anchor: number;
  deltaPct: number;
  tolerancePct: number;
}

export interface AnchorCheck {
  agrees: boolean;
  /** Why it disagrees (or what was checked when it agrees). */
  reason: string;
  deltas: AnchorDelta[];
}

const measured = (p: PointResult | undefined) => (p ? p.repeats.filter((r) => !r.warmup) : []);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));

/** A cell's typical launch-to-launch variance of ln value (the built-in prior's), when known. */
export type LaunchVariance = (point: Point, metric: string) => number | undefined;

/**
 * Does the anchor (one point, one repeat on main now) reproduce the stored baseline? A metric agrees when
 * it is within max(minEffect, 3 × the baseline's own spread, 3 sd of two launches' difference by
 * `launchVariance`). Tail metrics (p99) are left out: a single anchor repeat cannot pin a tail, and a
 * false alarm would cost a full main run.
 */
export function checkAnchor(
  baseline: RunResults,
  anchor: RunResults,
  minEffectPct = 2,
  launchVariance?: LaunchVariance,
): AnchorCheck {
  const deltas: AnchorDelta[] = [];
  const failure = anchor.points.find((p) => p.failure)?.failure ?? anchor.failures[0];
  if (failure) return { agrees: false, reason: `the anchor run failed (${failure.kind}): ${failure.message}`, deltas };
  for (const point of anchor.points) {
    const key = pointKey(point.point);
    const base = measured(baseline.points.find((p) => pointKey(p.point) === key));
    const now = measured(point);
    if (base.length === 0 || now.length === 0) continue;
    for (const metric of COMPARED_METRICS) {
      if (metric.key.startsWith("p99_") || metric.better === "none") continue;
      const b = base.map((r) => r.metrics[metric.key]).filter((x): x is number => Number.isFinite(x));
      const a = now.map((r) => r.metrics[metric.key]).filter((x): x is number => Number.isFinite(x));
      if (b.length === 0 || a.length === 0 || mean(b) === 0) continue;
      const deltaPct = (100 * (mean(a) - mean(b))) / Math.abs(mean(b));
      // Two launches of one image differ by their launch noise: 3 sd of the difference of two launches
      // (the prior's robust variance: its usual spread, not the odd launches the anchor is there to catch).
      const launch = launchVariance?.(point.point, metric.key);
      const launchPct = launch && launch > 0 ? 100 * Math.expm1(3 * Math.sqrt(2 * launch)) : 0;
      const tolerancePct = Math.max(minEffectPct, (300 * stdev(b)) / Math.abs(mean(b)), launchPct);
      deltas.push({ point: key, metric: metric.key, baseline: mean(b), anchor: mean(a), deltaPct, tolerancePct });
    }
  }
  if (deltas.length === 0) {
    return { agrees: false, reason: "the anchor shares no measured point and metric with the baseline", deltas };
  }
  const off = deltas.filter((d) => Math.abs(d.deltaPct) > d.tolerancePct);
  if (off.length > 0) {
    const worst = off.sort((x, y) => Math.abs(y.deltaPct) - Math.abs(x.deltaPct))[0]!;
    return {
      agrees: false,
      reason: `${worst.metric} at ${worst.point} moved ${worst.deltaPct.toFixed(1)} % (tolerance ±${worst.tolerancePct.toFixed(1)} %)`,
      deltas,
    };
  }
  return { agrees: true, reason: `${deltas.length} metrics within tolerance`, deltas };
}

/** Merges blocks of one side of one suite into one run: repeats of the same point concatenated and renumbered. */
export function mergeBlocks(runs: RunResults[]): RunResults {
  const [first, ...rest] = runs;
  if (!first) throw new Error("mergeBlocks needs at least one run");
  const merged: RunResults = structuredClone(first);
  // Each block keeps the day it ran: launches nights apart also differ by the level's slow drift (drift.ts).
  const dated = (run: RunResults): Record<string, string> => {
    const launched = launchedAt(run);
    return launched ? { launched } : {};
  };
  if (rest.length > 0)
    for (const p of merged.points)
      p.repeats = p.repeats.map((r) => ({ ...r, labels: { ...r.labels, ...dated(first) } }));
  for (const [i, run] of rest.entries()) {
    const block = i + 1;
    for (const p of run.points) {
      const key = pointKey(p.point);
      const into = merged.points.find((q) => pointKey(q.point) === key);
      if (!into) {
        const labels = { launch: String(block), ...dated(run) };
        merged.points.push({
          ...structuredClone(p),
          repeats: p.repeats.map((r) => ({ ...structuredClone(r), labels: { ...r.labels, ...labels } })),
        });
        continue;
      }
      const next = into.repeats.reduce((m, r) => Math.max(m, r.index), 0);
      // Each block is its own server launch: the label keeps it apart for the launch-level noise (compare.ts).
      into.repeats.push(
        ...p.repeats.map((r, i) => ({
          ...structuredClone(r),
          index: next + i + 1,
          labels: { ...r.labels, launch: String(block), ...dated(run) },
        })),
      );
      if (p.failure && !into.failure) into.failure = structuredClone(p.failure);
    }
    merged.gsm8k ??= run.gsm8k;
    merged.kv_cache ??= run.kv_cache;
    merged.failures.push(...run.failures);
    merged.diagnostics.push(...run.diagnostics);
    merged.sources.push(...run.sources);
    if (run.finished_at) merged.finished_at = run.finished_at;
  }
  return merged;
}

/** The built-in prior's launch variance for a run's cells (checkAnchor's tolerance), or none it knows. */
export function priorLaunchVariance(run: RunResults, prior?: PriorData): LaunchVariance {
  return (point, metric) => priorNoise(runScope(run), point, metric, prior)?.variance;
}
