/**
 * Start one benchmark request: check run, dispatch, 🚀, sticky comment — once per request id.
 * Shared by `/benchmark`, `/benchmark approve` and automatic runs.
 */
import {
  type AppConfig,
  formatRequestId,
  type BenchmarkRequest,
  parseRequestMarker,
  requestMarker,
  type StickyState,
} from "../core/request/index.js";
import { createCheckRun, findCheckRunForRequest, listCheckRuns, updateCheckRun } from "../github/check-runs.js";
import { loadAppConfig, type LoadedConfig } from "../github/app-config-loader.js";
import { getPermission, permissionAtLeast, type PermissionLevel } from "../github/permissions.js";
import { getMergeBase, getPull, isForkPull, type PullInfo } from "../github/pulls.js";
import { reactToComment } from "../github/reactions.js";
import { findStickyComment, upsertStickyComment, type StickyComment } from "../github/sticky-comment.js";
import { cancelWorkflowRun, dispatchBenchmark, findActiveRunsForRequest, runIdFromUrl } from "../github/workflows.js";
import { errorMessage } from "../core/util/index.js";
import { pullKey, workflowRepo, type HandlerEnv } from "./deps.js";
import { workflowPath } from "./dispatches.js";
import { awaitingApprovalMessage, describeRequest, invalidConfigMessage, queuedMessage } from "./messages.js";

/** What happened to a start request. */
export type StartOutcome = "dispatched" | "duplicate" | "dispatch-failed";

/** A request to start. */
export interface StartParams {
  config: AppConfig;
  pull: PullInfo;
  request: BenchmarkRequest;
  /** Login of who asked (commenter, or the sender of the pull_request event). */
  by: string;
  /** `c<comment id>` or `auto`: with the head SHA it makes the request id. */
  trigger: string;
  /** The command comment to react 🚀 to. */
  commentId?: number;
  sticky: StickyComment | null;
  /** State to keep in the sticky comment (e.g. a fresh approval). */
  state: StickyState;
  /** Lines shown above the queued message (e.g. "the previous run was cancelled"). */
  notes?: string[];
}

/** Start a request unless a check run with its id already exists (redelivery, restart). */
export async function startRun(env: HandlerEnv, p: StartParams): Promise<StartOutcome> {
  const { octokit, log } = env;
  const repo = { owner: p.pull.owner, repo: p.pull.repo };
  const requestId = formatRequestId({ ...repo, pr: p.pull.pr, headSha: p.pull.headSha, trigger: p.trigger });
  if (await findCheckRunForRequest(octokit, repo, p.pull.headSha, requestId)) {
    log.info({ requestId }, "request already handled (redelivery or restart): not dispatching again");
    return "duplicate";
  }

  const checkRunId = await createCheckRun(octokit, repo, {
    sha: p.pull.headSha,
    requestId,
    status: "queued",
    output: {
      title: "Queued",
      summary: `${requestMarker(p.request)}\nRequested by @${p.by}: ${describeRequest(p.request)}.`,
    },
  });

  const workflow = { file: p.config.workflow.file, ref: p.config.workflow.ref };
  const wfRepo = workflowRepo(p.config, repo);
  env.deps.dispatches.record({
    requestId,
    workflowRepo: `${wfRepo.owner}/${wfRepo.repo}`,
    workflowPath: workflowPath(workflow.file),
    at: env.deps.now().getTime(),
  });
  try {
    let baseSha = p.pull.baseSha;
    try {
      baseSha = await getMergeBase(octokit, p.pull);
    } catch (error: unknown) {
      // The base branch tip is a usable (if less exact) baseline; say so in the log.
      log.warn({ err: error, pr: pullKey(p.pull) }, "merge base unavailable; using the base branch tip");
    }
    await dispatchBenchmark(octokit, wfRepo, workflow, {
      pr: String(p.pull.pr),
      head_sha: p.pull.headSha,
      base_sha: baseSha,
      models: p.request.models.join(","),
      types: p.request.types.join(","),
      modes: p.request.modes.join(","),
      repeats: String(p.request.repeats),
      baseline: p.request.baseline,
      request_id: requestId,
    });
  } catch (error: unknown) {
    env.deps.dispatches.forget(requestId);
    const why = errorMessage(error);
    log.error({ err: error, requestId }, "dispatch failed");
    await updateCheckRun(octokit, repo, checkRunId, {
      status: "completed",
      conclusion: "failure",
      output: {
        title: "Could not start the benchmark workflow",
        summary: `Dispatching \`${workflow.file}\` failed: ${why}`,
      },
    });
    if (p.commentId) await reactToComment(octokit, repo, p.commentId, "confused");
    await upsertStickyComment(
      octokit,
      p.pull,
      `### ❌ sglbench: could not start the benchmark\n\nDispatching \`${workflow.file}\` failed: ${why}`,
      p.state,
      { appId: env.deps.appId, existing: p.sticky },
    );
    return "dispatch-failed";
  }

  if (p.commentId) await reactToComment(octokit, repo, p.commentId, "rocket");
  const { pending, ...rest } = p.state;
  const state: StickyState = {
    ...rest,
    // A pending request for this commit is now running.
    ...(pending && pending.sha !== p.pull.headSha ? { pending } : {}),
    last: { requestId, sha: p.pull.headSha, at: env.deps.now().toISOString(), by: p.by },
  };
  await upsertStickyComment(
    octokit,
    p.pull,
    queuedMessage({
      request: p.request,
      by: p.by,
      trigger: p.trigger,
      headSha: p.pull.headSha,
      workflow: workflow.file,
      ...(p.notes ? { notes: p.notes } : {}),
    }),
    state,
    { appId: env.deps.appId, existing: p.sticky },
  );
  log.info({ requestId }, "benchmark dispatched");
  return "dispatched";
}

