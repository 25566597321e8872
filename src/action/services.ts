/** Step 3: the outside world each command needs (Docker, runner, GitHub), replaceable by tests. */
import { resolve } from "node:path";
import * as core from "@actions/core";
import { comparePrHardware, hardwareOption, type ActionInputs } from "./inputs.js";
import type { ArtifactUploader } from "./artifacts.js";
import { workspaceOf } from "./command-inputs.js";
import type { ComparePrJobServices } from "../pipeline/compare-pr-job.js";
import type { ComparisonCounts } from "../pipeline/compare-pr.js";
import { defaultComparePrServices, type ServiceOptions } from "../pipeline/compare-pr-services.js";
import type { NightlyServices } from "../pipeline/nightly.js";
import { nightlyServicesFor } from "../pipeline/nightly-job.js";
import { defaultSuiteExecutor, type SuiteJob } from "../pipeline/suite-job.js";
import type { Executor } from "../runner/executor.js";
import { redactSecrets } from "../store/redact.js";

export type ComparePrServices = ComparePrJobServices<{ summary: ComparisonCounts }>;

/** What tests replace: each command's services and the artifact client. */
export interface ActionDeps {
  services?: (options: ServiceOptions) => Promise<ComparePrServices>;
  nightlyServices?: NightlyServices;
  suiteExecutor?: (job: SuiteJob) => Promise<Executor>;
  uploader?: () => Promise<ArtifactUploader>;
}

/** The services of the command the inputs ask for, tagged with it. */
export type ActionServices =
  | { command: "compare-pr"; comparePr: ComparePrServices }
  | { command: "nightly"; nightly: NightlyServices }
  | { command: "suite"; executorFor: (job: SuiteJob) => Promise<Executor> };

export async function buildServices(
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  deps: ActionDeps = {},
): Promise<ActionServices> {
  const local = inputs.executor === "local";
  switch (inputs.command) {
    case "compare-pr": {
      const options = {
        local,
        mainEnv: inputs.mainEnv,
        prEnv: inputs.prEnv,
        log: (line: string) => core.info(line),
        ...(inputs.suitesFile ? { suitesFiles: [resolve(workspaceOf(env), inputs.suitesFile)] } : {}),
        ...hardwareOption(comparePrHardware(inputs)),
      };
      return { command: "compare-pr", comparePr: await (deps.services ?? defaultComparePrServices)(options) };
    }
    case "nightly": {
      const log = (line: string) => core.info(`[nightly] ${redactSecrets(line)}`);
      const nightly = deps.nightlyServices ?? nightlyServicesFor({ local, gpu: true, cwd: workspaceOf(env), env, log });
      return { command: "nightly", nightly };
    }
    case "suite":
      return {
        command: "suite",
        executorFor: deps.suiteExecutor ?? ((job) => defaultSuiteExecutor(job, env, (line) => core.info(line))),
      };
  }
}
