/**
 * The runner's programmatic API, used by the CLI (`sglbench offline|online`), the PR pipeline and the nightly.
 */
import type { RunResults } from "../core/results.js";
import type { Suite } from "../core/suites.js";
import type { Executor } from "./executor.js";
import type { Progress } from "./progress.js";

export interface RunSuiteOptions {
  suite: Suite;
  /** Image reference the suite runs on (names the run folder, picks backend and environment). */
  image: string;
  executor: Executor;
  /** Root of the results tree; the run folder goes under it in the seed's layout. */
  outputDir: string;
  /** Measured repeats per point (default: the suite's; offline 1). */
  repeats?: number;
  /** Only these point values (batch sizes offline, rates/concurrencies online). */
  points?: number[];
  skipGsm8k?: boolean;
  /** GSM8K threshold (default: the suite's). */
  threshold?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface RunSuiteOutcome {
  run: RunResults;
  folder: string;
  /** 0 everything ran, 3 partially, 1 nothing. */
  exitCode: 0 | 1 | 3;
}

/** Runs one suite on one image, writing the run folder as it goes. */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteOutcome> {
  void options;
  throw new Error("runSuite is not implemented yet");
}
