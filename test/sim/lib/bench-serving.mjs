/**
 * `python3 -m sglang.bench_serving`: streams up to SGLSIM_MAX_REAL_REQUESTS real requests to the
 * server, extrapolates the rest from the server's performance model, and prints the v0.5.3
 * result block (or v0.5.5 with TPOT when SGLSIM_SERVING_FORMAT=v0.5.5) plus the JSONL line.
 */
import process from "node:process";
import { appendFileSync } from "node:fs";
import { parseArgs, printHelpIfAsked } from "./args.mjs";
import { hangForever, shouldHang } from "./hang.mjs";
import { sleep } from "./log.mjs";
import { createRng } from "./rng.mjs";
import { interTokenGaps, meanGapSeconds, profileFor, queueWaitSeconds, ttftSeconds } from "./perf.mjs";
import { dumps, fixed, float, namespace, row } from "./py.mjs";
import { max, mean, median, percentile, std, tqdmLine } from "./stats.mjs";
import { request, streamRequest } from "./http-client.mjs";

const SPECS = [
  { flags: ["--backend"], dest: "backend", default: "sglang" },
  { flags: ["--base-url"], dest: "base_url" },
  { flags: ["--host"], dest: "host", default: "0.0.0.0" },
  { flags: ["--port"], dest: "port", type: "int" },
  { flags: ["--dataset-name"], dest: "dataset_name", default: "sharegpt" },
  { flags: ["--dataset-path"], dest: "dataset_path", default: "" },
  { flags: ["--model"], dest: "model" },
  { flags: ["--tokenizer"], dest: "tokenizer" },
  { flags: ["--num-prompts"], dest: "num_prompts", type: "int", default: 1000 },
  { flags: ["--sharegpt-output-len"], dest: "sharegpt_output_len", type: "int" },
  { flags: ["--random-input-len"], dest: "random_input_len", type: "int", default: 1024 },
  { flags: ["--random-output-len"], dest: "random_output_len", type: "int", default: 1024 },
  { flags: ["--random-range-ratio"], dest: "random_range_ratio", type: "float", default: 0.0 },
  { flags: ["--request-rate"], dest: "request_rate", type: "rate", default: Infinity },
  { flags: ["--max-concurrency"], dest: "max_concurrency", type: "int" },
  { flags: ["--output-file"], dest: "output_file" },
  { flags: ["--output-details"], dest: "output_details", type: "bool", default: false },
  { flags: ["--disable-tqdm"], dest: "disable_tqdm", type: "bool", default: false },
  { flags: ["--disable-stream"], dest: "disable_stream", type: "bool", default: false },
  { flags: ["--seed"], dest: "seed", type: "int", default: 1 },
  { flags: ["--disable-ignore-eos"], dest: "disable_ignore_eos", type: "bool", default: false },
  { flags: ["--extra-request-body"], dest: "extra_request_body" },
  { flags: ["--flush-cache"], dest: "flush_cache", type: "bool", default: false },
  { flags: ["--warmup-requests"], dest: "warmup_requests", type: "int", default: 1 },
  { flags: ["--apply-chat-template"], dest: "apply_chat_template", type: "bool", default: false },
];

/** The Namespace fields in v0.5.3's order (as in the real DeepSeek client logs). */
function namespaceFields(a) {
  return {
    backend: a.backend,
    base_url: a.base_url,
    host: a.host,
    port: a.port,
    dataset_name: a.dataset_name,
    dataset_path: a.dataset_path,
    model: a.model,
    tokenizer: a.tokenizer,
    num_prompts: a.num_prompts,
    sharegpt_output_len: a.sharegpt_output_len,
    sharegpt_context_len: null,
    random_input_len: a.random_input_len,
    random_output_len: a.random_output_len,
    random_range_ratio: float(a.random_range_ratio),
    image_count: 1,
    image_resolution: "1080p",
    image_format: "jpeg",
    image_content: "random",
    request_rate: float(a.request_rate),
    use_trace_timestamps: false,
    max_concurrency: a.max_concurrency,
    output_file: a.output_file,
    output_details: a.output_details,
    disable_tqdm: a.disable_tqdm,
    disable_stream: a.disable_stream,
    return_logprob: false,
    seed: a.seed,
    disable_ignore_eos: a.disable_ignore_eos,
    extra_request_body: a.extra_request_body,
    apply_chat_template: a.apply_chat_template,
    profile: false,
    lora_name: null,
    prompt_suffix: "",
    pd_separated: false,
    flush_cache: a.flush_cache,
    warmup_requests: a.warmup_requests,
    tokenize_prompt: false,
    gsp_num_groups: 64,
    gsp_prompts_per_group: 16,
    gsp_system_prompt_len: 2048,
    gsp_question_len: 128,
    gsp_output_len: 256,
    mooncake_slowdown_factor: float(1.0),
    mooncake_num_rounds: 1,
    mooncake_workload: "conversation",
  };
}

