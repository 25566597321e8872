/**
 * The compare-pr pipeline, shared by the Action, the CLI and the demo: plan → (images are resolved by
 * the caller) → run both sides (or reuse the merge-base baseline after an anchor) → compare → report.
 * It writes the original tool's tree `pr<N>_<YYYYMMDD_HHMMSS>/{comparison.log, comparison_report.md,
 * main/…, pr/…}` plus `results.json`. A failing side never stops the report: its failures become cells.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { makeDirSync, writeFileAtomicSync } from "../store/disk-write.js";
import {
  runScope,
  scopeKey,
  verdictSettingsFlags,
  type ComparisonCounts,
  type VerdictSettings,
} from "../core/verdict/index.js";

import {
  planRequest,
  planSuiteForRun,
  renderPlan,
  type Plan,
  type PlanRequest,
  type PlanSuite,
  type SuitePlan,
} from "../core/plan/index.js";
import { countsText, overallVerdict as coreVerdict, type ReportContext } from "../core/report/index.js";
import { emptyRun, measuredAny, type Failure, type RunResults } from "../core/results/index.js";
import { DETERMINISTIC_KINDS } from "../runner/failures.js";
import { timestamp, errorMessage, shellWord } from "../core/util/index.js";
import { anySignal, shutdownSignal } from "../runner/shutdown.js";
import type { TimeoutOverrides } from "../runner/run-suite.js";
import {
  checkAnchor,
  priorLaunchVariance,
  findBaselineRun,
  mergeBlocks,
  scheduleSuite,
  toHistoryRun,
  type AnchorCheck,
  type ScheduleStep,
} from "./baseline.js";
import { companionsOf, regimeCompanions } from "./regime-history.js";

/** One runSuite call as the pipeline asks for it; the caller maps it onto the runner and its executors. */
export interface SideRunRequest {
  suite: string;
  side: "main" | "pr";
  image: string;
  /** Folder the run folder goes into: `<comparison>/<side>` (block 1), `<side>/block<N>`, `main/anchor`. */
  outputDir: string;
  /** Point keys (`pointKey`) to run; empty = every point of the suite. */
  points: string[];
  repeats: number;
  skipGsm8k: boolean;
  /** Time limits (ms) the request sets; unset → the suite catalogue's. */
  timeouts?: TimeoutOverrides;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export interface SideRunOutcome {
  run: RunResults;
  folder: string;
  exitCode: 0 | 1 | 3;
}

export type SideRunner = (request: SideRunRequest) => Promise<SideRunOutcome>;

// The verdict counts are core/compare.ts's; re-exported for the pipeline's callers.
export type { ComparisonCounts };

/** The comparison step, injected so the pipeline does not depend on how verdicts are computed. */
export interface Comparer<C extends { summary: ComparisonCounts }> {
  /** `settings`: what the request changed of the verdict rule (absent = the engine's defaults). */
  compare(baseline: RunResults[], candidate: RunResults[], options: { history: RunResults[] } & VerdictSettings): C;
  /**
   * Markdown body of the report (headline first, footer with the baseline, cost and repro the
   * pipeline passes in); comparison_report.md puts it under the original title, before the run details.
   */
  render(comparison: C, options?: ReportContext): string;
  /** Plain-text variant (one line per flagged cell) for consoles and job logs. */
  renderText?(comparison: C): string;
  /**
   * The matrix jobs' comparisons side by side, each suite with the verdicts its job gave it (with its
   * history); undefined when they cannot be (the same suite twice, other rules, a malformed file).
   */
  join?(parts: unknown[]): C | undefined;
}

export interface ImagePair {
  main: string;
  pr: string;
  /** The merge base the main image was built from (or the nightly's commit). */
  mainCommit: string;
  prCommit?: string;
}

export interface ComparePrOptions<C extends { summary: ComparisonCounts }> {
  request: PlanRequest;
  repo: string;
  /** The suites the request selected (catalogue entries). */
  catalogue: PlanSuite[];
  images: ImagePair;
  /** Parent of `pr<N>_<timestamp>/`. */
  outputDir: string;
  /** Past runs: baseline candidates and noise. */
  history: RunResults[];
  /**
   * Main's kept runs of earlier requests on this merge base (main-runs.ts): baseline candidates only,
   * never noise history (they are this request's own main, not nights of a series).
   */
  earlierMain?: RunResults[];
  runSide: SideRunner;
  comparer: Comparer<C>;
  now?: () => Date;
  /** Progress lines (also written to comparison.log). */
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Explanations of the cost shown in the report's footer (the demo says why it costs more). */
  costNotes?: (plan: Plan) => string[];
  /** Time limits (ms) for every step; unset → the suite catalogue's. */
  timeouts?: TimeoutOverrides;
  /**
   * Continue this comparison folder (an interrupted run): every step resumes its run folder, so
   * measured repeats are kept. A folder that already holds a finished report is refused unless `force`.
   */
  resumeDir?: string;
  /** With `resumeDir`: discard what the folder holds and run it again from the start. */
  force?: boolean;
  /** The suite's false-discovery rate when not the engine's default (the minimum effect is `request.minEffectPct`). */
  falseDiscoveryRate?: number | false;
  /** Flags the request was given beyond the plan request (images, history, hardware …), for the reproduce lines. */
  reproFlags?: { comparePr?: string; compare?: string };
}

export type OverallVerdict = "regressed" | "improved" | "unchanged" | "inconclusive" | "failed";

/** What one suite did on main: reused (after an anchor) or ran. */
export interface MainSideRecord {
  suite: string;
  action: "reuse" | "full";
  reason: string;
  anchor?: AnchorCheck;
  baselineSources?: string[];
  /** Earlier nightlies of the baseline's regime used as more launches of main (regime-history.ts). */
  companionNights?: string[];
  /** The reused baseline is main's run of an earlier request on this merge base (main-runs.ts), not a nightly. */
  earlierRequest?: boolean;
  /** Why an earlier nightly that could have joined the reused one did not (companionsOf). */
  mainAlone?: string;
}

export interface ComparePrResult<C> {
  dir: string;
  reportPath: string;
  resultsPath: string;
  logPath: string;
  /** Every log file under the comparison folder (for the `sglbench-logs` artifact). */
  logFiles: string[];
  plan: Plan;
  mainSide: MainSideRecord[];
  /** Main's run per suite as compared (merged launches, or the reused baseline). */
  mainRuns: RunResults[];
  comparison: C;
  counts: ComparisonCounts;
  verdict: OverallVerdict;
  /** One line for consoles, job logs and the CLI. */
  summaryLine: string;
  reportMarkdown: string;
  /** 0 everything ran; 3 some run failed but the report was written; 1 no cell was measured (the report says why). */
  exitCode: 0 | 1 | 3;
}

/** The overall verdict: any regression wins, then failures, then improvements (the report model's rule). */
export const overallVerdict: (counts: ComparisonCounts) => OverallVerdict = coreVerdict;

/**
 * A run that stands for a side that could not run at all (its container or image could not start), so
 * the comparison shows its cells as failed. Such a failure repeats on the side's next block: launch_failed.
 */
export function failedRun(suite: PlanSuite, side: string, error: unknown): RunResults {
  const message = errorMessage(error);
  return emptyRun({
    kind: suite.kind,
    suite: suite.id,
    model: { name: suite.model },
    failures: [{ kind: "launch_failed", message: `${side} side of ${suite.id} did not run: ${message}` }],
  });
}

/**
 * Why a side's later blocks would fail the same way (so they are not run): a launch that failed, a
 * server that never got ready, a GSM8K gate that failed (it applies to every block of the side), or a
 * block that measured nothing at all. Undefined when the next block is worth running.
 */
export function blockingFailure(run: RunResults): Failure | undefined {
  const runLevel = run.failures.filter((f) => !f.point && f.kind !== "cancelled");
  const deterministic = runLevel.find(
    (f) => DETERMINISTIC_KINDS.includes(f.kind) || (f.kind === "requests_failed" && /GSM8K/.test(f.message)),
  );
  if (deterministic) return deterministic;
  if (run.gsm8k?.passed === false)
    return { kind: "low_accuracy", message: `GSM8K gate failed (average ${run.gsm8k.average ?? "?"})` };
  if (!measuredAny(run) && run.points.length > 0 && runLevel[0]) return runLevel[0];
  return undefined;
}

/** A run standing for a block that was not run because an earlier block of `side` failed for good. */
export function skippedRun(suite: PlanSuite, side: string, block: number, cause: Failure): RunResults {
  return emptyRun({
    kind: suite.kind,
    suite: suite.id,
    model: { name: suite.model },
    failures: [{ ...cause, message: `${side} block ${block} not run: ${cause.message}` }],
  });
}

function listLogs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(log|txt|jsonl)$/.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

function stepDir(dir: string, step: ScheduleStep): string {
  return step.block === 1 ? join(dir, step.side) : join(dir, step.side, `block${step.block}`);
}

/** Runs a compare-pr request end to end and writes the comparison folder. */
export async function runComparePr<C extends { summary: ComparisonCounts }>(
  options: ComparePrOptions<C>,
): Promise<ComparePrResult<C>> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const { request } = options;
  const dir = options.resumeDir ?? join(options.outputDir, `pr${request.pr}_${timestamp(started, "utc")}`);
  if (options.resumeDir) prepareResume(options.resumeDir, request.pr, options.force ?? false);
  makeDirSync(dir);
  const logPath = join(dir, "comparison.log");
  (options.resumeDir ? appendFileSync : writeFileSync)(
    logPath,
    [
      options.resumeDir
        ? `Comparison ${options.force ? "restarted (--force)" : "resumed"} at: ${started.toISOString()}`
        : `Comparison started at: ${started.toISOString()}`,
      `PR: #${request.pr}`,
      `Repository: ${options.repo}`,
      `Models: ${request.models.join(",")}`,
      `Benchmark types: ${request.types.join(",")}`,
      `Main image: ${options.images.main} (merge base ${options.images.mainCommit})`,
      `PR image: ${options.images.pr}`,
      "",
    ].join("\n"),
  );
  const log = (line: string) => {
    appendFileSync(logPath, `[${now().toISOString()}] ${line}\n`);
    options.log?.(line);
  };

