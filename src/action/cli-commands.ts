/**
 * The Action's `nightly` and `suite` commands: the same CLI commands a person runs by hand, with
 * argv built from the Action's inputs, so both paths behave the same.
 */
import { resolve } from "node:path";
import type { ActionInputs } from "./inputs.js";
import type { CliIO, CommandModule } from "../cli/io.js";

/** One CLI invocation the inputs ask for. */
export interface CliStep {
  command: "nightly" | "offline" | "online";
  argv: string[];
}

const NIGHTLY_MODELS: Record<string, string> = { grok: "grok1", grok1: "grok1", grok2: "grok2", deepseek: "deepseek" };

/** `command: nightly` → one `sglbench nightly` per model; `command: suite` → `sglbench offline|online` per model and type. */
export function cliStepsFor(inputs: ActionInputs, workspace: string): CliStep[] {
  const local = inputs.executor === "local" ? ["--local"] : [];
  const types = inputs.types;
  if (inputs.command === "nightly") {
    const mode = types.includes("offline") && types.includes("online") ? "all" : (types[0] ?? "all");
    return inputs.models.map((model) => ({
      command: "nightly",
      argv: [
        "--mode",
        mode,
        "--model",
        NIGHTLY_MODELS[model] ?? model,
        ...(inputs.historyDir ? ["--data-dir", resolve(workspace, inputs.historyDir)] : []),
        ...(inputs.mainImage ? ["--image", inputs.mainImage] : []),
        ...local,
      ],
    }));
  }
  const image = inputs.prImage || inputs.mainImage;
  if (!image) throw new Error("command: suite needs pr-image (or main-image): the image to run the suites on.");
  const outputDir = resolve(workspace, inputs.workDir, inputs.outputDir);
  const common = (model: string) => [
    `--docker-image=${image}`,
    `--model-type=${NIGHTLY_MODELS[model] ?? model}`,
    `--output-dir=${outputDir}`,
    `--work-dir=${resolve(workspace, inputs.workDir)}`,
    ...local,
  ];
  return inputs.models.flatMap((model) =>
    types.flatMap((type): CliStep[] =>
      type === "online"
        ? [{ command: "online", argv: [...common(model), `--repeats=${inputs.repeats}`] }]
        : // DeepSeek offline has one mode; Grok offline runs each requested mode.
          (model === "deepseek" ? ["normal"] : inputs.modes).map((mode) => ({
            command: "offline",
            argv: [...common(model), `--mode=${mode}`],
          })),
    ),
  );
}

const LOADERS: Record<CliStep["command"], () => Promise<CommandModule>> = {
  nightly: () => import("../cli/commands/nightly.js"),
  offline: () => import("../cli/commands/offline.js"),
  online: () => import("../cli/commands/online.js"),
};

/** Runs the steps in order; the worst exit code wins (1 nothing ran > 3 partly > 0). */
export async function runCliSteps(steps: CliStep[], io: CliIO): Promise<number> {
  let worst = 0;
  for (const step of steps) {
    io.stdout(`sglbench ${step.command} ${step.argv.join(" ")}\n`);
    const code = await (await LOADERS[step.command]()).run(step.argv, io);
    if (code === 1 || code === 2 || (code === 3 && worst === 0)) worst = code === 2 ? 1 : code;
  }
  return worst;
}
