/** `sglbench offline`: the seed's grok_perf_offline_csv.sh / deepseek_perf_offline_csv.sh. */
import type { CliIO } from "../io.js";
import { defaultExecutor, runSuiteCommand } from "../suite-command.js";

export const summary = "Run an offline suite (bench_one_batch per point) into a run folder";

export function run(argv: string[], io: CliIO): Promise<number> {
  return runSuiteCommand("offline", argv, io, (args) => defaultExecutor(args, io));
}
