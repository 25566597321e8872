/**
 * The suite catalogue as data: the original scripts' benchmark parameters (original-toolkit.md §1–3, §2.9),
 * overridable from a JSON/YAML file, and the argv arrays that run them.
 *
 * Commands are argv arrays with full flag names (`--model-path`, `--tp-size`, `--input-len` …), never shell
 * strings: the seed relied on argparse prefix abbreviations (`--model`, `--input`) that break as soon as
 * SGLang adds an option sharing the prefix (§1.3).
 */
import { z } from "zod";
import { backendRule, type AttentionBackend, type ImageInfo } from "./images.js";
import { builtinCatalogue, type Catalogue } from "./catalogue.js";
import type { Point } from "../results/index.js";

/**
 * The model a suite runs: a catalogue model key (`grok1`, `grok2`, `deepseek`, `deepseek-r1-mxfp4`, or a
 * user's). For the built-in families the suite's `model` is the family, which decides log names.
 */
export const SuiteModelSchema = z.string().min(1);
export type SuiteModel = z.infer<typeof SuiteModelSchema>;

/** The GSM8K accuracy gate run against a live server (§3). */
export const Gsm8kGateSchema = z.object({
  runs: z.number().int().positive(),
  threshold: z.number().min(0).max(1),
  numQuestions: z.number().int().positive(),
  parallel: z.number().int().positive(),
  numShots: z.number().int().nonnegative(),
  /** Path of SGLang's `benchmark/gsm8k/bench_sglang.py` inside the container. */
  script: z.string(),
});
export type Gsm8kGate = z.infer<typeof Gsm8kGateSchema>;

/** Server launch parameters (online suites and DeepSeek's offline warm-up server). */
export const ServerSpecSchema = z.object({
  memFractionStatic: z.number().positive().max(1).optional(),
  maxRunningRequests: z.number().int().positive().optional(),
  quantization: z.string().optional(),
  /** Pass `--attention-backend <backend>` (Grok); DeepSeek leaves the choice to SGLang. */
  attentionBackendFlag: z.boolean().default(false),
  /** Extra environment the seed set for this server only. */
  env: z.record(z.string(), z.string()).default({}),
  extraArgs: z.array(z.string()).default([]),
  /** extraArgs are the whole launch line after the model and tokenizer (sanity table entries). */
  verbatim: z.boolean().optional(),
});
export type ServerSpec = z.infer<typeof ServerSpecSchema>;

const PerHardware = z.object({ default: z.string(), mi30x: z.string(), mi35x: z.string() }).partial();

/** Time estimates of a suite (the one source for plans, dry runs and the nightly). */
export const SuiteTimingSchema = z.object({
  startupMinutes: z.number().nonnegative().default(0),
  startupPerRun: z.boolean().default(false),
  gsm8kMinutes: z.number().nonnegative().default(0),
  minutesPerPoint: z.number().positive().default(3),
  perPoint: z
    .array(
      z.object({
        at: z.record(z.string(), z.number()),
        minutes: z.number().positive().optional(),
        noisePct: z.number().nonnegative().optional(),
      }),
    )
    .default([]),
});
export type SuiteTiming = z.infer<typeof SuiteTimingSchema>;

/**
 * Time limits of a suite's commands, in seconds (sized from the real nightlies: DeepSeek's server took
 * up to 888 s to get ready, one bench_serving run up to 2574 s, one GSM8K run ~170 s).
 */
export const SuiteTimeoutsSchema = z.object({
  /** Launch → ready. */
  readyS: z.number().positive().optional(),
  /** One benchmark command (bench_serving run, bench_one_batch point). */
  benchmarkS: z.number().positive().optional(),
  /** One GSM8K run. */
  gsm8kS: z.number().positive().optional(),
});
export type SuiteTimeouts = z.infer<typeof SuiteTimeoutsSchema>;

