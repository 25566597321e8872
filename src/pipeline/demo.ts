/**
 * `npm run demo`: a complete compare-pr on the simulated SGLang, where the "PR image" decodes 5 % slower.
 * The demo only chooses images, environment and PATH; everything else is the production pipeline:
 * through a real Docker engine when one is reachable (two images whose ENV differs), else locally
 * (the same simulator on PATH, the PR side with SGLSIM_DECODE_SPEED=1.05 in its environment).
 */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { DEFAULT_PLAN_SUITES, planRequest, type Plan, type PlanRequest } from "../core/plan/index.js";
import { DEFAULT_REQUEST } from "../core/request/index.js";
import { freeLocalPort } from "../runner/free-port.js";
import { runComparePrJob, type ComparePrJobInput, type ComparePrJobServices } from "./compare-pr-job.js";
import type { ComparePrResult, ComparisonCounts } from "./compare-pr.js";
import type { ServiceOptions } from "./compare-pr-services.js";

/** The PR side decodes this much slower (1.05 = +5 % decode time). */
export const DEMO_DECODE_SLOWDOWN = "1.05";
export const DEMO_PR = 1;
/** A made-up merge base: the demo needs no SGLang checkout. */
export const DEMO_MERGE_BASE = "dem0000000000000000000000000000000000000";

type Services = ComparePrJobServices<{ summary: ComparisonCounts }>;

export interface DemoOptions {
  /** `auto`: Docker when an engine answers, else local. */
  mode: "auto" | "docker" | "local";
  outputDir: string;
  /** Folder holding the simulated `python3` (test/sim/bin of the checkout). */
  simBin: string;
  models: string[];
  types: Array<"offline" | "online">;
  repeats: number;
  log: (line: string) => void;
  /** The compare-pr services (tests fake them). */
  services: (options: ServiceOptions) => Promise<Services>;
  /** Whether a Docker engine answers. */
  dockerReachable: () => Promise<boolean>;
  /** Builds (or reuses) the two simulator images, returning their tags. */
  buildSimImages: () => Promise<{ main: string; pr: string }>;
}

export interface DemoOutcome {
  mode: "docker" | "local";
  result: ComparePrResult<{ summary: ComparisonCounts }>;
}

/** Runs the demo comparison. */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  if (!existsSync(join(options.simBin, "python3"))) {
    throw new Error(`The simulated SGLang is missing: no python3 in ${options.simBin}`);
  }
  let mode: "docker" | "local" =
    options.mode === "auto" ? ((await options.dockerReachable()) ? "docker" : "local") : options.mode;
  let images: { main: string; pr: string } | undefined;
  if (mode === "docker") {
    options.log("Building the simulator images (main as is; PR decodes 5 % slower)…");
    try {
      images = await options.buildSimImages();
    } catch (error: unknown) {
      if (options.mode === "docker") throw new Error("Cannot build the simulator images", { cause: error });
      options.log(
        `Docker is reachable but the simulator images could not be built (${String(error)}); running locally.`,
      );
      mode = "local";
    }
  }
  const input: ComparePrJobInput = {
    pr: DEMO_PR,
    repo: "sgl-project/sglang",
    models: options.models,
    types: options.types,
    repeats: options.repeats,
    baseline: "rerun",
    skipBuild: true,
    baseImage: "rocm/sgl-dev:vllm20250114",
    workDir: options.outputDir,
    outputDir: options.outputDir,
    local: mode === "local",
    baseSha: DEMO_MERGE_BASE,
    headSha: "5ca1ab1e0000000000000000000000000000beef",
  };
  input.costNotes = demoCostNotes;
  let services: Services;
  // A newcomer's machine may already use SGLang's default port 30000: take any free one.
  const port = await freeLocalPort();
  if (mode === "docker" && images) {
    input.mainImage = images.main;
    input.prImage = images.pr;
    services = await options.services({ local: false, mainEnv: {}, prEnv: {}, log: options.log, port });
  } else {
    // Same simulator for both sides; only the PR side's environment makes it decode slower.
    const path = `${options.simBin}${delimiter}${process.env.PATH ?? ""}`;
    const common = { PATH: path };
    input.mainImage = "sglbench-sim:main";
    input.prImage = "sglbench-sim:pr";
    // The reproduce line names what makes the sides differ (the simulator's PATH is the reader's to set).
    input.sideEnv = { main: {}, pr: { SGLSIM_DECODE_SPEED: DEMO_DECODE_SLOWDOWN } };
    services = await options.services({
      local: true,
      mainEnv: common,
      prEnv: { ...common, SGLSIM_DECODE_SPEED: DEMO_DECODE_SLOWDOWN },
      log: options.log,
      port,
    });
  }
  const result = await runComparePrJob(input, services, options.log);
  return { mode, result };
}

