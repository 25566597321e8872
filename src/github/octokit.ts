/**
 * The Octokit type the App's adapters take: Probot's (`.rest.*` + pagination + retry/throttle).
 */
import type { ProbotOctokit } from "probot";
import { errorMessage } from "../core/util/index.js";

/** An authenticated installation client (`context.octokit`). */
export type GitHubClient = ProbotOctokit;

/** A repository. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** A pull request in a repository. */
export interface PullRef extends RepoRef {
  pr: number;
}

/** Wrap an API failure with what we were doing, keeping the cause (status, response). */
export function apiError(action: string, cause: unknown): Error {
  const status = (cause as { status?: unknown } | null)?.status;
  const why = errorMessage(cause);
  return new Error(`GitHub API: ${action} failed${typeof status === "number" ? ` (HTTP ${status})` : ""}: ${why}`, {
    cause,
  });
}