const common = {
  id: z.string(),
  title: z.string(),
  /** Family for the built-in models (grok1, grok2, deepseek), else the catalogue model key. */
  model: SuiteModelSchema,
  /** The catalogue model key (`deepseek-r1-mxfp4`); defaults to `model`. */
  modelKey: z.string().optional(),
  /** Folder spelling: GROK1, GROK2, DeepSeek-V3-0324. */
  modelName: z.string(),
  variant: z.string(),
  modelPath: z.string(),
  /** Model paths per hardware (`default`, `mi30x`, `mi35x`), used when modelPath is the default one. */
  modelPaths: PerHardware.default({}),
  /** Tokenizer name or path; absent → the model path. */
  tokenizer: z.string().optional(),
  tokenizers: PerHardware.default({}),
  /** The tokenizer is the model folder (the current Grok-1 online scripts). */
  tokenizerFromModel: z.boolean().default(false),
  tp: z.number().int().positive(),
  gsm8k: Gsm8kGateSchema.optional(),
  /** The model's GSM8K accuracy floor (the gate's default threshold). */
  gsm8kMinAccuracy: z.number().min(0).max(1).optional(),
  /** Environment of every command (model, kind, suite and variant variables). */
  env: z.record(z.string(), z.string()).default({}),
  /** More variables on images of one ROCm build (`700`). */
  envByRocm: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** How the aiter variable is set: Grok `on_aiter`, DeepSeek `always` (1), sanity `none` (its env says). */
  aiterVariable: z.enum(["on_aiter", "always", "none"]).default("on_aiter"),
  /** Variant key (`dp_attention`) and the run folder suffix it writes under. */
  variantKey: z.string().optional(),
  folderSuffix: z.string().optional(),
  /** Start the server and run the GSM8K gate only (no serving sweep). */
  gsm8kOnly: z.boolean().default(false),
  /** Hardware the suite runs on (absent: any). */
  hardware: z.array(z.string()).optional(),
  /** Hugging Face repository and disk space for `--download-model`. */
  download: z.object({ repo: z.string(), diskGb: z.number().positive() }).optional(),
  timing: SuiteTimingSchema.default({
    startupMinutes: 0,
    startupPerRun: false,
    gsm8kMinutes: 0,
    minutesPerPoint: 3,
    perPoint: [],
  }),
  timeouts: SuiteTimeoutsSchema.default({}),
};

export const OfflineSuiteSchema = z.object({
  ...common,
  kind: z.literal("offline"),
  mode: z.enum(["normal", "long_context", "dummy"]),
  batchSizes: z.array(z.number().int().positive()).nonempty(),
  inputLens: z.array(z.number().int().positive()).nonempty(),
  outputLen: z.number().int().positive(),
  /** `--mem-fraction-static` per batch size (the seed: 0.85 at 128, 0.75 at 256). Keys are batch sizes. */
  memFractionByBatch: z.record(z.string(), z.number()).default({}),
  /** Load random weights (`--load-format dummy`). */
  dummyWeights: z.boolean().default(false),
  /** Log name without `_il<IL>` (DeepSeek and pre-June Grok). */
  logWithoutInputLen: z.boolean().default(false),
  extraArgs: z.array(z.string()).default([]),
  /** Extra args only with the aiter backend (dummy mode's torch compile). */
  aiterArgs: z.array(z.string()).default([]),
  passAttentionBackend: z.boolean().default(true),
  /** DeepSeek's warm-up server used for its GSM8K gate before benchmarking. */
  warmupServer: ServerSpecSchema.optional(),
});
export type OfflineSuite = z.infer<typeof OfflineSuiteSchema>;

export const OnlineSuiteSchema = z.object({
  ...common,
  kind: z.literal("online"),
  axis: z.enum(["request_rate", "concurrency"]),
  /** Request rates (req/s) or concurrencies, in the seed's run order. */
  values: z.array(z.number().positive()).nonempty(),
  /** Values on one hardware instead (`mi35x`: the original runs Grok's rates 1–8 there, not 16). */
  valuesByHardware: z.record(z.string(), z.array(z.number().positive()).nonempty()).optional(),
  repeats: z.number().int().positive(),
  inputLen: z.number().int().positive(),
  outputLen: z.number().int().positive(),
  /** `--random-range-ratio`; absent → SGLang's default (the seed's Grok runs). */
  rangeRatio: z.number().min(0).max(1).optional(),
  /** Prompts per point: `perValue × value` capped at `cap`, or `small` when value ≤ `smallUpTo` else `large`. */
  prompts: z.union([
    z.object({ perValue: z.number().int().positive(), cap: z.number().int().positive() }),
    z.object({ smallUpTo: z.number(), small: z.number().int().positive(), large: z.number().int().positive() }),
  ]),
  server: ServerSpecSchema,
  /** Write the baseline CSV layout with the H100 reference rows and ratios. */
  h100Reference: z.boolean().default(false),
});
export type OnlineSuite = z.infer<typeof OnlineSuiteSchema>;

