/**
 * The benchmark workflow: dispatch it, find the run of a request, cancel it.
 * The App never runs benchmark code itself; the self-hosted runners do, through this workflow.
 */
import { requestIdFromRunTitle } from "../core/request/index.js";
import { apiError, type GitHubClient, type RepoRef } from "./octokit.js";

/** The `workflow_dispatch` inputs `benchmark.yml` declares (all strings, as GitHub requires). */
export interface BenchmarkInputs {
  pr: string;
  head_sha: string;
  base_sha: string;
  models: string;
  types: string;
  modes: string;
  repeats: string;
  baseline: string;
  request_id: string;
}

/** Dispatch `file` on `ref` of `repo` with the request's inputs. */
export async function dispatchBenchmark(
  octokit: GitHubClient,
  repo: RepoRef,
  workflow: { file: string; ref: string },
  inputs: BenchmarkInputs,
): Promise<void> {
  try {
    await octokit.rest.actions.createWorkflowDispatch({
      owner: repo.owner,
      repo: repo.repo,
      workflow_id: workflow.file,
      ref: workflow.ref,
      inputs: { ...inputs },
    });
  } catch (error: unknown) {
    throw apiError(`dispatching ${workflow.file}@${workflow.ref} on ${repo.owner}/${repo.repo}`, error);
  }
}

/** A workflow run as the App needs it. */
export interface WorkflowRunInfo {
  id: number;
  status: string | null;
  conclusion: string | null;
  htmlUrl: string;
  title: string;
  /** `.github/workflows/<file>` of the run's workflow. */
  path: string;
  /** What started it (`workflow_dispatch`, `pull_request`, …). */
  event: string;
  /** `owner/name` whose code the run checked out. */
  headRepo: string | undefined;
}

/** Read one workflow run. */
export async function getWorkflowRun(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<WorkflowRunInfo> {
  try {
    const { data } = await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: runId });
    return {
      id: data.id,
      status: data.status ?? null,
      conclusion: data.conclusion ?? null,
      htmlUrl: data.html_url,
      title: data.display_title,
      path: data.path,
      event: data.event,
      headRepo: data.head_repository?.full_name,
    };
  } catch (error: unknown) {
    throw apiError(`reading workflow run ${runId} of ${repo.owner}/${repo.repo}`, error);
  }
}

/**
 * The not-yet-completed runs of `file` whose title carries `requestId` (most recent first page
 * only: a request being cancelled was dispatched recently).
 */
export async function findActiveRunsForRequest(
  octokit: GitHubClient,
  repo: RepoRef,
  file: string,
  requestId: string,
): Promise<WorkflowRunInfo[]> {
  try {
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      ...repo,
      workflow_id: file,
      event: "workflow_dispatch",
      per_page: 50,
    });
    return data.workflow_runs
      .filter((r) => r.status !== "completed")
      .filter((r) => {
        const parts = requestIdFromRunTitle(r.display_title);
        return parts !== null && r.display_title.includes(requestId);
      })
      .map((r) => ({
        id: r.id,
        status: r.status ?? null,
        conclusion: r.conclusion ?? null,
        htmlUrl: r.html_url,
        title: r.display_title,
        path: r.path,
        event: r.event,
        headRepo: r.head_repository?.full_name,
      }));
  } catch (error: unknown) {
    throw apiError(`listing runs of ${file} on ${repo.owner}/${repo.repo}`, error);
  }
}

/** Cancel a workflow run. A run that already finished (HTTP 409) is not an error. */
export async function cancelWorkflowRun(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<boolean> {
  try {
    await octokit.rest.actions.cancelWorkflowRun({ ...repo, run_id: runId });
    return true;
  } catch (error: unknown) {
    if ((error as { status?: number }).status === 409) return false;
    throw apiError(`cancelling workflow run ${runId} of ${repo.owner}/${repo.repo}`, error);
  }
}

/** The workflow run id in a run's html_url (`…/actions/runs/<id>`), used as the check's details link. */
export function runIdFromUrl(url: string | null | undefined): number | null {
  const m = /\/actions\/runs\/(\d+)/.exec(url ?? "");
  return m?.[1] ? Number(m[1]) : null;
}

/** Jobs of a workflow run: name, status, conclusion, log link. */
export interface JobInfo {
  name: string;
  status: string;
  conclusion: string | null;
  htmlUrl: string | null;
}

/** All jobs of a workflow run (latest attempt). */
export async function listRunJobs(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<JobInfo[]> {
  try {
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
      ...repo,
      run_id: runId,
      filter: "latest",
      per_page: 100,
    });
    return jobs.map((j) => ({
      name: j.name,
      status: j.status,
      conclusion: j.conclusion ?? null,
      htmlUrl: j.html_url ?? null,
    }));
  } catch (error: unknown) {
    throw apiError(`listing jobs of run ${runId}`, error);
  }
}
