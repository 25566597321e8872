/**
 * The App under attack (issue 13): forged benchmark completions and progress events, approvals
 * racing a push, a flood of outsiders' commands, config errors, indented and huge commands.
 * Each case reproduces an attack that worked before the fix.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { DispatchRegistry } from "../../src/app/dispatches.js";
import { approvalRefusal, commandLine } from "../../src/app/handlers/comment.js";
import { mergeConfigs } from "../../src/github/app-config-loader.js";
import { renderSticky, type StickyState } from "../../src/core/request/index.js";
import {
  API,
  APP_ID,
  commentPayload,
  deliver,
  dispatchedRegistry,
  example,
  HEAD,
  makeProbot,
  mockToken,
  nock,
  OWNER,
  PR,
  REPO,
  restPull,
  stickyComment,
  workflowRunPayload,
  type Json,
} from "../helpers/app-harness.js";

const R = `/repos/${OWNER}/${REPO}`;
const REQUEST_ID = `${OWNER}/${REPO}#${PR}@${HEAD}/c1001`;
const TITLE = `sglbench ${REQUEST_ID} PR #${PR}`;

/** Every request that reached "GitHub", answered with an empty success. */
let calls: Array<{ method: string; path: string; body: Json }> = [];

function recordEverything(): void {
  for (const method of ["get", "post", "patch", "put", "delete"] as const) {
    const scope = nock(API).persist();
    scope[method](/.*/)
      .query(true)
      // nock 15 hands the reply function the fetch Request.
      .reply(async (request: Request) => {
        const path = new URL(request.url).pathname;
        const text = await request.text();
        const body: Json = text ? JSON.parse(text) : null;
        calls.push({ method: method.toUpperCase(), path, body });
        if (path.includes("/access_tokens")) return [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" }];
        // Enough of GitHub for a maintainer's command: alice writes, PR #2 is open.
        if (path.endsWith("/collaborators/alice/permission")) return [200, { permission: "write", role_name: "write" }];
        if (method === "get" && path === `${R}/pulls/${PR}`) return [200, restPull()];
        if (method === "get" && path.startsWith(`${R}/issues/${PR}/comments`)) return [200, []];
        if (method === "get" && path.includes("/check-runs")) return [200, { total_count: 0, check_runs: [] }];
        return [method === "get" ? 404 : 201, {}];
      });
  }
}

const writes = (): typeof calls => calls.filter((c) => c.method !== "GET" && !c.path.includes("/access_tokens"));

beforeEach(() => {
  nock.disableNetConnect();
  calls = [];
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.restore());

/** A completed workflow run as a webhook brings it. */
const runPayload = (opts: { event?: string; path?: string; headRepo?: string; id?: number }): Json =>
  workflowRunPayload(opts);

describe("forged benchmark completions", () => {
  it("a fork's own pull_request workflow with our run name and artifact: ignored without any API call", async () => {
    recordEverything();
    const forged = runPayload({ event: "pull_request", headRepo: `mallory/${REPO}` });
    await deliver(makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) }), "workflow_run", forged);
    // Also when nothing is recorded (a restarted App): the event alone rules it out.
    await deliver(makeProbot(), "workflow_run", forged);
    expect(calls).toEqual([]);
  });

  it("a workflow_dispatch run of another workflow file or repository: ignored without any API call", async () => {
    recordEverything();
    const h = makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) });
    await deliver(h, "workflow_run", runPayload({ path: ".github/workflows/evil.yml" }));
    const elsewhere = runPayload({});
    elsewhere.repository.full_name = `mallory/${REPO}`;
    elsewhere.workflow_run.head_repository.full_name = `mallory/${REPO}`;
    await deliver(h, "workflow_run", elsewhere);
    expect(calls).toEqual([]);
  });

  it("a second run claiming a request already bound to a run: ignored without any API call", async () => {
    recordEverything();
    const h = makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) });
    const started = runPayload({ id: 4242 });
    started.action = "requested";
    await deliver(h, "workflow_run", started); // binds 4242, no API call
    await deliver(h, "workflow_run", runPayload({ id: 9999 }));
    expect(calls).toEqual([]);
  });

  it("after a restart: a run the App's check run does not link to, or a check run of another App, writes nothing", async () => {
    const check = (over: Json): Json => ({
      total_count: 1,
      check_runs: [
        {
          id: 77,
          head_sha: HEAD,
          status: "in_progress",
          conclusion: null,
          external_id: REQUEST_ID,
          details_url: null,
          output: { summary: "Queued" },
          app: { id: APP_ID },
          ...over,
        },
      ],
    });
    for (const over of [
      { details_url: `https://github.com/${OWNER}/${REPO}/actions/runs/1111` },
      { app: { id: 999 } },
      { status: "completed", conclusion: "success" },
    ]) {
      nock.cleanAll();
      calls = [];
      const reads = mockToken(nock(API))
        .get(`${R}/commits/${HEAD}/check-runs`)
        .query(true)
        .reply(200, check(over))
        .get(`${R}/contents/.github%2Fsglbench.yml`)
        .reply(404)
        .get(`/repos/${OWNER}/.github/contents/.github%2Fsglbench.yml`)
        .reply(404)
        .get(`${R}/issues/${PR}/comments`)
        .query(true)
        .reply(200, []);
      recordEverything();
      await deliver(makeProbot(), "workflow_run", runPayload({ id: 4242 }));
      expect(reads.pendingMocks()).toEqual([]);
      expect(writes()).toEqual([]);
    }
  });
});

