/**
 * Planning a compare-pr request (pure): which suites run on which side, whether the main side can be
 * reused from history (proved by a short anchor), and what it costs in GPU-minutes next to the
 * original scripts' "build both, run everything twice" approach.
 */

/** One benchmark suite as the planner sees it. A local view until `core/suites.ts` lands. */
export interface PlanSuite {
  /** e.g. `grok-offline`. */
  id: string;
  model: string;
  kind: "offline" | "online";
  /** Number of measured points in a full run. */
  points: number;
  /** GPUs the suite occupies (MI300X nodes have 8). */
  gpus: number;
}

/** Past timings for one suite: wall minutes per point per repeat, and fixed startup minutes. */
export interface SuiteTiming {
  minutesPerPoint: number;
  startupMinutes: number;
}

/** A stored baseline run the planner may reuse. */
export interface HistoryRun {
  suiteId: string;
  imageCommit: string;
  configHash: string;
  hardware: string;
  backend: string;
  ageHours: number;
}

export interface PlanRequest {
  pr: number;
  models: string[];
  kinds: Array<"offline" | "online">;
  repeats: number;
  baseline: "nightly" | "rerun";
  mergeBaseCommit: string;
  configHash: string;
  hardware: string;
  backend: string;
  /** Youngest history age (hours) that still counts as a fresh baseline. */
  maxBaselineAgeHours: number;
  /** Minutes to build one SGLang image; 0 when images are given (`--skip-build`). */
  buildMinutes: number;
  /** True when the merge-base image already exists (tag by commit) so it needs no build. */
  mainImageExists: boolean;
}

export type MainSideAction =
  { action: "reuse"; historyAgeHours: number; anchorPoints: number } | { action: "full"; reason: string };

export interface SuitePlan {
  suiteId: string;
  main: MainSideAction;
  prPoints: number;
  gpuMinutes: number;
}

export interface Plan {
  suites: SuitePlan[];
  builds: Array<"main" | "pr">;
  gpuMinutes: number;
  /** What compare_pr_performance.sh would have spent: two builds and every suite run twice, once each. */
  seedGpuMinutes: number;
  /** Order of execution when both sides run fully: interleaved to cancel drift on the node. */
  interleave: Array<"main" | "pr">;
}

/** Default catalogue used when no richer one is supplied. Point counts follow the seed's suites. */
export const DEFAULT_PLAN_SUITES: PlanSuite[] = [
  { id: "grok-offline", model: "grok", kind: "offline", points: 8, gpus: 8 },
  { id: "grok-online", model: "grok", kind: "online", points: 8, gpus: 8 },
  { id: "deepseek-offline", model: "deepseek", kind: "offline", points: 4, gpus: 8 },
  { id: "deepseek-online", model: "deepseek", kind: "online", points: 8, gpus: 8 },
];

/** Rough timings used when the history has none for a suite (minutes, wall clock). */
export const DEFAULT_TIMING: SuiteTiming = { minutesPerPoint: 2, startupMinutes: 6 };

/** The anchor is one point per suite: enough to show the baseline still reproduces. */
export const ANCHOR_POINTS = 1;

function runMinutes(timing: SuiteTiming, points: number, repeats: number, gpus: number): number {
  return (timing.startupMinutes + timing.minutesPerPoint * points * repeats) * gpus;
}

/** The history run that may stand in for the main side, if any. */
export function findReusableBaseline(
  request: PlanRequest,
  suiteId: string,
  history: HistoryRun[],
): HistoryRun | undefined {
  if (request.baseline !== "nightly") return undefined;
  return history
    .filter(
      (h) =>
        h.suiteId === suiteId &&
        h.imageCommit === request.mergeBaseCommit &&
        h.configHash === request.configHash &&
        h.hardware === request.hardware &&
        h.backend === request.backend &&
        h.ageHours <= request.maxBaselineAgeHours,
    )
    .sort((a, b) => a.ageHours - b.ageHours)[0];
}

