/**
 * The Action's inputs → the typed arguments of each command's pipeline function. Pure (no I/O), so
 * the mapping is tested on its own; paths are resolved against the workspace.
 */
import { isAbsolute, resolve } from "node:path";
import { comparePrHardware, hardwareOption, type ActionInputs } from "./inputs.js";
import { defaultDataDir } from "../cli/commands/process.js";
import { suiteFor, type SuiteModel } from "../core/catalogue/index.js";
import type { ComparePrJobInput } from "../pipeline/compare-pr-job.js";
import type { NightlyRequest } from "../pipeline/nightly-job.js";
import { defaultMounts, type SuiteJob } from "../pipeline/suite-job.js";

type Env = NodeJS.ProcessEnv;

/** The checkout the step runs in (GITHUB_WORKSPACE on a runner). */
export function workspaceOf(env: Env): string {
  return env.GITHUB_WORKSPACE ?? process.cwd();
}

/** The Action's model names (those of the `/benchmark` comment) → the catalogue's. */
const SUITE_MODELS: Record<ActionInputs["models"][number], SuiteModel> = {
  grok: "grok1",
  grok2: "grok2",
  deepseek: "deepseek",
};

/** `command: compare-pr` → runComparePrJob's input; the SHAs may also come from the App's environment. */
export function comparePrJobInputFor(inputs: ActionInputs, env: Env): ComparePrJobInput {
  const workspace = workspaceOf(env);
  const workDir = resolve(workspace, inputs.workDir);
  const baseSha = inputs.baseSha || env.SGLBENCH_BASE_SHA || "";
  const headSha = inputs.headSha || env.SGLBENCH_HEAD_SHA || "";
  return {
    pr: inputs.pr ?? 0,
    repo: inputs.repo,
    models: inputs.models,
    types: inputs.types,
    modes: inputs.modes,
    repeats: inputs.repeats,
    baseline: inputs.baseline,
    ...(inputs.mainImage ? { mainImage: inputs.mainImage } : {}),
    ...(inputs.prImage ? { prImage: inputs.prImage } : {}),
    skipBuild: inputs.skipBuild,
    baseImage: inputs.baseImage,
    workDir,
    ...(inputs.historyDir ? { historyDir: resolve(workspace, inputs.historyDir) } : {}),
    ...(inputs.mainRunsDir ? { mainRunsDir: resolve(workspace, inputs.mainRunsDir) } : {}),
    outputDir: resolve(workDir, inputs.outputDir),
    local: inputs.executor === "local",
    ...(baseSha ? { baseSha } : {}),
    ...(headSha ? { headSha } : {}),
    ...hardwareOption(comparePrHardware(inputs)),
    ...(Object.keys(inputs.timeouts).length ? { timeouts: inputs.timeouts } : {}),
    ...inputs.verdictSettings,
    sideEnv: { main: inputs.mainEnv, pr: inputs.prEnv },
  };
}

/**
 * `command: nightly` → one nightly per model: both types → mode `all`; the history dir is the
 * results tree (else BENCHMARK_CI_DIR / MOUNT_DIR as for the CLI); main-image pins the image.
 */
export function nightlyRequestsFor(inputs: ActionInputs, env: Env): NightlyRequest[] {
  const workspace = workspaceOf(env);
  const types = inputs.types;
  const mode = types.includes("offline") && types.includes("online") ? "all" : (types[0] ?? "all");
  const rawDir = inputs.historyDir ? resolve(workspace, inputs.historyDir) : defaultDataDir(env, workspace);
  const dataDir = isAbsolute(rawDir) ? rawDir : resolve(workspace, rawDir);
  return inputs.models.map((model) => ({
    mode,
    model: SUITE_MODELS[model],
    ...(inputs.mainImage ? { image: inputs.mainImage } : {}),
    dataDir,
    lockWaitMs: 0,
  }));
}

/**
 * `command: suite` → one suite job per model and type on pr-image (else main-image): online with
 * the repeats; offline once per requested mode for Grok (DeepSeek offline has one mode).
 */
export function suiteJobsFor(inputs: ActionInputs, env: Env): SuiteJob[] {
  const image = inputs.prImage || inputs.mainImage;
  if (!image) throw new Error("command: suite needs pr-image (or main-image): the image to run the suites on.");
  const workspace = workspaceOf(env);
  const workDir = resolve(workspace, inputs.workDir);
  const common = {
    image,
    local: inputs.executor === "local",
    workDir,
    outputDir: resolve(workDir, inputs.outputDir),
    skipGsm8k: false,
    ...inputs.timeouts,
    gpu: true,
    mounts: defaultMounts(),
  };
  return inputs.models.flatMap((name) => {
    const model = SUITE_MODELS[name];
    return inputs.types.flatMap((type): SuiteJob[] =>
      type === "online"
        ? [{ ...common, suite: suiteFor("online", model), repeats: inputs.repeats }]
        : (model === "deepseek" ? ["normal"] : inputs.modes).map((mode) => ({
            ...common,
            suite: suiteFor("offline", model, mode),
          })),
    );
  });
}
