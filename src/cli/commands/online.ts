/** `sglbench online`: the seed's grok_perf_online_csv.sh, plus DeepSeek online (--model-type=deepseek). */
import type { CliIO } from "../io.js";
import { defaultExecutor, runSuiteCommand } from "../suite-command.js";

export const summary = "Run an online suite (launch_server + GSM8K gate + bench_serving) into a run folder";

export function run(argv: string[], io: CliIO): Promise<number> {
  return runSuiteCommand("online", argv, io, (args) => defaultExecutor(args, io));
}