describe("forged progress events", () => {
  function jobPayload(runId: number): Json {
    const p = example("workflow_job", "in_progress");
    p.repository.owner.login = OWNER;
    p.repository.name = REPO;
    p.repository.full_name = `${OWNER}/${REPO}`;
    p.workflow_job.run_id = runId;
    return p;
  }

  it("a job of a run already bound to our dispatch: the run is not read again", async () => {
    recordEverything();
    const h = makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) });
    await deliver(h, "workflow_run", workflowRunPayload({ action: "requested", id: 4242 })); // binds, no API call
    await deliver(h, "workflow_job", jobPayload(4242));
    const paths = calls.map((c) => `${c.method} ${c.path}`);
    expect(paths).not.toContain(`GET ${R}/actions/runs/4242`);
    expect(paths.some((p) => p.startsWith(`GET ${R}/commits/${HEAD}/check-runs`))).toBe(true);
  });

  it("a job of any run while no dispatch waits: no API call", async () => {
    recordEverything();
    await deliver(makeProbot(), "workflow_job", jobPayload(31337));
    expect(calls).toEqual([]);
  });

  it("a job of an unrelated run while a dispatch waits: one read, no write, and its next jobs cost nothing", async () => {
    const run = mockToken(nock(API))
      .get(`${R}/actions/runs/31337`)
      .reply(200, {
        id: 31337,
        status: "in_progress",
        conclusion: null,
        html_url: "u",
        display_title: TITLE,
        path: ".github/workflows/ci.yml",
        event: "pull_request",
        head_repository: { full_name: `mallory/${REPO}` },
      });
    recordEverything();
    const h = makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) });
    await deliver(h, "workflow_job", jobPayload(31337));
    await deliver(h, "workflow_job", jobPayload(31337));
    expect(run.pendingMocks()).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe("approvals bind one commit", () => {
  const pending = (sha: string, at?: string): StickyState["pending"] => ({
    sha,
    request: { models: ["grok"], types: ["offline"], modes: ["normal"], repeats: 1, baseline: "nightly" },
    by: "mallory",
    trigger: "auto",
    ...(at ? { at } : {}),
  });
  const OTHER = "1111111111111111111111111111111111111111";

  it("a plain approve covers the prompted head only, and only if the prompt predates the comment", () => {
    const ev = { login: "alice", createdAt: "2026-11-23T10:00:00Z" };
    expect(approvalRefusal(undefined, HEAD, pending(HEAD, "2026-11-23T09:00:00Z"), ev)).toBeNull();
    // The head moved after the prompt: the reviewer read another commit.
    expect(approvalRefusal(undefined, HEAD, pending(OTHER, "2026-11-23T09:00:00Z"), ev)).toContain(
      "nothing was approved",
    );
    // The push landed (and was prompted) after the comment was written.
    expect(approvalRefusal(undefined, HEAD, pending(HEAD, "2026-11-23T10:00:05Z"), ev)).toContain(
      "before ec26c3e was pushed",
    );
    // Nothing was prompted: name the commit.
    expect(approvalRefusal(undefined, HEAD, undefined, ev)).toContain("/benchmark approve ec26c3e");
    expect(approvalRefusal("ec26c3e", HEAD, undefined, ev)).toBeNull();
    expect(approvalRefusal("1111111", HEAD, undefined, ev)).toContain("nothing was approved");
  });

  it("end to end: a plain approve written before the push it would approve starts nothing", async () => {
    const state: StickyState = { pending: pending(HEAD, "2026-11-23T10:00:05Z") };
    const scope = mockToken(nock(API))
      .get(`${R}/contents/.github%2Fsglbench.yml`)
      .reply(404)
      .get(`/repos/${OWNER}/.github/contents/.github%2Fsglbench.yml`)
      .reply(404)
      .get(`${R}/collaborators/alice/permission`)
      .reply(200, { permission: "write", role_name: "write" })
      .get(`${R}/pulls/${PR}`)
      .reply(200, restPull({ fork: true }))
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [stickyComment(renderSticky("waiting", state))]);
    recordEverything();
    const approve = commentPayload("/benchmark approve");
    approve.comment.created_at = "2026-11-23T10:00:00Z";
    await deliver(makeProbot(), "issue_comment", approve);
    expect(scope.pendingMocks()).toEqual([]);
    expect(writes().map((c) => c.path)).toEqual([`${R}/issues/comments/1001/reactions`, `${R}/issues/${PR}/comments`]);
    expect(writes()[1]?.body.body).toContain("nothing was approved");
    expect(writes().some((c) => c.path.endsWith("/dispatches") || c.path.endsWith("/check-runs"))).toBe(false);
  });
});

