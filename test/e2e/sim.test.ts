/**
 * The simulated SGLang (test/sim): spawned through PATH like production code would, against a
 * real HTTP server on 127.0.0.1; outputs are checked against the real fixtures' formats.
 */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { freeLocalPort as freePort } from "../../src/runner/free-port.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";
import { parseJsonl } from "../../src/sglang/jsonl.js";
import { parseOneBatchOutput } from "../../src/sglang/one-batch.js";
import { parseServerLog } from "../../src/sglang/server-log.js";
import { parseServingOutput } from "../../src/sglang/serving.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const SIM_BIN = resolve("test/sim/bin");
const FIXTURES = resolve("test/fixtures/real");
const work = mkdtempSync(join(tmpdir(), "sglsim-test-"));
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null && child.pid) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

function simEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${SIM_BIN}:${process.env.PATH ?? ""}`,
    SGLSIM_SEED: "7",
    ...extra,
  };
  for (const key of Object.keys(env))
    if (key.startsWith("SGLSIM_") && !(key in extra) && key !== "SGLSIM_SEED") delete env[key];
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `python3 …` (the shim, found through PATH) to completion. */
function python(args: string[], extraEnv: Record<string, string> = {}, cwd = work): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn("python3", args, { env: simEnv(extraEnv), cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", fail);
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}

interface Server {
  child: ChildProcess;
  port: number;
  log: () => string;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

function startServer(extraEnv: Record<string, string>, port: number, model = "/models/grok-2", tp = 8): Server {
  const child = spawn(
    "python3",
    [
      "-m",
      "sglang.launch_server",
      "--model-path",
      model,
      "--tp",
      String(tp),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--trust-remote-code",
    ],
    { env: simEnv(extraEnv), cwd: work },
  );
  started.push(child);
  let text = "";
  const listeners: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners.splice(0)) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const waitFor = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`timed out waiting for ${pattern}; log:\n${text}`)), timeoutMs);
      const check = () => {
        if (pattern.test(text)) {
          clearTimeout(timer);
          done();
        } else listeners.push(check);
      };
      check();
    });
  return { child, port, log: () => text, waitFor, exited };
}

async function stop(server: Server): Promise<number | null> {
  if (server.child.exitCode === null && server.child.pid) process.kill(server.child.pid, "SIGTERM");
  return server.exited;
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The lines of a result block from `====… Serving Benchmark Result ====` to the closing `=` line. */
function resultBlock(text: string): string[] {
  const lines = text.split(/\r|\n/);
  const start = lines.findIndex((line) => line.includes(" Serving Benchmark Result "));
  const end = lines.findIndex((line, index) => index > start && /^=+$/.test(line));
  return lines.slice(start, end + 1);
}

const label = (line: string) => (/^(.+?:)\s/.exec(line) ?? [line, line])[1];
const value = (block: string[], name: string) =>
  Number(
    block
      .find((line) => line.startsWith(name))
      ?.slice(41)
      .trim(),
  );

describe("simulated launch_server", () => {
  it("logs like SGLang, serves the endpoints, streams /generate and /v1/completions, stops on SIGTERM", async () => {
    const port = await freePort();
    const server = startServer({}, port);
    await server.waitFor(/The server is fired up and ready to roll!/);
    const log = server.log();
    expect(
      log.match(
        /\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d TP\d\] KV Cache is allocated\. #tokens: \d+, K size: [\d.]+ GB, V size: [\d.]+ GB/g,
      ),
    ).toHaveLength(8);
    expect(log).toMatch(/\] max_total_num_tokens=\d+, chunked_prefill_size=/);
    expect(log).toContain(`INFO:     Uvicorn running on http://127.0.0.1:${port} (Press CTRL+C to quit)`);
    expect(log.indexOf("Uvicorn running")).toBeLessThan(log.indexOf("fired up"));

    expect((await get(port, "/health")).status).toBe(200);
    expect(JSON.parse((await get(port, "/get_model_info")).body)).toMatchObject({
      model_path: "/models/grok-2",
      is_generation: true,
    });
    const info = JSON.parse((await get(port, "/get_server_info")).body);
    expect(info.internal_states[0]).toBeDefined();
    expect(info.version).toBe("0.5.3.post1");
    expect(info.tp_size).toBe(8);
    expect(JSON.parse((await get(port, "/v1/models")).body).data[0]).toMatchObject({
      id: "/models/grok-2",
      object: "model",
    });

    const plain = await fetch(`http://127.0.0.1:${port}/generate`, {
      method: "POST",
      body: JSON.stringify({ text: "Hello", sampling_params: { max_new_tokens: 5 } }),
    });
    const reply = (await plain.json()) as { meta_info: { id: string } };
    expect(reply.meta_info).toMatchObject({ completion_tokens: 5, finish_reason: { type: "length", length: 5 } });
    expect(reply.meta_info.id).toMatch(/^[0-9a-f]{32}$/);

    const streamed = await (
      await fetch(`http://127.0.0.1:${port}/generate`, {
        method: "POST",
        body: JSON.stringify({ text: "Hello", sampling_params: { max_new_tokens: 4 }, stream: true }),
      })
    ).text();
    const events = streamed.split("\n\n").filter(Boolean);
    expect(events[events.length - 1]).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, "")));
    expect(chunks.map((chunk) => chunk.meta_info.completion_tokens)).toEqual([1, 2, 3, 4]);
    // Native text is cumulative: every chunk extends the previous one.
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].text.startsWith(chunks[i - 1].text)).toBe(true);
    expect(chunks[3].meta_info.finish_reason).toEqual({ type: "length", length: 4 });
    expect(chunks[0].meta_info.finish_reason).toBeNull();

    const oai = await (
      await fetch(`http://127.0.0.1:${port}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "m", prompt: "Hi", max_tokens: 3, stream: true }),
      })
    ).text();
    const oaiChunks = oai
      .split("\n\n")
      .filter((event) => event && event !== "data: [DONE]")
      .map((event) => JSON.parse(event.slice(6)));
    expect(oaiChunks).toHaveLength(3);
    expect(oaiChunks[2].choices[0].finish_reason).toBe("length");
    expect(oai.trim().endsWith("data: [DONE]")).toBe(true);

    expect(await stop(server)).toBe(0);
  });

  it("prints the MLA KV line for DeepSeek model paths", async () => {
    const port = await freePort();
    const server = startServer({}, port, "/models/deepseek-ai/DeepSeek-V3-0324", 2);
    await server.waitFor(/fired up/);
    expect(server.log()).toMatch(/TP1\] KV Cache is allocated\. #tokens: \d+, KV size: [\d.]+ GB\n/);
    expect(server.log()).not.toContain("K size:");
    await stop(server);
  });
});

describe("simulated bench_serving", () => {
  it("prints the v0.5.3 result block with the real labels, order and padding, and appends JSONL", async () => {
    const port = await freePort();
    const server = startServer({}, port);
    await server.waitFor(/fired up/);
    const run = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--tokenizer",
      "/tok",
      "--dataset-name",
      "random",
      "--random-input",
      "1024",
      "--random-output",
      "1024",
      "--num-prompts",
      "300",
      "--request-rate",
      "1",
      "--port",
      String(port),
      "--output-file",
      "out.jsonl",
    ]);
    expect(run.stderr).not.toContain("Traceback");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^benchmark_args=Namespace\(backend='sglang', base_url=None, host='0.0.0.0', port=\d+, dataset_name='random'/,
    );
    expect(run.stdout).toContain("WARNING It is recommended to use the `Chat` or `Instruct` model for benchmarking.");
    expect(run.stdout).toMatch(
      /\n#Input tokens: \d+\n#Output tokens: \d+\nStarting warmup with 1 sequences\.\.\.\nWarmup completed with 1 sequences\. Starting main benchmark run\.\.\.\n/,
    );
    expect(run.stderr).toMatch(/\r100%\|██████████\| 300\/300 \[/);

    const block = resultBlock(run.stdout);
    const real = resultBlock(readFileSync(join(FIXTURES, "cron_log/mi30x/20251014/grok_nightly.log"), "utf8"));
    expect(block.map(label)).toEqual(real.map(label));
    // Same padding: rows are "{:<40} {:<10}", so short values leave the same trailing spaces.
    for (const line of block.filter((text) => /:\s/.test(text))) {
      expect(line.length).toBeGreaterThanOrEqual(51);
      expect(line.slice(0, 41)).toMatch(/^.{40} $/);
    }
    expect(block).toContain("Traffic request rate:                    1.0       ");
    expect(block).toContain("Max request concurrency:                 not set   ");
    expect(value(block, "Successful requests:")).toBe(300);
    // Realistic Grok rate-1 figures (real: E2E ≈ 9.8 s, TTFT ≈ 100 ms, ITL ≈ 17 ms).
    expect(value(block, "Median E2E Latency (ms):")).toBeGreaterThan(7000);
    expect(value(block, "Median E2E Latency (ms):")).toBeLessThan(13000);
    expect(value(block, "Median TTFT (ms):")).toBeGreaterThan(70);
    expect(value(block, "Median TTFT (ms):")).toBeLessThan(140);
    expect(value(block, "Median ITL (ms):")).toBeGreaterThan(15);
    expect(value(block, "Median ITL (ms):")).toBeLessThan(21);

    const jsonl = readFileSync(join(work, "out.jsonl"), "utf8").trim().split("\n");
    expect(jsonl).toHaveLength(1);
    const record = JSON.parse(jsonl[0] ?? "");
    expect(record).toMatchObject({
      backend: "sglang",
      dataset_name: "random",
      request_rate: 1,
      completed: 300,
      random_input_len: 1024,
    });
    expect(Object.keys(record)).toEqual(
      expect.arrayContaining([
        "median_itl_ms",
        "p99_ttft_ms",
        "total_output_tokens_retokenized",
        "concurrency",
        "total_input_text_tokens",
      ]),
    );
    expect(jsonl[0]).toContain('"random_range_ratio": 0.0');
    await stop(server);
  });

  it("writes bare Infinity for an unset rate and honours --max-concurrency with DeepSeek-like numbers", async () => {
    const port = await freePort();
    const server = startServer({}, port, "/models/deepseek-ai/DeepSeek-V3-0324");
    await server.waitFor(/fired up/);
    const run = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--dataset-name",
      "random",
      "--random-input-len",
      "3200",
      "--random-output-len",
      "800",
      "--random-range-ratio",
      "1",
      "--num-prompts",
      "64",
      "--max-concurrency",
      "1",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--output-file",
      "ds.jsonl",
    ]);
    expect(run.code).toBe(0);
    const block = resultBlock(run.stdout);
    expect(block).toContain("Traffic request rate:                    inf       ");
    expect(block).toContain("Max request concurrency:                 1         ");
    expect(value(block, "Total input tokens:")).toBe(64 * 3200);
    expect(value(block, "Concurrency:")).toBeCloseTo(1, 1);
    expect(value(block, "Median E2E Latency (ms):")).toBeGreaterThan(14000);
    expect(value(block, "Median E2E Latency (ms):")).toBeLessThan(19000);
    expect(value(block, "Median ITL (ms):")).toBeGreaterThan(19);
    expect(value(block, "Median ITL (ms):")).toBeLessThan(22.5);
    const line = readFileSync(join(work, "ds.jsonl"), "utf8");
    expect(line).toContain('"request_rate": Infinity');
    expect(line).toContain('"max_concurrency": 1,');
    await stop(server);
  });

  it("a server launched with SGLSIM_DECODE_SPEED=1.05 reports ~5 % slower ITL", async () => {
    const [basePort, prPort] = [await freePort(), await freePort()];
    const base = startServer({ SGLSIM_NOISE: "0" }, basePort);
    const pr = startServer({ SGLSIM_NOISE: "0", SGLSIM_DECODE_SPEED: "1.05" }, prPort);
    await Promise.all([base.waitFor(/fired up/), pr.waitFor(/fired up/)]);
    const args = [
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--dataset-name",
      "random",
      "--random-input-len",
      "1024",
      "--random-output-len",
      "512",
      "--num-prompts",
      "50",
      "--max-concurrency",
      "4",
      "--host",
      "127.0.0.1",
    ];
    const [runBase, runPr] = await Promise.all([
      python([...args, "--port", String(basePort)]),
      python([...args, "--port", String(prPort)]),
    ]);
    const ratio =
      value(resultBlock(runPr.stdout), "Median ITL (ms):") / value(resultBlock(runBase.stdout), "Median ITL (ms):");
    expect(ratio).toBeGreaterThan(1.03);
    expect(ratio).toBeLessThan(1.07);
    await Promise.all([stop(base), stop(pr)]);
  });

  it("the first run of a point is slower by SGLSIM_WARMUP_PENALTY, later repeats are not", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_NOISE: "0", SGLSIM_WARMUP_PENALTY: "0.1", SGLSIM_TIME_SCALE: "0" }, port);
    await server.waitFor(/fired up/);
    const args = [
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--dataset-name",
      "random",
      "--random-input-len",
      "256",
      "--random-output-len",
      "256",
      "--num-prompts",
      "30",
      "--max-concurrency",
      "2",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ];
    const medians: number[] = [];
    for (let repeat = 0; repeat < 3; repeat++)
      medians.push(value(resultBlock((await python(args)).stdout), "Median ITL (ms):"));
    expect((medians[0] ?? 0) / (medians[1] ?? 1)).toBeGreaterThan(1.07);
    expect((medians[2] ?? 0) / (medians[1] ?? 1)).toBeCloseTo(1, 1);
    await stop(server);
  });

  it("SGLSIM_FAIL_REQUESTS makes the server fail a fraction: fewer successful requests", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_FAIL_REQUESTS: "0.25" }, port);
    await server.waitFor(/fired up/);
    const run = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--dataset-name",
      "random",
      "--random-input-len",
      "128",
      "--random-output-len",
      "64",
      "--num-prompts",
      "100",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
    ]);
    expect(run.code).toBe(0);
    const ok = value(resultBlock(run.stdout), "Successful requests:");
    expect(ok).toBeGreaterThanOrEqual(70);
    expect(ok).toBeLessThanOrEqual(80);
    expect(server.log()).toMatch(/"POST \/generate HTTP\/1\.1" 500/);
    await stop(server);
  });

  it("the sglang-oai backend streams /v1/completions deltas and reports the same kind of block", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_TIME_SCALE: "0" }, port);
    await server.waitFor(/fired up/);
    const run = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang-oai",
      "--dataset-name",
      "random",
      "--random-input-len",
      "512",
      "--random-output-len",
      "256",
      "--num-prompts",
      "40",
      "--request-rate",
      "2",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ]);
    expect(run.code).toBe(0);
    const block = resultBlock(run.stdout);
    expect(block).toContain("Backend:                                 sglang-oai");
    expect(value(block, "Successful requests:")).toBe(40);
    expect(server.log()).toContain('"POST /v1/completions HTTP/1.1" 200 OK');
    await stop(server);
  });

  it("SGLSIM_SERVING_FORMAT=v0.5.5 prints the block with the TPOT section, label for label like the real v0.5.5 log", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_TIME_SCALE: "0" }, port);
    await server.waitFor(/fired up/);
    const run = await python(
      [
        "-m",
        "sglang.bench_serving",
        "--backend",
        "sglang",
        "--dataset-name",
        "random",
        "--num-prompts",
        "20",
        "--request-rate",
        "1",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
      ],
      { SGLSIM_SERVING_FORMAT: "v0.5.5" },
    );
    const folder = join(FIXTURES, "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");
    const real = resultBlock(
      readFileSync(join(folder, "sglang_client_log_GROK2_aiter_1_run1_20251113_123551.log"), "utf8"),
    );
    expect(resultBlock(run.stdout).map(label)).toEqual(real.map(label));
    expect(run.stdout).toContain("Mean TPOT (ms):");
    await stop(server);
  });

  it("fails the warmup with the real ValueError when no server listens", async () => {
    const run = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--model",
      "m",
      "--dataset-name",
      "random",
      "--num-prompts",
      "10",
      "--port",
      String(await freePort()),
      "--host",
      "127.0.0.1",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "ValueError: Warmup failed - Please make sure benchmark arguments are correctly specified.",
    );
  });
});

describe("simulated GSM8K", () => {
  it("queries the server and prints Accuracy/Invalid/Latency/Output throughput; low accuracy is a server switch", async () => {
    const [goodPort, badPort] = [await freePort(), await freePort()];
    const good = startServer({}, goodPort);
    const bad = startServer({ SGLSIM_GSM8K_ACCURACY: "0.3" }, badPort);
    await Promise.all([good.waitFor(/fired up/), bad.waitFor(/fired up/)]);
    const script = "/sgl-workspace/sglang/benchmark/gsm8k/bench_sglang.py";
    const args = ["--num-questions", "1319", "--parallel", "1319", "--num-shots", "5", "--host", "http://127.0.0.1"];
    const run = await python([script, ...args, "--port", String(goodPort), "--result-file", "gsm.jsonl"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Accuracy: \d\.\d{3}\nInvalid: \d\.\d{3}\nLatency: \d+\.\d{3} s\nOutput throughput: \d+\.\d{3} token\/s\n$/,
    );
    const accuracy = Number(/Accuracy: ([\d.]+)/.exec(run.stdout)?.[1]);
    // A Grok-2 path: about its good real nights' accuracy (Grok-1 paths answer ≈ 0.81).
    expect(accuracy).toBeGreaterThan(0.89);
    expect(accuracy).toBeLessThan(0.98);
    expect(good.log()).toContain('"GET /get_model_info HTTP/1.1" 200 OK');
    expect(good.log()).toContain('"POST /generate HTTP/1.1" 200 OK');
    expect(JSON.parse(readFileSync(join(work, "gsm.jsonl"), "utf8").trim())).toMatchObject({
      task: "gsm8k",
      num_requests: 1319,
      other: { parallel: 1319 },
    });

    const low = await python(["-m", "sglang.test.few_shot_gsm8k", ...args, "--port", String(badPort)]);
    expect(Number(/Accuracy: ([\d.]+)/.exec(low.stdout)?.[1])).toBeLessThan(0.4);
    await Promise.all([stop(good), stop(bad)]);
  });
});

describe("simulated bench_one_batch", () => {
  it("prints the real block format, skips too-large batches and appends result.jsonl", async () => {
    const run = await python([
      "-m",
      "sglang.bench_one_batch",
      "--model",
      "/models/grok-2",
      "--tp",
      "8",
      "--load-format",
      "dummy",
      "--batch-size",
      "1",
      "8",
      "4000",
      "--input",
      "1024",
      "--output",
      "1",
      "128",
      "--result-filename",
      "ob.jsonl",
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^max_total_num_tokens=\d+$/);
    expect(lines[1]).toBe("Warmup ...");
    const after = lines.slice(lines.indexOf("Benchmark ..."));
    expect(after).toContain("skipping (4000, 1024, 1) due to max batch size limit");
    expect(
      after.filter((line) => /^Prefill\. latency: [ \d]\d*\.\d{5} s, throughput: +\d+\.\d{2} token\/s$/.test(line)),
    ).toHaveLength(4);
    expect(after).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Decode 0\. Batch size: 8, latency: \d\.\d{5} s, throughput: +\d+\.\d{2} token\/s$/),
      ]),
    );
    expect(
      after.filter((line) =>
        /^Decode\. {2}median latency: \d\.\d{5} s, median throughput: +\d+\.\d{2} token\/s$/.test(line),
      ),
    ).toHaveLength(2);
    expect(
      after.filter((line) => /^Total\. latency: +\d+\.\d{3} s, throughput: +\d+\.\d{2} token\/s$/.test(line)),
    ).toHaveLength(4);
    const records = readFileSync(join(work, "ob.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records).toHaveLength(4);
    expect(Object.keys(records[1])).toEqual([
      "run_name",
      "batch_size",
      "input_len",
      "output_len",
      "prefill_latency",
      "prefill_throughput",
      "median_decode_latency",
      "median_decode_throughput",
      "total_latency",
      "overall_throughput",
    ]);
    expect(Object.keys(records[0])).not.toContain("median_decode_latency");
  });

  it("SGLSIM_OLD_FORMAT prints the old Decode line; SGLSIM_OOM_AT_BS prints the HIP OOM traceback and exits 1", async () => {
    const old = await python(
      [
        "-m",
        "sglang.bench_one_batch",
        "--model",
        "m",
        "--batch-size",
        "2",
        "--input-len",
        "128",
        "--output-len",
        "8",
        "--result-filename",
        "",
      ],
      { SGLSIM_OLD_FORMAT: "1" },
    );
    expect(old.stdout).toMatch(/^Decode\. {2}latency: \d\.\d{5} s, throughput: +\d+\.\d{2} token\/s$/m);
    expect(old.stdout).not.toContain("Decode 0.");
    const oom = await python(
      [
        "-m",
        "sglang.bench_one_batch",
        "--model",
        "m",
        "--batch-size",
        "1",
        "64",
        "--input-len",
        "128",
        "--output-len",
        "8",
        "--result-filename",
        "oom.jsonl",
      ],
      { SGLSIM_OOM_AT_BS: "64" },
    );
    expect(oom.code).toBe(1);
    expect(oom.stderr).toMatch(/torch\.OutOfMemoryError: HIP out of memory\. Tried to allocate [\d.]+ GiB/);
    expect(existsSync(join(work, "oom.jsonl"))).toBe(false);
  });

  it("SGLSIM_SPEED scales every bench_one_batch timing of the image", async () => {
    const args = [
      "-m",
      "sglang.bench_one_batch",
      "--model",
      "m",
      "--batch-size",
      "8",
      "--input-len",
      "512",
      "--output-len",
      "32",
      "--result-filename",
      "",
    ];
    const latencies = (text: string) =>
      [...text.matchAll(/^Total\. latency: +([\d.]+) s/gm)].map((match) => Number(match[1]));
    const base = latencies((await python(args, { SGLSIM_NOISE: "0" })).stdout);
    const slow = latencies((await python(args, { SGLSIM_NOISE: "0", SGLSIM_SPEED: "1.1" })).stdout);
    expect(base).toHaveLength(2);
    expect((slow[1] ?? 0) / (base[1] ?? 1)).toBeCloseTo(1.1, 2);
  });

  it("SGLSIM_HANG=bench_one_batch never finishes until killed", async () => {
    const child = spawn("python3", ["-m", "sglang.bench_one_batch", "--model", "m"], {
      env: simEnv({ SGLSIM_HANG: "bench_one_batch" }),
      cwd: work,
    });
    started.push(child);
    const exited = new Promise<NodeJS.Signals | null>((done) => child.once("exit", (_code, signal) => done(signal)));
    const early = await Promise.race([
      exited.then(() => "exited"),
      new Promise((done) => setTimeout(() => done("running"), 700)),
    ]);
    expect(early).toBe("running");
    if (child.pid) process.kill(child.pid, "SIGKILL");
    expect(await exited).toBe("SIGKILL");
  });
});

describe("server fault switches", () => {
  it("SGLSIM_NEVER_READY keeps /health at 503 and never logs the ready line", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_NEVER_READY: "1" }, port);
    await server.waitFor(/Uvicorn running/);
    await new Promise((done) => setTimeout(done, 300));
    expect((await get(port, "/health")).status).toBe(503);
    expect(server.log()).not.toContain("fired up");
    expect(await stop(server)).toBe(0);
  });

  it("SGLSIM_SLOW_START_S delays readiness", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_SLOW_START_S: "1" }, port);
    await server.waitFor(/Uvicorn running/);
    expect((await get(port, "/health")).status).toBe(503);
    await server.waitFor(/fired up/);
    expect((await get(port, "/health")).status).toBe(200);
    await stop(server);
  });

  it("SGLSIM_CRASH=launch and SGLSIM_OOM_AT_LAUNCH exit non-zero with the real fatal lines", async () => {
    const crash = startServer({ SGLSIM_CRASH: "launch" }, await freePort());
    expect(await crash.exited).not.toBe(0);
    expect(crash.log()).toContain("Scheduler hit an exception: Traceback (most recent call last):");
    expect(crash.log()).toContain("Received sigquit from a child process. It usually means the child failed.");
    expect(crash.log()).not.toContain("fired up");

    const oom = startServer({ SGLSIM_OOM_AT_LAUNCH: "1" }, await freePort());
    expect(await oom.exited).not.toBe(0);
    expect(oom.log()).toContain("RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.");
  });

  it("SGLSIM_CRASH=after_requests:N kills the server mid-benchmark and bench_serving fails", async () => {
    const port = await freePort();
    const server = startServer({ SGLSIM_CRASH: "after_requests:4" }, port);
    await server.waitFor(/fired up/);
    const run = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--dataset-name",
      "random",
      "--random-input-len",
      "128",
      "--random-output-len",
      "64",
      "--num-prompts",
      "40",
      "--max-concurrency",
      "2",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ]);
    expect(await server.exited).not.toBe(0);
    expect(server.log()).toContain("Scheduler hit an exception");
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain("Serving Benchmark Result");
  });
});

describe("python3 shim dispatch", () => {
  it("every simulated tool answers --help with its flags and exit 0", async () => {
    for (const args of [
      ["-m", "sglang.launch_server"],
      ["-m", "sglang.bench_serving"],
      ["-m", "sglang.bench_one_batch"],
      ["/x/bench_sglang.py"],
    ]) {
      const run = await python([...args, "--help"]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^usage: \S+\.py \[-h\]/);
      expect(run.stdout).toMatch(/--(port|batch-size)/);
    }
  });

  it("forwards unknown commands to a real python, or exits 2 when there is none", async () => {
    const run = await python(["-c", "print(6*7)"]);
    if (existsSync("/usr/bin/python3")) expect(run.stdout.trim()).toBe("42");
    else {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("not simulated");
    }
  });
});

describe("the project's parsers read the simulator's output (the sim itself never imports src/)", () => {
  it("server log, serving block + JSONL, GSM8K and bench_one_batch all parse without diagnostics", async () => {
    const port = await freePort();
    const server = startServer({}, port, "/models/deepseek-ai/DeepSeek-V3-0324", 8);
    await server.waitFor(/fired up/);
    const serving = await python([
      "-m",
      "sglang.bench_serving",
      "--backend",
      "sglang",
      "--dataset-name",
      "random",
      "--random-input-len",
      "3200",
      "--random-output-len",
      "800",
      "--random-range-ratio",
      "1",
      "--num-prompts",
      "32",
      "--max-concurrency",
      "4",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--output-file",
      "parse.jsonl",
    ]);
    const gsm = await python([
      "/x/benchmark/gsm8k/bench_sglang.py",
      "--num-questions",
      "20",
      "--parallel",
      "20",
      "--port",
      String(port),
      "--result-file",
      "",
    ]);
    await stop(server);

    const log = parseServerLog(server.log(), "server.log");
    expect(log.ready).toBe(true);
    expect(log.fatal).toBeUndefined();
    expect(log.kv_cache).toMatchObject({
      num_tokens: expect.any(Number),
      size_gb: 63.6,
      max_total_num_tokens: expect.any(Number),
    });

    // Client logs are captured with 2>&1, so the tqdm bar (stderr) and the block (stdout) share a file.
    const parsed = parseServingOutput(serving.stderr + serving.stdout, "client.log");
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.blocks).toHaveLength(1);
    expect(parsed.blocks[0]?.complete).toBe(true);
    const metrics = parsed.blocks[0]?.metrics ?? {};
    expect(metrics.completed ?? metrics.successful_requests).toBe(32);
    const jsonl = parseJsonl(readFileSync(join(work, "parse.jsonl"), "utf8"), "parse.jsonl");
    expect(jsonl.diagnostics).toEqual([]);
    expect(jsonl.records[0]).toMatchObject({ request_rate: Infinity, max_concurrency: 4, completed: 32 });
    expect(Number(jsonl.records[0]?.median_itl_ms)).toBeCloseTo(Number(metrics.median_itl_ms), 1);

    const accuracy = parseGsm8kOutput(gsm.stderr + gsm.stdout, "gsm8k.log");
    expect(accuracy.gsm8k?.runs).toHaveLength(1);
    // 20 questions at the DeepSeek image's 0.937: evenly spaced outcomes give 19/20.
    expect(accuracy.gsm8k?.runs[0]?.accuracy).toBeCloseTo(0.95, 3);

    const offline = await python(
      [
        "-m",
        "sglang.bench_one_batch",
        "--model-path",
        "/models/DeepSeek-V3",
        "--batch-size",
        "1",
        "4",
        "--input-len",
        "1024",
        "--output-len",
        "1",
        "64",
        "--result-filename",
        "",
      ],
      { SGLSIM_OLD_FORMAT: "1" },
    );
    const blocks = parseOneBatchOutput(offline.stdout + offline.stderr, "offline.log");
    expect(blocks.diagnostics).toEqual([]);
    expect(blocks.oom).toBe(false);
    const measured = blocks.blocks.filter((block) => !block.warmup);
    expect(measured).toHaveLength(4);
    expect(measured[1]?.metrics.median_decode_latency).toBeGreaterThan(0.015);
    expect(measured[1]?.metrics.median_decode_latency).toBeLessThan(0.03);
  });
});
