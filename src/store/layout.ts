/**
 * Folder and file names of the original toolkit (original-toolkit.md §1.7, §2.4–2.9), so our runner
 * writes trees the seed's processors, plotters and people already know, and ingest reads them back.
 *
 *     <root>/offline/GROK1/<TAG>_GROK1_MOE-I4F8_offline[_long_context|_dummy]/
 *         <TAG>_GROK1_MOE-I4F8_offline[_mode].csv, tp8_bs<BS>_il<IL>.log, config.json
 *     <root>/online/GROK1/<TAG>_GROK1_MOE-I4F8_online/
 *         <TAG>_GROK1_MOE-I4F8_online.csv, server_output_aiter.log, timing_summary_<ts>.log,
 *         sglang_client_log_GROK1_<backend>_<R>_run<i>_<ts>.log, sglang_client_log_GROK1_gsm8k_<backend>.log
 *     <root>/offline/DeepSeek-V3-0324/<TAG>_DeepSeek-V3-0324_FP8_offline/ (tp8_bs32.log, …_gsm8k.log)
 *     <root>/online_benchmark_log/<hw>/<MODEL>/<TAG>_<MODEL>_<VARIANT>_online/   (later nightly layout)
 *         sglang_serving_benchmark_concurrency_<C>_run<i>_<ts>.log, <TAG>_<MODEL>_FP8_serving.csv, sglang_server.log
 */
import { join } from "node:path";

export { parseRunFolderName, parseClientLogName, parseOneBatchLogName } from "./run-folder-name.js";
export type { RunFolderName, ClientLogName } from "./run-folder-name.js";

/** Model names and variants as the seed's folders spell them. */
export const SEED_MODELS = {
  grok1: { name: "GROK1", variant: "MOE-I4F8" },
  // The 2025-09 script defaulted to MOE-I4F0; the real November folders say FP8.
  grok2: { name: "GROK2", variant: "FP8" },
  deepseek: { name: "DeepSeek-V3-0324", variant: "FP8" },
} as const;

export interface RunFolderParts {
  tag: string;
  /** `GROK1`, `GROK2`, `DeepSeek-V3-0324`. */
  model: string;
  /** `MOE-I4F8`, `FP8` … */
  variant: string;
  kind: "offline" | "online";
  /** Offline mode; `normal` (or absent) adds no suffix. */
  mode?: string;
}

/** `_long_context` / `_dummy`; empty for normal mode. */
export function modeSuffix(mode?: string): string {
  return mode && mode !== "normal" ? `_${mode}` : "";
}

/** `<TAG>_<MODEL>_<VARIANT>_<kind>[_mode]`: the run folder's name and the stem of its files. */
export function runFolderName(parts: RunFolderParts): string {
  return `${parts.tag}_${parts.model}_${parts.variant}_${parts.kind}${parts.kind === "offline" ? modeSuffix(parts.mode) : ""}`;
}

/** Which tree the folder lives in: the seed's `offline|online/<MODEL>/` or the later `online_benchmark_log/<hw>/<MODEL>/`. */
export type LayoutStyle = "classic" | "benchmark-log";

/** Path of a run folder under `root`. The benchmark-log layout needs the hardware (`mi30x`, `mi35x`). */
export function runFolderPath(
  root: string,
  parts: RunFolderParts,
  style: LayoutStyle = "classic",
  hardware?: string,
): string {
  if (style === "benchmark-log") {
    if (!hardware) throw new Error(`The ${parts.kind}_benchmark_log layout needs a hardware name (mi30x, mi35x)`);
    return join(root, `${parts.kind}_benchmark_log`, hardware, parts.model, runFolderName(parts));
  }
  return join(root, parts.kind, parts.model, runFolderName(parts));
}

/** The run's CSV: `<folder>.csv` for Grok offline/online and DeepSeek offline; DeepSeek online uses {@link servingCsvName}. */
export function runCsvName(parts: RunFolderParts): string {
  return `${runFolderName(parts)}.csv`;
}

/** DeepSeek online serving table: `<TAG>_<MODEL>_<VARIANT>_serving.csv`. */
export function servingCsvName(parts: Pick<RunFolderParts, "tag" | "model" | "variant">): string {
  return `${parts.tag}_${parts.model}_${parts.variant}_serving.csv`;
}

/** bench_one_batch log: `tp<TP>_bs<BS>_il<IL>.log` (Grok), `tp<TP>_bs<BS>.log` (DeepSeek, pre-June Grok). */
export function oneBatchLogName(point: { tp: number; batch_size: number; input_len?: number }): string {
  return point.input_len === undefined
    ? `tp${point.tp}_bs${point.batch_size}.log`
    : `tp${point.tp}_bs${point.batch_size}_il${point.input_len}.log`;
}

/** Grok client log: `sglang_client_log_<MODEL>_<backend>_<R>_run<i>_<ts>.log`. */
export function clientLogName(
  model: string,
  backend: string,
  rate: number | string,
  run: number,
  timestamp: string,
): string {
  return `sglang_client_log_${model}_${backend}_${rate}_run${run}_${timestamp}.log`;
}

/** DeepSeek client log: `sglang_serving_benchmark_concurrency_<C>_run<i>_<ts>.log`. */
export function servingLogName(concurrency: number, run: number, timestamp: string): string {
  return `sglang_serving_benchmark_concurrency_${concurrency}_run${run}_${timestamp}.log`;
}

/** GSM8K log: `sglang_client_log_GROK1_gsm8k_<backend>.log` (Grok), `sglang_client_log_<MODEL>_gsm8k.log` (DeepSeek). */
export function gsm8kLogName(model: string, backend?: string): string {
  return backend ? `sglang_client_log_${model}_gsm8k_${backend}.log` : `sglang_client_log_${model}_gsm8k.log`;
}

/**
 * Server log name. The Grok online script always wrote `server_output_aiter.log` whatever the backend
 * (§10 #5; kept so seed consumers find it); DeepSeek online writes `sglang_server.log`, its offline
 * warm-up server `sglang_warmup_server.log`.
 */
export function serverLogName(model: string, kind: "offline" | "online"): string {
  if (/deepseek/i.test(model)) return kind === "offline" ? "sglang_warmup_server.log" : "sglang_server.log";
  return "server_output_aiter.log";
}

/** `timing_summary_<ts>.log`. */
export function timingSummaryName(timestamp: string): string {
  return `timing_summary_${timestamp}.log`;
}

/** DeepSeek's GSM8K summary `<TAG>_<MODEL>_<VARIANT>_online.csv` (literal `\t`, see online-csv.ts). */
export function gsm8kOnlineCsvName(parts: Pick<RunFolderParts, "tag" | "model" | "variant">): string {
  return `${parts.tag}_${parts.model}_${parts.variant}_online.csv`;
}

/**
 * Per-request timings of one bench_serving repeat, in the run folder's `requests/` subfolder (so the
 * seed's globs over the folder see nothing new): `requests/<log stem>.json` (compact; see
 * runner/request-details.ts). `raw` is the scratch file's name bench_serving first writes (under /tmp).
 */
export const REQUESTS_DIR = "requests";
export function requestDetailsNames(clientLog: string): { raw: string; compact: string } {
  const stem = clientLog.replace(/\.log$/, "");
  return { raw: `${stem}.details.jsonl`, compact: `${REQUESTS_DIR}/${stem}.json` };
}
