/**
 * The markdown report of a comparison (PR comment, check run, job summary, `compare`'s file),
 * rendered from the report model: one headline with the answer, the counts once, the top changes by
 * size, the images once, then one folded section per suite, then the footer (baseline, cost, how
 * verdicts are made, how to reproduce). Always under GitHub's 65 536-character comment limit:
 * unchanged rows are folded first, then whole suites, and the report says what was folded.
 */
import { markdownTable } from "markdown-table";
import type { Comparison, ComparisonCell } from "../verdict/index.js";
import { changePhrase, intervalText } from "./direction.js";
import {
  buildReportModel,
  costText,
  countsText,
  pointsText,
  pooledNote,
  type FailureGroup,
  type ReasonCount,
  type ReportContext,
  type ReportModel,
  type ReportRow,
  type SuiteSection,
} from "./report-model.js";

export { formatValue, VERDICT_EMOJI } from "./report-model.js";

/** GitHub's limit for an issue/PR comment body. */
export const MAX_COMMENT_CHARS = 65_536;

/** Options for {@link renderReport}: the report's context plus a size ceiling. */
export interface ReportOptions extends ReportContext {
  /** Hard ceiling on the length (default 65 536; tests use smaller). */
  maxChars?: number;
}

/** The counts line (once per report). */
export function countsLine(c: Comparison): string {
  return countsText(c.summary);
}

/** A cell's change as every surface says it: `+5.1 % slower [+2.4, +7.9]`. */
export function formatChange(
  cell: Pick<ComparisonCell, "change_pct" | "interval" | "metric"> & { kind?: ComparisonCell["kind"] },
): string {
  if (cell.change_pct === null) return "—";
  const text = changePhrase(cell.metric, cell.change_pct);
  return cell.interval && cell.kind !== "kv_cache" ? `${text} ${intervalText(cell.interval)}` : text;
}

const escapeCell = (t: string): string => t.replace(/\|/g, "/");

/** `- 🔴 **+5.8 % slower** Median ITL (ms) · concurrency 16 · DeepSeek… · 12.1 → 12.8 [+2.4, +7.9]`. */
function topLine(r: ReportRow): string {
  const point = r.point === "—" ? "" : ` · ${r.point}`;
  const interval = r.interval ? ` ${r.interval}` : "";
  // The bold change of a pooled cell is not what its Main → PR values give: said beside them.
  const pooled = r.cell.pooled ? ` (${pooledNote(r.cell)})` : "";
  return `- ${r.emoji} **${r.change}** ${r.metric}${point} · ${r.where} · ${r.baseline} → ${r.candidate}${interval}${pooled}`;
}

function failureLine(g: FailureGroup): string {
  const points = pointsText(g.points);
  return `- ❌ ${g.where}${points ? ` · ${points}` : ""}: ${g.reason}`;
}

/** `- ❔ 3 inconclusive: noise unknown (no history) ×2; interval too wide for the noise ×1`: one line, every reason. */
export function inconclusiveLine(reasons: readonly ReasonCount[]): string {
  const total = reasons.reduce((n, r) => n + r.count, 0);
  if (total === 0) return "";
  // The three most frequent reasons, each cut short; the rest counted, so the line never wraps into a list.
  const cut = (t: string): string => {
    if (t.length <= 80) return t;
    // At a word, before a parenthesis the cut would leave open: "(Benjamini–Hoc…" reads as a typo.
    let s = t.slice(0, 79);
    if (s.lastIndexOf(" ") > 40) s = s.slice(0, s.lastIndexOf(" "));
    if (s.lastIndexOf("(") > s.lastIndexOf(")")) s = s.slice(0, s.lastIndexOf("("));
    return `${s.replace(/[\s,;:—-]+$/, "")}…`;
  };
  const shown = reasons.slice(0, 3).map((r) => (reasons.length > 1 ? `${cut(r.reason)} ×${r.count}` : cut(r.reason)));
  const rest = reasons.length > 3 ? `; ${reasons.length - 3} other reason(s) in the suites below` : "";
  return `- ❔ ${total} inconclusive: ${shown.join("; ")}${rest}`;
}

function suiteTable(rows: ReportRow[], m: ReportModel): string {
  const [base, cand] = m.sides;
  return (
    markdownTable(
      [
        ["", "Point", "Metric", base!.label, cand!.label, "Change", "Interval", "Why"],
        ...rows.map((r) => [
          r.emoji,
          r.point,
          r.metric,
          r.baseline,
          r.candidate,
          r.change,
          r.interval,
          escapeCell(r.reason),
        ]),
      ],
      // Unpadded columns: the same table in far fewer characters (the comment limit is in characters).
      { align: ["l", "l", "l", "r", "r", "r", "r", "l"], alignDelimiters: false },
    ) + "\n"
  );
}

/** How much of the detail survives the size limit. */
interface FoldLevel {
  foldUnchanged: boolean;
  /** Suites (by index) shown only as a one-line summary. */
  foldedSuites: Set<number>;
}

