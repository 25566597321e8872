/**
 * `issue_comment.created` on a PR: the `/benchmark` command.
 * Bots, issues and ordinary comments are ignored before any API call; edits are never handled
 * (only `created` is routed), so editing a command never dispatches twice.
 */
import type { Context } from "probot";
import {
  DEFAULT_APP_CONFIG,
  type AppConfig,
  type StickyState,
  grammarHelp,
  invalidReply,
  parseCommand,
  type BenchmarkRequest,
} from "../../core/request/index.js";
import { loadAppConfig } from "../../github/app-config-loader.js";
import { getPermission } from "../../github/permissions.js";
import { isForkPull, type PullInfo } from "../../github/pulls.js";
import { reactToComment, replyOnPull } from "../../github/reactions.js";
import { findStickyComment, upsertStickyComment } from "../../github/sticky-comment.js";
import { OUTSIDERS_LANE, pullKey, TRUSTED_ASSOCIATIONS, type AppDeps, type HandlerEnv } from "../deps.js";
import { approvedMessage, cancelledMessage, refusalMessage } from "../messages.js";
import {
  cancelActiveRuns,
  configDefaults,
  mayTrigger,
  readRequestContext,
  reportInvalidConfig,
  requestRun,
  startRun,
} from "../run-request.js";

/** The command as read from the webhook (all that the background task needs). */
interface CommandEvent {
  owner: string;
  repo: string;
  pr: number;
  commentId: number;
  body: string;
  login: string;
  /** When the comment was written (an approval covers only what its author could have seen). */
  createdAt?: string;
}

/** Longest command line read: the grammar fits in far less, and replies quote from it. */
const MAX_COMMAND_LINE = 1_000;

/**
 * The command line of a comment: its first line, bounded; null when that line is indented as a
 * markdown code block (4+ spaces or a tab), which shows a command rather than giving one.
 */
export function commandLine(body: string | null | undefined): string | null {
  const first = (body ?? "").slice(0, MAX_COMMAND_LINE + 1).split(/\r?\n/, 1)[0] ?? "";
  if (/^( {4,}|\t)/.test(first)) return null;
  return first.slice(0, MAX_COMMAND_LINE);
}

/**
 * Route: filter cheaply, then queue the work so the webhook is answered at once. Members'
 * commands go to their PR's queue; everyone else's to one shared lane (triaged there), so a
 * flood of outsiders' commands never delays a maintainer's.
 */
export function onIssueCommentCreated(deps: AppDeps) {
  return async (context: Context<"issue_comment.created">): Promise<void> => {
    const { comment, issue, repository } = context.payload;
    if (!issue.pull_request) return;
    if (comment.user?.type === "Bot" || context.payload.sender.type === "Bot") return;
    const line = commandLine(comment.body);
    if (line === null || parseCommand(line).kind === "not-a-command") return;
    const event: CommandEvent = {
      owner: repository.owner.login,
      repo: repository.name,
      pr: issue.number,
      commentId: comment.id,
      body: line,
      login: comment.user?.login ?? context.payload.sender.login,
      createdAt: comment.created_at,
    };
    // Refused within the hour: stay silent, at no API cost.
    if (deps.refusals.recentlyRefused(event.login, pullKey(event), deps.now().getTime())) return;
    const env: HandlerEnv = { octokit: context.octokit, log: context.log, deps };
    if (TRUSTED_ASSOCIATIONS.has(comment.author_association))
      void deps.queue.enqueue(pullKey(event), () => handleCommand(env, event));
    else void deps.queue.enqueue(OUTSIDERS_LANE, () => triageOutsider(env, event));
  };
}

/** A reply quotes at most five problems, each cut short: a huge comment must not get a huge answer. */
function fewProblems(problems: string[]): string[] {
  const shown = problems.slice(0, 5).map((p) => (p.length > 200 ? `${p.slice(0, 200)}…` : p));
  return problems.length > 5 ? [...shown, `…and ${problems.length - 5} more`] : shown;
}

