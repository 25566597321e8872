/**
 * The Action's steps, in order. Each step is a small function in its own module; anything thrown
 * ends in run()'s one error path (core.setFailed with a fix-it hint).
 */
import { readActionInputs } from "./inputs.js";
import { maskSecrets } from "./secrets.js";
import { buildServices, type ActionDeps } from "./services.js";
import { runCommand } from "./commands.js";
import { writeOutputs } from "./outputs.js";
import { writeJobSummary } from "./summary.js";
import { uploadArtifacts } from "./artifacts.js";
import { settleStepStatus } from "./step-status.js";

export type { ActionDeps } from "./services.js";

export async function main(env: NodeJS.ProcessEnv = process.env, deps: ActionDeps = {}): Promise<void> {
  const inputs = readActionInputs(env);
  maskSecrets(inputs);
  const services = await buildServices(inputs, env, deps);
  const outcome = await runCommand(inputs, services, env);
  writeOutputs(outcome);
  await writeJobSummary(outcome);
  await uploadArtifacts(outcome, inputs.artifactName, env, deps.uploader);
  settleStepStatus(outcome);
}
