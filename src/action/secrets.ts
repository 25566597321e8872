/** Step 2: mask secret-looking values before anything is logged. */
import * as core from "@actions/core";
import type { ActionInputs } from "./inputs.js";
import { isSecretName } from "../store/redact.js";

/**
 * Values of secret-looking variables in main-env/pr-env (HF_TOKEN, *_KEY, …) are masked in the job
 * log by the runner, on top of our own redaction of what we write.
 */
export function maskSecrets(inputs: Pick<ActionInputs, "mainEnv" | "prEnv">): void {
  for (const [name, value] of Object.entries({ ...inputs.mainEnv, ...inputs.prEnv }))
    if (value && isSecretName(name)) core.setSecret(value);
}
