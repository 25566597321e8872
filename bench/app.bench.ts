/**
 * The GitHub App under load, as `npm start` runs it: the App is bundled by scripts/build.mjs (the
 * dist/app.js build, into a temporary folder)
 * and started as its own process against a local stand-in for the GitHub API (GHE_HOST), with
 * Octokit's throttling ON (GitHub asks for ≥1 s between writes of one installation).
 *
 * Prints: webhook HTTP response time (GitHub gives up after 10 s), time to the first
 * acknowledgement (👀 or the queued check run) for isolated commands, and a burst of N commands
 * (none may be lost: one dispatch and one sticky comment each).
 *
 *   npx tsx bench/app.bench.ts [--burst 50] [--sequential 20] [--filtered 300] [--outsiders 100]
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { commentPayloadFor } from "./app-payload.js";
import {
  appEnvFor,
  freePort,
  sendWebhook,
  startStandIn,
  waitForHealthy,
  type StandIn,
} from "../test/helpers/app-standin.js";

const { values } = parseArgs({
  options: {
    burst: { type: "string", default: "50" },
    outsiders: { type: "string", default: "100" },
    sequential: { type: "string", default: "20" },
    filtered: { type: "string", default: "300" },
    // Skip waiting for the burst to drain (≈7 s per command with throttling on): response times only.
    "response-only": { type: "boolean", default: false },
  },
  strict: true,
});
const BURST = Number(values.burst);
const OUTSIDERS = Number(values.outsiders);
const SEQUENTIAL = Number(values.sequential);
const FILTERED = Number(values.filtered);
const SECRET = "bench-secret";

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const fmt = (xs: number[]): string =>
  `p50 ${pct(xs, 50).toFixed(1)} ms · p99 ${pct(xs, 99).toFixed(1)} ms · max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** When the stand-in first saw this command acknowledged (👀 reaction or its queued check run). */
function ackAt(standIn: StandIn, commentId: number): number | undefined {
  return standIn.calls.find(
    (c) =>
      (c.method === "POST" && c.path.endsWith(`/comments/${commentId}/reactions`)) ||
      (c.method === "POST" &&
        c.path.endsWith("/check-runs") &&
        String((c.body as { external_id?: string }).external_id).endsWith(`/c${commentId}`)),
  )?.at;
}
const dispatchesOf = (standIn: StandIn, commentId: number): number =>
  standIn.calls.filter(
    (c) =>
      c.path.endsWith("/dispatches") &&
      String((c.body as { inputs?: { request_id?: string } }).inputs?.request_id).endsWith(`/c${commentId}`),
  ).length;
const stickyPosted = (standIn: StandIn, pr: number): boolean =>
  standIn.calls.some((c) => c.method === "POST" && c.path.endsWith(`/issues/${pr}/comments`));

