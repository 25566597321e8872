/**
 * Writes a run folder as the suite runs: results.json after every repeat (so a crash or cancel keeps
 * what was measured), the seed's CSV/config.json, redacted logs, and the timing summary; and reads an
 * existing results.json back so a re-run resumes where it stopped.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  pointKey,
  type Failure,
  type Point,
  type PointResult,
  type Repeat,
  type RunResults,
} from "../core/results/index.js";
import { redactSecrets } from "../store/redact.js";
import { RESULTS_FILE, readResults, writeResults } from "../store/results-file.js";
import { writeSeedFiles } from "../store/seed-files.js";

/** Lines kept in memory per log, for failure messages. */
export const LOG_TAIL_LINES = 50;
const FLUSH_BYTES = 64 * 1024;

/**
 * A log file fed line by line: every line is redacted before it is written, writes are buffered in
 * 64 KiB chunks and synchronous (so memory stays bounded however fast a server logs), and the last
 * lines are kept for failure messages.
 */
export class LogSink {
  private fd: number | undefined;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private readonly last: string[] = [];

  constructor(
    readonly path: string,
    append = false,
  ) {
    this.fd = openSync(path, append ? "a" : "w");
  }

  /** Writes one line (redacted). */
  line(text: string): void {
    const clean = redactSecrets(text);
    this.last.push(clean.length > 1000 ? `${clean.slice(0, 1000)}…` : clean);
    if (this.last.length > LOG_TAIL_LINES) this.last.shift();
    this.buffer.push(clean, "\n");
    this.bufferBytes += clean.length + 1;
    if (this.bufferBytes >= FLUSH_BYTES) this.flush();
  }

  /** The last `n` lines written, non-empty ones only. */
  tail(n = 20): string[] {
    return this.last.filter((l) => l.trim() !== "").slice(-n);
  }

  flush(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(""));
    this.buffer = [];
    this.bufferBytes = 0;
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
    mkdirSync(folder, { recursive: true });
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

  /** Opens a log in the folder. */
  log(name: string, append = false): LogSink {
    return new LogSink(this.path(name), append);
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

  /** Writes results.json and the seed's files; called after every repeat. */
  async flush(): Promise<void> {
    await writeResults(this.folder, this.run);
    await writeSeedFiles(this.folder, this.run, { withH100: this.options.withH100 ?? false });
  }

  /** Writes a text file in the folder, redacted. */
  async writeText(name: string, text: string): Promise<string> {
    const path = this.path(name);
    await writeFile(path, redactSecrets(text));
    return path;
  }
}

/** Total measured repeats of a run, for the exit code. */
export function measuredRepeatCount(run: RunResults): number {
  return run.points.reduce((n, p) => n + p.repeats.filter((r) => !r.warmup).length, 0);
}
