/** Reactions and plain replies on a PR comment. */
import { truncateMarkdown, COMMENT_LIMIT } from "../core/request/index.js";
import { apiError, type GitHubClient, type PullRef, type RepoRef } from "./octokit.js";

/** Reactions the App uses: 👀 seen, 🚀 dispatched, 😕 refused or invalid. */
export type Reaction = "eyes" | "rocket" | "confused" | "+1";

/** React to an issue/PR comment. */
export async function reactToComment(
  octokit: GitHubClient,
  ref: RepoRef,
  commentId: number,
  content: Reaction,
): Promise<void> {
  try {
    await octokit.rest.reactions.createForIssueComment({
      owner: ref.owner,
      repo: ref.repo,
      comment_id: commentId,
      content,
    });
  } catch (error: unknown) {
    throw apiError(`reacting ${content} to comment ${commentId}`, error);
  }
}

/** Post a one-off reply on the PR (help, refusals, invalid commands), within the size limit. */
export async function replyOnPull(octokit: GitHubClient, ref: PullRef, body: string): Promise<void> {
  try {
    await octokit.rest.issues.createComment({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.pr,
      body: truncateMarkdown(body, COMMENT_LIMIT),
    });
  } catch (error: unknown) {
    throw apiError(`replying on ${ref.owner}/${ref.repo}#${ref.pr}`, error);
  }
}
