/**
 * A small static file server for the dashboard and the run folders (replaces the seed's
 * `plots_server.sh` + `custom_http_server.py`): GET/HEAD only, directory listings sorted
 * case-insensitively, content types that let browsers show logs and CSVs, and no way out of the
 * served folder (`..` segments, encoded or not, and symlinks that lead outside are refused).
 */
import { createReadStream, type Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, sep } from "node:path";

/** Ports suggested when the wanted one is busy (the seed's list). */
export const FALLBACK_PORTS = [8001, 8080, 8888, 9000] as const;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".pdf": "application/pdf",
  // Logs and result tables open as text in the browser instead of downloading.
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".out": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".csv": "text/plain; charset=utf-8",
  ".tsv": "text/plain; charset=utf-8",
  ".jsonl": "text/plain; charset=utf-8",
  ".yml": "text/plain; charset=utf-8",
  ".yaml": "text/plain; charset=utf-8",
  ".sh": "text/plain; charset=utf-8",
  ".py": "text/plain; charset=utf-8",
};

/** Content type served for a file name. */
export function contentType(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/** Thrown when the port is taken; names ports that are free. */
export class PortBusyError extends Error {
  constructor(
    readonly port: number,
    readonly freePorts: number[],
  ) {
    super(
      `port ${port} is already in use` +
        (freePorts.length
          ? `; free ports: ${freePorts.join(", ")} (e.g. --port ${freePorts[0]})`
          : `; none of ${FALLBACK_PORTS.join(", ")} is free either, pick another with --port`),
    );
  }
}

/** Why a request path was refused, or the decoded segments of a safe one. */
export type ResolvedPath = { ok: true; segments: string[] } | { ok: false; status: 400 | 403; reason: string };

/**
 * Decodes a request path into segments, refusing traversal: any `..` segment (also `%2e%2e`),
 * encoded separators (`%2f`, `%5c`), backslashes and NUL bytes.
 */
export function resolveRequestPath(rawUrl: string): ResolvedPath {
  const path = rawUrl.split(/[?#]/, 1)[0] ?? "/";
  if (!path.startsWith("/")) return { ok: false, status: 400, reason: "path must start with /" };
  const segments: string[] = [];
  for (const raw of path.split("/")) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: `bad percent-encoding in "${raw}"` };
    }
    if (seg.includes("\0")) return { ok: false, status: 400, reason: "NUL byte in path" };
    if (seg === "..") return { ok: false, status: 403, reason: "`..` is not allowed in paths" };
    if (seg.includes("/") || seg.includes("\\"))
      return { ok: false, status: 403, reason: "encoded path separators are not allowed" };
    if (seg === "" || seg === ".") continue;
    segments.push(seg);
  }
  return { ok: true, segments };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** HTML listing of a folder: folders get `/`, symlinks `@`, sorted case-insensitively. */
export async function directoryListing(dir: string, urlPath: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const rows: string[] = [];
  if (urlPath !== "/") rows.push(`<tr><td><a href="../">../</a></td><td></td><td></td></tr>`);
  for (const e of entries) {
    let info: Stats | undefined;
    try {
      info = await stat(join(dir, e.name));
    } catch {
      info = undefined; // a dangling symlink: listed, without size
    }
    const isDir = info?.isDirectory() ?? false;
    const shown = `${e.name}${isDir ? "/" : e.isSymbolicLink() ? "@" : ""}`;
    const href = `${encodeURIComponent(e.name)}${isDir ? "/" : ""}`;
    rows.push(
      `<tr><td><a href="${href}">${escapeHtml(shown)}</a></td>` +
        `<td class="n">${info && !isDir ? formatSize(info.size) : ""}</td>` +
        `<td>${info ? info.mtime.toISOString().slice(0, 16).replace("T", " ") : ""}</td></tr>`,
    );
  }
  const hasDashboard = entries.some((e) => e.name === "dashboard" && e.isDirectory());
  const title = `SGL Benchmark Plots Server — ${escapeHtml(urlPath)}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:2px 14px 2px 0}td.n{text-align:right}a{text-decoration:none}</style>
</head><body><h1>${title}</h1>${hasDashboard ? `<p><a href="dashboard/">Dashboard →</a></p>` : ""}
<table>${rows.join("\n")}</table></body></html>\n`;
}

function send(res: ServerResponse, status: number, text: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Builds the request handler for a root folder (exported for tests without a socket). */
export function staticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let realRoot: Promise<string> | undefined;
  return async (req, res) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-cache");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(res, 405, "only GET and HEAD\n");
      return;
    }
    const resolved = resolveRequestPath(req.url ?? "/");
    if (!resolved.ok) {
      send(res, resolved.status, `${resolved.reason}\n`);
      return;
    }
    realRoot ??= realpath(root);
    const base = await realRoot;
    const target = join(base, ...resolved.segments);
    let real: string;
    try {
      real = await realpath(target);
    } catch {
      send(res, 404, "not found\n");
      return;
    }
    // A symlink inside the tree must not lead outside it.
    if (real !== base && !real.startsWith(base + sep)) {
      send(res, 403, "outside the served folder\n");
      return;
    }
    const info = await lstat(real);
    const urlPath = `/${resolved.segments.map(encodeURIComponent).join("/")}`;
    if (info.isDirectory()) {
      const pathOnly = (req.url ?? "/").split(/[?#]/, 1)[0] ?? "/";
      if (!pathOnly.endsWith("/")) {
        res.writeHead(301, { Location: `${urlPath === "/" ? "" : urlPath}/` });
        res.end();
        return;
      }
      try {
        const index = join(real, "index.html");
        const indexInfo = await stat(index);
        if (indexInfo.isFile()) {
          streamFile(req, res, index, indexInfo.size);
          return;
        }
      } catch {
        // no index.html: list the folder
      }
      const html = await directoryListing(real, urlPath === "/" ? "/" : `${urlPath}/`);
      if (req.method === "HEAD") {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end();
      } else send(res, 200, html, "text/html; charset=utf-8");
      return;
    }
    if (!info.isFile()) {
      send(res, 403, "not a regular file\n");
      return;
    }
    streamFile(req, res, real, info.size);
  };
}

function streamFile(req: IncomingMessage, res: ServerResponse, file: string, size: number): void {
  res.writeHead(200, { "Content-Type": contentType(file), "Content-Length": size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on("error", (error) => res.destroy(error));
  stream.pipe(res);
}

/** A running server. */
export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** Whether a port can be bound on `host` right now. */
export async function portIsFree(port: number, host: string): Promise<boolean> {
  const probe = createServer();
  try {
    await listen(probe, port, host);
    await new Promise<void>((r) => probe.close(() => r()));
    return true;
  } catch {
    return false;
  }
}

/** Options for {@link startServer}. */
export interface ServeOptions {
  root: string;
  port: number;
  /** Interface to bind (default 127.0.0.1; `0.0.0.0` to share on the network as the seed did). */
  host?: string;
}

/** Serves `root`; a busy port throws {@link PortBusyError} naming free ports. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const info = await stat(opts.root).catch((error: unknown) => {
    throw new Error(`cannot serve ${opts.root}: ${(error as Error).message}`, { cause: error });
  });
  if (!info.isDirectory()) throw new Error(`cannot serve ${opts.root}: not a folder`);
  const handle = staticHandler(opts.root);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${(error as Error).message}\n`);
      else res.destroy();
    });
  });
  try {
    await listen(server, opts.port, host);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      const free: number[] = [];
      for (const p of FALLBACK_PORTS) if (p !== opts.port && (await portIsFree(p, host))) free.push(p);
      throw new PortBusyError(opts.port, free);
    }
    throw new Error(`cannot listen on ${host}:${opts.port}: ${(error as Error).message}`, { cause: error });
  }
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