/**
 * Cancel every unfinished `sglbench` check run on `sha` and its workflow run(s).
 * Returns how many check runs were cancelled.
 */
export async function cancelActiveRuns(
  env: HandlerEnv,
  config: AppConfig,
  repo: { owner: string; repo: string },
  sha: string,
  reason: string,
): Promise<number> {
  const active = (await listCheckRuns(env.octokit, repo, sha)).filter(
    (r) => r.status !== "completed" && (env.deps.appId === undefined || r.appId === env.deps.appId),
  );
  const wfRepo = workflowRepo(config, repo);
  for (const check of active) {
    const knownRun = runIdFromUrl(check.detailsUrl);
    const runIds = knownRun
      ? [knownRun]
      : check.externalId
        ? (await findActiveRunsForRequest(env.octokit, wfRepo, config.workflow.file, check.externalId)).map((r) => r.id)
        : [];
    for (const runId of runIds) await cancelWorkflowRun(env.octokit, wfRepo, runId);
    await updateCheckRun(env.octokit, repo, check.id, {
      status: "completed",
      conclusion: "cancelled",
      output: { title: "Cancelled", summary: keepRequestMarker(check.summary, `Cancelled: ${reason}.`) },
    });
    env.log.info({ checkRunId: check.id, runIds, reason }, "cancelled a benchmark run");
  }
  return active.length;
}

/**
 * `summary` with the hidden request marker of the check run's previous summary in front (kept
 * first so truncation never drops it), so "Re-run" can repeat the same request later.
 */
export function keepRequestMarker(previousSummary: string | null, summary: string): string {
  const request = parseRequestMarker(previousSummary);
  return request ? `${requestMarker(request)}\n${summary}` : summary;
}

/**
 * Run a request now, or — on a fork PR whose head SHA no writer approved — record it as pending
 * (started later by `/benchmark approve`). Shared by commands and "Re-run".
 */
export async function requestRun(
  env: HandlerEnv,
  p: { config: AppConfig; pull: PullInfo; request: BenchmarkRequest; by: string; trigger: string; commentId?: number },
): Promise<StartOutcome | "awaiting-approval"> {
  const sticky = await findStickyComment(env.octokit, p.pull, env.deps.appId);
  const state = sticky?.state ?? {};
  if (isForkPull(p.pull) && state.approval?.sha !== p.pull.headSha) {
    // A fork's code never reaches the self-hosted runners without a writer's approval of this commit.
    if (state.pending?.sha === p.pull.headSha && state.pending.trigger === p.trigger) return "awaiting-approval"; // redelivery
    const pending = {
      sha: p.pull.headSha,
      request: p.request,
      by: p.by,
      trigger: p.trigger,
      at: env.deps.now().toISOString(),
    };
    await upsertStickyComment(
      env.octokit,
      p.pull,
      awaitingApprovalMessage({ headSha: p.pull.headSha, ...pending }),
      { ...state, pending },
      { appId: env.deps.appId, existing: sticky },
    );
    env.log.info({ pr: pullKey(p.pull) }, "fork PR: waiting for /benchmark approve");
    return "awaiting-approval";
  }
  return startRun(env, { ...p, sticky, state });
}

/** Defaults of `/benchmark` keys (and of automatic runs) from the config. */
export function configDefaults(config: AppConfig): BenchmarkRequest {
  return { ...config.defaults };
}

/** What a person's request needs first: the config, their permission and the PR (read in parallel). */
export async function readRequestContext(
  octokit: HandlerEnv["octokit"],
  ref: { owner: string; repo: string; pr: number },
  login: string,
): Promise<{ loaded: LoadedConfig; permission: PermissionLevel; pull: PullInfo }> {
  const repo = { owner: ref.owner, repo: ref.repo };
  const [loaded, permission, pull] = await Promise.all([
    loadAppConfig(octokit, repo),
    getPermission(octokit, repo, login),
    getPull(octokit, ref),
  ]);
  return { loaded, permission, pull };
}

/** Whether `login` may start benchmarks: on the config's allow-list or with enough permission. */
export function mayTrigger(config: AppConfig, login: string, permission: PermissionLevel): boolean {
  return (
    config.triggers.allowed_users.some((u) => u.toLowerCase() === login.toLowerCase()) ||
    permissionAtLeast(permission, config.triggers.min_permission)
  );
}

/** Reports an invalid config as a failed check run on the head, once per request id; true if created now. */
export async function reportInvalidConfig(
  octokit: HandlerEnv["octokit"],
  pull: PullInfo,
  trigger: string,
  errors: string[],
): Promise<boolean> {
  const repo = { owner: pull.owner, repo: pull.repo };
  const requestId = formatRequestId({
    owner: pull.owner,
    repo: pull.repo,
    pr: pull.pr,
    headSha: pull.headSha,
    trigger,
  });
  if (await findCheckRunForRequest(octokit, repo, pull.headSha, requestId)) return false;
  await createCheckRun(octokit, repo, {
    sha: pull.headSha,
    requestId,
    status: "completed",
    conclusion: "failure",
    output: invalidConfigMessage(errors),
  });
  return true;
}
