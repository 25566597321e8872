/**
 * Persistent level shifts in one regime of a nightly series (nights measured the same way).
 *
 * Rule, on the log of each complete night's median (so a shift is a ratio at any scale):
 * - the series' own noise is the robust night-to-night scatter of the regime:
 *   σ = 1.4826 · MAD(x[i] − x[i−1]) / √2 — a step moves one difference only, so it barely counts;
 * - walking forward, the current level is the median of the last `window` nights since the regime
 *   began or the last shift (at least `baseline` nights);
 * - night i starts a new level when it and the `persist − 1` nights after it ALL sit on the same
 *   side of that level by more than max(k·σ, minEffect). One or two odd nights never qualify, and
 *   a change needs `persist` nights to be seen: a shift in the newest nights is "pending" until then.
 * The search restarts from the new level, so a dip that recovers is two shifts (down, then up).
 */
import { median } from "../verdict/index.js";

export interface LevelShiftOptions {
  /** Nights at the new level that must all agree (default 3). */
  persist?: number;
  /** Nights of the current level needed at a regime's start before a shift can be seen (default 3). */
  baseline?: number;
  /** Most nights the current level is taken over (default 7). */
  window?: number;
  /** Threshold in units of the regime's night-to-night noise (default 4). */
  k?: number;
  /** Smallest shift reported, in % (default 2). */
  minEffectPct?: number;
}

export const LEVEL_SHIFT_DEFAULTS: Required<LevelShiftOptions> = {
  persist: 3,
  baseline: 3,
  window: 7,
  k: 4,
  minEffectPct: 2,
};

export interface LevelShift {
  /** Index of the first night at the new level. */
  index: number;
  /** Levels (medians, in the input's units) before and after. */
  before: number;
  after: number;
  /** |log shift| / σ: how many noise units the shift is. */
  strength: number;
}

/** Robust night-to-night noise (log units) of a regime; 0 when fewer than 3 nights. */
export function nightNoise(logs: readonly number[]): number {
  if (logs.length < 3) return 0;
  const diffs: number[] = [];
  for (let i = 1; i < logs.length; i++) diffs.push((logs[i] as number) - (logs[i - 1] as number));
  const m = median(diffs);
  return (1.4826 * median(diffs.map((d) => Math.abs(d - m)))) / Math.SQRT2;
}

/** Level shifts in `values` (positive numbers, one per complete night, in date order). */
export function findLevelShifts(values: readonly number[], options: LevelShiftOptions = {}): LevelShift[] {
  const o = { ...LEVEL_SHIFT_DEFAULTS, ...options };
  const logs = values.map(Math.log);
  const sigma = nightNoise(logs);
  const threshold = Math.max(o.k * sigma, Math.log1p(o.minEffectPct / 100));
  const shifts: LevelShift[] = [];
  let start = 0;
  let i = o.baseline;
  while (i + o.persist <= logs.length) {
    const level = median(logs.slice(Math.max(start, i - o.window), i));
    const next = logs.slice(i, i + o.persist).map((x) => x - level);
    const up = next.every((d) => d > threshold);
    const down = next.every((d) => d < -threshold);
    if (up || down) {
      shifts.push({ index: i, before: Math.exp(level), after: Number.NaN, strength: Number.NaN });
      // The new level is already `persist` nights long: two of them are enough to stand on.
      start = i;
      i += Math.min(o.baseline, 2);
      continue;
    }
    i++;
  }
  // The level after a shift: its first `window` nights (or up to the next shift).
  shifts.forEach((s, n) => {
    const end = Math.min(shifts[n + 1]?.index ?? logs.length, s.index + o.window);
    const after = median(logs.slice(s.index, end));
    s.after = Math.exp(after);
    s.strength = sigma > 0 ? Math.abs(after - Math.log(s.before)) / sigma : Number.POSITIVE_INFINITY;
  });
  return shifts;
}
