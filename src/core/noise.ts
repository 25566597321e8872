/**
 * The noise learnt from history: for each hardware × model × suite × mode × point × metric, the
 * per-value variance of log values between repeats of the same nightly run (after the warm-up first
 * repeat is dropped, as the verdict does), pooled over the nights with its degrees of freedom.
 * Runs of the same image on several nights also contribute their run-to-run spread (the night means
 * of one image should agree; the spread between them is noise the repeats cannot see).
 */
import { pointKey, type Point, type RunResults } from "./results.js";
import { mean, variance } from "./stats.js";
import { usableRepeats, type NoiseEstimate } from "./verdict.js";

/** The identity of a series whose noise is learnt: what must match for history to apply. */
export interface NoiseScope {
  hardware?: string;
  model: string;
  suite: string;
  mode?: string;
}

/** `hardware/model/suite/mode` — runs with the same scope share a noise model. */
export function scopeKey(scope: NoiseScope): string {
  return [scope.hardware ?? "?", scope.model, scope.suite, scope.mode ?? "-"].join("/");
}

/** The scope of a run (model as `name_variant`). */
export function runScope(run: RunResults): NoiseScope {
  return {
    hardware: run.hardware,
    model: [run.model.name, run.model.variant].filter(Boolean).join("_"),
    suite: run.suite,
    mode: run.mode,
  };
}

/** Noise per cell of one scope: `pointKey|metric` → estimate. */
export type NoiseModel = Map<string, NoiseEstimate>;

/** Key of a cell inside a noise model. */
export function cellKey(point: Point, metric: string): string {
  return `${pointKey(point)}|${metric}`;
}

/** A learnt noise table: scope key → cell noise. */
export type NoiseTable = Map<string, NoiseModel>;

/** Options for {@link learnNoise}. */
export interface LearnNoiseOptions {
  /** Drop the first of ≥ 3 repeats (default true; must match the verdict's setting). */
  dropWarmup?: boolean;
}

/** Adds a group's sum of squares and df to an accumulator. */
function accumulate(acc: Map<string, { ss: number; df: number }>, key: string, logs: number[]): void {
  if (logs.length < 2) return;
  const entry = acc.get(key) ?? { ss: 0, df: 0 };
  entry.ss += variance(logs) * (logs.length - 1);
  entry.df += logs.length - 1;
  acc.set(key, entry);
}

/** Learns the noise of every cell in the history runs. Non-positive values and warm-up rounds are ignored. */
export function learnNoise(history: readonly RunResults[], opts: LearnNoiseOptions = {}): NoiseTable {
  const acc = new Map<string, Map<string, { ss: number; df: number }>>();
  // scope → cell → image tag → night means (for the run-to-run component)
  const nightMeans = new Map<string, Map<string, Map<string, number[]>>>();
  for (const run of history) {
    const scope = scopeKey(runScope(run));
    const cells = acc.get(scope) ?? new Map<string, { ss: number; df: number }>();
    acc.set(scope, cells);
    const means = nightMeans.get(scope) ?? new Map<string, Map<string, number[]>>();
    nightMeans.set(scope, means);
    for (const p of run.points) {
      const repeats = p.repeats.filter((r) => !r.warmup);
      const metrics = new Set(repeats.flatMap((r) => Object.keys(r.metrics)));
      for (const metric of metrics) {
        const values = repeats.map((r) => r.metrics[metric]).filter((v): v is number => v !== undefined && v > 0);
        const logs = usableRepeats(values, opts.dropWarmup ?? true).map(Math.log);
        const key = cellKey(p.point, metric);
        accumulate(cells, key, logs);
        if (logs.length > 0 && run.image?.tag) {
          const byTag = means.get(key) ?? new Map<string, number[]>();
          means.set(key, byTag);
          byTag.set(run.image.tag, [...(byTag.get(run.image.tag) ?? []), mean(logs)]);
        }
      }
    }
  }
  for (const [scope, cells] of nightMeans) {
    const target = acc.get(scope);
    if (!target) continue;
    for (const [key, byTag] of cells) {
      // Night means of one image: their spread is (run-to-run + repeat/n) noise; counting it as
      // per-value noise is conservative (it overstates, never understates, the noise).
      for (const nights of byTag.values()) accumulate(target, key, nights);
    }
  }
  const table: NoiseTable = new Map();
  for (const [scope, cells] of acc) {
    const model: NoiseModel = new Map();
    for (const [key, { ss, df }] of cells) if (df > 0) model.set(key, { variance: ss / df, df });
    table.set(scope, model);
  }
  return table;
}

/** The learnt noise of one cell, if the history had any. */
export function lookupNoise(
  table: NoiseTable | undefined,
  scope: NoiseScope,
  point: Point,
  metric: string,
): NoiseEstimate | undefined {
  return table?.get(scopeKey(scope))?.get(cellKey(point, metric));
}
