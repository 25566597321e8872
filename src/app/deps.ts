/** What every handler shares: the background queue, the App's id, a clock, a logger. */
import type { Logger } from "probot";
import type { AppConfig } from "../core/request/index.js";
import type { GitHubClient, RepoRef } from "../github/octokit.js";
import type { DispatchRegistry } from "./dispatches.js";
import type { TaskQueue } from "./queue.js";
import type { RefusalLog } from "./refusals.js";

export interface AppDeps {
  queue: TaskQueue;
  /** This App's id: only Bot comments made through it are trusted as the sticky comment. */
  appId: number | undefined;
  now: () => Date;
  /** The benchmark runs this App dispatched (see dispatches.ts). */
  dispatches: DispatchRegistry;
  /** Who was refused where, so a repeated command gets no second reply within the hour. */
  refusals: RefusalLog;
}

/** A handler's view of the event: the installation client and the event's logger. */
export interface HandlerEnv {
  octokit: GitHubClient;
  log: Logger;
  deps: AppDeps;
}

/** Associations GitHub gives people who belong to the repository (a hint for priority, never for authority). */
export const TRUSTED_ASSOCIATIONS: ReadonlySet<string> = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);

/**
 * Queue key of the commands of people without a trusted association: one lane for all of them,
 * so however many there are, they never delay a maintainer's command (keyed by its PR).
 */
export const OUTSIDERS_LANE = "outsiders";

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
