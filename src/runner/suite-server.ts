/**
 * The suites' one way to start and stop SGLang's server: the online suite's server and DeepSeek
 * offline's warm-up server share the command, the log, the progress lines, the timings and what a
 * server that never gets ready means (every pending point fails with its failure).
 */
import type { Point } from "../core/results/index.js";
import { serverCommand, type Suite } from "../core/catalogue/index.js";
import { commandLine, failPoints, type SuiteContext } from "./context.js";
import type { LogSink } from "./run-folder-writer.js";
import { launchServer, type RunningServer } from "./server.js";

export interface SuiteServer {
  server: RunningServer;
  log: LogSink;
  /** Stops the server, records the shutdown time and closes its log. */
  stop(): Promise<void>;
}

/**
 * Launches the suite's server and waits until it is ready. When it is not, `points` are failed,
 * the run folder is flushed and undefined is returned.
 */
export async function startSuiteServer(
  suite: Suite,
  points: readonly Point[],
  ctx: SuiteContext,
  what: string,
): Promise<SuiteServer | undefined> {
  const { writer } = ctx;
  const timings = (writer.run.timings ??= {});
  const command = serverCommand(suite, ctx.info, { host: ctx.host, port: ctx.port });
  // Appended: a resumed run keeps the log of the launch before it.
  const log = writer.log(command.log, true);
  log.line(`Executing: ${commandLine(command.argv, command.env)}`);
  ctx.progress({ phase: "server", message: `starting ${what} on ${ctx.host}:${ctx.port}` });
  const launched = await launchServer({
    executor: ctx.executor,
    argv: command.argv,
    env: command.env,
    log,
    host: ctx.host,
    port: ctx.port,
    readyTimeoutMs: ctx.readyTimeoutMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onWaiting: (s) => ctx.progress({ phase: "server", message: `still waiting for the server (${s}s elapsed)` }),
  });
  if (!launched.ok) {
    log.close();
    timings.server_startup = launched.startupS;
    failPoints(ctx, points, launched.failure);
    await writer.flush();
    return undefined;
  }
  const server = launched.server;
  timings.server_startup = server.startupS;
  return {
    server,
    log,
    stop: async () => {
      const stopStart = Date.now();
      await server.stop();
      timings.server_shutdown = (Date.now() - stopStart) / 1000;
      log.close();
    },
  };
}
