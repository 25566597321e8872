/**
 * The dashboard's sanity table: the GSM8K sweep's pass/fail per model, from the newest sanity
 * nightly report (`nightly_reports/<date>_*_sanity*.json`, its `sanity` rows) of each hardware.
 * The HTML is built by dashboard-html.ts (sanityHtml).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const SanityRowSchema = z.object({
  model: z.string(),
  image: z.string().default(""),
  trials: z.number(),
  accuracy: z.number().optional(),
  threshold: z.number(),
  passed: z.boolean(),
  folder: z.string().default(""),
});

const SanityReportSchema = z.object({
  date: z.string(),
  mode: z.string(),
  hardware: z.string().optional(),
  image: z.string().optional(),
  sanity: z.array(SanityRowSchema).default([]),
});

export type SanityModelRow = z.infer<typeof SanityRowSchema>;

/** The newest sanity sweep of one hardware. */
export interface SanityNight {
  hardware: string;
  date: string;
  /** The report, relative to the data dir (`nightly_reports/20251013_sanity_sanity.json`). */
  file: string;
  rows: SanityModelRow[];
}

const HARDWARE = /(?<![a-z0-9])(mi\d\dx)(?![a-z0-9])/i;

/**
 * The hardware a report ran on: its own field when it has one, else the one its image tags or run
 * folders name (`…-rocm630-mi30x-20251013`), else `unknown`.
 */
function hardwareOf(report: z.infer<typeof SanityReportSchema>): string {
  if (report.hardware) return report.hardware;
  for (const text of [report.image, ...report.sanity.flatMap((r) => [r.image, r.folder])]) {
    const hit = HARDWARE.exec(text ?? "");
    if (hit?.[1]) return hit[1].toLowerCase();
  }
  return "unknown";
}

/**
 * The newest sanity report per hardware under `<dataDir>/nightly_reports` (by date, then file
 * name). Unreadable reports are left out here: readNightlyReports already lists them as skipped.
 */
export async function readSanityNights(dataDir: string): Promise<SanityNight[]> {
  const dir = join(dataDir, "nightly_reports");
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".json") && n.includes("sanity")).sort();
  } catch {
    return []; // no nightly has run here yet
  }
  const newest = new Map<string, SanityNight>();
  for (const name of names) {
    let report: z.infer<typeof SanityReportSchema>;
    try {
      report = SanityReportSchema.parse(JSON.parse(await readFile(join(dir, name), "utf8")));
    } catch {
      continue;
    }
    if (report.mode !== "sanity" && report.sanity.length === 0) continue;
    const hardware = hardwareOf(report);
    const prev = newest.get(hardware);
    if (!prev || prev.date <= report.date)
      newest.set(hardware, { hardware, date: report.date, file: `nightly_reports/${name}`, rows: report.sanity });
  }
  return [...newest.values()].sort((a, b) => (a.hardware < b.hardware ? -1 : a.hardware > b.hardware ? 1 : 0));
}
