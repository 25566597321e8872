/**
 * The report model: everything a reader is told about a comparison, decided once (what the verdict
 * is, which change leads, how each change is said) so the PR comment, the check run, the job
 * summary, `compare`'s markdown and terminal output all say the same thing in the same words.
 * report.ts renders it as markdown, report-text.ts as plain text.
 */
import {
  DEFAULT_MIN_EFFECT_PCT,
  fmtP,
  HISTORY_PRIOR,
  formatPct,
  notComparable,
  pointLabel,
  type Comparison,
  type ComparisonCell,
  type ComparisonCounts,
  type RunIdentity,
  type Verdict,
} from "../verdict/index.js";
import { changePhrase, intervalText } from "./direction.js";
import { changeHeadline, changeLead, isTailMetric } from "./change-headline.js";
import { metricInfo } from "../catalogue/index.js";
import { suiteLabel } from "../results/index.js";
import { clipAtWord } from "../util/index.js";

export const VERDICT_EMOJI: Record<Verdict, string> = {
  regressed: "🔴",
  improved: "🟢",
  unchanged: "⚪",
  inconclusive: "❔",
  failed: "❌",
};

/** The overall verdict: any regression wins, then failures, then improvements. */
export function overallVerdict(counts: ComparisonCounts): Verdict {
  if (counts.regressed > 0) return "regressed";
  if (counts.failed > 0) return "failed";
  if (counts.improved > 0) return "improved";
  // "Nothing measurable" is a claim about the cells judged: it needs most of them judged ⚪, not a few
  // gates among dozens of cells whose noise was unknown or too wide (those make it "no verdict").
  if (counts.unchanged > counts.inconclusive) return "unchanged";
  return "inconclusive";
}

/** What the report knows besides the comparison: who asks, the baseline, the cost, how to reproduce. */
export interface ReportContext {
  /** The PR number: the headline then says "Merging #N …", else "The PR side …". */
  pr?: number;
  /** Section title (default "SGLang performance: PR vs main"). */
  title?: string;
  /** Names of the two sides (default Main / PR). */
  baselineLabel?: string;
  candidateLabel?: string;
  /** The baseline used and why, one line per suite. */
  baseline?: string[];
  /** GPU-minutes spent and what the original's double run would have cost, with any explanation. */
  cost?: { gpuMinutes: number; seedGpuMinutes: number; notes?: string[] };
  /** The cost in words when no plan priced it (`compare` of two existing runs); one line. */
  costNote?: string;
  /** Commands that reproduce the comparison. */
  repro?: string[];
}

/** One cell as the report says it. */
export interface ReportRow {
  cell: ComparisonCell;
  emoji: string;
  /** `DeepSeek-V3-0324_FP8 · deepseek-online`, with the mode when there is one. */
  where: string;
  /** `concurrency 16`, `TP8 BS32 IL1024 OL128`, "server", "—". */
  point: string;
  /** `Median ITL (ms)`. */
  metric: string;
  baseline: string;
  candidate: string;
  /** `+5.1 % slower`, or "—" without a change. */
  change: string;
  /** `[+2.4, +7.9]` or "". */
  interval: string;
  /** Why, for ❔ and ❌ (and pooled verdicts); "" otherwise. */
  reason: string;
}

/** A failure shared by several points of one suite, said once. */
export interface FailureGroup {
  where: string;
  points: string[];
  reason: string;
}

/** How many ❔ cells share one reason. */
export interface ReasonCount {
  reason: string;
  count: number;
}

export interface SuiteSection {
  title: string;
  /** `🔴 2 ⚪ 40`. */
  counts: string;
  /** Open by default: it holds a regression or a failure. */
  open: boolean;
  mismatch?: string;
  rows: ReportRow[];
}

export interface ReportModel {
  verdict: Verdict;
  /** One sentence naming the verdict and the largest change, with its emoji. */
  headline: string;
  summary: ComparisonCounts;
  /** Regressions, then failures (grouped), then improvements, each sorted by size; ❔ cells by reason. */
  top: { rows: ReportRow[]; failures: FailureGroup[]; inconclusive: ReasonCount[]; more: number };
  /** `image · commit · date · hardware · backend` per side, once. */
  sides: { label: string; identity: string }[];
  mismatches: string[];
  /** Compared, but the sides ran on different platforms or protocols. */
  caveats: string[];
  suites: SuiteSection[];
  /** How verdicts are decided and what the sign means. */
  method: string;
  context: ReportContext;
}

