/** Step 6: the job summary and the lines a reader looks for first in the job log. */
import * as core from "@actions/core";
import type { CommandOutcome } from "./commands.js";

/** compare-pr: the report as the job summary, the plain-text verdicts in the log, the one-line notice. */
export async function writeJobSummary(outcome: CommandOutcome): Promise<void> {
  if (outcome.command !== "compare-pr") return;
  // The pipeline keeps the report markdown under 65 536 characters.
  await core.summary.addRaw(outcome.result.reportMarkdown, true).write();
  if (outcome.verdictText) core.info(outcome.verdictText);
  core.notice(outcome.result.summaryLine);
}
