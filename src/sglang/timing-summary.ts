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
  diagnostics: Diagnostic[];
}

/** Read what the summary states; lines it does not know are ignored. Never throws. */
export function parseTimingSummary(text: string, file = "<input>"): TimingSummary {
  const out: TimingSummary = { timings: {}, switches: {}, diagnostics: [] };
  let section = "";
  for (const raw of splitLines(text)) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
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
