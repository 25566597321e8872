/**
 * The Action's entry (bundled to dist/index.js): inputs → compare-pr pipeline → outputs, job summary,
 * artifacts. One error path: anything thrown ends in core.setFailed with a fix-it hint.
 */
import { dirname, join, resolve } from "node:path";
import * as core from "@actions/core";
import { readActionInputs, type ActionInputs } from "./inputs.js";
import { cliStepsFor, runCliSteps } from "./cli-commands.js";
import type { CliIO } from "../cli/io.js";
import { defaultArtifactUploader, uploadLogs, uploadReport, type ArtifactUploader } from "./artifacts.js";
import { setComparisonOutputs, writeComparisonSummary } from "./summary.js";
import { runComparePrJob, type ComparePrJobInput, type ComparePrJobServices } from "../pipeline/compare-pr-job.js";
import type { ComparisonCounts } from "../pipeline/compare-pr.js";
import { defaultComparePrServices, type ServiceOptions } from "../pipeline/compare-pr-services.js";
import { isEntryPoint } from "../core/entry-point.js";

type Services = ComparePrJobServices<{ summary: ComparisonCounts }>;

/** What tests replace: the pipeline's services and the artifact client. */
export interface ActionDeps {
  services?: (options: ServiceOptions) => Promise<Services>;
  uploader?: () => Promise<ArtifactUploader>;
}

/** The job input for one Action run (paths resolved against the workspace). */
export function jobInputFrom(inputs: ActionInputs, env: NodeJS.ProcessEnv): ComparePrJobInput {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
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
    outputDir: resolve(workDir, inputs.outputDir),
    local: inputs.executor === "local",
    ...(baseSha ? { baseSha } : {}),
    ...(headSha ? { headSha } : {}),
  };
}

/** Runs the Action; exported so tests can drive it with INPUT_* variables. */
export async function runAction(env: NodeJS.ProcessEnv = process.env, deps: ActionDeps = {}): Promise<void> {
  try {
    const inputs = readActionInputs(env);
    maskSecretValues({ ...inputs.mainEnv, ...inputs.prEnv });
    if (inputs.command !== "compare-pr") {
      await runCliCommand(inputs, env);
      return;
    }
    const log = (line: string) => core.info(line);
    const services = await (deps.services ?? defaultComparePrServices)({
      local: inputs.executor === "local",
      mainEnv: inputs.mainEnv,
      prEnv: inputs.prEnv,
      log,
    });
    const result = await runComparePrJob(jobInputFrom(inputs, env), services, log);
    const outcome = {
      verdict: result.verdict,
      regressions: result.counts.regressed,
      reportPath: result.reportPath,
      resultsPath: result.resultsPath,
      reportMarkdown: result.reportMarkdown,
    };
    setComparisonOutputs(outcome);
    await writeComparisonSummary(outcome);
    // The plain-text verdicts in the job log; the markdown report is the job summary.
    const text = services.comparer.renderText?.(result.comparison);
    if (text) core.info(text);
    core.notice(result.summaryLine);
    if (result.exitCode !== 0) core.warning("Some runs failed; the report shows them as failed cells.");

    // The App reads report.md + results.json from the report artifact.
    const reportMd = join(dirname(result.reportPath), "report.md");
    if (!deps.uploader && !env.ACTIONS_RUNTIME_TOKEN) {
      core.info(`Not inside GitHub Actions (no ACTIONS_RUNTIME_TOKEN): artifacts left in ${result.dir}`);
      return;
    }
    const uploader = await (deps.uploader ?? defaultArtifactUploader)();
    await uploadReport(uploader, reportMd, result.resultsPath, inputs.artifactName);
    await uploadLogs(uploader, result.logFiles, result.dir, `${inputs.artifactName.replace(/report/, "logs")}`);
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : "";
    const hint = message.includes("docs/action.md")
      ? ""
      : " Hint: check the step's 'with:' inputs, the runner's Docker access and the logs above (see docs/action.md).";
    core.setFailed(`sglbench: ${message}${cause}${hint}`);
  }
}

/**
 * Values of secret-looking variables in main-env/pr-env (HF_TOKEN, *_KEY, …) are masked in the job
 * log by the runner, on top of our own redaction of what we write.
 */
function maskSecretValues(vars: Record<string, string>): void {
  for (const [name, value] of Object.entries(vars))
    if (value && /(TOKEN|SECRET|KEY|PASSWORD|PASSWD)$/i.test(name)) core.setSecret(value);
}

/** `command: nightly | suite`: the CLI commands with argv from the inputs; exit 1 fails the step, 3 warns. */
async function runCliCommand(inputs: ActionInputs, env: NodeJS.ProcessEnv): Promise<void> {
  const io: CliIO = {
    stdout: (text) => text.trimEnd() && core.info(text.trimEnd()),
    stderr: (text) => text.trimEnd() && core.warning(text.trimEnd()),
    env,
    cwd: env.GITHUB_WORKSPACE ?? process.cwd(),
    isTTY: false,
  };
  const code = await runCliSteps(cliStepsFor(inputs, io.cwd), io);
  core.setOutput("verdict", code === 0 ? "ran" : code === 3 ? "partial" : "failed");
  if (code === 3) core.warning(`sglbench ${inputs.command}: some points failed (see the log above).`);
  if (code !== 0 && code !== 3)
    throw new Error(`sglbench ${inputs.command} ran nothing (exit ${code}); see the log above.`);
}

// Run when node starts this file (action.yml: dist/index.js), not when a test imports it.
if (isEntryPoint(import.meta.url)) {
  void runAction();
}
