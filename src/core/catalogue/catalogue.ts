/**
 * The catalogue: the shipped catalogue/sglbench-catalogue.yaml plus any user files, merged (a later
 * file adds entries or replaces the entry with the same key/id) and resolved into runnable suites:
 * each suite with its model's paths, tokenizer, TP, environment and GSM8K floor, and one more suite
 * per variant that applies to it. Sanity suites are built per hardware (their launch settings are).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { CatalogueError, parseCatalogue, readCatalogueFile } from "./catalogue-load.js";
import type {
  CatalogueFile,
  ModelEntry,
  PerHardware,
  SanityModel,
  SuiteEntry,
  VariantEntry,
} from "./catalogue-schema.js";
import type { Gsm8kGate, OnlineSuite, Suite } from "./suites.js";

// scripts/build.mjs defines this as the shipped YAML's text, so dist/ carries its catalogue.
declare const __SGLBENCH_CATALOGUE__: string | undefined;

/** Families whose names, logs and environment rules the runner knows. */
const FAMILIES = new Set(["grok1", "grok2", "deepseek"]);

export interface Gsm8kDefaults {
  runs: number;
  numQuestions: number;
  parallel: number;
  numShots: number;
  script: string;
}

export interface SanityCatalogue {
  trials: number;
  modelsDir: string;
  models: Record<string, SanityModel>;
}

/** Everything the catalogue files say, merged and resolved. */
export interface Catalogue {
  /** Files read, in order (the shipped one first). */
  sources: string[];
  gsm8k: Gsm8kDefaults;
  models: Record<string, ModelEntry>;
  variants: Record<string, VariantEntry>;
  /** Base suites then their variants. */
  suites: Suite[];
  sanity: SanityCatalogue;
}

const BUILTIN_GSM8K: Gsm8kDefaults = {
  runs: 5,
  numQuestions: 2000,
  parallel: 2000,
  numShots: 5,
  script: "/sgl-workspace/sglang/benchmark/gsm8k/bench_sglang.py",
};

/** Path of the shipped catalogue in the sources (the bundle embeds its text instead). */
export const BUILTIN_CATALOGUE_PATH = "catalogue/sglbench-catalogue.yaml";

function builtinText(): { text: string; source: string } {
  if (typeof __SGLBENCH_CATALOGUE__ === "string")
    return { text: __SGLBENCH_CATALOGUE__, source: `(bundled) ${BUILTIN_CATALOGUE_PATH}` };
  const url = new URL(`../../../${BUILTIN_CATALOGUE_PATH}`, import.meta.url);
  return { text: readFileSync(url, "utf8"), source: BUILTIN_CATALOGUE_PATH };
}

let builtin: Catalogue | undefined;

/** The shipped catalogue (read once). */
export function builtinCatalogue(): Catalogue {
  if (!builtin) {
    const { text, source } = builtinText();
    builtin = resolveCatalogue([{ file: parseCatalogue(text, source), source }]);
  }
  return builtin;
}

/** The shipped catalogue plus user files (`--suites-file`, config `suitesFile`). */
export function loadCatalogue(files: readonly string[] = []): Catalogue {
  if (files.length === 0) return builtinCatalogue();
  const { text, source } = builtinText();
  return resolveCatalogue([
    { file: parseCatalogue(text, source), source },
    ...files.map((f) => ({ file: readCatalogueFile(f), source: f })),
  ]);
}

/** Hardware-keyed value: the hardware's own, else `default`, else (no hardware asked) the first. */
export function perHardware(map: PerHardware | undefined, hardware?: string): string | undefined {
  if (!map) return undefined;
  const own = hardware ? map[hardware as keyof PerHardware] : undefined;
  return own ?? map.default ?? (hardware ? undefined : (map.mi30x ?? map.mi35x));
}

/** Merges the files (later wins by key) and resolves suites and variants. Errors name the file. */
export function resolveCatalogue(files: { file: CatalogueFile; source: string }[]): Catalogue {
  const models: Record<string, ModelEntry> = {};
  const modelSource: Record<string, string> = {};
  const variants: Record<string, VariantEntry> = {};
  const entries = new Map<string, { entry: SuiteEntry; source: string }>();
  let gsm8k = { ...BUILTIN_GSM8K };
  const sanity: SanityCatalogue = { trials: 1, modelsDir: "/mnt/raid/models/huggingface", models: {} };
  for (const { file, source } of files) {
    gsm8k = { ...gsm8k, ...file.gsm8k };
    for (const [key, model] of Object.entries(file.models)) {
      models[key] = model;
      modelSource[key] = source;
    }
    Object.assign(variants, file.variants);
    for (const entry of file.suites) entries.set(entry.id, { entry, source });
    if (file.sanity) {
      if (file.sanity.trials !== undefined) sanity.trials = file.sanity.trials;
      if (file.sanity.modelsDir !== undefined) sanity.modelsDir = file.sanity.modelsDir;
      Object.assign(sanity.models, file.sanity.models ?? {});
    }
  }
  const base: Suite[] = [];
  for (const { entry, source } of entries.values()) {
    const model = models[entry.model];
    if (!model)
      throw new CatalogueError(
        `${source}: suite "${entry.id}": unknown model "${entry.model}" (known: ${Object.keys(models).join(", ")})`,
      );
    base.push(resolveSuite(entry, entry.model, model, gsm8k));
  }
  for (const [key, variant] of Object.entries(variants))
    for (const m of variant.models) if (!models[m]) throw new CatalogueError(`variant "${key}": unknown model "${m}"`);
  const derived = base.flatMap((suite) =>
    Object.entries(variants)
      .filter(([, v]) => suite.kind === "online" && v.models.includes(suite.modelKey ?? suite.model))
      .map(([key, v]) => applyVariant(suite as OnlineSuite, key, v)),
  );
  return { sources: files.map((f) => f.source), gsm8k, models, variants, suites: [...base, ...derived], sanity };
}

