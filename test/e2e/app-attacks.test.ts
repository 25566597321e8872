/**
 * Issue 13's attacks, end to end: the real server (`startApp`, what `npm start` runs, throttling
 * on) fed signed webhooks built from @octokit/webhooks-examples, against the stateful GitHub
 * stand-in (test/helpers/app-standin.ts), which serves the workflow runs, jobs and artifacts the
 * test registers. Every assertion is on what the stand-in recorded or holds — never on timing:
 * waits poll its calls with a generous bound, and order is read from the order of its calls.
 *
 * Each attack gets its own PR (and its own dispatch where it needs one), so the tests share the
 * App and the stand-in but not their state. Writes are spaced ≥1 s by Octokit's throttling (3 s
 * for new comments), so a dispatch costs ~5 s: hence the per-file timeout.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { startApp, type RunningApp } from "../../src/app/server.js";
import { parseStickyState } from "../../src/core/request/index.js";
import {
  appEnvFor,
  freePort,
  rawPost,
  runHtmlUrl,
  sendWebhook,
  startStandIn,
  type RecordedCall,
  type StandIn,
  type StandInArtifact,
} from "../helpers/app-standin.js";
import { zipBomb, zipFiles } from "../helpers/app-zip.js";

jest.setTimeout(240_000);

const SECRET = "webhook-secret-for-attacks";
const OWNER = "Codertocat";
const REPO = "Hello-World";
const FULL = `${OWNER}/${REPO}`;
const R = `/repos/${FULL}`;
const WORKFLOW = ".github/workflows/benchmark.yml";
const RESULTS = (summary: Record<string, number>): string => JSON.stringify({ verdict: "x", summary });
const UNCHANGED = RESULTS({ regressed: 0, improved: 0, unchanged: 3, inconclusive: 0, failed: 0 });

/** Loose JSON for payloads and recorded bodies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * A deep copy of the first @octokit/webhooks-examples payload of `name` with `action`. Not
 * app-harness's `example`: that module imports nock, whose interceptors hold back a request
 * that never ends (the 150 MB POST below) — here nothing is mocked.
 */
function example(name: string, action: string): Json {
  const all = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{
    name: string;
    examples: Array<Record<string, unknown> & { action?: string; installation?: unknown }>;
  }>;
  const list = all.find((e) => e.name === name)?.examples.filter((x) => x.action === action) ?? [];
  const chosen = list.find((x) => x.installation) ?? list[0];
  if (!chosen) throw new Error(`no ${name}.${action} example`);
  return structuredClone(chosen);
}

let standIn: StandIn;
let app: RunningApp;
let base: string;

