/**
 * The shape of the catalogue file (catalogue/sglbench-catalogue.yaml and user files passed with
 * --suites-file): models, suites, variants and the sanity sweep, validated with zod. The file is
 * written in snake_case; keys are camel-cased before validation (see catalogue-load.ts), except the
 * maps whose keys are data (environment variables, point coordinates, batch sizes, hardware names).
 */
import { z } from "zod";

/** Hardware-keyed strings: `default` for any hardware, `mi30x` / `mi35x` for one. */
export const PerHardwareSchema = z
  .object({ default: z.string().min(1), mi30x: z.string().min(1), mi35x: z.string().min(1) })
  .partial()
  .strict();
export type PerHardware = z.infer<typeof PerHardwareSchema>;

const EnvSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "not an environment variable name"),
  z.string(),
);
const HardwareNameSchema = z.enum(["mi30x", "mi35x"]);

export const Gsm8kDefaultsSchema = z.object({
  runs: z.number().int().positive(),
  numQuestions: z.number().int().positive(),
  parallel: z.number().int().positive(),
  numShots: z.number().int().nonnegative(),
  script: z.string().min(1),
});

export const ModelEntrySchema = z
  .object({
    /** Naming and behaviour family: grok1, grok2, deepseek; anything else is generic. */
    family: z.string().default("generic"),
    displayName: z.string().optional(),
    /** Folder spelling: GROK1, GROK2, DeepSeek-V3-0324. */
    folderName: z.string().min(1),
    variant: z.string().default("FP8"),
    aliases: z.array(z.string()).default([]),
    /** Hardware the model runs on (absent: any). */
    hardware: z.array(HardwareNameSchema).optional(),
    paths: PerHardwareSchema,
    tokenizer: PerHardwareSchema.optional(),
    tp: z.number().int().positive().default(8),
    aiterVariable: z.enum(["on_aiter", "always"]).default("on_aiter"),
    env: EnvSchema.default({}),
    envOffline: EnvSchema.default({}),
    envOnline: EnvSchema.default({}),
    gsm8kMinAccuracy: z.number().min(0).max(1),
    download: z.object({ repo: z.string().min(1), diskGb: z.number().positive() }).optional(),
  })
  .strict();
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

/** Partial point coordinates (`{ concurrency: 128 }`): which points a timing entry refines. */
const PointAtSchema = z
  .object({
    tp: z.number(),
    batch_size: z.number(),
    input_len: z.number(),
    output_len: z.number(),
    request_rate: z.number(),
    concurrency: z.number(),
  })
  .partial()
  .strict();

