/**
 * `npm start` as shipped: `node dist/app.js` in its own process, configured the Probot way from the
 * environment, against the local GitHub stand-in (GHE_HOST/GHE_PROTOCOL), fed signed webhooks.
 * Only what the stand-in records is observable, so the test waits for the calls to arrive.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { commentPayload } from "../helpers/app-harness.js";
import {
  appEnvFor,
  freePort,
  HEAD_SHA,
  sendWebhook,
  startStandIn,
  waitForHealthy,
  type StandIn,
} from "../helpers/app-standin.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const SECRET = "webhook-secret-for-dist";
let standIn: StandIn;
let child: ResultPromise;
let base: string;

async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const commentText = (body: unknown): string => String((body as { body?: string } | null)?.body);

beforeAll(async () => {
  standIn = await startStandIn();
  standIn.permissions.set("alice", "write");
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = execa("node", [join(import.meta.dirname, "..", "..", "dist", "app.js")], {
    env: {
      PATH: process.env.PATH ?? "",
      ...appEnvFor(standIn, port, SECRET),
      LOG_LEVEL: "warn",
    },
    extendEnv: false,
    reject: false,
  });
  if (!(await waitForHealthy(base, 20_000, () => child.nodeChildProcess.exitCode !== null)))
    throw new Error(`dist/app.js did not become healthy: ${String((await child).stderr).slice(0, 2000)}`);
}, 40_000);

afterAll(async () => {
  child?.kill("SIGTERM");
  await child;
  await standIn?.close();
});

describe("node dist/app.js (npm start) against a GitHub stand-in", () => {
  it("an allowed command is dispatched once with the request's inputs; a reader's gets a refusal, no dispatch", async () => {
    const post = (body: string, login: string, id: number, delivery: string) =>
      sendWebhook(
        `${base}/api/github/webhooks`,
        SECRET,
        "issue_comment",
        commentPayload(body, { login, commentId: id }),
        delivery,
      );
    expect((await post("/benchmark models=deepseek types=online", "alice", 8001, "dist-1")).status).toBe(200);
    expect((await post("/benchmark", "bob", 8002, "dist-2")).status).toBe(200);
    // Redelivery of the allowed command.
    expect((await post("/benchmark models=deepseek types=online", "alice", 8001, "dist-1")).status).toBe(200);

    const sticky = await until("the sticky comment", () =>
      standIn.calls.find((c) => c.method === "POST" && commentText(c.body).includes("sglbench:sticky")),
    );
    expect(sticky.path).toBe("/repos/Codertocat/Hello-World/issues/2/comments");
    await until("bob's refusal", () =>
      standIn.calls.find((c) => c.method === "POST" && commentText(c.body).includes("@bob")),
    );
    const dispatches = standIn.calls.filter((c) => c.path.endsWith("/dispatches"));
    expect(dispatches).toHaveLength(1);
    expect((dispatches[0]?.body as { inputs: Record<string, string> }).inputs).toMatchObject({
      pr: "2",
      head_sha: HEAD_SHA,
      models: "deepseek",
      types: "online",
      request_id: `Codertocat/Hello-World#2@${HEAD_SHA}/c8001`,
    });
    expect(standIn.calls.filter((c) => c.method === "POST" && c.path.endsWith("/check-runs"))).toHaveLength(1);
  }, 60_000);
});
