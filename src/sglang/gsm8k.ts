/** Parser for GSM8K accuracy output (`Accuracy:`, `Invalid:`, `Latency:`, `Output throughput:` per run). */
import type { Diagnostic, Failure, Gsm8k } from "../core/results/index.js";
import { cutLineDiagnostic, cutLineIndex, isProgressLine, parseNumber, splitNumberedLines } from "./lines.js";
import { CONNECTION_LOST, lastExceptionLine } from "./server-log.js";

/** Questions in the GSM8K test set that bench_sglang.py reads (it asks min(--num-questions, 1319)). */
export const GSM8K_TEST_QUESTIONS = 1319;

export interface Gsm8kParse {
  /** Every accuracy the log printed, with its printed average (an average over 0 valid runs prints 0). */
  gsm8k?: Gsm8k;
  /**
   * Why the log's last GSM8K test gives no accuracy to judge (see testFailure): the server died
   * during it (server_crashed), a run printed no accuracy (crash), or the script kept no valid run
   * (low_accuracy).
   */
  failure?: Failure;
  /**
   * With `failure`: the record to keep instead of `gsm8k` — without that test's runs; with none left,
   * no run and no average (GSM8K ran and gave nothing to judge). See {@link recordedGsm8k}.
   */
  kept?: Gsm8k;
  diagnostics: Diagnostic[];
}

/**
 * Each `Accuracy: X` line that is not a `Run N:` echo starts a run (a run the log marks as an
 * excluded warm-up is dropped); `Average accuracy` lines
 * set the printed average; `meets/below threshold (T)` and `(Required: T)` give threshold and verdict.
 * Returns no gsm8k when no accuracy was printed. When the last test (`Starting GSM8K accuracy test`)
 * failed as a whole, `failure` says why and `kept` is the record to keep ({@link recordedGsm8k}).
 */