  // The caller passes history of this hardware only; each run counts for the suite of its model and
  // serving variant (planSuiteForRun: ingest files Grok-1 and Grok-2 alike under grok-online).
  const earlierMain = options.earlierMain ?? [];
  const historyRuns = [...options.history, ...earlierMain].flatMap((run) => {
    const suite = planSuiteForRun(run, options.catalogue);
    if (!suite) return [];
    const planned = { ...toHistoryRun(run, started), suiteId: suite.id, configHash: request.configHash };
    // An earlier request's main is a baseline candidate, not noise history: it sets no repeat count.
    if (earlierMain.includes(run)) delete planned.noisePct;
    return [planned];
  });
  const plan = planRequest(request, historyRuns, { catalogue: options.catalogue });
  for (const line of renderPlan(plan, request).trimEnd().split("\n")) log(line);

  const mainRuns: RunResults[] = [];
  const prRuns: RunResults[] = [];
  const mainSide: MainSideRecord[] = [];
  // Series whose reused nightly is a step the anchor confirmed (scope key → the nightly).
  const stepAt = new Map<string, RunResults>();
  let anyFailure = false;

  // A stop signal (shutdown.ts) skips the steps not started yet; the report still gets written.
  const signal = anySignal(options.signal, shutdownSignal());
  /** One runSuite call; a throw becomes a failed run so the report still gets written. */
  const runStep = async (
    suite: PlanSuite,
    step: ScheduleStep,
    image: string,
    outputDir: string,
    what = `${step.side} block ${step.block}`,
  ): Promise<{ run: RunResults; ok: boolean }> => {
    const label = `${suite.id} ${what} (${step.points.length || "all"} points × ${step.repeats}${step.gsm8k ? " + GSM8K" : ""})`;
    if (signal.aborted) {
      const why = signal.reason instanceof Error ? signal.reason.message : "cancelled";
      log(`Skipped ${label}: ${why}`);
      const run = emptyRun({ kind: suite.kind, suite: suite.id, model: { name: suite.model } });
      run.failures.push({ kind: "cancelled", message: `${step.side} side of ${suite.id} did not run: ${why}` });
      return { run, ok: false };
    }
    log(`Running ${label} on ${image}`);
    try {
      const outcome = await options.runSide({
        suite: suite.id,
        side: step.side,
        image,
        outputDir,
        points: step.points,
        repeats: step.repeats,
        skipGsm8k: !step.gsm8k,
        signal,
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        onProgress: (line) => options.log?.(`  ${line}`),
      });
      log(`Finished ${label}: exit ${outcome.exitCode}, folder ${relative(dir, outcome.folder) || "."}`);
      return { run: outcome.run, ok: outcome.exitCode === 0 };
    } catch (error: unknown) {
      log(`FAILED ${label}: ${errorMessage(error)}`);
      return { run: failedRun(suite, step.side, error), ok: false };
    }
  };

