/**
 * Loads the two sides of a comparison (and the history the noise is learnt from) from disk and
 * compares them: run folders of either layout, results.json, logs or seed CSVs — whatever
 * `ingestPaths` reads. The kind (offline/online) comes from the content, never from the path.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { compareRuns, type CompareOptions, type Comparison } from "../core/verdict/index.js";
import type { RunResults } from "../core/results/index.js";
import { parseGsm8kOutput } from "../sglang/gsm8k.js";
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
}

/** The loaded sides, what was skipped and the comparison. */
export interface CompareRunsOutcome {
  comparison: Comparison;
  baseline: RunResults[];
  candidate: RunResults[];
  history: RunResults[];
  /** Files that gave nothing, with the reason (already redacted by ingest). */
  skipped: { file: string; reason: string }[];
}

/** The inputs could not be compared (a side gave no run); the message says which and why. */
export class CompareInputError extends Error {}

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
      const { gsm8k } = parseGsm8kOutput(await readFile(join(dir, name), "utf8"), name);
      if (!gsm8k) continue;
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
  const { runs, skipped: s } = await ingestPaths(paths);
  skipped.push(...s);
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
    );
  }
  if (input.gsm8kLogPatterns && input.gsm8kLogPatterns.length > 0) {
    await attachGsm8k(wanted, paths, input.gsm8kLogPatterns, model);
  }
  return wanted;
}

/** Loads both sides and the history, then compares them. Throws CompareInputError when a side is empty. */
export async function compareFromDisk(input: CompareRunsInput, opts: CompareOptions = {}): Promise<CompareRunsOutcome> {
  const skipped: CompareRunsOutcome["skipped"] = [];
  const baseline = await loadSide("main (--csv1)", input.baseline, input, input.model1 ?? input.model, skipped);
  const candidate = await loadSide("PR (--csv2)", input.candidate, input, input.model2 ?? input.model, skipped);
  let history: RunResults[] = [];
  if (input.history && input.history.length > 0) {
    const h = await ingestPaths(input.history);
    history = h.runs;
    skipped.push(...h.skipped);
  }
  const comparison = compareRuns(baseline, candidate, { detectChanges: changepointDetector, ...opts, history });
  return { comparison, baseline, candidate, history, skipped };
}
