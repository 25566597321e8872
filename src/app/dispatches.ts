/**
 * The benchmark runs the App started itself. A workflow run's title is chosen by whoever wrote the
 * workflow (a fork can copy ours), so a run counts as a benchmark completion only when it comes
 * from the configured workflow file, was started by `workflow_dispatch` in the configured
 * repository, and matches a dispatch recorded here; its run id is bound when first seen, so a
 * second run claiming the same request is ignored.
 *
 * In memory and bounded: after a restart the App falls back to its own check run (created by this
 * App, not finished, not linked to another run) as the record — see `verifyRunAgainstCheck`.
 */
import { requestIdFromRunTitle, type RequestIdParts } from "../core/request/index.js";
import type { CheckRunInfo } from "../github/check-runs.js";
import { runIdFromUrl } from "../github/workflows.js";

/** One dispatch: where its run must come from. */
export interface Dispatch {
  requestId: string;
  /** `owner/name` of the repository holding the workflow, lower-cased. */
  workflowRepo: string;
  /** `.github/workflows/<file>` */
  workflowPath: string;
  at: number;
  runId?: number;
  /** The bound run's page (details link of the check run). */
  runUrl?: string;
}

/** What a webhook says about a workflow run: the fields that prove where it came from. */
export interface RunOrigin {
  id: number;
  /** `owner/name` of the repository the event came from. */
  repo: string;
  /** `owner/name` of the repository whose code the run checked out (a fork's, for fork PR runs). */
  headRepo: string | undefined;
  path: string;
  event: string;
  title: string;
  /** The run's page on GitHub. */
  htmlUrl: string;
}

/** The path of a workflow file as GitHub reports it in `workflow_run.path`. */
export function workflowPath(file: string): string {
  return `.github/workflows/${file}`;
}

/**
 * The request a run claims, when it could be ours at all (pure, no API call): a
 * `workflow_dispatch` run of a workflow file in its own repository whose title carries a request id.
 */
export function claimedRequest(run: RunOrigin): RequestIdParts | null {
  if (run.event !== "workflow_dispatch") return null;
  if (!run.path.startsWith(".github/workflows/")) return null;
  if (run.headRepo !== undefined && run.headRepo.toLowerCase() !== run.repo.toLowerCase()) return null;
  return requestIdFromRunTitle(run.title);
}

/** How a run relates to the recorded dispatches. */
export type DispatchMatch =
  { kind: "ours"; dispatch: Dispatch } | { kind: "foreign"; why: string } | { kind: "unknown" };

const DAY = 24 * 3600_000;

export class DispatchRegistry {
  readonly #byRequest = new Map<string, Dispatch>();
  readonly #foreign = new Set<string>();

  constructor(
    private readonly limit = 5_000,
    private readonly ttlMs = 3 * DAY,
  ) {}

  /** Remember a dispatch (call before dispatching: the run's first event may beat the API's answer). */
  record(dispatch: Omit<Dispatch, "runId" | "runUrl">): void {
    this.#prune(dispatch.at);
    this.#byRequest.set(dispatch.requestId, { ...dispatch, workflowRepo: dispatch.workflowRepo.toLowerCase() });
  }

  /** Forget a dispatch that failed. */
  forget(requestId: string): void {
    this.#byRequest.delete(requestId);
  }

  /** Match a run to its dispatch, binding the run id when first seen. */
  match(run: RunOrigin, requestId: string): DispatchMatch {
    const dispatch = this.#byRequest.get(requestId);
    if (!dispatch) return { kind: "unknown" };
    if (dispatch.workflowRepo !== run.repo.toLowerCase()) return { kind: "foreign", why: `run of ${run.repo}` };
    if (dispatch.workflowPath !== run.path) return { kind: "foreign", why: `run of ${run.path}` };
    if (dispatch.runId !== undefined && dispatch.runId !== run.id)
      return { kind: "foreign", why: `request already bound to run ${dispatch.runId}` };
    dispatch.runId = run.id;
    dispatch.runUrl = run.htmlUrl;
    return { kind: "ours", dispatch };
  }

  /** The dispatch bound to run `runId` of `repo`, if any. */
  byRun(repo: string, runId: number): Dispatch | undefined {
    const key = repo.toLowerCase();
    for (const d of this.#byRequest.values()) if (d.runId === runId && d.workflowRepo === key) return d;
    return undefined;
  }

  /** Whether a run of `repo` not seen yet could still be one of ours (a dispatch to it is unbound). */
  awaitsRun(repo: string, runId: number): boolean {
    const key = repo.toLowerCase();
    if (this.#foreign.has(`${key}#${runId}`)) return false;
    for (const d of this.#byRequest.values()) if (d.runId === undefined && d.workflowRepo === key) return true;
    return false;
  }

  /** Remember that a run is not ours, so its next events cost nothing. */
  markForeign(repo: string, runId: number): void {
    if (this.#foreign.size >= this.limit) this.#foreign.clear();
    this.#foreign.add(`${repo.toLowerCase()}#${runId}`);
  }

  #prune(now: number): void {
    for (const [id, d] of this.#byRequest) if (now - d.at > this.ttlMs) this.#byRequest.delete(id);
    // Oldest first (Map keeps insertion order).
    for (const id of this.#byRequest.keys()) {
      if (this.#byRequest.size < this.limit) break;
      this.#byRequest.delete(id);
    }
  }
}

/**
 * Without a recorded dispatch (the App restarted): the run is ours only when the App's own check
 * run for the request exists, is not finished, and is not linked to another run; and the run comes
 * from the configured workflow in the configured repository.
 */
export function verifyRunAgainstCheck(
  run: RunOrigin,
  expected: { workflowRepo: string; workflowPath: string; appId: number | undefined },
  check: CheckRunInfo | null,
): string | null {
  if (run.repo.toLowerCase() !== expected.workflowRepo.toLowerCase())
    return `run of ${run.repo}, not ${expected.workflowRepo}`;
  if (run.path !== expected.workflowPath) return `run of ${run.path}, not ${expected.workflowPath}`;
  if (!check) return "no sglbench check run for this request";
  if (expected.appId !== undefined && check.appId !== expected.appId) return "the check run is not this App's";
  if (check.status === "completed") return "the request's check run is already finished";
  const linked = runIdFromUrl(check.detailsUrl);
  if (linked !== null && linked !== run.id) return `the request is linked to run ${linked}`;
  return null;
}
