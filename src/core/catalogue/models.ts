/**
 * Model names as a reader says them. Folders and results spell models GROK1, GROK2_FP8,
 * DeepSeek-V3-0324_FP8 (and requests grok1, deepseek); headlines say "Grok-1", "DeepSeek-V3".
 */

const DISPLAY: readonly [RegExp, string][] = [
  [/^grok-?1/i, "Grok-1"],
  [/^grok-?2/i, "Grok-2"],
  [/^grok$/i, "Grok-1"],
  [/^deepseek(-v3)?/i, "DeepSeek-V3"],
];

/** `DeepSeek-V3-0324_FP8` → `DeepSeek-V3`; an unknown model keeps its own name. */
export function modelDisplayName(model: string): string {
  return DISPLAY.find(([re]) => re.test(model))?.[1] ?? model;
}

/**
 * Per-model GSM8K accuracy floors, from the original toolkit (original-toolkit-2025-12.md,
 * test/sanity_check.py criteria; the nightly gates: Grok 0.8, DeepSeek 0.93). A PR whose average
 * accuracy falls below its model's floor is 🔴 whatever the statistics say; `--gsm8k-min-accuracy`
 * overrides it.
 */
export const MODEL_GSM8K_FLOORS: readonly { pattern: RegExp; model: string; gsm8kMinAccuracy: number }[] = [
  { pattern: /^grok-?1|^grok$/i, model: "Grok-1", gsm8kMinAccuracy: 0.8 },
  { pattern: /^grok-?2/i, model: "Grok-2", gsm8kMinAccuracy: 0.915 },
  { pattern: /^deepseek/i, model: "DeepSeek-V3", gsm8kMinAccuracy: 0.93 },
];

/** The GSM8K floor of a model as folders spell it (`GROK2_FP8`, `DeepSeek-V3-0324_FP8`); undefined when unknown. */
export function gsm8kMinAccuracy(model: string): number | undefined {
  return MODEL_GSM8K_FLOORS.find((m) => m.pattern.test(model))?.gsm8kMinAccuracy;
}
