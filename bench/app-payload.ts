/** A signed-webhook body for the App benchmark: a real issue_comment example adapted to a PR. */
import { createRequire } from "node:module";

interface Example {
  name: string;
  examples: Array<Record<string, unknown> & { action?: string; installation?: unknown }>;
}
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Example[];
const template = examples
  .find((e) => e.name === "issue_comment")
  ?.examples.find((x) => x.action === "created" && x.installation);
if (!template) throw new Error("@octokit/webhooks-examples has no issue_comment.created with an installation");

/** issue_comment.created with `body` by `login` on PR `pr`. */
export function commentPayloadFor(
  body: string,
  pr: number,
  commentId: number,
  login: string,
  association = "OWNER",
): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const p = structuredClone(template) as any;
  p.issue.number = pr;
  p.issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${pr}` };
  p.comment.id = commentId;
  p.comment.body = body;
  p.comment.user.login = login;
  p.comment.author_association = association;
  p.sender.login = login;
  return p as Record<string, unknown>;
}