describe("maintainers first", () => {
  /** A command by someone with no association to the repository. */
  function outsider(login: string, id: number): Json {
    const p = commentPayload("/benchmark", { login, commentId: id });
    p.comment.author_association = "NONE";
    return p;
  }

  it("a repeated outsider command gets one refusal per hour, and no API call after the first", async () => {
    recordEverything();
    const h = makeProbot();
    await deliver(h, "issue_comment", outsider("mallory", 1));
    const afterFirst = calls.length;
    await deliver(h, "issue_comment", outsider("mallory", 2));
    await deliver(h, "issue_comment", outsider("Mallory", 3));
    expect(calls.length).toBe(afterFirst);
    const replies = writes().filter((c) => c.path === `${R}/issues/${PR}/comments`);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body.body).toContain("@mallory");
  });

  it("a maintainer's command is acknowledged before the queued outsiders' commands are worked off", async () => {
    recordEverything();
    const h = makeProbot();
    const received: Array<Promise<void>> = [];
    for (let i = 0; i < 30; i++)
      received.push(
        h.probot.receive({ id: `o${i}`, name: "issue_comment", payload: outsider(`user${i}`, 100 + i) } as never),
      );
    received.push(
      h.probot.receive({
        id: "m",
        name: "issue_comment",
        payload: commentPayload("/benchmark", { commentId: 7 }),
      } as never),
    );
    await Promise.all(received);
    await h.queue.idle();
    const order = calls.map((c) => `${c.method} ${c.path}`);
    const eyes = order.indexOf(`POST ${R}/issues/comments/7/reactions`);
    const refusals = order.filter((c) => c === `POST ${R}/issues/${PR}/comments`);
    expect(eyes).toBeGreaterThanOrEqual(0);
    expect(refusals.length).toBeGreaterThanOrEqual(30);
    // Outsiders are triaged one at a time; the maintainer's command does not wait for them.
    const refusalsBefore = order.slice(0, eyes).filter((c) => c === `POST ${R}/issues/${PR}/comments`).length;
    expect(refusalsBefore).toBeLessThan(5);
  });
});