export const SuiteSchema = z.discriminatedUnion("kind", [OfflineSuiteSchema, OnlineSuiteSchema]);
export type Suite = z.infer<typeof SuiteSchema>;

/** The catalogue's suites (catalogue/sglbench-catalogue.yaml), every variant included. */
export const SUITES: readonly Suite[] = builtinCatalogue().suites;

/** Per-suite overrides from a config file: any field but the id and kind. */
export const SuiteOverridesSchema = z.object({
  suites: z.record(z.string(), z.record(z.string(), z.unknown())),
});

/**
 * Applies overrides (`{ suites: { "<id>": { batchSizes: [...] } } }`, parsed from JSON or YAML) to the catalogue.
 * Unknown suite ids and invalid values are errors naming the suite and field, so a typo is not silently ignored.
 */
export function applySuiteOverrides(catalogue: readonly Suite[], overrides: unknown, source = "<overrides>"): Suite[] {
  const parsed = SuiteOverridesSchema.safeParse(overrides);
  if (!parsed.success)
    throw new Error(`${source}: expected { suites: { <suite id>: { field: value } } }: ${parsed.error.message}`);
  const byId = new Map(catalogue.map((s) => [s.id, s]));
  for (const id of Object.keys(parsed.data.suites)) {
    if (!byId.has(id)) throw new Error(`${source}: unknown suite "${id}" (known: ${[...byId.keys()].join(", ")})`);
  }
  return catalogue.map((suite) => {
    const patch = parsed.data.suites[suite.id];
    if (!patch) return suite;
    if ("id" in patch || "kind" in patch)
      throw new Error(`${source}: suite "${suite.id}": id and kind cannot be overridden`);
    const result = SuiteSchema.safeParse({ ...suite, ...patch });
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`${source}: suite "${suite.id}": ${issues}`);
    }
    return result.data;
  });
}

/** A suite by id, or an error listing the known ids. */
export function findSuite(id: string, catalogue: readonly Suite[] = SUITES): Suite {
  const suite = catalogue.find((s) => s.id === id);
  if (!suite) throw new Error(`Unknown suite "${id}" (known: ${catalogue.map((s) => s.id).join(", ")})`);
  return suite;
}

/** The catalogue model key a name or alias stands for (`grok` → `grok1`, `DeepSeek-V3` → `deepseek`). */
export function modelKeyFor(name: string, catalogue: Catalogue = builtinCatalogue()): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, model] of Object.entries(catalogue.models))
    if (key.toLowerCase() === lower || model.aliases.some((a) => a.toLowerCase() === lower)) return key;
  return undefined;
}

/** The catalogue suite (no variant) for the seed's `--mode` (offline) or model (online). */
export function suiteFor(
  kind: "offline" | "online",
  model: SuiteModel,
  mode = "normal",
  catalogue: readonly Suite[] = SUITES,
): Suite {
  const key = modelKeyFor(model) ?? model;
  const suite = catalogue.find(
    (s) =>
      s.kind === kind && !s.variantKey && (s.modelKey ?? s.model) === key && (s.kind === "online" || s.mode === mode),
  );
  if (!suite) {
    const known = catalogue.filter((s) => !s.variantKey).map((s) => s.id);
    throw new Error(
      `No ${kind} suite for model "${model}"${kind === "offline" ? ` mode ${mode}` : ""} (known: ${known.join(", ")})`,
    );
  }
  return suite;
}

/**
 * The suite with its paths and points for one hardware (`mi35x` runs Grok-2 from /data/grok-2, at
 * rates 1–8). Paths a caller set (`--model-path`) differ from the default and are kept.
 */
