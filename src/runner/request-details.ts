/**
 * Per-request timings of bench_serving repeats. The runner asks bench_serving for its details
 * (`--output-details`, written to a scratch file under /tmp where the command runs: the run folder is
 * not always mounted in the container), reads the file back through the executor (`cat`), keeps a
 * compact copy (TTFT, E2E, output length per request) in the run folder's `requests/` and on the
 * repeat, and removes the scratch file (it holds every token gap and generated text).
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import type { Repeat } from "../core/results/index.js";
import { parseJsonl } from "../sglang/jsonl.js";
import { parseServingDetails } from "../sglang/serving.js";
import { requestDetailsNames } from "../store/layout.js";
import type { Executor } from "./executor.js";

/** Where one repeat's details go, and the bench_serving arguments that write them there. */
export interface RequestDetailsTarget {
  args: string[];
  /** Scratch file, as the executor sees it. */
  raw: string;
  /** Compact copy in the run folder (host path). */
  compact: string;
}

/** Target for the repeat whose client log is `clientLogPath` (the compact copy goes to `requests/` beside it). */
export function requestDetailsTarget(clientLogPath: string): RequestDetailsTarget {
  const folder = dirname(clientLogPath);
  const names = requestDetailsNames(basename(clientLogPath));
  const raw = `/tmp/sglbench-${randomBytes(6).toString("hex")}-${basename(names.raw)}`;
  return { raw, compact: join(folder, names.compact), args: ["--output-file", raw, "--output-details"] };
}

/**
 * Reads the repeat's details back, attaches the compact samples to `repeat` (when there is one) and
 * writes them to the run folder; always removes the scratch file. A missing or detail-less file (an
 * old bench_serving, a crashed run) leaves the repeat as it is: its cells are then judged on the
 * run-level values.
 */
export async function collectRequestDetails(
  repeat: Repeat | undefined,
  target: RequestDetailsTarget,
  executor: Executor,
): Promise<void> {
  const lines: string[] = [];
  const read = await executor.exec(["cat", target.raw], {
    timeoutMs: 120_000,
    onLine: (line) => {
      if (line.includes('"ttfts"')) lines.splice(0, lines.length, line);
    },
  });
  await executor.exec(["rm", "-f", target.raw], { timeoutMs: 60_000 });
  if (!repeat || read.exitCode !== 0 || lines.length === 0) return;
  const { records } = parseJsonl(lines.join("\n"), target.raw);
  const samples = records[0] ? parseServingDetails(records[0]) : undefined;
  if (!samples) return;
  repeat.requests = { ...samples, source: relative(dirname(dirname(target.compact)), target.compact) };
  await mkdir(dirname(target.compact), { recursive: true });
  await writeFile(target.compact, `${JSON.stringify(samples)}\n`);
}
