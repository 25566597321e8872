/**
 * Keeping the charting commands' memory to what one chart needs.
 *
 * - A full garbage collection between charts. Rendering one chart of a year of nights leaves
 *   ~20-40 MB of short-lived vega objects; V8 lets them pile up to several hundred MB before it
 *   collects, which made `plot` and `dashboard` peak at ~600 MB. Collecting after each chart costs a
 *   few ms and keeps the peak at what one chart needs.
 * - A young generation that does not grow. Loading a history and building a year-long chart
 *   allocate fast, and V8 (Node 24 on a machine with a few GB) answers by growing the new space to
 *   2 × 64 MB and keeping it: ~120 MB of RSS for a heap whose live data is ~50 MB. With no growth
 *   the new space stays at its first size (a few MB); CPU time measured the same.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

/** Runs a full GC (enabling `gc` once, the documented way for code that was not started with --expose-gc). */
export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

/**
 * Stops V8 from growing the young generation for the rest of the process (call it before the
 * history is loaded: a new space that has grown is not given back).
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}
