/** The seed's `timing_summary_<ts>.log` (original-toolkit.md §2.7), in the lines its readers parse. */
import type { RunResults } from "../core/results/index.js";
import { bestOfRepeats } from "../store/seed-files.js";

const fmt = (d: Date): string =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
const secs = (x: number | undefined): string => String(Math.round(x ?? 0));

/** Timing summary text for a finished (or stopped) run. */
export function formatTimingSummary(run: RunResults, at: { started: Date; finished: Date; image: string }): string {
  const t = run.timings ?? {};
  const lines = [
    "TIMING SUMMARY LOG",
    "==================",
    `Script started at: ${fmt(at.started)}`,
    `Docker image: ${at.image}`,
    `Model: ${run.model.name}`,
    ...(run.mode ? [`Mode: ${run.mode}`] : []),
    ...(run.node ? [`Hostname: ${run.node}`] : []),
    "",
    `Attention backend: ${run.backend ?? "unknown"}`,
  ];
  if (t.server_startup !== undefined) lines.push(`Server startup time: ${secs(t.server_startup)} seconds`);
  if (run.gsm8k) {
    lines.push("", "GSM8K Test Results:", `  Total duration: ${secs(t.gsm8k)} seconds`);
    if (run.gsm8k.average !== undefined) {
      lines.push(
        `  Average accuracy: ${run.gsm8k.average.toFixed(3)}`,
        `  GSM8K accuracy: ${run.gsm8k.average.toFixed(3)}`,
      );
    }
    lines.push(`  Number of runs: ${run.gsm8k.runs.length}`);
  }
  if (run.kind === "online") {
    lines.push("", "Client Benchmark Results:");
    for (const [key, value] of Object.entries(t)) {
      const m = /^(request_rate|concurrency)_(.+)$/.exec(key);
      if (m)
        lines.push(
          `Completed ${m[1] === "concurrency" ? "concurrency" : "rate"} ${m[2]} - Total time: ${secs(value)} seconds`,
        );
    }
    lines.push(`  Total duration: ${secs(t.client_total)} seconds`);
    if (t.server_shutdown !== undefined) lines.push(`Server shutdown time: ${secs(t.server_shutdown)} seconds`);
    lines.push("", "Performance Summary:", "===================");
    for (const p of run.points) {
      const best = bestOfRepeats(p.repeats.filter((r) => !r.warmup));
      const label =
        p.point.concurrency !== undefined
          ? `Concurrency ${p.point.concurrency}`
          : `Request Rate ${p.point.request_rate}`;
      const ms = (k: string): string => (best?.metrics[k] !== undefined ? `${best.metrics[k]} ms` : "N/A");
      lines.push(
        `${label}:`,
        `  E2E Latency: ${ms("median_e2e_latency_ms")}`,
        `  TTFT: ${ms("median_ttft_ms")}`,
        `  ITL: ${ms("median_itl_ms")}`,
        "",
      );
    }
  }
  if (run.failures.length) {
    lines.push("", "Failures:");
    for (const f of run.failures) lines.push(`  ${f.kind}: ${f.message}`);
  }
  const total = (at.finished.getTime() - at.started.getTime()) / 1000;
  const bar = "=".repeat(40);
  lines.push(
    "",
    bar,
    "OVERALL SCRIPT SUMMARY",
    bar,
    `Script ended at: ${fmt(at.finished)}`,
    `Total execution time: ${secs(total)} seconds (${Math.round(total / 60)} minutes)`,
    bar,
    "",
  );
  return lines.join("\n");
}
