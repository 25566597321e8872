/**
 * Slow drift between launches. Inside a quiet regime a cell's level also wanders from night to
 * night: on the real nightlies the spread of level differences grows with the nights between them
 * (DeepSeek-V3 and Grok-2, var(lag h)/var(lag 1), median over cells and metrics: 1.4 at 2 nights,
 * 1.6 at 3, 1.7 at 5, 2.6 at 6). The launch noise learnt from consecutive nights holds exactly for
 * two launches one night apart; main launches nights before the PR's (a reused nightly and its
 * companions) differ by more, and launches several nights apart cancel part of it only when
 * interleaved.
 *
 * The model: a level = drift (a random walk) + launch noise (independent per launch). Its
 * semivariogram is γ(h) = σ² + ½τ²·h for launches h nights apart, so the consecutive nights'
 * difference variance V₁ = 2σ² + τ² splits by the drift share ρ = τ²/V₁, learnt from how the
 * spread grows with the lag. For a contrast a (−1/m on each main launch, +1/p on each PR launch) the
 * launch-level variance is −Σᵢ Σⱼ aᵢ aⱼ γ(|tᵢ − tⱼ|) = (V₁/2)·[(1 − ρ)·Σa² + 2ρ·D] with
 * D = −½ Σᵢ Σⱼ aᵢ aⱼ |tᵢ − tⱼ|; the engine's launch term is (V₁/2)·Σa², so `driftWeight` replaces
 * Σa². Two launches a night apart give Σa² = 2, D = 1: unchanged. Launches the same day count as a
 * night apart (the learnt noise is the closest measured; same-night launches were not found to
 * agree better), and the weight is never below Σa² — drift only widens, never narrows. The drift's
 * extra (weight − Σa²) scales the whole level variance it was fitted on (repeats included).
 */
import { mean } from "./stats.js";

/** A value's launch (group) and the day it ran: an Observation or a RequestRepeat. */
type Launched = { group?: number; day?: number };

/** Longest lag (nights) the linear drift is extrapolated to: the variogram was measured up to 8 nights. */
export const MAX_DRIFT_LAG = 8;
/** Lags the drift share is fitted on (compare-pr's companions are 1–3 nights before the PR). */
const FIT_LAGS = [2, 3, 4];
const LONGEST_FIT_LAG = Math.max(...FIT_LAGS);
/** Fewest cell ratios a drift share is learnt from. */
export const MIN_DRIFT_RATIOS = 10;

/**
 * The day a launch ran: when it started (a repeat's or its run's `started_at`; mergeBlocks labels
 * each block with it as `launched`), else the run's `date` — which is the image's build date when
 * known, so a nightly image run today would otherwise look days old.
 */
export function launchDayOf(
  run: { started_at?: string; date?: string },
  repeat?: { started_at?: string; labels?: Record<string, string> },
): number | undefined {
  return launchDay(repeat?.started_at ?? repeat?.labels?.launched ?? launchedAt(run));
}

/** When a run launched, as written: its start, else its date (what mergeBlocks labels `launched`). */
export function launchedAt(run: { started_at?: string; date?: string }): string | undefined {
  return run.started_at ?? run.date;
}

/** Days since 1970 of a run's date (YYYYMMDD or an ISO date), undefined when it has none. */
export function launchDay(date: string | undefined): number | undefined {
  const digits = (date ?? "").replace(/-/g, "").slice(0, 8);
  if (!/^\d{8}$/.test(digits)) return undefined;
  const t = Date.UTC(Number(digits.slice(0, 4)), Number(digits.slice(4, 6)) - 1, Number(digits.slice(6, 8)));
  return Number.isFinite(t) ? Math.round(t / 86_400_000) : undefined;
}

/**
 * Σa² replaced for drift: (1 − ρ)·Σa² + 2ρ·D over the two sides' launches (groups) and their days.
 * Without a drift share or with a launch of unknown day, Σa² (no drift term).
 */
