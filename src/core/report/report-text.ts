/**
 * The plain-text variant of the report (terminals, the Actions log), from the same report model as
 * the markdown: the headline, the counts, the sides once, then one line per cell that is not
 * unchanged (failures and regressions first, by size), each ❔ and ❌ with its reason.
 */
import type { Comparison } from "../verdict/index.js";
import { buildReportModel, costText, countsText, type ReportContext, type ReportRow } from "./report-model.js";
import { MAX_COMMENT_CHARS } from "./report.js";

/** Options for {@link renderReportText}. */
export interface ReportTextOptions extends ReportContext {
  maxChars?: number;
  /** Also list unchanged cells (default false). */
  all?: boolean;
}

function line(r: ReportRow): string {
  const point = r.point === "—" ? "" : ` ${r.point}`;
  const interval = r.interval ? ` ${r.interval}` : "";
  const reason = r.reason ? ` — ${r.reason}` : "";
  return `${r.emoji} ${r.cell.verdict.padEnd(12)} ${r.where}${point} ${r.metric}: ${r.baseline} → ${r.candidate} ${r.change}${interval}${reason}`;
}

/** Renders the comparison as plain text (bounded like the markdown). */
export function renderReportText(comparison: Comparison, opts: ReportTextOptions = {}): string {
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  const m = buildReportModel(comparison, opts);
  const out: string[] = [
    m.headline,
    countsText(m.summary),
    ...m.sides.map((s) => `${s.label}: ${s.identity.replace(/`/g, "")}`),
  ];
  for (const x of m.mismatches) out.push(`WARNING ${x}`);
  for (const x of m.caveats) out.push(`NOTE ${x}`);
  const rows = m.suites
    .flatMap((s) => s.rows)
    .filter((r) => opts.all || r.cell.verdict !== "unchanged")
    .sort((a, b) => order(a) - order(b) || Math.abs(b.cell.change_pct ?? 0) - Math.abs(a.cell.change_pct ?? 0));
  const tail = opts.cost ? `Cost: ${costText(opts.cost)}\n` : "";
  let text = (out.join("\n") + "\n").slice(0, Math.max(0, max - tail.length - 100));
  let shown = 0;
  for (const r of rows) {
    const l = line(r) + "\n";
    if (text.length + l.length + tail.length + 100 > max) break;
    text += l;
    shown += 1;
  }
  if (shown < rows.length)
    text += `… ${rows.length - shown} more cell(s) not shown (size limit); see the JSON output\n`;
  return text + tail;
}

const ORDER = { failed: 0, regressed: 1, improved: 2, inconclusive: 3, unchanged: 4 } as const;
const order = (r: ReportRow): number => ORDER[r.cell.verdict];
