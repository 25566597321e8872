/**
 * Test harness for the GitHub App: a Probot with retry/throttle off, the app loaded, real payloads
 * from @octokit/webhooks-examples adapted where a field must change, and nock helpers.
 */
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { createSglbenchApp } from "../../src/app/index.js";
import { DispatchRegistry } from "../../src/app/dispatches.js";
import { TaskQueue } from "../../src/app/queue.js";

/** Loose JSON for webhook payloads and recorded request bodies in tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const API = "https://api.github.com";
export const APP_ID = 123;
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const PR = 2;
export const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const BEFORE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
export const BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
export const MERGE_BASE = "aaaabbbbccccddddeeeeffff0000111122223333";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

interface Example {
  name: string;
  examples: Array<Record<string, unknown> & { action?: string; installation?: unknown }>;
}
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Example[];

/** A deep copy of the first example of `name` with `action` (preferring ones with an installation). */
export function example(name: string, action: string): Record<string, Json> {
  const list = examples.find((e) => e.name === name)?.examples.filter((x) => x.action === action) ?? [];
  const chosen = list.find((x) => x.installation) ?? list[0];
  if (!chosen) throw new Error(`no ${name}.${action} example`);
  return structuredClone(chosen) as Record<string, Json>;
}

/** A fresh Probot with the app loaded; `queue.idle()` waits for the background work. */
export function makeProbot(options: { now?: Date; dispatches?: DispatchRegistry } = {}): Harness {
  const errors: unknown[] = [];
  const { app, queue } = createSglbenchApp({
    appId: APP_ID,
    queue: new TaskQueue((error) => errors.push(error)),
    ...(options.now ? { now: () => options.now as Date } : {}),
    ...(options.dispatches ? { dispatches: options.dispatches } : {}),
  });
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    // A function so it sees Probot's own throttle options and can switch them off (an object would
    // be overridden by them, and ProbotOctokit turns throttling back on).
    Octokit: ProbotOctokit.defaults((instanceOptions: Record<string, Json>) => ({
      ...instanceOptions,
      retry: { enabled: false },
      throttle: { ...instanceOptions.throttle, enabled: false },
    })),
    logLevel: "fatal",
  });
  void probot.load(app);
  return { probot, queue, errors };
}

/** A Probot with the app, its queue and the errors its background tasks raised. */
export interface Harness {
  probot: Probot;
  queue: TaskQueue;
  errors: unknown[];
}

/** Deliver an event and wait until its background work is done. */
export async function deliver(
  h: Harness,
  name: string,
  payload: Record<string, unknown>,
  id = `delivery-${Math.random()}`,
  options: { allowErrors?: boolean } = {},
): Promise<void> {
  await h.probot.receive({ id, name, payload } as never);
  await h.queue.idle();
  if (!options.allowErrors && h.errors.length > 0) throw h.errors[0];
}

/** issue_comment.created on PR #2 (the example is on an issue: `pull_request` added). */
export function commentPayload(body: string, opts: { login?: string; commentId?: number; type?: string } = {}) {
  const p = example("issue_comment", "created");
  p.issue.number = PR;
  p.issue.pull_request = { url: `${API}/repos/${OWNER}/${REPO}/pulls/${PR}` };
  p.comment.body = body;
  p.comment.id = opts.commentId ?? 1001;
  p.comment.user.login = opts.login ?? "alice";
  p.comment.user.type = opts.type ?? "User";
  p.sender.login = opts.login ?? "alice";
  p.sender.type = opts.type ?? "User";
  return p;
}

/** pull_request event on PR #2, optionally from a fork, with labels. */
export function pullPayload(
  action: string,
  opts: { fork?: boolean; labels?: string[]; label?: string; head?: string } = {},
) {
  const p = example("pull_request", action);
  p.pull_request.head.sha = opts.head ?? HEAD;
  if (opts.fork) p.pull_request.head.repo = { ...p.pull_request.head.repo, full_name: `mallory/${REPO}` };
  p.pull_request.labels = (opts.labels ?? []).map((name, i) => ({ id: i + 1, name }));
  if (opts.label) p.label = { ...(p.label ?? {}), name: opts.label };
  if (action === "synchronize") p.before = BEFORE;
  return p;
}

/** The REST pull object for PR #2. */
export function restPull(opts: { fork?: boolean; head?: string } = {}) {
  return {
    number: PR,
    html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}`,
    state: "open",
    labels: [],
    head: { sha: opts.head ?? HEAD, repo: { full_name: opts.fork ? `mallory/${REPO}` : `${OWNER}/${REPO}` } },
    base: { sha: BASE, repo: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } } },
  };
}

/**
 * `workflow_run` of the benchmark as GitHub sends it for a run the App dispatched (the example has
 * no installation: added); each field an attacker could fake is an option.
 */
export function workflowRunPayload(
  opts: {
    action?: string;
    conclusion?: string;
    title?: string;
    id?: number;
    event?: string;
    path?: string;
    headRepo?: string;
  } = {},
): Record<string, Json> {
  const p = example("workflow_run", "completed");
  const id = opts.id ?? 4242;
  p.action = opts.action ?? "completed";
  p.installation = { id: 1 };
  p.repository.owner.login = OWNER;
  p.repository.name = REPO;
  p.repository.full_name = `${OWNER}/${REPO}`;
  p.workflow_run.id = id;
  p.workflow_run.display_title = opts.title ?? `sglbench ${OWNER}/${REPO}#${PR}@${HEAD}/c1001 PR #${PR}`;
  p.workflow_run.conclusion = opts.conclusion ?? "success";
  p.workflow_run.html_url = `https://github.com/${OWNER}/${REPO}/actions/runs/${id}`;
  p.workflow_run.event = opts.event ?? "workflow_dispatch";
  p.workflow_run.path = opts.path ?? ".github/workflows/benchmark.yml";
  p.workflow_run.head_repository = {
    ...p.workflow_run.head_repository,
    full_name: opts.headRepo ?? `${OWNER}/${REPO}`,
  };
  return p;
}

/** A registry that remembers the App dispatched `requestId` to `owner/repo`'s benchmark.yml. */
export function dispatchedRegistry(requestId: string, workflowRepo = `${OWNER}/${REPO}`): DispatchRegistry {
  const registry = new DispatchRegistry();
  registry.record({ requestId, workflowRepo, workflowPath: ".github/workflows/benchmark.yml", at: Date.now() });
  return registry;
}

/** The installation token exchange every authenticated event starts with. */
export function mockToken(scope: nock.Scope): nock.Scope {
  return scope.post("/app/installations/1/access_tokens").reply(201, {
    token: "ghs_test",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
  });
}

/** `.github/sglbench.yml`: `null` = absent (both the repository and the owner's `.github` repository 404). */
export function mockConfig(scope: nock.Scope, yaml: string | null): nock.Scope {
  const path = `/repos/${OWNER}/${REPO}/contents/.github%2Fsglbench.yml`;
  if (yaml !== null) return scope.get(path).reply(200, yaml, { "content-type": "text/plain; charset=utf-8" });
  return scope.get(path).reply(404).get(`/repos/${OWNER}/.github/contents/.github%2Fsglbench.yml`).reply(404);
}

/** A sticky comment written by this App. */
export function stickyComment(body: string, id = 555) {
  return { id, body, user: { login: "sglbench[bot]", type: "Bot" }, performed_via_github_app: { id: APP_ID } };
}

export { nock };
