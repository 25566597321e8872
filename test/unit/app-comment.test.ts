/** `/benchmark` on a PR: allowed, refused, malformed, help, cancel, redelivery, fork approval, invalid config. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { parseStickyState, renderSticky } from "../../src/core/request/index.js";
import {
  API,
  APP_ID,
  BASE,
  commentPayload,
  deliver,
  HEAD,
  type Json,
  makeProbot,
  MERGE_BASE,
  mockConfig,
  mockToken,
  nock,
  OWNER,
  PR,
  REPO,
  restPull,
  stickyComment,
} from "../helpers/app-harness.js";

const R = `/repos/${OWNER}/${REPO}`;
const REQUEST_ID = `${OWNER}/${REPO}#${PR}@${HEAD}/c1001`;

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.restore());

/** Token, config (absent), permission and the PR: the reads every command starts with. */
function reads(permission: string, opts: { fork?: boolean; config?: string | null } = {}): nock.Scope {
  const scope = mockToken(nock(API));
  mockConfig(scope, opts.config ?? null);
  return scope
    .get(`${R}/collaborators/alice/permission`)
    .reply(200, { permission: permission === "maintain" ? "write" : permission, role_name: permission })
    .get(`${R}/pulls/${PR}`)
    .reply(200, restPull({ fork: opts.fork ?? false }));
}

describe("issue_comment.created /benchmark", () => {
  it("allowed: permission, 👀, one queued check run, one dispatch with the inputs, 🚀, one sticky comment", async () => {
    const bodies: Record<string, unknown> = {};
    const scope = reads("maintain")
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [{ id: 1, body: "<!-- sglbench:sticky --> forged by a user", user: { type: "User" } }])
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query({ check_name: "sglbench", filter: "all", per_page: 100 })
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`, (b: Record<string, unknown>) => ((bodies.check = b), true))
      .reply(201, { id: 77 })
      .get(`${R}/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .post(
        `${R}/actions/workflows/benchmark.yml/dispatches`,
        (b: Record<string, unknown>) => ((bodies.dispatch = b), true),
      )
      .reply(204)
      .post(`${R}/issues/comments/1001/reactions`, { content: "rocket" })
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`, (b: Record<string, unknown>) => ((bodies.sticky = b), true))
      .reply(201, { id: 9 });

    const h = makeProbot({ now: new Date("2026-11-23T10:00:00Z") });
    await deliver(h, "issue_comment", commentPayload("/benchmark models=grok types=online repeats=5\nplease"));

    expect(scope.pendingMocks()).toEqual([]);
    expect(bodies.check).toMatchObject({ name: "sglbench", head_sha: HEAD, status: "queued", external_id: REQUEST_ID });
    expect(bodies.dispatch).toEqual({
      ref: "main",
      inputs: {
        pr: "2",
        head_sha: HEAD,
        base_sha: MERGE_BASE,
        models: "grok",
        types: "online",
        modes: "normal",
        repeats: "5",
        baseline: "nightly",
        request_id: REQUEST_ID,
      },
    });
    const sticky = (bodies.sticky as { body: string }).body;
    expect(sticky.startsWith("<!-- sglbench:sticky -->")).toBe(true);
    expect(sticky).toContain("@alice");
    expect(parseStickyState(sticky).last).toEqual({
      requestId: REQUEST_ID,
      sha: HEAD,
      at: "2026-11-23T10:00:00.000Z",
      by: "alice",
    });
  });

  it("redelivery: the check run with this request id exists, so nothing is dispatched again", async () => {
    const scope = reads("write")
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(200, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [stickyComment(renderSticky("queued", {}))])
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [{ id: 77, head_sha: HEAD, status: "queued", conclusion: null, external_id: REQUEST_ID }],
      });
    const h = makeProbot();
    await deliver(h, "issue_comment", commentPayload("/benchmark"), "same-delivery-id");
    expect(scope.pendingMocks()).toEqual([]);
    // nock would have thrown on any unmocked POST (dispatch, check run, comment): none happened.
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("refused: a reader gets a polite reply and nothing else", async () => {
    let reply = "";
    const scope = reads("read")
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((reply = b.body), true))
      .reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(reply).toContain("@alice");
    expect(reply).toContain("`write` access");
  });

  it("allow-listed users run even without write permission", async () => {
    const config = "triggers:\n  allowed_users: [Alice]\n";
    const scope = reads("read", { config })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => b.body.includes("Usage"))
      .reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark help"));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("malformed: the reply quotes the bad parts and shows the grammar; nothing dispatched", async () => {
    let reply = "";
    const scope = reads("write")
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .post(`${R}/issues/comments/1001/reactions`, { content: "confused" })
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((reply = b.body), true))
      .reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark models=llama colour=red"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(reply).toContain("`llama`");
    expect(reply).toContain("`colour`");
    expect(reply).toContain("/benchmark [models=grok,deepseek]");
  });

  it("help: replies with the grammar and the configured defaults", async () => {
    let reply = "";
    const scope = reads("admin", { config: "defaults:\n  repeats: 7\n" })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((reply = b.body), true))
      .reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark help"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(reply).toMatch(/`repeats` \| integer 1–20 \| 7 \|/);
  });

  it("ignores bots, plain comments and comments on issues without any API call", async () => {
    const h = makeProbot();
    await deliver(h, "issue_comment", commentPayload("/benchmark", { type: "Bot" }));
    await deliver(h, "issue_comment", commentPayload("LGTM, but /benchmark it"));
    const onIssue = commentPayload("/benchmark");
    delete onIssue.issue.pull_request;
    await deliver(h, "issue_comment", onIssue);
    expect(h.queue.stats().handled).toBe(0);
  });

  it("edited comments are not routed at all", async () => {
    const h = makeProbot();
    const edited = commentPayload("/benchmark");
    edited.action = "edited";
    edited.changes = { body: { from: "/benchmark models=grok" } };
    await deliver(h, "issue_comment", edited);
    expect(h.queue.stats().handled).toBe(0);
  });

  it("cancel: cancels the running check run and its workflow run, then updates the sticky comment", async () => {
    let update: Record<string, Json> = {};
    let sticky = "";
    const scope = reads("write")
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [
          {
            id: 77,
            head_sha: HEAD,
            status: "in_progress",
            conclusion: null,
            external_id: REQUEST_ID,
            app: { id: APP_ID },
            details_url: "https://github.com/x/y/actions/runs/4242",
          },
        ],
      })
      .post(`${R}/actions/runs/4242/cancel`)
      .reply(202, {})
      .patch(`${R}/check-runs/77`, (b: Record<string, Json>) => ((update = b), true))
      .reply(200, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [
        stickyComment(renderSticky("queued", { last: { requestId: REQUEST_ID, sha: HEAD, at: "x", by: "bob" } })),
      ])
      .patch(`${R}/issues/comments/555`, (b: { body: string }) => ((sticky = b.body), true))
      .reply(200, {});
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark cancel"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(update).toMatchObject({ status: "completed", conclusion: "cancelled" });
    expect(sticky).toContain("cancelled by @alice");
    expect(parseStickyState(sticky).last?.by).toBe("bob");
  });

  it("invalid config: reported on a failed check run, nothing dispatched", async () => {
    let check: Record<string, Json> = {};
    const scope = reads("write", { config: "auto_run:\n  enabled: yes-please\nbogus: 1\n" })
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`, (b: Record<string, Json>) => ((check = b), true))
      .reply(201, { id: 78 })
      .post(`${R}/issues/comments/1001/reactions`, { content: "confused" })
      .reply(201, {});
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(check).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: "Invalid .github/sglbench.yml" },
    });
    expect(check.output.summary).toContain("auto_run.enabled");
    expect(check.output.summary).toContain('"bogus"');
  });
});