export function driftWeight(base: readonly Launched[], cand: readonly Launched[], rho?: number): number {
  const launches = (obs: readonly Launched[]) => {
    const days = new Map<number, number | undefined>();
    for (const o of obs) if (!days.has(o.group ?? 0)) days.set(o.group ?? 0, o.day);
    return [...days.values()];
  };
  const b = launches(base);
  const c = launches(cand);
  const sumA2 = 1 / b.length + 1 / c.length;
  if (!(rho !== undefined && rho > 0)) return sumA2;
  const all = [...b.map((day) => ({ day, a: -1 / b.length })), ...c.map((day) => ({ day, a: 1 / c.length }))];
  if (all.some((x) => !Number.isFinite(x.day))) return sumA2; // unknown (or not a number): no drift term
  let d = 0;
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++) {
      const lag = Math.min(MAX_DRIFT_LAG, Math.max(1, Math.abs(all[i]!.day! - all[j]!.day!)));
      d -= all[i]!.a * all[j]!.a * lag;
    }
  // Same-day launches on one side (lags floored at 1) can give less than Σa² in odd layouts: never narrower.
  return Math.max(sumA2, (1 - rho) * sumA2 + 2 * rho * d);
}

/** Nights from main's launches to the PR's, on average (rounded; undefined when a day is unknown). */
export function nightsBetween(base: readonly Launched[], cand: readonly Launched[]): number | undefined {
  const days = (obs: readonly Launched[]) => obs.map((o) => o.day);
  const [b, c] = [days(base), days(cand)];
  if ([...b, ...c].some((d) => d === undefined) || b.length === 0 || c.length === 0) return undefined;
  const avg = (xs: (number | undefined)[]) => xs.reduce((s: number, x) => s + x!, 0) / xs.length;
  return Math.round(Math.abs(avg(c) - avg(b)));
}

/** One cell's nights without a change: day and level, oldest first (launch-tails.ts quietLevels). */
type Stretch = readonly { day?: number; level: number }[];

/**
 * The drift share ρ of one metric from its cells' quiet stretches. Per cell and lag h, the mean of
 * ln d² over the pairs of nights h apart: for d ~ scale·(any fixed shape) it is ln(var at h) + a
 * constant, so its difference to lag 1's is an unbiased ln(var(h)/var(1)) — a ratio of two small
 * samples' medians or means is not (it came out at ρ ≈ 0.14 on nights without drift), and single odd
 * nights, common here (launch-tails.ts), weigh little on the log scale. Averaged over cells per lag,
 * ratio(h) = exp of it; ρ is the least-squares slope of ratio(h) − 1 on h − 1 (weighted by cells),
 * clipped to [0, 1]. Undefined with fewer than MIN_DRIFT_RATIOS cell-lag ratios.
 */
export function fitDrift(cells: readonly (readonly Stretch[])[]): number | undefined {
  const byLag = new Map<number, number[]>();
  for (const stretches of cells) {
    const logs = new Map<number, number[]>();
    for (const s of stretches)
      for (let i = 0; i < s.length; i++)
        for (let j = i + 1; j < s.length; j++) {
          if (s[i]!.day === undefined || s[j]!.day === undefined) continue;
          const h = Math.round(Math.abs(s[j]!.day! - s[i]!.day!));
          if (h > LONGEST_FIT_LAG) continue;
          const d2 = (s[j]!.level - s[i]!.level) ** 2;
          // Identical printed levels carry no scale (ln 0).
          if (h >= 1 && d2 > 0 && Number.isFinite(d2)) {
            if (!logs.has(h)) logs.set(h, []);
            logs.get(h)!.push(Math.log(d2));
          }
        }
    const one = logs.get(1);
    if (!one || one.length < 3) continue;
    for (const h of FIT_LAGS) {
      const at = logs.get(h);
      if (at && at.length >= 3) byLag.set(h, [...(byLag.get(h) ?? []), mean(at) - mean(one)]);
    }
  }
  let num = 0;
  let den = 0;
  let n = 0;
  for (const [h, logRatios] of byLag) {
    num += logRatios.length * (h - 1) * (Math.exp(mean(logRatios)) - 1);
    den += logRatios.length * (h - 1) ** 2;
    n += logRatios.length;
  }
  if (n < MIN_DRIFT_RATIOS || den === 0) return undefined;
  return Math.min(1, Math.max(0, num / den));
}
