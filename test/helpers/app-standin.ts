/**
 * A local stand-in for the GitHub REST API (GHE layout: `/api/v3/...`), for the App's end-to-end
 * tests and benchmark. It records every call and keeps just enough state (comments, check runs,
 * workflow runs with their jobs and artifacts) for redelivery and a run's completion to behave as
 * on GitHub. Binds to 127.0.0.1 only.
 *
 * Workflow runs are registered by the test ({@link StandIn.addRun}); what a webhook says about a
 * run (and who commented, `author_association`) comes from the payload the test sends, not from here.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  at: number;
}

/** A workflow run as `GET /repos/:o/:r/actions/runs/:id` describes it. */
export interface StandInRun {
  id: number;
  /** `owner/name` of the repository the run belongs to. */
  repo: string;
  /** `.github/workflows/<file>` */
  path: string;
  /** What started it: `workflow_dispatch`, `pull_request`, … */
  event: string;
  /** `display_title` (the workflow's `run-name`). */
  title: string;
  /** `owner/name` of the repository whose code the run checked out; `repo` when absent. */
  headRepo?: string;
  status?: string;
  conclusion?: string | null;
  /** Defaults to {@link runHtmlUrl}. */
  htmlUrl?: string;
  /** Jobs of the run; one `benchmark` job in progress when absent. */
  jobs?: Array<{ name: string; status: string; conclusion: string | null }>;
}

/** An artifact of a registered run, with the bytes its ZIP download serves. */
export interface StandInArtifact {
  /** Defaults to `sglbench-report`. */
  name?: string;
  bytes: Buffer;
  expired?: boolean;
  /** What the listing claims (`size_in_bytes`); the real size when absent. */
  sizeInBytes?: number;
  /** Serve the download as a 302 to another stand-in path (as GitHub redirects to blob storage). */
  redirect?: boolean;
}

export interface StandIn {
  port: number;
  calls: RecordedCall[];
  close(): Promise<void>;
  /** Users and their permission; anyone else is `read`. */
  permissions: Map<string, string>;
  /** PR number → whether it comes from a fork. */
  forks: Set<number>;
  /** Check runs as GitHub holds them (created, then updated by PATCH). */
  checkRuns: ReadonlyArray<Record<string, unknown> & { id: number; head_sha: string }>;
  /** Issue comments as GitHub holds them (created, then edited by PATCH). */
  comments: ReadonlyArray<{ id: number; issue: number; body: string }>;
  /** Register a workflow run and its artifacts; returns the artifacts' ids. */
  addRun(run: StandInRun, artifacts?: StandInArtifact[]): number[];
  /**
   * When set, every request (recorded as usual) is answered with this status and changes nothing:
   * GitHub refusing the App, so a test can let a flooded queue drain in moments.
   */
  outage: number | undefined;
}

/** The page of a workflow run, as the stand-in reports it (`html_url`). */
export function runHtmlUrl(repo: string, id: number): string {
  return `https://github.example/${repo}/actions/runs/${id}`;
}

export const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
export const MERGE_BASE_SHA = "aaaabbbbccccddddeeeeffff0000111122223333";
const REPORT = "sglbench-report";

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text ? JSON.parse(text) : null);
      } catch {
        resolve(text);
      }
    });
    req.on("error", reject);
  });
}

