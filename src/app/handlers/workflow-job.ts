/**
 * `workflow_job`: move the request's check run to in_progress with which jobs are done, and link
 * it to the workflow run (the link is also how `/benchmark cancel` finds the run later).
 */
import type { Context } from "probot";
import { formatRequestId, parseRequestId, type RequestIdParts } from "../../core/request/index.js";
import { findCheckRunForRequest, updateCheckRun } from "../../github/check-runs.js";
import { getWorkflowRun, listRunJobs } from "../../github/workflows.js";
import type { AppDeps, HandlerEnv } from "../deps.js";
import { claimedRequest } from "../dispatches.js";
import { progressOutput } from "../messages.js";
import { keepRequestMarker } from "../run-request.js";

const withMarker = (
  previous: string | null,
  output: { title: string; summary: string },
): { title: string; summary: string } => ({
  title: output.title,
  summary: keepRequestMarker(previous, output.summary),
});

/**
 * Route: only jobs of a run bound to one of our dispatches — or, while a dispatch to this
 * repository waits for its run, of a run not yet known — are looked at; everything else costs no
 * API call. Queued per workflow run so its events are applied in order.
 */
export function onWorkflowJob(deps: AppDeps) {
  return async (context: Context<"workflow_job">): Promise<void> => {
    const { repository, workflow_job: job } = context.payload;
    const bound = deps.dispatches.byRun(repository.full_name, job.run_id);
    if (!bound && !deps.dispatches.awaitsRun(repository.full_name, job.run_id)) return;
    const repo = { owner: repository.owner.login, repo: repository.name };
    const env: HandlerEnv = { octokit: context.octokit, log: context.log, deps };
    void deps.queue.enqueue(`run:${repository.full_name}:${job.run_id}`.toLowerCase(), () =>
      handleWorkflowJob(env, repo, job.run_id),
    );
  };
}

/**
 * The request a job's run answers and the run's page: from the registry when the run is already
 * bound (no API call), else read once and matched (binding it), or null when it is not ours.
 */
async function runRequest(
  env: HandlerEnv,
  repo: { owner: string; repo: string },
  runId: number,
): Promise<{ parts: RequestIdParts; htmlUrl: string } | null> {
  const fullName = `${repo.owner}/${repo.repo}`;
  const bound = env.deps.dispatches.byRun(fullName, runId);
  const boundParts = bound ? parseRequestId(bound.requestId) : null;
  if (boundParts && bound?.runUrl) return { parts: boundParts, htmlUrl: bound.runUrl };
  const run = await getWorkflowRun(env.octokit, repo, runId);
  const origin = {
    id: runId,
    repo: fullName,
    headRepo: run.headRepo,
    path: run.path,
    event: run.event,
    title: run.title,
    htmlUrl: run.htmlUrl,
  };
  const parts = claimedRequest(origin);
  if (parts && env.deps.dispatches.match(origin, formatRequestId(parts)).kind === "ours")
    return { parts, htmlUrl: run.htmlUrl };
  env.deps.dispatches.markForeign(fullName, runId);
  return null;
}

/** Progress update for one job event (background). Runs that are not ours are ignored. */
export async function handleWorkflowJob(
  env: HandlerEnv,
  repo: { owner: string; repo: string },
  runId: number,
): Promise<void> {
  const ours = await runRequest(env, repo, runId);
  if (!ours) return;
  const { parts, htmlUrl } = ours;
  const prRepo = { owner: parts.owner, repo: parts.repo };
  const check = await findCheckRunForRequest(env.octokit, prRepo, parts.headSha, formatRequestId(parts));
  if (!check) {
    env.log.warn({ runId, requestId: formatRequestId(parts) }, "no sglbench check run for this benchmark run");
    return;
  }
  // Late job events must not reopen a finished (or cancelled) check.
  if (check.status === "completed") return;
  const jobs = await listRunJobs(env.octokit, repo, runId);
  await updateCheckRun(env.octokit, prRepo, check.id, {
    status: "in_progress",
    output: withMarker(check.summary, progressOutput(jobs, htmlUrl)),
    detailsUrl: htmlUrl,
  });
}