function pythonError(type, message) {
  process.stderr.write(
    `Traceback (most recent call last):\n  File "/sgl-workspace/sglang/python/sglang/bench_serving.py", line 2010, in <module>\n    run_benchmark(args)\n${type}: ${message}\n`,
  );
  return 1;
}

/** @param {string[]} argv */
export async function benchServing(argv, env = process.env) {
  let parsed;
  try {
    if (printHelpIfAsked(argv, "bench_serving.py", SPECS)) return 0;
    parsed = parseArgs(argv, SPECS);
  } catch (error) {
    process.stderr.write(
      `usage: bench_serving.py [-h] [--backend BACKEND] ...\nbench_serving.py: error: ${error.message}\n`,
    );
    return 2;
  }
  const a = parsed.values;
  const out = (text) => process.stdout.write(text);
  out(`benchmark_args=${namespace(namespaceFields(a))}\n`);
  if (shouldHang("serving", [a.request_rate, a.max_concurrency], env)) await hangForever(env);
  if (a.port === null) a.port = 30000;
  const base = a.base_url
    ? String(a.base_url).replace(/\/$/, "")
    : `http://${a.host === "0.0.0.0" ? "127.0.0.1" : a.host}:${a.port}`;
  const scale = Number(env.SGLSIM_TIME_SCALE ?? 0.001);
  const maxReal = Number(env.SGLSIM_MAX_REAL_REQUESTS ?? 16);

  if (!a.model) {
    try {
      const models = JSON.parse((await request(`${base}/v1/models`, { timeoutMs: 10_000 })).text);
      a.model = models.data[0].id;
    } catch (error) {
      return pythonError(
        "requests.exceptions.ConnectionError",
        `HTTPConnectionPool(host='${a.host}', port=${a.port}): Max retries exceeded with url: /v1/models (Caused by NewConnectionError: ${error.message})`,
      );
    }
  }
  if (!/chat|instruct/i.test(String(a.model))) {
    out(
      "\nWARNING It is recommended to use the `Chat` or `Instruct` model for benchmarking.\nBecause when the tokenizer counts the output tokens, if there is gibberish, it might count incorrectly.\n\n",
    );
  }
  out(`${namespace(namespaceFields(a))}\n`);

  // Dataset: lengths drawn like numpy randint(max(int(len*ratio),1), len+1) with --seed, so totals repeat across runs.
  const dataRng = createRng(Number(a.seed));
  const n = Number(a.num_prompts);
  const inLen = a.dataset_name === "sharegpt" ? 1024 : Number(a.random_input_len);
  const outLen = a.dataset_name === "sharegpt" ? Number(a.sharegpt_output_len ?? 256) : Number(a.random_output_len);
  const ratio = Number(a.random_range_ratio);
  const inputs = Array.from({ length: n }, () => dataRng.int(Math.max(Math.floor(inLen * ratio), 1), inLen));
  const outputs = Array.from({ length: n }, () => dataRng.int(Math.max(Math.floor(outLen * ratio), 1), outLen));
  out(`\n#Input tokens: ${inputs.reduce((s, v) => s + v, 0)}\n#Output tokens: ${outputs.reduce((s, v) => s + v, 0)}\n`);

  const isOai = !/^sglang(-native)?$/.test(String(a.backend));
  const endpoint = isOai ? "/v1/completions" : "/generate";
  const send = (index, slot) =>
    sendOne(base, endpoint, isOai, String(a.model), inputs[index] ?? 1, outputs[index] ?? 1, slot.batch, slot.wait);

  out("Starting warmup with 1 sequences...\n");
  const warm = await sendOne(base, endpoint, isOai, String(a.model), inputs[0] ?? 1, Math.min(outputs[0] ?? 1, 16), 1);
  if (!warm.success) {
    process.stderr.write(
      `Traceback (most recent call last):\n  File "/sgl-workspace/sglang/python/sglang/bench_serving.py", line 1581, in benchmark\n    raise ValueError(\nValueError: Warmup failed - Please make sure benchmark arguments are correctly specified. Error: ${warm.error}\n`,
    );
    return 1;
  }
  out("Warmup completed with 1 sequences. Starting main benchmark run...\n");
  if (a.flush_cache || env.SGLANG_IS_IN_CI)
    await request(`${base}/flush_cache`, { method: "POST" }).catch(() => undefined);

  // The image's model and this run's noise factor come from the server (they belong to the "image").
  const point = `${a.backend}|${inLen}|${outLen}|${a.request_rate}|${a.max_concurrency}`;
  let sim;
  try {
    sim = JSON.parse((await request(`${base}/sglsim/run?point=${encodeURIComponent(point)}`)).text);
  } catch {
    sim = { profile: profileFor(a.model, env), runFactor: 1 };
  }
  const profile = sim.profile;
  const runFactor = Number(sim.runFactor ?? 1);
  const rng = createRng((Number(a.seed) * 1_000_003 + Math.floor(runFactor * 1e9)) >>> 0);

  // Virtual schedule: Poisson arrivals (or all at t=0), a concurrency cap, batch = running requests.
  // The arrivals come from --seed like the lengths (the real tool seeds numpy once with it), so every
  // run of a point replays the same schedule and only the GPU's run noise differs between repeats.
  const arrivals = [];
  let clock = 0;
  for (let i = 0; i < n; i++) {
    arrivals.push(clock);
    if (Number.isFinite(a.request_rate)) clock += dataRng.exp(Number(a.request_rate));
  }
  const cap = a.max_concurrency ? Number(a.max_concurrency) : Infinity;
  const plan = [];
  const ends = [];
  // End times of running requests, ascending; starts never decrease (FIFO), so finished ones leave from the front.
  const running = [];
  for (let i = 0; i < n; i++) {
    let start = arrivals[i] ?? 0;
    while (running.length > 0 && (running[0] ?? 0) <= start) running.shift();
    if (running.length >= cap) {
      start = Math.max(start, running[running.length - cap] ?? start);
      while (running.length > 0 && (running[0] ?? 0) <= start) running.shift();
    }
    const batch = Math.min(cap, running.length + 1);
    const wait = queueWaitSeconds(profile, inputs[i] ?? 1, batch, runFactor);
    const expected =
      wait +
      ttftSeconds(profile, inputs[i] ?? 1, batch, runFactor) +
      ((outputs[i] ?? 1) - 1) * meanGapSeconds(profile, batch, runFactor);
    plan.push({ start, batch, wait });
    const end = start + expected;
    ends.push(end);
    let at = running.length;
    while (at > 0 && (running[at - 1] ?? 0) > end) at--;
    running.splice(at, 0, end);
  }

  const results = new Array(n);
  const realCount = Math.min(n, Math.max(0, maxReal));
  const showBar = !a.disable_tqdm;
  let done = 0;
  const tick = () => {
    done++;
    if (showBar && (done === n || done % Math.max(1, Math.floor(n / 20)) === 0))
      process.stderr.write(`\r${tqdmLine(done, n, (done / n) * max(ends))}`);
  };
  if (showBar) process.stderr.write(`\r${tqdmLine(0, n, 0)}`);

  // Real requests: paced in real time, concurrency-capped, each told its modelled batch size.
  let inFlight = 0;
  const waiters = [];
  const acquire = async () => {
    while (inFlight >= cap) await new Promise((resolve) => waiters.push(resolve));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiters.shift()?.();
  };
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: realCount }, async (_, i) => {
      const dueMs = (arrivals[i] ?? 0) * scale * 1000 - (Date.now() - t0);
      if (dueMs > 0) await sleep(dueMs);
      await acquire();
      try {
        results[i] = { ...(await send(i, plan[i] ?? { batch: 1, wait: 0 })), start: plan[i]?.start ?? 0, real: true };
      } finally {
        release();
        tick();
      }
    }),
  );
  // Keep every stride-th inter-token gap for the percentiles (mean, max and sums stay exact), so a
  // 2400-prompt run does not hold and sort a million numbers. A 300-prompt run (~150 k gaps) keeps
  // all: at low rates ~1 % of gaps are prefill spikes, P99 ITL sits among them, and decimating them
  // (whether a spike lands on a kept index) moved P99 ITL ±6 % between runs.
  const expectedGaps = outputs.reduce((s, v) => s + Math.max(0, v - 1), 0);
  const stride = Math.max(1, Math.ceil(expectedGaps / 200_000));
  const summarize = (gaps) => {
    let sum = 0;
    let top = 0;
    const sample = [];
    for (let g = 0; g < gaps.length; g++) {
      const gap = gaps[g] ?? 0;
      sum += gap;
      if (gap > top) top = gap;
      if (g % stride === 0) sample.push(gap);
    }
    return { itlSum: sum, itlCount: gaps.length, itlMax: top, itlSample: sample };
  };
  for (let i = 0; i < realCount; i++) {
    const result = results[i];
    if (result?.success) Object.assign(result, summarize(result.itls), { itls: undefined });
  }
  const serverDown = results.slice(0, realCount).some((result) => result && result.connectionError);
  const fraction = Number(profile.failFraction ?? 0);
  for (let i = realCount; i < n; i++) {
    const slot = plan[i] ?? { start: 0, batch: 1 };
    if (serverDown || (fraction > 0 && Math.floor((i + 2) * fraction) > Math.floor((i + 1) * fraction))) {
      results[i] = {
        success: false,
        error: serverDown ? "Cannot connect to host" : "Internal server error",
        start: slot.start,
      };
    } else {
      const ttft =
        (slot.wait ?? 0) +
        ttftSeconds(profile, inputs[i] ?? 1, slot.batch, runFactor) * Math.max(0.5, rng.normal(1, 0.05));
      const gaps = summarize(interTokenGaps(profile, outputs[i] ?? 1, slot.batch, rng, runFactor));
      results[i] = {
        success: true,
        ttft,
        ...gaps,
        latency: ttft + gaps.itlSum,
        outputLen: outputs[i] ?? 1,
        start: slot.start,
      };
    }
    tick();
  }
  if (showBar) process.stderr.write("\n");

  let serverInfo;
  try {
    const reply = await request(`${base}/get_server_info`, { timeoutMs: 10_000 });
    serverInfo = JSON.parse(reply.text);
    void serverInfo.internal_states[0];
  } catch (error) {
    return pythonError(
      "requests.exceptions.ConnectionError",
      `HTTPConnectionPool(host='${a.host}', port=${a.port}): Max retries exceeded with url: /get_server_info (Caused by NewConnectionError: ${error.message})`,
    );
  }

  const ok = results
    .map((result, index) => ({ ...result, inputLen: inputs[index] ?? 0 }))
    .filter((result) => result.success);
  const duration =
    Math.max(1e-9, max(results.map((result) => (result.start ?? 0) + (result.success ? result.latency : 0)))) * 1.0005;
  const totalIn = ok.reduce((s, r) => s + r.inputLen, 0);
  const totalOut = ok.reduce((s, r) => s + r.outputLen, 0);
  const retokenized = Math.round(totalOut * (1 + rng.normal(0, 0.006)));
  // Sorted once here: percentile() treats a Float64Array as already sorted.
  const ms = (values) => Float64Array.from(values, (value) => value * 1000).sort();
  const e2e = ms(ok.map((r) => r.latency));
  const ttfts = ms(ok.map((r) => r.ttft));
  const itls = ms(ok.flatMap((r) => r.itlSample));
  const itlCount = ok.reduce((s, r) => s + r.itlCount, 0);
  const itlMean = itlCount > 0 ? (ok.reduce((s, r) => s + r.itlSum, 0) / itlCount) * 1000 : 0;
  const itlMax = max(ok.map((r) => r.itlMax)) * 1000;
  const tpots = ms(ok.filter((r) => r.outputLen > 1).map((r) => (r.latency - r.ttft) / (r.outputLen - 1)));
  const metrics = {
    duration,
    completed: ok.length,
    totalIn,
    totalOut,
    retokenized,
    requestThroughput: ok.length / duration,
    inputThroughput: totalIn / duration,
    outputThroughput: totalOut / duration,
    totalThroughput: (totalIn + totalOut) / duration,
    concurrency: e2e.reduce((s, v) => s + v, 0) / 1000 / duration,
  };
  if (ok.length === 0)
    process.stderr.write(
      "UserWarning: All requests failed. This is likely due to a misconfiguration on the benchmark arguments.\n",
    );

  const withTpot = env.SGLSIM_SERVING_FORMAT === "v0.5.5";
  const lines = [
    "\n============ Serving Benchmark Result ============",
    row("Backend:", a.backend),
    row("Traffic request rate:", Number.isFinite(a.request_rate) ? fixedRate(a.request_rate) : "inf"),
    row("Max request concurrency:", a.max_concurrency ? a.max_concurrency : "not set"),
    row("Successful requests:", metrics.completed),
    row("Benchmark duration (s):", fixed(duration, 2)),
    row("Total input tokens:", totalIn),
    row("Total input text tokens:", totalIn),
    row("Total input vision tokens:", 0),
    row("Total generated tokens:", totalOut),
    row("Total generated tokens (retokenized):", retokenized),
    row("Request throughput (req/s):", fixed(metrics.requestThroughput, 2)),
    row("Input token throughput (tok/s):", fixed(metrics.inputThroughput, 2)),
    row("Output token throughput (tok/s):", fixed(metrics.outputThroughput, 2)),
    row("Total token throughput (tok/s):", fixed(metrics.totalThroughput, 2)),
    row("Concurrency:", fixed(metrics.concurrency, 2)),
    "----------------End-to-End Latency----------------",
    row("Mean E2E Latency (ms):", fixed(mean(e2e), 2)),
    row("Median E2E Latency (ms):", fixed(median(e2e), 2)),
    "---------------Time to First Token----------------",
    row("Mean TTFT (ms):", fixed(mean(ttfts), 2)),
    row("Median TTFT (ms):", fixed(median(ttfts), 2)),
    row("P99 TTFT (ms):", fixed(percentile(ttfts, 99), 2)),
    ...(withTpot
      ? [
          "-----Time per Output Token (excl. 1st token)------",
          row("Mean TPOT (ms):", fixed(mean(tpots), 2)),
          row("Median TPOT (ms):", fixed(median(tpots), 2)),
          row("P99 TPOT (ms):", fixed(percentile(tpots, 99), 2)),
        ]
      : []),
    "---------------Inter-Token Latency----------------",
    row("Mean ITL (ms):", fixed(itlMean, 2)),
    row("Median ITL (ms):", fixed(median(itls), 2)),
    row("P95 ITL (ms):", fixed(percentile(itls, 95), 2)),
    row("P99 ITL (ms):", fixed(percentile(itls, 99), 2)),
    row("Max ITL (ms):", fixed(itlMax, 2)),
    "==================================================",
  ];
  out(`${lines.join("\n")}\n`);

  const record = {
    backend: a.backend,
    dataset_name: a.dataset_name,
    request_rate: float(a.request_rate),
    max_concurrency: a.max_concurrency,
    sharegpt_output_len: a.sharegpt_output_len,
    random_input_len: a.random_input_len,
    random_output_len: a.random_output_len,
    random_range_ratio: float(ratio),
    duration: float(duration),
    completed: ok.length,
    total_input_tokens: totalIn,
    total_input_text_tokens: totalIn,
    total_input_vision_tokens: 0,
    total_output_tokens: totalOut,
    total_output_tokens_retokenized: retokenized,
    request_throughput: float(metrics.requestThroughput),
    input_throughput: float(metrics.inputThroughput),
    output_throughput: float(metrics.outputThroughput),
    mean_e2e_latency_ms: float(mean(e2e)),
    median_e2e_latency_ms: float(median(e2e)),
    std_e2e_latency_ms: float(std(e2e)),
    p99_e2e_latency_ms: float(percentile(e2e, 99)),
    mean_ttft_ms: float(mean(ttfts)),
    median_ttft_ms: float(median(ttfts)),
    std_ttft_ms: float(std(ttfts)),
    p99_ttft_ms: float(percentile(ttfts, 99)),
    mean_tpot_ms: float(mean(tpots)),
    median_tpot_ms: float(median(tpots)),
    std_tpot_ms: float(std(tpots)),
    p99_tpot_ms: float(percentile(tpots, 99)),
    mean_itl_ms: float(itlMean),
    median_itl_ms: float(median(itls)),
    std_itl_ms: float(std(itls)),
    p95_itl_ms: float(percentile(itls, 95)),
    p99_itl_ms: float(percentile(itls, 99)),
    concurrency: float(metrics.concurrency),
    accept_length: null,
  };
  if (a.output_details) Object.assign(record, resultDetails(results, inputs));
  const now = new Date();
  const mmdd = `${String(now.getMonth() + 1).padStart(2, "0")}${String(now.getDate()).padStart(2, "0")}`;
  const file =
    a.output_file ??
    (String(a.dataset_name).startsWith("random")
      ? `${a.backend}_${mmdd}_${n}_${inLen}_${outLen}.jsonl`
      : `${a.backend}_${mmdd}_${n}_sharegpt.jsonl`);
  appendFileSync(String(file), `${dumps(record)}\n`);
  return 0;
}

