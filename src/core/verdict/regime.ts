/**
 * History by regime: the nights of one series (hardware × model × suite × mode) cut wherever the
 * noise they teach stops applying — a host swap, a ROCm upgrade, a new SGLang release line, a change
 * of protocol (repeats per rate, prompts per point) and a level shift found by the changepoint
 * detector. Noise is learnt from the baseline's regime only: a regression, a host swap or the switch
 * from 3 repeats per rate to 1 inside the history would otherwise inflate it (on the real MI355X
 * nightlies ❔ reached 40–66 % of cells that way).
 *
 * The changepoint detector lives in src/core/trends (which itself uses this stage's statistics), so
 * it is passed in (`detect`) rather than imported: the pipeline wires `findChangepoints`.
 */
import { measuredAny, pointKey, type RunResults } from "../results/index.js";
import { COMPARED_METRICS } from "../catalogue/index.js";
import { runScope, scopeKey, repeatValue } from "./noise.js";
import { mean } from "./stats.js";

/** One night of one cell for the detector: its date and its repeat values. */
export interface RegimeNight {
  date: string;
  values: number[];
}

/**
 * A level-shift detector over one cell's nights: the indexes (into the given nights) where a new
 * level starts, each level at least `minSegment` nights long (the detector's own default when not given).
 */
export type ChangeDetector = (nights: readonly RegimeNight[], metric: string, minSegment?: number) => number[];

/** What a run's metadata says about its regime. */
export interface RunRegimeKey {
  host?: string;
  rocm?: string;
  /** SGLang release line (v0.5.4 for v0.5.4.post2). */
  release?: string;
  /** Steady repeats per point. */
  repeats: number;
  /** Prompts per point (completed requests of its first steady repeat), by point key. */
  prompts: Record<string, number>;
}

/** A stretch of one series' nights with one regime. */
export interface Regime {
  scope: string;
  runs: RunResults[];
  /** The nights (dates or tags) it holds, oldest first. */
  nights: string[];
  /** Why it starts where it does (absent for the first regime of a series). */
  startReason?: string;
}

const nightOf = (run: RunResults): string => run.date ?? run.image?.tag ?? "";
const steady = (run: RunResults) => run.points.map((p) => p.repeats.filter((r) => !r.warmup));

/** The regime key of a run from its metadata. */
export function runRegimeKey(run: RunResults): RunRegimeKey {
  const tag = run.image?.tag ?? "";
  const prompts: Record<string, number> = {};
  run.points.forEach((p, i) => {
    const first = steady(run)[i]![0];
    const completed = first?.metrics.completed;
    if (completed !== undefined) prompts[pointKey(p.point)] = completed;
  });
  return {
    host: run.node || undefined,
    rocm: /rocm(\d+)/i.exec(tag)?.[1],
    release: /^v?(\d+\.\d+\.\d+)/.exec(tag)?.[1],
    repeats: Math.max(0, ...steady(run).map((r) => r.length)),
    prompts,
  };
}

/** A series' metadata after `next`: what it says, else what the runs before it said. */
function carriedForward(known: RunRegimeKey, next: RunRegimeKey): RunRegimeKey {
  return {
    host: next.host ?? known.host,
    rocm: next.rocm ?? known.rocm,
    release: next.release ?? known.release,
    repeats: next.repeats > 0 ? next.repeats : known.repeats,
    prompts: { ...known.prompts, ...next.prompts },
  };
}

/** `mem_fraction_static 0.765 → 0.612, cuda_graph_max_bs 512 → 256`: settings both printed that differ, or "". */
export function settingsChanged(a: Record<string, number> | undefined, b: Record<string, number> | undefined): string {
  const shown = (v: number): number => Number(v.toPrecision(4));
  return Object.keys(a ?? {})
    .filter((k) => b?.[k] !== undefined && a![k] !== b[k])
    .map((k) => `${k} ${shown(a![k]!)} → ${shown(b![k]!)}`)
    .join(", ");
}

/**
 * Points both runs ran with a different number of requests (≥ 10 % apart: a few failed requests are
 * not a protocol).
 */
export function promptsChanged(a: RunRegimeKey, b: RunRegimeKey): string[] {
  return Object.keys(a.prompts).filter((k) => {
    const x = a.prompts[k]!;
    const y = b.prompts[k];
    return y !== undefined && Math.abs(x - y) > 0.1 * Math.max(x, y);
  });
}

