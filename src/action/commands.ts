/**
 * Step 4: run the command — each one calls its pipeline function with typed arguments (the same
 * functions the CLI's compare-pr, nightly, offline and online commands call).
 */
import * as core from "@actions/core";
import type { ActionInputs } from "./inputs.js";
import { comparePrJobInputFor, nightlyRequestsFor, suiteJobsFor } from "./command-inputs.js";
import type { ActionServices, ComparePrServices } from "./services.js";
import { errorMessage } from "../core/util/index.js";
import type { ComparePrResult, ComparisonCounts } from "../pipeline/compare-pr.js";
import { runComparePrJob } from "../pipeline/compare-pr-job.js";
import { runNightly, type NightlyServices } from "../pipeline/nightly.js";
import { formatNightlyReport, nightlyOptionsFor, type NightlyRequest } from "../pipeline/nightly-job.js";
import { runSuiteJob, type SuiteJob } from "../pipeline/suite-job.js";
import type { Executor } from "../runner/executor.js";
import { redactSecrets } from "../store/redact.js";

/** 0 everything ran, 3 partly, 1 nothing. */
export type ExitCode = 0 | 1 | 3;

/** What the command did, for the outputs, the summary, the artifacts and the step's status. */
export type CommandOutcome =
  | {
      command: "compare-pr";
      result: ComparePrResult<{ summary: ComparisonCounts }>;
      /** Plain-text verdicts for the job log (the markdown report goes to the job summary). */
      verdictText?: string;
    }
  | { command: "nightly" | "suite"; exitCode: ExitCode };

export async function runCommand(
  inputs: ActionInputs,
  services: ActionServices,
  env: NodeJS.ProcessEnv,
): Promise<CommandOutcome> {
  switch (services.command) {
    case "compare-pr":
      return runComparePr(inputs, services.comparePr, env);
    case "nightly":
      return {
        command: "nightly",
        exitCode: await runNightlies(nightlyRequestsFor(inputs, env), services.nightly, env),
      };
    case "suite":
      return { command: "suite", exitCode: await runSuites(suiteJobsFor(inputs, env), services.executorFor) };
  }
}

async function runComparePr(
  inputs: ActionInputs,
  services: ComparePrServices,
  env: NodeJS.ProcessEnv,
): Promise<CommandOutcome> {
  const result = await runComparePrJob(comparePrJobInputFor(inputs, env), services, (line) => core.info(line));
  const verdictText = services.comparer.renderText?.(result.comparison);
  return { command: "compare-pr", result, ...(verdictText ? { verdictText } : {}) };
}

/** One nightly per model; a failing one does not stop the next (the seed's cron ran each model on its own). */
async function runNightlies(requests: NightlyRequest[], services: NightlyServices, env: NodeJS.ProcessEnv) {
  let worst: ExitCode = 0;
  for (const request of requests) {
    core.info(`sglbench nightly: ${request.model} ${request.mode}`);
    let code: ExitCode;
    try {
      const report = await runNightly(nightlyOptionsFor(request, env), services);
      core.info(redactSecrets(formatNightlyReport(report)).trimEnd());
      code = report.exitCode;
    } catch (error: unknown) {
      core.warning(`sglbench nightly ${request.model}: ${redactSecrets(errorMessage(error))}`);
      code = 1;
    }
    worst = worse(worst, code);
  }
  return worst;
}

/** The suites in order; an executor that cannot start fails the step. */
async function runSuites(jobs: SuiteJob[], executorFor: (job: SuiteJob) => Promise<Executor>) {
  const out = {
    stdout: (text: string) => void (text.trimEnd() && core.info(text.trimEnd())),
    stderr: (text: string) => void (text.trimEnd() && core.warning(text.trimEnd())),
    isTTY: false,
  };
  let worst: ExitCode = 0;
  for (const job of jobs) {
    core.info(`sglbench ${job.suite.kind}: ${job.suite.id} on ${job.image}`);
    worst = worse(worst, await runSuiteJob(job, executorFor, out));
  }
  return worst;
}

/** The worst exit code wins: 1 (nothing ran) over 3 (partly) over 0. */
function worse(a: ExitCode, b: ExitCode): ExitCode {
  return a === 1 || b === 1 ? 1 : a === 3 || b === 3 ? 3 : 0;
}
