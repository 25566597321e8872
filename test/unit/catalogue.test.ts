import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SUITES,
  SuiteSchema,
  buildCommands,
  builtinCatalogue,
  estimateMinutes,
  findSuite,
  gsm8kMinAccuracy,
  loadCatalogue,
  modelDisplayName,
  parseCatalogue,
  parseImage,
  sanitySuites,
  suiteFor,
  suiteForHardware,
  onlinePoints,
  variantForFlags,
} from "../../src/core/catalogue/index.js";
import { planSuiteFrom } from "../../src/core/plan/index.js";

const mi30x700 = parseImage("rocm/sgl-dev:v0.5.6-rocm700-mi30x-20251204");
const mi30x630 = parseImage("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015");
const mi35x = parseImage("rocm/sgl-dev:v0.5.6-rocm700-mi35x-20251210");
const shell = (c: { argv: string[]; env: Record<string, string> }) =>
  [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.argv].join(" ");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-catalogue-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the shipped catalogue", () => {
  it("resolves every suite into a valid Suite, variants included", () => {
    for (const suite of SUITES) expect(SuiteSchema.safeParse(suite).success).toBe(true);
    expect(SUITES.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        "grok-online",
        "grok2-online",
        "grok2-offline-normal",
        "deepseek-online",
        "deepseek-offline",
        "deepseek-r1-mxfp4-online",
        "deepseek-online-dp_attention",
        "deepseek-online-torch_compile",
        "deepseek-online-dp_attention_torch_compile",
        "deepseek-online-mtp",
        "deepseek-online-dp",
        "deepseek-online-dp_mtp",
      ]),
    );
  });

  it("gives each model its accuracy floor and reader's name", () => {
    expect(gsm8kMinAccuracy("grok1")).toBe(0.8);
    expect(gsm8kMinAccuracy("GROK2")).toBe(0.92);
    expect(gsm8kMinAccuracy("DeepSeek-V3-0324_FP8")).toBe(0.93);
    expect(gsm8kMinAccuracy("nope")).toBeUndefined();
    expect(suiteFor("online", "grok2").gsm8k?.threshold).toBe(0.92);
    expect(modelDisplayName("DeepSeek-V3-0324_FP8")).toBe("DeepSeek-V3");
    expect(modelDisplayName("GROK2_FP8")).toBe("Grok-2");
    expect(modelDisplayName("DeepSeek-R1-MXFP4-Preview")).toBe("DeepSeek-R1-MXFP4");
  });

  it("Grok-2 offline plans the Grok-2 weights and names the folder GROK2_MOE-I4F0", () => {
    const suite = suiteFor("offline", "grok2");
    expect(suite).toMatchObject({ id: "grok2-offline-normal", modelName: "GROK2", variant: "MOE-I4F0" });
    const point = buildCommands(suite, mi30x700).points[0]!;
    expect(shell(point)).toContain("--model-path /mnt/raid/models/huggingface/grok-2 ");
    expect(shell(point)).toContain("--tokenizer-path /mnt/raid/models/huggingface/alvarobartt--grok-2-tokenizer");
    expect(shell(buildCommands(suite, mi35x).points[0]!)).toContain("--model-path /data/grok-2 ");
  });

  it("Grok online on MI355X runs rates 1–8, as the original's script there (its nightlies never run 16)", () => {
    const rates = (cmds: ReturnType<typeof buildCommands>) =>
      cmds.points.map((p) => ("point" in p ? p.point.request_rate : undefined));
    const onlinePointValues = (suite: ReturnType<typeof suiteFor>) =>
      suite.kind === "online" ? onlinePoints(suite).map((p) => p.request_rate ?? p.concurrency) : [];
    for (const model of ["grok1", "grok2"] as const) {
      const suite = suiteFor("online", model);
      expect(rates(buildCommands(suite, mi35x))).toEqual([1, 2, 4, 8]);
      expect(rates(buildCommands(suite, mi30x700))).toEqual([1, 2, 4, 8, 16]);
      expect(onlinePointValues(suiteForHardware(suite, "mi35x"))).toEqual([1, 2, 4, 8]);
      expect(onlinePointValues(suiteForHardware(suite, undefined))).toEqual([1, 2, 4, 8, 16]);
    }
    // DeepSeek names no hardware of its own: the same concurrencies everywhere.
    const ds = suiteFor("online", "deepseek");
    expect(onlinePointValues(suiteForHardware(ds, "mi35x"))).toEqual(onlinePointValues(ds));
  });

  it("servers run with the December 2025 original's environment and flags (real console logs)", () => {
    const grok2 = buildCommands(suiteFor("online", "grok2"), mi35x).server!;
    expect(shell(grok2)).toBe(
      "RCCL_MSCCL_ENABLE=0 SGLANG_USE_AITER=1 SGLANG_INT4_WEIGHT=0 HSA_ENABLE_COREDUMP=0 python3 -m sglang.launch_server " +
        "--model-path /data/grok-2 --tokenizer-path /data/alvarobartt--grok-2-tokenizer --tp-size 8 --quantization fp8 " +
        "--attention-backend aiter --mem-fraction-static 0.85 --trust-remote-code --watchdog-timeout 600 --host 127.0.0.1 --port 30000",
    );
    // Grok-1 online: the model folder is the tokenizer, for the server and the client.
    const grok1 = buildCommands(suiteFor("online", "grok1"), mi30x630);
    expect(shell(grok1.server!)).toContain(
      "SGLANG_USE_AITER=1 SGLANG_INT4_WEIGHT=1 HSA_ENABLE_COREDUMP=0 python3 -m sglang.launch_server --model-path /mnt/raid/models/huggingface/amd--grok-1-W4A8KV8/ --tokenizer-path /mnt/raid/models/huggingface/amd--grok-1-W4A8KV8/",
    );
    expect(shell(grok1.points[0]!)).toContain("--tokenizer /mnt/raid/models/huggingface/amd--grok-1-W4A8KV8/");
    // DeepSeek online: only the aiter variable, never the offline trio.
    expect(buildCommands(suiteFor("online", "deepseek"), mi30x630).server!.env).toEqual({
      SGLANG_USE_AITER: "1",
      HSA_ENABLE_COREDUMP: "0",
    });
    // Grok-1 offline keeps its int4 weights and the offline-only padding variable.
    expect(buildCommands(suiteFor("offline", "grok1"), mi30x630).points[0]!.env).toEqual({
      SGLANG_USE_AITER: "1",
      SGLANG_INT4_WEIGHT: "1",
      SGLANG_MOE_PADDING: "0",
      HSA_ENABLE_COREDUMP: "0",
    });
  });

  it("DeepSeek variants add the original's server flags and environment, GSM8K only where it is", () => {
    const dp = findSuite("deepseek-online-dp_attention");
    const dpServer = buildCommands(dp, mi30x700).server!;
    expect(dpServer.env).toEqual({ SGLANG_USE_AITER: "1", SGLANG_USE_ROCM700A: "1", HSA_ENABLE_COREDUMP: "0" });
    expect(dpServer.argv.join(" ")).toContain(
      "--mem-fraction-static 0.85 --trust-remote-code --chunked-prefill-size 131072 --dp-size 8 --enable-dp-attention",
    );
    expect(dpServer.argv).not.toContain("--max-running-requests");
    expect(buildCommands(dp, mi30x630).server!.env).not.toHaveProperty("SGLANG_USE_ROCM700A");
    expect(buildCommands(dp, mi30x700).points).toEqual([]);
    expect(dp).toMatchObject({ gsm8kOnly: true, folderSuffix: "dp_attention", timeouts: { readyS: 900 } });

    const tc = buildCommands(findSuite("deepseek-online-dp_attention_torch_compile"), mi30x700).server!.argv.join(" ");
    expect(tc).toContain("--mem-fraction-static 0.8 ");
    expect(tc).toContain("--enable-dp-attention --cuda-graph-max-bs 16 --enable-torch-compile");
    expect(findSuite("deepseek-online-dp_attention_torch_compile").timeouts.readyS).toBe(2700);

    const mtp = findSuite("deepseek-r1-mxfp4-online-mtp");
    const mtpCmds = buildCommands(mtp, mi35x);
    expect(mtpCmds.server!.argv.join(" ")).toContain(
      "--model-path /data/models/amd-DeepSeek-R1-MXFP4-Preview --tp-size 8",
    );
    expect(mtpCmds.server!.argv.join(" ")).toContain("--speculative-algorithm EAGLE");
    expect(mtpCmds.points.map((p) => p.point.concurrency)).toEqual([128, 64, 16, 4, 1]);
    expect(mtp).toMatchObject({
      folderSuffix: "mtp_test",
      modelName: "DeepSeek-R1-MXFP4-Preview",
      hardware: ["mi35x"],
    });
  });

  it("the nightly's switches select a variant; an unknown combination is an error listing the known ones", () => {
    const c = builtinCatalogue();
    expect(variantForFlags(c, [])).toBeUndefined();
    expect(variantForFlags(c, ["check-dp-attention"])).toBe("dp_attention");
    expect(variantForFlags(c, ["enable-torch-compile", "check-dp-attention"])).toBe("dp_attention_torch_compile");
    expect(variantForFlags(c, ["enable-dp-test", "enable-mtp-test"])).toBe("dp_mtp");
    expect(() => variantForFlags(c, ["enable-mtp-test", "enable-torch-compile"])).toThrow(
      /No variant for --enable-mtp-test --enable-torch-compile \(known: .*--check-dp-attention/,
    );
  });

  it("one time estimate: the dry run and the plan agree (offline dummy: 1 min load + 2 min run)", () => {
    const dummy = findSuite("grok-offline-dummy");
    expect(buildCommands(dummy, mi30x630).estimatedMinutes).toBe(3);
    const plan = planSuiteFrom(dummy);
    expect(plan.startupMinutes + plan.points[0]!.minutes).toBe(3);
    const ds = findSuite("deepseek-online");
    const dsPlan = planSuiteFrom(ds);
    expect(dsPlan.points.map((p) => p.point)).toEqual([
      { concurrency: 128, input_len: 3200, output_len: 800 },
      { concurrency: 64, input_len: 3200, output_len: 800 },
      { concurrency: 16, input_len: 3200, output_len: 800 },
      { concurrency: 4, input_len: 3200, output_len: 800 },
      { concurrency: 1, input_len: 3200, output_len: 800 },
    ]);
    const perRepeat = dsPlan.points.reduce((s, p) => s + p.minutes, 0);
    expect(estimateMinutes(ds)).toBeCloseTo(dsPlan.startupMinutes + dsPlan.gsm8kMinutes + 3 * perRepeat, 6);
    expect(dsPlan.typicalNoisePct?.[dsPlan.points[2]!.key]).toBe(5.9);
  });
});

