/**
 * Shared wiring of `sglbench offline` and `sglbench online`: the original scripts' flags (both
 * `--docker_image` and `--docker-image`, `--name=value` style) plus --local, --repeats, --points,
 * --dry-run; unknown flags are an error (the seed silently ignored them).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  parseImage,
  applySuiteOverrides,
  buildCommands,
  SUITES,
  suiteFor,
  type Suite,
  type SuiteModel,
} from "../core/catalogue/index.js";
import type { Executor } from "../runner/executor.js";
import { runFolderFor, selectPoints } from "../runner/run-suite.js";
import { defaultMounts, defaultSuiteExecutor, runSuiteJob, type SuiteJob } from "../pipeline/suite-job.js";
import { redactSecrets } from "../store/redact.js";
import { originalEnvPatch, shmSizeBytes } from "./original-env.js";
import { EXIT, parseStrict, usageError, UsageError, type CliIO } from "./io.js";
import { errorMessage } from "../core/util/index.js";

const OPTIONS = {
  docker_image: { type: "string" },
  "docker-image": { type: "string" },
  mode: { type: "string" },
  model: { type: "string" },
  "model-type": { type: "string" },
  "model-name": { type: "string" },
  tokenizer: { type: "string" },
  "dummy-model": { type: "string" },
  "work-dir": { type: "string" },
  "output-dir": { type: "string" },
  "gsm8k-script": { type: "string" },
  node: { type: "string" },
  threshold: { type: "string" },
  "skip-gsm8k": { type: "string" },
  "download-model": { type: "boolean" },
  "hf-model-id": { type: "string" },
  local: { type: "boolean" },
  repeats: { type: "string" },
  points: { type: "string" },
  "dry-run": { type: "boolean" },
  port: { type: "string" },
  "suites-file": { type: "string" },
  "no-gpu": { type: "boolean" },
  mount: { type: "string", multiple: true },
  "ready-timeout": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const DEFAULT_IMAGE = "lmsysorg/sglang:v0.4.7-rocm630";

/** Usage text for one of the two commands. */
export function usage(kind: "offline" | "online"): string {
  const specific =
    kind === "offline"
      ? `  --mode=normal|long_context|dummy   Grok offline mode (default normal)
  --dummy-model=PATH      weights for dummy mode (default /mnt/raid/models/dummy_prod1/)
  --download-model        download --hf-model-id into --model first (DeepSeek)
  --hf-model-id=ID        Hugging Face id for --download-model (default deepseek-ai/DeepSeek-V3-0324)
  --points=1,8,64         only these batch sizes`
      : `  --node=NAME             node name for the CSV title (default: hostname)
  --skip-gsm8k=true|false skip the GSM8K accuracy gate (default false)
  --points=1,4            only these request rates (Grok) / concurrencies (DeepSeek)
  --port=N                server port (default 30000, or $SGLBENCH_PORT)
  --ready-timeout=S       seconds to wait for the server (default 600)`;
  return `Usage: sglbench ${kind} [--docker-image=IMAGE] [options]

Runs the ${kind} suite${kind === "offline" ? " (bench_one_batch per point)" : " (launch_server + GSM8K gate + bench_serving)"} and writes the run folder
in the original scripts' layout (CSV, config.json, logs, timing summary) plus results.json.
A re-run into the same --output-dir resumes: repeats already measured are kept.

  --docker-image=IMAGE    (or --docker_image=, or a bare first argument) default ${DEFAULT_IMAGE}
  --model=PATH            model path (default per model type)
  --model-type=grok1|grok2|deepseek   (default: from --model, else grok1)
  --model-name=NAME       folder model name (DeepSeek: DeepSeek-V3-0324)
  --tokenizer=NAME|PATH   tokenizer (Grok)
${specific}
  --work-dir=DIR          where commands run (default: current directory)
  --output-dir=DIR        results root (default: the work dir)
  --gsm8k-script=PATH     bench_sglang.py inside the container
  --threshold=X           GSM8K accuracy threshold (default 0.8 Grok, 0.93 DeepSeek)
  --repeats=N             measured repeats per point (default: offline 1, online 3)
  --local                 run here (already inside an SGLang container) instead of in Docker
  --no-gpu                Docker without /dev/kfd and /dev/dri (CI, simulator)
  --mount=HOST:CTR        extra bind mount (repeatable; default /mnt/raid/ when it exists)
  --suites-file=FILE      JSON/YAML suite overrides ({ suites: { <id>: { field: value } } })
  --dry-run               print the plan and commands, run nothing
  -h, --help              this help
${
  kind === "offline"
    ? `
Environment (the original's overrides; a flag still wins): DEFAULT_DOCKER_IMAGE, and for Grok-1
BENCHMARK_MODEL_NAME, BENCHMARK_MODEL_VARIANT, DEFAULT_MODEL_PATH, DEFAULT_TOKENIZER_NAME;
NORMAL_BATCH_SIZES="1 2 4 …", NORMAL_INPUT_LENGTHS, NORMAL_OUTPUT_LENGTH, BATCH_SIZE_128_MEM_FRACTION,
BATCH_SIZE_256_MEM_FRACTION, LONG_CONTEXT_INPUT_LENGTHS, LONG_CONTEXT_OUTPUT_LENGTH, DUMMY_BATCH_SIZES,
DUMMY_INPUT_LENGTHS, DUMMY_OUTPUT_LENGTH, CONTAINER_SHM_SIZE=32g, MOUNT_DIR.
`
    : `
Environment: DEFAULT_DOCKER_IMAGE (default image), CONTAINER_SHM_SIZE=32g, MOUNT_DIR.
`
}
Exit: 0 everything ran, 3 partially, 1 nothing ran, 2 bad usage.
`;
}

/** Parsed and validated command line: the suite job plus --dry-run. */
export interface SuiteCommandArgs extends SuiteJob {
  dryRun: boolean;
}

const num = (flag: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || raw.trim() === "") throw new UsageError(`--${flag}: expected a number, got "${raw}"`);
  return n;
};