export function suiteForHardware<S extends Suite>(suite: S, hardware: string | undefined): S {
  const pick = (map: Record<string, string | undefined>, current: string | undefined): string | undefined => {
    const byHw = hardware ? map[hardware] : undefined;
    return byHw && current === map.default ? byHw : current;
  };
  const modelPath = pick(suite.modelPaths, suite.modelPath) ?? suite.modelPath;
  const tokenizer = suite.tokenizerFromModel ? modelPath : pick(suite.tokenizers, suite.tokenizer);
  const values = suite.kind === "online" && hardware ? suite.valuesByHardware?.[hardware] : undefined;
  return { ...suite, modelPath, ...(tokenizer !== undefined ? { tokenizer } : {}), ...(values ? { values } : {}) };
}

/** A command: argv (argv[0] is the program), its environment additions, and the log file it writes. */
export interface SuiteCommand {
  argv: string[];
  env: Record<string, string>;
  log: string;
}

/** Where the runner points commands at. */
export interface CommandOptions {
  /** Server host for clients (default 127.0.0.1). */
  host?: string;
  /** Server port (default 30000, the seed's). */
  port?: number;
  /** Program that runs Python (default `python3`). */
  python?: string;
}

export interface OfflinePointCommand extends SuiteCommand {
  point: Point;
}

/** Every point of an offline suite in the seed's loop order (TP → batch size → input length). */
export function offlinePoints(suite: OfflineSuite): Point[] {
  const points: Point[] = [];
  for (const bs of suite.batchSizes)
    for (const il of suite.inputLens)
      points.push({ tp: suite.tp, batch_size: bs, input_len: il, output_len: suite.outputLen });
  return points;
}

/** Every point of an online suite in the seed's run order. */
export function onlinePoints(suite: OnlineSuite): Point[] {
  if (suite.gsm8kOnly) return [];
  // Request-rate points carry no lengths: the seed's Grok files never did, so ingest keys them by rate only.
  return suite.values.map((v) =>
    suite.axis === "request_rate"
      ? { request_rate: v }
      : { concurrency: v, input_len: suite.inputLen, output_len: suite.outputLen },
  );
}

/**
 * The suite's attention backend and environment on one image, in the original's order
 * (`[RCCL_MSCCL_ENABLE=0] <AITER_VAR>=… <model/kind/suite/variant variables> [ROCm extras]`).
 * The aiter variable: Grok (`on_aiter`) 1 on aiter images, 0 offline on triton ones and unset online;
 * DeepSeek (`always`) 1 whatever the image, as its scripts do; sanity models (`none`) set it in their env.
 */
export function environmentFor(
  suite: Suite,
  info: ImageInfo,
): { backend: AttentionBackend; env: Record<string, string> } {
  const { backend, variable } = backendRule(info).decide(info);
  const env: Record<string, string> = {};
  if (suite.env.RCCL_MSCCL_ENABLE !== undefined) env.RCCL_MSCCL_ENABLE = suite.env.RCCL_MSCCL_ENABLE;
  if (suite.aiterVariable === "always" || (suite.aiterVariable === "on_aiter" && backend === "aiter"))
    env[variable] = "1";
  else if (suite.aiterVariable === "on_aiter" && suite.kind === "offline") env[variable] = "0";
  Object.assign(env, suite.env, (info.rocm && suite.envByRocm[info.rocm]) || {});
  // A crashing GPU process would otherwise write a core dump of many GB (the original cron jobs
  // prefix HSA_ENABLE_COREDUMP=0 since Dec 2025). It changes no measurement.
  return { backend, env: { ...env, HSA_ENABLE_COREDUMP: "0" } };
}

/** Backend and environment of a catalogue suite (by model, kind and mode) on one image, core-dump switch left out. */
export function suiteEnvironment(
  info: ImageInfo,
  input: { model: SuiteModel; kind: "offline" | "online"; mode?: string },
): { backend: AttentionBackend; env: Record<string, string> } {
  const { backend, env } = environmentFor(suiteFor(input.kind, input.model, input.mode), info);
  delete env.HSA_ENABLE_COREDUMP;
  return { backend, env };
}

