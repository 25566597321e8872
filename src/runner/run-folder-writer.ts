/**
 * Writes a run folder as the suite runs: results.json after every repeat (so a crash or cancel keeps
 * what was measured), the seed's CSV/config.json, redacted logs, and the timing summary; and reads an
 * existing results.json back so a re-run resumes where it stopped.
 */
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  pointKey,
  type Failure,
  type Point,
  type PointResult,
  type Repeat,
  type RunResults,
} from "../core/results/index.js";
import { DiskError, makeDirSync, toDiskError, writeFileAtomic } from "../store/disk-write.js";
import { redactSecrets } from "../store/redact.js";
import { RESULTS_FILE, readResults, writeResults } from "../store/results-file.js";
import { writeSeedFiles } from "../store/seed-files.js";

/** Lines kept in memory per log, for failure messages. */
export const LOG_TAIL_LINES = 50;

/** Bytes gathered before a write even within one event-loop turn (memory stays bounded). */
const CHUNK_BYTES = 64 * 1024;

/** Sinks with lines not yet written: written synchronously if the process exits (an uncaught error included). */
const unwritten = new Set<LogSink>();
let exitHook = false;
function flushOnExit(sink: LogSink): void {
  unwritten.add(sink);
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const s of unwritten) s.flush();
  });
}

/**
 * A log file fed line by line: every line is redacted, then written through at the end of the
 * event-loop turn that produced it (one write per chunk of a child's output, not one per line: per-line
 * writes cost 10× more on a chatty server log, see bench/runner.bench.ts), at once when 64 KiB gather,
 * and synchronously if the process exits. A crash loses no line and memory stays flat however fast a
 * server logs. The last lines are kept for failure messages. A write that fails (full or read-only
 * disk) is not thrown into the stream that fed the line: the sink stops writing, keeps the DiskError
 * and hands it to `onError` once.
 */
export class LogSink {
  private fd: number | undefined;
  private readonly last: string[] = [];
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private failure: DiskError | undefined;

  constructor(
    readonly path: string,
    append = false,
    private readonly onError?: (error: DiskError) => void,
  ) {
    try {
      this.fd = openSync(path, append ? "a" : "w");
    } catch (error: unknown) {
      throw toDiskError(error, path, "open log");
    }
  }

  /** Writes one line (redacted). */
  line(text: string): void {
    const clean = redactSecrets(text);
    this.last.push(clean.length > 1000 ? `${clean.slice(0, 1000)}…` : clean);
    if (this.last.length > LOG_TAIL_LINES) this.last.shift();
    if (this.fd === undefined || this.failure) return;
    this.pending.push(clean, "\n");
    this.pendingBytes += clean.length + 1;
    if (this.pendingBytes >= CHUNK_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      flushOnExit(this);
      setImmediate(() => this.flush());
    }
  }

  /** The write error that stopped this log, if any. */
  get error(): DiskError | undefined {
    return this.failure;
  }

  /** The last `n` lines written, non-empty ones only. */
  tail(n = 20): string[] {
    return this.last.filter((l) => l.trim() !== "").slice(-n);
  }