/** Flags → a suite from the catalogue with the seed's overrides applied. */
export function parseSuiteArgs(kind: "offline" | "online", argv: string[], io: CliIO): SuiteCommandArgs | "help" {
  // The shared strict parser: a bad flag is a one-line UsageError like every other command's.
  const parsed = parseStrict(argv, OPTIONS);
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length > 1)
    throw new UsageError(`unexpected arguments: ${parsed.positionals.slice(1).join(" ")}`);
  const image =
    v["docker-image"] ?? v.docker_image ?? parsed.positionals[0] ?? (io.env.DEFAULT_DOCKER_IMAGE || DEFAULT_IMAGE);
  const mode = v.mode ?? "normal";
  if (kind === "offline" && !["normal", "long_context", "dummy"].includes(mode))
    throw new UsageError(`Invalid mode: ${mode}. Must be one of: normal, long_context, dummy`);
  if (kind === "online" && v.mode) throw new UsageError("--mode is for sglbench offline");
  const modelType = (v["model-type"] ??
    (v.model && /deepseek/i.test(v.model)
      ? "deepseek"
      : v.model && /grok-?2/i.test(v.model)
        ? "grok2"
        : "grok1")) as SuiteModel;
  if (!["grok1", "grok2", "deepseek"].includes(modelType))
    throw new UsageError(`--model-type: expected grok1, grok2 or deepseek, got "${modelType}"`);
  if (modelType === "deepseek" && kind === "offline" && mode !== "normal")
    throw new UsageError("DeepSeek offline has no --mode");
  let catalogue: readonly Suite[] = SUITES;
  if (v["suites-file"]) {
    const file = isAbsolute(v["suites-file"]) ? v["suites-file"] : join(io.cwd, v["suites-file"]);
    const text = readFileSync(file, "utf8");
    catalogue = applySuiteOverrides(SUITES, file.endsWith(".json") ? JSON.parse(text) : parseYaml(text), file);
  }
  let suite = suiteFor(kind, modelType, mode, catalogue);
  // The original's environment overrides sit between the catalogue and the flags.
  const fromEnv = originalEnvPatch(suite.id, modelType, io.env);
  if (Object.keys(fromEnv).length > 0)
    try {
      suite = applySuiteOverrides([suite], { suites: { [suite.id]: fromEnv } }, "environment")[0] ?? suite;
    } catch (error: unknown) {
      throw new UsageError(errorMessage(error), { cause: error });
    }
  const modelPath = mode === "dummy" ? (v["dummy-model"] ?? v.model) : v.model;
  if (modelPath) suite = { ...suite, modelPath };
  if (v.tokenizer) suite = { ...suite, tokenizer: v.tokenizer };
  else if (modelType === "grok2") suite = { ...suite, tokenizer: join(suite.modelPath, "tokenizer.tok.json") };
  if (v["model-name"]) suite = { ...suite, modelName: v["model-name"] };
  if (v["gsm8k-script"] && suite.gsm8k) suite = { ...suite, gsm8k: { ...suite.gsm8k, script: v["gsm8k-script"] } };
  const skip = v["skip-gsm8k"];
  if (skip !== undefined && !["true", "false"].includes(skip))
    throw new UsageError(`--skip-gsm8k: expected true or false, got "${skip}"`);
  const points = v.points?.split(",").map((p) => num("points", p) ?? 0);
  const workDir = v["work-dir"] ? (isAbsolute(v["work-dir"]) ? v["work-dir"] : join(io.cwd, v["work-dir"])) : io.cwd;
  const outputDir = v["output-dir"]
    ? isAbsolute(v["output-dir"])
      ? v["output-dir"]
      : join(io.cwd, v["output-dir"])
    : workDir;
  const repeats = num("repeats", v.repeats);
  if (repeats !== undefined && (!Number.isInteger(repeats) || repeats < 1))
    throw new UsageError("--repeats: expected a whole number ≥ 1");
  const threshold = num("threshold", v.threshold);
  const port = num("port", v.port);
  const ready = num("ready-timeout", v["ready-timeout"]);
  if (points) {
    // Unknown points are a usage error now, not after an hour of setup.
    try {
      selectPoints(suite, points);
    } catch (error: unknown) {
      throw new UsageError(`--points: ${errorMessage(error)}`, { cause: error });
    }
  }
  return {
    suite,
    image,
    local: v.local ?? false,
    dryRun: v["dry-run"] ?? false,
    workDir,
    outputDir,
    ...(repeats !== undefined ? { repeats } : {}),
    ...(points ? { points } : {}),
    skipGsm8k: skip === "true",
    ...(threshold !== undefined ? { threshold } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(v.node ? { node: v.node } : {}),
    ...(ready !== undefined ? { readyTimeoutMs: ready * 1000 } : {}),
    gpu: !(v["no-gpu"] ?? false),
    ...(shmSizeBytes(io.env) !== undefined ? { shmSizeBytes: shmSizeBytes(io.env) } : {}),
    mounts: v.mount ?? defaultMounts(io.env.MOUNT_DIR || undefined),
    ...(v["download-model"]
      ? { download: { hfModelId: v["hf-model-id"] ?? "deepseek-ai/DeepSeek-V3-0324", modelPath: suite.modelPath } }
      : {}),
  };
}

