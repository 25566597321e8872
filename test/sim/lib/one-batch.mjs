/**
 * `python3 -m sglang.bench_one_batch`: no server; prints max_total_num_tokens, a warmup block,
 * `Benchmark ...` and one block per (bs, il, ol), then appends result.jsonl lines.
 */
import process from "node:process";
import { setInterval } from "node:timers";
import { appendFileSync } from "node:fs";
import { hangForever, shouldHang } from "./hang.mjs";
import { parseArgs, printHelpIfAsked } from "./args.mjs";
import { logLine, sleep } from "./log.mjs";
import { createRng, seedFromEnv } from "./rng.mjs";
import { batchPrefillSeconds, decodeStepSeconds, profileFor, runFactorFor } from "./perf.mjs";
import { dumps, fixedWidth, float } from "./py.mjs";
import { median } from "./stats.mjs";
import { timeScale } from "./server.mjs";

const SPECS = [
  { flags: ["--model-path", "--model"], dest: "model_path", default: "meta-llama/Llama-3.1-8B-Instruct" },
  { flags: ["--tokenizer-path"], dest: "tokenizer_path" },
  { flags: ["--tp-size", "--tp"], dest: "tp_size", type: "int", default: 1 },
  { flags: ["--batch-size"], dest: "batch_size", type: "int", nargs: "+", default: [1] },
  { flags: ["--input-len"], dest: "input_len", type: "int", nargs: "+", default: [1024] },
  { flags: ["--output-len"], dest: "output_len", type: "int", nargs: "+", default: [16] },
  { flags: ["--run-name"], dest: "run_name", default: "default" },
  { flags: ["--result-filename"], dest: "result_filename", default: "result.jsonl" },
  { flags: ["--mem-fraction-static"], dest: "mem_fraction_static", type: "float" },
  { flags: ["--load-format"], dest: "load_format", default: "auto" },
  { flags: ["--log-decode-step"], dest: "log_decode_step", type: "int", default: 0 },
];

function oomTraceback(bs, il) {
  const gib = ((bs * il * 0.0625) / 1024 + 1.5).toFixed(2);
  process.stderr.write(
    [
      "Traceback (most recent call last):",
      '  File "/sgl-workspace/sglang/python/sglang/bench_one_batch.py", line 650, in <module>',
      "    main(server_args, bench_args)",
      '  File "/sgl-workspace/sglang/python/sglang/bench_one_batch.py", line 540, in latency_test',
      "    ret = latency_test_run_once(",
      '  File "/sgl-workspace/sglang/python/sglang/srt/layers/moe/fused_moe_triton/fused_moe.py", line 1312, in fused_experts_impl',
      "    intermediate_cache1 = torch.empty(",
      `torch.OutOfMemoryError: HIP out of memory. Tried to allocate ${gib} GiB. GPU 0 has a total capacity of 191.98 GiB of which 1.12 GiB is free. Of the allocated memory 180.21 GiB is allocated by PyTorch, and 3.52 GiB is reserved by PyTorch but unallocated.`,
      "",
    ].join("\n"),
  );
}

