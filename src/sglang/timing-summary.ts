/** Parser for the nightly `timing_summary_*.log`: image, host, hardware and named durations. */
import type { Diagnostic } from "../core/results/index.js";
import { splitLines } from "./lines.js";

export interface TimingSummary {
  image?: string;
  hostname?: string;
  hardware?: string;
  /** `Model:` — the model path the nightly served. */
  model?: string;
  /** `Command:` — the nightly script's command line (its flags name the serving variant). */
  command?: string;
  /** `Mode:` — online or offline. */
  mode?: "online" | "offline";
  /** Yes/no lines: `DP Attention`, `Torch Compile`, `MTP Test Enabled`, `DP Test Enabled` → true/false. */
  switches: Record<string, boolean>;
  /** Named durations in seconds: server_startup, gsm8k, total, client_rate_<r> … */
  timings: Record<string, number>;
  /**
   * The server loss the summary ends in: its last failed health check (`Server Health Check (before
   * Run N):` / `Status: FAILED - …`, with the `Connection error: YES (Run M)` before it) when no
   * restart, GSM8K result or benchmark followed it. `crashes` counts every failed check.
   */
  crash?: { line: number; text: string; crashes: number };
  /** `Average accuracy: 0.000` under `GSM8K Test Results:` (what the launch's GSM8K gate averaged). */
  gsm8kAverage?: number;
  /** `Valid runs: 0`: the GSM8K runs that gave an accuracy (0: the average is no measurement). */
  gsm8kValidRuns?: number;
  /** `GSM8K benchmark completed. Serving benchmarks skipped in DP attention mode.`: no benchmark was planned. */
  servingSkipped?: string;
  diagnostics: Diagnostic[];
}

/** Read what the summary states; lines it does not know are ignored. Never throws. */
export function parseTimingSummary(text: string, file = "<input>"): TimingSummary {
  const out: TimingSummary = { timings: {}, switches: {}, diagnostics: [] };
  let section = "";
  let connectionError: string | undefined;
  let healthCheck: string | undefined;
  let crashes = 0;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    let m: RegExpExecArray | null;
    if ((m = /^Connection error: YES \(Run (\d+)\)/i.exec(line)))
      connectionError = `GSM8K run ${m[1]}: connection error`;
    else if ((m = /^Server Health Check \(before Run (\d+)\)/i.exec(line))) healthCheck = line.replace(/:$/, "");
    else if ((m = /^Status: FAILED\b\s*-?\s*(.*)$/i.exec(line)) && healthCheck) {
      crashes++;
      const check = `${healthCheck}: FAILED${m[1] ? ` - ${m[1]}` : ""}`;
      out.crash = { line: i + 1, text: connectionError ? `${connectionError}; ${check}` : check, crashes };
      connectionError = undefined;
      healthCheck = undefined;
    } else if (/^Restart attempt: SUCCESS\b|^GSM8K Test Results:|^(Serving|Client) Benchmark Results:/i.test(line))
      delete out.crash;
    if (/Serving benchmarks skipped/i.test(line)) out.servingSkipped ??= line;
    // A header ("GSM8K Test Results:", "Client …" or "Serving Benchmark Results:", "Performance Summary:")
    // opens a section; the DeepSeek summary's serving section has a "Total duration:" of its own.
    if (/^GSM8K Test Results:/.test(line)) section = "gsm8k";
    else if (/^[A-Z][A-Za-z0-9 ]*(Results|Summary):$/.test(line)) section = "other";
    if ((m = /^Docker image:\s*(\S+)/.exec(line))) out.image = m[1];
    else if ((m = /^Hostname:\s*(\S+)/.exec(line))) out.hostname = m[1];
    else if ((m = /^Hardware:\s*(\S+)/.exec(line))) out.hardware = m[1];
    else if ((m = /^Model:\s*(\S+)/.exec(line))) out.model ??= m[1];
    else if ((m = /^Command:\s*(.+)$/.exec(line))) out.command ??= m[1];
    else if ((m = /^Mode:\s*(online|offline)\b/i.exec(line))) out.mode ??= m[1]!.toLowerCase() as "online" | "offline";
    else if ((m = /^(DP Attention|Torch Compile|MTP Test Enabled|DP Test Enabled):\s*(true|false)\b/i.exec(line)))
      out.switches[m[1]!] = m[2]!.toLowerCase() === "true";
    else if ((m = /^Server startup time:\s*(\d+(?:\.\d+)?) seconds/.exec(line)))
      out.timings.server_startup = Number(m[1]);
    else if ((m = /^Average accuracy:\s*(\d+(?:\.\d+)?)\s*$/.exec(line)) && section === "gsm8k")
      out.gsm8kAverage = Number(m[1]);
    else if ((m = /^Valid runs:\s*(\d+)\s*$/.exec(line)) && section === "gsm8k") out.gsm8kValidRuns = Number(m[1]);
    else if ((m = /^Total duration:\s*(\d+(?:\.\d+)?) seconds/.exec(line)) && section === "gsm8k")
      out.timings.gsm8k ??= Number(m[1]);
    else if ((m = /^Completed (rate|concurrency) (\S+) - Total time:\s*(\d+(?:\.\d+)?) seconds/.exec(line)))
      out.timings[`client_${m[1]}_${m[2]}`] = Number(m[3]);
    else if ((m = /^Total execution time:\s*(\d+(?:\.\d+)?) seconds/.exec(line))) out.timings.total = Number(m[1]);
  }
  if (Object.keys(out.timings).length === 0 && !out.image)
    out.diagnostics.push({
      file,
      expected: "`Docker image:` or `... seconds` lines",
      message: "timing summary has nothing readable",
      severity: "warning",
    });
  return out;
}
