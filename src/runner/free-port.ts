/**
 * TCP ports for the server: a free one from the kernel (`--port auto`; SGLang's default 30000 may be
 * taken on a shared machine), and a check that a port is free before launch_server is started on it
 * (SGLang would otherwise fail to bind while an older server answers /health on that port).
 */
import { createServer, type AddressInfo } from "node:net";

export async function freeLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when something listens on host:port (a bind fails with EADDRINUSE); other bind errors are not "busy". */
export async function portInUse(host: string, port: number): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === "EADDRINUSE";
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return false;
}

/**
 * The hosts to test for `host`: the server's own, plus 127.0.0.1 where clients connect when it binds
 * every interface (an old server on 127.0.0.1:P would answer the new one's clients).
 */
export function hostsToCheck(host: string): string[] {
  return [...new Set([host, "127.0.0.1"])];
}

/** The first of `hosts` on which `port` is taken, or undefined when free everywhere. */
export async function busyOn(host: string, port: number): Promise<string | undefined> {
  for (const h of hostsToCheck(host)) if (await portInUse(h, port)) return h;
  return undefined;
}

/** `--port` / SGLBENCH_PORT text → a port; `auto` asks the kernel for a free one. Throws on bad text. */
export async function resolvePort(text: string, what = "--port"): Promise<number> {
  if (text.trim() === "auto") return freeLocalPort();
  return parsePort(text, what);
}

/** A TCP port number (1-65535) from text; throws naming `what`. */
export function parsePort(text: string, what = "--port"): number {
  const port = Number(text.trim());
  if (text.trim() === "" || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${what} must be a TCP port (1-65535) or auto, got "${text}"`);
  return port;
}