/** @param {string[]} argv */
export async function benchOneBatch(argv, env = process.env) {
  let a;
  try {
    if (printHelpIfAsked(argv, "bench_one_batch.py", SPECS)) return 0;
    a = parseArgs(argv, SPECS).values;
  } catch (error) {
    process.stderr.write(`usage: bench_one_batch.py [-h] ...\nbench_one_batch.py: error: ${error.message}\n`);
    return 2;
  }
  const hangAt = [a.batch_size ?? []].flat();
  if (shouldHang("one_batch", hangAt, env)) {
    logLine("Load weight begin. avail mem=188.76 GB", "TP0");
    await hangForever(env);
  }
  const profile = profileFor(String(a.model_path), env);
  const rng = createRng(seedFromEnv(env, 2, `one_batch ${argv.join(" ")}`));
  const runFactor = runFactorFor(profile, rng, false);
  const scale = timeScale(env);
  const oomAt = env.SGLSIM_OOM_AT_BS ? Number(env.SGLSIM_OOM_AT_BS) : Infinity;
  const oldFormat = env.SGLSIM_OLD_FORMAT === "1";
  const logStep = Number(a.log_decode_step ?? 0);
  const maxTotal = Math.round(profile.maxTotalTokens * ((a.mem_fraction_static ?? 0.9) / 0.9));
  const out = (text) => process.stdout.write(`${text}\n`);

  logLine(
    `Load weight end. type=${profile.modelType}, dtype=torch.bfloat16, avail mem=153.91 GB, mem usage=34.72 GB.`,
    "TP0",
  );
  out(`max_total_num_tokens=${maxTotal}`);

  /** Runs one case; returns its JSON record, or null when it hit the OOM switch. */
  const runCase = async (bs, il, ol, warmup) => {
    if (bs >= oomAt) return null;
    logLine("Reset HybridReqToTokenPool", "TP0");
    const noise = () => Math.max(0.5, rng.normal(1, profile.noise / 2));
    const prefill = batchPrefillSeconds(profile, bs * il, runFactor) * noise();
    out(
      `Prefill. latency: ${fixedWidth(prefill, 6, 5)} s, throughput: ${fixedWidth((il * bs) / prefill, 9, 2)} token/s`,
    );
    const steps = [];
    for (let i = 0; i < ol - 1; i++) {
      // Step 0 pays for graph replay set-up, like the real tool's slow first step.
      const step = decodeStepSeconds(profile, bs, runFactor) * (1 + il / 200_000) * noise() * (i === 0 ? 1.3 : 1);
      steps.push(step);
      if (i < 5 || (logStep > 0 && i % logStep === 0)) {
        const head = oldFormat ? "Decode.  " : `Decode ${i}. Batch size: ${bs}, `;
        out(`${head}latency: ${fixedWidth(step, 6, 5)} s, throughput: ${fixedWidth(bs / step, 9, 2)} token/s`);
      }
    }
    const record = {
      run_name: a.run_name,
      batch_size: bs,
      input_len: il,
      output_len: ol,
      prefill_latency: float(prefill),
      prefill_throughput: float((il * bs) / prefill),
    };
    if (steps.length > 0) {
      const med = median(steps);
      out(
        `Decode.  median latency: ${fixedWidth(med, 6, 5)} s, median throughput: ${fixedWidth(bs / med, 9, 2)} token/s`,
      );
      record.median_decode_latency = float(med);
      record.median_decode_throughput = float(bs / med);
    }
    const total = prefill + steps.reduce((s, v) => s + v, 0);
    out(
      `Total. latency: ${fixedWidth(total, 6, 3)} s, throughput: ${fixedWidth(((il + ol) * bs) / total, 9, 2)} token/s`,
    );
    record.total_latency = float(total);
    record.overall_throughput = float(((il + ol) * bs) / total);
    await sleep(Math.min(100, total * scale * 1000));
    void warmup;
    return record;
  };

  const sizes = /** @type {number[]} */ (a.batch_size);
  const inputLens = /** @type {number[]} */ (a.input_len);
  const outputLens = /** @type {number[]} */ (a.output_len);
  out("Warmup ...");
  const firstBs = sizes[0] ?? 1;
  const firstIl = inputLens[0] ?? 1024;
  if (firstBs <= Math.floor(maxTotal / (firstIl + (outputLens[0] ?? 16)))) {
    if ((await runCase(firstBs, firstIl, Math.min(32, outputLens[0] ?? 16), true)) === null) {
      oomTraceback(firstBs, firstIl);
      return 1;
    }
  }
  out("Benchmark ...");
  const records = [];
  for (const bs of sizes) {
    for (const il of inputLens) {
      for (const ol of outputLens) {
        if (bs > Math.floor(maxTotal / (il + ol))) {
          out(`skipping (${bs}, ${il}, ${ol}) due to max batch size limit`);
          continue;
        }
        const record = await runCase(bs, il, ol, false);
        if (record === null) {
          oomTraceback(bs, il);
          return 1;
        }
        records.push(record);
      }
    }
  }
  if (a.result_filename) {
    for (const record of records) appendFileSync(String(a.result_filename), `${dumps(record)}\n`);
  }
  return 0;
}
