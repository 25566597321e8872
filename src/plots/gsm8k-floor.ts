/**
 * The GSM8K accuracy a model must reach (its floor), for the accuracy trend: the catalogue's
 * `gsm8kMinAccuracy` for a model it knows, else the original toolkit's criteria.
 */
import { gsm8kMinAccuracy, modelDisplayName } from "../core/catalogue/index.js";

/** The original toolkit's GSM8K criteria per model (original-toolkit-2025-12.md), for models the catalogue lacks. */
const FALLBACK: Record<string, number> = { "Grok-1": 0.8, "Grok-2": 0.92, "DeepSeek-V3": 0.93 };

/**
 * Floor of a model (`GROK2`, `DeepSeek-V3-0324`), or undefined when none is known. `catalogue`
 * looks a model up (default: the built-in catalogue's `gsm8kMinAccuracy`).
 */
export function gsm8kFloor(
  model: string,
  catalogue: (model: string) => number | undefined = (m) => gsm8kMinAccuracy(m),
): number | undefined {
  return catalogue(model) ?? FALLBACK[modelDisplayName(model)];
}
