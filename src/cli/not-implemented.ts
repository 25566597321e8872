import { EXIT, type CommandModule } from "./io.js";

/** Placeholder for a command whose issue is still open: says so plainly instead of pretending. */
export function notImplemented(name: string, summary: string): CommandModule {
  return {
    summary: `${summary} (not implemented yet)`,
    run: async (_argv, io) => {
      io.stderr(`sglbench ${name}: not implemented yet in this version.\n`);
      return EXIT.failed;
    },
  };
}