  for (const suitePlan of plan.suites) {
    const suite = options.catalogue.find((s) => s.id === suitePlan.suiteId);
    if (!suite) continue;
    const record = await mainSideFor(suite, suitePlan);
    mainSide.push(record.record);
    const steps = scheduleSuite(suitePlan.repeats, record.runMain);
    const blocks: Record<"main" | "pr", RunResults[]> = { main: [], pr: [] };
    // A side whose block failed for good (launch, readiness, GSM8K gate) is not run again; when the PR
    // side cannot run, main's remaining blocks would have nothing to be compared with; when main
    // cannot, the PR runs once (does it launch, its GSM8K) and its other blocks are GPU time for nothing.
    const blocked: Partial<Record<"main" | "pr", Failure>> = {};
    for (const step of steps) {
      const image = step.side === "main" ? options.images.main : options.images.pr;
      const other = step.side === "main" ? blocked.pr : blocks.pr.length > 0 ? blocked.main : undefined;
      const cause = blocked[step.side] ?? other;
      if (cause) {
        const why = blocked[step.side] ? "" : ` (the ${step.side === "main" ? "PR" : "main"} side cannot run)`;
        log(`Skipping ${suite.id} ${step.side} block ${step.block}${why}: ${cause.kind}: ${cause.message}`);
        blocks[step.side].push(skippedRun(suite, step.side, step.block, cause));
        anyFailure = true;
        continue;
      }
      const { run, ok } = await runStep(suite, step, image, stepDir(dir, step));
      if (!ok) anyFailure = true;
      blocks[step.side].push(run);
      const failure = blockingFailure(run);
      if (failure) blocked[step.side] = failure;
    }
    if (record.baseline) mainRuns.push(record.baseline);
    else if (blocks.main.length) mainRuns.push(mergeBlocks(blocks.main));
    if (blocks.pr.length) prRuns.push(mergeBlocks(blocks.pr));
  }

