/** Server readiness paths that the simulator does not take: HTTP-only readiness, early OOM, early exit, timeout. */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { freeLocalPort as freePort } from "../../src/runner/free-port.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "../../src/runner/local-executor.js";
import { LogSink } from "../../src/runner/run-folder-writer.js";
import { launchServer } from "../../src/runner/server.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "sglbench-server-"));
const exe = new LocalExecutor({ killGraceMs: 500 });
afterAll(() => exe.close());

const launch = async (script: string, port: number, readyTimeoutMs = 15_000) => {
  const log = new LogSink(join(dir, `server-${port}.log`));
  const outcome = await launchServer({
    executor: exe,
    argv: [process.execPath, "-e", script],
    log,
    host: "127.0.0.1",
    port,
    readyTimeoutMs,
    pollMs: 100,
  });
  return { outcome, log };
};

describe("launchServer", () => {
  const httpServer = (port: number, readyLine: boolean) =>
    `require("http").createServer((q, s) => { s.statusCode = ["/health", "/get_model_info"].includes(q.url) ? 200 : 404; s.end("{}"); }).listen(${port}, "127.0.0.1", () => console.log(${JSON.stringify(readyLine ? "The server is fired up and ready to roll!" : "listening")}));`;

  it("is ready once our process printed the ready line and /health and /get_model_info answer", async () => {
    const port = await freePort();
    const { outcome } = await launch(httpServer(port, true), port);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.server.alive()).toBe(true);
    await outcome.server.stop();
    expect(outcome.server.alive()).toBe(false);
  });

  it("HTTP answering without the ready line is not ready (an old server on the port answers too)", async () => {
    const port = await freePort();
    const { outcome } = await launch(httpServer(port, false), port, 1500);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.kind).toBe("never_ready");
  });

  it("a port something else listens on fails at once, naming the port, without starting the server", async () => {
    const { createServer } = await import("node:net");
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const port = (other.address() as { port: number }).port;
    try {
      const { outcome, log } = await launch(`console.log("started"); setTimeout(() => {}, 60000);`, port);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.failure.kind).toBe("launch_failed");
      expect(outcome.failure.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(log.tail().join("\n")).not.toContain("started");
    } finally {
      other.close();
    }
  });

  it("/health alone is not enough while /get_model_info fails", async () => {
    const port = await freePort();
    const script = `require("http").createServer((q, s) => { s.statusCode = q.url === "/health" ? 200 : 503; s.end(); }).listen(${port}, "127.0.0.1");`;
    const { outcome } = await launch(script, port, 1500);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.kind).toBe("never_ready");
  });

  // With a 60 s readiness timeout, only the fast OOM path finishes within jest's 5 s test limit.
  it("an OOM line fails fast, without waiting for the timeout, and kills the server", async () => {
    const { outcome } = await launch(
      `console.log("loading"); console.log("torch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB"); setTimeout(() => {}, 60000);`,
      await freePort(),
      60_000,
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.kind).toBe("launch_failed");
    expect(outcome.failure.cause).toMatch(/OutOfMemoryError/);
  });

  it("an exit before ready is launch_failed with exit code and log tail", async () => {
    const { outcome } = await launch(`console.error("ValueError: bad --tp-size"); process.exit(3);`, await freePort());
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.kind).toBe("launch_failed");
    expect(outcome.failure.exit_code).toBe(3);
    expect(outcome.failure.log_tail).toContain("ValueError: bad --tp-size");
  });
});
