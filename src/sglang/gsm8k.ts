/** Parser for GSM8K accuracy output (`Accuracy:`, `Invalid:`, `Latency:`, `Output throughput:` per run). */
import type { Diagnostic, Gsm8k } from "../core/results/index.js";
import { isProgressLine, parseNumber, splitNumberedLines } from "./lines.js";

/** Questions in the GSM8K test set that bench_sglang.py reads (it asks min(--num-questions, 1319)). */
export const GSM8K_TEST_QUESTIONS = 1319;

export interface Gsm8kParse {
  gsm8k?: Gsm8k;
  diagnostics: Diagnostic[];
}

/**
 * Each `Accuracy: X` line that is not a `Run N:` echo starts a run (a run the log marks as an
 * excluded warm-up is dropped); `Average accuracy` lines
 * set the printed average; `meets/below threshold (T)` and `(Required: T)` give threshold and verdict.
 * Returns no gsm8k when no accuracy was printed.
 */
export function parseGsm8kOutput(text: string, file = "<input>"): Gsm8kParse {
  const diagnostics: Diagnostic[] = [];
  const runs: Gsm8k["runs"] = [];
  let average: number | undefined;
  let threshold: number | undefined;
  let passed: boolean | undefined;
  const { lines, lineNo } = splitNumberedLines(text);
  let progressTotal: number | undefined;
  let asked: number | undefined;
  // Runs as the log numbers them (a discarded warm-up keeps its number: the next run is `Run 2`).
  let accuracyLines = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
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
    if (m[1] === "Accuracy") runs.push({ index: ++accuracyLines, accuracy: value });
    else {
      const run = runs[runs.length - 1];
      if (!run) continue;
      if (m[1] === "Invalid") run.invalid = value;
      else if (m[1] === "Latency") run.latency_s = value;
      else run.output_throughput = value;
    }
  }
  if (runs.length === 0) return { diagnostics };
  const computed = runs.reduce((s, r) => s + r.accuracy, 0) / runs.length;
  const numQuestions = progressTotal ?? asked;
  return {
    gsm8k: {
      runs,
      ...(numQuestions ? { num_questions: numQuestions } : {}),
      average: average ?? Math.round(computed * 1e6) / 1e6,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(passed !== undefined ? { passed } : {}),
      source: file,
    },
    diagnostics,
  };
}
