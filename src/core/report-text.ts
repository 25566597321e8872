/**
 * The plain-text variant of the report, for the Actions job summary and terminals: the counts, who
 * ran each side, refusals, then one line per cell that is not unchanged (regressions first).
 */
import { pointLabel, type Comparison, type ComparisonCell } from "./compare.js";
import { metricInfo } from "./metrics.js";
import { countsLine, formatChange, formatValue, MAX_COMMENT_CHARS } from "./report.js";

/** Options for {@link renderReportText}. */
export interface ReportTextOptions {
  maxChars?: number;
  /** Also list unchanged cells (default false). */
  all?: boolean;
}

const ORDER = { failed: 0, regressed: 1, improved: 2, inconclusive: 3, unchanged: 4 } as const;

function line(c: ComparisonCell): string {
  const mean = (v: number[]): string => (v.length ? formatValue(v.reduce((s, x) => s + x, 0) / v.length) : "—");
  const name = c.kind === "metric" ? metricInfo(c.metric).display : c.metric;
  const change = formatChange(c).replace(/\*\*/g, "");
  return `${c.verdict.toUpperCase().padEnd(12)} ${c.model} ${c.suite} ${c.kind === "metric" ? pointLabel(c.point) : ""} ${name}: ${mean(
    c.baseline.values,
  )} → ${mean(c.candidate.values)} ${change} — ${c.reason}`.replace(/ {2,}/g, " ");
}

/** Renders the comparison as plain text (bounded like the markdown). */
export function renderReportText(comparison: Comparison, opts: ReportTextOptions = {}): string {
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  const out: string[] = [countsLine(comparison.summary)];
  for (const s of comparison.suites) {
    const id = (xs: typeof s.baseline): string =>
      xs
        .map((x) => {
          const known = [x.hardware, x.backend].filter(Boolean).join(", ");
          return `${x.image ?? "image unknown"}${known ? ` (${known})` : ""}`;
        })
        .join(", ") || "not run";
    out.push(`${s.model} ${s.suite}${s.mode ? ` ${s.mode}` : ""}: main ${id(s.baseline)} vs PR ${id(s.candidate)}`);
  }
  for (const m of comparison.mismatches) out.push(`WARNING ${m}`);
  const cells = comparison.cells
    .filter((c) => opts.all || c.verdict !== "unchanged")
    .sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict]);
  let text = out.join("\n") + "\n";
  let shown = 0;
  for (const c of cells) {
    const l = line(c) + "\n";
    if (text.length + l.length + 80 > max) break;
    text += l;
    shown += 1;
  }
  if (shown < cells.length)
    text += `… ${cells.length - shown} more cell(s) not shown (size limit); see the JSON output\n`;
  return text;
}