/** The `--dry-run` plan: suite, folder, environment and every command, secrets redacted. */
export function renderDryRun(args: SuiteCommandArgs): string {
  const info = parseImage(args.image);
  const cmds = buildCommands(args.suite, info, { ...(args.port ? { port: args.port } : {}) });
  const only = new Set(selectPoints(args.suite, args.points).map((p) => JSON.stringify(p)));
  const points = cmds.points.filter((p) => only.has(JSON.stringify(p.point)));
  const repeats = args.repeats ?? (args.suite.kind === "online" ? args.suite.repeats : 1);
  const shell = (argv: string[], env: Record<string, string> = {}): string =>
    [...Object.entries(env).map(([k, val]) => `${k}=${val}`), ...argv].join(" ");
  const lines = [
    `Suite:    ${args.suite.id} — ${args.suite.title}`,
    `Image:    ${args.image} (tag ${info.tag})`,
    `Runs on:  ${args.local ? "this machine (--local)" : `Docker container ${args.gpu ? "with" : "without"} GPU devices`}`,
    `Folder:   ${runFolderFor(args.suite, args.image, args.outputDir)}`,
    `Points:   ${points.length} × ${repeats} repeat(s); about ${Math.round((cmds.estimatedMinutes * points.length * repeats) / Math.max(1, cmds.points.length * (cmds.points[0]?.repeats ?? 1)))} min`,
  ];
  if (args.download)
    lines.push(
      "",
      "Download:",
      `  huggingface-cli download ${args.download.hfModelId} --local-dir ${args.download.modelPath}`,
    );
  if (cmds.server) lines.push("", "Server:", `  ${shell(cmds.server.argv, cmds.server.env)}`);
  if (cmds.gsm8k && !args.skipGsm8k && args.suite.gsm8k)
    lines.push(
      "",
      `GSM8K gate (${args.suite.gsm8k.runs} runs, threshold ${args.threshold ?? args.suite.gsm8k.threshold}):`,
      `  ${shell(cmds.gsm8k)}`,
    );
  lines.push("", "Points:");
  for (const p of points) lines.push(`  ${shell(p.argv, p.env)}`);
  return redactSecrets(lines.join("\n")) + "\n";
}

/** Runs `sglbench offline|online`. */
export async function runSuiteCommand(
  kind: "offline" | "online",
  argv: string[],
  io: CliIO,
  makeExecutor: (args: SuiteCommandArgs) => Promise<Executor>,
): Promise<number> {
  let args: SuiteCommandArgs | "help";
  try {
    args = parseSuiteArgs(kind, argv, io);
  } catch (error: unknown) {
    if (error instanceof UsageError) return usageError(io, kind, error.message, usage(kind));
    throw error;
  }
  if (args === "help") {
    io.stdout(usage(kind));
    return EXIT.ok;
  }
  if (args.dryRun) {
    io.stdout(renderDryRun(args));
    return EXIT.ok;
  }
  return runSuiteJob(args, makeExecutor, io);
}

/** The executor the flags ask for: this machine (--local) or a container of the image. */
export function defaultExecutor(args: SuiteCommandArgs, io: CliIO): Promise<Executor> {
  return defaultSuiteExecutor(args, io.env, (line) => io.stdout(`${line}\n`));
}

export { EXIT };