/** Build the plan for one request. Throws on a request that selects no suite. */
export function planRequest(
  request: PlanRequest,
  history: HistoryRun[],
  timings: Record<string, SuiteTiming> = {},
  catalogue: PlanSuite[] = DEFAULT_PLAN_SUITES,
): Plan {
  const selected = catalogue.filter((s) => request.models.includes(s.model) && request.kinds.includes(s.kind));
  if (selected.length === 0) {
    throw new Error(
      `No suite matches models=${request.models.join(",")} types=${request.kinds.join(",")}; known: ${catalogue.map((s) => s.id).join(", ")}`,
    );
  }
  const gpuPerBuild = request.buildMinutes; // builds run on CPU but hold the GPU node.
  let seedGpuMinutes = 2 * gpuPerBuild;
  const suites = selected.map((suite): SuitePlan => {
    const timing = timings[suite.id] ?? DEFAULT_TIMING;
    const prMinutes = runMinutes(timing, suite.points, request.repeats, suite.gpus);
    seedGpuMinutes += 2 * runMinutes(timing, suite.points, 1, suite.gpus);
    const reusable = findReusableBaseline(request, suite.id, history);
    if (reusable) {
      const anchor = runMinutes(timing, ANCHOR_POINTS, 1, suite.gpus);
      return {
        suiteId: suite.id,
        main: { action: "reuse", historyAgeHours: reusable.ageHours, anchorPoints: ANCHOR_POINTS },
        prPoints: suite.points,
        gpuMinutes: prMinutes + anchor,
      };
    }
    const reason =
      request.baseline === "rerun" ? "baseline=rerun requested" : "no fresh baseline of the merge base in history";
    return {
      suiteId: suite.id,
      main: { action: "full", reason },
      prPoints: suite.points,
      gpuMinutes: 2 * prMinutes,
    };
  });
  const mainNeedsImage = suites.some((s) => s.main.action === "full" || s.main.action === "reuse");
  const builds: Array<"main" | "pr"> = [];
  if (request.buildMinutes > 0) {
    if (mainNeedsImage && !request.mainImageExists) builds.push("main");
    builds.push("pr");
  }
  const gpuMinutes = suites.reduce((sum, s) => sum + s.gpuMinutes, 0) + builds.length * gpuPerBuild;
  const anyFull = suites.some((s) => s.main.action === "full");
  return {
    suites,
    builds,
    gpuMinutes,
    seedGpuMinutes,
    interleave: anyFull ? ["main", "pr", "pr", "main"] : ["pr"],
  };
}

/** Human-readable plan for `sglbench plan`. */
export function renderPlan(plan: Plan, request: PlanRequest): string {
  const lines = [`Plan for PR #${request.pr} (merge base ${request.mergeBaseCommit.slice(0, 12)}):`];
  if (plan.builds.length) lines.push(`  build images: ${plan.builds.join(", ")}`);
  for (const s of plan.suites) {
    const main =
      s.main.action === "reuse"
        ? `reuse baseline (${s.main.historyAgeHours} h old) + ${s.main.anchorPoints}-point anchor on main`
        : `run main in full (${s.main.reason})`;
    lines.push(
      `  ${s.suiteId.padEnd(18)} PR: ${s.prPoints} points × ${request.repeats}; main: ${main}; ~${Math.round(s.gpuMinutes)} GPU-min`,
    );
  }
  const ratio = plan.seedGpuMinutes > 0 ? plan.gpuMinutes / plan.seedGpuMinutes : 0;
  lines.push(
    `  order: ${plan.interleave.join(", ")}`,
    `Estimated: ${Math.round(plan.gpuMinutes)} GPU-minutes; original scripts' double run: ${Math.round(plan.seedGpuMinutes)} GPU-minutes (${Math.round(ratio * 100)} %).`,
  );
  return lines.join("\n") + "\n";
}