  async function mainSideFor(
    suite: PlanSuite,
    suitePlan: SuitePlan,
  ): Promise<{ record: MainSideRecord; runMain: boolean; baseline?: RunResults }> {
    if (suitePlan.main.action !== "reuse") {
      return { record: { suite: suite.id, action: "full", reason: suitePlan.main.reason }, runMain: true };
    }
    const baseline = findBaselineRun([...options.history, ...earlierMain], {
      suite: suite.id,
      mergeBaseCommit: request.mergeBaseCommit,
      hardware: request.hardware,
      backend: request.backend,
      maxAgeHours: request.maxBaselineAgeHours,
      now: started,
    });
    if (!baseline) {
      return { record: { suite: suite.id, action: "full", reason: "baseline vanished from history" }, runMain: true };
    }
    const anchorStep: ScheduleStep = {
      side: "main",
      points: [suitePlan.main.anchorPoint],
      repeats: 1,
      gsm8k: false,
      block: 1,
    };
    const earlierRequest = earlierMain.includes(baseline);
    const from = earlierRequest ? "main's runs of an earlier request" : "history";
    log(
      `Reusing ${suite.id} baseline from ${from} (${baseline.sources[0] ?? baseline.started_at ?? "?"}); anchor first`,
    );
    const { run: anchorRun } = await runStep(
      suite,
      anchorStep,
      options.images.main,
      join(dir, "main", "anchor"),
      "anchor on main",
    );
    // A run that records no hardware is this node's: the prior's launch noise is looked up on it.
    const onThisNode = (run: RunResults): RunResults => (run.hardware ? run : { ...run, hardware: request.hardware });
    const reproduces = (run: RunResults): AnchorCheck =>
      checkAnchor(run, anchorRun, request.minEffectPct, priorLaunchVariance(onThisNode(run)));
    const anchor = reproduces(baseline);
    log(`Anchor ${suite.id}: ${anchor.agrees ? "reproduces the baseline" : "DISAGREES"} (${anchor.reason})`);
    if (anchor.agrees) {
      // The nightlies before it in its regime join it as more launches of main (regime-history.ts); an
      // earlier request's main already holds its own launches. Each must measure as main measures
      // today: one the anchor does not reproduce is at another level (a step on the merge base's own
      // night, or an odd night of its own) and stays out.
      const found = earlierRequest ? [] : regimeCompanions(options.history, baseline);
      const unlike = found.filter((r) => !reproduces(r).agrees);
      const { companions, alone, stepConfirmed } = companionsOf(baseline, found, unlike);
      if (alone) log(`${suite.id}: ${alone}`);
      if (stepConfirmed) stepAt.set(scopeKey(runScope(baseline)), baseline);
      const nights = companions.map((r) => r.date ?? "?");
      if (nights.length > 0) log(`${suite.id}: main's launches also from the nightlies of ${nights.join(", ")}`);
      const main = companions.length > 0 ? mergeBlocks([baseline, ...companions]) : baseline;
      return {
        record: {
          suite: suite.id,
          action: "reuse",
          reason: anchor.reason,
          anchor,
          baselineSources: main.sources,
          ...(nights.length > 0 ? { companionNights: nights } : {}),
          ...(alone ? { mainAlone: alone } : {}),
          ...(earlierRequest ? { earlierRequest } : {}),
        },
        runMain: false,
        baseline: main,
      };
    }
    return {
      record: { suite: suite.id, action: "full", reason: `anchor disagreed: ${anchor.reason}`, anchor },
      runMain: true,
    };
  }