  /** Writes the lines gathered so far now (they are written at the end of the turn anyway). */
  flush(): void {
    this.scheduled = false;
    unwritten.delete(this);
    if (this.fd === undefined || this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    if (this.failure) return;
    try {
      writeSync(this.fd, text);
    } catch (error: unknown) {
      const failure = toDiskError(error, this.path, "write log");
      this.failure =
        failure instanceof DiskError ? failure : new DiskError("EIO", this.path, "write log", { cause: error });
      this.onError?.(this.failure);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Options of the writer. */
export interface RunFolderWriterOptions {
  /** Grok online: CSV with H100 reference rows and ratios. */
  withH100?: boolean;
  /** Read an existing results.json of the same suite and keep its repeats. */
  resume?: boolean;
}

/** Owns one run folder. */
export class RunFolderWriter {
  private constructor(
    readonly folder: string,
    readonly run: RunResults,
    private readonly options: RunFolderWriterOptions,
  ) {}

  /** Creates the folder; with `resume`, starts from its results.json when it is for the same suite. */
  static async open(folder: string, fresh: RunResults, options: RunFolderWriterOptions = {}): Promise<RunFolderWriter> {
    makeDirSync(folder);
    const file = join(folder, RESULTS_FILE);
    if (options.resume && existsSync(file)) {
      const previous = await readResults(file);
      if (previous.suite !== fresh.suite) {
        throw new Error(`${file} holds suite ${previous.suite}, not ${fresh.suite}: use another --output-dir`);
      }
      // Failures are re-decided by this run; measured repeats are kept.
      const points = previous.points.map(({ point, repeats }) => ({ point, repeats }));
      const run: RunResults = { ...fresh, points, started_at: previous.started_at ?? fresh.started_at };
      if (previous.gsm8k) run.gsm8k = previous.gsm8k;
      if (previous.timings) run.timings = previous.timings;
      return new RunFolderWriter(folder, run, options);
    }
    return new RunFolderWriter(folder, fresh, options);
  }

  /** Path of a file in the folder. */
  path(name: string): string {
    return join(this.folder, name);
  }

  /** Disk errors met so far (a log that could not be written); the next {@link flush} throws the first. */
  readonly diskErrors: DiskError[] = [];

  /** Opens a log in the folder; a write error is recorded as a run failure (see {@link diskError}). */
  log(name: string, append = false): LogSink {
    try {
      return new LogSink(this.path(name), append, (error) => this.diskError(error));
    } catch (error: unknown) {
      if (error instanceof DiskError) this.diskError(error);
      throw error;
    }
  }

  /** Records a disk error on the run (results.json says why the run stopped) and keeps it for {@link flush}. */
  diskError(error: DiskError): void {
    if (this.diskErrors.some((e) => e.path === error.path && e.code === error.code)) return;
    this.diskErrors.push(error);
    delete this.run.finished_at;
    this.run.failures.push({ kind: "crash", message: `disk error: ${error.message}`, source: error.path });
  }

  /** The point's record, created on first use. */
  pointResult(point: Point): PointResult {
    const key = pointKey(point);
    let found = this.run.points.find((p) => pointKey(p.point) === key);
    if (!found) {
      found = { point, repeats: [] };
      this.run.points.push(found);
    }
    return found;
  }

  /** Measured (non-warm-up) repeats already recorded for the point. */
  measured(point: Point): Repeat[] {
    return this.pointResult(point).repeats.filter((r) => !r.warmup);
  }

  addRepeat(point: Point, repeat: Repeat): void {
    const p = this.pointResult(point);
    p.repeats = p.repeats.filter((r) => r.index !== repeat.index || r.warmup !== repeat.warmup);
    p.repeats.push(repeat);
    p.repeats.sort((a, b) => a.index - b.index);
  }

  /** Records a failure on the run and (when it has one) on its point; the first failure of a point stays. */
  fail(failure: Failure): void {
    this.run.failures.push(failure);
    if (failure.point) {
      const p = this.pointResult(failure.point);
      p.failure ??= failure;
    }
  }

  /**
   * Writes results.json and the seed's files; called after every repeat. Throws a DiskError (real
   * errno, path) when a write fails or a log could not be written: results.json records it first when
   * the disk lets it (a full disk still takes the compact record in place, see writeResults).
   */
  async flush(): Promise<void> {
    // A run stopped by a disk error did not finish, whatever its suite loop stamped.
    if (this.diskErrors.length > 0) delete this.run.finished_at;
    try {
      await writeResults(this.folder, this.run);
    } catch (error: unknown) {
      const disk = toDiskError(error, this.path(RESULTS_FILE), "write");
      if (disk instanceof DiskError) this.diskError(disk);
      throw disk;
    }
    if (this.diskErrors[0]) throw this.diskErrors[0];
    try {
      await writeSeedFiles(this.folder, this.run, { withH100: this.options.withH100 ?? false });
    } catch (error: unknown) {
      const disk = toDiskError(error, this.folder, "write the seed's files in");
      if (!(disk instanceof DiskError)) throw disk;
      this.diskError(disk);
      await writeResults(this.folder, this.run).catch(() => undefined);
      throw disk;
    }
  }

  /** Writes a text file in the folder, redacted; whole or not at all. */
  async writeText(name: string, text: string): Promise<string> {
    const path = this.path(name);
    await writeFileAtomic(path, redactSecrets(text));
    return path;
  }
}

/** Total measured repeats of a run, for the exit code. */
export function measuredRepeatCount(run: RunResults): number {
  return run.points.reduce((n, p) => n + p.repeats.filter((r) => !r.warmup).length, 0);
}
