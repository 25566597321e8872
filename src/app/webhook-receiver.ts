/**
 * The webhook endpoint, in front of Probot: everything that arrives is hostile until its signature
 * is checked, so the body is bounded *before* it is read (GitHub caps deliveries at 25 MB), the
 * signature is verified by @octokit/webhooks before anything is parsed, and a rejected delivery
 * is logged by its id and event name only — never its payload.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger, Probot } from "probot";

/** A delivery as Probot receives it. */
type WebhookEvent = Parameters<Probot["receive"]>[0];

/** GitHub never sends a webhook payload larger than this. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** Where a delivery stopped, for the response and the log line. */
class Rejection extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value.length > 0 && value.length <= 512 ? value : undefined;
}

/** Read at most `limit` bytes; more than announced or than the limit aborts the read. */
function readBounded(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.pause();
        reject(new Rejection(413, `payload larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", (error) => reject(new Rejection(400, error.message)));
  });
}

/** Validate the envelope and body of one delivery; returns the event to hand to Probot. */
async function acceptDelivery(req: IncomingMessage, probot: Probot, maxBytes: number): Promise<WebhookEvent> {
  if (req.method !== "POST") throw new Rejection(405, "webhooks are POSTed");
  const declared = req.headers["content-length"];
  if (declared === undefined) throw new Rejection(411, "Content-Length is required");
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length < 0) throw new Rejection(400, "invalid Content-Length");
  if (length > maxBytes) throw new Rejection(413, `payload of ${length} bytes is over the ${maxBytes}-byte cap`);
  if (!/^\s*application\/json\s*(;|$)/i.test(header(req, "content-type") ?? ""))
    throw new Rejection(415, 'Content-Type must be "application/json"');
  const name = header(req, "x-github-event");
  const id = header(req, "x-github-delivery");
  const signature = header(req, "x-hub-signature-256");
  if (!name || !id || !signature)
    throw new Rejection(400, "X-GitHub-Event, X-GitHub-Delivery and X-Hub-Signature-256 are required");

  const body = (await readBounded(req, Math.min(length, maxBytes))).toString("utf8");
  if (!(await probot.webhooks.verify(body, signature))) throw new Rejection(401, "signature does not match");
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw new Rejection(400, "payload is not JSON");
  }
  return { id, name, payload } as WebhookEvent;
}

function answer(res: ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent) return;
  res
    .writeHead(status, { "content-type": "text/plain; charset=utf-8", ...(close ? { connection: "close" } : {}) })
    .end(`${text}\n`);
}

/**
 * A request handler for `path`: returns false for other paths. Signed deliveries are handed to
 * `probot.receive` (the App's handlers only queue work, so this answers in milliseconds).
 */
export function webhookHandler(probot: Probot, options: { path: string; log: Logger; maxBytes?: number }) {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if ((req.url ?? "").split("?")[0] !== options.path) return false;
    let event: WebhookEvent;
    try {
      event = await acceptDelivery(req, probot, maxBytes);
    } catch (error: unknown) {
      const rejection = error instanceof Rejection ? error : new Rejection(400, "unreadable delivery");
      // Never the payload: only what identifies the delivery.
      options.log.warn(
        { status: rejection.status, delivery: header(req, "x-github-delivery"), event: header(req, "x-github-event") },
        `webhook rejected: ${rejection.message}`,
      );
      // An unread body is not drained: the connection is closed instead.
      answer(res, rejection.status, rejection.message, true);
      if (!req.complete) res.once("finish", () => req.destroy());
      return true;
    }
    try {
      await probot.receive(event);
    } catch (error: unknown) {
      options.log.error({ delivery: event.id, event: event.name, err: error }, "webhook handler failed");
      answer(res, 500, "handler failed");
      return true;
    }
    answer(res, 200, "ok");
    return true;
  };
}
