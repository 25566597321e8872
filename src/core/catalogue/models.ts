/**
 * Model names as a reader says them. Folders and results spell models GROK1, GROK2_FP8,
 * DeepSeek-V3-0324_FP8 (and requests grok1, deepseek); headlines say "Grok-1", "DeepSeek-V3".
 * Names and accuracy floors come from the catalogue's models.
 */
import { builtinCatalogue, type Catalogue } from "./catalogue.js";

const DISPLAY: readonly [RegExp, string][] = [
  [/^grok-?1/i, "Grok-1"],
  [/^grok-?2/i, "Grok-2"],
  [/^grok$/i, "Grok-1"],
];

/** The catalogue model a name means: its key, an alias or its folder name (`DeepSeek-V3-0324_FP8` too). */
function modelEntryFor(model: string, catalogue: Catalogue) {
  const lower = model.toLowerCase();
  const entries = Object.entries(catalogue.models);
  return (
    entries.find(
      ([key, m]) =>
        key.toLowerCase() === lower ||
        m.folderName.toLowerCase() === lower ||
        m.aliases.some((a) => a.toLowerCase() === lower),
    ) ??
    // Folder-style names with a variant: the longest folder name that prefixes it.
    entries
      .filter(([, m]) => lower.startsWith(`${m.folderName.toLowerCase()}_`))
      .sort((a, b) => b[1].folderName.length - a[1].folderName.length)[0]
  );
}

/** `DeepSeek-V3-0324_FP8` → `DeepSeek-V3`; an unknown model keeps its own name. */
export function modelDisplayName(model: string): string {
  const hit = modelEntryFor(model, builtinCatalogue());
  if (hit) return hit[1].displayName ?? hit[0];
  return DISPLAY.find(([re]) => re.test(model))?.[1] ?? (/^deepseek(-v3)?/i.test(model) ? "DeepSeek-V3" : model);
}

/** The model's GSM8K accuracy floor (Grok-1 0.8, Grok-2 0.92, DeepSeek 0.93), or undefined for an unknown model. */
export function gsm8kMinAccuracy(model: string, catalogue: Catalogue = builtinCatalogue()): number | undefined {
  return modelEntryFor(model, catalogue)?.[1].gsm8kMinAccuracy;
}
