/**
 * Fallback series identity for the trend views, until the store's series identity is wired in:
 * one hardware spelling (`"mi30x"` → `mi30x`) and one model label per model (a console-log run that
 * lost its variant takes the variant the model's other runs carry), so one real series is never
 * split in two. Pure: returns copies, never edits the records.
 */
import type { RunResults } from "../results/index.js";

/** `"mi30x"`, ` MI30X ` → `mi30x`: only letters and digits are part of a hardware name. */
export function cleanHardware(hw: string | undefined): string {
  const clean = (hw ?? "").toLowerCase().replace(/[^a-z0-9]+/g, "");
  return clean || "unknown";
}

/**
 * Runs with a clean hardware name and, when a run has no variant, the variant most of the same
 * model's runs carry (ties: alphabetical). A model whose runs never name a variant keeps none.
 */
export function normaliseRunIdentity(runs: readonly RunResults[]): RunResults[] {
  const counts = new Map<string, Map<string, number>>();
  for (const r of runs) {
    const v = r.model.variant;
    if (!v) continue;
    const byVariant = counts.get(r.model.name) ?? new Map<string, number>();
    byVariant.set(v, (byVariant.get(v) ?? 0) + 1);
    counts.set(r.model.name, byVariant);
  }
  const usual = new Map<string, string>();
  for (const [name, byVariant] of counts) {
    const best = [...byVariant.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (best) usual.set(name, best[0]);
  }
  return runs.map((r) => {
    const hardware = cleanHardware(r.hardware);
    const variant = r.model.variant ?? usual.get(r.model.name);
    if (hardware === r.hardware && variant === r.model.variant) return r;
    return { ...r, hardware, model: { ...r.model, ...(variant ? { variant } : {}) } };
  });
}