/**
 * `--output-details`: bench_serving's `result_details` (one entry per request; failed requests have
 * TTFT 0, no gaps, output length 0 and an error). Times in seconds. Each request's gaps are the kept
 * sample (every stride-th gap) rescaled so they sum to its real decode time, so TTFT + Σ gaps = latency.
 */
function resultDetails(results, inputs) {
  const ok = (r) => Boolean(r?.success);
  const gaps = (r) => {
    const sample = r.itlSample ?? [];
    const sum = sample.reduce((s, g) => s + g, 0);
    return sum > 0 ? sample.map((g) => float((g * r.itlSum) / sum)) : [];
  };
  return {
    input_lens: results.map((_, i) => inputs[i] ?? 0),
    output_lens: results.map((r) => (ok(r) ? r.outputLen : 0)),
    ttfts: results.map((r) => float(ok(r) ? r.ttft : 0)),
    itls: results.map((r) => (ok(r) ? gaps(r) : [])),
    generated_texts: results.map(() => ""),
    errors: results.map((r) => (ok(r) ? "" : String(r?.error ?? ""))),
  };
}

/** Python prints a float rate like 1.0 / 16.0 / 2.5. */
function fixedRate(rate) {
  return Number.isInteger(rate) ? `${rate}.0` : String(rate);
}

