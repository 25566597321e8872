/**
 * The one sticky PR comment: found by its hidden marker AND our own author, paging through every
 * comment; created once, then edited in place (skipped when unchanged).
 */
import { isStickyBody, parseStickyState, renderSticky, type StickyState } from "../core/request/index.js";
import { apiError, type GitHubClient, type PullRef } from "./octokit.js";

/** Who wrote a comment, as the REST API reports it. */
interface CommentAuthor {
  user?: { type?: string | null; login?: string | null } | null;
  performed_via_github_app?: { id?: number | null } | null;
}

/** The sticky comment as found on the PR. */
export interface StickyComment {
  id: number;
  body: string;
  state: StickyState;
}

/**
 * Whether a comment was written by this App: a Bot account, and (when the App id is known) made
 * through this App. A user pasting our marker into their own comment is never trusted.
 */
export function isOwnComment(comment: CommentAuthor, appId: number | undefined): boolean {
  if (comment.user?.type !== "Bot") return false;
  return appId === undefined || comment.performed_via_github_app?.id === appId;
}

/** Find the sticky comment on a PR, or `null` (pages through all comments). */
export async function findStickyComment(
  octokit: GitHubClient,
  ref: PullRef,
  appId: number | undefined,
): Promise<StickyComment | null> {
  try {
    for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.pr,
      per_page: 100,
    })) {
      // GitHub always answers a list; anything else (a proxy or stand-in) holds no sticky comment.
      if (!Array.isArray(page.data)) return null;
      const found = page.data.find((c) => isStickyBody(c.body) && isOwnComment(c, appId));
      if (found) return { id: found.id, body: found.body ?? "", state: parseStickyState(found.body) };
    }
    return null;
  } catch (error: unknown) {
    throw apiError(`listing comments of ${ref.owner}/${ref.repo}#${ref.pr}`, error);
  }
}

/**
 * Create or update the sticky comment with `visible` markdown and `state`. Pass `existing` when
 * the caller already looked it up (saves a listing). Returns the comment as written.
 */
export async function upsertStickyComment(
  octokit: GitHubClient,
  ref: PullRef,
  visible: string,
  state: StickyState,
  options: { appId: number | undefined; existing?: StickyComment | null },
): Promise<StickyComment> {
  const existing =
    options.existing === undefined ? await findStickyComment(octokit, ref, options.appId) : options.existing;
  const body = renderSticky(visible, state);
  try {
    if (!existing) {
      const { data } = await octokit.rest.issues.createComment({
        owner: ref.owner,
        repo: ref.repo,
        issue_number: ref.pr,
        body,
      });
      return { id: data.id, body, state };
    }
    if (existing.body !== body) {
      await octokit.rest.issues.updateComment({ owner: ref.owner, repo: ref.repo, comment_id: existing.id, body });
    }
    return { id: existing.id, body, state };
  } catch (error: unknown) {
    throw apiError(`writing the sticky comment on ${ref.owner}/${ref.repo}#${ref.pr}`, error);
  }
}
