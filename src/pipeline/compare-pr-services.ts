/**
 * The real services behind compare-pr: the runner (runSuite with a Docker or local executor per side)
 * and the verdicts (compareRuns + renderReport). Kept apart from the job so tests inject fakes.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { z } from "zod";
import { compareRuns, joinComparisons, type Comparison } from "../core/verdict/index.js";
import { folderHardware, planSuitesFor } from "../core/plan/index.js";
import { renderReport, renderReportText } from "../core/report/index.js";
import { findSuite, loadCatalogue, suiteForHardware, suitePoints, type Suite } from "../core/catalogue/index.js";
import { pointKey } from "../core/results/index.js";
import type { Executor } from "../runner/executor.js";
import { startExecutor } from "../runner/executor-factory.js";
import { dockerodeEngine } from "../runner/images.js";
import { formatProgress } from "../runner/progress.js";
import { runSuite } from "../runner/run-suite.js";
import type { ComparePrJobServices } from "./compare-pr-job.js";
import type { Comparer, ImagePair, SideRunner, SideRunRequest } from "./compare-pr.js";
import { changepointDetector } from "./regime-history.js";

export interface ServiceOptions {
  /** Run on this machine (execa) instead of in Docker containers. */
  local: boolean;
  /** Extra environment per side (e.g. an A/B flag on the same image). */
  mainEnv: Record<string, string>;
  prEnv: Record<string, string>;
  /** Progress lines. */
  log: (line: string) => void;
  /**
   * Host folders the containers may read (models), mounted read-only at the same path; default
   * `/mnt/raid/` when the runner has it (as the seed, but never writable: it holds the nightly history).
   */
  readOnlyPaths?: string[];
  /** Environment the local executor starts from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Catalogue files added to the built-in one (`--suites-file`): more models and suites, no code. */
  suitesFiles?: string[];
  /** Server port (default 30000, SGLang's); tests running side by side pick free ones. */
  port?: number;
  /** The GPUs the runs are on (`mi30x`, `mi35x`): the catalogue's model paths and points for them. */
  hardware?: string;
}

/**
 * What a matrix job's comparison must look like for its verdicts to be kept as they are at a merge:
 * results.json arrives as an artifact, so it is checked (and bounded) before anything of it is shown;
 * anything else is compared again from its runs.
 */
const JoinableComparison = z.looseObject({
  suites: z
    .array(
      z.looseObject({
        suite: z.string().max(200),
        model: z.string().max(200),
        mode: z.string().max(200).optional(),
        cells: z
          .array(
            z.looseObject({
              verdict: z.enum(["improved", "regressed", "unchanged", "inconclusive", "failed"]),
              metric: z.string().max(200),
              reason: z.string().max(5000),
            }),
          )
          .max(5000),
      }),
    )
    .max(200),
  mismatches: z.array(z.string().max(2000)).max(200),
  settings: z.looseObject({ minEffectPct: z.number(), confidence: z.number(), historyRuns: z.number() }),
});

/** The verdict engine behind the pipeline's comparer interface. */
export const verdictComparer: Comparer<Comparison> = {
  compare: (baseline, candidate, { history, ...settings }) =>
    compareRuns(baseline, candidate, { history, ...settings, detectChanges: changepointDetector, ownPrior: true }),
  join: (parts) =>
    parts.every((p) => JoinableComparison.safeParse(p).success) ? joinComparisons(parts as Comparison[]) : undefined,
  render: (comparison, options) => renderReport(comparison, options ?? {}),
  renderText: (comparison) => renderReportText(comparison),
};

/**
 * The plan's point keys → the values runSuite selects by (batch sizes offline, rates or concurrencies
 * online), read from the suite's own typed points: a key is only ever looked up, never parsed.
 */
export function pointValues(suite: Suite, keys: readonly string[]): number[] {
  const byKey = new Map(suitePoints(suite).map((p) => [pointKey(p), p]));
  return keys.map((key) => {
    const point = byKey.get(key);
    if (!point) throw new Error(`Suite ${suite.id} has no point ${key} (points: ${[...byKey.keys()].join("; ")})`);
    const value = suite.kind === "offline" ? point.batch_size : point[suite.axis];
    if (value === undefined)
      throw new Error(`Point ${key} of ${suite.id} has no ${suite.kind === "offline" ? "batch_size" : suite.axis}`);
    return value;
  });
}

/**
 * Host paths of one step's container. PR code runs in it, so the only writable bind is the step's own
 * output folder; the models (and whatever else sits on /mnt/raid, such as the history) are read-only.
 */
export function sideMounts(
  outputDir: string,
  readOnlyPaths: string[] = existsSync("/mnt/raid") ? ["/mnt/raid/"] : [],
): { readOnlyPaths: string[]; binds: string[] } {
  return { readOnlyPaths, binds: [`${outputDir}:${outputDir}`] };
}

/** The executor of one step: this machine, or a fresh container of the side's image. */
function executorFor(request: SideRunRequest, env: Record<string, string>, options: ServiceOptions): Promise<Executor> {
  return startExecutor({
    local: options.local,
    image: request.image,
    workDir: request.outputDir,
    env,
    ...(options.env ? { hostEnv: options.env } : {}),
    gpu: "auto",
    ...sideMounts(request.outputDir, options.readOnlyPaths),
    // Images were resolved before the runs: a missing one is an error, not a pull in the middle.
    pull: false,
    // Each step binds its own folder, so its container must not outlive it.
    removeOnClose: true,
  });
}

/** runSuite for one side of a request, on the executor the options ask for. */
export function sideRunner(images: ImagePair, options: ServiceOptions): SideRunner {
  // Read once for the whole comparison, not once per side run (a user file is parsed with the built-in one).
  const suites = loadCatalogue(options.suitesFiles ?? []).suites;
  return async (request) => {
    const suite = suiteForHardware(findSuite(request.suite, suites), folderHardware(options.hardware));
    const env = request.side === "pr" ? options.prEnv : options.mainEnv;
    await mkdir(request.outputDir, { recursive: true });
    const executor = await executorFor(request, env, options);
    try {
      const outcome = await runSuite({
        suite,
        image: request.image,
        executor,
        outputDir: request.outputDir,
        repeats: request.repeats,
        ...(request.points.length ? { points: pointValues(suite, request.points) } : {}),
        skipGsm8k: request.skipGsm8k,
        ...request.timeouts,
        ...(options.port !== undefined ? { port: options.port } : {}),
        // An image sglbench built names no hardware: the runs are the node's, so the built-in prior
        // of that hardware applies to them (it is looked up by the runs' hardware).
        ...(options.hardware ? { hardware: folderHardware(options.hardware) ?? options.hardware } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        onProgress: (progress) => request.onProgress?.(formatProgress(progress)),
      });
      // The image tag rarely spells the commit; the report names the commits the images were built from.
      const commit = request.side === "main" ? images.mainCommit : images.prCommit;
      if (commit && !outcome.run.commit) outcome.run.commit = commit;
      return outcome;
    } finally {
      await executor.close?.();
    }
  };
}

/** Builds the production services. */
export async function defaultComparePrServices(options: ServiceOptions): Promise<ComparePrJobServices<Comparison>> {
  return {
    ...(options.local ? {} : { engine: await dockerodeEngine() }),
    catalogue: planSuitesFor(loadCatalogue(options.suitesFiles ?? []).suites, options.hardware),
    runSideFor: (images) => sideRunner(images, options),
    comparer: verdictComparer,
  };
}