  // The plan, the anchor and the verdicts all judge by the same minimum effect.
  const verdictSettings: VerdictSettings = {
    ...(request.minEffectPct !== undefined ? { minEffectPct: request.minEffectPct } : {}),
    ...(options.falseDiscoveryRate !== undefined ? { falseDiscoveryRate: options.falseDiscoveryRate } : {}),
  };
  // A series whose reused nightly is a step the anchor confirmed: its nights before it are not learnt from.
  const history = options.history.filter((h) => {
    const step = stepAt.get(scopeKey(runScope(h)));
    return !step || (h.date ?? "") >= (step.date ?? "");
  });
  const comparison = options.comparer.compare(mainRuns, prRuns, { history, ...verdictSettings });
  writeComparedRuns(dir, { main: mainRuns, pr: prRuns });
  const written = writeComparisonFiles(dir, options.comparer, comparison, {
    verdictSettings,
    pr: request.pr,
    repo: options.repo,
    images: options.images,
    startedAt: started.toISOString(),
    finishedAt: now().toISOString(),
    plan,
    mainSide,
    runs: { main: mainRuns, pr: prRuns },
    repro: reproCommands(request, dir, verdictSettings, options.reproFlags),
    ...costNotesOf(options.costNotes?.(plan) ?? [], plan, mainSide),
  });
  const { counts, verdict, reportPath, resultsPath, reportMarkdown } = written;
  const summaryLine = `sglbench: PR #${request.pr} vs merge base ${options.images.mainCommit.slice(0, 12)}: ${verdict} — ${countsText(counts)}`;
  log(summaryLine);
  log(`Report: ${reportPath}`);
  return {
    dir,
    reportPath,
    resultsPath,
    logPath,
    logFiles: listLogs(dir),
    plan,
    mainSide,
    mainRuns,
    comparison,
    counts,
    verdict,
    summaryLine,
    reportMarkdown,
    // 1 when no side measured a single benchmark repeat (both failed to launch, both stopped by the GSM8K gate).
    exitCode: ![...mainRuns, ...prRuns].some(measuredAny) ? 1 : anyFailure || verdict === "failed" ? 3 : 0,
  };
}

/**
 * Checks a folder given to resume: it must be a compare-pr folder of this PR. One that already holds a
 * finished report is refused (re-running it would measure nothing) unless `force`, which clears it.
 */
