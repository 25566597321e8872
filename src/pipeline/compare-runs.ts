/**
 * Loads the two sides of a comparison (and the history the noise is learnt from) from disk and
 * compares them: run folders of either layout, results.json, logs or seed CSVs — whatever
 * `ingestPaths` reads. The kind (offline/online) comes from the content, never from the path.
 */
import { access, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { COMPARED_METRICS, metricInfo } from "../core/catalogue/index.js";
import {
  compareRuns,
  failureCell,
  isGsm8kCheck,
  repeatValue,
  runScope,
  scopeKey,
  summarize,
  type CompareOptions,
  type Comparison,
  type ComparisonCell,
  type SuiteComparison,
} from "../core/verdict/index.js";
import {
  measuredAny,
  pointKey,
  suiteLabel,
  type Diagnostic,
  type PointResult,
  type RunResults,
} from "../core/results/index.js";
import { parseGsm8kOutput, recordedGsm8k } from "../sglang/gsm8k.js";
import { ingestPaths } from "../store/ingest.js";
import { changepointDetector } from "./regime-history.js";

/** The seed's default GSM8K log patterns (`GSM8K_LOG_PATTERNS`, `;`-separated). */
export const DEFAULT_GSM8K_LOG_PATTERNS = ["*gsm8k*.log", "*GSM8K*.log", "sglang_client_log_*_gsm8k*.log"];

/** What to load. */
export interface CompareRunsInput {
  /** Baseline ("Main", `--csv1`) paths. */
  baseline: string[];
  /** Candidate ("PR", `--csv2`) paths. */
  candidate: string[];
  /** Past nightly run folders for the noise model. */
  history?: string[];
  /** Keep only runs of this kind; `auto` keeps what the content says (default). */
  mode?: "offline" | "online" | "auto";
  /** Case-insensitive substring filter on the model (both sides), or per side. */
  model?: string;
  model1?: string;
  model2?: string;
  /** Glob patterns (`*` and `?`) of GSM8K logs, searched in each side's folders when a run has no GSM8K. */
  gsm8kLogPatterns?: string[];
  /** Hardware of runs whose image tag and logs do not name it (`--hardware`), e.g. the seed's date-only tags. */
  hardware?: string;
}

/** A row or section of an input file that was not read as data (truncated, garbled), with where it is. */
export interface LeftOut {
  file: string;
  line?: number;
  message: string;
}

/** One identity field of a pair of sides: what each names (undefined: not named by its tag or logs). */
export interface FieldCheck {
  field: "model" | "suite" | "hardware" | "attention backend";
  main?: string;
  pr?: string;
  /** `differs`: both named, different; `one-side`: named on one side only; `same` otherwise. */
  status: "same" | "differs" | "one-side";
}

/** A pairing of main and PR runs and its field-by-field check. */
export interface SidePairCheck {
  /** Suites of the pair (main's and PR's). */
  suites: string[];
  fields: FieldCheck[];
  /** Verdicts are refused for this pair: a field differs, or the hardware is named on one side only. */
  refused: boolean;
}

/** The loaded sides, what was skipped and the comparison. */
export interface CompareRunsOutcome {
  comparison: Comparison;
  baseline: RunResults[];
  candidate: RunResults[];
  history: RunResults[];
  /** Files that gave nothing, with the reason (already redacted by ingest). */
  skipped: { file: string; reason: string }[];
  /** Rows of the inputs left out as malformed, with file and line. */
  leftOut: LeftOut[];
  /** Field-by-field identity checks of the paired sides. */
  checks: SidePairCheck[];
  /** Sides that measured no benchmark point at all (only GSM8K, or every point failed), with why. */
  measuredNothing: { side: "main (--csv1)" | "PR (--csv2)"; why: string }[];
}

/** The inputs could not be compared (a side gave no run); the message says which and why. */
export class CompareInputError extends Error {
  constructor(
    message: string,
    /** Nothing on that side could be read at all (missing, unreadable or empty): exit 4, not 1. */
    readonly unreadable = false,
  ) {
    super(message);
  }
}

const modelText = (r: RunResults): string =>
  `${r.model.name} ${r.model.variant ?? ""} ${r.model.path ?? ""}`.toLowerCase();

/** Seed-style glob (`*`, `?`) → anchored regex over a file name. */
function globRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Attaches GSM8K results from logs matching the patterns to runs of `paths` that have none. */
async function attachGsm8k(runs: RunResults[], paths: string[], patterns: string[], model?: string): Promise<void> {
  if (runs.every((r) => r.gsm8k)) return;
  const regexes = patterns.map(globRegex);
  for (const dir of paths) {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (!regexes.some((re) => re.test(name))) continue;
      if (model && !name.toLowerCase().includes(model.toLowerCase())) continue;
      // A failed test (no valid run) records no accuracy: a printed 0 is not one.
      const gsm8k = recordedGsm8k(parseGsm8kOutput(await readFile(join(dir, name), "utf8"), name));
      if (!gsm8k?.runs.length) continue;
      for (const r of runs) if (!r.gsm8k) r.gsm8k = gsm8k;
      return;
    }
  }
}