describe("fork PRs", () => {
  it("/benchmark on a fork without approval records a pending request and dispatches nothing", async () => {
    let sticky = "";
    const scope = reads("write", { fork: true })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((sticky = b.body), true))
      .reply(201, { id: 9 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark models=deepseek"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(sticky).toContain("waiting for approval");
    expect(parseStickyState(sticky).pending).toMatchObject({
      sha: HEAD,
      by: "alice",
      trigger: "c1001",
      request: { models: ["deepseek"] },
    });
  });

  it("/benchmark approve by a writer starts the pending request for that head SHA", async () => {
    const pending = {
      sha: HEAD,
      by: "carol",
      trigger: "c1000",
      request: { models: ["deepseek"], types: ["offline"], modes: ["normal"], repeats: 3, baseline: "nightly" },
    };
    let dispatch: Record<string, Json> = {};
    let sticky = "";
    const pendingId = `${OWNER}/${REPO}#${PR}@${HEAD}/c1000`;
    const scope = reads("write", { fork: true })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [stickyComment(renderSticky("waiting", { pending: pending as never }))])
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`, (b: Record<string, Json>) => b.external_id === pendingId)
      .reply(201, { id: 80 })
      .get(`${R}/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .post(`${R}/actions/workflows/benchmark.yml/dispatches`, (b: Record<string, Json>) => ((dispatch = b), true))
      .reply(204)
      .post(`${R}/issues/comments/1001/reactions`, { content: "rocket" })
      .reply(201, {})
      .patch(`${R}/issues/comments/555`, (b: { body: string }) => ((sticky = b.body), true))
      .reply(200, {});
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark approve"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(dispatch.inputs).toMatchObject({ models: "deepseek", types: "offline", request_id: pendingId });
    const state = parseStickyState(sticky);
    expect(state.approval).toMatchObject({ sha: HEAD, by: "alice" });
    expect(state.pending).toBeUndefined();
    expect(state.last?.requestId).toBe(pendingId);
  });

  it("/benchmark on a fork whose head SHA is approved runs", async () => {
    const scope = reads("write", { fork: true })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [stickyComment(renderSticky("approved", { approval: { sha: HEAD, by: "dave", at: "t" } }))])
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`)
      .reply(201, { id: 81 })
      .get(`${R}/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .post(`${R}/actions/workflows/benchmark.yml/dispatches`)
      .reply(204)
      .post(`${R}/issues/comments/1001/reactions`, { content: "rocket" })
      .reply(201, {})
      .patch(`${R}/issues/comments/555`)
      .reply(200, {});
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark"));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("a reader cannot approve", async () => {
    const scope = reads("triage", { fork: true }).post(`${R}/issues/${PR}/comments`).reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark approve"));
    expect(scope.pendingMocks()).toEqual([]);
  });
});

