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
