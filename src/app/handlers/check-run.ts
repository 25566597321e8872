/**
 * `check_run.rerequested`: the "Re-run" button on the `sglbench` check run repeats its request on
 * the PR's head commit, with the same permission and fork rules as `/benchmark`.
 */
import type { Context } from "probot";
import { parseRequestId, type RequestIdParts, parseRequestMarker } from "../../core/request/index.js";
import { CHECK_NAME } from "../../github/check-runs.js";
import { replyOnPull } from "../../github/reactions.js";
import { pullKey, type AppDeps, type HandlerEnv } from "../deps.js";
import { refusalMessage } from "../messages.js";
import { configDefaults, mayTrigger, readRequestContext, requestRun } from "../run-request.js";

/** What the background task needs from the event. */
export interface RerunEvent {
  parts: RequestIdParts;
  checkRunId: number;
  summary: string | null;
  login: string;
}

/** Route: only our own `sglbench` check runs with a request id. */
export function onCheckRunRerequested(deps: AppDeps) {
  return async (context: Context<"check_run.rerequested">): Promise<void> => {
    const { check_run: check, sender } = context.payload;
    if (check.name !== CHECK_NAME) return;
    if (deps.appId !== undefined && check.app?.id !== deps.appId) return;
    const parts = parseRequestId(check.external_id ?? "");
    if (!parts) return;
    const env: HandlerEnv = { octokit: context.octokit, log: context.log, deps };
    const event: RerunEvent = {
      parts,
      checkRunId: check.id,
      summary: check.output?.summary ?? null,
      login: sender.login,
    };
    void deps.queue.enqueue(pullKey(parts), () => handleRerun(env, event));
  };
}

/** Repeat the check run's request on the head commit (background). */
export async function handleRerun(env: HandlerEnv, ev: RerunEvent): Promise<void> {
  const { octokit, log } = env;
  const repo = { owner: ev.parts.owner, repo: ev.parts.repo };
  const ref = { ...repo, pr: ev.parts.pr };
  const { loaded, permission, pull } = await readRequestContext(octokit, ref, ev.login);
  if (!loaded.ok) {
    log.warn({ errors: loaded.errors }, "re-run refused: invalid .github/sglbench.yml");
    await replyOnPull(
      octokit,
      ref,
      `@${ev.login}, \`.github/sglbench.yml\` is invalid, so nothing was re-run:\n\n${loaded.errors.map((e) => `- ${e}`).join("\n")}`,
    );
    return;
  }
  const config = loaded.config;
  if (!mayTrigger(config, ev.login, permission)) {
    await replyOnPull(octokit, ref, refusalMessage(ev.login, config.triggers.min_permission));
    return;
  }
  if (pull.state !== "open") return;
  if (pull.headSha !== ev.parts.headSha) {
    await replyOnPull(
      octokit,
      ref,
      `@${ev.login}, that check run is for ${ev.parts.headSha.slice(0, 7)}, but the head is now ${pull.headSha.slice(0, 7)}: comment \`/benchmark\` to benchmark the head.`,
    );
    return;
  }
  const request = parseRequestMarker(ev.summary);
  if (!request)
    log.warn({ checkRunId: ev.checkRunId }, "re-run: the check run carries no request; using the configured defaults");
  await requestRun(env, {
    config,
    pull,
    request: request ?? configDefaults(config),
    by: ev.login,
    trigger: `r${ev.checkRunId}`,
  });
}
