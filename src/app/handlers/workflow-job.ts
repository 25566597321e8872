/**
 * `workflow_job`: move the request's check run to in_progress with which jobs are done, and link
 * it to the workflow run (the link is also how `/benchmark cancel` finds the run later).
 */
import type { Context } from "probot";
import { requestIdFromRunTitle, formatRequestId } from "../../core/request.js";
import { findCheckRunForRequest, updateCheckRun } from "../../github/check-runs.js";
import { getWorkflowRun, listRunJobs } from "../../github/workflows.js";
import type { AppDeps, HandlerEnv } from "../deps.js";
import { progressOutput } from "../messages.js";
import { keepRequestMarker } from "../run-request.js";

const withMarker = (
  previous: string | null,
  output: { title: string; summary: string },
): { title: string; summary: string } => ({
  title: output.title,
  summary: keepRequestMarker(previous, output.summary),
});

/** Route: queue per workflow run so its events are applied in order. */
export function onWorkflowJob(deps: AppDeps) {
  return async (context: Context<"workflow_job">): Promise<void> => {
    const { repository, workflow_job: job } = context.payload;
    const repo = { owner: repository.owner.login, repo: repository.name };
    const env: HandlerEnv = { octokit: context.octokit, log: context.log, deps };
    void deps.queue.enqueue(`run:${repository.full_name}:${job.run_id}`.toLowerCase(), () =>
      handleWorkflowJob(env, repo, job.run_id),
    );
  };
}

/** Progress update for one job event (background). Runs that are not ours are ignored. */
export async function handleWorkflowJob(
  env: HandlerEnv,
  repo: { owner: string; repo: string },
  runId: number,
): Promise<void> {
  const run = await getWorkflowRun(env.octokit, repo, runId);
  const parts = requestIdFromRunTitle(run.title);
  if (!parts) return;
  const prRepo = { owner: parts.owner, repo: parts.repo };
  const check = await findCheckRunForRequest(env.octokit, prRepo, parts.headSha, formatRequestId(parts));
  if (!check) {
    env.log.warn({ runId, title: run.title }, "no sglbench check run for this benchmark run");
    return;
  }
  // Late job events must not reopen a finished (or cancelled) check.
  if (check.status === "completed") return;
  const jobs = await listRunJobs(env.octokit, repo, runId);
  await updateCheckRun(env.octokit, prRepo, check.id, {
    status: "in_progress",
    output: withMarker(check.summary, progressOutput(jobs, run.htmlUrl)),
    detailsUrl: run.htmlUrl,
  });
}
