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
    // Any model's prefix before `nightly` (a model sglbench has no alias for names its logs too).
    .replace(/^(?:[\w.-]*?_)?nightly(?:_online|_offline)?_?/, "");
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
    // A served name or `--model=` no alias knows is a model of its own, not Grok-1 by default.
    if (c === servedName || c === short) {
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

/** What a run folder's own files say about the run, for a folder whose name does not (a renamed copy). */
export interface FolderFileHints {
  /** The seed's CSV names repeat the run folder's name: `<tag>_<model>_<variant>_serving.csv`. */
  csvName?: { tag: string; model: string; variant: string; kind: "online" | "offline"; mode?: string };
  /** Served name and model path from the server's `ServerArgs(…)` line. */
  servedName?: string;
  modelPath?: string;
  /** The timing summary's `Model:` path and `Command:` line. */
  summaryModel?: string;
  command?: string;
  /** The timing summary's yes/no lines (`DP Attention: true` …). */
  switches?: Record<string, boolean>;
  /** The server's `enable_dp_attention` / `enable_torch_compile`. */
  serverSwitches?: { dp_attention?: boolean; torch_compile?: boolean };
  /** Model segments of the client log names (`sglang_client_log_GROK2_aiter_…` → `GROK2`). */
  clientModels?: string[];
}

/** Timing summary yes/no lines → the serving variant part they stand for, in folder-suffix order. */
const SUMMARY_SWITCHES: readonly [string, string][] = [
  ["DP Attention", "dp_attention"],
  ["DP Test Enabled", "dp"],
  ["MTP Test Enabled", "mtp"],
  ["Torch Compile", "torch_compile"],
];

/**
 * The identity a run folder's name would have given, from its files: the model (canonical name and
 * default variant) from the seed's CSV name, the server's served name or model path, the timing
 * summary's `Model:`, the client log names or `--model=`; the mode from the CSV name; the online
 * serving variant from the command's flags, else the timing summary's switches, else the server's.
 * Undefined model when nothing names one.
 */
export function identityFromFiles(h: FolderFileHints): {
  model?: { name: string; variant: string };
  tag?: string;
  kind?: "online" | "offline";
  /** The mode the CSV name ends in (`long_context`, `dp_attention` …). */
  mode?: string;
  /** The online serving variant (`dp_attention_torch_compile`) the flags and switches name. */
  servingVariant?: string;
} {
  const short = h.command ? /--model=([\w.-]+)/.exec(h.command)?.[1] : undefined;
  const candidates = [
    h.csvName?.model,
    h.servedName,
    h.modelPath,
    h.summaryModel,
    ...(h.clientModels ?? []),
    short,
  ].filter((c): c is string => Boolean(c));
  let model: { name: string; variant: string } | undefined;
  for (const c of candidates) {
    const alias = canonicalModel(c);
    if (!alias) continue;
    const sameAsCsv = h.csvName && canonicalModel(h.csvName.model)?.name === alias.name;
    model = { name: alias.name, variant: sameAsCsv ? h.csvName!.variant : alias.variant };
    break;
  }
  if (!model && h.csvName) model = { name: h.csvName.model, variant: h.csvName.variant };
  const path = h.servedName ?? h.modelPath ?? h.summaryModel;
  if (!model && path) model = { name: lastSegment(path), variant: "FP8" };
  let serving: string | undefined;
  if (h.command) serving = variantFromFlags(h.command);
  if ((!serving || serving === STANDARD_VARIANT) && h.switches) {
    const parts = SUMMARY_SWITCHES.filter(([k]) => h.switches?.[k]).map(([, v]) => v);
    if (parts.length > 0) serving = parts.join("_");
  }
  if ((!serving || serving === STANDARD_VARIANT) && h.serverSwitches) {
    const parts = [
      h.serverSwitches.dp_attention ? "dp_attention" : "",
      h.serverSwitches.torch_compile ? "torch_compile" : "",
    ].filter(Boolean);
    if (parts.length > 0) serving = parts.join("_");
  }
  return {
    ...(model ? { model } : {}),
    ...(h.csvName ? { tag: h.csvName.tag, kind: h.csvName.kind } : {}),
    ...(h.csvName?.mode ? { mode: h.csvName.mode } : {}),
    ...(serving && serving !== STANDARD_VARIANT ? { servingVariant: serving } : {}),
  };
}
