/** pull_request auto-runs: policy off, label filter, path filter, forks and approval voided by a push, superseded runs, cooldown, invalid config. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { parseStickyState, renderSticky, type StickyState } from "../../src/core/request/index.js";
import {
  API,
  APP_ID,
  BASE,
  BEFORE,
  deliver,
  HEAD,
  makeProbot,
  MERGE_BASE,
  mockConfig,
  mockToken,
  nock,
  OWNER,
  PR,
  pullPayload,
  REPO,
  stickyComment,
  type Json,
} from "../helpers/app-harness.js";

const R = `/repos/${OWNER}/${REPO}`;
const AUTO_ID = `${OWNER}/${REPO}#${PR}@${HEAD}/auto`;
const NOW = new Date("2026-11-23T10:00:00Z");

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.restore());

/** Token, config and the sticky lookup every pull_request event starts with. */
function start(config: string | null, sticky: StickyState | null = null): nock.Scope {
  const scope = mockConfig(mockToken(nock(API)), config);
  return scope
    .get(`${R}/issues/${PR}/comments`)
    .query(true)
    .reply(200, sticky ? [stickyComment(renderSticky("earlier", sticky))] : []);
}

/** No unfinished run on the previous head. */
function nothingToCancel(scope: nock.Scope): nock.Scope {
  return scope.get(`${R}/commits/${BEFORE}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
}

/** The start of an automatic run; records the dispatch body. */
function expectDispatch(
  scope: nock.Scope,
  seen: { dispatch?: Json; sticky?: string },
  stickyExists = false,
): nock.Scope {
  scope
    .get(`${R}/commits/${HEAD}/check-runs`)
    .query(true)
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${R}/check-runs`, (b: Json) => b.external_id === AUTO_ID && b.status === "queued")
    .reply(201, { id: 90 })
    .get(`${R}/compare/${BASE}...${HEAD}`)
    .query(true)
    .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
    .post(`${R}/actions/workflows/benchmark.yml/dispatches`, (b: Json) => ((seen.dispatch = b), true))
    .reply(204);
  return stickyExists
    ? scope.patch(`${R}/issues/comments/555`, (b: Json) => ((seen.sticky = b.body), true)).reply(200, {})
    : scope.post(`${R}/issues/${PR}/comments`, (b: Json) => ((seen.sticky = b.body), true)).reply(201, { id: 9 });
}

const LABELS = "auto_run:\n  enabled: true\n  labels: [run-benchmark]\n";