function gateFor(entry: SuiteEntry, model: ModelEntry, defaults: Gsm8kDefaults): Gsm8kGate | undefined {
  // Grok's online scripts always gate (threshold 0.8); an entry may also ask with `gsm8k: {}`.
  const wants = entry.gsm8k !== undefined || (entry.kind === "online" && model.family.startsWith("grok"));
  if (!wants) return undefined;
  return { ...defaults, threshold: model.gsm8kMinAccuracy, ...entry.gsm8k };
}

function resolveSuite(entry: SuiteEntry, key: string, model: ModelEntry, gsm8kDefaults: Gsm8kDefaults): Suite {
  const family = FAMILIES.has(model.family) ? model.family : key;
  const modelPaths = entry.modelPath ? {} : model.paths;
  const modelPath = entry.modelPath ?? perHardware(model.paths) ?? "";
  const tokenizerFromModel = entry.tokenizer === "model";
  const tokenizers = entry.tokenizer ? {} : (model.tokenizer ?? {});
  const tokenizer = tokenizerFromModel ? modelPath : (entry.tokenizer ?? perHardware(model.tokenizer));
  const gsm8k = gateFor(entry, model, gsm8kDefaults);
  const kindEnv = entry.kind === "offline" ? model.envOffline : model.envOnline;
  const common = {
    id: entry.id,
    title: entry.title,
    model: family,
    modelKey: key,
    modelName: entry.modelName ?? model.folderName,
    variant: entry.variant ?? model.variant,
    modelPath,
    modelPaths,
    ...(tokenizer !== undefined ? { tokenizer } : {}),
    tokenizers,
    tokenizerFromModel,
    tp: entry.tp ?? model.tp,
    ...(gsm8k ? { gsm8k } : {}),
    gsm8kMinAccuracy: model.gsm8kMinAccuracy,
    env: { ...model.env, ...kindEnv, ...entry.env },
    envByRocm: {},
    aiterVariable: model.aiterVariable,
    gsm8kOnly: false,
    ...(model.hardware ? { hardware: [...model.hardware] } : {}),
    ...(model.download ? { download: { ...model.download } } : {}),
    timing: { ...entry.timing, perPoint: entry.timing.perPoint.map((p) => ({ ...p, at: { ...p.at } })) },
    timeouts: { ...entry.timeouts },
  };
  if (entry.kind === "offline") {
    const { warmupServer } = entry;
    return {
      ...common,
      kind: "offline",
      mode: entry.mode,
      batchSizes: entry.batchSizes,
      inputLens: entry.inputLens,
      outputLen: entry.outputLen,
      memFractionByBatch: entry.memFractionByBatch,
      dummyWeights: entry.dummyWeights,
      logWithoutInputLen: entry.logWithoutInputLen,
      extraArgs: entry.extraArgs,
      aiterArgs: entry.aiterArgs,
      passAttentionBackend: entry.passAttentionBackend,
      ...(warmupServer ? { warmupServer: serverSpec(warmupServer) } : {}),
    };
  }
  return {
    ...common,
    kind: "online",
    axis: entry.axis,
    values: entry.values,
    ...(entry.valuesByHardware ? { valuesByHardware: entry.valuesByHardware } : {}),
    repeats: entry.repeats,
    inputLen: entry.inputLen,
    outputLen: entry.outputLen,
    ...(entry.rangeRatio !== undefined ? { rangeRatio: entry.rangeRatio } : {}),
    prompts: entry.prompts,
    server: serverSpec(entry.server),
    h100Reference: entry.h100Reference,
  };
}

type ServerEntry = {
  memFractionStatic?: number | undefined;
  maxRunningRequests?: number | null | undefined;
  quantization?: string | undefined;
  attentionBackendFlag?: boolean | undefined;
  env?: Record<string, string> | undefined;
  extraArgs?: string[] | undefined;
};

function serverSpec(s: ServerEntry): OnlineSuite["server"] {
  return {
    ...(s.memFractionStatic !== undefined ? { memFractionStatic: s.memFractionStatic } : {}),
    ...(typeof s.maxRunningRequests === "number" ? { maxRunningRequests: s.maxRunningRequests } : {}),
    ...(s.quantization ? { quantization: s.quantization } : {}),
    attentionBackendFlag: s.attentionBackendFlag ?? false,
    env: { ...s.env },
    extraArgs: [...(s.extraArgs ?? [])],
  };
}