async function loadSide(
  label: string,
  paths: string[],
  input: CompareRunsInput,
  model: string | undefined,
  skipped: CompareRunsOutcome["skipped"],
): Promise<RunResults[]> {
  const { runs: read, skipped: s } = await ingestPaths(paths);
  skipped.push(...s);
  const runs: RunResults[] = [];
  for (const run of read) {
    normalizeIdentity(run, input.hardware);
    // A folder whose files gave nothing (e.g. only a broken results.json): say so, do not compare "not run".
    if (run.points.length === 0 && !run.gsm8k && run.failures.length === 0) {
      skipped.push({ file: run.sources[0] ?? paths.join(", "), reason: "no benchmark result, failure or GSM8K in it" });
    } else runs.push(run);
  }
  const wanted = runs.filter(
    (r) =>
      (!input.mode || input.mode === "auto" || r.kind === input.mode) &&
      (!model || modelText(r).includes(model.toLowerCase())),
  );
  if (wanted.length === 0) {
    const why = s.length > 0 ? `; skipped: ${s.map((x) => `${basename(x.file)} (${x.reason})`).join(", ")}` : "";
    const filter = [input.mode && input.mode !== "auto" ? `mode ${input.mode}` : "", model ? `model ${model}` : ""]
      .filter(Boolean)
      .join(", ");
    throw new CompareInputError(
      `${label} (${paths.join(", ")}): no benchmark results found${filter ? ` for ${filter}` : ""} (${runs.length} run(s) read)${why}`,
      runs.length === 0,
    );
  }
  if (input.gsm8kLogPatterns && input.gsm8kLogPatterns.length > 0) {
    await attachGsm8k(wanted, paths, input.gsm8kLogPatterns, model);
  }
  return wanted;
}

/**
 * One identity for runs of both layouts: the seed's folders carry no offline mode (its suite id does:
 * `grok-offline-normal`), our runner's do; a run that names no hardware takes `--hardware` when given.
 */
function normalizeIdentity(run: RunResults, hardware: string | undefined): void {
  if (run.kind === "offline" && !run.mode) {
    const mode = /-offline-(.+)$/.exec(run.suite)?.[1];
    if (mode) run.mode = mode;
  }
  if (!run.hardware && hardware) run.hardware = hardware;
}

const FIELDS: readonly [FieldCheck["field"], (r: RunResults) => string | undefined][] = [
  ["model", (r) => [r.model.name, r.model.variant].filter(Boolean).join(" ")],
  ["suite", (r) => r.suite || undefined],
  ["hardware", (r) => r.hardware],
  ["attention backend", (r) => r.backend],
];

const joined = (runs: RunResults[], get: (r: RunResults) => string | undefined): string | undefined => {
  const values = [...new Set(runs.map(get).filter((v): v is string => Boolean(v)))].sort();
  return values.length > 0 ? values.join("/") : undefined;
};

/** Field-by-field check of one pairing of main and PR runs. */
function checkPair(base: RunResults[], cand: RunResults[]): SidePairCheck {
  const fields = FIELDS.map(([field, get]): FieldCheck => {
    const main = joined(base, get);
    const pr = joined(cand, get);
    const status = main && pr ? (main === pr ? "same" : "differs") : main || pr ? "one-side" : "same";
    return { field, ...(main ? { main } : {}), ...(pr ? { pr } : {}), status };
  });
  const refused = fields.some((f) => f.status === "differs" || (f.field === "hardware" && f.status === "one-side"));
  return { suites: [...new Set([...base, ...cand].map((r) => r.suite))], fields, refused };
}

/**
 * Pairs the sides the way the comparison does (same kind, same suite; what is left of a kind pairs as
 * a whole) and checks each pair field by field. Throws CompareInputError when the sides share no kind.
 */
