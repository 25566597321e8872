/**
 * `sglbench compare … | head -1`: once the reader has what it wants it closes the pipe, and the
 * next write to stdout fails with EPIPE. That is the reader's choice, not our failure: end at once,
 * quietly, with exit 0, instead of Node's unhandled-error stack trace.
 */
let installed = false;

export function endQuietlyOnClosedPipe(
  stream: NodeJS.WritableStream = process.stdout,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  if (stream === process.stdout && installed) return;
  if (stream === process.stdout) installed = true;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    exit(0);
  });
}