export function prepareResume(dir: string, pr: number, force: boolean): void {
  if (!existsSync(join(dir, "comparison.log")))
    throw new Error(`--resume ${dir}: not a compare-pr folder (no comparison.log)`);
  const resultsFile = join(dir, "results.json");
  type Written = { pr?: number; verdict?: string; runs?: { main?: RunResults[]; pr?: RunResults[] } };
  let finished: Written | undefined;
  if (existsSync(resultsFile)) {
    try {
      finished = JSON.parse(readFileSync(resultsFile, "utf8")) as Written;
    } catch {
      finished = undefined; // a half-written results.json: the run was interrupted while writing it
    }
  }
  if (finished?.pr !== undefined && finished.pr !== pr)
    throw new Error(`--resume ${dir}: the folder holds PR #${finished.pr}, not #${pr}`);
  // A report written when a stop signal came (SIGTERM, Ctrl-C) has steps cancelled: not finished.
  const runs = [...(finished?.runs?.main ?? []), ...(finished?.runs?.pr ?? [])];
  const stopped = runs.some((r) => r.failures?.some((f) => f.kind === "cancelled"));
  if (!force) {
    if (finished && stopped) {
      for (const name of ["results.json", "report.md", "comparison_report.md"])
        rmSync(join(dir, name), { force: true });
      return;
    }
    if (finished)
      throw new Error(
        `--resume ${dir}: this comparison already finished (verdict ${finished.verdict ?? "?"}, report ${join(dir, "comparison_report.md")}); pass --force to run it again`,
      );
    return;
  }
  for (const name of ["main", "pr", "results.json", "report.md", "comparison_report.md"])
    rmSync(join(dir, name), { recursive: true, force: true });
}

/**
 * The caller's cost notes, and one for each suite planned to reuse a baseline whose main then ran in
 * full (anchor disagreed, baseline gone): the cost shown is the plan's, so what ran beyond it is said.
 */
function costNotesOf(notes: string[], plan: Plan, mainSide: readonly MainSideRecord[]): { costNotes?: string[] } {
  const rerun = mainSide.filter(
    (m) => m.action === "full" && plan.suites.some((s) => s.suiteId === m.suite && s.main.action === "reuse"),
  );
  const all = [
    ...notes,
    ...rerun.map(
      (m) =>
        `${m.suite}: planned to reuse a baseline, but main ran in full (${m.reason}), which the estimate leaves out`,
    ),
  ];
  return all.length ? { costNotes: all } : {};
}

/**
 * The runs each side was judged on, one `results.json` per suite under `<dir>/compared/<side>/`: a
 * reused baseline (with its companions) or main's merged blocks, and the PR's merged blocks. `main/`
 * holds only the anchor when main was reused, so `compare` on it would judge something else.
 */
function writeComparedRuns(dir: string, runs: Record<"main" | "pr", RunResults[]>): void {
  for (const [side, list] of Object.entries(runs))
    for (const [i, run] of list.entries()) {
      const name = list.filter((r) => r.suite === run.suite).length > 1 ? `${run.suite}-${i + 1}` : run.suite;
      writeFileAtomicSync(join(dir, COMPARED_DIR, side, name, "results.json"), JSON.stringify(run));
    }
}

const COMPARED_DIR = "compared";

/**
 * The commands that reproduce a comparison: the request (with `flags.comparePr`: its images, history,
 * hardware …), and `compare` on the runs each side was judged on (with `flags.compare`: the history).
 */
export function reproCommands(
  request: PlanRequest,
  dir: string,
  settings: VerdictSettings = {},
  flags: { comparePr?: string; compare?: string } = {},
): string[] {
  const modes = request.modes?.length ? ` --modes=${request.modes.join(",")}` : "";
  const rule = verdictSettingsFlags(settings);
  return [
    `sglbench compare-pr --pr=${request.pr} --models=${request.models.join(",")} --types=${request.types.join(",")}${modes} --repeats=${request.repeats} --baseline=${request.baseline}${rule}${flags.comparePr ?? ""}`,
    `sglbench compare --csv1 ${shellWord(join(dir, COMPARED_DIR, "main"))} --csv2 ${shellWord(join(dir, COMPARED_DIR, "pr"))}${rule}${flags.compare ?? ""}`,
  ];
}

