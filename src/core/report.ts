/**
 * The markdown report of a comparison: counts first, who ran each side, one collapsible section per
 * suite (`Config | Metric | Main | PR | Change | Verdict`), GSM8K, failures and repro commands.
 * Always under GitHub's 65 536-character comment limit: unchanged rows are folded first, then whole
 * suites, and the report says what was folded.
 */
import { markdownTable } from "markdown-table";
import {
  pointLabel,
  type Comparison,
  type ComparisonCell,
  type ComparisonCounts,
  type RunIdentity,
  type SuiteComparison,
} from "./compare.js";
import { metricInfo } from "./metrics.js";
import type { Verdict } from "./verdict.js";

/** GitHub's limit for an issue/PR comment body. */
export const MAX_COMMENT_CHARS = 65_536;

/** Options for {@link renderReport}. */
export interface ReportOptions {
  /** Heading (default `SGLang performance: PR vs main`). */
  title?: string;
  /** Commands that reproduce this comparison, shown in the footer. */
  repro?: string[];
  /** Hard ceiling on the length (default 65 536; tests use smaller). */
  maxChars?: number;
  /** Column names for the two sides (default `Main` / `PR`). */
  baselineLabel?: string;
  candidateLabel?: string;
}

export const VERDICT_EMOJI: Record<Verdict, string> = {
  regressed: "🔴",
  improved: "🟢",
  unchanged: "⚪",
  inconclusive: "❔",
  failed: "❌",
};

/** The report's first line, also the pipeline's summary line: counts per verdict. */
export function countsLine(s: ComparisonCounts): string {
  return [
    `🔴 ${s.regressed} regressed`,
    `🟢 ${s.improved} improved`,
    `⚪ ${s.unchanged} unchanged`,
    `❔ ${s.inconclusive} inconclusive`,
    `❌ ${s.failed} failed`,
  ].join(" · ");
}

/**
 * A value with adaptive precision: 4 significant digits below 1000, one decimal above (the seed's
 * fixed `.2f` printed 0.0118 as 0.01).
 */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(1);
  if (a === 0) return "0";
  const text = x.toPrecision(4);
  return text.includes("e") ? text : text.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

const signed = (x: number, digits = 1): string => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;

/** An interval in the seed's sign (+ = PR better): `[-10.8, -9.2]`. */
function intervalText(interval: [number, number], better: ComparisonCell["better"]): string {
  // Lower-is-better metrics flip sign so that + always reads "PR better", like the seed's scripts.
  const flip = better === "lower" ? -1 : 1;
  const [a, b] = interval.map((v) => flip * v) as [number, number];
  return `[${signed(Math.min(a, b))}, ${signed(Math.max(a, b))}]`;
}

/** A change in the seed's sign (+ = PR better). */
const seedChange = (changePct: number, better: ComparisonCell["better"]): string =>
  `${signed((better === "lower" ? -1 : 1) * changePct)}%`;

/** Change as the seed printed it, positive = PR better; bold with the emoji when the verdict flags it. */
export function formatChange(
  cell: Pick<ComparisonCell, "change_pct" | "interval" | "better" | "verdict"> & { kind?: ComparisonCell["kind"] },
): string {
  if (cell.change_pct === null) return "—";
  const text = seedChange(cell.change_pct, cell.better);
  const flagged = cell.verdict === "regressed" || cell.verdict === "improved";
  const main = flagged ? `**${text}** ${VERDICT_EMOJI[cell.verdict]}` : text;
  if (!cell.interval || cell.kind === "kv_cache") return main;
  return `${main} ${intervalText(cell.interval, cell.better)}`;
}

function sideValue(values: number[]): string {
  if (values.length === 0) return "—";
  return formatValue(values.reduce((s, v) => s + v, 0) / values.length);
}

/** The short why of a cell for the verdict column (the part after the evidence). */
function shortReason(cell: ComparisonCell): string {
  // A verdict borrowed from the metric's other points says so, with what the point showed alone.
  if (cell.pooled) {
    const alone =
      cell.pooled.alone_change_pct === null ? "" : `; alone ${seedChange(cell.pooled.alone_change_pct, cell.better)}`;
    const interval = cell.pooled.alone_interval ? ` ${intervalText(cell.pooled.alone_interval, cell.better)}` : "";
    return ` (pooled over ${cell.pooled.points} points${alone}${interval})`;
  }
  if (cell.verdict === "unchanged" || cell.verdict === "regressed" || cell.verdict === "improved") return "";
  const i = cell.reason.lastIndexOf(": ");
  return ` (${(i >= 0 ? cell.reason.slice(i + 2) : cell.reason).replace(/\|/g, "/")})`;
}

