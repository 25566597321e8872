/**
 * The real services behind compare-pr: the runner (runSuite with a Docker or local executor per side)
 * and the verdicts (compareRuns + renderReport). Kept apart from the job so tests inject fakes.
 */
import { DEFAULT_PLAN_SUITES } from "../core/plan.js";
import type { ComparePrJobServices } from "./compare-pr-job.js";
import type { ComparisonCounts } from "./compare-pr.js";

export interface ServiceOptions {
  /** Run on this machine (execa) instead of in Docker containers. */
  local: boolean;
  /** Extra environment per side (e.g. an A/B flag on the same image). */
  mainEnv: Record<string, string>;
  prEnv: Record<string, string>;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Builds the production services. */
export async function defaultComparePrServices(
  options: ServiceOptions,
): Promise<ComparePrJobServices<{ summary: ComparisonCounts }>> {
  void options;
  void DEFAULT_PLAN_SUITES;
  throw new Error("the runner (src/runner/run-suite.ts) and verdicts (src/core/compare.ts) are not integrated yet");
}
