/** `sglbench compare --csv1 DIR --csv2 DIR …`: noise-aware comparison of two runs (the seed's compare_csv_results.py flags). */
import { readFile } from "node:fs/promises";
import { basename, isAbsolute, join } from "node:path";
import {
  DEFAULT_FALSE_DISCOVERY_RATE,
  DEFAULT_MIN_EFFECT_PCT,
  type Comparison,
  FAIL_ON,
  failOnReason,
  isFailOn,
  verdictSettingsFromFlags,
  verdictSettingsFlags,
} from "../../core/verdict/index.js";
import { renderReport, renderReportText } from "../../core/report/index.js";
import { shellWord, skippedLines, timestamp } from "../../core/util/index.js";
import {
  CompareInputError,
  compareFromDisk,
  DEFAULT_GSM8K_LOG_PATTERNS,
  type SidePairCheck,
} from "../../pipeline/compare-runs.js";
import { existingRunsCost } from "../../pipeline/existing-runs-cost.js";
import { DiskError, errnoCode, writeFileAtomic } from "../../store/disk-write.js";
import { EXIT, parseFlags, usageError, UsageError, type CliIO } from "../io.js";

export const summary = "Compare two runs with noise-aware verdicts";

const USAGE = `Usage: sglbench compare --csv1 DIR --csv2 DIR [options]

Compares a candidate run ("PR", --csv2) against a baseline ("Main", --csv1). Each side is a run
folder of either layout (results.json, logs or the seed's CSVs). Every metric cell gets a verdict
(🔴 regressed · 🟢 improved · ⚪ unchanged · ❔ inconclusive · ❌ failed) from the repeats on each
side and the noise learnt from --history; the minimum effect decides what is worth reporting.

  --csv1 DIR                  baseline run folder (required)
  --csv2 DIR                  candidate run folder (required)
  --mode offline|online|auto  which results to compare (default auto: from the folder's content)
  --model NAME                only this model (case-insensitive substring), both sides
  --model1 NAME / --model2 NAME   per side
  --hardware NAME             hardware of runs whose image tag and logs do not name it (e.g. mi30x for
                              the seed's date-only tags); without it such a run is not compared with
                              one that names its hardware
  --history DIR               past nightly run folders for the noise model (repeatable)
  --performance-threshold P   minimum effect in % (env PERFORMANCE_THRESHOLD, default ${DEFAULT_MIN_EFFECT_PCT})
  --gsm8k-threshold T         smallest GSM8K accuracy change worth reporting, 0–1 (env GSM8K_ACCURACY_THRESHOLD)
  --gsm8k-min-accuracy A      PR accuracy below A is a regression
  --false-discovery-rate Q    a suite's 🔴/🟢 kept at ≤ Q expected false (Benjamini–Hochberg over its
                              cells; default ${DEFAULT_FALSE_DISCOVERY_RATE}); off: each cell judged alone
  --format md|json            md (default; also markdown): write the report, print a summary; json: print the cells
  --output-md FILE            write the markdown here
  --output-dir DIR            else DIR/<YYYYMMDD_HHMMSS>_<dir1>_vs_<dir2>/<same>.md
                              (env COMPARISON_OUTPUT_DIR, default comparison_results/)
  --append                    append to the markdown file instead of replacing it
  --fail-on regressed|any     exit 1 when a cell regressed (any: or failed), for scripts that gate
  -h, --help                  this help

Env GSM8K_LOG_PATTERNS (';'-separated globs) finds GSM8K logs a folder's own files do not give.
Malformed input rows (a truncated or garbled CSV line) are left out and listed as FILE:LINE on stderr;
sides that differ in model, suite, hardware or attention backend get no verdicts, field by field on stderr.
Exit: 0 compared (whatever the verdicts, unless --fail-on); 1 nothing could be compared (a side measured
nothing or has no run of the --mode/--model asked, the sides share no kind, every suite differs in
model/suite/hardware/backend) or --fail-on tripped; 2 bad usage; 3 compared in part (some suites
refused, or input rows left out); 4 a side could not be read at all (missing, unreadable or empty).
`;

