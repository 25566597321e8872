/**
 * A small static file server for the dashboard and the run folders (replaces the seed's
 * `plots_server.sh` + `custom_http_server.py`): GET/HEAD only, directory listings sorted
 * case-insensitively, content types that let browsers show logs and CSVs, no dotfiles, and no way
 * out of the served folder (`..` segments, encoded or not, and symlinks that lead outside are
 * refused). Files themselves are sent by serve-static; 127.0.0.1 unless told otherwise.
 */
import type { Stats } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, sep } from "node:path";
import serveStatic from "serve-static";
import { errorMessage } from "../core/util/index.js";

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
 * encoded separators (`%2f`, `%5c`), backslashes and NUL bytes; and dotfiles (`.git`, `.env`).
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
    if (seg.startsWith(".")) return { ok: false, status: 403, reason: "dotfiles are not served" };
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
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith("."));
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

/**
 * Builds the request handler for a root folder (exported for tests without a socket). This module
 * decides what may be served (methods, path rules, symlinks) and lists folders without an
 * index.html; serve-static sends the files (HEAD, ranges, conditional GETs, the trailing-slash
 * redirect, index.html, dotfiles refused once more).
 */
export function staticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  let realRoot: Promise<string> | undefined;
  const files = serveStatic(root, {
    dotfiles: "deny",
    index: ["index.html"],
    extensions: false,
    redirect: true,
    fallthrough: false,
    cacheControl: false,
    // Our types, so logs and CSVs open in the browser instead of downloading.
    setHeaders: (res, path) => res.setHeader("Content-Type", contentType(path)),
  });
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
    let real: string;
    try {
      real = await realpath(join(base, ...resolved.segments));
    } catch {
      send(res, 404, "not found\n");
      return;
    }
    // A symlink inside the tree must not lead outside it (serve-static follows symlinks).
    if (real !== base && !real.startsWith(base + sep)) {
      send(res, 403, "outside the served folder\n");
      return;
    }
    const info = await stat(real);
    // Sockets and FIFOs would hang a reader.
    if (!info.isFile() && !info.isDirectory()) {
      send(res, 403, "not a regular file\n");
      return;
    }
    // Called only when serve-static did not answer (with fallthrough off, always with the error).
    files(req, res, (error) => {
      const status = error?.statusCode ?? error?.status ?? 500;
      if (res.headersSent) res.destroy();
      // No index.html in the folder: list it instead.
      else if (status === 404 && info.isDirectory())
        sendListing(req, res, real, resolved.segments).catch((e: unknown) => send(res, 500, `${errorMessage(e)}\n`));
      else send(res, status, `${STATUS_CODES[status] ?? "error"}\n`);
    });
  };
}

async function sendListing(req: IncomingMessage, res: ServerResponse, dir: string, segments: string[]): Promise<void> {
  const urlPath = segments.length ? `/${segments.map(encodeURIComponent).join("/")}/` : "/";
  const html = await directoryListing(dir, urlPath);
  if (req.method === "HEAD") {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end();
  } else send(res, 200, html, "text/html; charset=utf-8");
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
    throw new Error(`cannot serve ${opts.root}: ${errorMessage(error)}`, { cause: error });
  });
  if (!info.isDirectory()) throw new Error(`cannot serve ${opts.root}: not a folder`);
  const handle = staticHandler(opts.root);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${errorMessage(error)}\n`);
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
    throw new Error(`cannot listen on ${host}:${opts.port}: ${errorMessage(error)}`, { cause: error });
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