beforeAll(async () => {
  standIn = await startStandIn();
  standIn.permissions.set("alice", "write");
  const port = await freePort();
  app = await startApp({ ...appEnvFor(standIn, port, SECRET), LOG_LEVEL: "fatal" });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  standIn.outage = 400; // whatever is still queued fails at once instead of waiting on the throttle
  await app?.stop(10_000);
  await standIn?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns a value (bounded: a loaded machine is slow, not stuck). */
async function until<T>(what: string, probe: () => T | undefined, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Deliver a signed webhook; it must be accepted. `settle` waits for the App's background work. */
async function deliver(event: string, payload: unknown, settle = true): Promise<void> {
  const res = await sendWebhook(`${base}/api/github/webhooks`, SECRET, event, payload, `d-${Math.random()}`);
  expect(res.status).toBe(200);
  if (settle) await app.queue.idle();
}

/** Calls the stand-in recorded since `mark` (an index into its calls). */
const since = (mark: number): RecordedCall[] => standIn.calls.slice(mark);
/** Anything that changes GitHub (the installation token exchange aside). */
const writes = (calls: RecordedCall[]): string[] =>
  calls.filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens")).map((c) => `${c.method} ${c.path}`);

/** issue_comment.created on PR `pr` (the example is on an issue: `pull_request` added). */
function commentPayload(
  body: string,
  opts: { pr: number; commentId: number; login?: string; association?: string },
): Json {
  const p = example("issue_comment", "created");
  p.repository.owner.login = OWNER;
  p.repository.name = REPO;
  p.repository.full_name = FULL;
  p.issue.number = opts.pr;
  p.issue.pull_request = { url: `https://api.github.com${R}/pulls/${opts.pr}` };
  p.comment.body = body;
  p.comment.id = opts.commentId;
  p.comment.user.login = opts.login ?? "alice";
  p.comment.user.type = "User";
  p.comment.author_association = opts.association ?? "OWNER";
  p.sender.login = opts.login ?? "alice";
  p.sender.type = "User";
  return p;
}

interface RunSpec {
  id: number;
  title: string;
  event?: string;
  path?: string;
  headRepo?: string;
  conclusion?: string;
}

/** A workflow_run webhook (`requested` or `completed`) for `run`, in the PR's repository. */
function runPayload(action: "requested" | "completed", run: RunSpec): Json {
  const p = example("workflow_run", "completed");
  p.action = action;
  p.installation = { id: 1 };
  p.repository.owner.login = OWNER;
  p.repository.name = REPO;
  p.repository.full_name = FULL;
  Object.assign(p.workflow_run, {
    id: run.id,
    display_title: run.title,
    event: run.event ?? "workflow_dispatch",
    path: run.path ?? WORKFLOW,
    status: action === "completed" ? "completed" : "queued",
    conclusion: action === "completed" ? (run.conclusion ?? "success") : null,
    html_url: runHtmlUrl(FULL, run.id),
    head_repository: { ...p.workflow_run.head_repository, full_name: run.headRepo ?? FULL },
  });
  return p;
}

/** A workflow_job webhook for a job of run `runId`. */
function jobPayload(runId: number): Json {
  const p = example("workflow_job", "in_progress");
  p.installation = { id: 1 };
  p.repository.owner.login = OWNER;
  p.repository.name = REPO;
  p.repository.full_name = FULL;
  p.workflow_job.run_id = runId;
  return p;
}

/** Register `run` in the stand-in (it is what GitHub would serve for it) with its artifacts. */
function register(run: RunSpec, artifacts: StandInArtifact[] = []): void {
  standIn.addRun(
    {
      id: run.id,
      repo: FULL,
      path: run.path ?? WORKFLOW,
      event: run.event ?? "workflow_dispatch",
      title: run.title,
      headRepo: run.headRepo ?? FULL,
      status: "completed",
      conclusion: run.conclusion ?? "success",
    },
    artifacts,
  );
}

const report = (files: Record<string, string>, redirect = false): StandInArtifact => ({
  bytes: zipFiles(files),
  redirect,
});

/**
 * A writer's `/benchmark` on PR `pr`, handled to the end: returns the dispatched request id and
 * the run title `benchmark.yml` gives it.
 */
async function dispatchOn(pr: number, commentId: number): Promise<{ requestId: string; title: string }> {
  await deliver("issue_comment", commentPayload("/benchmark models=grok", { pr, commentId }));
  const dispatch = standIn.calls.find(
    (c) =>
      c.path === `${R}/actions/workflows/benchmark.yml/dispatches` &&
      String((c.body as Json).inputs?.request_id).endsWith(`#${pr}@${(c.body as Json).inputs?.head_sha}/c${commentId}`),
  );
  expect(dispatch).toBeDefined();
  const requestId = String((dispatch?.body as Json).inputs.request_id);
  return { requestId, title: `sglbench ${requestId} PR #${pr}` };
}

/** The App's check run for a request, as the stand-in holds it. */
const checkFor = (requestId: string): (typeof standIn.checkRuns)[number] | undefined =>
  standIn.checkRuns.find((c) => c.external_id === requestId);
/** The sticky comment on PR `pr`, as the stand-in holds it. */
const stickyOn = (pr: number): string | undefined =>
  standIn.comments.find((c) => c.issue === pr && c.body.includes("<!-- sglbench:sticky -->"))?.body;

/** A finished run of a dispatched request, with its artifact: the check's conclusion after it. */
async function finishWith(pr: number, commentId: number, runId: number, artifact: StandInArtifact): Promise<string> {
  const { requestId, title } = await dispatchOn(pr, commentId);
  register({ id: runId, title }, [artifact]);
  await deliver("workflow_run", runPayload("requested", { id: runId, title }));
  await deliver("workflow_run", runPayload("completed", { id: runId, title }));
  const check = checkFor(requestId);
  expect(check?.status).toBe("completed");
  return String(check?.conclusion);
}

describe("forged runs and jobs write nothing", () => {
  it("a fork's pull_request run titled like our request, with a sglbench-report artifact: no write, no download", async () => {
    const { requestId, title } = await dispatchOn(20, 2001);
    const forged: RunSpec = { id: 5001, title, event: "pull_request", headRepo: `mallory/${REPO}` };
    register(forged, [report({ "report.md": "# All good, merge it", "results.json": UNCHANGED })]);
    const mark = standIn.calls.length;
    await deliver("workflow_run", runPayload("requested", forged));
    await deliver("workflow_run", runPayload("completed", forged));
    expect(writes(since(mark))).toEqual([]);
    expect(since(mark).filter((c) => c.path.includes("/actions/"))).toEqual([]);
    expect(checkFor(requestId)?.status).toBe("queued");
  });

  it("a workflow_job of an unrelated run while a dispatch waits: one read of the run, no write, then nothing", async () => {
    const { requestId, title } = await dispatchOn(21, 2101);
    // The fork's CI run, even titled like our request.
    register({ id: 5101, title, event: "pull_request", path: ".github/workflows/ci.yml", headRepo: `mallory/${REPO}` });
    const mark = standIn.calls.length;
    await deliver("workflow_job", jobPayload(5101));
    await deliver("workflow_job", jobPayload(5101));
    expect(writes(since(mark))).toEqual([]);
    expect(
      since(mark)
        .filter((c) => c.path.includes("/actions/"))
        .map((c) => `${c.method} ${c.path}`),
    ).toEqual([`GET ${R}/actions/runs/5101`]);
    expect(checkFor(requestId)?.status).toBe("queued");
  });

  it("a second run claiming a request already bound to its run: no write; the bound run still completes", async () => {
    const { requestId, title } = await dispatchOn(23, 2301);
    register({ id: 5301, title }, [report({ "report.md": "# Genuine", "results.json": UNCHANGED })]);
    // A second dispatch of the workflow with the same request id (same file, same repository).
    register({ id: 5302, title }, [report({ "report.md": "# Forged: all good", "results.json": UNCHANGED })]);
    await deliver("workflow_run", runPayload("requested", { id: 5301, title }));
    const mark = standIn.calls.length;
    await deliver("workflow_run", runPayload("requested", { id: 5302, title }));
    await deliver("workflow_run", runPayload("completed", { id: 5302, title }));
    expect(writes(since(mark))).toEqual([]);
    expect(since(mark).filter((c) => c.path.includes("/actions/"))).toEqual([]);
    expect(checkFor(requestId)?.status).toBe("queued");

    await deliver("workflow_run", runPayload("completed", { id: 5301, title }));
    expect(checkFor(requestId)).toMatchObject({ status: "completed", details_url: runHtmlUrl(FULL, 5301) });
    expect(stickyOn(23)).toContain("Genuine");
    expect(stickyOn(23)).not.toContain("Forged");
  });
});

describe("a genuine dispatched run", () => {
  it("completes its check and rewrites the sticky comment, with nothing from the artifact live in it", async () => {
    const pr = 22;
    const { requestId, title } = await dispatchOn(pr, 2201);
    const queued = stickyOn(pr);
    expect(queued).toContain("<!-- sglbench:sticky -->");
    const hostile = [
      "# Benchmark report",
      "",
      "cc @everyone",
      "<img src=https://evil.example/x.png>",
      "![x](https://evil.example/p.png)",
      '<!-- sglbench:state {"approval":{"sha":"x","by":"m","at":"t"}} -->',
    ].join("\n");
    register({ id: 5201, title }, [report({ "pr22/report.md": hostile, "pr22/results.json": UNCHANGED }, true)]);

    await deliver("workflow_run", runPayload("requested", { id: 5201, title }));
    await deliver("workflow_job", jobPayload(5201));
    expect(checkFor(requestId)).toMatchObject({ status: "in_progress", details_url: runHtmlUrl(FULL, 5201) });
    const mark = standIn.calls.length;
    await deliver("workflow_run", runPayload("completed", { id: 5201, title }));

    // The artifact was fetched through GitHub's redirect to its storage.
    expect(since(mark).map((c) => `${c.method} ${c.path}`)).toEqual(
      expect.arrayContaining([
        `GET ${R}/actions/runs/5201/artifacts`,
        expect.stringMatching(new RegExp(`^GET ${R}/actions/artifacts/\\d+/zip$`)),
        expect.stringMatching(/^GET \/_blobs\/artifacts\/\d+$/),
      ]),
    );
    const check = checkFor(requestId);
    expect(check).toMatchObject({ status: "completed", conclusion: "success" });
    const body = stickyOn(pr) ?? "";
    expect(body).not.toBe(queued);
    expect(body).toContain("sglbench: results for");
    expect(body).toContain("Benchmark report");
    const summary = String((check?.output as Json).summary);
    for (const text of [body, summary]) {
      // The mention is neutralised (a zero-width space after the @).
      expect(text).not.toMatch(/(^|[^A-Za-z0-9_])@everyone/m);
      expect(text).toContain("@\u200Beveryone");
      // The HTML is escaped: no tag forms.
      expect(text).not.toMatch(/<img\b/i);
      expect(text).toContain("&lt;img");
      // The image is not a markdown image, and no evil URL is a link.
      expect(text).not.toMatch(/!\[[^\]]*\]\(/);
      expect(text).not.toContain("https://evil.example");
      // The hidden marker is escaped: it cannot set the App's state.
      expect(text).not.toContain('<!-- sglbench:state {"approval"');
    }
    expect(parseStickyState(body).approval).toBeUndefined();
    expect(parseStickyState(body).last?.requestId).toBe(requestId);
  });
});

describe("reports that cannot back a verdict fail the check", () => {
  it("a zip bomb: failure, with the RSS growth far below 600 MB", async () => {
    // 1 GiB of zeros in report.md (~1 MB compressed), served through the storage redirect.
    const bomb = await zipBomb({ "report.md": { zeros: 1024 * 1024 * 1024 }, "results.json": UNCHANGED });
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const { requestId, title } = await dispatchOn(24, 2401);
    register({ id: 5401, title }, [{ bytes: bomb, redirect: true }]);
    await deliver("workflow_run", runPayload("requested", { id: 5401, title }));

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      await deliver("workflow_run", runPayload("completed", { id: 5401, title }));
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(since(0).some((c) => /^\/_blobs\/artifacts\/\d+$/.test(c.path))).toBe(true);
    expect(checkFor(requestId)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(stickyOn(24)).toContain("report.md inflates to more than 1 MB");
    expect(peak - before).toBeLessThan(300 * 1024 * 1024);
  });

  it.each([
    ["results.json missing", 25, { "report.md": "# R" }],
    ["results.json schema-invalid", 26, { "report.md": "# R", "results.json": '{"summary":{"regressed":"none"}}' }],
    [
      "every point failed",
      27,
      { "report.md": "# R", "results.json": RESULTS({ regressed: 0, improved: 0, unchanged: 0, failed: 4 }) },
    ],
  ])("%s: failure", async (_what, pr, files) => {
    expect(await finishWith(pr, pr * 100 + 1, 5000 + pr * 10, report(files))).toBe("failure");
    expect(stickyOn(pr)).toContain("the check fails");
  });
});

describe("flooding the webhook endpoint", () => {
  it("a 150 MB unsigned POST is answered 4xx without reading it; nothing reaches GitHub; /healthz still 200", async () => {
    await app.queue.idle();
    const mark = standIn.calls.length;
    const status = await rawPost(
      `${base}/api/github/webhooks`,
      {
        "content-type": "application/json",
        "content-length": String(150 * 1024 * 1024),
        "x-github-event": "issue_comment",
        "x-github-delivery": "huge",
      },
      Buffer.alloc(64 * 1024, 32),
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await app.queue.idle();
    expect(since(mark)).toEqual([]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("100 outsiders' commands, then a writer's: the writer's 👀 comes before the 10th refusal", async () => {
    const pr = 30;
    const outsiders = 100;
    const mark = standIn.calls.length;
    for (let i = 0; i < outsiders; i++)
      await deliver(
        "issue_comment",
        commentPayload("/benchmark", { pr, commentId: 30_000 + i, login: `outsider${i}`, association: "NONE" }),
        false,
      );
    await deliver("issue_comment", commentPayload("/benchmark models=grok", { pr, commentId: 39_999 }), false);

    const isRefusal = (c: RecordedCall): boolean =>
      c.method === "POST" &&
      c.path === `${R}/issues/${pr}/comments` &&
      /^@outsider\d+, thanks for your interest/.test(String((c.body as Json)?.body));
    const isEyes = (c: RecordedCall): boolean =>
      c.method === "POST" && c.path === `${R}/issues/comments/39999/reactions` && (c.body as Json)?.content === "eyes";
    // Whichever comes first: the writer's 👀, or a 10th refusal without it (then fail at once).
    const first = await until("the writer's 👀 or a 10th refusal", () => {
      let refusals = 0;
      for (const c of since(mark)) {
        if (isEyes(c)) return { eyes: true, refusals };
        if (isRefusal(c) && ++refusals === 10) return { eyes: false, refusals };
      }
      return undefined;
    });
    expect(first.eyes).toBe(true);
    expect(first.refusals).toBeLessThan(10);
    // The outsiders are refused (politely, in their own lane), never served: no reaction, no dispatch.
    await until("an outsider's refusal", () => (since(mark).some(isRefusal) ? true : undefined));
    const servedOutsiders = since(mark).filter((c) => {
      const reactedTo = /\/issues\/comments\/(3\d{4})\/reactions$/.exec(c.path)?.[1];
      const dispatchedFor = /\/c(3\d{4})$/.exec(String((c.body as Json)?.inputs?.request_id ?? ""))?.[1];
      const comment = reactedTo ?? dispatchedFor;
      return comment !== undefined && comment !== "39999";
    });
    expect(servedOutsiders).toEqual([]);

    // Let the rest of the flood fail fast rather than wait ~3 s per refusal on the throttle.
    standIn.outage = 400;
    await app.queue.idle();
    standIn.outage = undefined;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
