/**
 * The real server (`startApp`, what `npm start` runs) against a local stand-in for the GitHub API
 * through Probot's GHE_HOST/GHE_PROTOCOL, fed signed webhooks. Octokit throttling stays on, as in
 * production, so this file takes a few seconds (writes are spaced on purpose).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { startApp, type RunningApp } from "../../src/app/server.js";
import { commentPayload, nock } from "../helpers/app-harness.js";
import {
  appEnvFor,
  freePort,
  HEAD_SHA,
  MERGE_BASE_SHA,
  rawPost,
  sendWebhook,
  startStandIn,
  type StandIn,
} from "../helpers/app-standin.js";

// Octokit spaces writes ≥ 1 s apart: a command takes seconds, more on a busy machine.
jest.setTimeout(60_000);

const SECRET = "webhook-secret-for-tests";
let standIn: StandIn;
let app: RunningApp;
let base: string;

beforeAll(async () => {
  // Everything here is real HTTP on 127.0.0.1: nock (imported with the payload helpers) would hold
  // the half-sent deliveries below at the socket, so it is switched off for this file.
  nock.restore();
  standIn = await startStandIn();
  standIn.permissions.set("alice", "write");
  standIn.forks.add(3);
  const port = await freePort();
  app = await startApp({
    ...appEnvFor(standIn, port, SECRET),
    LOG_LEVEL: "fatal",
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await app.stop(5_000);
  await standIn.close();
});

const hook = `/api/github/webhooks`;
const dispatches = (): typeof standIn.calls => standIn.calls.filter((c) => c.path.endsWith("/dispatches"));

async function send(payload: unknown, delivery: string): Promise<number> {
  const res = await sendWebhook(base + hook, SECRET, "issue_comment", payload, delivery);
  await app.queue.idle();
  return res.status;
}

describe("npm start against a GitHub stand-in", () => {
  it("serves /healthz", async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("rejects a webhook with a bad signature without calling GitHub", async () => {
    const before = standIn.calls.length;
    const res = await sendWebhook(
      base + hook,
      SECRET,
      "issue_comment",
      commentPayload("/benchmark"),
      "bad-sig",
      "sha256=00",
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    await app.queue.idle();
    expect(standIn.calls.length).toBe(before);
  });

  it("refuses an oversized or unsized delivery before reading it, and never calls GitHub", async () => {
    const before = standIn.calls.length;
    const headers = {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": "big",
      "x-hub-signature-256": "sha256=00",
    };
    const oversized = await rawPost(
      base + hook,
      { ...headers, "content-length": String(150 * 1024 * 1024) },
      Buffer.alloc(64 * 1024, 32),
    );
    expect(oversized).toBe(413);
    const unsized = await rawPost(
      base + hook,
      { ...headers, "transfer-encoding": "chunked" },
      Buffer.from("2\r\n{}\r\n"),
    );
    expect(unsized).toBe(411);
    expect(standIn.calls.length).toBe(before);
    // Still serving.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("an allowed command: permission check, reactions, one check run, one dispatch, one sticky comment", async () => {
    const status = await send(
      commentPayload("/benchmark models=grok repeats=2", { login: "alice", commentId: 7001 }),
      "d-1",
    );
    expect(status).toBe(200);
    const seen = standIn.calls.map((c) => `${c.method} ${c.path}`);
    expect(seen).toContain("GET /repos/Codertocat/Hello-World/collaborators/alice/permission");
    const reactions = standIn.calls
      .filter((c) => c.path.endsWith("/comments/7001/reactions"))
      .map((c) => (c.body as { content: string }).content);
    expect(reactions).toEqual(["eyes", "rocket"]);
    expect(standIn.calls.filter((c) => c.method === "POST" && c.path.endsWith("/check-runs"))).toHaveLength(1);
    expect(dispatches()).toHaveLength(1);
    expect(dispatches()[0]?.path).toBe("/repos/Codertocat/Hello-World/actions/workflows/benchmark.yml/dispatches");
    expect(dispatches()[0]?.body).toEqual({
      ref: "main",
      inputs: {
        pr: "2",
        head_sha: HEAD_SHA,
        base_sha: MERGE_BASE_SHA,
        models: "grok",
        types: "offline,online",
        modes: "normal",
        repeats: "2",
        baseline: "nightly",
        request_id: `Codertocat/Hello-World#2@${HEAD_SHA}/c7001`,
      },
    });
    const comments = standIn.calls.filter((c) => c.method === "POST" && c.path.endsWith("/issues/2/comments"));
    expect(comments).toHaveLength(1);
    expect((comments[0]?.body as { body: string }).body).toContain("<!-- sglbench:sticky -->");
    // The acknowledgement comes before the work: 👀 precedes the check run and the dispatch.
    const order = standIn.calls.map((c) => c.path);
    expect(order.indexOf("/repos/Codertocat/Hello-World/issues/comments/7001/reactions")).toBeLessThan(
      order.indexOf("/repos/Codertocat/Hello-World/check-runs"),
    );
  });

  it("a redelivered webhook does not dispatch again", async () => {
    await send(commentPayload("/benchmark models=grok repeats=2", { login: "alice", commentId: 7001 }), "d-1");
    expect(dispatches()).toHaveLength(1);
    expect(standIn.calls.filter((c) => c.method === "POST" && c.path.endsWith("/check-runs"))).toHaveLength(1);
  });

  it("no dispatch for a reader, a malformed command or a fork", async () => {
    await send(commentPayload("/benchmark", { login: "bob", commentId: 7002 }), "d-2");
    await send(commentPayload("/benchmark repeats=999", { login: "alice", commentId: 7003 }), "d-3");
    const fork = commentPayload("/benchmark", { login: "alice", commentId: 7004 });
    fork.issue.number = 3;
    await send(fork, "d-4");
    expect(dispatches()).toHaveLength(1);
    const replies = standIn.calls
      .filter((c) => c.method === "POST" && c.path.endsWith("/issues/2/comments"))
      .map((c) => (c.body as { body: string }).body);
    expect(replies.some((b) => b.includes("@bob"))).toBe(true);
    expect(replies.some((b) => b.includes("`repeats`: `999`"))).toBe(true);
    const forkSticky = standIn.calls.find((c) => c.method === "POST" && c.path.endsWith("/issues/3/comments"));
    expect((forkSticky?.body as { body: string }).body).toContain("waiting for approval");
  });
});