function suiteSection(s: SuiteSection, m: ReportModel, fold: FoldLevel, index: number): string {
  const head = `${s.counts || "❌ no cells"} ${s.title}`;
  if (fold.foldedSuites.has(index)) return `- ${head} (table folded to fit the comment limit)\n`;
  const shown = fold.foldUnchanged ? s.rows.filter((r) => r.cell.verdict !== "unchanged") : s.rows;
  const parts = [`<details${s.open ? " open" : ""}><summary>${head}</summary>\n`];
  if (s.mismatch) parts.push(`> ⚠️ Not compared: ${s.mismatch}.\n`);
  if (shown.length > 0) parts.push(suiteTable(shown, m));
  const folded = s.rows.length - shown.length;
  if (folded > 0) parts.push(`_${folded} unchanged row(s) folded to fit the comment limit._\n`);
  parts.push("</details>\n");
  return parts.join("\n");
}

/** Everything above the first fold: the answer, visible without scrolling. */
export function renderFirstScreen(m: ReportModel): string[] {
  const out = [`### ${m.headline}`, "", countsText(m.summary), ""];
  const tops = [...m.top.rows.filter((r) => r.cell.verdict === "regressed").map(topLine)];
  tops.push(...m.top.failures.map(failureLine));
  tops.push(...m.top.rows.filter((r) => r.cell.verdict === "improved").map(topLine));
  if (m.top.more > 0) tops.push(`- … ${m.top.more} more in the suites below`);
  // Every ❔ has its reason before the fold, in one line.
  const unsure = inconclusiveLine(m.top.inconclusive);
  if (unsure) tops.push(unsure);
  if (tops.length > 0) out.push(...tops, "");
  out.push(m.sides.map((s) => `**${s.label}:** ${s.identity}`).join("  \n"), "");
  // Mismatches are rare; one line each, at most three, keeps the first screen short.
  for (const x of [...m.mismatches, ...m.caveats].slice(0, 3)) out.push(`> ⚠️ ${x}`);
  if (m.mismatches.length + m.caveats.length > 0) out.push("");
  return out;
}

function footer(m: ReportModel): string[] {
  const ctx = m.context;
  const out = ["---", ""];
  if (ctx.baseline?.length) out.push(`**Baseline:** ${ctx.baseline.join("; ")}`, "");
  if (ctx.cost)
    out.push(`**Cost:** ${costText(ctx.cost)}.${ctx.cost.notes?.length ? ` ${ctx.cost.notes.join(" ")}` : ""}`, "");
  else if (ctx.costNote) out.push(`**Cost:** ${ctx.costNote}.`, "");
  out.push(m.method);
  if (ctx.repro?.length)
    out.push("", "<details><summary>Reproduce</summary>", "", "```sh", ...ctx.repro, "```", "", "</details>");
  return out;
}

function render(m: ReportModel, opts: ReportOptions, fold: FoldLevel): string {
  const out = renderFirstScreen(m);
  const folds: string[] = [];
  if (fold.foldUnchanged) folds.push("unchanged rows");
  if (fold.foldedSuites.size > 0) folds.push(`the tables of ${fold.foldedSuites.size} suite(s)`);
  if (folds.length > 0)
    out.push(
      `> Folded to stay under ${opts.maxChars ?? MAX_COMMENT_CHARS} characters: ${folds.join(" and ")}. The JSON output (\`--format json\`, results.json) has every cell.`,
      "",
    );
  m.suites.forEach((s, i) => out.push(suiteSection(s, m, fold, i)));
  out.push(...footer(m));
  return out.join("\n") + "\n";
}

/**
 * Renders the markdown report. Guaranteed shorter than `maxChars` (default 65 536): folds unchanged
 * rows, then suite tables (those without regressions/failures first), then cuts as a last resort.
 */
export function renderReport(comparison: Comparison, opts: ReportOptions = {}): string {
  return renderReportModel(buildReportModel(comparison, opts), opts);
}

/** {@link renderReport} from an already built model. */
export function renderReportModel(m: ReportModel, opts: ReportOptions = {}): string {
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  const fold: FoldLevel = { foldUnchanged: false, foldedSuites: new Set() };
  let text = render(m, opts, fold);
  if (text.length < max) return text;
  fold.foldUnchanged = true;
  text = render(m, opts, fold);
  // Fold quiet suites first so regressions and failures stay visible as long as possible.
  const order = m.suites.map((s, i) => ({ i, loud: s.open ? 1 : 0 })).sort((a, b) => a.loud - b.loud || b.i - a.i);
  for (const { i } of order) {
    if (text.length < max) return text;
    fold.foldedSuites.add(i);
    text = render(m, opts, fold);
  }
  if (text.length < max) return text;
  const note = "\n\n_Report cut to fit the comment limit; see the JSON output._\n";
  return text.slice(0, max - note.length - 1) + note;
}
