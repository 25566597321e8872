/** workflow_job progress and workflow_run completion: report + gate, failure with the failing job, cancelled and stale runs. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  parseRequestMarker,
  parseStickyState,
  renderSticky,
  requestMarker,
  type StickyState,
} from "../../src/core/request/index.js";
import {
  API,
  APP_ID,
  deliver,
  dispatchedRegistry,
  workflowRunPayload,
  example,
  HEAD,
  makeProbot,
  mockConfig,
  mockToken,
  nock,
  OWNER,
  PR,
  REPO,
  stickyComment,
  type Json,
} from "../helpers/app-harness.js";
import { zipFiles } from "../helpers/app-zip.js";

const R = `/repos/${OWNER}/${REPO}`;
const REQUEST_ID = `${OWNER}/${REPO}#${PR}@${HEAD}/c1001`;
const TITLE = `sglbench ${REQUEST_ID} PR #${PR}`;
/** The fields of a run the App dispatched: its workflow file, event and repository. */
const DISPATCHED_RUN = {
  path: ".github/workflows/benchmark.yml",
  event: "workflow_dispatch",
  head_repository: { full_name: `${OWNER}/${REPO}` },
};
const MARKED = `${requestMarker({ models: ["grok"], types: ["offline"], modes: ["normal"], repeats: 3, baseline: "nightly" })}\nQueued`;

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.restore());

function jobPayload(): Json {
  const p = example("workflow_job", "in_progress");
  p.repository.owner.login = OWNER;
  p.repository.name = REPO;
  p.repository.full_name = `${OWNER}/${REPO}`;
  p.workflow_job.run_id = 4242;
  return p;
}

/** workflow_run.completed of the benchmark. */
const runPayload = (conclusion: string, title = TITLE): Json => workflowRunPayload({ conclusion, title });

const checkRun = (status: string, conclusion: string | null = null): Json => ({
  total_count: 1,
  check_runs: [
    {
      id: 77,
      head_sha: HEAD,
      status,
      conclusion,
      external_id: REQUEST_ID,
      app: { id: APP_ID },
      details_url: null,
      output: { summary: MARKED },
    },
  ],
});

const JOBS = {
  total_count: 3,
  jobs: [
    { name: "plan", status: "completed", conclusion: "success", html_url: "https://github.com/j/1" },
    { name: "suite (grok, offline)", status: "completed", conclusion: "failure", html_url: "https://github.com/j/2" },
    { name: "suite (grok, online)", status: "in_progress", conclusion: null, html_url: "https://github.com/j/3" },
  ],
};

/** Completion reads: check run, config, sticky comment. */
function completionReads(check: Json, sticky: StickyState | null, config: string | null = null): nock.Scope {
  const scope = mockToken(nock(API)).get(`${R}/commits/${HEAD}/check-runs`).query(true).reply(200, check);
  mockConfig(scope, config);
  return scope
    .get(`${R}/issues/${PR}/comments`)
    .query(true)
    .reply(200, sticky ? [stickyComment(renderSticky("queued", sticky))] : []);
}

const LATEST: StickyState = { last: { requestId: REQUEST_ID, sha: HEAD, at: "2026-11-23T09:00:00Z", by: "alice" } };

/** The report artifact listing (with its size, checked before download) and its download (GitHub redirects to blob storage). */
function artifact(scope: nock.Scope, sizeInBytes = 2048): nock.Scope {
  return scope
    .get(`${R}/actions/runs/4242/artifacts`)
    .query(true)
    .reply(200, {
      total_count: 1,
      artifacts: [{ id: 31, name: "sglbench-report", expired: false, size_in_bytes: sizeInBytes }],
    })
    .get(`${R}/actions/artifacts/31/zip`)
    .reply(302, "", { location: "https://blob.example.test/artifact.zip" });
}

