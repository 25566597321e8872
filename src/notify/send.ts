/**
 * POSTs a JSON payload to an incoming webhook with a timeout and a few retries (network errors,
 * 429 and 5xx; Retry-After is honoured up to a cap). The URL is a secret: no message names it.
 */
import { redactValues } from "../store/redact.js";

export interface SendOptions {
  timeoutMs?: number;
  /** Attempts after the first (default 2). */
  retries?: number;
  /** Wait before retry n (1-based), ms; tests pass 0. */
  backoffMs?: (attempt: number) => number;
  fetch?: typeof fetch;
}

export interface SendResult {
  ok: boolean;
  status?: number;
  attempts: number;
  /** Why it failed (redacted). */
  error?: string;
  /** The endpoint's Retry-After on a 429, ms (capped). */
  retryAfterMs?: number;
}

const RETRY_AFTER_CAP_MS = 30_000;

export async function postJson(url: string, payload: object, opts: SendOptions = {}): Promise<SendResult> {
  const doFetch = opts.fetch ?? fetch;
  const retries = opts.retries ?? 2;
  const backoff = opts.backoffMs ?? ((n: number) => 1000 * 2 ** (n - 1));
  let last: SendResult = { ok: false, attempts: 0 };
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, last.retryAfterMs ?? backoff(attempt)));
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
      const body = await res.text().catch(() => "");
      // Teams' Workflows answer 202 Accepted; Slack 200 "ok".
      if (res.ok) return { ok: true, status: res.status, attempts: attempt + 1 };
      const retryAfterS = Number(res.headers.get("retry-after") ?? Number.NaN);
      last = {
        ok: false,
        status: res.status,
        attempts: attempt + 1,
        error: redactValues(`HTTP ${res.status} ${body.slice(0, 200)}`.trim(), [url]),
        ...(res.status === 429 && Number.isFinite(retryAfterS)
          ? { retryAfterMs: Math.min(retryAfterS * 1000, RETRY_AFTER_CAP_MS) }
          : {}),
      };
      if (res.status !== 429 && res.status < 500) return last;
    } catch (error: unknown) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      last = {
        ok: false,
        attempts: attempt + 1,
        error: redactValues(`${(error as Error).message ?? String(error)}${cause ? ` (${cause})` : ""}`, [url]),
      };
    }
  }
  return last;
}
