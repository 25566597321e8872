/**
 * What a nightly notification says, independent of the channel: regressions (with their headline),
 * GSM8K accuracy below its floor, sanity failures (a suite that did not run or crashed) and links to
 * the dashboard and a chart. Built from a nightly report (`<dataDir>/nightly_reports/*.json`) and the
 * results.json of its suite folders, or read from a JSON file of this shape.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { readResults } from "../store/results-file.js";

export const NightlyOutcomeSchema = z.object({
  date: z.string(),
  model: z.string(),
  mode: z.string(),
  image: z.string().optional(),
  regressions: z.array(
    z.object({
      /** One line: `mi30x/GROK1/grok-online: Median E2E Latency 12 % slower at rate 4`. */
      headline: z.string(),
      scope: z.string(),
      /** First night at the new level (YYYYMMDD). */
      date: z.string(),
      details: z.array(z.string()).default([]),
    }),
  ),
  accuracyFailures: z.array(z.object({ suite: z.string(), accuracy: z.number(), floor: z.number() })),
  sanityFailures: z.array(z.object({ suite: z.string(), message: z.string() })),
  suites: z.array(z.object({ suite: z.string(), exitCode: z.number() })).default([]),
  links: z.object({ dashboard: z.string().optional(), chart: z.string().optional() }).default({}),
});
export type NightlyOutcome = z.infer<typeof NightlyOutcomeSchema>;

/** Whether the outcome needs an alert (a daily summary is sent either way). */
export function needsAlert(o: NightlyOutcome): boolean {
  return o.regressions.length > 0 || o.accuracyFailures.length > 0 || o.sanityFailures.length > 0;
}

/** The parts of a NightlyReport (pipeline/nightly.ts) a notification reads; kept loose so old reports still load. */
const ReportSchema = z.object({
  date: z.string(),
  model: z.string(),
  mode: z.string(),
  image: z.string().optional(),
  suites: z.array(z.object({ suite: z.string(), folder: z.string(), exitCode: z.number() })),
  regressions: z.array(
    z.object({
      scope: z.string(),
      date: z.string(),
      changes: z.array(
        z.object({
          label: z.string(),
          point: z.string(),
          change_pct: z.number(),
          direction: z.string(),
          before: z.number(),
          after: z.number(),
          unit: z.string().optional(),
        }),
      ),
    }),
  ),
  notes: z.array(z.string()).default([]),
  published: z.array(z.string()).default([]),
  /** The sanity sweep's pass/fail table (`--mode sanity`). */
  sanity: z
    .array(z.object({ model: z.string(), accuracy: z.number().optional(), threshold: z.number(), passed: z.boolean() }))
    .optional(),
});
export type NightlyReportLike = z.infer<typeof ReportSchema>;

const pct = (x: number): string => `${Math.abs(x) >= 10 ? Math.abs(x).toFixed(0) : Math.abs(x).toFixed(1)} %`;

/** Report → outcome; reads each suite folder's results.json for GSM8K and failures (a missing one is a sanity failure). */
export async function outcomeFromReport(
  report: NightlyReportLike,
  links: NightlyOutcome["links"] = {},
): Promise<NightlyOutcome> {
  const outcome: NightlyOutcome = {
    date: report.date,
    model: report.model,
    mode: report.mode,
    ...(report.image ? { image: report.image } : {}),
    regressions: report.regressions.map((g) => {
      const worst = [...g.changes].sort((a, b) => Math.abs(b.change_pct) - Math.abs(a.change_pct))[0];
      const headline = worst
        ? `${g.scope}: ${worst.label} ${pct(worst.change_pct)} ${worst.direction} at ${worst.point}` +
          (g.changes.length > 1 ? ` (+${g.changes.length - 1} more)` : "")
        : g.scope;
      const details = g.changes.map(
        (c) =>
          `${c.label} at ${c.point}: ${c.before} → ${c.after}${c.unit ? ` ${c.unit}` : ""} (${pct(c.change_pct)} ${c.direction})`,
      );
      return { headline, scope: g.scope, date: g.date, details };
    }),
    accuracyFailures: [],
    sanityFailures: [],
    suites: report.suites.map((s) => ({ suite: s.suite, exitCode: s.exitCode })),
    links,
  };
  for (const s of report.suites) {
    if (!s.folder) {
      outcome.sanityFailures.push({ suite: s.suite, message: "could not run" });
      continue;
    }
    const run = await readResults(join(s.folder, "results.json")).catch(() => undefined);
    if (!run) {
      if (s.exitCode !== 0)
        outcome.sanityFailures.push({ suite: s.suite, message: `exit ${s.exitCode}, no results.json` });
      continue;
    }
    const g = run.gsm8k;
    if (g?.average !== undefined && g.threshold !== undefined && g.average < g.threshold) {
      outcome.accuracyFailures.push({ suite: s.suite, accuracy: g.average, floor: g.threshold });
    }
    const failure = run.failures.find((f) => f.kind !== "low_accuracy");
    if (failure) outcome.sanityFailures.push({ suite: s.suite, message: `${failure.kind}: ${failure.message}` });
    else if (s.exitCode === 1 && !outcome.accuracyFailures.some((a) => a.suite === s.suite))
      outcome.sanityFailures.push({ suite: s.suite, message: "nothing measured" });
  }
  for (const row of (report.sanity ?? []).filter((r) => !r.passed)) {
    const accuracy = row.accuracy === undefined ? "no accuracy" : `accuracy ${row.accuracy.toFixed(3)}`;
    outcome.sanityFailures.push({ suite: `sanity ${row.model}`, message: `${accuracy} < floor ${row.threshold}` });
  }
  for (const note of report.notes) {
    if (/could not run|busy|lock/i.test(note)) outcome.sanityFailures.push({ suite: "nightly", message: note });
  }
  return outcome;
}

/**
 * `--from`: a NightlyOutcome JSON, a nightly report JSON, or a data folder whose newest
 * `nightly_reports/*.json` is used.
 */
export async function loadOutcome(from: string, links: NightlyOutcome["links"] = {}): Promise<NightlyOutcome> {
  let file = from;
  if ((await stat(from)).isDirectory()) {
    const dir = join(from, "nightly_reports");
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort();
    const newest = names[names.length - 1];
    if (!newest)
      throw new Error(`${from}: no nightly_reports/*.json (run sglbench nightly first, or pass a JSON file)`);
    file = join(dir, newest);
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (error: unknown) {
    throw new Error(`${file}: not valid JSON (${String(error)})`, { cause: error });
  }
  const direct = NightlyOutcomeSchema.safeParse(data);
  if (direct.success) return { ...direct.data, links: { ...direct.data.links, ...links } };
  const report = ReportSchema.safeParse(data);
  if (report.success) return outcomeFromReport(report.data, links);
  throw new Error(
    `${file}: neither a nightly outcome nor a nightly report: ${report.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ")}`,
  );
}
