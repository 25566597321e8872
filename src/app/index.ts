/**
 * The Probot app function: routing only. Each handler filters the event cheaply and queues the
 * API work (see queue.ts), so the webhook is answered in milliseconds.
 */
import type { ApplicationFunction, Probot } from "probot";
import type { AppDeps } from "./deps.js";
import { onCheckRunRerequested } from "./handlers/check-run.js";
import { onIssueCommentCreated } from "./handlers/comment.js";
import { onPullRequest } from "./handlers/pull-request.js";
import { onWorkflowJob } from "./handlers/workflow-job.js";
import { onWorkflowRunCompleted, onWorkflowRunStarted } from "./handlers/workflow-run.js";
import { DispatchRegistry } from "./dispatches.js";
import { TaskQueue } from "./queue.js";
import { RefusalLog } from "./refusals.js";

/** Options for {@link createSglbenchApp}; everything has a production default. */
export interface AppOptions {
  appId?: number;
  now?: () => Date;
  queue?: TaskQueue;
  dispatches?: DispatchRegistry;
}

/** Build the app function and the queue its handlers feed (tests await `queue.idle()`). */
export function createSglbenchApp(options: AppOptions = {}): { app: ApplicationFunction; queue: TaskQueue } {
  let log: Probot["log"] | undefined;
  const queue =
    options.queue ??
    new TaskQueue((error, key) => {
      // The one place background failures are reported.
      if (log) log.error({ err: error, key }, "sglbench task failed");
      else console.error(`sglbench task for ${key} failed:`, error);
    });
  const envAppId = Number(process.env.APP_ID);
  const deps: AppDeps = {
    queue,
    appId: options.appId ?? (Number.isInteger(envAppId) && envAppId > 0 ? envAppId : undefined),
    now: options.now ?? (() => new Date()),
    dispatches: options.dispatches ?? new DispatchRegistry(),
    refusals: new RefusalLog(),
  };
  const app: ApplicationFunction = (probot) => {
    log = probot.log;
    probot.on("issue_comment.created", onIssueCommentCreated(deps));
    probot.on(
      ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.labeled"],
      onPullRequest(deps),
    );
    probot.on("workflow_job", onWorkflowJob(deps));
    probot.on(["workflow_run.requested", "workflow_run.in_progress"], onWorkflowRunStarted(deps));
    probot.on("workflow_run.completed", onWorkflowRunCompleted(deps));
    probot.on("check_run.rerequested", onCheckRunRerequested(deps));
  };
  return { app, queue };
}

/** The app as Probot loads it (`probot run`, `run(app)`). */
export default createSglbenchApp().app;