/** At most this many entries in the top list, so the answer fits on the first screen. */
export const TOP_LIMIT = 8;

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

/** A value with adaptive precision: 4 significant digits below 1000, one decimal above. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Number.isInteger(x) ? String(x) : x.toFixed(1);
  if (a === 0) return "0";
  const text = x.toPrecision(4);
  return text.includes("e") ? text : text.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

function metricName(cell: ComparisonCell): string {
  if (cell.kind === "kv_cache") return cell.metric === "kv_cache_tokens" ? "KV cache tokens" : "KV cache size (GB)";
  if (cell.kind === "gsm8k") return "GSM8K accuracy";
  if (cell.kind === "failure") return "run";
  const info = metricInfo(cell.metric);
  return info.unit ? `${info.display} (${info.unit})` : info.display;
}

const shortMetric = (cell: ComparisonCell): string => metricName(cell).replace(/ \([^)]*\)$/, "");

export function whereOf(c: Pick<ComparisonCell, "model" | "suite" | "mode">): string {
  return `${c.model} · ${c.suite}${c.mode && !c.suite.includes(c.mode.replace(/_/g, "-")) ? ` (${c.mode})` : ""}`;
}

function pointOf(cell: ComparisonCell): string {
  if (cell.kind === "kv_cache") return "server";
  if (cell.kind === "gsm8k") return "—";
  const p = pointLabel(cell.point);
  return p === "all" ? "—" : p;
}

/**
 * `pooled over 4 points; alone -16.0 % faster`: a pooled cell's change is borrowed from the metric's
 * other points, so the point's own Main → PR values give another figure; this says both.
 */
export function pooledNote(cell: ComparisonCell, withInterval = false): string {
  const p = cell.pooled;
  if (!p) return "";
  const alone = p.alone_change_pct === null ? "" : `; alone ${changePhrase(cell.metric, p.alone_change_pct)}`;
  const interval = withInterval && p.alone_interval ? ` ${intervalText(p.alone_interval)}` : "";
  return `pooled over ${p.points} points${alone}${interval}`;
}

/** The why of a ❔, ❌ or pooled cell (the part after the evidence, which the other columns show). */
function reasonOf(cell: ComparisonCell): string {
  const clean = (t: string): string => clipAtWord(t.replace(/\s+/g, " ").replace(/\|/g, "/"), 300);
  const i = cell.reason.lastIndexOf(": ");
  const why = cell.verdict === "inconclusive" ? clean(i >= 0 ? cell.reason.slice(i + 2) : cell.reason) : "";
  if (cell.pooled) {
    // A borrowed verdict says so, with what the point showed alone (and, when the suite's false
    // discovery control took the flag back, why it is ❔).
    const text = pooledNote(cell, true);
    return why ? `${why}; ${text}` : text;
  }
  if (cell.verdict === "failed") return clean(cell.reason);
  // GSM8K is a gate: its runs, question count, floor and noise are the verdict's grounds, whatever it is.
  if (cell.kind === "gsm8k") return clean(cell.reason);
  // Sides with different runs per point (main's 3 nightly repeats, the PR's 1): the change is run
  // against like run (the first run is slower), so it may disagree with the plain means shown.
  const corrected = cell.positions_corrected && cell.baseline.values.length !== cell.candidate.values.length;
  const note = corrected ? POSITIONS_NOTE : "";
  return [why, equivalenceNote(cell), note].filter(Boolean).join("; ");
}

/**
 * A ⚪ whose shown (98 %) interval reaches past the equivalence bound: the narrower interval that
 * made it ⚪ (`90% interval [+1.1%, +2.5%] within ±4%`), so the row does not contradict itself.
 */
function equivalenceNote(cell: ComparisonCell): string {
  const eq = cell.equivalence;
  if (cell.verdict !== "unchanged" || !cell.interval || !eq) return "";
  const shown = Math.max(Math.abs(cell.interval[0]), Math.abs(cell.interval[1]));
  return shown > eq.within
    ? `⚪ as its 90% interval [${formatPct(eq.interval[0])}, ${formatPct(eq.interval[1])}] within ±${eq.within}%`
    : "";
}

