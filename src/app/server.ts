/**
 * `npm start`: the App on Probot's own server, configured the Probot way from the environment
 * (`APP_ID`, `PRIVATE_KEY`/`PRIVATE_KEY_PATH`, `WEBHOOK_SECRET`, `HOST`, `PORT`, `WEBHOOK_PATH`,
 * `GHE_HOST`/`GHE_PROTOCOL` for GitHub Enterprise Server, `LOG_LEVEL`), plus `GET /healthz`.
 */
import { isEntryPoint } from "../core/entry-point.js";
import { run, type ApplicationFunction, type Server } from "probot";
import { healthHandler } from "./health.js";
import { createSglbenchApp } from "./index.js";
import type { TaskQueue } from "./queue.js";

/** A running App. */
export interface RunningApp {
  server: Server;
  queue: TaskQueue;
  /** Stop accepting webhooks, then let queued work finish (at most `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Start the App's HTTP server. `env` defaults to `process.env` (tests pass their own). */
export async function startApp(env: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  const appId = Number(env.APP_ID);
  const { app, queue } = createSglbenchApp(Number.isInteger(appId) && appId > 0 ? { appId } : {});
  const withHealth: ApplicationFunction = async (probot, options) => {
    await app(probot, options);
    options.addHandler?.(healthHandler(queue));
  };
  const server = await run(withHealth, { env });
  return {
    server,
    queue,
    async stop(graceMs = 30_000): Promise<void> {
      await server.stop();
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
      console.error("sglbench: the App failed to start:", error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
