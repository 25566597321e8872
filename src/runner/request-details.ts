/**
 * Per-request timings of bench_serving repeats: the runner asks bench_serving for its details
 * (`--output-file` under the run folder, which every executor binds at the same path, plus
 * `--output-details`), then keeps a compact copy (TTFT, E2E, output length per request) in the run
 * folder's `requests/` and on the repeat, and removes the raw file (every token gap and generated text).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import type { Repeat } from "../core/results/index.js";
import { parseJsonl } from "../sglang/jsonl.js";
import { parseServingDetails } from "../sglang/serving.js";
import { requestDetailsNames } from "../store/layout.js";

/** Where one repeat's details go, and the bench_serving arguments that write them there. */
export interface RequestDetailsTarget {
  args: string[];
  raw: string;
  compact: string;
}

/** Target for the repeat whose client log is `clientLogPath` (details go to `requests/` beside it). */
export function requestDetailsTarget(clientLogPath: string): RequestDetailsTarget {
  const folder = dirname(clientLogPath);
  const names = requestDetailsNames(basename(clientLogPath));
  const raw = join(folder, names.raw);
  return { raw, compact: join(folder, names.compact), args: ["--output-file", raw, "--output-details"] };
}

/** Removes a stale raw file (bench_serving appends), so the record read afterwards is this repeat's. */
export async function prepareRequestDetails(target: RequestDetailsTarget): Promise<void> {
  await mkdir(dirname(target.raw), { recursive: true });
  await rm(target.raw, { force: true });
}

/**
 * Reads the repeat's raw details, attaches the compact samples to `repeat` and writes them beside the
 * log. A missing or detail-less file (an old bench_serving, a crashed run) leaves the repeat as it is:
 * its cells are then judged on the run-level values.
 */
export async function attachRequestDetails(repeat: Repeat, target: RequestDetailsTarget): Promise<void> {
  const text = await readFile(target.raw, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const { records } = parseJsonl(text, target.raw);
  const last = records[records.length - 1];
  const samples = last ? parseServingDetails(last) : undefined;
  if (samples) {
    repeat.requests = { ...samples, source: relative(dirname(dirname(target.compact)), target.compact) };
    await writeFile(target.compact, `${JSON.stringify(samples)}\n`);
  }
  await rm(target.raw, { force: true });
}
