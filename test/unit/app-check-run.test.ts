/** check_run.rerequested ("Re-run" on the sglbench check): repeats the stored request on the head commit. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { requestMarker } from "../../src/core/request/index.js";
import {
  API,
  APP_ID,
  BASE,
  BEFORE,
  deliver,
  example,
  HEAD,
  makeProbot,
  MERGE_BASE,
  mockConfig,
  mockToken,
  nock,
  OWNER,
  PR,
  REPO,
  restPull,
  type Json,
} from "../helpers/app-harness.js";

const R = `/repos/${OWNER}/${REPO}`;

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.restore());

function rerunPayload(opts: { sha?: string; appId?: number; name?: string } = {}): Json {
  const p = example("check_run", "rerequested");
  p.repository.owner.login = OWNER;
  p.repository.name = REPO;
  p.repository.full_name = `${OWNER}/${REPO}`;
  p.check_run.id = 321;
  p.check_run.name = opts.name ?? "sglbench";
  p.check_run.app = { ...p.check_run.app, id: opts.appId ?? APP_ID };
  p.check_run.external_id = `${OWNER}/${REPO}#${PR}@${opts.sha ?? HEAD}/c1001`;
  p.check_run.output = {
    ...p.check_run.output,
    summary: `${requestMarker({ models: ["deepseek"], types: ["online"], modes: ["long_context"], repeats: 4, baseline: "rerun" })}\nRequested by @alice`,
  };
  p.sender.login = "alice";
  return p;
}

function reads(): nock.Scope {
  const scope = mockConfig(mockToken(nock(API)), null);
  return scope
    .get(`${R}/collaborators/alice/permission`)
    .reply(200, { permission: "write", role_name: "write" })
    .get(`${R}/pulls/${PR}`)
    .reply(200, restPull());
}

describe("check_run.rerequested", () => {
  it("repeats the stored request on the head commit, once", async () => {
    let dispatch: Json = {};
    const scope = reads()
      .get(`${R}/issues/${PR}/comments`)
      .query(true)
      .reply(200, [])
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`, (b: Json) => b.external_id === `${OWNER}/${REPO}#${PR}@${HEAD}/r321`)
      .reply(201, { id: 400 })
      .get(`${R}/compare/${BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } })
      .post(`${R}/actions/workflows/benchmark.yml/dispatches`, (b: Json) => ((dispatch = b), true))
      .reply(204)
      .post(`${R}/issues/${PR}/comments`)
      .reply(201, { id: 9 });
    await deliver(makeProbot(), "check_run", rerunPayload());
    expect(scope.pendingMocks()).toEqual([]);
    expect(dispatch.inputs).toMatchObject({
      models: "deepseek",
      types: "online",
      modes: "long_context",
      repeats: "4",
      baseline: "rerun",
    });
  });

  it("a re-run of an older commit's check says to benchmark the head instead", async () => {
    let reply = "";
    const scope = reads()
      .post(`${R}/issues/${PR}/comments`, (b: Json) => ((reply = b.body), true))
      .reply(201, { id: 9 });
    await deliver(makeProbot(), "check_run", rerunPayload({ sha: BEFORE }));
    expect(scope.pendingMocks()).toEqual([]);
    expect(reply).toContain("the head is now");
  });

  it("other apps' and other names' check runs are ignored without any API call", async () => {
    const h = makeProbot();
    await deliver(h, "check_run", rerunPayload({ appId: 999 }));
    await deliver(h, "check_run", rerunPayload({ name: "ci" }));
    expect(h.queue.stats().handled).toBe(0);
  });
});