function metricName(cell: ComparisonCell): string {
  if (cell.kind === "kv_cache") return cell.metric === "kv_cache_tokens" ? "KV cache tokens" : "KV cache size (GB)";
  if (cell.kind === "gsm8k") return "GSM8K accuracy";
  const info = metricInfo(cell.metric);
  return info.unit ? `${info.display} (${info.unit})` : info.display;
}

function cellRow(cell: ComparisonCell): string[] {
  return [
    cell.kind === "kv_cache" ? "server" : pointLabel(cell.point),
    metricName(cell),
    sideValue(cell.baseline.values),
    sideValue(cell.candidate.values),
    formatChange(cell),
    `${VERDICT_EMOJI[cell.verdict]} ${cell.verdict}${shortReason(cell)}`,
  ];
}

function identityText(ids: RunIdentity[]): string {
  if (ids.length === 0) return "not run";
  const uniq = (f: (i: RunIdentity) => string | undefined): string =>
    [...new Set(ids.map(f).filter((v): v is string => Boolean(v)))].join(", ");
  // What was not recorded is left out rather than shown as a placeholder.
  const commit = uniq((i) => i.commit?.slice(0, 12));
  return [
    `\`${uniq((i) => i.image) || "image unknown"}\``,
    commit && `commit ${commit}`,
    uniq((i) => i.date),
    uniq((i) => i.hardware),
    uniq((i) => i.backend),
  ]
    .filter(Boolean)
    .join(" · ");
}

function suiteTitle(s: SuiteComparison): string {
  return `${s.model} · ${s.suite}${s.mode ? ` (${s.mode})` : ""}`;
}

function suiteCounts(s: SuiteComparison): string {
  const n = (v: Verdict): number => s.cells.filter((c) => c.verdict === v).length;
  return (["regressed", "improved", "unchanged", "inconclusive", "failed"] as const)
    .filter((v) => n(v) > 0)
    .map((v) => `${VERDICT_EMOJI[v]} ${n(v)}`)
    .join(" ");
}

/** How much of the detail survives the size limit. */
interface FoldLevel {
  foldUnchanged: boolean;
  /** Suites (by index) shown only as a one-line summary. */
  foldedSuites: Set<number>;
}

function suiteSection(
  s: SuiteComparison,
  o: Required<Pick<ReportOptions, "baselineLabel" | "candidateLabel">>,
  fold: FoldLevel,
  index: number,
): string {
  const head = `${suiteTitle(s)} — ${suiteCounts(s) || "no cells"}`;
  if (fold.foldedSuites.has(index)) return `- ${head} (details folded to fit the comment limit)\n`;
  const rows = s.cells.filter((c) => c.kind !== "gsm8k" && c.kind !== "failure");
  const shown = fold.foldUnchanged ? rows.filter((c) => c.verdict !== "unchanged") : rows;
  const parts: string[] = [];
  const open = s.cells.some((c) => c.verdict === "regressed" || c.verdict === "failed") ? " open" : "";
  parts.push(`<details${open}><summary>${head}</summary>\n`);
  if (s.mismatch) parts.push(`> ⚠️ Not compared: ${s.mismatch}.\n`);
  parts.push(`Main: ${identityText(s.baseline)}  \nPR: ${identityText(s.candidate)}\n`);
  if (shown.length > 0) {
    parts.push(
      markdownTable(
        [["Config", "Metric", o.baselineLabel, o.candidateLabel, "Change", "Verdict"], ...shown.map(cellRow)],
        {
          align: ["l", "l", "r", "r", "r", "l"],
          // Unpadded columns: the same table in far fewer characters (the comment limit is in characters).
          alignDelimiters: false,
        },
      ) + "\n",
    );
  }
  const folded = rows.length - shown.length;
  if (folded > 0) parts.push(`_${folded} unchanged row(s) folded to fit the comment limit._\n`);
  parts.push("</details>\n");
  return parts.join("\n");
}

function gsm8kSection(c: Comparison, o: Required<Pick<ReportOptions, "baselineLabel" | "candidateLabel">>): string {
  const cells = c.cells.filter((x) => x.kind === "gsm8k");
  if (cells.length === 0) return "";
  const threshold = c.settings.gsm8kThreshold !== undefined ? ` (threshold ${c.settings.gsm8kThreshold})` : "";
  return (
    `### GSM8K accuracy${threshold}\n\n` +
    markdownTable(
      [
        ["Suite", o.baselineLabel, o.candidateLabel, "Change", "Verdict"],
        ...cells.map((x) => [
          `${x.model} · ${x.suite}`,
          sideValue(x.baseline.values),
          sideValue(x.candidate.values),
          formatChange(x),
          `${VERDICT_EMOJI[x.verdict]} ${x.verdict}`,
        ]),
      ],
      { alignDelimiters: false },
    ) +
    "\n"
  );
}