/** One streamed request; timings are the server-reported virtual times (meta_info.e2e_latency). */
async function sendOne(base, endpoint, isOai, model, inputLen, outputLen, batchHint, queueWait = 0) {
  const prompt = "tok ".repeat(Math.max(1, inputLen));
  const body = isOai
    ? { model, prompt, temperature: 0.0, best_of: 1, max_tokens: outputLen, stream: true, ignore_eos: true }
    : {
        text: prompt,
        sampling_params: { temperature: 0.0, max_new_tokens: outputLen, ignore_eos: true },
        stream: true,
      };
  const times = [];
  let tokens = 0;
  let streamError;
  try {
    await streamRequest(
      `${base}${endpoint}`,
      body,
      (data) => {
        const chunk = JSON.parse(data);
        if (chunk.error) streamError = chunk.error.message ?? String(chunk.error);
        const vtime = isOai ? chunk.sglsim_vtime : chunk.meta_info?.e2e_latency;
        if (typeof vtime === "number") times.push(vtime);
        tokens = isOai ? tokens + 1 : Number(chunk.meta_info?.completion_tokens ?? tokens + 1);
      },
      { "x-sglsim-batch": String(batchHint), "x-sglsim-queue-wait": String(queueWait) },
    );
  } catch (error) {
    const code = error?.code;
    return {
      success: false,
      error: error?.message ?? String(error),
      connectionError:
        code === "ECONNREFUSED" || code === "ECONNRESET" || /socket hang up/.test(String(error?.message)),
    };
  }
  if (streamError || times.length === 0) return { success: false, error: streamError ?? "empty response" };
  const itls = times.slice(1).map((time, i) => time - (times[i] ?? 0));
  return { success: true, ttft: times[0] ?? 0, itls, latency: times[times.length - 1] ?? 0, outputLen: tokens };
}