describe("commands and config", () => {
  it("a command shown in an indented code block is not a command", () => {
    expect(commandLine("    /benchmark models=grok")).toBeNull();
    expect(commandLine("\t/benchmark")).toBeNull();
    expect(commandLine("/benchmark models=grok\nprose")).toBe("/benchmark models=grok");
    expect(commandLine(`/benchmark ${"x".repeat(70_000)}`)?.length).toBe(1_000);
  });

  it("a huge malformed command gets a short reply", async () => {
    recordEverything();
    nock.cleanAll();
    calls = [];
    const scope = mockToken(nock(API))
      .get(`${R}/collaborators/alice/permission`)
      .reply(200, { permission: "write", role_name: "write" })
      .get(`${R}/pulls/${PR}`)
      .reply(200, restPull());
    recordEverything();
    const body = `/benchmark ${Array.from({ length: 9000 }, (_, i) => `k${i}=v`).join(" ")}`;
    await deliver(makeProbot(), "issue_comment", commentPayload(body));
    expect(scope.pendingMocks()).toEqual([]);
    const reply = writes().find((c) => c.path === `${R}/issues/${PR}/comments`);
    expect(reply?.body.body.length).toBeLessThan(3_000);
    expect(reply?.body.body).toContain("more");
  });

  it("a reader's command on a broken config: a refusal, no check run, no config error shown", async () => {
    const scope = mockToken(nock(API))
      .get(`${R}/contents/.github%2Fsglbench.yml`)
      .reply(200, "auto_run: true\n", { "content-type": "text/plain; charset=utf-8" })
      .get(`${R}/collaborators/bob/permission`)
      .reply(200, { permission: "read", role_name: "read" })
      .get(`${R}/pulls/${PR}`)
      .reply(200, restPull());
    recordEverything();
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark", { login: "bob" }));
    expect(scope.pendingMocks()).toEqual([]);
    expect(writes().map((c) => c.path)).toEqual([`${R}/issues/${PR}/comments`]);
    expect(writes()[0]?.body.body).toContain("@bob");
    expect(writes()[0]?.body.body).not.toContain("auto_run");
  });

  it("_extends: the base config's sections are kept key by key, the repository's keys win", () => {
    const base = { gate: { policy: "neutral", min_effect_pct: 3 }, triggers: { allowed_users: ["a"] } };
    const own = { gate: { policy: "fail-on-regression" } };
    expect(mergeConfigs([base, own])).toEqual({
      gate: { policy: "fail-on-regression", min_effect_pct: 3 },
      triggers: { allowed_users: ["a"] },
    });
  });

  it("the registry forgets old dispatches and stays bounded", () => {
    const registry = new DispatchRegistry(3, 1000);
    for (let i = 0; i < 10; i++)
      registry.record({ requestId: `r${i}`, workflowRepo: "o/r", workflowPath: ".github/workflows/b.yml", at: i });
    const run = {
      id: 1,
      repo: "o/r",
      headRepo: "o/r",
      path: ".github/workflows/b.yml",
      event: "workflow_dispatch",
      title: "",
      htmlUrl: "https://github.com/o/r/actions/runs/1",
    };
    expect(registry.match(run, "r0").kind).toBe("unknown");
    expect(registry.match(run, "r9").kind).toBe("ours");
  });
});