function numberOption(name: string, text: string | undefined, min: number, max = Infinity): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a number in [${min}, ${max === Infinity ? "∞" : max}], got "${text}"`);
  }
  return value;
}

/** The JSON form: cells with their evidence and the summary counts. */
export function comparisonJson(c: Comparison): object {
  return {
    cells: c.cells.map((x) => ({
      suite: x.suite,
      model: x.model,
      ...(x.mode ? { mode: x.mode } : {}),
      kind: x.kind,
      point: x.point,
      metric: x.metric,
      baseline: { values: x.baseline.values },
      candidate: { values: x.candidate.values },
      // Raw change (+ = the value went up) and its words: the same convention as every report.
      change_pct: x.change_pct,
      ...(x.direction ? { direction: x.direction } : {}),
      interval: x.interval,
      verdict: x.verdict,
      reason: x.reason,
      ...(x.pooled ? { pooled: x.pooled } : {}),
    })),
    summary: c.summary,
    mismatches: c.mismatches,
    ...(c.caveats ? { caveats: c.caveats } : {}),
    settings: c.settings,
    // The nights the noise was learnt from (the report's footer), per series of the baseline.
    ...(c.learntFrom ? { learntFrom: c.learntFrom } : {}),
    ...(c.priorUsed ? { priorUsed: c.priorUsed } : {}),
  };
}

function missingAsEmpty(error: unknown): string {
  if (errnoCode(error) === "ENOENT") return "";
  throw error;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  try {
    return await runCompare(argv, io);
  } catch (error: unknown) {
    if (error instanceof UsageError) return usageError(io, "compare", error.message, USAGE);
    if (error instanceof CompareInputError || error instanceof DiskError) {
      io.stderr(`sglbench compare: ${error.message}\n`);
      return error instanceof CompareInputError && error.unreadable ? EXIT.unreadable : EXIT.failed;
    }
    throw error;
  }
}

async function runCompare(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "compare",
    USAGE,
    argv,
    {
      csv1: { type: "string" },
      csv2: { type: "string" },
      mode: { type: "string" },
      model: { type: "string" },
      model1: { type: "string" },
      model2: { type: "string" },
      hardware: { type: "string" },
      history: { type: "string", multiple: true },
      "performance-threshold": { type: "string" },
      "gsm8k-threshold": { type: "string" },
      "gsm8k-min-accuracy": { type: "string" },
      "false-discovery-rate": { type: "string" },
      format: { type: "string" },
      "output-md": { type: "string" },
      "output-dir": { type: "string" },
      append: { type: "boolean" },
      "fail-on": { type: "string" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  if (!v.csv1 || !v.csv2) throw new UsageError("--csv1 and --csv2 are both required");
  const mode = v.mode ?? "auto";
  if (mode !== "offline" && mode !== "online" && mode !== "auto") {
    throw new UsageError(`--mode must be offline, online or auto, got "${mode}"`);
  }
  const failOn = v["fail-on"];
  if (failOn !== undefined && !isFailOn(failOn))
    throw new UsageError(`--fail-on must be ${FAIL_ON.join(" or ")}, got "${failOn}"`);
  // "markdown" is what a newcomer types for md.
  const format = v.format === "markdown" ? "md" : (v.format ?? "md");
  if (format !== "md" && format !== "json")
    throw new UsageError(`--format must be md (or markdown) or json, got "${format}"`);
  const verdictSettings = verdictSettingsFromFlags(v, io.env);
  if (verdictSettings.problems.length > 0) throw new UsageError(verdictSettings.problems.join("; "));
  const minEffectPct = verdictSettings.settings.minEffectPct ?? DEFAULT_MIN_EFFECT_PCT;
  const falseDiscoveryRate = verdictSettings.settings.falseDiscoveryRate ?? DEFAULT_FALSE_DISCOVERY_RATE;
  const gsm8kMinChange = numberOption(
    "--gsm8k-threshold",
    v["gsm8k-threshold"] ?? io.env.GSM8K_ACCURACY_THRESHOLD,
    0,
    1,
  );
  const gsm8kThreshold = numberOption("--gsm8k-min-accuracy", v["gsm8k-min-accuracy"], 0, 1);
  const abs = (p: string): string => (isAbsolute(p) ? p : join(io.cwd, p));
  const patterns = (io.env.GSM8K_LOG_PATTERNS ?? "")
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);

  const outcome = await compareFromDisk(
    {
      baseline: [abs(v.csv1)],
      candidate: [abs(v.csv2)],
      history: (v.history ?? []).map(abs),
      mode,
      model: v.model,
      model1: v.model1,
      model2: v.model2,
      gsm8kLogPatterns: patterns.length > 0 ? patterns : DEFAULT_GSM8K_LOG_PATTERNS,
      ...(v.hardware ? { hardware: v.hardware } : {}),
    },
    { minEffectPct, gsm8kMinChange, gsm8kThreshold, falseDiscoveryRate },
  );
  for (const line of skippedLines(outcome.skipped)) io.stderr(`${line}\n`);
  for (const row of outcome.leftOut) io.stderr(`${row.file}${row.line ? `:${row.line}` : ""}: ${row.message}\n`);
  for (const check of outcome.checks.filter((x) => x.refused)) io.stderr(describeRefusal(check));
  const c = outcome.comparison;

  const m1 = v.model1 ?? v.model;
  const m2 = v.model2 ?? v.model;
  const title =
    v.model1 && v.model2 && v.model1.toLowerCase() !== v.model2.toLowerCase()
      ? `${v.model1.toUpperCase()} vs ${v.model2.toUpperCase()} Benchmark Comparison`
      : m1 || m2
        ? `${(m1 ?? m2 ?? "").toUpperCase()} Benchmark Comparison`
        : "Benchmark Comparison";
  const repro = [
    `sglbench compare --csv1 ${shellWord(v.csv1)} --csv2 ${shellWord(v.csv2)} --mode ${mode} --performance-threshold ${minEffectPct}` +
      (v.history ?? []).map((h) => ` --history ${shellWord(h)}`).join("") +
      (v.hardware ? ` --hardware ${shellWord(v.hardware)}` : "") +
      verdictSettingsFlags({ falseDiscoveryRate }),
  ];
  const costNote = existingRunsCost(outcome.baseline, outcome.candidate);
  const markdown = renderReport(c, { title, repro, costNote });

  const writeMd = format === "md" || v["output-md"] !== undefined || v["output-dir"] !== undefined;
  let mdPath: string | undefined;
  if (writeMd) {
    if (v["output-md"]) mdPath = abs(v["output-md"]);
    else {
      const outDir = abs(v["output-dir"] ?? io.env.COMPARISON_OUTPUT_DIR ?? "comparison_results");
      const name = `${timestamp(new Date())}_${basename(abs(v.csv1))}_vs_${basename(abs(v.csv2))}`;
      mdPath = join(outDir, name, `${name}.md`);
    }
    // Whole report or none (a full disk keeps the previous file, never leaves a 0-byte one).
    const before = v.append ? await readFile(mdPath, "utf8").catch((e: unknown) => missingAsEmpty(e)) : "";
    await writeFileAtomic(mdPath, before + markdown);
  }
  if (format === "json") {
    const input = {
      left_out: outcome.leftOut,
      refused: outcome.checks.filter((x) => x.refused),
      measured_nothing: outcome.measuredNothing,
    };
    io.stdout(JSON.stringify({ ...comparisonJson(c), input }, null, 2) + "\n");
  } else {
    io.stdout(renderReportText(c));
    if (mdPath) io.stdout(`Report: ${mdPath}\n`);
  }
  // A side that measured nothing (both runs crashed, a folder with only a GSM8K log): nothing compared.
  for (const m of outcome.measuredNothing) io.stderr(`sglbench compare: ${m.side} measured nothing: ${m.why}\n`);
  if (outcome.measuredNothing.length > 0) return EXIT.failed;
  if (c.cells.length > 0 && c.cells.every((x) => x.verdict === "failed")) return EXIT.failed;
  const refused = c.suites.filter((x) => x.mismatch).length;
  if (refused > 0 && refused === c.suites.length) {
    io.stderr(`sglbench compare: no suite could be compared (see above)\n`);
    return EXIT.failed;
  }
  const tripped = failOnReason(failOn, c.summary);
  if (tripped) {
    io.stderr(`sglbench compare: --fail-on ${failOn}: ${tripped}\n`);
    return EXIT.failed;
  }
  if (refused > 0 || outcome.leftOut.length > 0) {
    const parts = [
      refused > 0 ? `${refused} of ${c.suites.length} suites not compared` : "",
      outcome.leftOut.length > 0
        ? `${outcome.leftOut.length} malformed input row(s) or truncated result block(s) left out`
        : "",
    ].filter(Boolean);
    io.stderr(`sglbench compare: compared in part: ${parts.join(", ")}\n`);
    return EXIT.partial;
  }
  return EXIT.ok;
}

/** `suites …: not compared` and one line per field that differs or is named on one side only. */
function describeRefusal(check: SidePairCheck): string {
  const lines = [`sglbench compare: ${check.suites.join(" / ")}: not compared, the sides differ:`];
  for (const f of check.fields) {
    if (f.status === "same") continue;
    const hint =
      f.field === "hardware" && f.status === "one-side"
        ? " (its image tag and logs do not name it: pass --hardware NAME if both ran on the same GPUs)"
        : "";
    lines.push(`  ${f.field}: main ${f.main ?? "not named"}, PR ${f.pr ?? "not named"}${hint}`);
  }
  return `${lines.join("\n")}\n`;
}