/** The baseline used and why, one entry per suite (the report's footer). */
export function baselineNotes(mainSide: readonly MainSideRecord[]): string[] {
  return mainSide.map(
    (m) =>
      `${m.suite}: ${m.action === "reuse" ? `${m.earlierRequest ? "main's runs of an earlier request on the merge base" : "nightly of the merge base"} reused (anchor: ${m.reason})${m.companionNights?.length ? `, with the nightlies of ${m.companionNights.join(", ")} from its regime as more launches of main` : ""}${m.mainAlone ? `; ${m.mainAlone}` : ""}` : `main ran in full (${m.reason})`}`,
  );
}

/** Everything results.json records besides the comparison itself. */
export interface ComparisonRecord {
  pr: number;
  repo: string;
  images: ImagePair;
  startedAt: string;
  finishedAt: string;
  plan?: Plan;
  mainSide: MainSideRecord[];
  runs: { main: RunResults[]; pr: RunResults[] };
  /** Commands that reproduce the comparison (report footer). */
  repro?: string[];
  /** Why the cost is what it is (report footer). */
  costNotes?: string[];
  /** GPU-minutes when there is no single plan (a merge of matrix jobs). */
  cost?: { gpuMinutes: number; seedGpuMinutes: number };
  /** What the request changed of the verdict rule, so `--merge` judges the jobs' runs by the same one. */
  verdictSettings?: VerdictSettings;
}

/** The results.json of a compare-pr folder (what the App and `--merge` read). */
export interface ComparisonFile<C> {
  kind: "sglbench-compare-pr";
  version: 1;
  pr: number;
  repo: string;
  merge_base: string;
  images: ImagePair;
  started_at: string;
  finished_at: string;
  verdict: OverallVerdict;
  summary: ComparisonCounts;
  plan?: Plan;
  main_side: MainSideRecord[];
  runs: { main: RunResults[]; pr: RunResults[] };
  verdict_settings?: VerdictSettings;
  comparison: C;
}

/** Writes comparison_report.md (the original title, the report, then the original run details), report.md and results.json. */
export function writeComparisonFiles<C extends { summary: ComparisonCounts }>(
  dir: string,
  comparer: Comparer<C>,
  comparison: C,
  record: ComparisonRecord,
): {
  counts: ComparisonCounts;
  verdict: OverallVerdict;
  reportPath: string;
  resultsPath: string;
  reportMarkdown: string;
} {
  const counts = comparison.summary;
  const verdict = overallVerdict(counts);
  const mergeBase = record.images.mainCommit.slice(0, 12);
  const reportMarkdown = comparer
    .render(comparison, {
      pr: record.pr,
      title: `PR #${record.pr} vs merge base ${mergeBase}: ${verdict}`,
      baseline: baselineNotes(record.mainSide),
      ...(record.plan || record.cost
        ? {
            cost: {
              gpuMinutes: (record.plan ?? record.cost)!.gpuMinutes,
              seedGpuMinutes: (record.plan ?? record.cost)!.seedGpuMinutes,
              ...(record.costNotes ? { notes: record.costNotes } : {}),
            },
          }
        : {}),
      ...(record.repro ? { repro: record.repro } : {}),
    })
    .trim()
    .concat("\n");
  // The original tool's file: its title, the same body (the answer first), then its run details.
  const seedReport = [
    "# Performance Comparison Report",
    "",
    reportMarkdown,
    "## Summary",
    "",
    `This report compares the performance impact of PR #${record.pr} against its merge base. **Verdict: ${verdict}**`,
    "",
    `**PR:** #${record.pr}`,
    `**Date:** ${record.startedAt}`,
    `**Main Branch Image:** ${record.images.main} (merge base \`${mergeBase}\`)`,
    `**PR Image:** ${record.images.pr}`,
    "",
    "## Raw Results",
    "",
    `All benchmark results are stored in: \`${dir}\``,
    "",
  ].join("\n");
  const reportPath = join(dir, "comparison_report.md");
  // Whole files or none: a full disk must not leave a 0-byte report (it fails with ENOSPC instead).
  writeFileAtomicSync(reportPath, seedReport);
  writeFileAtomicSync(join(dir, "report.md"), reportMarkdown);
  const resultsPath = join(dir, "results.json");
  const file: ComparisonFile<C> = {
    kind: "sglbench-compare-pr",
    version: 1,
    pr: record.pr,
    repo: record.repo,
    merge_base: record.images.mainCommit,
    images: record.images,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
    verdict,
    summary: counts,
    ...(record.plan ? { plan: record.plan } : {}),
    main_side: record.mainSide,
    runs: record.runs,
    ...(record.verdictSettings && Object.keys(record.verdictSettings).length > 0
      ? { verdict_settings: record.verdictSettings }
      : {}),
    comparison,
  };
  writeFileAtomicSync(resultsPath, JSON.stringify(file, null, 2));
  return { counts, verdict, reportPath, resultsPath, reportMarkdown };
}

