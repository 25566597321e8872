/**
 * `python3 -m sglang.launch_server`: a real HTTP server with SGLang's endpoints, start-up log
 * lines and fault switches. Generation timings come from the virtual-time model in perf.mjs;
 * streams are paced in real time at virtual × SGLSIM_TIME_SCALE.
 */
import process from "node:process";
import { setTimeout } from "node:timers";
import { URL } from "node:url";
import { Buffer } from "node:buffer";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { hangForever, shouldHang } from "./hang.mjs";
import { parseArgs, printHelpIfAsked } from "./args.mjs";
import { logLine, sleep } from "./log.mjs";
import { createRng, seedFromEnv } from "./rng.mjs";
import { decodeStepSeconds, familyOf, interTokenGaps, profileFor, runFactorFor, ttftSeconds } from "./perf.mjs";
import { answerGsm8k, createGsm8kTally } from "./gsm8k-data.mjs";

const VERSION = "0.5.3.post1";

const SPECS = [
  { flags: ["--model-path", "--model"], dest: "model_path", default: "meta-llama/Llama-3.1-8B-Instruct" },
  { flags: ["--tokenizer-path"], dest: "tokenizer_path" },
  { flags: ["--tp-size", "--tp"], dest: "tp_size", type: "int", default: 1 },
  { flags: ["--port"], dest: "port", type: "int", default: 30000 },
  { flags: ["--host"], dest: "host", default: "127.0.0.1" },
  { flags: ["--mem-fraction-static"], dest: "mem_fraction_static", type: "float" },
  { flags: ["--attention-backend"], dest: "attention_backend" },
  { flags: ["--quantization"], dest: "quantization" },
  { flags: ["--trust-remote-code"], dest: "trust_remote_code", type: "bool", default: false },
  { flags: ["--max-running-requests"], dest: "max_running_requests", type: "int" },
  { flags: ["--chunked-prefill-size"], dest: "chunked_prefill_size", type: "int", default: 16384 },
  { flags: ["--cuda-graph-max-bs"], dest: "cuda_graph_max_bs", type: "int", default: 512 },
  { flags: ["--served-model-name"], dest: "served_model_name" },
  { flags: ["--load-format"], dest: "load_format", default: "auto" },
];

/** Real-time seconds per virtual second. */
export function timeScale(env = process.env) {
  const raw = env.SGLSIM_TIME_SCALE;
  const value = raw === undefined || raw === "" ? 0.001 : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : 0.001;
}

/** Parse SGLSIM_CRASH: "launch" or "after_requests:N". */
function parseCrash(raw) {
  if (!raw) return { mode: "none" };
  if (raw === "launch") return { mode: "launch" };
  const match = /^after_requests:(\d+)$/.exec(raw);
  if (match) return { mode: "after", count: Number(match[1]) };
  throw new Error(`SGLSIM_CRASH=${raw}: expected "launch" or "after_requests:N"`);
}

function schedulerCrash(reason) {
  logLine("Scheduler hit an exception: Traceback (most recent call last):", "TP0");
  process.stderr.write(
    [
      '  File "/sgl-workspace/sglang/python/sglang/srt/managers/scheduler.py", line 2960, in run_scheduler_process',
      "    scheduler.event_loop_overlap()",
      '  File "/sgl-workspace/sglang/python/sglang/srt/managers/scheduler.py", line 1011, in event_loop_overlap',
      "    batch_result = self.run_batch(batch)",
      `RuntimeError: HIP error: an illegal memory access was encountered (${reason})`,
      "",
    ].join("\n"),
  );
  logLine("Received sigquit from a child process. It usually means the child failed.");
}

