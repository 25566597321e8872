import { describe, expect, it, jest } from "@jest/globals";
import { readFileSync } from "node:fs";
import { LocalExecutor, groupAlive } from "../../src/runner/local-executor.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

/** Alive and not a zombie waiting for its (re)parent to reap it. */
function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const exe = new LocalExecutor({ killGraceMs: 300 });

/** Polls until the pid file's process group is gone (bounded). */
async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!groupAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe("LocalExecutor", () => {
  it("streams stdout and stderr lines and returns the exit code", async () => {
    const lines: string[] = [];
    const r = await exe.exec(["sh", "-c", "echo one; echo two >&2; printf three; exit 7"], {
      onLine: (l) => lines.push(l),
      env: { X: "1" },
    });
    expect(r.exitCode).toBe(7);
    expect(r.timedOut).toBe(false);
    expect(lines.sort()).toEqual(["one", "three", "two"]);
  });

  it("passes the environment and cwd", async () => {
    const lines: string[] = [];
    await exe.exec(["sh", "-c", 'echo "$SGLB_X $(pwd)"'], {
      env: { SGLB_X: "hello" },
      cwd: "/tmp",
      onLine: (l) => lines.push(l),
    });
    expect(lines).toEqual(["hello /tmp"]);
  });

  it("stops the command with SIGTERM on timeout", async () => {
    const r = await exe.exec(["sh", "-c", "sleep 30 & sleep 30"], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.signal).toBe("SIGTERM");
  });

  // Stopped once the script says it is ready (not after a fixed delay that a busy machine can outlast).
  it("kills the whole process group, grandchildren included", async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const r = await exe.exec(["sh", "-c", "sleep 30 & echo $!; sleep 30"], {
      signal: ac.signal,
      onLine: (l) => {
        lines.push(l);
        ac.abort();
      },
    });
    expect(r.cancelled).toBe(true);
    expect(r.signal).toBe("SIGTERM");
    const grandchild = Number(lines[0]);
    expect(grandchild).toBeGreaterThan(0);
    expect(processAlive(grandchild)).toBe(false);
  });

  it("escalates to SIGKILL when SIGTERM is ignored", async () => {
    const ac = new AbortController();
    const r = await exe.exec(["sh", "-c", "trap '' TERM; echo trapped; sleep 30"], {
      signal: ac.signal,
      onLine: () => ac.abort(),
    });
    expect(r.cancelled).toBe(true);
    expect(r.signal).toBe("SIGKILL");
  });

  it("cancels on abort", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await exe.exec(["sleep", "30"], { signal: ac.signal });
    expect(r.cancelled).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  it("reports a missing program as exit 127 with a line saying why", async () => {
    const lines: string[] = [];
    const r = await exe.exec(["/nonexistent/sglbench-prog"], { onLine: (l) => lines.push(l) });
    expect(r.exitCode).toBe(127);
    expect(lines.join("\n")).toMatch(/cannot start/);
  });

  it("runs a background process until stopped and leaves nothing behind", async () => {
    const lines: string[] = [];
    const bg = await exe.spawnBackground(["sh", "-c", "echo $$; echo ready; sleep 30 & sleep 30"], {
      onLine: (l) => lines.push(l),
    });
    while (lines.length < 2) await new Promise((r) => setTimeout(r, 20));
    expect(bg.running()).toBe(true);
    const pid = Number(lines[0]);
    const r = await bg.stop(300);
    expect(r.signal).toBe("SIGTERM");
    expect(bg.running()).toBe(false);
    expect(await waitGone(pid)).toBe(true);
  });

  it("close() stops everything still running", async () => {
    const own = new LocalExecutor({ killGraceMs: 200 });
    const bg = await own.spawnBackground(["sleep", "30"]);
    await own.close();
    expect(bg.running()).toBe(false);
  });
});