/** Why two consecutive runs belong to different regimes ("" when they do not). */
export function metadataBreak(a: RunRegimeKey, b: RunRegimeKey): string {
  const reasons: string[] = [];
  const differs = (x: string | undefined, y: string | undefined): boolean => !!x && !!y && x !== y;
  if (differs(a.host, b.host)) reasons.push(`host ${a.host} → ${b.host}`);
  if (differs(a.rocm, b.rocm)) reasons.push(`ROCm ${a.rocm} → ${b.rocm}`);
  if (differs(a.release, b.release)) reasons.push(`release ${a.release} → ${b.release}`);
  if (a.repeats > 0 && b.repeats > 0 && a.repeats !== b.repeats)
    reasons.push(`${a.repeats} → ${b.repeats} repeats per point`);
  const changed = promptsChanged(a, b);
  if (changed.length > 0)
    reasons.push(`prompts per point changed (${changed[0]}: ${a.prompts[changed[0]!]} → ${b.prompts[changed[0]!]})`);
  return reasons.join(", ");
}

/** A change seen in at least a quarter of the cells, and two: a real change moves several points and metrics at once. */
const enoughCells = (seen: number, cells: number): boolean => cells > 0 && seen >= Math.max(2, Math.ceil(cells / 4));

/**
 * Where a level shift starts, by the detector, over every cell of one metadata regime: a night
 * where at least a quarter of the cells (and at least two) shift is a cut — a real change moves
 * several points and metrics at once, one noisy cell does not.
 */
function levelBreaks(runs: readonly RunResults[], detect: ChangeDetector, minSegment?: number): Map<number, string> {
  const votes = new Map<number, string[]>();
  const points = new Map(runs.flatMap((r) => r.points.map((p) => [pointKey(p.point), p.point] as const)));
  let cells = 0;
  for (const key of points.keys()) {
    for (const m of COMPARED_METRICS) {
      if (m.better === "none") continue;
      const idx: number[] = [];
      const nights: RegimeNight[] = [];
      runs.forEach((run, i) => {
        const p = run.points.find((q) => pointKey(q.point) === key);
        const values = (p?.repeats ?? [])
          .filter((r) => !r.warmup)
          .map((r) => repeatValue(r.metrics, m.key))
          .filter((v): v is number => v !== undefined && v > 0);
        if (values.length === 0) return;
        idx.push(i);
        nights.push({ date: nightOf(run), values });
      });
      if (nights.length < 4) continue;
      cells++;
      for (const at of detect(nights, m.key, minSegment)) {
        const runIndex = idx[at];
        if (runIndex === undefined) continue;
        votes.set(runIndex, [...(votes.get(runIndex) ?? []), `${m.key} at ${key}`]);
      }
    }
  }
  const out = new Map<number, string>();
  for (const [i, what] of votes) {
    if (enoughCells(what.length, cells)) out.set(i, `level shift in ${what.length} cells (${what[0]} …)`);
  }
  return out;
}

/** Cuts each series of the history into regimes, oldest first (runs without points are left out). */
export function splitRegimes(history: readonly RunResults[], detect?: ChangeDetector): Regime[] {
  const byScope = new Map<string, RunResults[]>();
  for (const run of history) {
    if (run.points.length === 0) continue;
    const scope = scopeKey(runScope(run));
    byScope.set(scope, [...(byScope.get(scope) ?? []), run]);
  }
  const out: Regime[] = [];
  for (const [scope, runs] of byScope) {
    const sorted = [...runs].sort((a, b) => nightOf(a).localeCompare(nightOf(b)));
    // Metadata first, then level shifts inside each metadata stretch.
    // Each run against what the runs before it last said (a crashed night between the last 3-repeat
    // night and the first 1-repeat one says nothing, and must not hide the change).
    const stretches: { runs: RunResults[]; reason?: string }[] = [];
    let known: RunRegimeKey | undefined;
    sorted.forEach((run, i) => {
      const key = runRegimeKey(run);
      const why = known ? metadataBreak(known, key) : "";
      known = known ? carriedForward(known, key) : key;
      if (i === 0 || why) stretches.push({ runs: [run], reason: why || undefined });
      else stretches[stretches.length - 1]!.runs.push(run);
    });
    // Level shifts are sought over the whole series, across metadata changes: a step on the second
    // night after a host or release change has too few nights before it inside its own stretch to
    // be seen (the real MI355X Grok-2 +40 % TTFT of 2025-10-30, one night after a release change).
    const allCuts = detect ? levelBreaks(sorted, detect) : new Map<number, string>();
    let offset = 0;
    for (const s of stretches) {
      const base = offset;
      offset += s.runs.length;
      let current: Regime = { scope, runs: [], nights: [], startReason: s.reason };
      s.runs.forEach((run, i) => {
        const cut = allCuts.get(base + i);
        if (cut && current.runs.length > 0) {
          out.push(current);
          current = { scope, runs: [], nights: [], startReason: cut };
        }
        current.runs.push(run);
        current.nights.push(nightOf(run));
      });
      out.push(current);
    }
  }
  return out;
}