/** Start the stand-in on an ephemeral port. */
export async function startStandIn(): Promise<StandIn> {
  const calls: RecordedCall[] = [];
  const permissions = new Map<string, string>();
  const forks = new Set<number>();
  const comments: Array<{ id: number; issue: number; body: string }> = [];
  const checkRuns: Array<Record<string, unknown> & { id: number; head_sha: string }> = [];
  const runs = new Map<string, StandInRun>();
  const artifacts = new Map<number, StandInArtifact & { id: number; runKey: string }>();
  const runKey = (repo: string, id: number | string): string => `${repo.toLowerCase()}#${id}`;
  let nextId = 1000;
  let port = 0;
  const state = { outage: undefined as number | undefined };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = url.pathname.replace(/^\/api\/v3/, "");
      const method = req.method ?? "GET";
      calls.push({ method, path, body, at: performance.now() });
      const json = (status: number, data: unknown): void => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(data));
      };
      if (state.outage !== undefined) return json(state.outage, { message: "stand-in: outage" });
      let m: RegExpExecArray | null;
      if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
        return json(201, { token: "ghs_standin", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
      }
      if (method === "GET" && path.includes("/contents/")) return json(404, { message: "Not Found" });
      if (method === "GET" && (m = /\/collaborators\/([^/]+)\/permission$/.exec(path))) {
        const p = permissions.get(decodeURIComponent(m[1] ?? "")) ?? "read";
        return json(200, { permission: p, role_name: p });
      }
      if (method === "GET" && (m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path))) {
        const n = Number(m[3]);
        const full = `${m[1]}/${m[2]}`;
        return json(200, {
          number: n,
          html_url: `https://github.example/${full}/pull/${n}`,
          state: "open",
          labels: [],
          head: { sha: HEAD_SHA, repo: { full_name: forks.has(n) ? `fork-owner/${m[2]}` : full } },
          base: { sha: BASE_SHA, repo: { full_name: full, name: m[2], owner: { login: m[1] } } },
        });
      }
      if (method === "GET" && /\/compare\//.test(path))
        return json(200, { merge_base_commit: { sha: MERGE_BASE_SHA } });
      if (method === "GET" && (m = /\/issues\/(\d+)\/comments$/.exec(path))) {
        const n = Number(m[1]);
        return json(
          200,
          comments
            .filter((c) => c.issue === n)
            .map((c) => ({
              id: c.id,
              body: c.body,
              user: { login: "sglbench[bot]", type: "Bot" },
              performed_via_github_app: { id: 123 },
            })),
        );
      }
      if (method === "POST" && (m = /\/issues\/(\d+)\/comments$/.exec(path))) {
        const c = { id: nextId++, issue: Number(m[1]), body: (body as { body: string }).body };
        comments.push(c);
        return json(201, c);
      }
      if (method === "PATCH" && (m = /\/issues\/comments\/(\d+)$/.exec(path))) {
        const c = comments.find((x) => x.id === Number(m?.[1]));
        if (c) c.body = (body as { body: string }).body;
        return json(200, c ?? {});
      }
      if (method === "POST" && /\/reactions$/.test(path)) return json(201, { id: nextId++ });
      if (method === "GET" && (m = /\/commits\/([0-9a-f]+)\/check-runs$/.exec(path))) {
        const runs = checkRuns.filter((r) => r.head_sha === m?.[1]);
        return json(200, { total_count: runs.length, check_runs: runs });
      }
      if (method === "POST" && /\/check-runs$/.test(path)) {
        // GitHub records which App created a check run; the App trusts only its own.
        const run = { ...(body as Record<string, unknown>), id: nextId++, app: { id: 123 } } as unknown as {
          id: number;
          head_sha: string;
        };
        checkRuns.push(run);
        return json(201, run);
      }
      if (method === "PATCH" && (m = /\/check-runs\/(\d+)$/.exec(path))) {
        const run = checkRuns.find((r) => r.id === Number(m?.[1]));
        if (run) Object.assign(run, body);
        return json(200, run ?? {});
      }
      if (method === "POST" && /\/actions\/workflows\/[^/]+\/dispatches$/.test(path)) {
        res.writeHead(204).end();
        return;
      }
      if (method === "GET" && (m = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)(\/jobs|\/artifacts)?$/.exec(path))) {
        const repo = m[1] ?? "";
        const run = runs.get(runKey(repo, m[2] ?? ""));
        if (!run) return json(404, { message: "Not Found" });
        const htmlUrl = run.htmlUrl ?? runHtmlUrl(run.repo, run.id);
        if (m[3] === "/jobs") {
          const jobs = (run.jobs ?? [{ name: "benchmark", status: "in_progress", conclusion: null }]).map((j, i) => ({
            id: run.id * 100 + i,
            run_id: run.id,
            name: j.name,
            status: j.status,
            conclusion: j.conclusion,
            html_url: `${htmlUrl}/job/${run.id * 100 + i}`,
          }));
          return json(200, { total_count: jobs.length, jobs });
        }
        if (m[3] === "/artifacts") {
          const name = url.searchParams.get("name");
          const list = [...artifacts.values()]
            .filter((a) => a.runKey === runKey(repo, run.id) && (name === null || (a.name ?? REPORT) === name))
            .map((a) => ({
              id: a.id,
              name: a.name ?? REPORT,
              size_in_bytes: a.sizeInBytes ?? a.bytes.length,
              expired: a.expired ?? false,
              archive_download_url: `http://127.0.0.1:${port}/api/v3/repos/${repo}/actions/artifacts/${a.id}/zip`,
            }));
          return json(200, { total_count: list.length, artifacts: list });
        }
        return json(200, {
          id: run.id,
          name: "benchmark",
          display_title: run.title,
          path: run.path,
          event: run.event,
          status: run.status ?? "in_progress",
          conclusion: run.conclusion ?? null,
          html_url: htmlUrl,
          head_repository: { full_name: run.headRepo ?? run.repo },
          repository: { full_name: run.repo },
        });
      }
      const zip = (artifact: StandInArtifact): void => {
        res.writeHead(200, { "content-type": "application/zip", "content-length": artifact.bytes.length });
        res.end(artifact.bytes);
      };
      if (method === "GET" && (m = /^\/repos\/([^/]+\/[^/]+)\/actions\/artifacts\/(\d+)\/zip$/.exec(path))) {
        const artifact = artifacts.get(Number(m[2]));
        if (!artifact || !artifact.runKey.startsWith(`${(m[1] ?? "").toLowerCase()}#`))
          return json(404, { message: "Not Found" });
        if (artifact.expired) return json(410, { message: "Artifact has expired" });
        if (!artifact.redirect) return zip(artifact);
        res.writeHead(302, { location: `http://127.0.0.1:${port}/_blobs/artifacts/${artifact.id}` }).end();
        return;
      }
      if (method === "GET" && (m = /^\/_blobs\/artifacts\/(\d+)$/.exec(path))) {
        const artifact = artifacts.get(Number(m[1]));
        return artifact ? zip(artifact) : json(404, { message: "Not Found" });
      }
      return json(404, { message: `stand-in: no route for ${method} ${path}` });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    calls,
    permissions,
    forks,
    checkRuns,
    comments,
    addRun(run: StandInRun, list: StandInArtifact[] = []): number[] {
      const key = runKey(run.repo, run.id);
      runs.set(key, run);
      return list.map((artifact) => {
        const id = nextId++;
        artifacts.set(id, { ...artifact, id, runKey: key });
        return id;
      });
    },
    get outage() {
      return state.outage;
    },
    set outage(status: number | undefined) {
      state.outage = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A free TCP port on 127.0.0.1 (Probot's server treats port 0 as "use 3000"). */
export { freeLocalPort as freePort } from "../../src/runner/free-port.js";

/** The App's environment, configured the Probot way, pointed at the stand-in (GHE_HOST over http). */
export function appEnvFor(standIn: StandIn, port: number, secret: string): Record<string, string> {
  return {
    APP_ID: "123",
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: secret,
    HOST: "127.0.0.1",
    PORT: String(port),
    GHE_HOST: `127.0.0.1:${standIn.port}`,
    GHE_PROTOCOL: "http",
  };
}

/**
 * Polls the App's `GET /healthz` until it answers OK; false when `timeoutMs` passes first or
 * `gaveUp()` says to stop (e.g. the App's process exited).
 */
export async function waitForHealthy(base: string, timeoutMs: number, gaveUp = (): boolean => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    if (Date.now() > deadline || gaveUp()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh RSA private key for the App's JWT. */
export function testPrivateKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  }).privateKey;
}

/** POST a webhook signed with `secret` (X-Hub-Signature-256), as GitHub does. */
export async function sendWebhook(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  delivery: string,
  signatureOverride?: string,
): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = signatureOverride ?? `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": delivery,
      "x-hub-signature-256": signature,
    },
    body,
  });
}

/**
 * Send a request's head and only a first chunk of its body over a raw TCP socket, and resolve
 * with the status the server answers (-1 when it resets the connection first; rejects after
 * `timeoutMs` without an answer): the server must answer without waiting for the rest.
 *
 * Only in a file that does not import nock (app-harness.ts does): nock 15's interceptors hold
 * back an HTTP request — over `http` or a raw socket alike — until its body ends, which this one
 * never does (call `nock.restore()` first where nock is imported).
 */
export function rawPost(
  url: string,
  headers: Record<string, string>,
  chunk: Buffer,
  timeoutMs = 30_000,
): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let received = "";
    const done = (result: number | Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${url} in ${timeoutMs} ms`)), timeoutMs);
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (status) done(Number(status[1]));
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      done(error.code === "ECONNRESET" || error.code === "EPIPE" ? -1 : error),
    );
    socket.on("close", () => done(-1));
    const head = [
      `POST ${target.pathname}${target.search} HTTP/1.1`,
      `host: ${target.host}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      "",
      "",
    ].join("\r\n");
    socket.write(head);
    socket.write(chunk);
  });
}
