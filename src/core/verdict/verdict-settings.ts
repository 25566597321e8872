/**
 * The verdict settings a user may change — the minimum effect and the suite's false-discovery rate —
 * read the same way from `sglbench compare`, `sglbench compare-pr` and the Action's inputs, so one
 * request means one rule wherever it is typed.
 */
import { DEFAULT_FALSE_DISCOVERY_RATE } from "./discoveries.js";
import { DEFAULT_MIN_EFFECT_PCT } from "./verdict.js";

/** What a request changed; an absent field is the engine's default. */
export interface VerdictSettings {
  /** Smallest change worth a 🔴/🟢, in % (default DEFAULT_MIN_EFFECT_PCT). */
  minEffectPct?: number;
  /** Benjamini–Hochberg rate over a suite's cells; false = each cell judged alone (default 0.1). */
  falseDiscoveryRate?: number | false;
}

/** The accepted ranges (the rate's lower end keeps BH meaningful for a suite of ~40 cells). */
const MIN_EFFECT_RANGE = [0, 1000] as const;
const RATE_RANGE = [0.001, 1] as const;

/** The texts as typed (flag, env or input); empty = not given. */
export interface VerdictSettingsText {
  performanceThreshold?: string;
  falseDiscoveryRate?: string;
}

/** How the CLI names the two settings in its messages (the Action names its inputs). */
const FLAG_NAMES: Required<VerdictSettingsText> = {
  performanceThreshold: "--performance-threshold",
  falseDiscoveryRate: "--false-discovery-rate",
};

/** Parses the settings; every bad value is named in `problems` (by `names`) with the range it must be in. */
export function parseVerdictSettings(
  text: VerdictSettingsText,
  names: Required<VerdictSettingsText> = FLAG_NAMES,
): { settings: VerdictSettings; problems: string[] } {
  const settings: VerdictSettings = {};
  const problems: string[] = [];
  const inRange = (raw: string, [lo, hi]: readonly [number, number]): number | undefined => {
    const value = Number(raw);
    return Number.isFinite(value) && value >= lo && value <= hi ? value : undefined;
  };
  const threshold = text.performanceThreshold?.trim();
  if (threshold) {
    const value = inRange(threshold, MIN_EFFECT_RANGE);
    if (value === undefined)
      problems.push(
        `${names.performanceThreshold} must be a number of % in [${MIN_EFFECT_RANGE.join(", ")}], got "${threshold}"`,
      );
    else settings.minEffectPct = value;
  }
  const rate = text.falseDiscoveryRate?.trim();
  if (rate) {
    const value = rate.toLowerCase() === "off" ? false : inRange(rate, RATE_RANGE);
    if (value === undefined)
      problems.push(`${names.falseDiscoveryRate} must be a number in [${RATE_RANGE.join(", ")}] or off, got "${rate}"`);
    else settings.falseDiscoveryRate = value;
  }
  return { settings, problems };
}

/** The flags that reproduce non-default settings (`--performance-threshold P --false-discovery-rate Q|off`). */
export function verdictSettingsFlags(settings: VerdictSettings): string {
  const flags: string[] = [];
  if (settings.minEffectPct !== undefined && settings.minEffectPct !== DEFAULT_MIN_EFFECT_PCT)
    flags.push(`--performance-threshold ${settings.minEffectPct}`);
  const rate = settings.falseDiscoveryRate;
  if (rate !== undefined && rate !== DEFAULT_FALSE_DISCOVERY_RATE)
    flags.push(`--false-discovery-rate ${rate === false ? "off" : rate}`);
  return flags.map((f) => ` ${f}`).join("");
}

/**
 * The settings from a command's flags, falling back to the environment the original scripts read
 * (PERFORMANCE_THRESHOLD). A flag given empty is a mistake, not a default; each problem names what
 * the user typed (the flag or the variable).
 */
export function verdictSettingsFromFlags(
  flags: { "performance-threshold"?: string; "false-discovery-rate"?: string },
  env: Readonly<Record<string, string | undefined>>,
): { settings: VerdictSettings; problems: string[] } {
  const empty = (["performance-threshold", "false-discovery-rate"] as const)
    .filter((f) => flags[f] !== undefined && flags[f]!.trim() === "")
    .map((f) => `--${f} needs a value`);
  const fromEnv = flags["performance-threshold"] === undefined && env.PERFORMANCE_THRESHOLD !== undefined;
  const parsed = parseVerdictSettings(
    {
      performanceThreshold: flags["performance-threshold"] ?? env.PERFORMANCE_THRESHOLD,
      falseDiscoveryRate: flags["false-discovery-rate"],
    },
    {
      performanceThreshold: fromEnv ? "PERFORMANCE_THRESHOLD" : "--performance-threshold",
      falseDiscoveryRate: "--false-discovery-rate",
    },
  );
  return { settings: parsed.settings, problems: [...empty, ...parsed.problems] };
}
