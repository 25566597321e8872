/**
 * A full garbage collection between charts. Rendering one chart of a year of nights leaves
 * ~20-40 MB of short-lived vega objects; V8 lets them pile up to several hundred MB before it
 * collects, which made `plot` and `dashboard` peak at ~600 MB. Collecting after each chart costs a
 * few ms and keeps the peak at what one chart needs.
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