describe("workflow_job", () => {
  it("moves the check run to in_progress with which jobs are done and links the run", async () => {
    let update: Json = {};
    const scope = mockToken(nock(API))
      .get(`${R}/actions/runs/4242`)
      .reply(200, {
        id: 4242,
        status: "in_progress",
        conclusion: null,
        html_url: "https://github.com/r/4242",
        display_title: TITLE,
        ...DISPATCHED_RUN,
      })
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, checkRun("queued"))
      .get(`${R}/actions/runs/4242/jobs`)
      .query(true)
      .reply(200, JOBS)
      .patch(`${R}/check-runs/77`, (b: Json) => ((update = b), true))
      .reply(200, {});
    await deliver(makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) }), "workflow_job", jobPayload());
    expect(scope.pendingMocks()).toEqual([]);
    expect(update).toMatchObject({ status: "in_progress", details_url: "https://github.com/r/4242" });
    expect(update.output.title).toBe("Running: 2 of 3 jobs done");
    expect(parseRequestMarker(update.output.summary)?.models).toEqual(["grok"]); // kept for "Re-run"
    expect(update.output.summary).toContain("✅ plan");
    expect(update.output.summary).toContain("❌ suite (grok, offline) (failure)");
    expect(update.output.summary).toContain("⏳ suite (grok, online)");
  });

  it("ignores jobs of other workflows and never reopens a finished check", async () => {
    const other = mockToken(nock(API))
      .get(`${R}/actions/runs/4242`)
      .reply(200, {
        id: 4242,
        status: "in_progress",
        conclusion: null,
        html_url: "u",
        display_title: "CI: lint",
        ...DISPATCHED_RUN,
      });
    await deliver(makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) }), "workflow_job", jobPayload());
    expect(other.pendingMocks()).toEqual([]);

    const done = mockToken(nock(API))
      .get(`${R}/actions/runs/4242`)
      .reply(200, {
        id: 4242,
        status: "in_progress",
        conclusion: null,
        html_url: "u",
        display_title: TITLE,
        ...DISPATCHED_RUN,
      })
      .get(`${R}/commits/${HEAD}/check-runs`)
      .query(true)
      .reply(200, checkRun("completed", "cancelled"));
    await deliver(makeProbot({ dispatches: dispatchedRegistry(REQUEST_ID) }), "workflow_job", jobPayload());
    expect(done.pendingMocks()).toEqual([]);
  });
});