export const TimingSchema = z
  .object({
    /** Model load (offline, per point when startupPerRun) or server start (online), minutes. */
    startupMinutes: z.number().nonnegative().default(0),
    startupPerRun: z.boolean().default(false),
    gsm8kMinutes: z.number().nonnegative().default(0),
    /** Wall minutes of one point, one repeat. */
    minutesPerPoint: z.number().positive(),
    perPoint: z
      .array(
        z
          .object({
            at: PointAtSchema,
            minutes: z.number().positive().optional(),
            noisePct: z.number().nonnegative().optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
export type Timing = z.infer<typeof TimingSchema>;

export const TimeoutsSchema = z
  .object({
    /** Launch → ready, seconds. */
    readyS: z.number().positive(),
    /** One benchmark command (bench_serving run, bench_one_batch point), seconds. */
    benchmarkS: z.number().positive(),
    /** One GSM8K run, seconds. */
    gsm8kS: z.number().positive(),
  })
  .partial()
  .strict();
export type Timeouts = z.infer<typeof TimeoutsSchema>;

const ServerEntrySchema = z
  .object({
    memFractionStatic: z.number().positive().max(1).optional(),
    maxRunningRequests: z.number().int().positive().nullable().optional(),
    quantization: z.string().optional(),
    attentionBackendFlag: z.boolean().default(false),
    env: EnvSchema.default({}),
    extraArgs: z.array(z.string()).default([]),
  })
  .strict();

const SuiteEntryCommon = {
  id: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, "letters, digits, '-', '_' or '.'"),
  title: z.string(),
  /** Key of an entry under `models`. */
  model: z.string(),
  modelPath: z.string().optional(),
  /** Tokenizer name or path; `model` = the model folder. Default: the model's tokenizer. */
  tokenizer: z.string().optional(),
  modelName: z.string().optional(),
  variant: z.string().optional(),
  tp: z.number().int().positive().optional(),
  /** The GSM8K gate; `{}` = the catalogue defaults with the model's accuracy floor. */
  gsm8k: Gsm8kDefaultsSchema.extend({ threshold: z.number().min(0).max(1) })
    .partial()
    .strict()
    .optional(),
  env: EnvSchema.default({}),
  timing: TimingSchema,
  timeouts: TimeoutsSchema.default({}),
};

export const OfflineSuiteEntrySchema = z
  .object({
    ...SuiteEntryCommon,
    kind: z.literal("offline"),
    mode: z.enum(["normal", "long_context", "dummy"]),
    batchSizes: z.array(z.number().int().positive()).nonempty(),
    inputLens: z.array(z.number().int().positive()).nonempty(),
    outputLen: z.number().int().positive(),
    memFractionByBatch: z.record(z.string().regex(/^\d+$/, "a batch size"), z.number()).default({}),
    dummyWeights: z.boolean().default(false),
    logWithoutInputLen: z.boolean().default(false),
    extraArgs: z.array(z.string()).default([]),
    aiterArgs: z.array(z.string()).default([]),
    passAttentionBackend: z.boolean().default(true),
    warmupServer: ServerEntrySchema.extend({ memFractionStatic: z.number().positive().max(1) }).optional(),
  })
  .strict();

export const OnlineSuiteEntrySchema = z
  .object({
    ...SuiteEntryCommon,
    kind: z.literal("online"),
    axis: z.enum(["request_rate", "concurrency"]),
    values: z.array(z.number().positive()).nonempty(),
    valuesByHardware: z.partialRecord(HardwareNameSchema, z.array(z.number().positive()).nonempty()).optional(),
    repeats: z.number().int().positive(),
    inputLen: z.number().int().positive(),
    outputLen: z.number().int().positive(),
    rangeRatio: z.number().min(0).max(1).optional(),
    prompts: z.union([
      z.object({ perValue: z.number().int().positive(), cap: z.number().int().positive() }).strict(),
      z
        .object({ smallUpTo: z.number(), small: z.number().int().positive(), large: z.number().int().positive() })
        .strict(),
    ]),
    server: ServerEntrySchema.extend({ memFractionStatic: z.number().positive().max(1) }),
    h100Reference: z.boolean().default(false),
  })
  .strict();

export const SuiteEntrySchema = z.discriminatedUnion("kind", [OfflineSuiteEntrySchema, OnlineSuiteEntrySchema]);
export type SuiteEntry = z.infer<typeof SuiteEntrySchema>;

export const VariantEntrySchema = z
  .object({
    title: z.string(),
    /** Nightly switches selecting the variant (all of them, no more). */
    flags: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, "a flag name without dashes in front")).nonempty(),
    /** Model keys the variant applies to. */
    models: z.array(z.string()).nonempty(),
    folderSuffix: z.string().regex(/^[a-z0-9_]+$/, "lower-case letters, digits and '_'"),
    gsm8kOnly: z.boolean().default(false),
    env: EnvSchema.default({}),
    envByRocm: z.record(z.string(), EnvSchema).default({}),
    server: ServerEntrySchema.partial().default({}),
    timeouts: TimeoutsSchema.default({}),
    timing: TimingSchema.partial().default({}),
  })
  .strict();
export type VariantEntry = z.infer<typeof VariantEntrySchema>;

export const SanityModelSchema = z
  .object({
    paths: PerHardwareSchema,
    tokenizer: PerHardwareSchema.optional(),
    gsm8kMinAccuracy: z.number().min(0).max(1),
    /** Per hardware (or `default`): the server's environment and launch_server arguments after --model-path. */
    launch: z.partialRecord(
      z.enum(["default", "mi30x", "mi35x"]),
      z.object({ env: EnvSchema.default({}), args: z.array(z.string()).default([]) }).strict(),
    ),
  })
  .strict();
export type SanityModel = z.infer<typeof SanityModelSchema>;

export const SanitySchema = z
  .object({
    trials: z.number().int().positive().default(1),
    modelsDir: z.string().default("/mnt/raid/models/huggingface"),
    models: z.record(z.string(), SanityModelSchema).default({}),
  })
  .strict();

/** One catalogue file. Every section is optional so a user file can add a single model or suite. */
export const CatalogueFileSchema = z
  .object({
    version: z.literal(1).default(1),
    gsm8k: Gsm8kDefaultsSchema.partial().strict().default({}),
    models: z.record(z.string(), ModelEntrySchema).default({}),
    suites: z.array(SuiteEntrySchema).default([]),
    variants: z.record(z.string(), VariantEntrySchema).default({}),
    sanity: SanitySchema.partial().strict().optional(),
  })
  .strict();
export type CatalogueFile = z.infer<typeof CatalogueFileSchema>;
