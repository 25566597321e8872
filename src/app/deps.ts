/** What every handler shares: the background queue, the App's id, a clock, a logger. */
import type { Logger } from "probot";
import type { AppConfig } from "../core/app-config.js";
import type { GitHubClient, RepoRef } from "../github/octokit.js";
import type { DispatchRegistry } from "./dispatches.js";
import type { TaskQueue } from "./queue.js";

export interface AppDeps {
  queue: TaskQueue;
  /** This App's id: only Bot comments made through it are trusted as the sticky comment. */
  appId: number | undefined;
  now: () => Date;
  /** The benchmark runs this App dispatched (see dispatches.ts). */
  dispatches: DispatchRegistry;
}

/** A handler's view of the event: the installation client and the event's logger. */
export interface HandlerEnv {
  octokit: GitHubClient;
  log: Logger;
  deps: AppDeps;
}

/** Queue key of a PR: events of one PR are handled in order. */
export function pullKey(ref: { owner: string; repo: string; pr: number }): string {
  return `${ref.owner}/${ref.repo}#${ref.pr}`.toLowerCase();
}

/** The repository holding the benchmark workflow: `workflow.repo` or the PR's own. */
export function workflowRepo(config: AppConfig, pullRepo: RepoRef): RepoRef {
  if (!config.workflow.repo) return { owner: pullRepo.owner, repo: pullRepo.repo };
  const [owner = "", repo = ""] = config.workflow.repo.split("/");
  return { owner, repo };
}
