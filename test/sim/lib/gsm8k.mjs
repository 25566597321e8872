/**
 * GSM8K client (`benchmark/gsm8k/bench_sglang.py` and `-m sglang.test.few_shot_gsm8k`): calls
 * `GET /get_model_info`, sends up to SGLSIM_GSM8K_REAL_REQUESTS non-streaming `POST /generate`
 * questions, extrapolates the rest from the server's accuracy, and prints the 4 summary lines.
 */
import process from "node:process";
import { appendFileSync } from "node:fs";
import { hangForever, shouldHang } from "./hang.mjs";
import { parseArgs, printHelpIfAsked } from "./args.mjs";
import { request } from "./http-client.mjs";
import { createRng, seedFromEnv } from "./rng.mjs";
import { batchPrefillSeconds, decodeStepSeconds, profileFor } from "./perf.mjs";
import { INVALID, answerValue, createGsm8kTally, fewShotPrompt, makeQuestion, nextOutcome } from "./gsm8k-data.mjs";
import { tqdmLine } from "./stats.mjs";

function specs(variant) {
  return [
    { flags: ["--num-shots"], dest: "num_shots", type: "int", default: 5 },
    { flags: ["--data-path"], dest: "data_path", default: "test.jsonl" },
    { flags: ["--num-questions"], dest: "num_questions", type: "int", default: 200 },
    { flags: ["--parallel"], dest: "parallel", type: "int", default: variant === "few_shot" ? 128 : 64 },
    { flags: ["--host"], dest: "host", default: "http://127.0.0.1" },
    { flags: ["--port"], dest: "port", type: "int", default: 30000 },
    { flags: ["--backend"], dest: "backend", default: "srt" },
    { flags: ["--result-file"], dest: "result_file", default: "result.jsonl" },
    { flags: ["--max-new-tokens"], dest: "max_new_tokens", type: "int", default: 512 },
  ];
}

function connectionTraceback(url, error) {
  process.stderr.write(
    `Traceback (most recent call last):\n  File "/sgl-workspace/sglang/python/sglang/lang/backend/runtime_endpoint.py", line 40, in __init__\n    res = http_request(\nurllib.error.URLError: <urlopen error [Errno 111] Connection refused> (${url}: ${error?.message ?? error})\n`,
  );
  return 1;
}

/**
 * @param {string[]} argv
 * @param {{ variant: "bench_sglang" | "few_shot" }} options
 */
