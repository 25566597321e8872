/**
 * `sglbench` entry: wiring only. Each command lives in `commands/<name>.ts` and is loaded on
 * demand, so `sglbench compare` never pays for Docker or Probot imports.
 */
import { isEntryPoint, nearest } from "../core/util/index.js";
import { endQuietlyOnClosedPipe } from "./closed-pipe.js";
import { EXIT, processIO, type CliIO, type CommandModule } from "./io.js";
import { sglbenchVersion } from "./version.js";

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  offline: () => import("./commands/offline.js"),
  online: () => import("./commands/online.js"),
  ingest: () => import("./commands/ingest.js"),
  compare: () => import("./commands/compare.js"),
  "compare-pr": () => import("./commands/compare-pr.js"),
  nightly: () => import("./commands/nightly.js"),
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
  if (!io) {
    endQuietlyOnClosedPipe();
    io = processIO();
  }
  const [name, ...rest] = argv;
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

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`sglbench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