/** The matrix jobs' verdict settings (the flags given override them): one request gives every job the same. */
function mergedVerdictSettings(
  files: ReadonlyArray<ComparisonFile<unknown>>,
  override: VerdictSettings,
): VerdictSettings {
  const settings = files.map((f) => ({ ...f.verdict_settings, ...override }));
  const rules = [...new Set(settings.map((v) => verdictSettingsFlags(v).trim() || "the defaults"))];
  if (rules.length > 1)
    throw new Error(
      `Refusing to merge jobs judged by different verdict settings (${rules.join(" vs ")}); pass --performance-threshold and --false-discovery-rate to choose one`,
    );
  return settings[0] ?? override;
}

/**
 * Merges the results.json of several compare-pr folders (the matrix jobs of one request) into one
 * comparison: runs of all suites are compared together and one report is written to `dir`.
 */
export function mergeComparisonFiles<C extends { summary: ComparisonCounts }>(
  files: Array<ComparisonFile<unknown>>,
  comparer: Comparer<C>,
  dir: string,
  history: RunResults[] = [],
  override: VerdictSettings = {},
): { counts: ComparisonCounts; verdict: OverallVerdict; reportPath: string; resultsPath: string; summaryLine: string } {
  const [first] = files;
  if (!first) throw new Error("Nothing to merge: no results.json of a compare-pr run was found.");
  const prs = [...new Set(files.map((f) => f.pr))];
  if (prs.length > 1) throw new Error(`Refusing to merge results of different PRs: ${prs.join(", ")}`);
  const runs = { main: files.flatMap((f) => f.runs.main), pr: files.flatMap((f) => f.runs.pr) };
  const verdictSettings = mergedVerdictSettings(files, override);
  // Each job judged its suites with its own history (the merging machine usually has none): keep
  // those verdicts unless asked to judge again, by other settings or with a history given here.
  const rejudge = history.length > 0 || Object.keys(override).length > 0;
  const joined = rejudge ? undefined : comparer.join?.(files.map((f) => f.comparison));
  const comparison = joined ?? comparer.compare(runs.main, runs.pr, { history, ...verdictSettings });
  mkdirSync(dir, { recursive: true });
  const written = writeComparisonFiles(dir, comparer, comparison, {
    pr: first.pr,
    repo: first.repo,
    images: {
      ...first.images,
      main: [...new Set(files.map((f) => f.images.main))].join(", "),
      pr: [...new Set(files.map((f) => f.images.pr))].join(", "),
    },
    startedAt: files.map((f) => f.started_at).sort()[0] ?? first.started_at,
    finishedAt:
      files
        .map((f) => f.finished_at)
        .sort()
        .at(-1) ?? first.finished_at,
    mainSide: files.flatMap((f) => f.main_side),
    runs,
    repro: [
      `sglbench compare-pr --merge=<folder of the matrix jobs' results.json> --output-dir=${dir}${verdictSettingsFlags(verdictSettings)}`,
    ],
    verdictSettings,
    // The request's cost is the sum of its matrix jobs' plans.
    ...(files.every((f) => f.plan)
      ? {
          cost: {
            gpuMinutes: files.reduce((s, f) => s + (f.plan?.gpuMinutes ?? 0), 0),
            seedGpuMinutes: files.reduce((s, f) => s + (f.plan?.seedGpuMinutes ?? 0), 0),
          },
        }
      : {}),
  });
  const summaryLine = `sglbench: PR #${first.pr} vs merge base ${first.merge_base.slice(0, 12)}: ${written.verdict} — ${countsText(written.counts)}`;
  return { ...written, summaryLine };
}
