/**
 * The results model: one run folder = one suite on one image.
 * This file is the contract every layer shares (parsers fill it, the store writes it,
 * compare reads it). The zod schema validates results files at the edge; types come from it.
 */
import { z } from "zod";

export const RESULTS_SCHEMA_VERSION = 1;

/** Where a problem was found in an input file; parsers never throw, they report these. */
export const DiagnosticSchema = z.object({
  file: z.string(),
  /** 1-based line number, when the problem is at a line. */
  line: z.number().int().optional(),
  /** What the parser expected to find there. */
  expected: z.string().optional(),
  message: z.string(),
  severity: z.enum(["warning", "error"]),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

/**
 * The coordinates of a measured point. Offline: tp, batch_size, input_len, output_len.
 * Online: request_rate (Grok) or concurrency (DeepSeek), plus input_len/output_len when known.
 */
export const PointSchema = z.object({
  tp: z.number().optional(),
  batch_size: z.number().optional(),
  input_len: z.number().optional(),
  output_len: z.number().optional(),
  request_rate: z.number().optional(),
  concurrency: z.number().optional(),
});
export type Point = z.infer<typeof PointSchema>;
export const POINT_KEYS = ["tp", "batch_size", "input_len", "output_len", "request_rate", "concurrency"] as const;
export type PointKey = (typeof POINT_KEYS)[number];

/**
 * Why a point or run has no result. launch_failed (the server's last exception line names the cause),
 * never_ready, server_crashed (during GSM8K, warm-up or a benchmark), timeout (a command was killed),
 * requests_failed (the server answered with errors; such a repeat is never judged), low_accuracy (only
 * when the server stayed healthy and answered every GSM8K question), oom (a benchmark point ran out of
 * memory), crash (the benchmark client itself failed).
 */
export const FailureKindSchema = z.enum([
  "launch_failed",
  "never_ready",
  "server_crashed",
  "timeout",
  "oom",
  "crash",
  "low_accuracy",
  "requests_failed",
  "cancelled",
  "parse_error",
  "missing",
  "skipped",
]);
export type FailureKind = z.infer<typeof FailureKindSchema>;

export const FailureSchema = z.object({
  kind: FailureKindSchema,
  message: z.string(),
  point: PointSchema.optional(),
  /** 1-based repeat index, when the failure hit one repeat only. */
  repeat: z.number().int().optional(),
  exit_code: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  /** Last lines of the relevant log, already redacted. */
  log_tail: z.array(z.string()).optional(),
  /** The log file that shows the failure (file name in the run folder, or a path). */
  source: z.string().optional(),
  /** The cause in one line: the last exception line of the log (HIP error, OOM, address in use …). */
  cause: z.string().optional(),
  /** requests_failed: how many requests of how many the server answered with an error or aborted. */
  requests: z.object({ failed: z.number().int(), total: z.number().int() }).optional(),
});
export type Failure = z.infer<typeof FailureSchema>;

/**
 * Per-request timings of one bench_serving repeat (from `--output-details`), successful requests
 * only, in request order: what tail and median cells are judged on (verdict/request-tails.ts).
 */
export const RequestSamplesSchema = z.object({
  ttft_ms: z.array(z.number()),
  /** TTFT + the request's inter-token gaps (bench_serving's details carry no latency field). */
  e2e_ms: z.array(z.number()),
  output_len: z.array(z.number()).optional(),
  /** The compact per-request file kept in the run folder. */
  source: z.string().optional(),
});
export type RequestSamples = z.infer<typeof RequestSamplesSchema>;

/** One execution of one point. */
export const RepeatSchema = z.object({
  /** 1-based run number as the logs name it (run1, run2, …). */
  index: z.number().int(),
  /** Canonical metric name (see metrics.ts) → value. Unknown labels are kept under a slug of their label. */
  metrics: z.record(z.string(), z.number()),
  /** Raw label → raw text for values that are not numbers (`not set`, `inf`, backend name …). */
  labels: z.record(z.string(), z.string()).optional(),
  /** True for a discarded warm-up round (kept for transparency, never compared). */
  warmup: z.boolean().optional(),
  started_at: z.string().optional(),
  duration_s: z.number().optional(),
  source: z.string().optional(),
  /** Per-request timings when bench_serving wrote its details (online runs by sglbench). */
  requests: RequestSamplesSchema.optional(),
});
export type Repeat = z.infer<typeof RepeatSchema>;

export const PointResultSchema = z.object({
  point: PointSchema,
  repeats: z.array(RepeatSchema),
  failure: FailureSchema.optional(),
});
export type PointResult = z.infer<typeof PointResultSchema>;

export const Gsm8kRunSchema = z.object({
  index: z.number().int(),
  accuracy: z.number(),
  /** The GSM8K test (a server launch) it belongs to, 0-based, when one log holds several (`tee -a`). */
  launch: z.number().int().min(0).max(1000).optional(),
  invalid: z.number().optional(),
  latency_s: z.number().optional(),
  output_throughput: z.number().optional(),
});
export const Gsm8kSchema = z.object({
  runs: z.array(Gsm8kRunSchema),
  /** Average as the log printed it (or computed from runs when absent). */
  average: z.number().optional(),
  threshold: z.number().optional(),
  passed: z.boolean().optional(),
  /** Questions per run, for the binomial uncertainty. */
  num_questions: z.number().int().optional(),
  source: z.string().optional(),
});
export type Gsm8k = z.infer<typeof Gsm8kSchema>;

export const KvCacheSchema = z.object({
  num_tokens: z.number().optional(),
  /** K+V (MHA) or KV (MLA) size in GB. */
  size_gb: z.number().optional(),
  k_size_gb: z.number().optional(),
  v_size_gb: z.number().optional(),
  max_total_num_tokens: z.number().optional(),
  source: z.string().optional(),
});
export type KvCache = z.infer<typeof KvCacheSchema>;

export const ImageRefSchema = z.object({
  /** As passed, e.g. `rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013`. */
  full: z.string(),
  repo: z.string().optional(),
  tag: z.string(),
});

/**
 * Launch settings that change what a benchmark measures without any code change: the KV cache's
 * share of memory, the CUDA-graph batch limit, the prefill chunk, the request cap, the parallelism.
 */
export const LAUNCH_SETTINGS = [
  "mem_fraction_static",
  "cuda_graph_max_bs",
  "chunked_prefill_size",
  "max_running_requests",
  "tp_size",
  "dp_size",
] as const;

/** Only the known settings are kept (zod strips the rest): a forged record cannot fill the report. */
const ServerSettingsSchema = z.object(
  Object.fromEntries(LAUNCH_SETTINGS.map((k) => [k, z.number().finite().optional()])) as Record<
    (typeof LAUNCH_SETTINGS)[number],
    z.ZodOptional<z.ZodNumber>
  >,
);

export const RunResultsSchema = z.object({
  schema_version: z.literal(RESULTS_SCHEMA_VERSION),
  kind: z.enum(["offline", "online"]),
  /** Suite id from the catalogue, e.g. `grok-offline-normal`, `grok-online`, `deepseek-online`. */
  suite: z.string(),
  /** Model name and variant as the folders spell them: GROK1/MOE-I4F8, DeepSeek-V3-0324/FP8, GROK2/FP8. */
  model: z.object({ name: z.string(), variant: z.string().optional(), path: z.string().optional() }),
  /** Offline mode (normal, long_context, dummy) when relevant. */
  mode: z.string().optional(),
  image: ImageRefSchema.optional(),
  backend: z.string().optional(),
  hardware: z.string().optional(),
  node: z.string().optional(),
  commit: z.string().optional(),
  /** YYYYMMDD: the image's build date when known, else the run date. */
  date: z.string().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  points: z.array(PointResultSchema),
  gsm8k: Gsm8kSchema.optional(),
  kv_cache: KvCacheSchema.optional(),
  /** Named durations in seconds (server_startup, gsm8k, client_total, total …). */
  timings: z.record(z.string(), z.number()).optional(),
  /** The server's numeric launch settings that size memory and batching (mem_fraction_static …), from its ServerArgs line. */
  server_settings: ServerSettingsSchema.optional(),
  failures: z.array(FailureSchema),
  diagnostics: z.array(DiagnosticSchema),
  /** Files this record was built from (relative to the ingested root when possible). */
  sources: z.array(z.string()),
});
export type RunResults = z.infer<typeof RunResultsSchema>;

/** A stable key for a point, used to merge cells across runs. */
export function pointKey(point: Point): string {
  return POINT_KEYS.filter((k) => point[k] !== undefined)
    .map((k) => `${k}=${point[k]}`)
    .join(",");
}

/** How a run's suite is named to a reader: `deepseek-online`, or `deepseek-online (dp_attention)` for a variant. */
export function suiteLabel(run: Pick<RunResults, "suite" | "mode">): string {
  return run.mode ? `${run.suite} (${run.mode})` : run.suite;
}

/** True when the run measured at least one benchmark repeat (a discarded warm-up round is none). */
export function measuredAny(run: Pick<RunResults, "points">): boolean {
  return run.points.some((p) => p.repeats.some((r) => !r.warmup));
}

/** An empty record to fill in; keeps callers from forgetting the required arrays. */
export function emptyRun(init: Pick<RunResults, "kind" | "suite" | "model"> & Partial<RunResults>): RunResults {
  return { schema_version: RESULTS_SCHEMA_VERSION, points: [], failures: [], diagnostics: [], sources: [], ...init };
}