/** Why a position-corrected change may disagree with the Main and PR columns. */
export const POSITIONS_NOTE = "change of like runs (run 1 vs run 1 …); Main/PR show plain means";

/** A GSM8K change in accuracy points (the floor and the thresholds are points), the relative change after it. */
function gsm8kChange(cell: ComparisonCell, base: number): { change: string; interval: string } {
  const pts = (pct: number): number => pct * base;
  const signed = (x: number): string => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)}`;
  return {
    change: `${signed(pts(cell.change_pct!))} pts (${changePhrase(cell.metric, cell.change_pct!)})`,
    interval: cell.interval ? `${intervalText([pts(cell.interval[0]), pts(cell.interval[1])])} pts` : "",
  };
}

export function rowOf(cell: ComparisonCell, minEffectPct = DEFAULT_MIN_EFFECT_PCT): ReportRow {
  // A ⚪ just under the minimum effect must not read as on it ("+2.0 %" for +1.96 within ±2 %).
  const atEdge =
    cell.verdict === "unchanged" &&
    cell.change_pct !== null &&
    Math.abs(Number(cell.change_pct.toFixed(1))) >= minEffectPct;
  const side = (v: number[]): string => (v.length ? formatValue(mean(v)) : "—");
  const hasInterval = cell.interval && cell.kind !== "kv_cache";
  const gsm8k =
    cell.kind === "gsm8k" && cell.change_pct !== null && cell.baseline.values.length > 0
      ? gsm8kChange(cell, mean(cell.baseline.values))
      : undefined;
  return {
    cell,
    emoji: VERDICT_EMOJI[cell.verdict],
    where: whereOf(cell),
    point: pointOf(cell),
    metric: metricName(cell),
    baseline: side(cell.baseline.values),
    candidate: side(cell.candidate.values),
    change:
      gsm8k?.change ?? (cell.change_pct === null ? "—" : changePhrase(cell.metric, cell.change_pct, atEdge ? 2 : 1)),
    interval: gsm8k?.interval ?? (hasInterval ? intervalText(cell.interval!) : ""),
    reason: reasonOf(cell),
  };
}

const size = (c: ComparisonCell): number => Math.abs(c.change_pct ?? 0);
const ORDER: Record<Verdict, number> = { failed: 0, regressed: 1, improved: 2, inconclusive: 3, unchanged: 4 };

/** Flagged first, each by size: what a reader of a folded suite looks for. */
function byImportance(a: ComparisonCell, b: ComparisonCell): number {
  return ORDER[a.verdict] - ORDER[b.verdict] || size(b) - size(a);
}

/** Failures of one suite that share a reason are said once, with their points. */
export function groupFailures(cells: readonly ComparisonCell[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const c of cells.filter((x) => x.verdict === "failed")) {
    const row = rowOf(c);
    const key = `${row.where}|${row.reason}`;
    const g = groups.get(key) ?? { where: row.where, points: [], reason: row.reason };
    const point = c.kind === "gsm8k" ? "GSM8K" : row.point;
    if (!g.points.includes(point)) g.points.push(point);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** The reasons of the ❔ cells, most frequent first: one line on the first screen says why each ❔ is one. */
export function inconclusiveReasons(cells: readonly ComparisonCell[]): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const c of cells.filter((x) => x.verdict === "inconclusive")) {
    const reason = reasonOf(c) || "no reason recorded";
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}

/** `12 points`, or the points themselves when few. */
export function pointsText(points: readonly string[]): string {
  const named = points.filter((p) => p !== "—");
  if (named.length === 0) return "";
  return named.length <= 3 ? named.join(", ") : `${named.length} points`;
}

/** A GSM8K cell's mean accuracy on each side, when both sides have runs. */
function accuracyLevels(cell: ComparisonCell): { accuracy?: { from: number; to: number } } {
  const [from, to] = [cell.baseline.values, cell.candidate.values];
  return from.length && to.length ? { accuracy: { from: mean(from), to: mean(to) } } : {};
}

/** `12 cells within ±2 %, GSM8K accuracy within its noise`: a GSM8K cell is judged in points, not %. */
function withinText(c: Comparison): string {
  const unchanged = c.cells.filter((x) => x.verdict === "unchanged");
  const gsm8k = unchanged.filter((x) => x.kind === "gsm8k").length;
  const cells = unchanged.length - gsm8k;
  return [
    cells ? `${cells} cell${cells === 1 ? "" : "s"} within ±${c.settings.minEffectPct} %` : "",
    gsm8k ? `GSM8K accuracy within its noise${gsm8k > 1 ? ` (${gsm8k} suites)` : ""}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

