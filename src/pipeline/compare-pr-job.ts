/**
 * A compare-pr request from the outside (Action inputs or CLI flags) turned into a pipeline run:
 * merge base, images (given, pulled, reused or built by commit), history, plan request, then
 * `runComparePr`. Shared by the Action and the CLI so both behave the same.
 *
 * A PR image that has to be built is built from the PR's head SHA, checked against `headSha` right
 * after fetching it: a PR pushed to after the request is refused (PrHeadMovedError), not measured.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative, isAbsolute } from "node:path";
import { selectSuites, type Plan, type PlanRequest, type PlanSuite } from "../core/plan/index.js";
import { errorMessage, shellWord, skippedLines } from "../core/util/index.js";
import { RunResultsSchema, type RunResults } from "../core/results/index.js";
import {
  fetchPrHead,
  PrHeadMovedError,
  resolvePrCommits,
  resolveSideImage,
  type ImageEngine,
} from "../runner/images.js";
import type { TimeoutOverrides } from "../runner/run-suite.js";
import { ingestPaths } from "../store/ingest.js";
import { builtForCommit, keepMainRuns, loadMainRuns } from "./main-runs.js";
import { isSecretName, REDACTED, redactSecrets } from "../store/redact.js";
import {
  runComparePr,
  type Comparer,
  type ComparePrResult,
  type ComparisonCounts,
  type ImagePair,
  type SideRunner,
} from "./compare-pr.js";

export interface ComparePrJobInput {
  pr: number;
  repo: string;
  models: string[];
  types: Array<"offline" | "online">;
  /** Offline modes (`normal`, `long_context`, `dummy`; default `normal`). */
  modes?: string[];
  /** The --port value as typed (a number or auto), for the reproduce line: the port itself is the runner's. */
  port?: string;
  repeats: number;
  baseline: "nightly" | "rerun";
  mainImage?: string;
  prImage?: string;
  skipBuild: boolean;
  baseImage: string;
  /** Dockerfile inside the checkout and BUILD_TYPE, as `sglbench build-image` takes them. */
  dockerfile?: string;
  buildType?: "all" | "srt";
  workDir: string;
  historyDir?: string;
  /**
   * Main's runs kept between requests (main-runs.ts): a request on a merge base main already ran in
   * full for (≤ maxBaselineAgeHours ago) reuses them after an anchor; a full main run is kept here.
   */
  mainRunsDir?: string;
  outputDir: string;
  /** Run on this machine without Docker (images are only labels then). */
  local: boolean;
  /**
   * Merge base and PR head when the caller knows them (the App passes both). When the PR image is
   * built, the PR's head must still be `headSha` or the job refuses to run.
   */
  baseSha?: string;
  headSha?: string;
  hardware?: string;
  backend?: string;
  maxBaselineAgeHours?: number;
  minEffectPct?: number;
  /** A suite's false-discovery rate (Benjamini–Hochberg), false = off; unset = the engine's default. */
  falseDiscoveryRate?: number | false;
  /** Why the plan costs what it does, for the report's footer (the demo explains its own cost). */
  costNotes?: (plan: Plan) => string[];
  /** Time limits (ms) of every step; unset → the suite catalogue's. */
  timeouts?: TimeoutOverrides;
  /** Continue this comparison folder instead of starting a new one. */
  resumeDir?: string;
  /** With resumeDir: run a finished folder again from the start. */
  force?: boolean;
  /** Each side's extra environment (the services apply it), named in the reproduce line. */
  sideEnv?: { main: Record<string, string>; pr: Record<string, string> };
}

export interface ComparePrJobServices<C extends { summary: ComparisonCounts }> {
  /** Docker engine for pulls and builds; undefined for local runs. */
  engine?: ImageEngine;
  /** The runner for the resolved images. */
  runSideFor(images: ImagePair): SideRunner;
  comparer: Comparer<C>;
  catalogue: PlanSuite[];
  /** Past runs for baseline reuse and noise; defaults to `loadHistory`. */
  loadHistory?: (dir: string) => Promise<RunResults[]>;
  now?: () => Date;
}

