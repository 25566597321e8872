import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/serve.js";
import {
  contentType,
  PortBusyError,
  resolveRequestPath,
  startServer,
  type RunningServer,
} from "../../src/plots/serve.js";
import { captureIO } from "../helpers/capture-io.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

/** A raw GET: node's client sends the path as written (fetch would normalise `..` away). */
function get(
  port: number,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          body: Buffer.concat(chunks).toString("utf8"),
          ...(res.headers.location ? { location: res.headers.location } : {}),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("resolveRequestPath", () => {
  it("refuses .. in every spelling and accepts ordinary paths", () => {
    for (const p of [
      "/../etc/passwd",
      "/a/../../x",
      "/%2e%2e/x",
      "/%2E%2E/%2e%2e/etc",
      "/a/..%2f..%2fetc",
      "/a%5c..%5cb",
    ])
      expect(resolveRequestPath(p)).toMatchObject({ ok: false, status: 403 });
    expect(resolveRequestPath("/a/%zz")).toMatchObject({ ok: false, status: 400 });
    expect(resolveRequestPath("/a/%00b")).toMatchObject({ ok: false, status: 400 });
    expect(resolveRequestPath("/online/GROK2/a%20b.log?x=1")).toEqual({
      ok: true,
      segments: ["online", "GROK2", "a b.log"],
    });
    expect(resolveRequestPath("/./a//b/")).toEqual({ ok: true, segments: ["a", "b"] });
    expect(resolveRequestPath("/a/.env")).toMatchObject({ ok: false, status: 403 });
  });

  it("maps content types so logs and CSVs open in the browser", () => {
    expect(contentType("x.log")).toBe("text/plain; charset=utf-8");
    expect(contentType("X.CSV")).toBe("text/plain; charset=utf-8");
    expect(contentType("a.svg")).toBe("image/svg+xml");
    expect(contentType("a.png")).toBe("image/png");
    expect(contentType("index.html")).toBe("text/html; charset=utf-8");
    expect(contentType("vega.min.js")).toBe("text/javascript; charset=utf-8");
    expect(contentType("blob.bin")).toBe("application/octet-stream");
  });
});

describe("startServer", () => {
  let tmp: string;
  let root: string;
  let srv: RunningServer;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sglbench-serve-"));
    root = join(tmp, "root");
    await mkdir(join(root, "online", "GROK2", "run a"), { recursive: true });
    await mkdir(join(root, "dashboard"), { recursive: true });
    await writeFile(join(root, "online", "GROK2", "run a", "server.log"), "KV Cache is allocated\n");
    await writeFile(join(root, "online", "GROK2", "b.csv"), "date,x\n");
    await writeFile(join(root, "online", "GROK2", "Alpha.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await writeFile(join(root, "dashboard", "index.html"), "<!doctype html><title>dash</title>");
    await writeFile(join(tmp, "secret.txt"), "top secret");
    await writeFile(join(root, ".env"), "TOKEN=secret");
    await mkdir(join(root, ".git"));
    await writeFile(join(root, ".git", "config"), "[remote]");
    await symlink(join(tmp, "secret.txt"), join(root, "escape.txt"));
    await symlink(join(root, "online", "GROK2", "b.csv"), join(root, "inside.csv"));
    srv = await startServer({ root, port: 0 });
  });
  afterAll(async () => {
    await srv.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it("lists folders case-insensitively with / for folders and @ for symlinks", async () => {
    const r = await get(srv.port, "/online/GROK2/");
    expect(r.status).toBe(200);
    expect(r.type).toBe("text/html; charset=utf-8");
    expect(r.body).toContain("SGL Benchmark Plots Server — /online/GROK2/");
    const names = [...r.body.matchAll(/<a href="[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);
    expect(names).toEqual(["../", "Alpha.png", "b.csv", "run a/"]);
    expect(r.body).toContain('href="run%20a/"');
    const top = await get(srv.port, "/");
    expect(top.body).toContain("escape.txt@");
    expect(top.body).toContain('<a href="dashboard/">Dashboard →</a>');
  });

  it("serves files with their content type and index.html for folders", async () => {
    const log = await get(srv.port, "/online/GROK2/run%20a/server.log");
    expect(log).toMatchObject({ status: 200, type: "text/plain; charset=utf-8", body: "KV Cache is allocated\n" });
    expect((await get(srv.port, "/online/GROK2/Alpha.png")).type).toBe("image/png");
    expect((await get(srv.port, "/dashboard/")).body).toContain("<title>dash</title>");
    const redirect = await get(srv.port, "/dashboard");
    expect(redirect).toMatchObject({ status: 301, location: "/dashboard/" });
    expect(await get(srv.port, "/inside.csv")).toMatchObject({ status: 200, body: "date,x\n" });
    const head = await get(srv.port, "/online/GROK2/b.csv", "HEAD");
    expect(head).toMatchObject({ status: 200, body: "" });
    const range = await get(srv.port, "/online/GROK2/b.csv", "GET", { Range: "bytes=0-3" });
    expect(range).toMatchObject({ status: 206, body: "date" });
  });

  it("refuses ../ paths, symlinks that leave the folder, and other methods", async () => {
    for (const p of [
      "/../secret.txt",
      "/online/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/online/..%2f..%2fsecret.txt",
    ]) {
      const r = await get(srv.port, p);
      expect(r.status).toBe(403);
      expect(r.body).not.toContain("top secret");
    }
    const esc = await get(srv.port, "/escape.txt");
    expect(esc.status).toBe(403);
    expect(esc.body).not.toContain("top secret");
    for (const p of ["/.env", "/%2eenv", "/.git/config", "/.git/", "/online/../.env"]) {
      const r = await get(srv.port, p);
      expect(r.status).toBe(403);
      expect(r.body).not.toContain("secret");
    }
    expect((await get(srv.port, "/")).body).not.toMatch(/\.env|\.git/);
    expect((await get(srv.port, "/nope.txt")).status).toBe(404);
    expect((await get(srv.port, "/b.csv", "POST")).status).toBe(405);
  });

  it("names free ports when the port is busy", async () => {
    const err = await startServer({ root, port: srv.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortBusyError);
    expect((err as PortBusyError).message).toContain(`port ${srv.port} is already in use`);
    expect((err as PortBusyError).freePorts.every((p) => [8001, 8080, 8888, 9000].includes(p))).toBe(true);
  });
});

describe("sglbench serve", () => {
  let tmp: string;
  let blocker: Server;
  let busyPort: number;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sglbench-serve-cli-"));
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    busyPort = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => blocker.close(() => r()));
    await rm(tmp, { recursive: true, force: true });
  });

  it("exits 1 with a clear message when the port is busy", async () => {
    const io = captureIO(tmp);
    expect(await run(["--port", String(busyPort), "--dir", tmp], io)).toBe(1);
    expect(io.err.join("")).toMatch(new RegExp(`port ${busyPort} is already in use; (free ports: |none of)`));
  });

  it("serves until told to stop; the port may be given bare, as plots_server.sh [PORT] took it", async () => {
    const io = captureIO(tmp);
    await writeFile(join(tmp, "hello.txt"), "hi");
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((r) => (stop = r));
    const done = run(["0", "--dir", tmp], io, () => stopped);
    for (let i = 0; i < 500 && io.out.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const port = Number(/:(\d+)\//.exec(io.out.join(""))?.[1]);
    expect((await get(port, "/hello.txt")).body).toBe("hi");
    stop();
    expect(await done).toBe(0);
  });

  it("rejects bad usage and a missing folder", async () => {
    let io = captureIO(tmp);
    expect(await run(["--port", "http"], io)).toBe(2);
    io = captureIO(tmp);
    expect(await run(["8001", "--port", "8002"], io)).toBe(2);
    expect(io.err.join("")).toContain("give the port once");
    io = captureIO(tmp);
    expect(await run(["8001", "8002"], io)).toBe(2);
    io = captureIO(tmp);
    expect(await run(["--what"], io)).toBe(2);
    expect(io.err.join("")).toContain("Usage: sglbench serve");
    io = captureIO(tmp);
    expect(await run(["--port", "0", "--dir", join(tmp, "missing")], io)).toBe(1);
    expect(io.err.join("")).toContain("cannot serve");
  });
});