/** Refuse (once per hour per PR) or pass the command on to its PR's queue. */
async function triageOutsider(env: HandlerEnv, ev: CommandEvent): Promise<void> {
  const repo = { owner: ev.owner, repo: ev.repo };
  const [loaded, permission] = await Promise.all([
    loadAppConfig(env.octokit, repo),
    getPermission(env.octokit, repo, ev.login),
  ]);
  // An invalid config does not widen who may run: its defaults decide.
  const config = loaded.ok ? loaded.config : DEFAULT_APP_CONFIG;
  if (!mayTrigger(config, ev.login, permission)) {
    await refuse(env, ev, permission, config.triggers.min_permission);
    return;
  }
  void env.deps.queue.enqueue(pullKey(ev), () => handleCommand(env, ev));
}

/** The polite refusal, remembered so a repeat within the hour gets none. */
async function refuse(env: HandlerEnv, ev: CommandEvent, permission: string, minPermission: string): Promise<void> {
  const now = env.deps.now().getTime();
  if (env.deps.refusals.recentlyRefused(ev.login, pullKey(ev), now)) return;
  env.deps.refusals.refused(ev.login, pullKey(ev), now);
  env.log.info({ login: ev.login, permission }, "refused /benchmark: permission too low");
  await replyOnPull(
    env.octokit,
    { owner: ev.owner, repo: ev.repo, pr: ev.pr },
    refusalMessage(ev.login, minPermission),
  );
}

/** The whole command flow (runs in the background queue). */
export async function handleCommand(env: HandlerEnv, ev: CommandEvent): Promise<void> {
  const { octokit, log } = env;
  const repo = { owner: ev.owner, repo: ev.repo };
  const ref = { ...repo, pr: ev.pr };
  // Independent reads in parallel: the 👀 acknowledgement waits on all three.
  const { loaded, permission, pull } = await readRequestContext(octokit, ref, ev.login);

  // Who may act is decided first: a reader never learns about (or files checks for) a bad config.
  const gate = loaded.ok ? loaded.config : DEFAULT_APP_CONFIG;
  if (!mayTrigger(gate, ev.login, permission)) {
    await refuse(env, ev, permission, gate.triggers.min_permission);
    return;
  }
  if (!loaded.ok) {
    log.warn({ errors: loaded.errors }, "invalid .github/sglbench.yml");
    if (await reportInvalidConfig(octokit, pull, `c${ev.commentId}`, loaded.errors))
      await reactToComment(octokit, repo, ev.commentId, "confused");
    return;
  }
  const config = loaded.config;
  await reactToComment(octokit, repo, ev.commentId, "eyes");

  const defaults = configDefaults(config);
  const command = parseCommand(ev.body, defaults);
  switch (command.kind) {
    case "not-a-command":
      return;
    case "help":
      await replyOnPull(octokit, ref, grammarHelp(defaults));
      return;
    case "invalid":
      await reactToComment(octokit, repo, ev.commentId, "confused");
      await replyOnPull(octokit, ref, invalidReply(fewProblems(command.problems), defaults));
      return;
    case "cancel":
      await cancelCommand(env, config, pull, ev);
      return;
    case "approve":
      await approveCommand(env, config, pull, ev, command.sha);
      return;
    case "run":
      if (pull.state !== "open") {
        await replyOnPull(octokit, ref, `@${ev.login}, this pull request is ${pull.state}; nothing was started.`);
        return;
      }
      await runCommand(env, config, pull, ev, command.request);
      return;
  }
}

async function runCommand(
  env: HandlerEnv,
  config: AppConfig,
  pull: PullInfo,
  ev: CommandEvent,
  request: BenchmarkRequest,
): Promise<void> {
  await requestRun(env, { config, pull, request, by: ev.login, trigger: `c${ev.commentId}`, commentId: ev.commentId });
}