describe("sanity table", () => {
  it("builds GSM8K-only suites per hardware with the table's launch settings and floors", () => {
    const c = builtinCatalogue();
    const mi30 = sanitySuites(c, "mi30x", { modelsDir: "/models" });
    const mi35 = sanitySuites(c, "mi35x", { modelsDir: "/models", trials: 3 });
    expect(mi30.map((s) => s.modelName)).toEqual([
      "GPT-OSS-120B",
      "GPT-OSS-20B",
      "QWEN-30B",
      "GROK1-IN4",
      "GROK1-FP8",
      "GROK2.5",
      "llama4",
    ]);
    const gpt30 = buildCommands(mi30[0]!, mi30x700).server!;
    const gpt35 = buildCommands(mi35[0]!, mi35x).server!;
    expect(gpt30.env).toEqual({ SGLANG_USE_AITER: "0", HSA_ENABLE_COREDUMP: "0" });
    expect(gpt35.env).toEqual({ SGLANG_USE_AITER: "1", HSA_ENABLE_COREDUMP: "0" });
    expect(gpt30.argv.join(" ")).toContain("--model-path /models/lmsys/gpt-oss-120b-bf16 --tp-size 8");
    expect(gpt30.argv.join(" ")).toContain("--mem-fraction-static 0.85 --attention-backend triton");
    expect(gpt35.argv.join(" ")).toContain("--model-path /models/openai/gpt-oss-120b ");
    expect(gpt35.argv.join(" ")).toContain("--mem-fraction-static 0.90");
    expect(mi35[0]!.gsm8k).toMatchObject({ runs: 3, threshold: 0.82, numQuestions: 2000 });
    const llama = mi35.find((s) => s.modelName === "llama4")!;
    expect(llama.modelPath).toBe("/data/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8");
    const grok = mi30.find((s) => s.modelName === "GROK1-IN4")!;
    expect(shell(buildCommands(grok, mi30x700).server!)).toContain(
      "RCCL_MSCCL_ENABLE=0 SGLANG_USE_AITER=1 SGLANG_INT4_WEIGHT=1 HSA_ENABLE_COREDUMP=0 python3 -m sglang.launch_server --model-path /models/amd--grok-1-W4A8KV8 --tokenizer-path /models/Xenova--grok-1-tokenizer",
    );
  });
});