/** The history the baseline's noise is learnt from, and what was left out. */
export interface RegimeHistory {
  /** Runs of the baseline's regime in every series the baseline has (others untouched: no baseline there). */
  runs: RunResults[];
  /** Per series: the nights learnt from and why the regime starts there. */
  learntFrom: {
    scope: string;
    nights: string[];
    startReason?: string;
    leftOut: number;
    /**
     * How the baseline differs from the nights learnt from, when it is not one of them: a host, ROCm
     * or release change (then nothing is learnt: the prior applies) or a protocol one (repeats,
     * prompts: the launch noise still transfers, the repeats are accounted for).
     */
    baselineDiffers?: string;
    /** Nights of the series dated after the PR side's, left out before the regimes were cut. */
    afterCandidate?: number;
    /**
     * Nights of the whole history (every regime) the heavy tail and slow drift between launches were
     * learnt from, when the history held enough of them (launch-tails.ts): those are the platform's.
     */
    shapesFrom?: number;
  }[];
}

/**
 * A regime that ends on the baseline, from its last two nights when those hold a new level: the
 * detector asks 3 nights on either side of a shift, so for two nights after a real step the regime
 * still holds the nights before it and its noise is the step (DeepSeek 2025-11-22 after the −28 %
 * TTFT of 11-21: 45 cells ❔ with intervals of ±400 %). The same vote as levelBreaks, 2 nights a level.
 */
function newestLevel(regime: Regime, series: readonly Regime[], detect: ChangeDetector): Regime {
  if (regime.runs.length < 3) return regime;
  // Sought over the series up to the baseline (as splitRegimes does): the level before may be short too.
  const upTo = series.slice(0, series.indexOf(regime) + 1).flatMap((r) => r.runs);
  const why = levelBreaks(upTo, detect, 2).get(upTo.length - 2);
  if (!why) return regime;
  return { ...regime, runs: regime.runs.slice(-2), nights: regime.nights.slice(-2), startReason: why };
}

/**
 * Whether one night sits at a level of its own against a few others (≥ 2) that agree with one
 * another far better than with it, in at least a quarter of the cells (and two): ≥ 2 % (the
 * detector's smallest effect) from their mean and over 3× their range. The detector asks ≥ 2 nights a
 * level, so a single night off — a regime's odd first night, or a step on the newest night — is
 * seen only this way. Returns the cells apart and compared.
 */
export function nightApart(night: RunResults, others: readonly RunResults[]): { apart: number; cells: number } {
  let cells = 0;
  let apart = 0;
  if (others.length < 2) return { apart, cells };
  for (const p of night.points) {
    const key = pointKey(p.point);
    for (const m of COMPARED_METRICS) {
      if (m.better === "none") continue;
      const own = runLevel(night, key, m.key)?.level;
      const levels = others.map((r) => runLevel(r, key, m.key)?.level).filter((l): l is number => l !== undefined);
      if (own === undefined || levels.length < 2) continue;
      cells++;
      const range = Math.max(...levels) - Math.min(...levels);
      const off = Math.abs(own - mean(levels));
      if (off >= Math.log(1.02) && off > 3 * range) apart++;
    }
  }
  return { apart, cells };
}

/** Whether {@link nightApart} finds the night apart in enough cells to count. */
export const isApart = ({ apart, cells }: { apart: number; cells: number }): boolean => enoughCells(apart, cells);

/** Nights after a regime's first that it is held against: the next few, so a later step does not hide it. */
const FIRST_NIGHT_NEIGHBOURS = 4;

/**
 * A regime without its first night when that night is a level of its own against the next nights
 * (nightApart). It stayed in and its distance became the regime's launch noise (MI355X Grok-2
 * 2025-11-12, the first 1-repeat night, 5–17 % above the nights after it, which agree within 0.6 %:
 * ×1.10 all ❔ with it as history, 12 🔴 without it). Only the next few nights are its measure: a
 * step later in the regime (Grok-2 11-22) must not bring it back.
 */
