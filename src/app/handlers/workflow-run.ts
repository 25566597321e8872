/**
 * `workflow_run.completed`: finish the request's check run from the `sglbench-report` artifact
 * (conclusion by the gate policy) and replace the sticky comment with the report; a run without a
 * report gets the failing job and its log link instead.
 */
import type { Context } from "probot";
import { DEFAULT_APP_CONFIG, formatRequestId, type RequestIdParts } from "../../core/request/index.js";
import { errorMessage } from "../../core/util/index.js";
import { artifactConclusion } from "../report-gate.js";
import {
  createCheckRun,
  findCheckRunForRequest,
  updateCheckRun,
  type CheckConclusion,
} from "../../github/check-runs.js";
import { loadAppConfig } from "../../github/app-config-loader.js";
import { downloadReportArtifact, type ReportArtifact } from "../../github/report-artifact.js";
import { findStickyComment, upsertStickyComment } from "../../github/sticky-comment.js";
import { listRunJobs } from "../../github/workflows.js";
import { pullKey, workflowRepo, type AppDeps, type HandlerEnv } from "../deps.js";
import { claimedRequest, verifyRunAgainstCheck, workflowPath, type RunOrigin } from "../dispatches.js";
import { failedRunMessage, reportMessage, reportTitle } from "../messages.js";
import { keepRequestMarker } from "../run-request.js";

/** The finished run as the background task needs it. */
export interface FinishedRun {
  repo: { owner: string; repo: string };
  id: number;
  conclusion: string | null;
  htmlUrl: string;
  parts: RequestIdParts;
  origin: RunOrigin;
  /** Matched to a dispatch this App recorded; otherwise verified against the App's check run. */
  dispatched: boolean;
}

type RunPayload = Context<"workflow_run">["payload"];

/** Where a run came from, as its webhook says. */
export function runOrigin(payload: RunPayload): RunOrigin {
  const run = payload.workflow_run;
  return {
    id: run.id,
    repo: payload.repository.full_name,
    headRepo: run.head_repository?.full_name,
    path: run.path,
    event: run.event,
    title: "display_title" in run && typeof run.display_title === "string" ? run.display_title : "",
    htmlUrl: run.html_url,
  };
}

/** `requested` / `in_progress`: bind the run to the dispatch it answers (no API call). */
export function onWorkflowRunStarted(deps: AppDeps) {
  return async (context: Context<"workflow_run.requested" | "workflow_run.in_progress">): Promise<void> => {
    const origin = runOrigin(context.payload);
    const parts = claimedRequest(origin);
    if (parts) deps.dispatches.match(origin, formatRequestId(parts));
  };
}

/**
 * Route: only `workflow_dispatch` runs of a workflow file in their own repository whose title
 * carries a request id, and not already shown to be someone else's, are looked at further.
 */
export function onWorkflowRunCompleted(deps: AppDeps) {
  return async (context: Context<"workflow_run.completed">): Promise<void> => {
    const { repository, workflow_run: run } = context.payload;
    const origin = runOrigin(context.payload);
    const parts = claimedRequest(origin);
    if (!parts) return;
    const match = deps.dispatches.match(origin, formatRequestId(parts));
    if (match.kind === "foreign") {
      context.log.warn({ runId: run.id, why: match.why }, "ignored a workflow run the App did not dispatch");
      return;
    }
    const finished: FinishedRun = {
      repo: { owner: repository.owner.login, repo: repository.name },
      id: run.id,
      conclusion: run.conclusion,
      htmlUrl: run.html_url,
      parts,
      origin,
      dispatched: match.kind === "ours",
    };
    const env: HandlerEnv = { octokit: context.octokit, log: context.log, deps };
    // Keyed by the PR (not the run): completion rewrites the sticky comment, so it must not
    // interleave with a command or push on the same PR (a lost state update).
    void deps.queue.enqueue(pullKey({ owner: parts.owner, repo: parts.repo, pr: parts.pr }), () =>
      handleRunCompleted(env, finished),
    );
  };
}

