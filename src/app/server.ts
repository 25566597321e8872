/**
 * `npm start`: the App on its own HTTP server, configured the Probot way from the environment
 * (`APP_ID`, `PRIVATE_KEY`/`PRIVATE_KEY_PATH`, `WEBHOOK_SECRET`, `HOST`, `PORT`, `WEBHOOK_PATH`,
 * `GHE_HOST`/`GHE_PROTOCOL` for GitHub Enterprise Server, `LOG_LEVEL`), plus `GET /healthz`.
 *
 * Not Probot's `run()`: its server reads a whole request body before the signature is checked and
 * logs rejected payloads; ours bounds and verifies first (webhook-receiver.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createProbot } from "probot";
import { errorMessage, isEntryPoint } from "../core/util/index.js";
import { healthHandler } from "./health.js";
import { createSglbenchApp } from "./index.js";
import type { TaskQueue } from "./queue.js";
import { webhookHandler } from "./webhook-receiver.js";

/** Probot's default webhook path. */
const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

/** A running App. */
export interface RunningApp {
  server: Server;
  /** The port it listens on (the kernel's choice when `PORT=0`). */
  port: number;
  queue: TaskQueue;
  /** Stop accepting webhooks, then let queued work finish (at most `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Start the App's HTTP server. `env` defaults to `process.env` (tests pass their own). */
export async function startApp(env: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  const appId = Number(env.APP_ID);
  if (!Number.isInteger(appId) || appId <= 0) throw new Error("APP_ID must be the App's numeric id");
  // Fail closed: an App without a secret would accept anyone's webhooks.
  if (!env.WEBHOOK_SECRET) throw new Error("WEBHOOK_SECRET must be set");
  const probot = createProbot({ env });
  const { app, queue } = createSglbenchApp({ appId });
  await probot.load(app);

  const handlers = [
    webhookHandler(probot, { path: env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH, log: probot.log }),
    healthHandler(queue),
  ];
  const server = createServer((req, res) => {
    const started = performance.now();
    // One line per request, as Probot's HTTP logger wrote it (the App bench reads responseTime).
    res.once("finish", () =>
      probot.log.info(
        {
          req: { method: req.method, url: req.url },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        "request completed",
      ),
    );
    void (async () => {
      for (const handle of handlers) if (await handle(req, res)) return;
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    })().catch((error: unknown) => {
      probot.log.error({ err: error }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  // A slow sender must not hold a connection open forever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: Number(env.PORT ?? 3000), host: env.HOST || "localhost" }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  probot.log.info(`sglbench App listening on ${env.HOST || "localhost"}:${port}`);
  return {
    server,
    port,
    queue,
    async stop(graceMs = 30_000): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.race([queue.idle(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
  };
}

// Run when executed directly (`node dist/app.js`, `tsx src/app/server.ts`), not when imported.
if (isEntryPoint(import.meta.url)) {
  startApp().then(
    (running) => {
      // Docker and systemd stop with SIGTERM: finish queued acknowledgements before exiting.
      process.once("SIGTERM", () => {
        running.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error("sglbench: error while stopping", error);
            process.exit(1);
          },
        );
      });
    },
    (error: unknown) => {
      console.error("sglbench: the App failed to start:", errorMessage(error));
      process.exit(1);
    },
  );
}