export function checkSides(baseline: RunResults[], candidate: RunResults[]): SidePairCheck[] {
  const checks: SidePairCheck[] = [];
  for (const kind of ["offline", "online"] as const) {
    const b = baseline.filter((r) => r.kind === kind);
    const c = candidate.filter((r) => r.kind === kind);
    if (b.length === 0 || c.length === 0) continue;
    const key = (r: RunResults): string => `${r.suite}|${r.mode ?? ""}`;
    const common = [...new Set(b.map(key))].filter((k) => c.some((r) => key(r) === k));
    for (const k of common)
      checks.push(
        checkPair(
          b.filter((r) => key(r) === k),
          c.filter((r) => key(r) === k),
        ),
      );
    const restB = b.filter((r) => !common.includes(key(r)));
    const restC = c.filter((r) => !common.includes(key(r)));
    if (restB.length > 0 && restC.length > 0) checks.push(checkPair(restB, restC));
  }
  if (checks.length === 0) {
    const kinds = (runs: RunResults[]) => joined(runs, (r) => `${r.kind} (${r.suite})`) ?? "nothing";
    throw new CompareInputError(
      `nothing in common to compare: main (--csv1) has ${kinds(baseline)}, PR (--csv2) has ${kinds(candidate)}`,
    );
  }
  return checks;
}

/** The hardware named on one side only: the comparison's own check needs both; refuse those suites here. */
function refuseOneSidedHardware(comparison: Comparison, checks: SidePairCheck[]): void {
  for (const check of checks) {
    const hw = check.fields.find((f) => f.field === "hardware");
    if (hw?.status !== "one-side") continue;
    const why = `different hardware ${hw.main ?? "(not named)"} vs ${hw.pr ?? "(not named)"}`;
    for (const suite of comparison.suites) {
      if (!check.suites.includes(suite.suite) || suite.mismatch) continue;
      suite.mismatch = why;
      comparison.mismatches.push(`${suiteLabel(suite)}: ${why} — no verdicts`);
      for (const cell of suite.cells) {
        if (cell.kind === "failure") continue;
        Object.assign(cell, { verdict: "inconclusive", interval: null, reason: `not compared: ${why}` });
        delete cell.pooled;
      }
    }
  }
  comparison.summary = summarize(comparison.cells);
}

/** The parsers' word for a result block a log ends in the middle of (src/sglang/serving.ts). */
const TRUNCATED_BLOCK = "result block is truncated";

/** The runs of a side that a suite of the comparison was built from (same suite, mode and kind; else the kind's only suite). */
function suiteOf(comparison: Comparison, run: RunResults): SuiteComparison | undefined {
  const same = comparison.suites.find(
    (s) => s.suite === run.suite && (s.mode ?? "") === (run.mode ?? "") && s.kind === run.kind,
  );
  if (same) return same;
  const ofKind = comparison.suites.filter((s) => s.kind === run.kind);
  return ofKind.length === 1 ? ofKind[0] : undefined;
}

/** Compared metrics with a usable value at a point (warm-up repeats aside), over a side's runs of a suite. */
function metricsAt(runs: RunResults[], key: string): Set<string> {
  const out = new Set<string>();
  for (const run of runs)
    for (const p of run.points)
      if (pointKey(p.point) === key)
        for (const r of p.repeats.filter((x) => !x.warmup))
          for (const m of COMPARED_METRICS) {
            const v = repeatValue(r.metrics, m.key);
            if (v !== undefined && Number.isFinite(v)) out.add(m.key);
          }
  return out;
}

/**
 * A client log cut off inside its result block gives a repeat with the first metrics only. The cells
 * of the metrics it lost are ❌ (judged on the point's other runs they would compare the warm-up run
 * against main's steady ones), and the metrics no run kept, which the comparison drops, get one ❌
 * cell per point naming the log, its line and what it lost.
 */
function addTruncatedCells(comparison: Comparison, baseline: RunResults[], candidate: RunResults[]): void {
  let added = false;
  const sides = [
    { label: "main", runs: baseline, other: candidate },
    { label: "PR", runs: candidate, other: baseline },
  ];
  for (const { label, runs, other } of sides) {
    for (const run of runs) {
      const cuts = run.diagnostics.filter((d) => d.message === TRUNCATED_BLOCK && d.severity === "error");
      if (cuts.length === 0) continue;
      const suite = suiteOf(comparison, run);
      if (!suite) continue;
      const sameSuite = (r: RunResults) => suiteOf(comparison, r) === suite;
      for (const cut of cuts) {
        const hit = run.points.filter((p) => p.repeats.some((r) => fromDiagnostic(r.source, cut)));
        for (const p of hit)
          added = addTruncatedCell(suite, p, cut, label, runs.filter(sameSuite), other.filter(sameSuite)) || added;
      }
    }
  }
  if (!added) return;
  comparison.cells = comparison.suites.flatMap((s) => s.cells);
  comparison.summary = summarize(comparison.cells);
}