describe("catalogue files", () => {
  it("errors name the file, the path as written and its line", () => {
    const text = [
      "suites:",
      "  - id: x",
      "    title: X",
      "    kind: offline",
      "    model: grok1",
      "    mode: normal",
      "    batch_sizes: [1, -2]",
      "    input_lens: [128]",
      "    output_len: 8",
      "    timing: { minutes_per_point: 1 }",
    ].join("\n");
    expect(() => parseCatalogue(text, "bad.yaml")).toThrow(/^bad\.yaml:7: suites\[0\]\.batch_sizes\[1\]: /);
    expect(() => parseCatalogue("models:\n  m:\n    folder_name: M\n    paths: { mi40x: /x }\n", "m.yaml")).toThrow(
      /m\.yaml:4: models\.m\.paths: .*mi40x/,
    );
    expect(() => parseCatalogue("suites: [\n", "broken.yaml")).toThrow(/^broken\.yaml:\d+: invalid YAML/);
  });

  it("a user file adds a model and its suite with no code (a Qwen preset from the sanity table)", async () => {
    const file = join(dir, "qwen.yaml");
    await writeFile(
      file,
      [
        "models:",
        "  qwen3-30b:",
        "    folder_name: QWEN3-30B",
        "    variant: BF16",
        "    paths: { default: /mnt/raid/models/huggingface/Qwen/Qwen3-30B-A3B-Thinking-2507 }",
        "    env: { SGLANG_USE_AITER: '0' }",
        "    gsm8k_min_accuracy: 0.84",
        "suites:",
        "  - id: qwen3-30b-online",
        "    title: Qwen3-30B online",
        "    kind: online",
        "    model: qwen3-30b",
        "    axis: concurrency",
        "    values: [16, 1]",
        "    repeats: 2",
        "    input_len: 1024",
        "    output_len: 512",
        "    prompts: { small_up_to: 4, small: 32, large: 128 }",
        "    gsm8k: {}",
        "    server: { mem_fraction_static: 0.85, attention_backend_flag: true, extra_args: [--trust-remote-code] }",
        "    timing: { startup_minutes: 2, gsm8k_minutes: 2, minutes_per_point: 3 }",
        "    timeouts: { ready_s: 1200 }",
      ].join("\n"),
    );
    const c = loadCatalogue([file]);
    const suite = suiteFor("online", "qwen3-30b", "normal", c.suites);
    expect(suite).toMatchObject({ modelName: "QWEN3-30B", variant: "BF16", gsm8kMinAccuracy: 0.84 });
    expect(suite.gsm8k?.threshold).toBe(0.84);
    const cmds = buildCommands(suite, mi30x630);
    expect(cmds.server!.env).toEqual({ SGLANG_USE_AITER: "0", HSA_ENABLE_COREDUMP: "0" });
    expect(cmds.points.map((p) => p.point.concurrency)).toEqual([16, 1]);
    expect(cmds.estimatedMinutes).toBe(2 + 2 + 2 * 2 * 3);
    // The shipped entries are still there.
    expect(c.suites.some((s) => s.id === "grok-online")).toBe(true);
    expect(planSuiteFrom(suite).model).toBe("qwen3-30b");
    // compare-pr --suites-file: the same file adds the suite to what a PR request can run.
    const { defaultComparePrServices } = await import("../../src/pipeline/compare-pr-services.js");
    const services = await defaultComparePrServices({
      local: true,
      mainEnv: {},
      prEnv: {},
      log: () => undefined,
      suitesFiles: [file],
    });
    expect(services.catalogue.find((s) => s.id === "qwen3-30b-online")?.model).toBe("qwen3-30b");
  });

  it("a suite naming an unknown model is an error naming the file", async () => {
    const file = join(dir, "orphan.yaml");
    await writeFile(
      file,
      "suites:\n  - { id: o, title: O, kind: offline, model: nope, mode: normal, batch_sizes: [1], input_lens: [1], output_len: 1, timing: { minutes_per_point: 1 } }\n",
    );
    expect(() => loadCatalogue([file])).toThrow(new RegExp(`${file}: suite "o": unknown model "nope"`));
  });
});