describe("closed pull requests", () => {
  it("/benchmark on a closed PR starts nothing and says why", async () => {
    let reply = "";
    const scope = mockToken(nock(API));
    mockConfig(scope, null);
    scope
      .get(`${R}/collaborators/alice/permission`)
      .reply(200, { permission: "write", role_name: "write" })
      .get(`${R}/pulls/${PR}`)
      .reply(200, { ...restPull(), state: "closed" })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((reply = b.body), true))
      .reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(reply).toContain("closed");
  });
});

describe("approve pinned to a SHA", () => {
  it("refuses when the head moved past the reviewed commit", async () => {
    let reply = "";
    const scope = reads("write", { fork: true })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((reply = b.body), true))
      .reply(201, { id: 10 });
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark approve 1234567"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(reply).toContain("nothing was approved");
  });

  it("approves when the head is the reviewed commit", async () => {
    let sticky = "";
    const scope = reads("write", { fork: true })
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${R}/issues/${PR}/comments`, (b: { body: string }) => ((sticky = b.body), true))
      .reply(201, { id: 9 });
    await deliver(makeProbot(), "issue_comment", commentPayload(`/benchmark approve ${HEAD.slice(0, 10)}`));
    expect(scope.pendingMocks()).toEqual([]);
    expect(parseStickyState(sticky).approval?.sha).toBe(HEAD);
  });
});

describe("sticky comment lookup", () => {
  it("pages through all comments and edits the App's sticky comment on page 2 instead of posting another", async () => {
    let edited = "";
    const page1 = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: `comment ${i}`, user: { type: "User" } }));
    const scope = reads("write")
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query({ per_page: 100 })
      .reply(200, page1, { link: `<${API}${R}/issues/${PR}/comments?per_page=100&page=2>; rel="next"` })
      .get(`${R}/issues/${PR}/comments`)
      .query({ per_page: 100, page: 2 })
      .reply(200, [stickyComment(renderSticky("old run", {}), 4242)])
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`)
      .reply(201, { id: 77 })
      .get(`${R}/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .post(`${R}/actions/workflows/benchmark.yml/dispatches`)
      .reply(204)
      .post(`${R}/issues/comments/1001/reactions`, { content: "rocket" })
      .reply(201, {})
      .patch(`${R}/issues/comments/4242`, (b: { body: string }) => ((edited = b.body), true))
      .reply(200, {});
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(edited).toContain("benchmark queued");
  });
});

describe("a minimal API (proxy or stand-in answering objects)", () => {
  it("a JSON answer for the config path means no config; object answers for lists mean empty lists", async () => {
    const scope = mockToken(nock(API))
      .get(`${R}/contents/.github%2Fsglbench.yml`)
      .reply(200, {}, { "content-type": "application/json; charset=utf-8" })
      .get(`${R}/collaborators/alice/permission`)
      .reply(200, { permission: "admin" })
      .get(`${R}/pulls/${PR}`)
      .reply(200, restPull())
      .post(`${R}/issues/comments/1001/reactions`, { content: "eyes" })
      .reply(201, {})
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, {})
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, {})
      .post(`${R}/check-runs`)
      .reply(201, {})
      .get(`${R}/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(404, { message: "Not Found" })
      .post(`${R}/actions/workflows/benchmark.yml/dispatches`, (b: Json) => b.inputs.base_sha === BASE)
      .reply(204)
      .post(`${R}/issues/comments/1001/reactions`, { content: "rocket" })
      .reply(201, {})
      .post(`${R}/issues/${PR}/comments`)
      .reply(201, {});
    await deliver(makeProbot(), "issue_comment", commentPayload("/benchmark"));
    expect(scope.pendingMocks()).toEqual([]);
  });
});