/** The suite run as a variant: own id and run folder, extra server flags and environment. */
export function applyVariant(suite: OnlineSuite, key: string, v: VariantEntry): OnlineSuite {
  const server = { ...suite.server, env: { ...suite.server.env, ...v.server.env } };
  if (v.server.memFractionStatic !== undefined) server.memFractionStatic = v.server.memFractionStatic;
  if (v.server.maxRunningRequests === null) delete server.maxRunningRequests;
  else if (v.server.maxRunningRequests !== undefined) server.maxRunningRequests = v.server.maxRunningRequests;
  if (v.server.quantization !== undefined) server.quantization = v.server.quantization;
  server.extraArgs = [...suite.server.extraArgs, ...(v.server.extraArgs ?? [])];
  const envByRocm: Record<string, Record<string, string>> = { ...suite.envByRocm };
  for (const [rocm, env] of Object.entries(v.envByRocm)) envByRocm[rocm] = { ...envByRocm[rocm], ...env };
  return {
    ...suite,
    id: `${suite.id}-${key}`,
    title: `${suite.title}, ${v.title}`,
    variantKey: key,
    folderSuffix: v.folderSuffix,
    gsm8kOnly: v.gsm8kOnly,
    env: { ...suite.env, ...v.env },
    envByRocm,
    server,
    timing: { ...suite.timing, ...v.timing },
    timeouts: { ...suite.timeouts, ...v.timeouts },
  };
}

/** The variant the nightly's switches select (`check-dp-attention` + `enable-torch-compile` …), or an error. */
export function variantForFlags(catalogue: Catalogue, flags: readonly string[]): string | undefined {
  if (flags.length === 0) return undefined;
  const want = [...new Set(flags)].sort().join(" ");
  const hit = Object.entries(catalogue.variants).find(([, v]) => [...v.flags].sort().join(" ") === want);
  if (!hit) {
    const known = Object.values(catalogue.variants).map((v) => v.flags.map((f) => `--${f}`).join(" "));
    throw new CatalogueError(`No variant for ${flags.map((f) => `--${f}`).join(" ")} (known: ${known.join("; ")})`);
  }
  return hit[0];
}

/** The model path of a sanity entry: absolute as written, else under the models folder. */
function underModels(path: string, modelsDir: string): string {
  return isAbsolute(path) ? path : join(modelsDir, path);
}

/**
 * The sanity sweep on one hardware: one GSM8K-only online suite per model that has a path and a
 * launch setting for it, `trials` GSM8K runs, pass at the model's accuracy floor.
 */
export function sanitySuites(
  catalogue: Catalogue,
  hardware: string,
  options: { trials?: number; modelsDir?: string; models?: readonly string[] } = {},
): OnlineSuite[] {
  const modelsDir = options.modelsDir ?? catalogue.sanity.modelsDir;
  const trials = options.trials ?? catalogue.sanity.trials;
  const wanted = options.models?.map((m) => m.toLowerCase());
  const suites: OnlineSuite[] = [];
  for (const [name, m] of Object.entries(catalogue.sanity.models)) {
    if (wanted && !wanted.includes(name.toLowerCase())) continue;
    const path = perHardware(m.paths, hardware);
    const launch = m.launch[hardware as "mi30x" | "mi35x"] ?? m.launch.default;
    if (!path || !launch) continue;
    const modelPath = underModels(path, modelsDir);
    const tok = perHardware(m.tokenizer, hardware);
    suites.push({
      id: `sanity-${name}`,
      title: `Sanity ${name} (GSM8K, ${trials} trial${trials === 1 ? "" : "s"}, floor ${m.gsm8kMinAccuracy})`,
      kind: "online",
      model: `sanity:${name}`,
      modelKey: `sanity:${name}`,
      modelName: name,
      variant: "GSM8K",
      modelPath,
      modelPaths: {},
      ...(tok ? { tokenizer: underModels(tok, modelsDir) } : {}),
      tokenizers: {},
      tokenizerFromModel: false,
      tp: 8,
      gsm8k: { ...catalogue.gsm8k, runs: trials, threshold: m.gsm8kMinAccuracy },
      gsm8kMinAccuracy: m.gsm8kMinAccuracy,
      env: { ...launch.env },
      envByRocm: {},
      aiterVariable: "none",
      folderSuffix: "sanity",
      gsm8kOnly: true,
      timing: { startupMinutes: 5, startupPerRun: false, gsm8kMinutes: 3 * trials, minutesPerPoint: 1, perPoint: [] },
      timeouts: { readyS: 1800, gsm8kS: 900 },
      axis: "concurrency",
      values: [1],
      repeats: 1,
      inputLen: 1,
      outputLen: 1,
      prompts: { perValue: 1, cap: 1 },
      // The table's launch arguments as written (TP included); the tp-size above is for planning only.
      server: { attentionBackendFlag: false, env: {}, extraArgs: [...launch.args], verbatim: true },
      h100Reference: false,
    });
  }
  return suites;
}