export async function gsm8k(argv, options, env = process.env) {
  let a;
  try {
    if (printHelpIfAsked(argv, "bench_sglang.py", specs(options.variant))) return 0;
    a = parseArgs(argv, specs(options.variant)).values;
  } catch (error) {
    process.stderr.write(`usage: bench_sglang.py [-h] ...\nbench_sglang.py: error: ${error.message}\n`);
    return 2;
  }
  const host = String(a.host).includes("://") ? String(a.host) : `http://${a.host}`;
  const base = `${host}:${a.port}`;
  // bench_sglang.py slices the test set: asking 2000 (the original's flag) gets its 1 319 questions.
  const GSM8K_TEST_QUESTIONS = 1319;
  const n = Math.min(GSM8K_TEST_QUESTIONS, Math.max(1, Number(a.num_questions)));
  const parallel = Math.max(1, Number(a.parallel));
  if (shouldHang("gsm8k", [], env)) await hangForever(env);

  let modelInfo;
  try {
    const reply = await request(`${base}/get_model_info`, { timeoutMs: 30_000 });
    modelInfo = JSON.parse(reply.text);
  } catch (error) {
    return connectionTraceback(`${base}/get_model_info`, error);
  }
  let profile;
  let runFactor = 1;
  try {
    const sim = JSON.parse((await request(`${base}/sglsim/run?point=gsm8k`)).text);
    profile = sim.profile;
    runFactor = Number(sim.runFactor ?? 1);
  } catch {
    profile = profileFor(modelInfo?.model_path, env);
  }
  const rng = createRng(seedFromEnv(env, 3) ^ Math.floor(runFactor * 1e6));

  // Real questions, `parallel` at a time.
  const realCount = Math.min(n, Math.max(0, Number(env.SGLSIM_GSM8K_REAL_REQUESTS ?? 16)));
  let correct = 0;
  let invalid = 0;
  let outputTokens = 0;
  let done = 0;
  process.stderr.write(`\r${tqdmLine(0, n, 0)}`);
  let next = 0;
  let fatal;
  const worker = async () => {
    while (next < realCount && !fatal) {
      const index = next++;
      const body = {
        text: fewShotPrompt(index, Number(a.num_shots)),
        sampling_params: {
          max_new_tokens: Number(a.max_new_tokens),
          stop: ["Question", "Assistant:", "<|separator|>"],
          temperature: 0,
        },
      };
      try {
        const reply = await request(`${base}/generate`, { body });
        if (reply.status !== 200) {
          invalid++;
        } else {
          const json = JSON.parse(reply.text);
          const value = answerValue(json.text);
          if (value === INVALID) invalid++;
          else if (value === makeQuestion(index).label) correct++;
          outputTokens += Number(json.meta_info?.completion_tokens ?? 0);
        }
      } catch (error) {
        fatal = error;
      }
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, realCount)) }, worker));
  if (fatal) {
    process.stderr.write("\n");
    return connectionTraceback(`${base}/generate`, fatal);
  }

  // The rest continue the server's outcome sequence for this run (same accuracy, same spacing).
  let tally = createGsm8kTally(Number(profile.gsm8kAccuracy));
  try {
    const info = JSON.parse((await request(`${base}/sglsim/info`)).text);
    if (info.gsm8k) tally = info.gsm8k;
  } catch {
    tally.answered = realCount;
  }
  const failFraction = Number(profile.failFraction ?? 0);
  for (let i = realCount; i < n; i++) {
    const outcome = nextOutcome(tally);
    if (
      outcome === "invalid" ||
      (failFraction > 0 && Math.floor((i + 1) * failFraction) > Math.floor(i * failFraction))
    )
      invalid++;
    else if (outcome === "correct") correct++;
    outputTokens += Math.round(Number(profile.gsm8kTokens) * (0.8 + 0.4 * rng.next()));
  }
  done = n;

  // Virtual latency: waves of `parallel` questions, each a prefill plus the decode of one answer.
  const batch = Math.min(parallel, n);
  const waves = Math.ceil(n / parallel);
  const perWave =
    batchPrefillSeconds(profile, batch * 50, runFactor) +
    Number(profile.gsm8kTokens) * decodeStepSeconds(profile, batch, runFactor);
  const latency = waves * perWave * (1 + rng.normal(0, Number(profile.noise ?? 0.01)));
  process.stderr.write(`\r${tqdmLine(done, n, latency)}\r`);

  const accuracy = correct / n;
  const invalidRate = invalid / n;
  process.stdout.write(
    `Accuracy: ${accuracy.toFixed(3)}\nInvalid: ${invalidRate.toFixed(3)}\nLatency: ${latency.toFixed(3)} s\nOutput throughput: ${(outputTokens / latency).toFixed(3)} token/s\n`,
  );
  if (options.variant === "bench_sglang" && a.result_file) {
    const record = `{"task": "gsm8k", "backend": "${a.backend}", "num_gpus": 1, "latency": ${round3(latency)}, "accuracy": ${round3(accuracy)}, "num_requests": ${n}, "other": {"num_questions": ${n}, "parallel": ${parallel}}}`;
    appendFileSync(String(a.result_file), `${record}\n`);
  }
  return 0;
}

function round3(value) {
  const text = String(Math.round(value * 1000) / 1000);
  return text.includes(".") ? text : `${text}.0`;
}
