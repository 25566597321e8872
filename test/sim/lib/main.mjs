/** Dispatch `python3 …` to the simulated tool, or forward to a real python for anything else. */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { basename } from "node:path";

const MODULES = {
  "sglang.bench_one_batch": async (argv) => (await import("./one-batch.mjs")).benchOneBatch(argv),
  "sglang.benchmark.one_batch": async (argv) => (await import("./one-batch.mjs")).benchOneBatch(argv),
  "sglang.launch_server": async (argv) => (await import("./server.mjs")).launchServer(argv),
  "sglang.bench_serving": async (argv) => (await import("./bench-serving.mjs")).benchServing(argv),
  "sglang.benchmark.serving": async (argv) => (await import("./bench-serving.mjs")).benchServing(argv),
  "sglang.test.few_shot_gsm8k": async (argv) => (await import("./gsm8k.mjs")).gsm8k(argv, { variant: "few_shot" }),
};

/** @param {string[]} argv the arguments after `python3` */
export async function main(argv) {
  // Skip interpreter options such as -u or -X faulthandler before -m / the script.
  let i = 0;
  while (i < argv.length && /^-[uBEsSIO]+$/.test(argv[i] ?? "")) i++;
  if (argv[i] === "-m" && argv[i + 1] && MODULES[argv[i + 1]]) return MODULES[argv[i + 1]](argv.slice(i + 2));
  if (argv[i] && !argv[i].startsWith("-") && basename(argv[i]) === "bench_sglang.py") {
    return (await import("./gsm8k.mjs")).gsm8k(argv.slice(i + 1), { variant: "bench_sglang" });
  }
  return forward(argv);
}

function forward(argv) {
  const real = "/usr/bin/python3";
  let self = "";
  try {
    self = realpathSync(process.argv[1] ?? "");
  } catch {
    self = "";
  }
  if (existsSync(real) && realpathSync(real) !== self) {
    const result = spawnSync(real, argv, { stdio: "inherit" });
    return result.status ?? 1;
  }
  process.stderr.write(`sglang simulator: python3 ${argv.join(" ")}: not simulated and no real python at ${real}\n`);
  return 2;
}
