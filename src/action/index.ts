/** The Action's entry (bundled to dist/index.js, action.yml `runs.main`): only starts run(). */
import { run } from "./run.js";
import { installShutdownHandlers, interruptedExitCode, shutdownReason } from "../runner/shutdown.js";

// A cancelled job or a workflow timeout sends SIGTERM: stop what runs, still write outputs and the
// summary with what finished, then exit 143 (runner/shutdown.ts).
installShutdownHandlers({ log: (line) => process.stderr.write(`${line}\n`) });
void run().then(() => {
  const stopped = shutdownReason();
  if (stopped) process.exitCode = interruptedExitCode(stopped);
});