/** Finish the check run and the sticky comment (background). */
export async function handleRunCompleted(env: HandlerEnv, run: FinishedRun): Promise<void> {
  const { octokit, log, deps } = env;
  const { parts } = run;
  const requestId = formatRequestId(parts);
  const prRepo = { owner: parts.owner, repo: parts.repo };
  const pull = { ...prRepo, pr: parts.pr };
  const [check, loaded, sticky] = await Promise.all([
    findCheckRunForRequest(octokit, prRepo, parts.headSha, requestId),
    loadAppConfig(octokit, prRepo),
    findStickyComment(octokit, pull, deps.appId),
  ]);
  if (check?.status === "completed" && check.conclusion === "cancelled") {
    log.info({ requestId }, "run finished after its check was cancelled (superseded): leaving it");
    return;
  }
  const config = loaded.ok ? loaded.config : DEFAULT_APP_CONFIG;
  if (!run.dispatched) {
    const wf = workflowRepo(config, prRepo);
    const why = verifyRunAgainstCheck(
      run.origin,
      { workflowRepo: `${wf.owner}/${wf.repo}`, workflowPath: workflowPath(config.workflow.file), appId: deps.appId },
      check,
    );
    if (why) {
      log.warn({ requestId, runId: run.id, why }, "ignored a workflow run the App did not dispatch");
      deps.dispatches.markForeign(run.origin.repo, run.id);
      return;
    }
  }

  let artifact: ReportArtifact | null = null;
  let artifactProblem: string | undefined;
  if (run.conclusion !== "cancelled") {
    try {
      artifact = await downloadReportArtifact(octokit, run.repo, run.id);
    } catch (error: unknown) {
      artifactProblem = errorMessage(error);
      log.error({ err: error, requestId }, "could not read the report artifact");
    }
  }

  let conclusion: CheckConclusion;
  let title: string;
  let body: string;
  // Who asked is known only for the PR's latest request; nobody is pinged on a guess.
  const by = sticky?.state.last?.requestId === requestId ? sticky.state.last.by : undefined;
  if (artifact) {
    // Fails closed: a missing or unreadable results.json, or nothing measured, is a failure.
    conclusion = artifactConclusion(artifact, config.gate.policy).conclusion;
    title = reportTitle(artifact);
    body = reportMessage({ artifact, headSha: parts.headSha, runUrl: run.htmlUrl, by, trigger: parts.trigger });
  } else {
    const jobs = await listRunJobs(octokit, run.repo, run.id);
    const failedJobs = jobs.filter(
      (j) => j.conclusion !== null && !["success", "skipped", "neutral"].includes(j.conclusion),
    );
    const runConclusion = run.conclusion === "success" ? "failure" : (run.conclusion ?? "failure");
    const failed = failedRunMessage({
      conclusion: runConclusion,
      headSha: parts.headSha,
      runUrl: run.htmlUrl,
      failedJobs,
    });
    conclusion = runConclusion === "cancelled" ? "cancelled" : runConclusion === "timed_out" ? "timed_out" : "failure";
    title = failed.title;
    body = artifactProblem ? `${failed.body}\n\n> ⚠️ ${artifactProblem}` : failed.body;
  }
  const notes = loaded.ok
    ? ""
    : `\n\n> ⚠️ .github/sglbench.yml is invalid (${loaded.errors.join("; ")}); the default gate policy was used.`;

  if (check) {
    await updateCheckRun(octokit, prRepo, check.id, {
      status: "completed",
      conclusion,
      output: { title, summary: keepRequestMarker(check.summary, body + notes) },
      detailsUrl: run.htmlUrl,
    });
  } else {
    // Only reached for a run matched to a recorded dispatch (an unrecorded one needs its check run).
    log.warn({ requestId }, "no check run for a finished benchmark run: creating it");
    await createCheckRun(octokit, prRepo, {
      sha: parts.headSha,
      requestId,
      status: "completed",
      conclusion,
      output: { title, summary: body + notes },
      detailsUrl: run.htmlUrl,
    });
  }
  // Only the PR's latest request owns the sticky comment; a stale run must not overwrite it.
  if (!sticky || sticky.state.last?.requestId === requestId) {
    await upsertStickyComment(octokit, pull, body, sticky?.state ?? {}, { appId: deps.appId, existing: sticky });
  } else {
    log.info(
      { requestId, latest: sticky.state.last?.requestId },
      "stale run: sticky comment left to the latest request",
    );
  }
}