/**
 * Why an approval is refused, or null. An approval binds one commit: the one named, or for a plain
 * `approve` the head the App's "waiting for approval" prompt showed — and only if that prompt was
 * there when the comment was written and the head has not moved since.
 */
export function approvalRefusal(
  named: string | undefined,
  headSha: string,
  pending: StickyState["pending"],
  ev: { login: string; createdAt?: string },
): string | null {
  const head = headSha.slice(0, 7);
  if (named) {
    return headSha.startsWith(named.toLowerCase())
      ? null
      : `@${ev.login}, the head of this pull request is now ${head}, not ${named.slice(0, 7)}: nothing was approved. Review the new commits, then approve again.`;
  }
  if (!pending)
    return `@${ev.login}, nothing is waiting for approval. To let commit ${head} run, comment \`/benchmark approve ${head}\` after reviewing it.`;
  if (pending.sha !== headSha)
    return `@${ev.login}, the head moved from ${pending.sha.slice(0, 7)} to ${head} since the approval prompt: nothing was approved. Review the new commits, then approve again.`;
  if (pending.at && ev.createdAt && Date.parse(pending.at) > Date.parse(ev.createdAt))
    return `@${ev.login}, your comment was written before ${head} was pushed: nothing was approved. Review ${head}, then comment \`/benchmark approve ${head}\`.`;
  return null;
}

async function approveCommand(
  env: HandlerEnv,
  config: AppConfig,
  pull: PullInfo,
  ev: CommandEvent,
  named: string | undefined,
): Promise<void> {
  if (!isForkPull(pull)) {
    await replyOnPull(
      env.octokit,
      pull,
      `@${ev.login}, \`/benchmark approve\` is only needed for pull requests from forks; this one runs with \`/benchmark\`.`,
    );
    return;
  }
  const sticky = await findStickyComment(env.octokit, pull, env.deps.appId);
  const previous = sticky?.state ?? {};
  if (previous.approval?.sha === pull.headSha && previous.pending?.sha !== pull.headSha) {
    env.log.info({ pr: pullKey(pull) }, "head already approved (redelivery?): nothing to do");
    return;
  }
  const refused = approvalRefusal(named, pull.headSha, previous.pending, ev);
  if (refused) {
    await replyOnPull(env.octokit, pull, refused);
    return;
  }
  const state = { ...previous, approval: { sha: pull.headSha, by: ev.login, at: env.deps.now().toISOString() } };
  const pending = previous.pending;
  if (pending && pending.sha === pull.headSha) {
    await startRun(env, {
      config,
      pull,
      request: pending.request,
      by: pending.by,
      trigger: pending.trigger,
      commentId: ev.commentId,
      sticky,
      state,
      notes: [`Commit ${pull.headSha.slice(0, 7)} approved by @${ev.login}.`],
    });
    return;
  }
  await upsertStickyComment(env.octokit, pull, approvedMessage(pull.headSha, ev.login), state, {
    appId: env.deps.appId,
    existing: sticky,
  });
}

async function cancelCommand(env: HandlerEnv, config: AppConfig, pull: PullInfo, ev: CommandEvent): Promise<void> {
  const count = await cancelActiveRuns(env, config, pull, pull.headSha, `\`/benchmark cancel\` by @${ev.login}`);
  if (count === 0) {
    await replyOnPull(
      env.octokit,
      pull,
      `@${ev.login}, there is no queued or running benchmark on ${pull.headSha.slice(0, 7)} to cancel.`,
    );
    return;
  }
  const sticky = await findStickyComment(env.octokit, pull, env.deps.appId);
  await upsertStickyComment(
    env.octokit,
    pull,
    cancelledMessage({ by: ev.login, count, reason: "`/benchmark cancel`" }),
    sticky?.state ?? {},
    { appId: env.deps.appId, existing: sticky },
  );
}
