/** Minimal HTTP helpers on node:http (no fetch dependency on undici behaviour inside containers). */
import { Buffer } from "node:buffer";
import http from "node:http";

/**
 * @param {string} url
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, timeoutMs?: number }} [options]
 * @returns {Promise<{ status: number, text: string }>}
 */
export function request(url, options = {}) {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? (payload ? "POST" : "GET"),
        headers: {
          ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {}),
          ...(options.headers ?? {}),
        },
        timeout: options.timeoutMs ?? 600_000,
      },
      (res) => {
        const parts = [];
        res.on("data", (part) => parts.push(part));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${options.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * POST and read an SSE stream, calling onEvent(data) per `data:` payload (excluding [DONE]).
 * @returns {Promise<number>} the HTTP status
 */
export function streamRequest(url, body, onEvent, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        let buffer = "";
        let errorText = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          if (res.statusCode !== 200) {
            errorText += chunk;
            return;
          }
          buffer += chunk;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = event.startsWith("data: ") ? event.slice(6) : event.replace(/^data:/, "");
            if (data.trim() === "[DONE]" || data.trim() === "") continue;
            onEvent(data);
          }
        });
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(200)
            : reject(Object.assign(new Error(errorText || `HTTP ${res.statusCode}`), { status: res.statusCode })),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
