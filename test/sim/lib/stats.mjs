/** numpy-compatible statistics used by the simulated clients. */

export const mean = (values) =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;

/** Largest value (0 for none) without spreading large arrays onto the stack. */
export function max(values) {
  let best = values.length === 0 ? 0 : -Infinity;
  for (const value of values) if (value > best) best = value;
  return best;
}

/** numpy.percentile with linear interpolation. A Float64Array is taken as already sorted (callers sort once). */
export function percentile(values, q) {
  if (values.length === 0) return 0;
  const sorted = values instanceof Float64Array ? values : Float64Array.from(values).sort();
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  const weight = position - lower;
  return (sorted[lower] ?? 0) * (1 - weight) + (sorted[upper] ?? 0) * weight;
}

export const median = (values) => percentile(values, 50);

/** numpy.std (population). */
export function std(values) {
  if (values.length === 0) return 0;
  const m = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - m) ** 2)));
}

/** A tqdm-style bar line (without the leading \r). */
export function tqdmLine(done, total, elapsedS) {
  const fraction = total > 0 ? done / total : 1;
  const pct = String(Math.floor(fraction * 100)).padStart(3);
  const eighths = Math.floor(fraction * 10 * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const bar = ("█".repeat(full) + (partial > 0 && full < 10 ? " ▏▎▍▌▋▊▉"[partial] : "")).padEnd(10);
  const clock = (seconds) => {
    const s = Math.max(0, Math.round(seconds));
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  };
  const rate = done > 0 && elapsedS > 0 ? done / elapsedS : 0;
  const remaining = rate > 0 ? (total - done) / rate : 0;
  const rateText = done === 0 ? "?it/s" : rate >= 1 ? `${rate.toFixed(2)}it/s` : `${(1 / rate).toFixed(2)}s/it`;
  return `${pct}%|${bar}| ${done}/${total} [${clock(elapsedS)}<${done === 0 ? "?" : clock(remaining)}, ${rateText}]`;
}
