/** `GET /healthz`: liveness plus the background queue's counters. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TaskQueue } from "./queue.js";

/** A Probot server handler answering `GET /healthz`; returns false for anything else. */
export function healthHandler(queue: TaskQueue) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/healthz") return false;
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ status: "ok", queue: queue.stats() }));
    return true;
  };
}
