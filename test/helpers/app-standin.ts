/**
 * A local stand-in for the GitHub REST API (GHE layout: `/api/v3/...`), for the App's end-to-end
 * test and benchmark. It records every call and keeps just enough state (comments, check runs)
 * for redelivery to behave as on GitHub. Binds to 127.0.0.1 only.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  at: number;
}

export interface StandIn {
  port: number;
  calls: RecordedCall[];
  close(): Promise<void>;
  /** Users and their permission; anyone else is `read`. */
  permissions: Map<string, string>;
  /** PR number → whether it comes from a fork. */
  forks: Set<number>;
}

export const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
export const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
export const MERGE_BASE_SHA = "aaaabbbbccccddddeeeeffff0000111122223333";

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
  let nextId = 1000;

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
      return json(404, { message: `stand-in: no route for ${method} ${path}` });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    permissions,
    forks,
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