export function parseGsm8kOutput(text: string, file = "<input>"): Gsm8kParse {
  const diagnostics: Diagnostic[] = [];
  const runs: Gsm8k["runs"] = [];
  let average: number | undefined;
  let threshold: number | undefined;
  let passed: boolean | undefined;
  const { lines, lineNo } = splitNumberedLines(text);
  const cutAt = cutLineIndex(text, lines);
  let progressTotal: number | undefined;
  let asked: number | undefined;
  // Runs as the log numbers them (a discarded warm-up keeps its number: the next run is `Run 2`).
  let accuracyLines = 0;
  let test = newTest(0, undefined);
  // Where each test starts (runs so far): a log appended to over two launches holds two launches' runs.
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    const at = lineNo[i] ?? i + 1;
    // A log the seed appended to (`tee -a`) holds one test per `Starting GSM8K accuracy test`: the last one counts.
    if (/^Starting GSM8K accuracy test\b/i.test(line)) {
      starts.push(runs.length);
      test = newTest(runs.length, { average, threshold, passed });
      continue;
    }
    // A figure on a line the log stops in may be cut mid-number (`0.9` of `0.935`).
    if (i === cutAt && /^(?:Average accuracy|Accuracy|Invalid|Latency|Output throughput)\b.*:/i.test(line)) {
      diagnostics.push(cutLineDiagnostic(file, at, line));
      continue;
    }
    if (trackTest(test, line, at)) continue;
    // Questions per run: the tqdm total (`0/1319 [`) says what was really asked; `--num-questions N`
    // in an echoed command is capped by the test set (the original passes 2000 for 1 319 questions).
    if (progressTotal === undefined && isProgressLine(line)) {
      const total = /\d+\/(\d+) \[/.exec(line);
      if (total) progressTotal = Number(total[1]);
      continue;
    }
    const flag = /--num-questions[= ](\d+)/.exec(line);
    if (flag) asked ??= Math.min(Number(flag[1]), GSM8K_TEST_QUESTIONS);
    // Verdict lines: `… meets threshold (0.8) …`, `… (0.774) is below threshold (0.8) …`.
    const verdict = /\b(meets|below) threshold \(([\d.]+)\)/i.exec(line);
    if (verdict) {
      threshold = parseNumber(verdict[2] ?? "") ?? threshold;
      passed = verdict[1]?.toLowerCase() === "meets";
      continue;
    }
    // Early-exit summary `Accuracy: 0.818 (Required: 0.8)` repeats a run's accuracy: not a new run.
    const required = /^Accuracy:\s*([\d.]+)\s*\(Required:\s*([\d.]+)\)/i.exec(line);
    if (required) {
      average = parseNumber(required[1] ?? "") ?? average;
      threshold = parseNumber(required[2] ?? "") ?? threshold;
      continue;
    }
    const avg = /^Average accuracy[^:]*:\s*(\S+)/i.exec(line);
    if (avg) {
      average = parseNumber(avg[1] ?? "");
      continue;
    }
    // The seed's script discards its first round: `✗ Run 1 excluded from average (warm-up run)`.
    // Its accuracy is no measurement of the model (the printed average leaves it out too). Runs it
    // excluded as `likely failed/crashed` stay: their ~0 accuracy is the failure.
    const warmup = /\bRun (\d+) excluded from average \(warm-?up\b/i.exec(line);
    if (warmup) {
      const n = Number(warmup[1]);
      const at = runs.findIndex((r) => r.index === n);
      if (at >= 0) runs.splice(at, 1);
      continue;
    }
    if (/^Run \d+:/i.test(line)) continue;
    const m = /^(Accuracy|Invalid|Latency|Output throughput):\s*([^\s]+)/.exec(line);
    if (!m) continue;
    const value = parseNumber(m[2] ?? "");
    if (value === undefined) {
      diagnostics.push({
        file,
        line: lineNo[i] ?? i + 1,
        expected: `a number after ${m[1]}:`,
        message: `bad GSM8K value: ${line}`,
        severity: "warning",
      });
      continue;
    }
    if (m[1] === "Accuracy") {
      runs.push({ index: ++accuracyLines, accuracy: value });
      test.lastAccuracy = at;
    } else {
      const run = runs[runs.length - 1];
      if (!run) continue;
      if (m[1] === "Invalid") run.invalid = value;
      else if (m[1] === "Latency") run.latency_s = value;
      else run.output_throughput = value;
    }
  }
  labelLaunches(runs, starts);
  const failure = testFailure(test, runs.slice(test.firstRun), file, diagnostics);
  const numQuestions = progressTotal ?? asked;
  const record = (kept: Gsm8k["runs"], printed: TestState["before"]): Gsm8k => {
    const computed = kept.length > 0 ? kept.reduce((s, r) => s + r.accuracy, 0) / kept.length : undefined;
    const mean = printed?.average ?? (computed !== undefined ? Math.round(computed * 1e6) / 1e6 : undefined);
    return {
      runs: kept,
      ...(numQuestions ? { num_questions: numQuestions } : {}),
      ...(mean !== undefined ? { average: mean } : {}),
      ...(printed?.threshold !== undefined ? { threshold: printed.threshold } : {}),
      ...(printed?.passed !== undefined ? { passed: printed.passed } : {}),
      source: file,
    };
  };
  // The failed test's accuracies are no measurement of the model (0 valid runs, a server that died):
  // what stands is the earlier tests of an appended log, else a record with no run and no average.
  const kept = !failure
    ? undefined
    : test.firstRun > 0
      ? record(runs.slice(0, test.firstRun), test.before)
      : record([], { threshold, passed });
  return {
    ...(runs.length > 0 ? { gsm8k: record(runs, { average, threshold, passed }) } : {}),
    ...(failure ? { failure, kept } : {}),
    diagnostics,
  };
}

/**
 * The GSM8K record a results file keeps from a parse: {@link Gsm8kParse.kept} when the last test
 * failed as a whole (never the 0 an average over 0 valid runs prints), else what the log printed.
 */
export function recordedGsm8k(parse: Gsm8kParse): Gsm8k | undefined {
  return parse.failure ? parse.kept : parse.gsm8k;
}

/** What the seed's GSM8K script printed about its last test besides accuracies (health checks, valid runs). */
interface TestState {
  /** Where the test's runs start in the parsed runs. */
  firstRun: number;
  /** Average, threshold and verdict before the test began (an appended log's earlier test). */
  before: { average?: number; threshold?: number; passed?: boolean } | undefined;
  /** The run being executed (`Executing GSM8K test Run N`), 0 before the first. */
  current: number;
  /** Runs executed, in order. */
  executed: number[];
  /** Line of the last `Executing GSM8K test Run`, of the last accuracy printed. */
  lastExecuting: number;
  lastAccuracy: number;
  /** Each run's output lines (progress redraws left out), for its exception line. */
  output: Map<number, string[]>;
  /** `Run N: Accuracy not found, defaulting to 0`. */
  noAccuracy: number[];
  /** `✗ Run N excluded from average (accuracy: 0.000 < 0.1 - likely failed/crashed)`. */
  excluded: number[];
  /** The first sign the server went away: `Connection error detected during Run N`, a failed health check. */
  lost?: { run: number; line: number; text: string };
  /** `Restarting SGLang server...` was printed. */
  restarted: boolean;
  /** `Valid runs: V` / `over V valid runs` / `No valid runs found`. */
  validRuns?: number;
  /** The script's own line saying no run was valid. */
  noValidText?: string;
}

function newTest(firstRun: number, before: TestState["before"]): TestState {
  return {
    firstRun,
    before,
    current: 0,
    executed: [],
    lastExecuting: 0,
    lastAccuracy: 0,
    output: new Map(),
    noAccuracy: [],
    excluded: [],
    restarted: false,
  };
}

/** Strips the script's emoji and markers (`⚠️  `, `❌ `, `✗ `) from a status line. */
const statusText = (line: string): string =>
  line
    .replace(/^[^A-Za-z0-9]+/u, "")
    .replace(/^Warning:\s*/i, "")
    .trim();

/**
 * Reads the script's status lines into the test state; true when the line is one (no accuracy in it).
 * Every other line is kept as output of the current run.
 */
function trackTest(test: TestState, line: string, at: number): boolean {
  let m: RegExpExecArray | null;
  if ((m = /^Executing GSM8K test Run (\d+)/i.exec(line))) {
    test.current = Number(m[1]);
    test.executed.push(test.current);
    test.lastExecuting = at;
    return true;
  }
  if ((m = /^Run (\d+): Accuracy not found/i.exec(line))) {
    test.noAccuracy.push(Number(m[1]));
    return true;
  }
  if ((m = /\bRun (\d+) excluded from average \([^)]*likely failed/i.exec(line))) {
    test.excluded.push(Number(m[1]));
    return true;
  }
  if ((m = /Connection error detected during Run (\d+)/i.exec(line))) {
    test.lost ??= { run: Number(m[1]), line: at, text: statusText(line) };
    return true;
  }
  if ((m = /Server is not responding/i.exec(line))) {
    // Checked before run N + 1: the server went away during the run executed last.
    test.lost ??= { run: test.current, line: at, text: statusText(line) };
    test.lost.line = Math.max(test.lost.line, at);
    return true;
  }
  if (/^Restarting SGLang server/i.test(line)) {
    test.restarted = true;
    if (test.lost) test.lost.line = Math.max(test.lost.line, at);
    return true;
  }
  if ((m = /\bover (\d+) valid runs\b/i.exec(line) ?? /\bValid runs: (\d+)(?![\d.])/.exec(line))) {
    test.validRuns = Number(m[1]);
    if (test.validRuns === 0) test.noValidText ??= statusText(line);
    // `Average Accuracy over V valid runs: X` still gives the printed average.
    return !/^Average accuracy/i.test(line);
  }
  if (/No valid runs found/i.test(line)) {
    test.validRuns = 0;
    test.noValidText = statusText(line);
    return true;
  }
  if (line !== "" && !isProgressLine(line)) {
    const out = test.output.get(test.current) ?? [];
    if (out.length < 2000) out.push(line);
    test.output.set(test.current, out);
  }
  return false;
}

/** Where a failure was seen, for messages: the log's file name (a run folder holds it). */
const logName = (file: string): string => file.slice(file.lastIndexOf("/") + 1);

/** `12.3 %` of answers. */
const share = (x: number): string => `${Math.round(x * 1000) / 10} %`;

/**
 * Why the last GSM8K test gives no accuracy to judge, from what the script printed:
 * - server_crashed: the server went away (`Connection error detected during Run N`, a failed health
 *   check, or runs that could not connect) and no run printed an accuracy after that; a server the
 *   script restarted and measured on is only a warning;
 * - crash: no valid run, and a run printed no accuracy (bench_sglang failed by itself);
 * - low_accuracy: no valid run, every run answered (the script excluded them all as `< 0.1`).
 * The cause is the run's exception line (a connection error preferred) or the script's own line.
 */
function testFailure(
  test: TestState,
  runs: Gsm8k["runs"],
  file: string,
  diagnostics: Diagnostic[],
): Failure | undefined {
  const source = file;
  const see = ` — see ${logName(file)}`;
  const tail = (run: number): string[] => (test.output.get(run) ?? []).filter((l) => l.length < 1000).slice(-5);
  const connection = (run: number): string | undefined => {
    const cause = lastExceptionLine(test.output.get(run) ?? [], CONNECTION_LOST);
    return cause && CONNECTION_LOST.test(cause) ? cause : undefined;
  };
  if (test.lost) {
    const { run, text } = test.lost;
    if (test.lastAccuracy > test.lost.line) {
      diagnostics.push({
        file,
        line: test.lost.line,
        message: `the server stopped answering during GSM8K run ${run} (${text}); ${test.restarted ? "the script restarted it and" : "the test"} went on`,
        severity: "warning",
      });
    } else {
      const cause = connection(run) ?? lastExceptionLine(test.output.get(run) ?? []) ?? text;
      const restart = !test.restarted
        ? ""
        : test.lastExecuting > test.lost.line
          ? `; the script restarted it, and run ${test.current} after that printed no accuracy`
          : "; the script restarted it and ran no further GSM8K run";
      return {
        kind: "server_crashed",
        message: `GSM8K run ${run}: the server crashed or stopped answering: ${cause}${restart}${see}`,
        cause,
        log_tail: tail(run),
        source,
      };
    }
  }
  const executed = test.executed.length > 0 ? test.executed : runs.map((r) => r.index);
  if (executed.length === 0) return undefined;
  const invalid = new Set([...test.noAccuracy, ...test.excluded]);
  const noneValid = test.validRuns === 0 || executed.every((n) => invalid.has(n));
  if (!noneValid) return undefined;
  const of = `GSM8K: no valid run of ${executed.length}`;
  const silent = test.noAccuracy[0];
  if (silent !== undefined) {
    const lost = executed.map(connection).find((c) => c !== undefined);
    const cause = lost ?? lastExceptionLine(test.output.get(silent) ?? []) ?? `Run ${silent}: Accuracy not found`;
    const what = lost
      ? `${of} — the server stopped answering (run ${silent} printed no accuracy)`
      : `${of} — run ${silent} printed no accuracy`;
    return {
      kind: lost ? "server_crashed" : "crash",
      message: `${what}: ${cause}${see}`,
      cause,
      log_tail: tail(silent),
      source,
    };
  }
  const rates = runs.map((r) => r.invalid).filter((x): x is number => x !== undefined);
  const answers =
    rates.length > 0 ? `, ${share(rates.reduce((s, x) => s + x, 0) / rates.length)} of answers invalid` : "";
  const accuracies = runs.map((r) => r.accuracy);
  const [lo, hi] = [Math.min(...accuracies), Math.max(...accuracies)].map((x) => x.toFixed(3));
  const range = accuracies.length === 0 ? "accuracy" : lo === hi ? `accuracy ${lo}` : `accuracy ${lo}–${hi}`;
  const cause = test.noValidText ?? "no valid run";
  return {
    kind: "low_accuracy",
    message: `${of} — the script excluded every run as likely failed (${range} < 0.1${answers})${see}`,
    cause,
    source,
  };
}

/** Each run's test (launch), when runs came from more than one test; tests without a run are skipped. */
function labelLaunches(runs: Gsm8k["runs"], starts: readonly number[]): void {
  const withRuns = [...new Set(starts)].filter((start, k, all) => (all[k + 1] ?? runs.length) > start);
  if (withRuns.length < 2) return;
  runs.forEach((run, i) => {
    run.launch = withRuns.filter((start) => start <= i).length - 1;
  });
}
