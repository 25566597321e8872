import { describe, expect, it, beforeEach, afterEach, afterAll } from "@jest/globals";
import nock from "nock";
import { Octokit } from "@octokit/rest";
import type { SeriesChange } from "../../src/core/trends/index.js";
import {
  groupRegressions,
  issueBody,
  issueMarker,
  REGRESSION_LABEL,
  syncRegressionIssues,
} from "../../src/github/issues.js";

function change(over: Partial<SeriesChange>): SeriesChange {
  return {
    series: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online/concurrency=64/median_itl_ms",
    hardware: "mi30x",
    model: "DeepSeek-V3-0324_FP8",
    suite: "deepseek-online",
    point: "concurrency=64",
    metric: "median_itl_ms",
    label: "Median ITL",
    unit: "ms",
    date: "20251016",
    previous_date: "20251015",
    tag_before: "v0.5.3.post1-rocm630-mi30x-20251015",
    tag_after: "v0.5.3.post2-rocm630-mi30x-20251016",
    before: 42,
    after: 45.4,
    change_pct: 8.1,
    direction: "slower",
    strength: 9.2,
    p: 1e-8,
    kind: "regression",
    current: true,
    around: [40, 42, 41, 42, 45, 46, 45].map((value, i) => ({ date: `2025101${i}`, value })),
    ...over,
  };
}

const quiet = (): void => undefined;
const octokit = () =>
  new Octokit({
    auth: "ghs_testtoken",
    request: { retries: 0 },
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
const API = "https://api.github.com";
const opts = { owner: "acme", repo: "sglang" };

beforeEach(() => nock.disableNetConnect());
// nock patches Node's shared http module; restore it so later test files in this jest worker
// (dockerode over a unix socket) are not routed to 127.0.0.1:80.
afterAll(() => nock.restore());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("grouping", () => {
  it("groups current regressions by scope and night, ignoring improvements and recovered dips", () => {
    const groups = groupRegressions([
      change({}),
      change({ point: "concurrency=128", series: "x/128" }),
      change({ kind: "improvement", direction: "faster", change_pct: -8.1, series: "y" }),
      change({ current: false, date: "20251001", series: "z" }),
      change({ suite: "grok-online", model: "GROK2_FP8", date: "20251113" }),
    ]);
    expect(groups.map((g) => [g.scope, g.date, g.changes.length])).toEqual([
      ["mi30x/DeepSeek-V3-0324_FP8/deepseek-online", "20251016", 2],
      ["mi30x/GROK2_FP8/grok-online", "20251113", 1],
    ]);
    const body = issueBody(groups[0]!, { chartUrl: () => "https://acme.github.io/chart.png" });
    expect(body.startsWith(issueMarker(groups[0]!))).toBe(true);
    expect(body).toContain("v0.5.3.post1-rocm630-mi30x-20251015");
    expect(body).toContain("| concurrency=64 | Median ITL (ms) | 42.00 | 45.40 | +8.1 % slower | 9.2 |");
    // The same words and sign as the PR report: a latency rise is "+… slower", headline first.
    expect(body.split("\n")[1]).toBe(
      "### 🔴 DeepSeek-V3 decode 8.1 % slower since 2025-10-16: Median ITL, concurrency 64 · deepseek-online (and 1 more series)",
    );
    expect(body).toContain("`▁▃▂▃▇█▇`");
    expect(body).toContain("![Median ITL concurrency=64](https://acme.github.io/chart.png)");
  });
});

describe("syncRegressionIssues", () => {
  it("opens one labelled issue per new regression", async () => {
    let createdBody: { title: string; body: string; labels: string[] } | undefined;
    const api = nock(API)
      .get("/repos/acme/sglang/issues")
      .query({ labels: REGRESSION_LABEL, state: "all", per_page: "100" })
      .reply(200, [])
      .post("/repos/acme/sglang/issues", (b: { title: string; body: string; labels: string[] }) => {
        createdBody = b;
        return true;
      })
      .reply(201, { number: 7, title: "t", state: "open", body: "" });
    const out = await syncRegressionIssues(octokit(), groupRegressions([change({})]), opts);
    expect(api.isDone()).toBe(true);
    expect(out.opened).toEqual([
      { number: 7, title: expect.stringContaining("DeepSeek-V3-0324_FP8 deepseek-online on mi30x from 20251016") },
    ]);
    expect(createdBody?.labels).toEqual([REGRESSION_LABEL]);
    expect(createdBody?.body).toContain(
      "<!-- sglbench-regression: mi30x/DeepSeek-V3-0324_FP8/deepseek-online@20251016 -->",
    );
  });

  it("updates the open issue of the same regression (even if the split moved a night) instead of duplicating", async () => {
    const groups = groupRegressions([change({ change_pct: 9 })]);
    const old = issueMarker({ scope: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online", date: "20251017" });
    const api = nock(API)
      .get("/repos/acme/sglang/issues")
      .query(true)
      .reply(200, [{ number: 3, title: "old", state: "open", body: `${old}\nold text` }])
      .patch("/repos/acme/sglang/issues/3", (b: { body: string }) => b.body.includes("+9.0 %"))
      .reply(200, { number: 3 });
    const out = await syncRegressionIssues(octokit(), groups, opts);
    expect(api.isDone()).toBe(true);
    expect(out.updated.map((i) => i.number)).toEqual([3]);
    expect(out.opened).toEqual([]);
  });

  it("leaves an issue closed by hand closed and opens nothing", async () => {
    const marker = issueMarker({ scope: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online", date: "20251016" });
    const api = nock(API)
      .get("/repos/acme/sglang/issues")
      .query(true)
      .reply(200, [{ number: 4, title: "closed", state: "closed", body: marker }]);
    const out = await syncRegressionIssues(octokit(), groupRegressions([change({})]), opts);
    expect(api.isDone()).toBe(true);
    expect(out.leftClosed.map((i) => i.number)).toEqual([4]);
    expect(out.opened).toEqual([]);
    expect(out.updated).toEqual([]);
  });

  it("a regression weeks later in the same scope gets its own issue; nothing to do makes no call", async () => {
    const marker = issueMarker({ scope: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online", date: "20250901" });
    nock(API)
      .get("/repos/acme/sglang/issues")
      .query(true)
      .reply(200, [{ number: 4, title: "c", state: "closed", body: marker }]);
    nock(API).post("/repos/acme/sglang/issues").reply(201, { number: 9, title: "n", state: "open" });
    const out = await syncRegressionIssues(octokit(), groupRegressions([change({})]), opts);
    expect(out.opened.map((i) => i.number)).toEqual([9]);
    expect(await syncRegressionIssues(octokit(), [], opts)).toEqual({
      opened: [],
      updated: [],
      leftClosed: [],
      unchanged: [],
    });
  });

  it("a listing failure names the repository", async () => {
    nock(API).get("/repos/acme/sglang/issues").query(true).reply(403, { message: "Resource not accessible" });
    await expect(syncRegressionIssues(octokit(), groupRegressions([change({})]), opts)).rejects.toThrow(
      "cannot list the sglbench-regression issues of acme/sglang",
    );
  });
});