const standIn = await startStandIn();
standIn.permissions.set("alice", "write");
const dir = mkdtempSync(join(tmpdir(), "sglbench-app-bench-"));
await execa("node", [join(import.meta.dirname, "..", "scripts", "build.mjs")], {
  cwd: join(import.meta.dirname, ".."),
  env: { SGLBENCH_DIST_DIR: dir },
});
const port = await freePort();
const child = spawn(process.execPath, [join(dir, "app.js")], {
  env: {
    PATH: process.env.PATH,
    ...appEnvFor(standIn, port, SECRET),
    // JSON logs at info: Probot's HTTP logger reports each webhook's server-side response time.
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
/** Server-side response times of webhook POSTs, in the order they were answered. */
const serverMs: number[] = [];
let pendingLine = "";
child.stdout?.on("data", (chunk: Buffer) => {
  const lines = (pendingLine + chunk.toString("utf8")).split("\n");
  pendingLine = lines.pop() ?? "";
  for (const line of lines) {
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        responseTime?: number;
        req?: { method?: string; url?: string };
        msg?: string;
      };
      if (
        entry.req?.method === "POST" &&
        entry.req.url?.startsWith("/api/github/webhooks") &&
        typeof entry.responseTime === "number"
      ) {
        serverMs.push(entry.responseTime);
      } else if ((entry.level ?? 0) >= 40) {
        console.error(`app: ${entry.msg ?? line}`);
      }
    } catch {
      console.error(`app: ${line}`);
    }
  }
});
/** Server-side times of the last `n` webhooks answered. */
const lastServer = (n: number): number[] => serverMs.slice(-n);
const base = `http://127.0.0.1:${port}`;
const url = `${base}/api/github/webhooks`;

try {
  if (!(await waitForHealthy(base, 20_000))) throw new Error("the App did not become healthy in 20 s");
  console.log(`App (bundled, own process) on ${base}; GitHub stand-in on 127.0.0.1:${standIn.port}; throttling on.`);

  let nextComment = 50_000;
  const send = async (
    body: string,
    pr: number,
    login = "alice",
    association = "OWNER",
  ): Promise<{ id: number; sentAt: number; responseMs: number }> => {
    const id = nextComment++;
    const sentAt = performance.now();
    const payload = commentPayloadFor(body, pr, id, login, association);
    const res = await sendWebhook(url, SECRET, "issue_comment", payload, `bench-${id}`);
    const responseMs = performance.now() - sentAt;
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    return { id, sentAt, responseMs };
  };

  // Warm-up (installation token, JIT), excluded from the figures.
  const warm = await send("/benchmark", 99);
  await waitFor(() => stickyPosted(standIn, 99), 60_000, "warm-up");
  void warm;

  // 1. Webhooks the App filters out at once (ordinary PR comments).
  const filtered: number[] = [];
  for (let i = 0; i < FILTERED; i++) filtered.push((await send("Looks good to me", 98)).responseMs);
  console.log(`response, non-command comments: ${fmt(filtered)}`);
  await sleep(200); // let the log lines arrive
  console.log(`  server side (Probot's HTTP log, 1 ms resolution): ${fmt(lastServer(FILTERED))}`);

  // 2. Isolated commands (one at a time, 1.2 s apart so the write limiter is idle, as for real comments).
  const seqResponse: number[] = [];
  const seqAck: number[] = [];
  const seqDone: number[] = [];
  const seqSentAt: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    await sleep(1_200);
    const pr = 100 + i;
    const s = await send("/benchmark models=grok", pr);
    seqResponse.push(s.responseMs);
    seqSentAt.push(s.sentAt);
    await waitFor(() => stickyPosted(standIn, pr), 60_000, `command on #${pr}`);
    seqAck.push((ackAt(standIn, s.id) ?? NaN) - s.sentAt);
    seqDone.push(performance.now() - s.sentAt);
  }
  const lastPr = 100 + SEQUENTIAL - 1;
  const lastSent = seqSentAt.at(-1) ?? 0;
  const trace = standIn.calls
    .filter(
      (c) =>
        c.at >= lastSent &&
        (c.path.includes(`/${lastPr}`) ||
          c.path.includes("/check-runs") ||
          c.path.includes("/reactions") ||
          c.path.includes("/contents/") ||
          c.path.includes("/collaborators/") ||
          c.path.includes("/compare/") ||
          c.path.endsWith("/dispatches")),
    )
    .map((c) => `${(c.at - lastSent).toFixed(0)}ms ${c.method} ${c.path.replace("/repos/Codertocat/Hello-World", "")}`);
  console.log(`one isolated command, API calls as the stand-in saw them:\n  ${trace.join("\n  ")}`);
  console.log(`response, isolated /benchmark: ${fmt(seqResponse)}`);
  console.log(`  server side: ${fmt(lastServer(SEQUENTIAL))}`);
  console.log(`first acknowledgement (👀), isolated /benchmark: ${fmt(seqAck)}`);
  console.log(`all five writes done (👀, check run, dispatch, 🚀, sticky), isolated: ${fmt(seqDone)}`);

  // 3. Outsiders first: OUTSIDERS commands by people without write access on one PR, then a
  // maintainer's on the same PR. Goal: the maintainer's 👀 within 15 s.
  const floodPr = 97;
  const floodStart = performance.now();
  for (let i = 0; i < OUTSIDERS; i++) await send("/benchmark", floodPr, `outsider${i}`, "NONE");
  const maintainer = await send("/benchmark models=grok", floodPr);
  await waitFor(() => ackAt(standIn, maintainer.id) !== undefined, 600_000, "the maintainer's 👀");
  const refusalsBefore = standIn.calls.filter(
    (c) =>
      c.method === "POST" &&
      c.path.endsWith(`/issues/${floodPr}/comments`) &&
      c.at >= floodStart &&
      c.at < (ackAt(standIn, maintainer.id) ?? 0),
  ).length;
  console.log(
    `after ${OUTSIDERS} outsiders' commands: the maintainer's 👀 in ${(((ackAt(standIn, maintainer.id) ?? NaN) - maintainer.sentAt) / 1000).toFixed(1)} s (goal ≤ 15 s); ${refusalsBefore} refusals written before it`,
  );
  await sleep(2_000);

  // 4. A burst of commands on distinct PRs, all at once.
  await sleep(1_200);
  const burstStart = performance.now();
  const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => send("/benchmark", 1000 + i)));
  const burstSent = performance.now() - burstStart;
  console.log(
    `burst of ${BURST}: all webhooks answered in ${burstSent.toFixed(0)} ms; response ${fmt(burst.map((b) => b.responseMs))}`,
  );
  await sleep(200);
  console.log(`  server side: ${fmt(lastServer(BURST))}`);
  if (values["response-only"]) {
    console.log("--response-only: not waiting for the burst to drain");
  } else {
    await drainBurst();
  }

  /** Wait until every burst command is dispatched once and reported; print the figures. */
  async function drainBurst(): Promise<void> {
    await waitFor(
      () => burst.every((b, i) => dispatchesOf(standIn, b.id) >= 1 && stickyPosted(standIn, 1000 + i)),
      15 * 60_000,
      "the burst",
    );
    const drained = performance.now() - burstStart;
    const lost = burst.filter((b) => dispatchesOf(standIn, b.id) !== 1).length;
    const acks = burst.map((b) => (ackAt(standIn, b.id) ?? NaN) - b.sentAt);
    const writes = standIn.calls.filter(
      (c) => c.method !== "GET" && c.at >= burstStart && !c.path.includes("access_tokens"),
    );
    const gaps = writes.slice(1).map((w, i) => w.at - (writes[i]?.at ?? w.at));
    console.log(`burst of ${BURST}: first acknowledgement ${fmt(acks)}`);
    console.log(
      `burst of ${BURST}: drained in ${(drained / 1000).toFixed(1)} s; ${writes.length} writes, min gap between writes ${Math.min(...gaps).toFixed(0)} ms; lost or duplicated: ${lost}`,
    );
    const health = (await (await fetch(`${base}/healthz`)).json()) as { queue: { failed: number } };
    console.log(`background task failures: ${health.queue.failed}`);
    if (lost > 0 || health.queue.failed > 0) process.exitCode = 1;
  }
} finally {
  // --response-only leaves queued work behind: no point letting it drain against a closed stand-in.
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(values["response-only"] ? "SIGKILL" : "SIGTERM");
  await exited;
  await standIn.close();
}
