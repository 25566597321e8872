/** The process-wide stop (shutdown.ts), the leftover mark (leftovers.ts), ports and the simulator's hang switch. */
import { afterEach, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import {
  anySignal,
  installShutdownHandlers,
  interruptedExitCode,
  onForcedShutdown,
  requestShutdown,
  resetShutdown,
  shutdownReason,
  shutdownSignal,
} from "../../src/runner/shutdown.js";
import { findLeftovers, OWNER_ENV, ownerAlive, ownerToken, processStartTime } from "../../src/runner/leftovers.js";
import { busyOn, parsePort, portInUse, resolvePort } from "../../src/runner/free-port.js";
// @ts-expect-error plain JavaScript module of the simulator
import { shouldHang } from "../sim/lib/hang.mjs";

afterEach(() => resetShutdown());

/** Waits for a condition without assuming how fast a loaded machine is (the test's timeout bounds it). */
async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((r) => setTimeout(r, 20));
}

describe("shutdown", () => {
  it("exit codes follow the shell: 130 for SIGINT, 143 for SIGTERM", () => {
    expect(interruptedExitCode("SIGINT")).toBe(130);
    expect(interruptedExitCode("SIGTERM")).toBe(143);
  });

  it("the first signal aborts the shared signal with a reason naming it; a second forces the cleanups and the exit", async () => {
    const lines: string[] = [];
    const exits: number[] = [];
    let cleaned = 0;
    const unregister = onForcedShutdown(() => void cleaned++);
    const uninstall = installShutdownHandlers({
      log: (l) => lines.push(l),
      exit: (c) => exits.push(c),
      graceMs: 60_000,
    });
    try {
      process.emit("SIGTERM", "SIGTERM");
      expect(shutdownSignal().aborted).toBe(true);
      expect(String((shutdownSignal().reason as Error).message)).toBe("interrupted by SIGTERM");
      expect(shutdownReason()).toBe("SIGTERM");
      expect(exits).toEqual([]);
      process.emit("SIGTERM", "SIGTERM");
      await until(() => exits.length > 0);
      expect(cleaned).toBe(1);
      expect(exits).toEqual([143]);
      expect(lines.join("\n")).toMatch(/SIGTERM received: stopping[\s\S]*SIGTERM received again/);
    } finally {
      uninstall();
      unregister();
    }
  });

  it("a slow orderly stop is forced after the grace period", async () => {
    const exits: number[] = [];
    const uninstall = installShutdownHandlers({ log: () => undefined, exit: (c) => exits.push(c), graceMs: 20 });
    try {
      process.emit("SIGINT", "SIGINT");
      await until(() => exits.length > 0);
      expect(exits).toEqual([130]);
    } finally {
      uninstall();
    }
  });

  it("anySignal follows each of its signals; requestShutdown is idempotent", () => {
    const own = new AbortController();
    const both = anySignal(own.signal, shutdownSignal());
    expect(both.aborted).toBe(false);
    requestShutdown("SIGINT");
    requestShutdown("SIGTERM");
    expect(both.aborted).toBe(true);
    expect(shutdownReason()).toBe("SIGINT");
    expect(anySignal(own.signal)).toBe(own.signal);
  });
});

describe("leftovers", () => {
  it("this process's token is alive; a dead PID or another start time is not", () => {
    const token = ownerToken();
    expect(token).toMatch(new RegExp(`^${process.pid}\\.\\d+$`));
    expect(processStartTime(process.pid)).toBe(token.split(".")[1]);
    expect(ownerAlive(token)).toBe(true);
    expect(ownerAlive(`${process.pid}.1`)).toBe(false);
    expect(ownerAlive("0.1")).toBe(false);
    expect(ownerAlive("nonsense")).toBe(false);
  });

  it("finds a process marked by a gone owner, and not one marked by us or unmarked", async () => {
    const env = (owner?: string) => ({ ...process.env, ...(owner ? { [OWNER_ENV]: owner } : {}) });
    const sleepers = [`${2 ** 22 + 7}.1`, ownerToken(), undefined].map((owner) =>
      spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { env: env(owner), stdio: "ignore" }),
    );
    try {
      // A spawned process shows its own environment once it has exec'd: wait for it, however loaded the machine.
      let found: number[] = [];
      await until(async () => (found = (await findLeftovers()).map((l) => l.pid)).includes(sleepers[0]!.pid!));
      expect(found).toContain(sleepers[0]!.pid);
      expect(found).not.toContain(sleepers[1]!.pid);
      expect(found).not.toContain(sleepers[2]!.pid);
    } finally {
      for (const s of sleepers) s.kill("SIGKILL");
    }
  }, 20_000);
});

describe("ports", () => {
  it("a listened port is busy on its host; a closed one is free; auto gives a free port", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect(await portInUse("127.0.0.1", port)).toBe(true);
    expect(await busyOn("0.0.0.0", port)).toBeDefined();
    await new Promise<void>((r) => server.close(() => r()));
    expect(await portInUse("127.0.0.1", port)).toBe(false);
    const auto = await resolvePort("auto");
    expect(await portInUse("127.0.0.1", auto)).toBe(false);
  });

  it("bad port text names the flag", () => {
    expect(parsePort("31000")).toBe(31000);
    expect(() => parsePort("0")).toThrow(/--port must be a TCP port \(1-65535\) or auto, got "0"/);
    expect(() => parsePort("x", "SGLBENCH_PORT")).toThrow(/SGLBENCH_PORT/);
  });
});

describe("simulator SGLSIM_HANG grammar", () => {
  const hang = (value: string, tool: string, values: unknown[] = []) =>
    shouldHang(tool, values, { SGLSIM_HANG: value }) as boolean;

  it("a bare tool hangs everywhere; tool:V only at that point; the old bench_one_batch value still works", () => {
    expect(hang("bench_one_batch", "one_batch", [1])).toBe(true);
    expect(hang("serving:2", "serving", [1, null])).toBe(false);
    expect(hang("serving:2", "serving", [2, null])).toBe(true);
    expect(hang("launch,gsm8k", "gsm8k")).toBe(true);
    expect(hang("launch,gsm8k", "serving", [1])).toBe(false);
    expect(hang("", "launch")).toBe(false);
  });
});
