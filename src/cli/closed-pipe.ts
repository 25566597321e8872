/**
 * `sglbench compare … | head -1`: once the reader has what it wants it closes the pipe, and the
 * next write to stdout fails with EPIPE. That is the reader's choice, not our failure: later output
 * is dropped quietly, instead of Node's unhandled-error stack trace, and the command still finishes
 * (its report files are written) and exits with its own code — a `--fail-on` gate in a pipeline
 * must not read 0 because `head` stopped reading.
 */
let installed = false;

/** What a write to an already closed stdout reports: the pipe's close, then the stream's end. */
const CLOSED = new Set(["EPIPE", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]);

export function dropOutputOnClosedPipe(stream: NodeJS.WritableStream = process.stdout): void {
  if (stream === process.stdout && installed) return;
  if (stream === process.stdout) installed = true;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (!error.code || !CLOSED.has(error.code)) throw error;
  });
}