/** @param {string[]} argv */
export async function launchServer(argv, env = process.env) {
  if (printHelpIfAsked(argv, "launch_server.py", SPECS)) return 0;
  const { values: args } = parseArgs(argv, SPECS);
  if (shouldHang("launch", [], env)) {
    logLine("Load weight begin. avail mem=188.76 GB", "TP0");
    return hangForever(env);
  }
  const modelPath = String(args.model_path);
  const tokenizerPath = String(args.tokenizer_path ?? modelPath);
  const tp = Number(args.tp_size);
  const profile = profileFor(modelPath, env);
  const crash = parseCrash(env.SGLSIM_CRASH);
  const scale = timeScale(env);
  const rng = createRng(seedFromEnv(env, 1, `launch ${modelPath}`));
  const servedName = String(args.served_model_name ?? modelPath);
  const serverArgs = {
    model_path: modelPath,
    tokenizer_path: tokenizerPath,
    host: args.host,
    port: args.port,
    tp_size: tp,
    mem_fraction_static: args.mem_fraction_static ?? 0.9,
    attention_backend: args.attention_backend ?? null,
    quantization: args.quantization ?? null,
    chunked_prefill_size: args.chunked_prefill_size,
    max_running_requests: args.max_running_requests ?? null,
    cuda_graph_max_bs: args.cuda_graph_max_bs,
    served_model_name: servedName,
    load_format: args.load_format,
    trust_remote_code: args.trust_remote_code,
  };

  logLine(
    `server_args=ServerArgs(${Object.entries(serverArgs)
      .map(
        ([k, v]) =>
          `${k}=${typeof v === "string" ? `'${v}'` : v === null ? "None" : v === true ? "True" : v === false ? "False" : v}`,
      )
      .join(", ")})`,
  );
  const ranks = Array.from({ length: tp }, (_, i) => `TP${i}`);
  for (const rank of ranks) logLine("Init torch distributed begin.", rank);
  for (const rank of ranks) logLine("Load weight begin. avail mem=188.76 GB", rank);
  for (const rank of ranks)
    logLine(
      `Load weight end. type=${profile.modelType}, dtype=torch.bfloat16, avail mem=153.91 GB, mem usage=34.72 GB.`,
      rank,
    );

  if (env.SGLSIM_OOM_AT_LAUNCH === "1") {
    logLine("Scheduler hit an exception: Traceback (most recent call last):", "TP0");
    process.stderr.write(
      [
        '  File "/sgl-workspace/sglang/python/sglang/srt/model_executor/model_runner.py", line 1422, in init_memory_pool',
        "    raise RuntimeError(",
        `RuntimeError: Not enough memory. Please try to increase --mem-fraction-static. Current value: mem_fraction_static=${serverArgs.mem_fraction_static}`,
        "",
      ].join("\n"),
    );
    logLine("Received sigquit from a child process. It usually means the child failed.");
    return 1;
  }

  const maxTotal = Math.round(profile.maxTotalTokens * (Number(serverArgs.mem_fraction_static) / 0.9));
  for (const rank of ranks) {
    logLine(
      profile.mla
        ? `KV Cache is allocated. #tokens: ${maxTotal}, KV size: ${profile.kvGbPerRank.toFixed(2)} GB`
        : `KV Cache is allocated. #tokens: ${maxTotal}, K size: ${profile.kvGbPerRank.toFixed(2)} GB, V size: ${profile.kvGbPerRank.toFixed(2)} GB`,
      rank,
    );
  }
  for (const rank of ranks)
    logLine("Capture cuda graph end. Time elapsed: 40.35 s. mem usage=1.73 GB. avail mem=39.98 GB.", rank);
  logLine(
    `max_total_num_tokens=${maxTotal}, chunked_prefill_size=${serverArgs.chunked_prefill_size}, max_prefill_tokens=16384, max_running_requests=${serverArgs.max_running_requests ?? 4096}, context_len=${profile.contextLen}, available_gpu_mem=40.42 GB`,
    "TP0",
  );

  if (crash.mode === "launch") {
    schedulerCrash("during start-up");
    return 1;
  }

  const state = {
    ready: false,
    shuttingDown: false,
    generateCount: 0,
    servedCount: 0,
    active: 0,
    runFactor: 1,
    pointsSeen: new Set(),
    gsm8k: createGsm8kTally(profile.gsm8kAccuracy),
    crashed: false,
  };

  const modelInfo = {
    model_path: modelPath,
    tokenizer_path: tokenizerPath,
    is_generation: true,
    preferred_sampling_params: null,
    weight_version: "default",
    has_image_understanding: false,
    has_audio_understanding: false,
    model_type: profile.family === "deepseek" ? "deepseek_v3" : "grok",
    architectures: [profile.modelType],
  };

  /** Shared between the server and the simulated clients (bench_serving, GSM8K) only. */
  const simInfo = () => ({ profile, runFactor: state.runFactor, timeScale: scale, gsm8k: state.gsm8k });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      process.stderr.write(`${String(error?.stack ?? error)}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.end();
    });
  });

  const access = (req, status) => {
    const address = `${req.socket.remoteAddress ?? "127.0.0.1"}`.replace(/^::ffff:/, "");
    logLine(
      `INFO:     ${address}:${req.socket.remotePort ?? 0} - "${req.method} ${req.url} HTTP/1.1" ${status} ${status === 200 ? "OK" : status === 503 ? "Service Unavailable" : status === 404 ? "Not Found" : "Internal Server Error"}`,
    );
  };

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    const body = req.method === "POST" ? await readBody(req) : undefined;
    if (path === "/health" || path === "/health_generate") {
      const status = state.ready && !state.shuttingDown && !state.crashed ? 200 : 503;
      res.writeHead(status).end();
      return access(req, status);
    }
    if (path === "/ping") return res.writeHead(200).end();
    if (path === "/get_model_info") {
      sendJson(res, 200, modelInfo);
      return access(req, 200);
    }
    if (path === "/get_server_info") {
      sendJson(res, 200, {
        ...serverArgs,
        status: state.ready ? "ready" : "starting",
        max_total_num_tokens: maxTotal,
        internal_states: [
          {
            last_gen_throughput: 0,
            memory_usage: {
              weight: 34.72,
              kvcache: profile.kvGbPerRank * (profile.mla ? 1 : 2),
              token_capacity: maxTotal,
              graph: 1.73,
            },
            avg_spec_accept_length: null,
          },
        ],
        version: VERSION,
      });
      return access(req, 200);
    }
    if (path === "/get_load")
      return sendJson(res, 200, [{ dp_rank: 0, num_reqs: state.active, num_waiting_reqs: 0, num_tokens: 0 }]);
    if (path === "/v1/models") {
      sendJson(res, 200, {
        object: "list",
        data: [
          {
            id: servedName,
            object: "model",
            created: Math.floor(Date.now() / 1000),
            owned_by: "sglang",
            root: servedName,
            max_model_len: profile.contextLen,
          },
        ],
      });
      return access(req, 200);
    }
    if (path === "/flush_cache") {
      res
        .writeHead(200, { "content-type": "text/plain" })
        .end(
          "Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n",
        );
      return access(req, 200);
    }
    // Simulator-only: the simulated clients read the image's model and start a new run here.
    if (path === "/sglsim/run") {
      const point = url.searchParams.get("point") ?? "";
      const first = !state.pointsSeen.has(point);
      state.pointsSeen.add(point);
      state.runFactor = runFactorFor(profile, rng, first);
      // A GSM8K run starts: fresh outcome counters and this run's accuracy (small run-to-run noise).
      if (point === "gsm8k")
        state.gsm8k = createGsm8kTally(
          Math.min(1, Math.max(0, profile.gsm8kAccuracy + rng.normal(0, 0.4 * profile.noise))),
        );
      return sendJson(res, 200, simInfo());
    }
    if (path === "/sglsim/info") return sendJson(res, 200, simInfo());
    if ((path === "/generate" || path === "/v1/completions") && req.method === "POST") {
      if (!state.ready && !body?.__sglsim_warmup) {
        sendJson(res, 503, { error: { message: "The server is not ready yet." } });
        return access(req, 503);
      }
      return generate(req, res, path, body ?? {});
    }
    sendJson(res, 404, { detail: "Not Found" });
    access(req, 404);
  }

  async function generate(req, res, path, body) {
    if (state.crashed) return void req.socket.destroy();
    const index = state.generateCount++;
    const fraction = profile.failFraction;
    // Deterministic spacing: exactly ⌊n·f⌋ of the first n requests fail; the first never does unless f = 1.
    if (fraction > 0 && Math.floor((index + 1) * fraction) > Math.floor(index * fraction)) {
      sendJson(res, 500, {
        error: {
          message: "Internal server error: simulated request failure (SGLSIM_FAIL_REQUESTS)",
          type: "InternalServerError",
          code: 500,
        },
      });
      access(req, 500);
      return;
    }
    const rid = randomBytes(16).toString("hex");
    const prompt =
      typeof body.text === "string"
        ? body.text
        : typeof body.prompt === "string"
          ? body.prompt
          : Array.isArray(body.input_ids)
            ? ""
            : String(body.text ?? body.prompt ?? "");
    const promptTokens = Array.isArray(body.input_ids)
      ? body.input_ids.length
      : Math.max(1, Math.round(prompt.length / 4));
    const sampling = body.sampling_params ?? body;
    const maxNew = Number(sampling.max_new_tokens ?? sampling.max_tokens ?? 16);
    const stream = body.stream === true;
    const gsm8k = answerGsm8k(prompt, profile, rng, state.gsm8k);
    const tokens = gsm8k
      ? gsm8k.tokens
      : Array.from({ length: Math.max(1, maxNew) }, (_, i) => (i % 7 === 0 ? " the" : " a"));
    const outputLen = tokens.length;

    state.active++;
    // bench_serving tells the server the batch its schedule model expects, so the few real
    // requests see the same load as the extrapolated ones. The hint wins over the requests
    // really in flight: those depend on the host's scheduling (a loaded CI box overlaps two
    // "concurrency 1" requests), which made identical images differ by a percent or two.
    const hinted = Number(req.headers["x-sglsim-batch"] ?? 0) || 0;
    const batch = hinted > 0 ? hinted : Math.max(1, state.active);
    // …and how long its schedule says this request waits for earlier prefills.
    const queueWait = Math.max(0, Number(req.headers["x-sglsim-queue-wait"] ?? 0) || 0);
    const ttft = queueWait + ttftSeconds(profile, promptTokens, batch, state.runFactor);
    const gaps = interTokenGaps(profile, outputLen, batch, rng, state.runFactor);
    const vtimes = [ttft];
    for (const gap of gaps) vtimes.push((vtimes[vtimes.length - 1] ?? 0) + gap);
    if (batch === 1 || index % 16 === 0)
      logLine(
        `Prefill batch, #new-seq: 1, #new-token: ${promptTokens}, #cached-token: 0, token usage: 0.00, #running-req: ${batch - 1}, #queue-req: 0, `,
        "TP0",
      );

    const finishReason = gsm8k?.stopped ? { type: "stop", matched: "Question" } : { type: "length", length: outputLen };
    const started = Date.now();
    try {
      if (!stream) {
        await sleep(Math.min(200, (vtimes[vtimes.length - 1] ?? 0) * scale * 1000));
        const text = tokens.join("");
        const meta = {
          id: rid,
          finish_reason: finishReason,
          prompt_tokens: promptTokens,
          completion_tokens: outputLen,
          cached_tokens: 0,
          e2e_latency: vtimes[vtimes.length - 1],
        };
        if (path === "/generate") sendJson(res, 200, { text, meta_info: meta });
        else
          sendJson(res, 200, {
            id: rid,
            object: "text_completion",
            created: Math.floor(started / 1000),
            model: servedName,
            choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason.type, matched_stop: null }],
            usage: {
              prompt_tokens: promptTokens,
              total_tokens: promptTokens + outputLen,
              completion_tokens: outputLen,
            },
          });
      } else {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        let text = "";
        for (let i = 0; i < outputLen;) {
          // Send every token whose virtual time has come (≥ 1 per tick; ticks ≥ 1 ms real).
          // With SGLSIM_TIME_SCALE=0 everything is due at once (no real delays at all).
          const due = scale > 0 ? (Date.now() - started) / 1000 / scale : Infinity;
          const chunks = [];
          do {
            text += tokens[i];
            const last = i === outputLen - 1;
            const meta = {
              id: rid,
              finish_reason: last ? finishReason : null,
              prompt_tokens: promptTokens,
              completion_tokens: i + 1,
              cached_tokens: 0,
              e2e_latency: vtimes[i],
            };
            chunks.push(
              path === "/generate"
                ? JSON.stringify({ text, output_ids: [], meta_info: meta })
                : JSON.stringify({
                    id: rid,
                    object: "text_completion",
                    created: Math.floor(started / 1000),
                    model: servedName,
                    choices: [
                      {
                        index: 0,
                        text: tokens[i],
                        logprobs: null,
                        finish_reason: last ? finishReason.type : null,
                        matched_stop: null,
                      },
                    ],
                    usage: null,
                    sglsim_vtime: vtimes[i],
                  }),
            );
            i++;
          } while (i < outputLen && (vtimes[i] ?? 0) <= due);
          if (!res.write(chunks.map((chunk) => `data: ${chunk}\n\n`).join("")))
            await new Promise((resolve) => res.once("drain", resolve));
          if (res.destroyed) return;
          if (i < outputLen) {
            const waitMs = (vtimes[i] ?? 0) * scale * 1000 - (Date.now() - started);
            if (waitMs > 0) await sleep(Math.min(waitMs, 50));
          }
        }
        res.end("data: [DONE]\n\n");
      }
      access(req, 200);
    } finally {
      state.active--;
      state.servedCount++;
      // The real scheduler logs a decode summary every decode_log_interval (40) steps; one per 8 requests is enough here.
      if (state.servedCount % 8 === 0 && outputLen > 1) {
        const step = decodeStepSeconds(profile, batch, state.runFactor);
        logLine(
          `Decode batch, #running-req: ${batch}, #token: ${batch * (promptTokens + outputLen)}, token usage: ${Math.min(0.99, (batch * (promptTokens + outputLen)) / maxTotal).toFixed(2)}, cuda graph: ${batch <= Number(serverArgs.cuda_graph_max_bs) ? "True" : "False"}, gen throughput (token/s): ${(batch / step).toFixed(2)}, #queue-req: 0, `,
          "TP0",
        );
      }
      if (crash.mode === "after" && state.servedCount >= (crash.count ?? 0) && !state.crashed) {
        state.crashed = true;
        schedulerCrash(`after ${state.servedCount} requests`);
        // The real server dies with its scheduler: drop every connection and exit at once.
        server.closeAllConnections?.();
        process.exit(1);
      }
    }
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(args.port), String(args.host), () => resolve(undefined));
  }).catch((error) => {
    logLine(
      `ERROR:    [Errno 98] error while attempting to bind on address ('${args.host}', ${args.port}): address already in use`,
    );
    throw new Error(`cannot listen on ${args.host}:${args.port}`, { cause: error });
  });

  const shutdown = (signal) => {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    logLine("INFO:     Shutting down");
    server.closeAllConnections?.();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
    void signal;
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  logLine(`INFO:     Started server process [${process.pid}]`);
  logLine("INFO:     Waiting for application startup.");
  logLine("INFO:     Application startup complete.");
  logLine(`INFO:     Uvicorn running on http://${args.host}:${args.port} (Press CTRL+C to quit)`);

  if (env.SGLSIM_NEVER_READY === "1") return new Promise(() => {});
  const slowStart = Number(env.SGLSIM_SLOW_START_S ?? 0);
  if (slowStart > 0) await sleep(slowStart * 1000);
  // Warmup like the real server: one generate of 8 tokens, then the ready line.
  logLine(
    `Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, `,
    "TP0",
  );
  state.ready = true;
  logLine(`INFO:     127.0.0.1:${40000 + (process.pid % 20000)} - "POST /generate HTTP/1.1" 200 OK`);
  logLine("The server is fired up and ready to roll!");
  void familyOf;
  return new Promise(() => {});
}

function sendJson(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req) {
  const parts = [];
  for await (const part of req) parts.push(part);
  const text = Buffer.concat(parts).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
