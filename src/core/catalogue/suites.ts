/**
 * The suite catalogue as data: the original scripts' benchmark parameters (original-toolkit.md §1–3, §2.9),
 * overridable from a JSON/YAML file, and the argv arrays that run them.
 *
 * Commands are argv arrays with full flag names (`--model-path`, `--tp-size`, `--input-len` …), never shell
 * strings: the seed relied on argparse prefix abbreviations (`--model`, `--input`) that break as soon as
 * SGLang adds an option sharing the prefix (§1.3).
 */
import { z } from "zod";
import { suiteEnvironment, type ImageInfo } from "./images.js";
import type { Point } from "../results/index.js";

export const SuiteModelSchema = z.enum(["grok1", "grok2", "deepseek"]);
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
  memFractionStatic: z.number().positive().max(1),
  maxRunningRequests: z.number().int().positive().optional(),
  quantization: z.string().optional(),
  /** Pass `--attention-backend <backend>` (Grok); DeepSeek leaves the choice to SGLang. */
  attentionBackendFlag: z.boolean(),
  /** Extra environment the seed set for this server only. */
  env: z.record(z.string(), z.string()).default({}),
  extraArgs: z.array(z.string()).default([]),
});
export type ServerSpec = z.infer<typeof ServerSpecSchema>;

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
  model: SuiteModelSchema,
  /** Folder spelling: GROK1, GROK2, DeepSeek-V3-0324. */
  modelName: z.string(),
  variant: z.string(),
  modelPath: z.string(),
  /** Tokenizer name or path; absent → the model path. */
  tokenizer: z.string().optional(),
  tp: z.number().int().positive(),
  gsm8k: Gsm8kGateSchema.optional(),
  timeouts: SuiteTimeoutsSchema.optional(),
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
  /** Rough minutes per point on MI300X, for planning. */
  estimatedMinutesPerPoint: z.number().positive().default(3),
});
export type OfflineSuite = z.infer<typeof OfflineSuiteSchema>;

export const OnlineSuiteSchema = z.object({
  ...common,
  kind: z.literal("online"),
  axis: z.enum(["request_rate", "concurrency"]),
  /** Request rates (req/s) or concurrencies, in the seed's run order. */
  values: z.array(z.number().positive()).nonempty(),
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
  estimatedMinutesPerRepeat: z.number().positive().default(5),
});
export type OnlineSuite = z.infer<typeof OnlineSuiteSchema>;

export const SuiteSchema = z.discriminatedUnion("kind", [OfflineSuiteSchema, OnlineSuiteSchema]);
export type Suite = z.infer<typeof SuiteSchema>;

const GROK1_MODEL = "/mnt/raid/models/huggingface/amd--grok-1-W4A8KV8/";
const GROK1_TOKENIZER = "Xenova/grok-1-tokenizer";
const DEEPSEEK_MODEL = "/mnt/raid/models/huggingface/deepseek-ai/DeepSeek-V3-0324";
const GSM8K_SCRIPT = "/sgl-workspace/sglang/benchmark/gsm8k/bench_sglang.py";

const grokGsm8k: Gsm8kGate = {
  runs: 5,
  threshold: 0.8,
  numQuestions: 2000,
  parallel: 2000,
  numShots: 5,
  script: GSM8K_SCRIPT,
};
const deepseekGsm8k: Gsm8kGate = { ...grokGsm8k, threshold: 0.93 };
const grok1 = { model: "grok1", modelName: "GROK1", variant: "MOE-I4F8", modelPath: GROK1_MODEL } as const;
const deepseek = {
  model: "deepseek",
  modelName: "DeepSeek-V3-0324",
  variant: "FP8",
  modelPath: DEEPSEEK_MODEL,
} as const;