/** bench_one_batch for one offline point. */
export function offlineCommand(
  base: OfflineSuite,
  point: Point,
  info: ImageInfo,
  opts: CommandOptions = {},
): OfflinePointCommand {
  const suite = suiteForHardware(base, info.hardware);
  const { backend, env } = environmentFor(suite, info);
  const bs = point.batch_size ?? 1;
  const il = point.input_len ?? suite.inputLens[0];
  const argv = [opts.python ?? "python3", "-m", "sglang.bench_one_batch", "--model-path", suite.modelPath];
  if (suite.tokenizer) argv.push("--tokenizer-path", suite.tokenizer);
  argv.push(
    "--tp-size",
    String(suite.tp),
    "--batch-size",
    String(bs),
    "--input-len",
    String(il),
    "--output-len",
    String(suite.outputLen),
  );
  if (suite.passAttentionBackend) argv.push("--attention-backend", backend);
  if (suite.dummyWeights) argv.push("--load-format", "dummy");
  argv.push(...suite.extraArgs);
  if (backend === "aiter") argv.push(...suite.aiterArgs);
  const mem = suite.memFractionByBatch[String(bs)];
  if (mem !== undefined) argv.push("--mem-fraction-static", String(mem));
  const log = suite.logWithoutInputLen ? `tp${suite.tp}_bs${bs}.log` : `tp${suite.tp}_bs${bs}_il${il}.log`;
  return { point, argv, env, log };
}

/** The server launch command for an online suite (or DeepSeek's offline warm-up server). */
export function serverCommand(base: Suite, info: ImageInfo, opts: CommandOptions = {}): SuiteCommand {
  const suite = suiteForHardware(base, info.hardware);
  const spec = suite.kind === "online" ? suite.server : suite.warmupServer;
  if (!spec) throw new Error(`Suite ${suite.id} has no server`);
  const { backend, env } = environmentFor(suite, info);
  const argv = [opts.python ?? "python3", "-m", "sglang.launch_server", "--model-path", suite.modelPath];
  if (suite.tokenizer) argv.push("--tokenizer-path", suite.tokenizer);
  if (spec.verbatim) {
    argv.push(...spec.extraArgs, "--host", opts.host ?? "127.0.0.1", "--port", String(opts.port ?? 30000));
    return { argv, env: { ...env, ...spec.env }, log: "sglang_server.log" };
  }
  argv.push("--tp-size", String(suite.tp));
  if (spec.quantization) argv.push("--quantization", spec.quantization);
  if (spec.attentionBackendFlag) argv.push("--attention-backend", backend);
  if (spec.memFractionStatic !== undefined) argv.push("--mem-fraction-static", String(spec.memFractionStatic));
  if (spec.maxRunningRequests !== undefined) argv.push("--max-running-requests", String(spec.maxRunningRequests));
  argv.push(...spec.extraArgs, "--host", opts.host ?? "127.0.0.1", "--port", String(opts.port ?? 30000));
  const deepseekLog = suite.kind === "online" ? "sglang_server.log" : "sglang_warmup_server.log";
  return {
    argv,
    env: { ...env, ...spec.env },
    // Grok's scripts name the server log after aiter whatever the backend (original-toolkit.md §10 #5).
    log: suite.model.startsWith("grok") ? "server_output_aiter.log" : deepseekLog,
  };
}

/** Prompts for one online point (`min(300 × rate, 2400)` for Grok; 128/500 by concurrency for DeepSeek). */
export function promptsFor(suite: OnlineSuite, value: number): number {
  const p = suite.prompts;
  return "perValue" in p ? Math.min(p.perValue * value, p.cap) : value <= p.smallUpTo ? p.small : p.large;
}

/** bench_serving for one online point (log name is set by the runner: it carries the run number and timestamp). */
export function clientCommand(
  suite: OnlineSuite,
  point: Point,
  opts: CommandOptions = {},
): Omit<SuiteCommand, "log"> & { point: Point } {
  const value = point[suite.axis] ?? suite.values[0] ?? 1;
  const argv = [opts.python ?? "python3", "-m", "sglang.bench_serving", "--backend", "sglang"];
  argv.push("--tokenizer", suite.tokenizer ?? suite.modelPath);
  argv.push(
    "--dataset-name",
    "random",
    "--random-input-len",
    String(suite.inputLen),
    "--random-output-len",
    String(suite.outputLen),
  );
  if (suite.rangeRatio !== undefined) argv.push("--random-range-ratio", String(suite.rangeRatio));
  argv.push("--num-prompts", String(promptsFor(suite, value)));
  if (suite.axis === "request_rate") argv.push("--request-rate", String(value));
  else argv.push("--max-concurrency", String(value));
  argv.push("--host", opts.host ?? "127.0.0.1", "--port", String(opts.port ?? 30000));
  return { point, argv, env: {} };
}

