/**
 * Names a nightly's record is filed under, normalised so one model on one machine is one series
 * whichever file told us about it: a console log says `--model=grok` or `--model-name=…`, a run
 * folder `GROK1_MOE-I4F8`, a timing summary `Hardware: "mi30x"`.
 *
 * The alias table below is the only place that knows model spellings; it is meant to move into the
 * model catalogue (src/core/catalogue/models.ts) once that has aliases and default variants.
 */
import { STANDARD_VARIANT, type SeriesIdentity } from "../core/trends/index.js";
import type { RunResults } from "../core/results/index.js";

/** A model as the run folders name it, the quantisation variant the nightly scripts gave it, and its other spellings. */
export interface ModelAlias {
  name: string;
  /** Variant in the run folder names (`GROK1_MOE-I4F8`), used when a console log says nothing. */
  variant: string;
  /** Tested against a served name, a model path's last segment, or a `--model=` value. */
  match: RegExp;
}

/** Most specific first: `DeepSeek-R1-MXFP4-Preview` must not be taken for a DeepSeek-V3. */
export const MODEL_ALIASES: readonly ModelAlias[] = [
  { name: "DeepSeek-R1-MXFP4-Preview", variant: "FP8", match: /^(?:amd-+)?deepseek-r1-mxfp4(?:-preview)?$/i },
  { name: "DeepSeek-V3-0324", variant: "FP8", match: /^(?:deepseek|deepseek-v3|deepseek-v3-0324)$/i },
  { name: "GROK2", variant: "FP8", match: /^(?:[\w-]*?-)?grok-?2$/i },
  { name: "GROK1", variant: "MOE-I4F8", match: /^(?:grok|grok-?1|(?:[\w]+-+)?grok-1(?:-[\w]+)?)$/i },
];

/** `/data/models/amd-DeepSeek-R1-MXFP4-Preview/` → `amd-DeepSeek-R1-MXFP4-Preview`. */
function lastSegment(path: string): string {
  return (
    path
      .replace(/["']/g, "")
      .split(/[\\/]/)
      .filter((s) => s !== "")
      .pop() ?? path
  );
}

/** The canonical model for a served name, model path or `--model=` value; undefined when unknown. */
export function canonicalModel(raw: string): ModelAlias | undefined {
  const name = lastSegment(raw.trim());
  return MODEL_ALIASES.find((a) => a.match.test(name) || a.name.toLowerCase() === name.toLowerCase());
}

/** `"mi30x"`, `MI300X`, `mi300x` → `mi30x`; `MI355X` → `mi35x`; anything else lower-cased without quotes. */
export function normaliseHardware(raw: string | undefined): string | undefined {
  const t = raw?.replace(/["',]/g, "").trim().toLowerCase();
  if (!t) return undefined;
  if (/^mi30\dx?$/.test(t) || t === "mi30x") return "mi30x";
  if (/^mi35\dx?$/.test(t) || t === "mi35x") return "mi35x";
  return t;
}

/** Serving variants in the order the run folder suffixes chain them (`dp_attention_torch_compile`). */
const VARIANT_FLAGS: readonly [RegExp, string][] = [
  [/--check-dp-attention\b|--enable-dp-attention\b/, "dp_attention"],
  [/--enable-dp-test\b/, "dp"],
  [/--enable-mtp-test\b/, "mtp"],
  [/--enable-torch-compile\b/, "torch_compile"],
];

/** The serving variant a nightly command line asks for (`--check-dp-attention --enable-torch-compile`). */
export function variantFromFlags(commandLine: string): string {
  const parts = VARIANT_FLAGS.filter(([flag]) => flag.test(commandLine)).map(([, name]) => name);
  return parts.length > 0 ? parts.join("_") : STANDARD_VARIANT;
}

/** `deepseek_dp_attention_torch_compile_rerun.log` → `dp_attention_torch_compile`; `grok2_nightly_online.log` → standard. */
export function variantFromLogName(file: string): string {
  const stem = lastSegment(file)
    .replace(/\.log$/, "")
    .replace(/_(?:rerun|retest|retry)\d*$/, "")
    .replace(/^(?:deepseek|grok\d?)_?/i, "")
    .replace(/^nightly(?:_online|_offline)?_?/, "");
  return stem === "" || stem === "online" || stem === "offline" ? STANDARD_VARIANT : stem;
}

/** What a nightly console log says about the run it records. */
export interface ConsoleLogIdentity {
  model: { name: string; variant: string };
  hardware?: string;
  /** Serving variant (`standard`, `dp_attention`, …). */
  variant: string;
}

/**
 * The identity of a nightly console log: the served name (`--model-name`, as the run folders are
 * named) wins over the model path, which wins over `--model=`; hardware from `--hardware=`, the
 * `Hardware:` line or the `cron_log/<hw>/` folder; the variant from the command's flags, else the file name.
 */
export function consoleLogIdentity(head: string, file: string): ConsoleLogIdentity {
  const command = /Command:\s*(.*)$/m.exec(head)?.[1] ?? "";
  const servedName =
    /--model-name[= ]'?([\w.-]+)'?/.exec(command)?.[1] ?? /Passing --model-name='?([\w.-]+)'?/.exec(head)?.[1];
  const path = /--model-path[= ](\S+)/.exec(command)?.[1];
  const short =
    /--model=([\w.-]+)/.exec(command)?.[1] ??
    /Auto-detected model type:\s*(\w+)/.exec(head)?.[1] ??
    /Model type:\s*(\w+)/.exec(head)?.[1];
  const candidates = [servedName, path, short, /grok2/i.test(lastSegment(file)) ? "grok2" : undefined];
  let model: { name: string; variant: string } | undefined;
  for (const c of candidates) {
    if (!c) continue;
    const alias = canonicalModel(c);
    if (alias) {
      model = { name: alias.name, variant: alias.variant };
      break;
    }
    if (c === servedName) {
      model = { name: c, variant: "FP8" };
      break;
    }
  }
  const fromFile = /deepseek/i.test(lastSegment(file)) ? MODEL_ALIASES[1] : MODEL_ALIASES[3];
  const hardware = normaliseHardware(
    /--hardware=(\w+)/.exec(command)?.[1] ??
      /Hardware:\s*"?(\w+)"?/.exec(head)?.[1] ??
      /cron_log[\\/](mi3\d+x)[\\/]/.exec(file)?.[1],
  );
  const flagged = command ? variantFromFlags(command) : STANDARD_VARIANT;
  return {
    model: model ?? { name: fromFile?.name ?? "GROK1", variant: fromFile?.variant ?? "MOE-I4F8" },
    ...(hardware ? { hardware } : {}),
    variant: flagged !== STANDARD_VARIANT ? flagged : variantFromLogName(file),
  };
}

/**
 * Normalises a record's identity in place: canonical model name with its default variant when none
 * was given, hardware as `mi30x`/`mi35x`, no `standard` mode spelled out. Unknown models keep their name.
 */
export function normaliseRunIdentity(run: RunResults): RunResults {
  const alias = canonicalModel(run.model.name);
  if (alias) run.model = { ...run.model, name: alias.name, variant: run.model.variant ?? alias.variant };
  const hardware = normaliseHardware(run.hardware);
  if (hardware) run.hardware = hardware;
  else delete run.hardware;
  if (run.kind === "online" && run.mode === STANDARD_VARIANT) delete run.mode;
  return run;
}

/** The identity fields ingest fills, for callers that want them without the trends module. */
export type { SeriesIdentity };
