/**
 * Shared wiring of `sglbench offline` and `sglbench online`: the original scripts' flags (both
 * `--docker_image` and `--docker-image`, `--name=value` style) plus --local, --repeats, --points,
 * --dry-run; unknown flags are an error (the seed silently ignored them).
 */
import { DiskError } from "../store/disk-write.js";
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  parseImage,
  applySuiteOverrides,
  buildCommands,
  builtinCatalogue,
  loadCatalogue,
  variantForFlags,
  suiteForHardware,
  SUITES,
  suiteFor,
  type Suite,
  type SuiteModel,
} from "../core/catalogue/index.js";
import type { Executor } from "../runner/executor.js";
import { runFolderFor, selectPoints } from "../runner/run-suite.js";
import {
  executorFailureLine,
  defaultMounts,
  defaultSuiteExecutor,
  runSuiteJob,
  type SuiteJob,
} from "../pipeline/suite-job.js";
import { redactSecrets } from "../store/redact.js";
import { originalEnvPatch, shmSizeBytes } from "./original-env.js";
import { EXIT, parseStrict, usageError, UsageError, type CliIO } from "./io.js";
import { errorMessage } from "../core/util/index.js";
import { freeLocalPort, parsePort } from "../runner/free-port.js";

const OPTIONS = {
  docker_image: { type: "string" },
  "docker-image": { type: "string" },
  mode: { type: "string" },
  model: { type: "string" },
  "model-path": { type: "string" },
  hardware: { type: "string" },
  "check-dp-attention": { type: "boolean" },
  "enable-torch-compile": { type: "boolean" },
  "enable-mtp-test": { type: "boolean" },
  "enable-dp-test": { type: "boolean" },
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
  "benchmark-timeout": { type: "string" },
  "gsm8k-timeout": { type: "string" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The original's DeepSeek variant switches (deepseek_perf_online_csv.sh). */
const VARIANT_SWITCHES = ["check-dp-attention", "enable-torch-compile", "enable-mtp-test", "enable-dp-test"] as const;

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
  --check-dp-attention    DeepSeek variants (the catalogue's, docs/catalogue.md): DP attention,
  --enable-torch-compile  torch compile (both: GSM8K only), MTP, DP serving sweeps; combinable
  --enable-mtp-test       as the original allowed; each writes its own …_online_<suffix> folder
  --enable-dp-test
  --download-model        download --hf-model-id into --model first
  --hf-model-id=ID        Hugging Face id for --download-model (default deepseek-ai/DeepSeek-V3-0324)
  --points=1,4            only these request rates (Grok) / concurrencies (DeepSeek)`;
  return `Usage: sglbench ${kind} [--docker-image=IMAGE] [options]

Runs the ${kind} suite${kind === "offline" ? " (bench_one_batch per point)" : " (launch_server + GSM8K gate + bench_serving)"} and writes the run folder
in the original scripts' layout (CSV, config.json, logs, timing summary) plus results.json.
A re-run into the same --output-dir resumes: repeats already measured are kept.

  --docker-image=IMAGE    (or --docker_image=, or a bare first argument) default ${DEFAULT_IMAGE}
  --model=PATH            model path (default per model type and hardware; also --model-path=PATH)
  --model-type=grok1|grok2|deepseek   (default: from --model, else grok1)
  --model-name=NAME       folder model name (DeepSeek: DeepSeek-V3-0324)
  --hardware=mi30x|mi35x  hardware whose model paths to use (default: the image tag's)
  --tokenizer=NAME|PATH   tokenizer (Grok)
${specific}
  --work-dir=DIR          where commands run (default: current directory)
  --output-dir=DIR        results root (default: the work dir)
  --gsm8k-script=PATH     bench_sglang.py inside the container
  --threshold=X           GSM8K accuracy threshold (default 0.8 Grok, 0.93 DeepSeek)
  --repeats=N             measured repeats per point (default: offline 1, online 3)
  --port=N|auto           server port (default 30000, or $SGLBENCH_PORT; auto: a free one).
                          A port in use by anything else is an error naming it${kind === "offline" ? " (DeepSeek warm-up server)" : ""}
  --ready-timeout=S       seconds to wait for the server (default: the suite catalogue's)
  --local                 run here (already inside an SGLang container) instead of in Docker
  --no-gpu                Docker without /dev/kfd and /dev/dri (CI, simulator)
  --mount=HOST:CTR        extra bind mount (repeatable; default /mnt/raid/ when it exists)
  --suites-file=FILE      more models/suites (catalogue YAML, docs/catalogue.md) or overrides
                          ({ suites: { <id>: { field: value } } })
  --benchmark-timeout=S   seconds per benchmark command (default: the suite catalogue's)
  --gsm8k-timeout=S       seconds per GSM8K run (default: the suite catalogue's); after a timeout
                          or a server crash the server is relaunched once, then the rest fail
  --force                 start the run folder afresh instead of resuming its measured repeats
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
Exit: 0 everything ran, 3 partially, 1 nothing ran, 2 bad usage, 143/130 stopped by SIGTERM/SIGINT
(the running command and the server are stopped, what finished is kept, the run folder gets INTERRUPTED).
`;
}

/** Parsed and validated command line: the suite job plus --dry-run. */
export interface SuiteCommandArgs extends SuiteJob {
  dryRun: boolean;
  /** `--port=auto`: a free port is picked before the run. */
  portAuto?: boolean;
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
  if (v.model && v["model-path"] && v.model !== v["model-path"])
    throw new UsageError("--model and --model-path name the same thing; give one");
  const modelArg = v["model-path"] ?? v.model;
  const modelType = (v["model-type"] ??
    (modelArg && /deepseek/i.test(modelArg)
      ? "deepseek"
      : modelArg && /grok-?2/i.test(modelArg)
        ? "grok2"
        : "grok1")) as SuiteModel;
  if (!["grok1", "grok2", "deepseek"].includes(modelType))
    throw new UsageError(`--model-type: expected grok1, grok2 or deepseek, got "${modelType}"`);
  if (modelType === "deepseek" && kind === "offline" && mode !== "normal")
    throw new UsageError("DeepSeek offline has no --mode");
  let catalogue: readonly Suite[] = SUITES;
  if (v["suites-file"]) {
    const file = isAbsolute(v["suites-file"]) ? v["suites-file"] : join(io.cwd, v["suites-file"]);
    const raw: unknown = parseYaml(readFileSync(file, "utf8"));
    // `{ suites: { <id>: {…} } }` overrides fields; anything else is a catalogue file adding models/suites.
    const isOverrides =
      typeof raw === "object" &&
      raw !== null &&
      !Array.isArray((raw as { suites?: unknown }).suites) &&
      "suites" in raw;
    catalogue = isOverrides ? applySuiteOverrides(SUITES, raw, file) : loadCatalogue([file]).suites;
  }
  const hardware = v.hardware ?? parseImage(image).hardware;
  if (hardware !== undefined && hardware !== "mi30x" && hardware !== "mi35x")
    throw new UsageError(`--hardware: expected mi30x or mi35x, got "${hardware}"`);
  let base = suiteFor(kind, modelType, mode, catalogue);
  const switches = VARIANT_SWITCHES.filter((f) => v[f]);
  if (switches.length) {
    if (kind === "offline") throw new UsageError(`--${switches[0]} is a variant of the online suite`);
    let variant: string | undefined;
    try {
      variant = variantForFlags(builtinCatalogue(), switches);
    } catch (error: unknown) {
      throw new UsageError(errorMessage(error), { cause: error });
    }
    const id = `${base.id}-${variant}`;
    const found = catalogue.find((s) => s.id === id);
    if (!found) throw new UsageError(`${base.id} has no variant ${variant}`);
    base = found;
  }
  // The hardware picks the model paths (Grok-2 on MI355X: /data/grok-2).
  let suite = suiteForHardware(base, hardware);
  // The original's environment overrides sit between the catalogue and the flags.
  const fromEnv = originalEnvPatch(suite.id, modelType, io.env);
  if (Object.keys(fromEnv).length > 0)
    try {
      suite = applySuiteOverrides([suite], { suites: { [suite.id]: fromEnv } }, "environment")[0] ?? suite;
    } catch (error: unknown) {
      throw new UsageError(errorMessage(error), { cause: error });
    }
  const modelPath = mode === "dummy" ? (v["dummy-model"] ?? modelArg) : modelArg;
  if (modelPath)
    suite = { ...suite, modelPath, modelPaths: {}, ...(suite.tokenizerFromModel ? { tokenizer: modelPath } : {}) };
  if (v.tokenizer) suite = { ...suite, tokenizer: v.tokenizer, tokenizerFromModel: false };
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
  const portAuto = v.port?.trim() === "auto";
  let port: number | undefined;
  try {
    port = v.port === undefined || portAuto ? undefined : parsePort(v.port);
  } catch (error: unknown) {
    throw new UsageError(errorMessage(error), { cause: error });
  }
  const ready = num("ready-timeout", v["ready-timeout"]);
  const shm = shmSizeBytes(io.env);
  const benchmarkTimeout = num("benchmark-timeout", v["benchmark-timeout"]);
  const gsm8kTimeout = num("gsm8k-timeout", v["gsm8k-timeout"]);
  for (const [flag, value] of [
    ["ready-timeout", ready],
    ["benchmark-timeout", benchmarkTimeout],
    ["gsm8k-timeout", gsm8kTimeout],
  ] as const)
    if (value !== undefined && !(value > 0)) throw new UsageError(`--${flag}: expected seconds > 0`);
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
    ...(portAuto ? { portAuto } : {}),
    ...(v.node ? { node: v.node } : {}),
    ...(hardware ? { hardware } : {}),
    ...(ready !== undefined ? { readyTimeoutMs: ready * 1000 } : {}),
    ...(benchmarkTimeout !== undefined ? { commandTimeoutMs: benchmarkTimeout * 1000 } : {}),
    ...(gsm8kTimeout !== undefined ? { gsm8kTimeoutMs: gsm8kTimeout * 1000 } : {}),
    ...(v.force ? { force: true } : {}),
    gpu: !(v["no-gpu"] ?? false),
    ...(shm !== undefined ? { shmSizeBytes: shm } : {}),
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
  if (args.portAuto) args = { ...args, port: await freeLocalPort() };
  if (args.dryRun) {
    io.stdout(renderDryRun(args));
    return EXIT.ok;
  }
  // An image that cannot be pulled is one clear line and exit 1, not a stack trace.
  let executor: Executor;
  try {
    executor = await makeExecutor(args);
  } catch (error: unknown) {
    io.stderr(`sglbench ${kind}: ${executorFailureLine(args, error)}`);
    return EXIT.failed;
  }
  try {
    return await runSuiteJob(args, () => Promise.resolve(executor), io);
  } catch (error: unknown) {
    // A full or read-only disk: one line with the errno and path (results.json says it too when it could).
    if (!(error instanceof DiskError)) throw error;
    io.stderr(`sglbench ${kind}: ${error.message}\n`);
    return EXIT.failed;
  }
}

/** The executor the flags ask for: this machine (--local) or a container of the image. */
export function defaultExecutor(args: SuiteCommandArgs, io: CliIO): Promise<Executor> {
  return defaultSuiteExecutor(args, io.env, (line) => io.stdout(`${line}\n`));
}

export { EXIT };
