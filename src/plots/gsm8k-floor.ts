/**
 * The GSM8K accuracy a model must reach (its floor), for the accuracy trend. The catalogue's model
 * entries are to carry it (`gsm8kMinAccuracy`); until they do, the original toolkit's criteria.
 */
import { modelDisplayName } from "../core/catalogue/index.js";

/** The original toolkit's GSM8K criteria per model (original-toolkit-2025-12.md). */
const FALLBACK: Record<string, number> = { "Grok-1": 0.8, "Grok-2": 0.92, "DeepSeek-V3": 0.93 };

/** Floor of a model (`GROK2`, `DeepSeek-V3-0324`), or undefined when none is known. */
export function gsm8kFloor(model: string, catalogue?: (model: string) => number | undefined): number | undefined {
  return catalogue?.(model) ?? FALLBACK[modelDisplayName(model)];
}