function failuresSection(c: Comparison, limit: number): string {
  const failed = c.cells.filter((x) => x.verdict === "failed");
  if (failed.length === 0) return "";
  const lines = failed
    .slice(0, limit)
    .map(
      (x) => `- ❌ ${x.model} · ${x.suite} · ${pointLabel(x.point)}: ${x.reason.replace(/\s+/g, " ").slice(0, 300)}`,
    );
  if (failed.length > limit) lines.push(`- … and ${failed.length - limit} more failed cell(s)`);
  return `### Failures\n\n${lines.join("\n")}\n`;
}

function render(c: Comparison, opts: ReportOptions, fold: FoldLevel, failureLimit: number): string {
  const o = { baselineLabel: opts.baselineLabel ?? "Main", candidateLabel: opts.candidateLabel ?? "PR" };
  const out: string[] = [];
  out.push(countsLine(c.summary), "");
  out.push(`## ${opts.title ?? "SGLang performance: PR vs main"}`, "");
  const allBase = c.suites.flatMap((s) => s.baseline);
  const allCand = c.suites.flatMap((s) => s.candidate);
  out.push(`**Baseline (${o.baselineLabel}):** ${identityText(allBase)}  `);
  out.push(`**Candidate (${o.candidateLabel}):** ${identityText(allCand)}`, "");
  for (const m of c.mismatches) out.push(`> ⚠️ ${m}`);
  if (c.mismatches.length > 0) out.push("");
  const folds: string[] = [];
  if (fold.foldUnchanged) folds.push("unchanged rows");
  if (fold.foldedSuites.size > 0) folds.push(`the tables of ${fold.foldedSuites.size} suite(s)`);
  if (folds.length > 0)
    out.push(
      `> Folded to stay under ${opts.maxChars ?? MAX_COMMENT_CHARS} characters: ${folds.join(" and ")}. The JSON output (\`--format json\`) has every cell.`,
      "",
    );
  c.suites.forEach((s, i) => out.push(suiteSection(s, o, fold, i)));
  const g = gsm8kSection(c, o);
  if (g) out.push(g);
  const f = failuresSection(c, failureLimit);
  if (f) out.push(f);
  const s = c.settings;
  out.push(
    "---",
    "",
    `Verdicts: ${Math.round(s.confidence * 100)}% interval on log values (repeat positions corrected from history, else the warm-up first repeat dropped; noise pooled from repeats${
      s.historyRuns > 0 ? ` and ${s.historyRuns} history run(s)` : ""
    }), minimum effect ${s.minEffectPct}%; a point too noisy to judge alone borrows from the same metric at the suite's other points ("pooled"). Change: + means the PR is better.`,
  );
  if (opts.repro && opts.repro.length > 0)
    out.push("", "<details><summary>Reproduce</summary>", "", "```sh", ...opts.repro, "```", "", "</details>");
  return out.join("\n") + "\n";
}

/**
 * Renders the markdown report. Guaranteed shorter than `maxChars` (default 65 536): folds unchanged
 * rows, then suite tables (those without regressions/failures first), then cuts as a last resort.
 */
export function renderReport(comparison: Comparison, opts: ReportOptions = {}): string {
  const max = opts.maxChars ?? MAX_COMMENT_CHARS;
  const fold: FoldLevel = { foldUnchanged: false, foldedSuites: new Set() };
  let text = render(comparison, opts, fold, 50);
  if (text.length < max) return text;
  fold.foldUnchanged = true;
  text = render(comparison, opts, fold, 50);
  // Fold quiet suites first so regressions and failures stay visible as long as possible.
  const order = comparison.suites
    .map((s, i) => ({ i, loud: s.cells.some((c) => c.verdict === "regressed" || c.verdict === "failed") ? 1 : 0 }))
    .sort((a, b) => a.loud - b.loud || b.i - a.i);
  for (const { i } of order) {
    if (text.length < max) return text;
    fold.foldedSuites.add(i);
    text = render(comparison, opts, fold, 20);
  }
  if (text.length < max) return text;
  const note = "\n\n_Report cut to fit the comment limit; see the JSON output._\n";
  return text.slice(0, max - note.length - 1) + note;
}
