/** run(): main's one error path, as in actions/typescript-action. */
import * as core from "@actions/core";
import { main, type ActionDeps } from "./main.js";
import { errorMessageWithCause } from "../core/util/index.js";

/** Runs the Action; never throws. Exported with `env`/`deps` so tests drive it with INPUT_* variables and fakes. */
export async function run(env: NodeJS.ProcessEnv = process.env, deps: ActionDeps = {}): Promise<void> {
  try {
    await main(env, deps);
  } catch (error: unknown) {
    core.setFailed(failureMessage(error));
  }
}

/** `sglbench: <message> (cause: …)`, plus where to look unless the message already says. */
export function failureMessage(error: unknown): string {
  const message = errorMessageWithCause(error);
  const hint = message.includes("docs/action.md")
    ? ""
    : " Hint: check the step's 'with:' inputs, the runner's Docker access and the logs above (see docs/action.md).";
  return `sglbench: ${message}${hint}`;
}