/**
 * History from a folder: sglbench results files (`*.json` that validate as RunResults) and any run
 * folders or logs the ingester understands. Unreadable files are reported through `warn`, never fatal.
 */
export async function loadHistory(dir: string, warn: (line: string) => void = () => undefined): Promise<RunResults[]> {
  const runs: RunResults[] = [];
  const jsonFiles: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith(".json") && entry.name !== "config.json") jsonFiles.push(path);
    }
  };
  try {
    await walk(dir);
  } catch (error: unknown) {
    throw new Error(`Cannot read the history folder ${dir}`, { cause: error });
  }
  for (const file of jsonFiles.sort()) {
    try {
      const parsed = RunResultsSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
      if (parsed.success)
        runs.push({ ...parsed.data, sources: parsed.data.sources.length ? parsed.data.sources : [file] });
    } catch (error: unknown) {
      warn(`history: skipped ${file}: ${errorMessage(error)}`);
    }
  }
  if (runs.length > 0) return runs;
  const ingested = await ingestPaths([dir], { root: dir });
  for (const line of skippedLines(ingested.skipped, "history: skipped")) warn(line);
  return ingested.runs;
}

/** `KEY=VALUE` entries, one per line or comma-separated, → environment; bad entries are named. */
export function parseEnvAssignments(text: string): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const entry of text
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(entry);
    if (m) env[m[1]!] = m[2]!;
    else problems.push(`'${entry}' is not KEY=VALUE`);
  }
  return { env, problems };
}

