/**
 * The seed's files derived from a results record, so a run folder written by our runner also feeds
 * the original processors, plotters and dashboards (original-toolkit.md §1.6–1.7, §2.6, §2.9).
 * results.json stays the source of truth; these are views of it.
 */
import { join } from "node:path";
import { writeFileAtomic } from "./disk-write.js";
import type { PointResult, Repeat, RunResults } from "../core/results/index.js";
import { formatConfigJson, CONFIG_FILE } from "./config-json.js";
import { gsm8kOnlineCsvName, runCsvName, servingCsvName } from "./layout.js";
import {
  OFFLINE_HEADER_10,
  OFFLINE_HEADER_11,
  formatOfflineCsv,
  offlineCsvFailureRow,
  offlineCsvRowFromRepeat,
  type OfflineCsvRow,
} from "./offline-csv.js";
import {
  ONLINE_SECTIONS,
  formatGrokOnlineCsv,
  formatGsm8kOnlineCsv,
  formatServingCsv,
  type OnlineCell,
  type OnlineMetricKey,
} from "./online-csv.js";

export interface SeedFile {
  name: string;
  text: string;
}

export interface SeedFileOptions {
  /** Grok online: write the baseline layout with H100 reference + ratio rows (default: the post-July layout without). */
  withH100?: boolean;
}

const measured = (p: PointResult): Repeat[] => p.repeats.filter((r) => !r.warmup);

/**
 * The seed's "best of 3" (§2.5): the repeat with the smallest median E2E (strict `<`, first wins
 * ties); its TTFT and ITL go with it, they are not minimised on their own.
 */
export function bestOfRepeats(repeats: readonly Repeat[]): Repeat | undefined {
  let best: Repeat | undefined;
  for (const r of repeats) {
    const e2e = r.metrics.median_e2e_latency_ms;
    if (e2e === undefined) continue;
    const bestE2e = best?.metrics.median_e2e_latency_ms;
    if (bestE2e === undefined || e2e < bestE2e) best = r;
  }
  return best;
}

/**
 * The offline CSV had one row per point. With several repeats we write the one with the median
 * total latency (a typical run, not a lucky one); the other repeats live in results.json.
 */
export function representativeRepeat(repeats: readonly Repeat[]): Repeat | undefined {
  const usable = repeats.filter((r) => r.metrics.total_latency !== undefined);
  if (usable.length === 0) return repeats[0];
  const sorted = [...usable].sort((a, b) => (a.metrics.total_latency ?? 0) - (b.metrics.total_latency ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

const isDeepSeek = (run: RunResults): boolean => /deepseek/i.test(run.model.name);

function partsOf(run: RunResults): { tag: string; model: string; variant: string } {
  return {
    tag: run.image?.tag ?? "unknown",
    model: run.model.name,
    variant: run.model.variant ?? (isDeepSeek(run) ? "FP8" : "MOE-I4F8"),
  };
}

/** The seed's files for one run record (CSV, plus config.json for Grok offline and the GSM8K CSV for DeepSeek online). */
export function seedFilesForRun(run: RunResults, options: SeedFileOptions = {}): SeedFile[] {
  const parts = partsOf(run);
  if (run.kind === "offline") {
    // Grok writes the Backend column (11 columns); DeepSeek never did (10).
    const backend = isDeepSeek(run) ? undefined : (run.backend ?? "unknown");
    const rows: OfflineCsvRow[] = run.points.map((p) => {
      const repeat = representativeRepeat(measured(p));
      if (repeat) return offlineCsvRowFromRepeat(p.point, repeat, backend);
      return offlineCsvFailureRow(p.point, p.failure?.kind ?? "missing", backend);
    });
    const files: SeedFile[] = [
      {
        name: runCsvName({ ...parts, kind: "offline", ...(run.mode ? { mode: run.mode } : {}) }),
        text: formatOfflineCsv(backend === undefined ? OFFLINE_HEADER_10 : OFFLINE_HEADER_11, rows),
      },
    ];
    if (backend !== undefined && run.image) {
      files.push({ name: CONFIG_FILE, text: formatConfigJson({ docker: run.image.full, attention_backend: backend }) });
    }
    return files;
  }
  const points = seedOrder(run.points);
  const best = points.map((p) => bestOfRepeats(measured(p)));
  const values: Partial<Record<OnlineMetricKey, OnlineCell[]>> = {};
  for (const [, key] of ONLINE_SECTIONS) values[key] = best.map((r) => seedCell(r, key));
  if (isDeepSeek(run)) {
    const files: SeedFile[] = [
      {
        name: servingCsvName(parts),
        text: formatServingCsv({
          tag: parts.tag,
          model: parts.model,
          variant: parts.variant,
          concurrencies: points.map((p) => p.point.concurrency ?? ""),
          values,
        }),
      },
    ];
    if (run.gsm8k?.average !== undefined)
      files.push({ name: gsm8kOnlineCsvName(parts), text: formatGsm8kOnlineCsv(run.gsm8k.average) });
    return files;
  }
  return [
    {
      name: runCsvName({ ...parts, kind: "online" }),
      text: formatGrokOnlineCsv({
        tag: parts.tag,
        model: parts.model,
        backend: run.backend ?? "aiter",
        node: run.node ?? "unknown",
        rates: points.map((p) => p.point.request_rate ?? ""),
        values,
        withH100: options.withH100 ?? false,
      }),
    },
  ];
}

/** The seed's column order: request rates ascending (1 … 16), concurrencies descending (128 … 1). */
function seedOrder(points: readonly PointResult[]): PointResult[] {
  return [...points].sort((a, b) =>
    a.point.concurrency !== undefined && b.point.concurrency !== undefined
      ? b.point.concurrency - a.point.concurrency
      : (a.point.request_rate ?? 0) - (b.point.request_rate ?? 0),
  );
}

/** A cell as the seed printed it: the original text when the repeat kept it, else 2 decimals; `NA` when missing. */
function seedCell(repeat: Repeat | undefined, key: OnlineMetricKey): OnlineCell {
  if (!repeat) return "NA";
  const value = repeat.metrics[key];
  const printed = repeat.labels?.[key];
  if (printed !== undefined && value !== undefined && Number(printed) === value) return printed;
  return value === undefined ? "NA" : value;
}

/** Writes {@link seedFilesForRun} into the run folder; returns the paths written. */
export async function writeSeedFiles(dir: string, run: RunResults, options: SeedFileOptions = {}): Promise<string[]> {
  const written: string[] = [];
  for (const file of seedFilesForRun(run, options)) {
    const path = join(dir, file.name);
    // Whole or not at all: a full disk keeps the previous CSV rather than leaving it empty.
    await writeFileAtomic(path, file.text);
    written.push(path);
  }
  return written;
}
