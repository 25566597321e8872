/** The last step: warn when only part ran; fail (through run()'s one error path) when nothing did. */
import * as core from "@actions/core";
import type { CommandOutcome } from "./commands.js";

export function settleStepStatus(outcome: CommandOutcome): void {
  if (outcome.command === "compare-pr") {
    if (outcome.result.exitCode === 1)
      throw new Error("sglbench compare-pr measured nothing: every cell failed (the report says why).");
    if (outcome.result.exitCode !== 0) core.warning("Some runs failed; the report shows them as failed cells.");
    return;
  }
  if (outcome.exitCode === 3) core.warning(`sglbench ${outcome.command}: some points failed (see the log above).`);
  if (outcome.exitCode === 1) throw new Error(`sglbench ${outcome.command} ran nothing (exit 1); see the log above.`);
}
