/** What the offline and online suite runners share while one suite runs. */
import type { ImageInfo } from "../core/catalogue/index.js";
import type { Failure, Point } from "../core/results/index.js";
import type { Executor } from "./executor.js";
import type { Progress } from "./progress.js";
import type { RunFolderWriter } from "./run-folder-writer.js";

export interface SuiteContext {
  executor: Executor;
  writer: RunFolderWriter;
  info: ImageInfo;
  backend: string;
  env: Record<string, string>;
  host: string;
  port: number;
  repeats: number;
  skipGsm8k: boolean;
  threshold?: number;
  readyTimeoutMs: number;
  /** Per bench command (bench_one_batch, bench_serving). */
  commandTimeoutMs: number;
  /** Per GSM8K run (default: commandTimeoutMs). */
  gsm8kTimeoutMs?: number;
  /** Run a discarded warm-up round before the first online point. */
  warmup: boolean;
  signal?: AbortSignal;
  progress: (event: Omit<Progress, "elapsedS" | "etaS">, finishedRepeat?: boolean) => void;
}

/** Records the same failure on every point in the list (GSM8K gate, server never ready, cancel). */
export function failPoints(ctx: SuiteContext, points: readonly Point[], failure: Omit<Failure, "point">): void {
  ctx.writer.run.failures.push({ ...failure });
  for (const point of points) {
    const p = ctx.writer.pointResult(point);
    p.failure ??= { ...failure, point };
  }
}

/** Argv as one line for logs (`Executing: …`), quoting what needs it. */
export function commandLine(argv: readonly string[], env: Record<string, string> = {}): string {
  const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const envPart = Object.entries(env).map(([k, v]) => `${k}=${q(v)}`);
  return [...(envPart.length ? ["env", ...envPart] : []), ...argv.map(q)].join(" ");
}