function headline(c: Comparison, verdict: Verdict, ctx: ReportContext): string {
  const who = ctx.pr !== undefined ? `Merging #${ctx.pr}` : "The PR side";
  const emoji = VERDICT_EMOJI[verdict];
  const flagged = (v: Verdict): ComparisonCell[] => c.cells.filter((x) => x.verdict === v).sort(byImportance);
  const lead = (v: "regressed" | "improved"): string => {
    const cells = flagged(v);
    // The headline names a median or a throughput when one moved: a P99 is the 2nd–3rd slowest
    // request of a run and moves far more; it stays in the list below.
    const top = cells.find((x) => !isTailMetric(x.metric)) ?? cells[0]!;
    // A tail that moved more than the named cell is said too: a reader must not miss it.
    const tail = cells.find(
      (x) => x !== top && isTailMetric(x.metric) && Math.abs(x.change_pct ?? 0) > Math.abs(top.change_pct ?? 0),
    );
    const tailText = tail
      ? `; ${changeLead({ model: "", metric: tail.metric, change_pct: tail.change_pct ?? 0 }).trim()}: ${shortMetric(tail)}${pointOf(tail) !== "—" ? `, ${pointOf(tail)}` : ""}`
      : "";
    const rest = cells.length - 1 - (tail ? 1 : 0);
    const others =
      rest > 0 ? ` (and ${rest} more ${v === "regressed" ? "regression" : "improvement"}${rest > 1 ? "s" : ""})` : "";
    // The same sentence as the nightly issues and the dashboard, after who makes the change.
    const change = changeHeadline({
      model: top.model,
      metric: top.metric,
      change_pct: top.change_pct ?? 0,
      label: shortMetric(top),
      point: pointOf(top),
      suite: suiteLabel(top),
      ...(top.kind === "gsm8k" ? accuracyLevels(top) : {}),
    });
    return `${emoji} ${who} makes ${change}${tailText}${others}`;
  };
  switch (verdict) {
    case "regressed":
      return lead("regressed");
    case "improved":
      return lead("improved");
    case "failed": {
      const groups = groupFailures(c.cells);
      const g = groups[0]!;
      const more = groups.length > 1 ? ` (and ${groups.length - 1} more failure${groups.length > 2 ? "s" : ""})` : "";
      // A point that did not run among cells that were judged: the failure leads, the rest is said.
      const judged = c.cells.filter((x) => x.verdict !== "failed");
      const part = judged.length > 0;
      const what =
        ctx.pr !== undefined
          ? `${who} could not be measured${part ? " in part" : ""}`
          : part
            ? "Part of the comparison failed"
            : "The comparison failed";
      const rest = part ? `; the other ${judged.length} cell(s): ${suiteCounts(judged)}` : "";
      return `${emoji} ${what}: ${g.where}${pointsText(g.points) ? ` ${pointsText(g.points)}` : ""} — ${g.reason}${more}${rest}`;
    }
    case "unchanged": {
      // A KV cell left ❔ because the launch settings differ is not "too noisy": each is said as it is.
      const apart = c.cells.filter(notComparable).length;
      const noisy = c.summary.inconclusive - apart;
      const rest = [noisy ? `${noisy} too noisy to judge` : "", apart ? `${apart} not comparable` : ""].filter(Boolean);
      return `${emoji} ${who} ${ctx.pr !== undefined ? "changes" : "shows"} nothing measurable: ${withinText(c)}${rest.map((x) => `, ${x}`).join("")}${underFloor(c.cells)}`;
    }
    default: {
      // The most frequent reason, not the largest cell's: 26 cells the PR did not print outweigh 2 noisy ones.
      const top = inconclusiveReasons(c.cells)[0];
      const share = top && top.count < c.summary.inconclusive ? ` (${top.count} of them)` : "";
      const within = c.summary.unchanged ? `; ${withinText(c)}` : "";
      // The reason belongs to the ❔ cells, so it follows them, before the ⚪ count.
      return `${emoji} No verdict: ${c.summary.inconclusive} cell(s) too noisy or not comparable${top ? ` — ${top.reason}${share}` : ""}${within}${underFloor(c.cells)}`;
    }
  }
}

