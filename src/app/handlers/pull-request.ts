/**
 * `pull_request` opened/synchronize/reopened/labeled: cancel what a push superseded, void a fork
 * approval of an older commit, and start an automatic run when the config asks for one.
 */
import type { Context } from "probot";
import { DEFAULT_APP_CONFIG, type AppConfig, type StickyState } from "../../core/request/index.js";
import { loadAppConfig } from "../../github/app-config-loader.js";
import { isForkPull, listChangedFiles, toPullInfo, type PullInfo, type PullLike } from "../../github/pulls.js";
import { findStickyComment, upsertStickyComment, type StickyComment } from "../../github/sticky-comment.js";
import { pullKey, TRUSTED_ASSOCIATIONS, type AppDeps, type HandlerEnv } from "../deps.js";
import { awaitingApprovalMessage } from "../messages.js";
import { cancelActiveRuns, configDefaults, reportInvalidConfig, startRun } from "../run-request.js";

type PullRequestAction = "opened" | "synchronize" | "reopened" | "labeled";

/** What the background task needs from the event. */
export interface PullEvent {
  action: PullRequestAction;
  pull: PullInfo;
  /** Previous head on `synchronize`. */
  before?: string;
  /** Label just added on `labeled`. */
  label?: string;
  sender: string;
  /** The PR's author belongs to the repository (OWNER, MEMBER, COLLABORATOR). */
  trusted: boolean;
}

/** Route: copy what is needed and queue the work. */
export function onPullRequest(deps: AppDeps) {
  return async (
    context: Context<
      "pull_request.opened" | "pull_request.synchronize" | "pull_request.reopened" | "pull_request.labeled"
    >,
  ): Promise<void> => {
    const payload = context.payload;
    const event: PullEvent = {
      action: payload.action,
      pull: toPullInfo(payload.pull_request as unknown as PullLike),
      sender: payload.sender.login,
      trusted: TRUSTED_ASSOCIATIONS.has(payload.pull_request.author_association),
      ...("before" in payload && typeof payload.before === "string" ? { before: payload.before } : {}),
      ...("label" in payload && payload.label ? { label: payload.label.name } : {}),
    };
    const env: HandlerEnv = { octokit: context.octokit, log: context.log, deps };
    void deps.queue.enqueue(pullKey(event.pull), () => handlePullRequest(env, event));
  };
}

/** Why an automatic run does not start, or `null` when it should. */
export async function autoRunBlocker(env: HandlerEnv, config: AppConfig, ev: PullEvent): Promise<string | null> {
  const auto = config.auto_run;
  if (!auto.enabled) return "auto_run.enabled is false";
  if (ev.pull.state !== "open") return "the pull request is not open";
  if (ev.action === "labeled" && !(ev.label && auto.labels.includes(ev.label)))
    return "the added label is not an auto_run label";
  if (auto.labels.length > 0 && !ev.pull.labels.some((l) => auto.labels.includes(l))) {
    return `none of the labels ${auto.labels.join(", ")} is set`;
  }
  if (auto.paths.length > 0) {
    const files = await listChangedFiles(env.octokit, ev.pull);
    if (!files.some((f) => auto.paths.some((p) => f.startsWith(p))))
      return `no changed file under ${auto.paths.join(", ")}`;
  }
  return null;
}

/** The whole pull_request flow (background). */
export async function handlePullRequest(env: HandlerEnv, ev: PullEvent): Promise<void> {
  const { octokit, log, deps } = env;
  const pull = ev.pull;
  const repo = { owner: pull.owner, repo: pull.repo };
  const [loaded, sticky] = await Promise.all([
    loadAppConfig(octokit, repo),
    findStickyComment(octokit, pull, deps.appId),
  ]);
  let state: StickyState = sticky?.state ?? {};
  const notes: string[] = [];

  if (ev.action === "synchronize") {
    // A push supersedes the old head's run, whether or not the new head runs.
    const config = loaded.ok ? loaded.config : DEFAULT_APP_CONFIG;
    if (ev.before) {
      const cancelled = await cancelActiveRuns(
        env,
        config,
        repo,
        ev.before,
        `superseded by a push of ${pull.headSha.slice(0, 7)}`,
      );
      if (cancelled > 0) notes.push(`The run on ${ev.before.slice(0, 7)} was cancelled: a newer commit was pushed.`);
    }
    if (state.approval && state.approval.sha !== pull.headSha) {
      const { approval, ...rest } = state;
      state = rest;
      notes.push(
        `The approval of ${approval.sha.slice(0, 7)} by @${approval.by} does not cover the new push; a writer must \`/benchmark approve\` again.`,
      );
    }
  }

  if (!loaded.ok) {
    // Only a member's PR gets the failed check: an outsider's PR must not be a way to publish config errors.
    if (ev.trusted) await reportInvalidConfig(octokit, pull, "config", loaded.errors);
    else log.warn({ pr: pullKey(pull), errors: loaded.errors }, "invalid .github/sglbench.yml");
    await writeNotes(env, pull, sticky, state, notes);
    return;
  }
  const config = loaded.config;
  const blocker = await autoRunBlocker(env, config, ev);
  if (blocker) {
    log.debug({ pr: pullKey(pull), blocker }, "no automatic run");
    await writeNotes(env, pull, sticky, state, notes);
    return;
  }

  const request = configDefaults(config);
  if (isForkPull(pull)) {
    if (config.auto_run.forks === "never") {
      log.info({ pr: pullKey(pull) }, "fork PR: automatic runs disabled (auto_run.forks: never)");
      await writeNotes(env, pull, sticky, state, notes);
      return;
    }
    if (state.approval?.sha !== pull.headSha) {
      const pending = { sha: pull.headSha, request, by: ev.sender, trigger: "auto", at: deps.now().toISOString() };
      const body = [
        ...notes.map((n) => `> ${n}`),
        ...(notes.length ? [""] : []),
        awaitingApprovalMessage({ headSha: pull.headSha, ...pending }),
      ].join("\n");
      await upsertStickyComment(octokit, pull, body, { ...state, pending }, { appId: deps.appId, existing: sticky });
      return;
    }
  }
  const last = state.last;
  if (last && config.cooldown_minutes > 0) {
    const since = deps.now().getTime() - Date.parse(last.at);
    if (since < config.cooldown_minutes * 60_000) {
      log.info({ pr: pullKey(pull), since }, "automatic run skipped: per-PR cooldown");
      notes.push(
        `No automatic run for ${pull.headSha.slice(0, 7)}: the last run started less than ${config.cooldown_minutes} min ago (cooldown_minutes). Comment \`/benchmark\` to run it now.`,
      );
      await writeNotes(env, pull, sticky, state, notes);
      return;
    }
  }
  await startRun(env, { config, pull, request, by: ev.sender, trigger: "auto", sticky, state, notes });
}

/** Tell the PR what changed (cancelled run, voided approval) when nothing else will. */
async function writeNotes(
  env: HandlerEnv,
  pull: PullInfo,
  sticky: StickyComment | null,
  state: StickyState,
  notes: string[],
): Promise<void> {
  if (notes.length === 0) return;
  await upsertStickyComment(env.octokit, pull, ["### sglbench", "", ...notes.map((n) => `- ${n}`)].join("\n"), state, {
    appId: env.deps.appId,
    existing: sticky,
  });
}
