/** The job summary and outputs the Action writes for one comparison. */
import * as core from "@actions/core";

export interface ComparisonOutcome {
  verdict: "regressed" | "improved" | "unchanged" | "inconclusive" | "failed";
  regressions: number;
  reportPath: string;
  resultsPath: string;
  /** The report markdown (already < 65 536 chars). */
  reportMarkdown: string;
}

/** Sets the four declared outputs of action.yml. */
export function setComparisonOutputs(outcome: ComparisonOutcome): void {
  core.setOutput("verdict", outcome.verdict);
  core.setOutput("regressions", String(outcome.regressions));
  core.setOutput("report-path", outcome.reportPath);
  core.setOutput("results-path", outcome.resultsPath);
}

/** Writes the report into the job summary ($GITHUB_STEP_SUMMARY). */
export async function writeComparisonSummary(outcome: ComparisonOutcome): Promise<void> {
  await core.summary.addRaw(outcome.reportMarkdown, true).write();
}