/**
 * A history run without the repeats whose result block was cut off: a repeat with its first metrics
 * only (or a value cut mid-number) would widen the noise learnt from the night, or bias it.
 */
function withoutCutRepeats(run: RunResults): RunResults {
  const cuts = run.diagnostics.filter((d) => d.message === TRUNCATED_BLOCK && d.severity === "error");
  if (cuts.length === 0) return run;
  const cut = (source: string | undefined) => cuts.some((d) => fromDiagnostic(source, d));
  const points = run.points
    .map((p) => ({ ...p, repeats: p.repeats.filter((r) => !cut(r.source)) }))
    .filter((p) => p.repeats.length > 0);
  return { ...run, points };
}

/** A repeat read from the log a diagnostic is about (folder logs name the file, console logs file:line). */
const fromDiagnostic = (source: string | undefined, d: Diagnostic): boolean =>
  source !== undefined && (source === d.file || source === `${d.file}:${d.line ?? ""}`);

function addTruncatedCell(
  suite: SuiteComparison,
  p: PointResult,
  cut: Diagnostic,
  label: string,
  runs: RunResults[],
  other: RunResults[],
): boolean {
  const key = pointKey(p.point);
  // A point with no value at all is already a ❌ cell of the comparison.
  if (suite.cells.some((c) => pointKey(c.point) === key && c.kind === "failure")) return false;
  const oneSided = (c: ComparisonCell): boolean =>
    c.kind === "metric" && (c.baseline.values.length === 0 || c.candidate.values.length === 0);
  // What the cut-off run lost: the metrics the point has elsewhere (its other runs, the other side).
  const cutRun = p.repeats.filter((r) => fromDiagnostic(r.source, cut));
  const kept = new Set(
    cutRun.flatMap((r) =>
      COMPARED_METRICS.filter((m) => repeatValue(r.metrics, m.key) !== undefined).map((m) => m.key),
    ),
  );
  const lost = [...new Set([...metricsAt(other, key), ...metricsAt(runs, key)])].filter((m) => !kept.has(m));
  if (lost.length === 0) return false;
  // Cells one side has no value for are the cut's to say (one ❌ naming what was lost), not ❔.
  suite.cells = suite.cells.filter((c) => pointKey(c.point) !== key || !oneSided(c));
  const atPoint = suite.cells.filter((c) => pointKey(c.point) === key);
  // The log's name is enough in a report (stderr gives the whole path).
  const where = `${basename(cut.file)}${cut.line !== undefined ? `:${cut.line}` : ""}`;
  const why = `${label}: ${TRUNCATED_BLOCK} (${where})`;
  // A metric the other runs of the point still have is not judged on them: with a run missing, the
  // warm-up run would stand in for it (3 runs drop the first; 2 keep it), a bias, not a change.
  let marked = false;
  for (const c of atPoint)
    if (c.kind === "metric" && lost.includes(c.metric)) {
      // No change either: the PR value left is the biased one (warm-up standing in).
      Object.assign(c, {
        verdict: "failed",
        interval: null,
        change_pct: null,
        reason: `${why}: this run lost it; not judged on the point's other runs`,
      });
      delete c.direction;
      delete c.pooled;
      marked = true;
    }
  const inCells = new Set(atPoint.map((c) => c.metric));
  const vanished = lost.filter((m) => !inCells.has(m));
  if (vanished.length === 0) return marked;
  const cell = failureCell(
    { suite: suite.suite, model: suite.model, ...(suite.mode ? { mode: suite.mode } : {}) },
    p.point,
    `${why}: no ${vanished.map((m) => metricInfo(m).display).join(", ")}`,
  );
  // After the point's cells; a point with none goes before the suite's GSM8K and KV-cache cells.
  const last = atPoint.length > 0 ? suite.cells.indexOf(atPoint[atPoint.length - 1]!) : -1;
  const extras = suite.cells.findIndex((c) => c.kind === "gsm8k" || c.kind === "kv_cache");
  suite.cells.splice(last >= 0 ? last + 1 : extras >= 0 ? extras : suite.cells.length, 0, cell);
  return true;
}