/** Runs one compare-pr request end to end. Throws only when nothing can run (bad refs, no image). */
export async function runComparePrJob<C extends { summary: ComparisonCounts }>(
  input: ComparePrJobInput,
  services: ComparePrJobServices<C>,
  log: (line: string) => void = () => undefined,
): Promise<ComparePrResult<C>> {
  const selected = selectSuites(services.catalogue, input);
  if (selected.length === 0) {
    throw new Error(
      `No suite matches models=${input.models.join(",")} types=${input.types.join(",")} modes=${(input.modes ?? ["normal"]).join(",")}; known: ${services.catalogue.map((s) => s.id).join(", ")}`,
    );
  }
  if (input.historyDir) assertOutsideHistory(input.outputDir, input.historyDir);
  if (input.mainRunsDir) {
    assertOutsideHistory(input.outputDir, input.mainRunsDir, "main runs");
    // Its cleaning removes its own old files; the history is the nightlies' and stays apart.
    if (input.historyDir) assertApart(input.mainRunsDir, input.historyDir, "main runs", "history");
  }
  const commits = await commitsFor(input, log);
  const trustGiven = input.skipBuild || input.local;
  const engine = input.local ? undefined : services.engine;
  // Both sides are built from a snapshot of one SHA; the tag is derived from that same SHA.
  const buildFor = (side: "main" | "pr", commit: string) => ({
    context: input.workDir,
    fromCommit: true,
    repo: input.repo,
    branch: commit,
    commit,
    baseImage: input.baseImage,
    ...(input.dockerfile ? { dockerfile: input.dockerfile } : {}),
    ...(input.buildType ? { buildType: input.buildType } : {}),
    pr: input.pr,
    logPath: join(input.outputDir, "logs", `build-${side}-${commit.slice(0, 12)}.log`),
    onProgress: (line: string) => log(`  [build ${side}] ${line}`),
  });
  const main = await resolveSideImage(engine, {
    side: "main",
    ...(input.mainImage ? { given: input.mainImage } : {}),
    trustGiven,
    build: buildFor("main", commits.mergeBase),
  });
  log(`Main image: ${main.image} (${main.source})`);
  const pr = await resolveSideImage(engine, {
    side: "pr",
    ...(input.prImage ? { given: input.prImage } : {}),
    trustGiven,
    build: buildFor("pr", commits.head),
  });
  log(`PR image: ${pr.image} (${pr.source})`);
  const images: ImagePair = { main: main.image, pr: pr.image, mainCommit: commits.mergeBase, prCommit: commits.head };

  // Unset = any hardware: the runner label already pins the node family; history of other families is
  // still kept apart by the noise tables (per hardware).
  const hardware = input.hardware ?? "";
  // A run that names no hardware is this node's (its folders are the runner's own disk).
  const onThisHardware = (run: RunResults) => !run.hardware || !hardware || run.hardware === hardware;
  const history = input.historyDir
    ? (await (services.loadHistory ?? ((d: string) => loadHistory(d, log)))(input.historyDir)).filter(onThisHardware)
    : [];
  if (input.historyDir) log(`History: ${history.length} runs from ${input.historyDir}`);
  const clock = services.now ?? (() => new Date());
  const maxAgeHours = input.maxBaselineAgeHours ?? 36;
  // Main with extra environment (an A/B of a flag) is not the merge base as built: neither reused nor kept.
  const mainRunsDir = Object.keys(input.sideEnv?.main ?? {}).length ? undefined : input.mainRunsDir;
  if (input.mainRunsDir && !mainRunsDir)
    log("Main's runs are neither reused nor kept: main runs with extra environment.");
  const earlierMain = mainRunsDir
    ? (await loadMainRuns(mainRunsDir, commits.mergeBase, { now: clock(), maxAgeHours }, log)).filter(onThisHardware)
    : [];
  if (earlierMain.length) log(`Main's runs of earlier requests on this merge base: ${earlierMain.length}`);
  // Said before hours of benchmarks, not after: only sglbench's own build of the merge base is kept.
  if (mainRunsDir && commits.mergeBase !== UNKNOWN_COMMIT && !builtForCommit(images.main, commits.mergeBase))
    log(
      `Main's runs will not be kept for later requests: ${images.main} is not sglbench's build of ${commits.mergeBase.slice(0, 12)} (its tag must name that commit)`,
    );

  const request: PlanRequest = {
    pr: input.pr,
    models: input.models,
    types: input.types,
    ...(input.modes?.length ? { modes: input.modes } : {}),
    repeats: input.repeats,
    // Without a known merge base no stored run can stand in for main.
    baseline: commits.mergeBase === UNKNOWN_COMMIT ? "rerun" : input.baseline,
    mergeBaseCommit: commits.mergeBase,
    configHash: "default",
    hardware,
    backend: input.backend ?? "",
    maxBaselineAgeHours: maxAgeHours,
    buildMinutes: 0,
    mainImageExists: true,
    ...(input.minEffectPct !== undefined ? { minEffectPct: input.minEffectPct } : {}),
  };
  const result = await runComparePr({
    request,
    repo: input.repo,
    catalogue: selected,
    images,
    outputDir: input.outputDir,
    history,
    earlierMain,
    runSide: services.runSideFor(images),
    comparer: services.comparer,
    ...(services.now ? { now: services.now } : {}),
    ...(input.costNotes ? { costNotes: input.costNotes } : {}),
    ...(input.timeouts ? { timeouts: input.timeouts } : {}),
    ...(input.falseDiscoveryRate !== undefined ? { falseDiscoveryRate: input.falseDiscoveryRate } : {}),
    ...(input.resumeDir ? { resumeDir: input.resumeDir, force: input.force ?? false } : {}),
    reproFlags: reproFlags(input, images, hardware),
    log,
  });
  if (mainRunsDir) {
    const kept = await keepMainRuns({
      dir: mainRunsDir,
      mergeBase: commits.mergeBase,
      mainImage: images.main,
      ranInFull: result.mainSide.filter((m) => m.action === "full").map((m) => m.suite),
      runs: result.mainRuns,
      stamp: basename(result.dir),
      now: clock(),
      maxAgeHours,
    }).catch((error: unknown) => [`main runs not kept: ${errorMessage(error)}`]);
    for (const line of kept) log(line);
  }
  return result;
}

