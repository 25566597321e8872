/** Step 5: the outputs action.yml declares. */
import * as core from "@actions/core";
import type { CommandOutcome } from "./commands.js";

/** compare-pr: verdict, regressions, report-path, results-path; nightly and suite: verdict ran/partial/failed. */
export function writeOutputs(outcome: CommandOutcome): void {
  if (outcome.command !== "compare-pr") {
    core.setOutput("verdict", { 0: "ran", 3: "partial", 1: "failed" }[outcome.exitCode]);
    return;
  }
  const { result } = outcome;
  core.setOutput("verdict", result.verdict);
  core.setOutput("regressions", String(result.counts.regressed));
  core.setOutput("report-path", result.reportPath);
  core.setOutput("results-path", result.resultsPath);
}
