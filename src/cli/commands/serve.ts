/** `sglbench serve`: serves the dashboard and the run folders over HTTP until interrupted. */
import { isAbsolute, join } from "node:path";
import { startServer } from "../../plots/serve.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { defaultDataDir } from "./process.js";

export const summary = "Serve the dashboard and run folders over HTTP";

const USAGE = `Usage: sglbench serve [PORT | --port 8000] [--dir DIR] [--host 127.0.0.1]

Serves DIR (default the data dir: $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
with directory listings, so the dashboard (built into DIR/dashboard by default) and the run
folders and logs it links to are one click away. Paths with ".." are refused. Ctrl-C stops it.

  PORT, --port N port (default 8000; a bare PORT as the original plots_server.sh took it); a busy
                 port is an error that names free ones
  --dir DIR      folder to serve
  --host ADDR    interface to bind (default 127.0.0.1; 0.0.0.0 shares it on the network as the seed did)
  -h, --help     this help

Exit: 0 stopped by a signal, 1 cannot serve (port busy, folder missing), 2 bad usage.
`;

/** Waits for SIGINT/SIGTERM (tests pass their own `until`). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Runs the command; `until` resolves when the server should stop (default: a signal). */
export async function run(argv: string[], io: CliIO, until: () => Promise<void> = untilSignal): Promise<number> {
  const parsed = parseFlags(
    "serve",
    USAGE,
    argv,
    {
      port: { type: "string" },
      dir: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
    },
    io,
    { positionals: true },
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, positionals, usage } = parsed;
  if (positionals.length > 1) return usage(`unexpected argument "${positionals[1]}"`);
  if (positionals[0] !== undefined && v.port !== undefined) return usage("give the port once: PORT or --port");
  const rawPort = positionals[0] ?? v.port ?? "8000";
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535)
    return usage(`the port must be a number from 0 (any free port) to 65535, not "${rawPort}"`);
  const raw = v.dir ?? defaultDataDir(io.env, io.cwd);
  const root = isAbsolute(raw) ? raw : join(io.cwd, raw);
  let server;
  try {
    server = await startServer({ root, port, host: v.host });
  } catch (error: unknown) {
    io.stderr(`sglbench serve: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  io.stdout(`Serving ${root} at ${server.url} (Ctrl-C to stop)\n`);
  await until();
  await server.close();
  io.stdout("stopped\n");
  return EXIT.ok;
}
