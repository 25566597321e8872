/** Pull request facts the App needs: head/base commits, fork or not, labels, changed files. */
import { apiError, type GitHubClient, type PullRef } from "./octokit.js";

/** A pull request as the App sees it. */
export interface PullInfo extends PullRef {
  headSha: string;
  baseSha: string;
  /** `owner/name` of the head repository; `null` when the fork was deleted. */
  headRepo: string | null;
  baseRepo: string;
  labels: string[];
  htmlUrl: string;
  state: string;
}

/** Minimal shape shared by the REST pull object and the `pull_request` webhook payload. */
export interface PullLike {
  number: number;
  html_url: string;
  state: string;
  labels?: Array<{ name?: string } | string> | null;
  head: { sha: string; repo?: { full_name: string } | null };
  base: { sha: string; repo: { full_name: string; name: string; owner: { login: string } } };
}

/** Normalise a pull object (REST or webhook). */
export function toPullInfo(pull: PullLike): PullInfo {
  const [owner = "", repo = ""] = pull.base.repo.full_name.split("/");
  return {
    owner,
    repo,
    pr: pull.number,
    headSha: pull.head.sha,
    baseSha: pull.base.sha,
    headRepo: pull.head.repo?.full_name ?? null,
    baseRepo: pull.base.repo.full_name,
    labels: (pull.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    htmlUrl: pull.html_url,
    state: pull.state,
  };
}

/** Whether the PR comes from another repository (a fork, or a deleted one). */
export function isForkPull(pull: PullInfo): boolean {
  return pull.headRepo === null || pull.headRepo.toLowerCase() !== pull.baseRepo.toLowerCase();
}

/** Fetch a pull request. */
export async function getPull(octokit: GitHubClient, ref: PullRef): Promise<PullInfo> {
  try {
    const { data } = await octokit.rest.pulls.get({ owner: ref.owner, repo: ref.repo, pull_number: ref.pr });
    return toPullInfo(data as PullLike);
  } catch (error: unknown) {
    throw apiError(`reading ${ref.owner}/${ref.repo}#${ref.pr}`, error);
  }
}

/** The merge base of head and base (the baseline side the workflow builds). */
export async function getMergeBase(octokit: GitHubClient, pull: PullInfo): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: pull.owner,
      repo: pull.repo,
      basehead: `${pull.baseSha}...${pull.headSha}`,
      per_page: 1,
    });
    return data.merge_base_commit.sha;
  } catch (error: unknown) {
    throw apiError(`finding the merge base of ${pull.owner}/${pull.repo}#${pull.pr}`, error);
  }
}

/** Every file the PR changes (paged; GitHub caps the list at 3000 files). */
export async function listChangedFiles(octokit: GitHubClient, ref: PullRef): Promise<string[]> {
  try {
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.pr,
      per_page: 100,
    });
    return files.map((f) => f.filename);
  } catch (error: unknown) {
    throw apiError(`listing files of ${ref.owner}/${ref.repo}#${ref.pr}`, error);
  }
}