describe("pull_request automatic runs", () => {
  it("default config (auto-runs off): reads config and sticky, dispatches nothing", async () => {
    const scope = start(null);
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("opened"));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("synchronize without the required label: no run", async () => {
    const scope = nothingToCancel(start(LABELS));
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("synchronize", { labels: ["docs"] }));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("synchronize with the label: one automatic run with the config defaults", async () => {
    const seen: { dispatch?: Json; sticky?: string } = {};
    const config = `${LABELS}defaults:\n  models: [grok]\n`;
    const scope = expectDispatch(nothingToCancel(start(config)), seen);
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("synchronize", { labels: ["run-benchmark"] }));
    expect(scope.pendingMocks()).toEqual([]);
    expect(seen.dispatch.inputs).toMatchObject({
      models: "grok",
      types: "offline,online",
      request_id: AUTO_ID,
      head_sha: HEAD,
    });
    expect(seen.sticky).toContain("automatic run");
  });

  it("labeled: only adding an auto-run label starts a run", async () => {
    const seen: { dispatch?: Json } = {};
    const scope = expectDispatch(start(LABELS), seen);
    await deliver(
      makeProbot({ now: NOW }),
      "pull_request",
      pullPayload("labeled", { labels: ["run-benchmark"], label: "run-benchmark" }),
    );
    expect(scope.pendingMocks()).toEqual([]);
    expect(seen.dispatch).toBeDefined();

    const other = start(LABELS);
    await deliver(
      makeProbot({ now: NOW }),
      "pull_request",
      pullPayload("labeled", { labels: ["run-benchmark", "bug"], label: "bug" }),
    );
    expect(other.pendingMocks()).toEqual([]);
  });

  it("path filter: no run when no changed file is under the paths", async () => {
    const scope = start("auto_run:\n  enabled: true\n  paths: [python/sglang/srt/]\n")
      .get(`${R}/pulls/${PR}/files`)
      .query(true)
      .reply(200, [{ filename: "docs/index.md" }, { filename: "README.md" }]);
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("opened"));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("a new push cancels the superseded run (check run → cancelled, workflow run cancelled) and starts the new one", async () => {
    const seen: { dispatch?: Json; sticky?: string } = {};
    let cancelledCheck: Json = {};
    const old = `${OWNER}/${REPO}#${PR}@${BEFORE}/auto`;
    const scope = start("auto_run:\n  enabled: true\ncooldown_minutes: 0\n", {
      last: { requestId: old, sha: BEFORE, at: "2026-11-23T09:59:00Z", by: "x" },
    })
      .get(`${R}/commits/${BEFORE}/check-runs`)
      .query(true)
      .reply(200, {
        total_count: 1,
        check_runs: [
          {
            id: 70,
            head_sha: BEFORE,
            status: "queued",
            conclusion: null,
            external_id: old,
            details_url: null,
            app: { id: APP_ID },
          },
        ],
      })
      .get(`${R}/actions/workflows/benchmark.yml/runs`)
      .query(true)
      .reply(200, {
        total_count: 2,
        workflow_runs: [
          { id: 501, status: "queued", conclusion: null, html_url: "u1", display_title: `sglbench ${old} PR #${PR}` },
          {
            id: 502,
            status: "in_progress",
            conclusion: null,
            html_url: "u2",
            display_title: `sglbench someone/else#9@${BEFORE}/auto PR #9`,
          },
        ],
      })
      .post(`${R}/actions/runs/501/cancel`)
      .reply(202, {})
      .patch(`${R}/check-runs/70`, (b: Json) => ((cancelledCheck = b), true))
      .reply(200, {});
    expectDispatch(scope, seen, true);
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("synchronize"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(cancelledCheck).toMatchObject({ status: "completed", conclusion: "cancelled" });
    expect(seen.sticky).toContain("was cancelled: a newer commit was pushed");
  });

  it("cooldown: a push soon after the last run does not start another", async () => {
    let sticky = "";
    const scope = nothingToCancel(
      start("auto_run:\n  enabled: true\n", {
        last: { requestId: "x", sha: BEFORE, at: "2026-11-23T09:55:00Z", by: "x" },
      }),
    )
      .patch(`${R}/issues/comments/555`, (b: Json) => ((sticky = b.body), true))
      .reply(200, {});
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("synchronize"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(sticky).toContain("cooldown_minutes");
  });

  it("invalid config is reported on a failed check run", async () => {
    let check: Json = {};
    const scope = start("auto_run: true\n")
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`, (b: Json) => ((check = b), true))
      .reply(201, { id: 91 });
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("opened"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(check).toMatchObject({ head_sha: HEAD, conclusion: "failure" });
    expect(check.output.summary).toContain("auto_run: expected object");
  });
});

describe("fork pull requests", () => {
  it("a fork PR never auto-runs without approval: pending request, no dispatch", async () => {
    let sticky = "";
    const scope = start("auto_run:\n  enabled: true\n")
      .post(`${R}/issues/${PR}/comments`, (b: Json) => ((sticky = b.body), true))
      .reply(201, { id: 9 });
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("opened", { fork: true }));
    expect(scope.pendingMocks()).toEqual([]);
    expect(sticky).toContain("waiting for approval");
    expect(parseStickyState(sticky).pending).toMatchObject({ sha: HEAD, trigger: "auto" });
  });

  it("a new push voids the approval of the previous head", async () => {
    let sticky = "";
    const scope = nothingToCancel(
      start("auto_run:\n  enabled: true\n", { approval: { sha: BEFORE, by: "maint", at: "t" } }),
    )
      .patch(`${R}/issues/comments/555`, (b: Json) => ((sticky = b.body), true))
      .reply(200, {});
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("synchronize", { fork: true }));
    expect(scope.pendingMocks()).toEqual([]);
    const state = parseStickyState(sticky);
    expect(state.approval).toBeUndefined();
    expect(state.pending?.sha).toBe(HEAD);
    expect(sticky).toContain("does not cover the new push");
  });

  it("an approved fork head auto-runs", async () => {
    const seen: { dispatch?: Json } = {};
    const scope = expectDispatch(
      start("auto_run:\n  enabled: true\n", { approval: { sha: HEAD, by: "maint", at: "t" } }),
      seen,
      true,
    );
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("reopened", { fork: true }));
    expect(scope.pendingMocks()).toEqual([]);
    expect(seen.dispatch.inputs.request_id).toBe(AUTO_ID);
  });

  it("forks: never — no run and no pending request", async () => {
    const scope = start("auto_run:\n  enabled: true\n  forks: never\n");
    await deliver(makeProbot({ now: NOW }), "pull_request", pullPayload("opened", { fork: true }));
    expect(scope.pendingMocks()).toEqual([]);
  });
});