describe("workflow_run.completed", () => {
  it("with regressions: downloads the report, fails the check (gate), replaces the sticky comment", async () => {
    let update: Json = {};
    let sticky = "";
    const zip = zipFiles({
      "pr2/report.md":
        "# Performance Comparison Report\n\n| metric | change |\n| --- | --- |\n| output throughput | 🔴 -8.1% |\n",
      "pr2/results.json": JSON.stringify({
        verdict: "regressed",
        summary: { regressed: 2, improved: 1, unchanged: 30, inconclusive: 3, failed: 0 },
      }),
    });
    const scope = artifact(completionReads(checkRun("in_progress"), LATEST))
      .patch(`${R}/check-runs/77`, (b: Json) => ((update = b), true))
      .reply(200, {})
      .patch(`${R}/issues/comments/555`, (b: Json) => ((sticky = b.body), true))
      .reply(200, {});
    const blob = nock("https://blob.example.test")
      .get("/artifact.zip")
      .reply(200, zip, { "content-type": "application/zip" });
    await deliver(makeProbot(), "workflow_run", runPayload("success"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(blob.isDone()).toBe(true);
    expect(update).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(update.output.title).toContain("🔴 2 regressed");
    expect(update.output.summary).toContain("output throughput | 🔴 -8.1%");
    expect(parseRequestMarker(update.output.summary)?.types).toEqual(["offline"]);
    expect(sticky).toContain("# Performance Comparison Report");
    expect(sticky).toContain("@alice");
    expect(parseStickyState(sticky).last?.requestId).toBe(REQUEST_ID);
  });

  it.each([
    [
      "regressions give a neutral check",
      { "report.md": "r", "results.json": JSON.stringify({ summary: { regressed: 1 } }) },
      "neutral",
    ],
    ["a report without results.json still fails (fail closed)", { "report.md": "all good, trust me" }, "failure"],
  ])("gate policy neutral: %s", async (_what, files, conclusion) => {
    let update: Json = {};
    const scope = artifact(completionReads(checkRun("in_progress"), LATEST, "gate:\n  policy: neutral\n"))
      .patch(`${R}/check-runs/77`, (b: Json) => ((update = b), true))
      .reply(200, {})
      .patch(`${R}/issues/comments/555`)
      .reply(200, {});
    nock("https://blob.example.test")
      .get("/artifact.zip")
      .reply(200, zipFiles(files as Record<string, string>), { "content-type": "application/zip" });
    await deliver(makeProbot(), "workflow_run", runPayload("success"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(update).toMatchObject({ status: "completed", conclusion });
    if (conclusion === "failure") expect(update.output.title).toContain("results.json is missing");
  });

  it("failed without a report: failure with the failing job and a link to its logs", async () => {
    let update: Json = {};
    let sticky = "";
    const scope = completionReads(checkRun("in_progress"), LATEST)
      .get(`${R}/actions/runs/4242/artifacts`)
      .query(true)
      .reply(200, { total_count: 0, artifacts: [] })
      .get(`${R}/actions/runs/4242/jobs`)
      .query(true)
      .reply(200, JOBS)
      .patch(`${R}/check-runs/77`, (b: Json) => ((update = b), true))
      .reply(200, {})
      .patch(`${R}/issues/comments/555`, (b: Json) => ((sticky = b.body), true))
      .reply(200, {});
    await deliver(makeProbot(), "workflow_run", runPayload("failure"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(update).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(update.output.title).toBe("Benchmark failed in suite (grok, offline)");
    expect(sticky).toContain("`suite (grok, offline)` failure: [logs](https://github.com/j/2)");
  });

  it("cancelled run whose check was already cancelled (superseded): nothing more", async () => {
    const scope = completionReads(checkRun("completed", "cancelled"), LATEST);
    await deliver(makeProbot(), "workflow_run", runPayload("cancelled"));
    expect(scope.pendingMocks()).toEqual([]);
  });

  it("a stale run finishes its check but leaves the sticky comment to the latest request", async () => {
    let update: Json = {};
    const newer: StickyState = {
      last: { requestId: `${OWNER}/${REPO}#${PR}@${HEAD}/c2000`, sha: HEAD, at: "t", by: "bob" },
    };
    const scope = completionReads(checkRun("in_progress"), newer)
      .get(`${R}/actions/runs/4242/jobs`)
      .query(true)
      .reply(200, { total_count: 0, jobs: [] })
      .patch(`${R}/check-runs/77`, (b: Json) => ((update = b), true))
      .reply(200, {});
    await deliver(makeProbot(), "workflow_run", runPayload("cancelled"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(update.conclusion).toBe("cancelled");
  });

  it("a huge report stays within the check-run (65 535) and comment (65 536) limits", async () => {
    let update: Json = {};
    let sticky = "";
    const rows = Array.from({ length: 4000 }, (_, i) => `| point ${i} | output throughput | 🟢 +0.${i % 10}% |`).join(
      "\n",
    );
    const zip = zipFiles({
      "report.md": `# Report\n\n${rows}\n`,
      "results.json": JSON.stringify({ summary: { regressed: 0, improved: 4000 } }),
    });
    const scope = artifact(completionReads(checkRun("in_progress"), LATEST), zip.length)
      .patch(`${R}/check-runs/77`, (b: Json) => ((update = b), true))
      .reply(200, {})
      .patch(`${R}/issues/comments/555`, (b: Json) => ((sticky = b.body), true))
      .reply(200, {});
    nock("https://blob.example.test").get("/artifact.zip").reply(200, zip, { "content-type": "application/zip" });
    await deliver(makeProbot(), "workflow_run", runPayload("success"));
    expect(scope.pendingMocks()).toEqual([]);
    expect(update.conclusion).toBe("success");
    expect(update.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(update.output.summary).toContain("truncated");
    expect(parseRequestMarker(update.output.summary)).not.toBeNull(); // first, so truncation keeps it
    expect(sticky.length).toBeLessThanOrEqual(65_536);
    expect(parseStickyState(sticky).last?.requestId).toBe(REQUEST_ID);
  });

  it("runs of other workflows are ignored without any API call", async () => {
    const h = makeProbot();
    await deliver(h, "workflow_run", runPayload("success", "ci: lint"));
    expect(h.queue.stats().handled).toBe(0);
  });
});
