/**
 * `sglbench process`: the seed's `process_offline_csv.py` / `process_online_csv.py` in one pass —
 * scan the run folders of the window, build the summary rows, write one summary CSV per model.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  summarizeOffline,
  summarizeOnline,
  type DroppedDate,
  type OfflineSummaryRow,
  type OnlineSummaryRow,
} from "../core/trends/index.js";
import { scanSummaryInputs, type Skipped } from "../store/history.js";
import { formatOfflineSummary, formatOnlineSummary, writeSummaryFile } from "../store/summary-csv.js";

/** Options for {@link processSummaries}. */
export interface ProcessOptions {
  dataDir: string;
  kind: "offline" | "online";
  /** `YYYYMMDD` (Pacific date of the nightly). */
  today: string;
  days?: number;
  /** Include today's run (default true; the seed's offline script left it out). */
  includeToday?: boolean;
  /** Online modes to keep (`aiter`, `triton`, …, or `all`); default `["aiter"]` like the seed. */
  modes?: readonly string[];
  /** Delete the legacy per-batch CSVs `<MODEL>_<VARIANT>_<bs>.csv` next to the summary. */
  cleanup?: boolean;
  /** Compute only; write nothing. */
  dryRun?: boolean;
}

/** One written summary. */
export interface SummaryWritten {
  file: string;
  model: string;
  variant: string;
  rows: number;
  folders: number;
  offline?: OfflineSummaryRow[];
  online?: OnlineSummaryRow[];
  dropped: DroppedDate[];
}

/** What `process` did. */
export interface ProcessOutcome {
  summaries: SummaryWritten[];
  skipped: Skipped[];
  removed: string[];
  /** `YYYYMMDD` of every night read (so the CLI can tell tonight's skipped files from old ones). */
  nights: string[];
}

/** The seed's batch sizes, for the legacy per-batch files `--cleanup` removes. */
const LEGACY_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** The summary file name the seed used for a model and mode filter. */
export function summaryFileName(
  model: string,
  variant: string,
  kind: "offline" | "online",
  modes?: readonly string[],
): string {
  if (kind === "offline") return `${model}_${variant}_offline_summary.csv`;
  const list = !modes || modes.length === 0 ? ["aiter"] : [...modes].sort();
  return `${model}_${variant}_online_${list.includes("all") ? "all" : list.join("_")}_summary.csv`;
}

/** Runs the processing for one kind; never throws for bad files (they land in `skipped`). */
export async function processSummaries(opts: ProcessOptions): Promise<ProcessOutcome> {
  const { groups, skipped } = await scanSummaryInputs(opts.dataDir, {
    kind: opts.kind,
    today: opts.today,
    ...(opts.days !== undefined ? { days: opts.days } : {}),
    ...(opts.includeToday !== undefined ? { includeToday: opts.includeToday } : {}),
  });
  const summaries: SummaryWritten[] = [];
  const removed: string[] = [];
  const modes = opts.modes && opts.modes.length > 0 ? opts.modes : ["aiter"];
  for (const g of groups) {
    const file = join(g.dir, summaryFileName(g.model, g.variant, opts.kind, modes));
    if (opts.kind === "offline") {
      const rows = summarizeOffline(g.offline);
      if (!opts.dryRun) await writeSummaryFile(file, formatOfflineSummary(rows));
      summaries.push({
        file,
        model: g.model,
        variant: g.variant,
        rows: rows.length,
        folders: g.folders,
        offline: rows,
        dropped: [],
      });
    } else {
      // A group of GSM8K-only runs (DP attention, torch compile) has no serving table to summarise.
      if (g.online.length === 0) continue;
      const { rows, dropped } = summarizeOnline(g.online, { axis: g.axis, modes });
      if (!opts.dryRun) await writeSummaryFile(file, formatOnlineSummary(rows, g.axis));
      summaries.push({
        file,
        model: g.model,
        variant: g.variant,
        rows: rows.length,
        folders: g.folders,
        online: rows,
        dropped,
      });
    }
    if (opts.cleanup && opts.kind === "offline" && !opts.dryRun) {
      for (const bs of LEGACY_BATCH_SIZES) {
        for (const name of [`${g.model}_${g.variant}_${bs}.csv`, `${g.model}_${g.variant}_offline+'_'+${bs}.csv`]) {
          const legacy = join(g.dir, name);
          try {
            await rm(legacy);
            removed.push(legacy);
          } catch (error: unknown) {
            if ((error as NodeJS.ErrnoException).code !== "ENOENT")
              skipped.push({ file: legacy, reason: `could not remove: ${(error as Error).message}` });
          }
        }
      }
    }
  }
  const nights = new Set(groups.flatMap((g) => [...g.offline, ...g.online].map((r) => r.date)));
  return { summaries, skipped, removed, nights: [...nights].sort() };
}