/** One GSM8K run against the live server. */
export function gsm8kCommand(gate: Gsm8kGate, opts: CommandOptions = {}): string[] {
  return [
    opts.python ?? "python3",
    gate.script,
    "--num-questions",
    String(gate.numQuestions),
    "--parallel",
    String(gate.parallel),
    "--num-shots",
    String(gate.numShots),
    "--host",
    `http://${opts.host ?? "127.0.0.1"}`,
    "--port",
    String(opts.port ?? 30000),
  ];
}

/** Minutes one repeat of a point takes (the suite's per-point timing when it names the point). */
export function pointMinutes(suite: Suite, point: Point): number {
  const entry = suite.timing.perPoint.find(
    (e) => e.minutes !== undefined && Object.entries(e.at).every(([k, v]) => point[k as keyof Point] === v),
  );
  return entry?.minutes ?? suite.timing.minutesPerPoint;
}

/** Typical relative noise (%) of a point from the catalogue, when it gives one. */
export function pointNoise(suite: Suite, point: Point): number | undefined {
  return suite.timing.perPoint.find(
    (e) => e.noisePct !== undefined && Object.entries(e.at).every(([k, v]) => point[k as keyof Point] === v),
  )?.noisePct;
}

/** The suite's typed points (offline sweep, online sweep; none for a GSM8K-only suite). */
export function suitePoints(suite: Suite): Point[] {
  return suite.kind === "offline" ? offlinePoints(suite) : onlinePoints(suite);
}

/**
 * Wall minutes of a whole run: startup (per point when the model loads per process), GSM8K, and each
 * point's minutes × repeats. The one estimate behind dry runs, plans and the nightly.
 */
export function estimateMinutes(suite: Suite, repeats = suite.kind === "online" ? suite.repeats : 1): number {
  const t = suite.timing;
  const points = suitePoints(suite);
  const work = points.reduce(
    (sum, p) => sum + repeats * (pointMinutes(suite, p) + (t.startupPerRun ? t.startupMinutes : 0)),
    0,
  );
  const gsm8k = suite.gsm8k ? t.gsm8kMinutes : 0;
  return work + (t.startupPerRun && points.length > 0 ? 0 : t.startupMinutes) + gsm8k;
}

/** Everything a suite would run on one image, for `--dry-run` and planning. */
export interface SuiteCommands {
  server?: SuiteCommand;
  gsm8k?: string[];
  points: { point: Point; argv: string[]; env: Record<string, string>; repeats: number }[];
  estimatedMinutes: number;
}

/** All commands of a suite on one image (argv arrays with full flag names). */
export function buildCommands(base: Suite, info: ImageInfo, opts: CommandOptions = {}): SuiteCommands {
  const suite = suiteForHardware(base, info.hardware);
  const gsm8k = suite.gsm8k ? gsm8kCommand(suite.gsm8k, opts) : undefined;
  if (suite.kind === "offline") {
    const points = offlinePoints(suite).map((p) => ({ ...offlineCommand(suite, p, info, opts), repeats: 1 }));
    return {
      ...(suite.warmupServer ? { server: serverCommand(suite, info, opts) } : {}),
      ...(gsm8k ? { gsm8k } : {}),
      points,
      estimatedMinutes: estimateMinutes(suite),
    };
  }
  const points = onlinePoints(suite).map((p) => ({ ...clientCommand(suite, p, opts), repeats: suite.repeats }));
  return {
    server: serverCommand(suite, info, opts),
    ...(gsm8k ? { gsm8k } : {}),
    points,
    estimatedMinutes: estimateMinutes(suite),
  };
}