const UNKNOWN_COMMIT = "unknown";

/**
 * What the reproduce lines need beyond the plan request: the commits, the images as given, where it
 * ran, the history and hardware, each side's environment (secret-looking values redacted).
 */
function reproFlags(input: ComparePrJobInput, images: ImagePair, hardware: string) {
  const flag = (name: string, value: string | undefined) => (value ? ` ${shellWord(`--${name}=${value}`)}` : "");
  // A secret-looking name (any case, any numeric suffix) has its value withheld; any other value is
  // still passed through the redaction of token shapes.
  const env = (name: string, vars: Record<string, string> | undefined) =>
    flag(
      name,
      Object.entries(vars ?? {})
        .map(([k, v]) => (isSecretName(k) ? `${k}=${REDACTED}` : redactSecrets(`${k}=${v}`)))
        .join(","),
    );
  const known = (commit: string | undefined) => (commit && commit !== UNKNOWN_COMMIT ? commit : undefined);
  const history = flag("history-dir", input.historyDir);
  return {
    comparePr:
      flag("hardware", hardware) +
      flag("base-sha", known(images.mainCommit)) +
      flag("head-sha", input.headSha) +
      (input.skipBuild ? " --skip-build" : "") +
      flag("main-image", input.mainImage) +
      flag("pr-image", input.prImage) +
      (input.local ? " --local" : "") +
      flag("port", input.port) +
      history +
      // No --main-runs-dir: the line reproduces the request as measured, main run in full or not.
      env("main-env", input.sideEnv?.main) +
      env("pr-env", input.sideEnv?.pr),
    compare:
      (input.historyDir ? ` --history ${shellWord(input.historyDir)}` : "") +
      (hardware ? ` --hardware ${hardware}` : ""),
  };
}

/**
 * The run's output folder is the only host path PR containers may write: it must not be, hold or sit
 * inside the history sglbench reads baselines from.
 */
export function assertOutsideHistory(outputDir: string, historyDir: string, what = "history"): void {
  if (overlaps(outputDir, historyDir))
    throw new Error(
      `The output folder ${outputDir} overlaps the ${what} folder ${historyDir}; PR containers write to the output folder, so keep it apart from the ${what}.`,
    );
}

/** Two folders sglbench keeps apart: neither is, holds or sits inside the other. */
function assertApart(a: string, b: string, aName: string, bName: string): void {
  if (overlaps(a, b)) throw new Error(`The ${aName} folder ${a} overlaps the ${bName} folder ${b}; keep them apart.`);
}

function overlaps(a: string, b: string): boolean {
  const inside = (child: string, parent: string) => {
    const rel = relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  return inside(a, b) || inside(b, a);
}

/**
 * Merge base and head: as given, else from the checkout; unknown only when no build needs them.
 * When the PR image is built here, the head is fetched and must equal `headSha` (when given).
 */
async function commitsFor(input: ComparePrJobInput, log: (line: string) => void) {
  const buildsPr = !input.prImage && !input.local;
  const needBuild = !input.mainImage || !input.prImage;
  if (input.baseSha) {
    const head = buildsPr
      ? await fetchPrHead(input.workDir, input.pr, input.headSha)
      : (input.headSha ?? `pull-${input.pr}`);
    if (buildsPr) log(`PR head ${head} fetched and checked against the request.`);
    return { mergeBase: input.baseSha, head };
  }
  try {
    const found = await resolvePrCommits(input.workDir, input.pr, buildsPr ? input.headSha : undefined);
    return { mergeBase: found.mergeBase, head: buildsPr ? found.head : (input.headSha ?? found.head) };
  } catch (error: unknown) {
    if (needBuild || error instanceof PrHeadMovedError) throw error;
    log(`Merge base unknown (${errorMessage(error)}); baseline reuse disabled.`);
    return { mergeBase: UNKNOWN_COMMIT, head: input.headSha ?? `pull-${input.pr}` };
  }
}