describe("sglbench offline|online read the catalogue", () => {
  it("--model-path, --hardware and the DeepSeek switches pick paths and the variant suite", async () => {
    const { main } = await import("../../src/cli/main.js");
    const { captureIO } = await import("../helpers/capture-io.js");
    const io = captureIO(dir);
    const args = ["online", "--model-type=deepseek", "--check-dp-attention", "--enable-torch-compile", "--dry-run"];
    expect(await main([...args, "--docker-image=rocm/sgl-dev:v0.5.6-rocm700-mi30x-20251204"], io)).toBe(0);
    const text = io.out.join("");
    expect(text).toContain("deepseek-online-dp_attention_torch_compile");
    expect(text).toContain("--dp-size 8 --enable-dp-attention --cuda-graph-max-bs 16 --enable-torch-compile");

    const grok2 = captureIO(dir);
    const g2 = ["offline", "--model-type=grok2", "--hardware=mi35x", "--dry-run", "--docker-image=rocm/sgl-dev:x"];
    expect(await main(g2, grok2)).toBe(0);
    expect(grok2.out.join("")).toContain(
      "--model-path /data/grok-2 --tokenizer-path /data/alvarobartt--grok-2-tokenizer",
    );
    expect(grok2.out.join("")).toContain("GROK2_MOE-I4F0_offline");

    const custom = captureIO(dir);
    expect(await main(["offline", "--model-path=/raid/grok-1", "--dry-run"], custom)).toBe(0);
    expect(custom.out.join("")).toContain("--model-path /raid/grok-1 ");

    const bad = captureIO(dir);
    expect(await main(["offline", "--check-dp-attention", "--dry-run"], bad)).toBe(2);
    expect(bad.err.join("")).toContain("is a variant of the online suite");
  });
});