function withoutLoneFirstNight(regime: Regime): Regime {
  const [first, ...later] = regime.runs;
  if (!first) return regime;
  const found = nightApart(first, later.slice(0, FIRST_NIGHT_NEIGHBOURS));
  if (!isApart(found)) return regime;
  return {
    ...regime,
    runs: later,
    nights: regime.nights.slice(1),
    startReason: `${regime.startReason ? `${regime.startReason}; ` : ""}its first night ${regime.nights[0]} left out: off the level of the nights after it in ${found.apart} of ${found.cells} cells`,
  };
}

/**
 * Keeps, for each series of the baseline, only the regime the baseline belongs to: the last regime
 * that starts on or before the baseline's night (the baseline's own night included when it is in
 * the history), and none when the baseline's host, ROCm or release line differ from that regime's
 * (the baseline starts a new regime of its own: its noise does not apply; the built-in prior does).
 * Series the baseline does not have are kept as they are.
 */
export function baselineRegime(
  history: readonly RunResults[],
  baseline: readonly RunResults[],
  detect?: ChangeDetector,
  regimes: Regime[] = splitRegimes(history, detect),
): RegimeHistory {
  const baseScopes = new Map<string, RunResults>();
  for (const b of baseline) if (b.points.length > 0) baseScopes.set(scopeKey(runScope(b)), b);
  const runs: RunResults[] = [];
  const learntFrom: RegimeHistory["learntFrom"] = [];
  const scopes = new Set(regimes.map((r) => r.scope));
  for (const scope of scopes) {
    const series = regimes.filter((r) => r.scope === scope);
    const base = baseScopes.get(scope);
    if (!base) {
      runs.push(...series.flatMap((r) => r.runs));
      continue;
    }
    // By date when the baseline and the history are dated (YYYYMMDD); otherwise the latest regime.
    const dated = (x: string | undefined): boolean => /^\d{8}$/.test(x ?? "");
    const night = dated(base.date) && series.every((r) => dated(r.nights[0])) ? base.date! : undefined;
    const candidates = series.filter((r) => !night || r.nights[0]! <= night);
    let chosen = candidates[candidates.length - 1];
    let baselineDiffers: string | undefined;
    // A baseline outside the history (its night not among the regime's) may start a regime of its own.
    if (chosen && !(night && chosen.nights.includes(night))) {
      const k = runRegimeKey(base);
      // Its latest night that measured something: a crashed night says nothing of repeats or host.
      const measured = chosen.runs.filter(measuredAny);
      const l = runRegimeKey(measured[measured.length - 1] ?? chosen.runs[chosen.runs.length - 1]!);
      const platform = metadataBreak({ ...l, repeats: 0, prompts: {} }, { ...k, repeats: 0, prompts: {} });
      baselineDiffers = metadataBreak(l, k) || undefined;
      if (platform) chosen = undefined;
    }
    if (chosen && detect && night && chosen.nights[chosen.nights.length - 1] === night)
      chosen = newestLevel(chosen, series, detect);
    if (chosen && detect) chosen = withoutLoneFirstNight(chosen);
    const total = series.reduce((s, r) => s + r.runs.length, 0);
    if (chosen) runs.push(...chosen.runs);
    learntFrom.push({
      scope,
      nights: chosen?.nights ?? [],
      startReason: chosen?.startReason,
      leftOut: total - (chosen?.runs.length ?? 0),
      ...(baselineDiffers ? { baselineDiffers } : {}),
    });
  }
  return { runs, learntFrom };
}

/**
 * A run's level for one cell: the mean ln value of its steady repeats, the first of ≥ 3 dropped
 * (warm-up), as the verdict does without learnt position offsets. Undefined when it has no value.
 */
export function runLevel(run: RunResults, key: string, metric: string): { level: number; repeats: number } | undefined {
  const p = run.points.find((q) => pointKey(q.point) === key);
  const values = (p?.repeats ?? [])
    .filter((r) => !r.warmup)
    .sort((a, b) => a.index - b.index)
    .map((r) => repeatValue(r.metrics, metric))
    .filter((v): v is number => v !== undefined && v > 0);
  const used = values.length >= 3 ? values.slice(1) : values;
  if (used.length === 0) return undefined;
  return { level: used.reduce((s, v) => s + Math.log(v), 0) / used.length, repeats: used.length };
}