/**
 * `; ⚠️ GSM8K accuracy 0.928 is under the 0.93 floor (within its noise)`: a ❔ accuracy under the
 * model's floor is what a reader of a ⚪ headline must not miss (the nightly's own gate fails it).
 * gsm8k-verdict.ts words these cells `X is under the F threshold …` / `below the F threshold on both sides`.
 */
function underFloor(cells: readonly ComparisonCell[]): string {
  for (const cell of cells) {
    if (cell.kind !== "gsm8k" || cell.verdict !== "inconclusive") continue;
    const under = /(\d\.\d+) is under the (\d\.?\d*) threshold/.exec(cell.reason);
    if (under) return `; ⚠️ GSM8K accuracy ${under[1]} is under the ${under[2]} floor (within its noise)`;
    const both = /below the (\d\.?\d*) threshold on both sides/.exec(cell.reason);
    if (both) return `; ⚠️ GSM8K accuracy is below the ${both[1]} floor on both sides`;
  }
  return "";
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

function suiteCounts(cells: readonly ComparisonCell[]): string {
  const n = (v: Verdict): number => cells.filter((c) => c.verdict === v).length;
  return (["failed", "regressed", "improved", "inconclusive", "unchanged"] as const)
    .filter((v) => n(v) > 0)
    .map((v) => `${VERDICT_EMOJI[v]} ${n(v)}`)
    .join(" ");
}

/** Builds the report model once; every renderer reads only this. */
export function buildReportModel(c: Comparison, ctx: ReportContext = {}): ReportModel {
  const verdict = overallVerdict(c.summary);
  const regressions = c.cells.filter((x) => x.verdict === "regressed").sort(byImportance);
  const improvements = c.cells.filter((x) => x.verdict === "improved").sort(byImportance);
  const failures = groupFailures(c.cells);
  // One budget for the first screen: a few slots kept for failures (they must not hide behind many
  // regressions), then regressions, then improvements.
  const topFailures = failures.slice(0, Math.min(3, TOP_LIMIT));
  const topRegressions = regressions.slice(0, TOP_LIMIT - topFailures.length);
  const topImprovements = improvements.slice(0, Math.max(0, TOP_LIMIT - topRegressions.length - topFailures.length));
  const more =
    regressions.length +
    failures.length +
    improvements.length -
    topRegressions.length -
    topFailures.length -
    topImprovements.length;
  const s = c.settings;
  return {
    verdict,
    headline: headline(c, verdict, ctx),
    summary: c.summary,
    top: {
      rows: [...topRegressions, ...topImprovements].map((x) => rowOf(x, s.minEffectPct)),
      failures: topFailures,
      inconclusive: inconclusiveReasons(c.cells),
      more,
    },
    sides: [
      { label: ctx.baselineLabel ?? "Main", identity: identityText(c.suites.flatMap((x) => x.baseline)) },
      { label: ctx.candidateLabel ?? "PR", identity: identityText(c.suites.flatMap((x) => x.candidate)) },
    ],
    mismatches: c.mismatches,
    caveats: c.caveats ?? [],
    suites: c.suites.map((x) => ({
      title: `${x.model} · ${suiteLabel(x)}`,
      counts: suiteCounts(x.cells),
      open: x.cells.some((y) => y.verdict === "regressed" || y.verdict === "failed"),
      ...(x.mismatch ? { mismatch: x.mismatch } : {}),
      rows: [...x.cells].sort(byImportance).map((cell) => rowOf(cell, s.minEffectPct)),
    })),
    method: `Verdicts: ${Math.round(s.confidence * 100)} % interval on log values (noise from repeats${
      s.historyRuns > 0 ? ` and ${s.historyRuns} history run(s)` : ""
    }; between launches also their heavy tails and slow drift, from history or the built-in prior), minimum effect ${s.minEffectPct} %${
      s.falseDiscoveryRate !== undefined
        ? `; a suite's flags kept at ≤ ${fmtP(s.falseDiscoveryRate).replace("%", " %")} expected false (Benjamini–Hochberg over its cells)`
        : ""
    }; ⚪ when its 90 % interval lies within ±${2 * s.minEffectPct} %; "pooled" borrows from the metric's other points. A signed change is the value's own: + went up (a latency +5 % is slower).${learntFromText(c)}`,
    context: ctx,
  };
}

/** `series mi30x/DeepSeek-V3-0324_FP8/deepseek-online/-` → `series mi30x DeepSeek-V3-0324_FP8 deepseek-online`. */
const priorSourceText = (source: string): string =>
  source.replace(/\S+/g, (word) =>
    word.includes("/")
      ? word
          .split("/")
          .filter((part) => part !== "-")
          .join(" ")
      : word,
  );

/** ` Noise learnt from the baseline's regime: GROK2 grok-online 20251105–20251112 (6 nights; since host a → b).` */
function learntFromText(c: Comparison): string {
  const parts = (c.learntFrom ?? []).map((l) => {
    const [, model, suite] = l.scope.split("/");
    const nights = l.nights.length
      ? `${l.nights[0]}–${l.nights[l.nights.length - 1]} (${l.nights.length} night${l.nights.length === 1 ? "" : "s"}${l.startReason ? `; since ${l.startReason}` : ""}${l.baselineDiffers ? `; the baseline, not among them, differs by ${l.baselineDiffers}` : ""})`
      : `no night of its regime (built-in prior only${l.baselineDiffers ? `: the baseline differs from the history's last regime by ${l.baselineDiffers}` : ""})`;
    const later = l.afterCandidate
      ? `, ${l.afterCandidate} later night${l.afterCandidate === 1 ? "" : "s"} (after the PR side's) not used`
      : "";
    // The tail and drift are the platform's: learnt from every regime, left-out nights included.
    const shapes = l.shapesFrom
      ? `; the heavy tail and slow drift between launches from all ${l.shapesFrom} nights of the history`
      : "";
    return `${model} ${suite} ${nights}${l.leftOut ? `, ${l.leftOut} other night${l.leftOut === 1 ? "" : "s"} left out` : ""}${shapes}${later}`;
  });
  const [own, shipped] = [true, false].map((fromHistory) =>
    (c.priorUsed ?? []).filter((x) => x.startsWith(`${HISTORY_PRIOR} `) === fromHistory),
  ) as [string[], string[]];
  const also = parts.length ? "also " : "";
  const prior = [
    shipped.length
      ? ` Launch noise ${also}from the built-in prior (learnt from real nightlies): ${shipped.map(priorSourceText).join("; ")}.`
      : "",
    // A series the built-in prior never saw: its prior was learnt from the history's other regimes.
    own.length
      ? ` Launch noise ${also}from a prior learnt from the history's earlier regimes of the series (the built-in prior has none for it): ${own.map((x) => priorSourceText(x.slice(HISTORY_PRIOR.length + 1))).join("; ")}.`
      : "",
  ].join("");
  return `${parts.length ? ` Noise learnt from the baseline's regime: ${parts.join("; ")}.` : ""}${prior}`;
}

/**
 * `🔴 1 regressed · ⚪ 12 unchanged · ❔ 3 inconclusive`: the verdicts that occur, so a PR that is
 * only slower shows no 🟢 anywhere (a zero count says nothing a reader needs).
 */
export function countsText(s: ComparisonCounts): string {
  const parts = [
    [s.regressed, `🔴 ${s.regressed} regressed`],
    [s.improved, `🟢 ${s.improved} improved`],
    [s.unchanged, `⚪ ${s.unchanged} unchanged`],
    [s.inconclusive, `❔ ${s.inconclusive} inconclusive`],
    [s.failed, `❌ ${s.failed} failed`],
  ] as const;
  const present = parts.filter(([n]) => n > 0).map(([, text]) => text);
  return present.length > 0 ? present.join(" · ") : "nothing compared";
}

/** `~2 627 GPU-minutes; the original's double run: 5 611 (47 %)`. */
export function costText(cost: NonNullable<ReportContext["cost"]>): string {
  const ratio = cost.seedGpuMinutes > 0 ? ` (${Math.round((cost.gpuMinutes / cost.seedGpuMinutes) * 100)} %)` : "";
  return `~${Math.round(cost.gpuMinutes)} GPU-minutes; the original scripts' double run: ${Math.round(cost.seedGpuMinutes)}${ratio}`;
}
