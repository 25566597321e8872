/**
 * The one `sglbench` check run per request. Its `external_id` is the request id, so a redelivered
 * webhook (or a restarted App) finds the run it already created instead of dispatching again.
 */
import { CHECK_OUTPUT_LIMIT, truncateMarkdown } from "../core/request/index.js";
import { apiError, type GitHubClient, type RepoRef } from "./octokit.js";

/** Name of the App's check run. */
export const CHECK_NAME = "sglbench";

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion =
  "success" | "failure" | "neutral" | "cancelled" | "timed_out" | "action_required" | "skipped";

/** A check run as the App needs it. */
export interface CheckRunInfo {
  id: number;
  headSha: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  /** The current `output.summary` (carries the hidden request marker). */
  summary: string | null;
  /** The App that created it (only the sglbench App's own check runs are trusted). */
  appId: number | null;
}

/** What to show on a check run. */
export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

function boundedOutput(output: CheckRunOutput): CheckRunOutput {
  return {
    title: output.title.slice(0, 255),
    summary: truncateMarkdown(output.summary, CHECK_OUTPUT_LIMIT),
    ...(output.text !== undefined ? { text: truncateMarkdown(output.text, CHECK_OUTPUT_LIMIT) } : {}),
  };
}

/** All `sglbench` check runs on a commit (every page). */
export async function listCheckRuns(octokit: GitHubClient, ref: RepoRef, sha: string): Promise<CheckRunInfo[]> {
  try {
    const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
      owner: ref.owner,
      repo: ref.repo,
      ref: sha,
      check_name: CHECK_NAME,
      filter: "all",
      per_page: 100,
    });
    // GitHub always answers a list; anything else (a proxy or stand-in) means "no check runs".
    if (!Array.isArray(runs)) return [];
    return runs.map((r) => ({
      id: r.id,
      headSha: r.head_sha,
      status: r.status,
      conclusion: r.conclusion ?? null,
      externalId: r.external_id ?? null,
      detailsUrl: r.details_url ?? null,
      summary: r.output?.summary ?? null,
      appId: r.app?.id ?? null,
    }));
  } catch (error: unknown) {
    throw apiError(`listing check runs of ${ref.owner}/${ref.repo}@${sha.slice(0, 12)}`, error);
  }
}

/** The check run already created for a request, if any. */
export async function findCheckRunForRequest(
  octokit: GitHubClient,
  ref: RepoRef,
  sha: string,
  requestId: string,
): Promise<CheckRunInfo | null> {
  return (await listCheckRuns(octokit, ref, sha)).find((r) => r.externalId === requestId) ?? null;
}

/** Create a check run on `sha` tied to `requestId`. */
export async function createCheckRun(
  octokit: GitHubClient,
  ref: RepoRef,
  params: {
    sha: string;
    requestId: string;
    status: CheckStatus;
    output: CheckRunOutput;
    conclusion?: CheckConclusion;
    detailsUrl?: string;
  },
): Promise<number> {
  try {
    const { data } = await octokit.rest.checks.create({
      owner: ref.owner,
      repo: ref.repo,
      name: CHECK_NAME,
      head_sha: params.sha,
      external_id: params.requestId,
      status: params.status,
      output: boundedOutput(params.output),
      ...(params.conclusion ? { conclusion: params.conclusion, completed_at: new Date().toISOString() } : {}),
      ...(params.detailsUrl ? { details_url: params.detailsUrl } : {}),
    });
    return data.id;
  } catch (error: unknown) {
    throw apiError(`creating the ${CHECK_NAME} check run on ${params.sha.slice(0, 12)}`, error);
  }
}

/** Update a check run (status/conclusion/output/details link). */
export async function updateCheckRun(
  octokit: GitHubClient,
  ref: RepoRef,
  checkRunId: number,
  params: { status?: CheckStatus; conclusion?: CheckConclusion; output?: CheckRunOutput; detailsUrl?: string },
): Promise<void> {
  try {
    await octokit.rest.checks.update({
      owner: ref.owner,
      repo: ref.repo,
      check_run_id: checkRunId,
      ...(params.status ? { status: params.status } : {}),
      ...(params.conclusion ? { conclusion: params.conclusion, completed_at: new Date().toISOString() } : {}),
      ...(params.output ? { output: boundedOutput(params.output) } : {}),
      ...(params.detailsUrl ? { details_url: params.detailsUrl } : {}),
    });
  } catch (error: unknown) {
    throw apiError(`updating check run ${checkRunId}`, error);
  }
}