/**
 * What the default request (both models, both types) costs when the history holds a fresh nightly
 * of the merge base — `sglbench plan --pr=N --fresh-baseline`: only the PR image is built, main runs
 * one anchor point per suite, and points with low noise get fewer repeats.
 */
export function defaultRequestFreshCost(): Plan {
  const request: PlanRequest = {
    pr: DEMO_PR,
    ...DEFAULT_REQUEST,
    mergeBaseCommit: DEMO_MERGE_BASE,
    configHash: "default",
    hardware: "mi300x",
    backend: "",
    maxBaselineAgeHours: 36,
    buildMinutes: 60,
    mainImageExists: true,
  };
  const history = DEFAULT_PLAN_SUITES.map((suite) => ({
    suiteId: suite.id,
    imageCommit: DEMO_MERGE_BASE,
    configHash: "default",
    hardware: request.hardware,
    backend: "",
    ageHours: 6,
  }));
  return planRequest(request, history, { assumeTypicalNoise: true });
}

/** The demo's footer: why its estimate is above the original's, and what the default request costs. */
export function demoCostNotes(plan: Plan): string[] {
  const fresh = defaultRequestFreshCost();
  const pct = (p: Plan): number => Math.round((p.gpuMinutes / p.seedGpuMinutes) * 100);
  return [
    `The demo ran on the simulator; the figures are what this request would take on MI300X. It has no nightly history, so main runs in full next to the PR with repeats to measure noise — ${pct(plan)} % of the original's double run.`,
    `The default request (both models, both types) with a fresh nightly of the merge base reuses it behind one anchor point per suite: ~${Math.round(fresh.gpuMinutes)} of ${Math.round(fresh.seedGpuMinutes)} GPU-minutes (${pct(fresh)} %, as in the README).`,
  ];
}

/** The 🔴/🟢 lines of a report: what a reader looks at first. */
export function verdictLines(markdown: string): string[] {
  return markdown.split("\n").filter((line) => line.startsWith("|") && /🔴|🟢/.test(line));
}

/**
 * The flagged rows grouped by metric and verdict, one line each:
 * `🔴 Median ITL (ms): concurrency 1 (+5.5 % slower), concurrency 4 (+5.1 % slower)` — readable at a glance.
 */
export function groupedVerdicts(markdown: string): string[] {
  const groups = new Map<string, string[]>();
  for (const line of verdictLines(markdown)) {
    // `| 🔴 | point | metric | main | PR | change | interval | why |`
    const cells = line.split("|").map((c) => c.trim());
    const [emoji, point, metric, change] = [cells[1], cells[2], cells[3], cells[6]];
    if ((emoji !== "🔴" && emoji !== "🟢") || !point || !metric) continue;
    const key = `${emoji} ${metric}`;
    groups.set(key, [...(groups.get(key) ?? []), change && change !== "—" ? `${point} (${change})` : point]);
  }
  return [...groups].map(([key, points]) => `${key}: ${points.join(", ")}`);
}
