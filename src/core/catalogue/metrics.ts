/**
 * The metric catalogue: canonical names (the keys SGLang itself writes to its JSONL files),
 * the labels its text output prints, display names and which direction is better.
 */

export type Direction = "lower" | "higher" | "none";

export interface MetricInfo {
  /** Canonical key, as in bench_serving / bench_one_batch JSONL. */
  key: string;
  /** Human name for reports. */
  display: string;
  unit: string;
  better: Direction;
}

/** bench_serving result-block labels (without the trailing colon) → canonical key. */
export const SERVING_LABELS: Record<string, string> = {
  "Traffic request rate": "request_rate",
  "Max request concurrency": "max_concurrency",
  "Max reqeuest concurrency": "max_concurrency",
  "Successful requests": "completed",
  "Benchmark duration (s)": "duration",
  "Total input tokens": "total_input_tokens",
  "Total input text tokens": "total_input_text_tokens",
  "Total input vision tokens": "total_input_vision_tokens",
  "Total generated tokens": "total_output_tokens",
  "Total generated tokens (retokenized)": "total_output_tokens_retokenized",
  "Request throughput (req/s)": "request_throughput",
  "Input token throughput (tok/s)": "input_throughput",
  "Output token throughput (tok/s)": "output_throughput",
  "Peak output token throughput (tok/s)": "max_output_tokens_per_s",
  "Peak concurrent requests": "max_concurrent_requests",
  "Total token throughput (tok/s)": "total_throughput",
  "Total throughput (tok/s)": "total_throughput",
  Concurrency: "concurrency",
  "Accept length": "accept_length",
  "Mean E2E Latency (ms)": "mean_e2e_latency_ms",
  "Median E2E Latency (ms)": "median_e2e_latency_ms",
  "P90 E2E Latency (ms)": "p90_e2e_latency_ms",
  "P99 E2E Latency (ms)": "p99_e2e_latency_ms",
  "Mean TTFT (ms)": "mean_ttft_ms",
  "Median TTFT (ms)": "median_ttft_ms",
  "P99 TTFT (ms)": "p99_ttft_ms",
  "Mean TPOT (ms)": "mean_tpot_ms",
  "Median TPOT (ms)": "median_tpot_ms",
  "P99 TPOT (ms)": "p99_tpot_ms",
  "Mean ITL (ms)": "mean_itl_ms",
  "Median ITL (ms)": "median_itl_ms",
  "P95 ITL (ms)": "p95_itl_ms",
  "P99 ITL (ms)": "p99_itl_ms",
  "Max ITL (ms)": "max_itl_ms",
};

/** A label we do not know yet still gets a stable key: `Foo Bar (ms)` → `foo_bar_ms`. */
export function slugLabel(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

const M = (key: string, display: string, unit: string, better: Direction): MetricInfo => ({
  key,
  display,
  unit,
  better,
});

/** Metrics that reports compare, in report order. */
export const COMPARED_METRICS: MetricInfo[] = [
  // offline (bench_one_batch)
  M("overall_throughput", "E2E Throughput", "token/s", "higher"),
  M("total_latency", "E2E Latency", "s", "lower"),
  M("prefill_throughput", "Prefill Throughput", "token/s", "higher"),
  M("prefill_latency", "Prefill Latency", "s", "lower"),
  M("median_decode_throughput", "Median Decode Throughput", "token/s", "higher"),
  M("median_decode_latency", "Median Decode Latency", "s", "lower"),
  // online (bench_serving)
  M("median_e2e_latency_ms", "Median E2E Latency", "ms", "lower"),
  M("p99_e2e_latency_ms", "P99 E2E Latency", "ms", "lower"),
  M("median_ttft_ms", "Median TTFT", "ms", "lower"),
  M("p99_ttft_ms", "P99 TTFT", "ms", "lower"),
  M("median_itl_ms", "Median ITL", "ms", "lower"),
  M("p99_itl_ms", "P99 ITL", "ms", "lower"),
  M("median_tpot_ms", "Median TPOT", "ms", "lower"),
  M("output_throughput", "Output Throughput", "tok/s", "higher"),
  M("request_throughput", "Request Throughput", "req/s", "higher"),
  M("total_throughput", "Total Throughput", "tok/s", "higher"),
];

const BY_KEY = new Map(COMPARED_METRICS.map((m) => [m.key, m]));

/** Catalogue entry for a key; unknown keys get a neutral entry (never called better or worse). */
export function metricInfo(key: string): MetricInfo {
  return BY_KEY.get(key) ?? M(key, key, "", "none");
}