/** The built-in catalogue, parameters as the original scripts ran them. */
export const SUITES: readonly Suite[] = [
  OfflineSuiteSchema.parse({
    ...grok1,
    id: "grok-offline-normal",
    title: "Grok-1 offline, normal mode (bench_one_batch)",
    kind: "offline",
    mode: "normal",
    tokenizer: GROK1_TOKENIZER,
    tp: 8,
    batchSizes: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    inputLens: [1024],
    outputLen: 128,
    memFractionByBatch: { "128": 0.85, "256": 0.75 },
    extraArgs: [
      "--sampling-backend",
      "pytorch",
      "--quantization",
      "fp8",
      "--trust-remote-code",
      "--cuda-graph-max-bs",
      "1024",
    ],
    timeouts: { benchmarkS: 1800 },
    estimatedMinutesPerPoint: 3,
  }),
  OfflineSuiteSchema.parse({
    ...grok1,
    id: "grok-offline-long_context",
    title: "Grok-1 offline, long context (bench_one_batch)",
    kind: "offline",
    mode: "long_context",
    tokenizer: GROK1_TOKENIZER,
    tp: 8,
    batchSizes: [1],
    inputLens: [8192, 16384, 32768],
    outputLen: 10,
    extraArgs: ["--quantization", "fp8", "--trust-remote-code"],
    timeouts: { benchmarkS: 1800 },
    estimatedMinutesPerPoint: 4,
  }),
  OfflineSuiteSchema.parse({
    ...grok1,
    id: "grok-offline-dummy",
    title: "Grok-1 offline, dummy weights (bench_one_batch)",
    kind: "offline",
    mode: "dummy",
    modelPath: "/mnt/raid/models/dummy_prod1/",
    tokenizer: GROK1_TOKENIZER,
    tp: 8,
    batchSizes: [2],
    inputLens: [256],
    outputLen: 4096,
    dummyWeights: true,
    extraArgs: ["--quantization", "fp8", "--trust-remote-code"],
    aiterArgs: ["--torch-compile-max-bs", "4", "--enable-torch-compile"],
    timeouts: { benchmarkS: 3600 },
    estimatedMinutesPerPoint: 10,
  }),
  OfflineSuiteSchema.parse({
    ...deepseek,
    id: "deepseek-offline",
    title: "DeepSeek-V3 offline (GSM8K warm-up gate + bench_one_batch)",
    kind: "offline",
    mode: "normal",
    tp: 8,
    batchSizes: [32],
    inputLens: [128],
    outputLen: 32,
    logWithoutInputLen: true,
    passAttentionBackend: false,
    extraArgs: ["--disable-radix-cache", "--trust-remote-code"],
    gsm8k: deepseekGsm8k,
    warmupServer: {
      memFractionStatic: 0.7,
      maxRunningRequests: 1024,
      attentionBackendFlag: false,
      env: { TORCHINDUCTOR_AUTOTUNE_ENABLE: "0" },
      extraArgs: ["--trust-remote-code"],
    },
    timeouts: { readyS: 1800, benchmarkS: 1800, gsm8kS: 900 },
    estimatedMinutesPerPoint: 5,
  }),
  OnlineSuiteSchema.parse({
    ...grok1,
    id: "grok-online",
    title: "Grok-1 online (launch_server + GSM8K + bench_serving)",
    kind: "online",
    tokenizer: GROK1_TOKENIZER,
    tp: 8,
    axis: "request_rate",
    values: [1, 2, 4, 8, 16],
    repeats: 3,
    inputLen: 1024,
    outputLen: 1024,
    prompts: { perValue: 300, cap: 2400 },
    gsm8k: grokGsm8k,
    server: {
      memFractionStatic: 0.85,
      quantization: "fp8",
      attentionBackendFlag: true,
      extraArgs: ["--trust-remote-code"],
    },
    h100Reference: true,
    timeouts: { readyS: 900, benchmarkS: 3600, gsm8kS: 900 },
    estimatedMinutesPerRepeat: 4,
  }),
  OnlineSuiteSchema.parse({
    ...deepseek,
    id: "deepseek-online",
    title: "DeepSeek-V3 online (launch_server + GSM8K + bench_serving by concurrency)",
    kind: "online",
    tp: 8,
    axis: "concurrency",
    values: [128, 64, 16, 4, 1],
    repeats: 3,
    inputLen: 3200,
    outputLen: 800,
    rangeRatio: 1,
    prompts: { smallUpTo: 16, small: 128, large: 500 },
    gsm8k: deepseekGsm8k,
    server: {
      memFractionStatic: 0.9,
      maxRunningRequests: 1024,
      attentionBackendFlag: false,
      extraArgs: ["--trust-remote-code"],
    },
    timeouts: { readyS: 1800, benchmarkS: 3600, gsm8kS: 900 },
    estimatedMinutesPerRepeat: 6,
  }),
];

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

