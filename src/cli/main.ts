/**
 * `sglbench` entry: wiring only. Each command lives in `commands/<name>.ts` and is loaded on
 * demand, so `sglbench compare` never pays for Docker or Probot imports.
 */
import { DiskError } from "../store/disk-write.js";
import { isEntryPoint, nearest } from "../core/util/index.js";
import { dropOutputOnClosedPipe } from "./closed-pipe.js";
import { EXIT, processIO, type CliIO, type CommandModule } from "./io.js";
import { sglbenchVersion } from "./version.js";
import { installShutdownHandlers, interruptedExitCode, shutdownReason } from "../runner/shutdown.js";

/**
 * Commands that start servers and benchmarks: SIGTERM/SIGINT stops what they started, writes the
 * report with what finished and exits 143/130 (see runner/shutdown.ts).
 */
const LONG_COMMANDS = new Set(["offline", "online", "compare-pr", "nightly", "demo"]);

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  offline: () => import("./commands/offline.js"),
  online: () => import("./commands/online.js"),
  ingest: () => import("./commands/ingest.js"),
  compare: () => import("./commands/compare.js"),
  "compare-pr": () => import("./commands/compare-pr.js"),
  nightly: () => import("./commands/nightly.js"),
  notify: () => import("./commands/notify.js"),
  process: () => import("./commands/process.js"),
  plot: () => import("./commands/plot.js"),
  dashboard: () => import("./commands/dashboard.js"),
  serve: () => import("./commands/serve.js"),
  changes: () => import("./commands/changes.js"),
  plan: () => import("./commands/plan.js"),
  "build-image": () => import("./commands/build-image.js"),
  demo: () => import("./commands/demo.js"),
};

async function help(io: CliIO): Promise<void> {
  const lines = [
    "Usage: sglbench <command> [options]   (every command has --help; sglbench --version)",
    "",
    "Commands:",
  ];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const summary = await load().then(
      (m) => m.summary,
      () => "(not available in this build)",
    );
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  io.stdout(lines.join("\n") + "\n");
}

/** Runs `sglbench <argv>`; without `io`, on this process's streams (the installed command, dist/cli.js). */
export async function main(argv: string[], io?: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  let uninstall: (() => void) | undefined;
  if (!io) {
    dropOutputOnClosedPipe();
    io = processIO();
    const stderr = io.stderr;
    if (name && LONG_COMMANDS.has(name)) uninstall = installShutdownHandlers({ log: (line) => stderr(`${line}\n`) });
  }
  try {
    const code = await dispatch(name, rest, io);
    const stopped = name && LONG_COMMANDS.has(name) ? shutdownReason() : undefined;
    if (stopped) {
      io.stderr(
        `sglbench ${name}: interrupted by ${stopped}; what finished is kept (exit ${interruptedExitCode(stopped)})\n`,
      );
      return interruptedExitCode(stopped);
    }
    return code;
  } finally {
    uninstall?.();
  }
}

async function dispatch(name: string | undefined, rest: string[], io: CliIO): Promise<number> {
  if (!name || name === "--help" || name === "-h" || name === "help") {
    await help(io);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version") {
    io.stdout(`sglbench ${sglbenchVersion()}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    const guess = nearest(name, Object.keys(COMMANDS));
    io.stderr(
      `sglbench: unknown command '${name}'${guess ? ` (did you mean ${guess}?)` : ""}. Run 'sglbench --help' for the list.\n`,
    );
    return EXIT.usage;
  }
  const command = await load();
  return command.run(rest, io);
}

// Run from source (`tsx src/cli/main.ts`) under an older Node, some commands fail deep inside with an
// unrelated error (Set.prototype.union): say what is wrong first, as bin/sglbench.js does.
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
if (isEntryPoint(import.meta.url) && NODE_MAJOR < 24) {
  process.stderr.write(
    `sglbench needs Node.js 24 or newer; this is ${process.version}. Run it as npm run sglbench -- … (the project's pinned Node) or install Node 24 LTS.\n`,
  );
  process.exitCode = EXIT.failed;
} else if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A disk error is the machine's state, not a bug: its message (errno, path) says it all.
      const text =
        error instanceof DiskError
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      process.stderr.write(`sglbench: ${text}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