/** Why a side's runs measured no benchmark repeat, or undefined when one did. */
function nothingMeasured(runs: RunResults[]): string | undefined {
  if (runs.some(measuredAny)) return undefined;
  const failures = [...new Set(runs.flatMap((r) => r.failures.map((f) => `${f.kind}: ${f.message}`)))];
  if (failures.length > 0) return `every point failed (${failures.slice(0, 3).join("; ")})`;
  return runs.some((r) => r.gsm8k) ? "only a GSM8K result, no benchmark point" : "no benchmark point";
}

/** Rows the CSV readers left out (errors with a line), from the runs of a side. */
function leftOutRows(runs: RunResults[]): LeftOut[] {
  return runs.flatMap((r) =>
    r.diagnostics
      .filter((d) => d.severity === "error" && d.line !== undefined && d.file)
      .map((d) => ({ file: d.file!, line: d.line, message: d.message })),
  );
}

/** Loads both sides and the history, then compares them. Throws CompareInputError when a side is empty. */
export async function compareFromDisk(input: CompareRunsInput, opts: CompareOptions = {}): Promise<CompareRunsOutcome> {
  const skipped: CompareRunsOutcome["skipped"] = [];
  const baseline = await loadSide("main (--csv1)", input.baseline, input, input.model1 ?? input.model, skipped);
  const candidate = await loadSide("PR (--csv2)", input.candidate, input, input.model2 ?? input.model, skipped);
  let history: RunResults[] = [];
  // Said in the report too: a saved report must not read as if --history had taught it anything.
  let historyUnused = "";
  if (input.history && input.history.length > 0) {
    // A --history path that is not there is a typo, not "no history": fail closed (exit 4).
    for (const path of input.history)
      await access(path).catch(() => {
        throw new CompareInputError(`--history ${path}: no such file or folder`, true);
      });
    const h = await ingestPaths(input.history);
    history = h.runs.map(withoutCutRepeats);
    // The same identity as the sides: a seed-layout offline night names its mode only in its suite id.
    for (const run of history) normalizeIdentity(run, input.hardware);
    skipped.push(...h.skipped);
    const compared = new Set([...baseline, ...candidate].map((r) => scopeKey(runScope(r))));
    if (history.length === 0) historyUnused = "--history gave no readable run";
    // Another model's or hardware's nights teach nothing about these: said, not silently unused.
    else if (!history.some((r) => compared.has(scopeKey(runScope(r)))))
      historyUnused = `--history has no run of the compared series (${[...compared].join(", ")})`;
    if (historyUnused)
      skipped.push({
        file: input.history.join(", "),
        reason: `${historyUnused}: nothing is learnt from it`,
      });
  }
  const checks = checkSides(baseline, candidate);
  // A series the built-in prior never saw learns one from the history's other regimes (prior-learn.ts).
  const comparison = compareRuns(baseline, candidate, {
    detectChanges: changepointDetector,
    ownPrior: true,
    ...opts,
    history,
  });
  if (historyUnused) {
    // The built-in prior stands in only for the series it knows; for the rest nothing does.
    const instead = comparison.priorUsed?.length
      ? "noise from the built-in prior only"
      : "no noise between launches is known (the built-in prior has none for this series)";
    comparison.caveats = [...(comparison.caveats ?? []), `${historyUnused}: ${instead}`];
  }
  addTruncatedCells(comparison, baseline, candidate);
  refuseOneSidedHardware(comparison, checks);
  const leftOut = [
    ...leftOutRows([...baseline, ...candidate]),
    // The history's damaged files too: what they lost is not learnt from, and the reader is told.
    ...leftOutRows(history).map((row) => ({ ...row, message: `history: ${row.message}` })),
  ];
  // Two GSM8K checks by design measured what they ran.
  const bothChecks = isGsm8kCheck(baseline) && isGsm8kCheck(candidate);
  const measuredNothing = (
    bothChecks
      ? []
      : [
          { side: "main (--csv1)" as const, runs: baseline },
          { side: "PR (--csv2)" as const, runs: candidate },
        ]
  ).flatMap(({ side, runs }) => {
    const why = nothingMeasured(runs);
    return why ? [{ side, why }] : [];
  });
  return { comparison, baseline, candidate, history, skipped, leftOut, checks, measuredNothing };
}