/** The catalogue suite for the seed's `--mode` (offline) or model (online). */
export function suiteFor(
  kind: "offline" | "online",
  model: SuiteModel,
  mode = "normal",
  catalogue: readonly Suite[] = SUITES,
): Suite {
  const family = model === "deepseek" ? "deepseek" : "grok";
  const id =
    kind === "online" ? `${family}-online` : family === "deepseek" ? "deepseek-offline" : `grok-offline-${mode}`;
  const base = findSuite(id, catalogue);
  if (model !== "grok2") return base;
  // Grok-2 runs the Grok parameters with its own folder names and tokenizer.
  // Grok-2 runs the Grok parameters with its own names; its tokenizer ships with the weights
  // (the seed: <model>/tokenizer.tok.json), so the Grok-1 tokenizer name is dropped.
  const { tokenizer: _grok1Tokenizer, ...rest } = base;
  void _grok1Tokenizer;
  return { ...rest, id: base.id.replace("grok-", "grok2-"), model: "grok2", modelName: "GROK2", variant: "FP8" };
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
  // Request-rate points carry no lengths: the seed's Grok files never did, so ingest keys them by rate only.
  return suite.values.map((v) =>
    suite.axis === "request_rate"
      ? { request_rate: v }
      : { concurrency: v, input_len: suite.inputLen, output_len: suite.outputLen },
  );
}

/** The suite's environment and attention backend for one image. */
export function environmentFor(suite: Suite, info: ImageInfo): { backend: string; env: Record<string, string> } {
  const { backend, env } = suiteEnvironment(info, {
    model: suite.model,
    kind: suite.kind,
    ...(suite.kind === "offline" ? { mode: suite.mode } : {}),
  });
  // A crashing GPU process would otherwise write a core dump of many GB (the original cron jobs
  // prefix HSA_ENABLE_COREDUMP=0 since Dec 2025). It changes no measurement.
  return { backend, env: { ...env, HSA_ENABLE_COREDUMP: "0" } };
}

/** bench_one_batch for one offline point. */
export function offlineCommand(
  suite: OfflineSuite,
  point: Point,
  info: ImageInfo,
  opts: CommandOptions = {},
): OfflinePointCommand {
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
export function serverCommand(suite: Suite, info: ImageInfo, opts: CommandOptions = {}): SuiteCommand {
  const spec = suite.kind === "online" ? suite.server : suite.warmupServer;
  if (!spec) throw new Error(`Suite ${suite.id} has no server`);
  const { backend, env } = environmentFor(suite, info);
  const argv = [opts.python ?? "python3", "-m", "sglang.launch_server", "--model-path", suite.modelPath];
  if (suite.tokenizer) argv.push("--tokenizer-path", suite.tokenizer);
  argv.push("--tp-size", String(suite.tp));
  if (spec.quantization) argv.push("--quantization", spec.quantization);
  if (spec.attentionBackendFlag) argv.push("--attention-backend", backend);
  argv.push("--mem-fraction-static", String(spec.memFractionStatic));
  if (spec.maxRunningRequests !== undefined) argv.push("--max-running-requests", String(spec.maxRunningRequests));
  argv.push(...spec.extraArgs, "--host", opts.host ?? "127.0.0.1", "--port", String(opts.port ?? 30000));
  const deepseekLog = suite.kind === "online" ? "sglang_server.log" : "sglang_warmup_server.log";
  return {
    argv,
    env: { ...env, ...spec.env },
    log: suite.model === "deepseek" ? deepseekLog : "server_output_aiter.log",
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

/** Everything a suite would run on one image, for `--dry-run` and planning. */
export interface SuiteCommands {
  server?: SuiteCommand;
  gsm8k?: string[];
  points: { point: Point; argv: string[]; env: Record<string, string>; repeats: number }[];
  estimatedMinutes: number;
}

/** All commands of a suite on one image (argv arrays with full flag names). */
export function buildCommands(suite: Suite, info: ImageInfo, opts: CommandOptions = {}): SuiteCommands {
  const gsm8k = suite.gsm8k ? gsm8kCommand(suite.gsm8k, opts) : undefined;
  if (suite.kind === "offline") {
    const points = offlinePoints(suite).map((p) => ({ ...offlineCommand(suite, p, info, opts), repeats: 1 }));
    return {
      ...(suite.warmupServer ? { server: serverCommand(suite, info, opts) } : {}),
      ...(gsm8k ? { gsm8k } : {}),
      points,
      estimatedMinutes: points.length * suite.estimatedMinutesPerPoint,
    };
  }
  const points = onlinePoints(suite).map((p) => ({ ...clientCommand(suite, p, opts), repeats: suite.repeats }));
  return {
    server: serverCommand(suite, info, opts),
    ...(gsm8k ? { gsm8k } : {}),
    points,
    estimatedMinutes: points.length * suite.repeats * suite.estimatedMinutesPerRepeat,
  };
}
