/** `sglbench compare-pr`: the original compare_pr_performance.sh flags, plus --baseline/--repeats/--local. */
import { access, readFile, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  DEFAULT_FALSE_DISCOVERY_RATE,
  DEFAULT_MIN_EFFECT_PCT,
  FAIL_ON,
  failOnReason,
  isFailOn,
  verdictSettingsFromFlags,
  type FailOn,
  type VerdictSettings,
} from "../../core/verdict/index.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { REQUEST_FLAGS, REQUEST_FLAGS_USAGE, requestFromFlags } from "../request-flags.js";
import { errorMessageWithCause, timestamp } from "../../core/util/index.js";
import { mergeComparisonFiles, type ComparisonFile } from "../../pipeline/compare-pr.js";
import {
  loadHistory,
  parseEnvAssignments,
  runComparePrJob,
  type ComparePrJobInput,
} from "../../pipeline/compare-pr-job.js";
import { defaultComparePrServices } from "../../pipeline/compare-pr-services.js";
import { resolvePort } from "../../runner/free-port.js";
import { comparisonHardware, folderHardware, KNOWN_HARDWARE } from "../../core/plan/index.js";
import { parseTimeouts, type TimeoutOverrides } from "../../runner/run-suite.js";

export const summary = "Benchmark a PR against its merge base and report (replaces compare_pr_performance.sh)";

const USAGE = `Usage: sglbench compare-pr --pr=N [options]
       sglbench compare-pr --merge=DIR [--output-dir=DIR]
${REQUEST_FLAGS_USAGE}
  --repo=owner/name         SGLang repository (default sgl-project/sglang)
  --base-image=IMAGE        BASE_IMAGE for docker/Dockerfile.rocm (default rocm/sgl-dev:vllm20250114)
  --dockerfile-path=PATH    Dockerfile inside the checkout (default docker/Dockerfile.rocm), as build-image
  --suites-file=FILE        more models/suites (catalogue YAML, docs/catalogue.md) for --models/--types
  --build-type=all|srt      BUILD_TYPE build argument (default all); images are tagged as build-image tags them
  --work-dir=DIR            SGLang checkout / build context (default .)
  --output-dir=DIR          default <work-dir>/comparison_results
  --skip-build              use --main-image and --pr-image as given
  --main-image=IMAGE --pr-image=IMAGE
  --hardware=H              mi300x or mi355x (mi30x, mi35x mean the same): the catalogue's model
                            paths and points for it (Grok on MI355X: rates 1–8) and history of it
                            only; default: what --main-image's tag names, else mi300x (the catalogue's own)
  --history-dir=DIR         past runs: baseline candidates, noise and timings
  --main-runs-dir=DIR       keep main's full runs here (≤ 36 h, by merge base) and reuse them, after a
                            one-point anchor, on the next request on the same merge base
  --base-sha=SHA --head-sha=SHA   merge base and PR head when known (else fetched in --work-dir)
  --main-env=K=V,...  --pr-env=K=V,...   extra environment per side
  --local                   run on this machine without Docker
  --port=N|auto             server port (default 30000, or $SGLBENCH_PORT; auto: a free one, so two
                            jobs on one machine do not collide)
  --merge=DIR               merge the results.json of matrix jobs under DIR into one report
                            (with --history-dir: the noise history the jobs used; else the built-in prior)
  --fail-on=regressed|any   exit 1 when the verdict is regressed (any: or a cell or run failed)
  --performance-threshold=P minimum effect in % for the plan, the anchor and the verdicts
                            (env PERFORMANCE_THRESHOLD, default ${DEFAULT_MIN_EFFECT_PCT})
  --false-discovery-rate=Q  a suite's 🔴/🟢 kept at ≤ Q expected false (Benjamini–Hochberg over its
                            cells; default ${DEFAULT_FALSE_DISCOVERY_RATE}); off: each cell judged alone.
                            With --merge: override what the jobs used (they must agree otherwise)
  --ready-timeout=S --benchmark-timeout=S --gsm8k-timeout=S
                            seconds for the server to get ready, per benchmark command, per GSM8K
                            run (default: the suite catalogue's; after a timeout or a server crash
                            the server is relaunched once, then the side's remaining points fail)
  --resume=DIR              continue an interrupted comparison folder (measured repeats are kept)
  --force                   with --resume: run a finished folder again from the start
Exit: 0 report written, 3 report written but some runs failed, 1 nothing ran or --fail-on
tripped, 2 bad flags, 143/130 stopped by SIGTERM/SIGINT (report written with what finished).
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "compare-pr",
    USAGE,
    argv,
    {
      ...REQUEST_FLAGS,
      repo: { type: "string", default: "sgl-project/sglang" },
      "base-image": { type: "string", default: "rocm/sgl-dev:vllm20250114" },
      "dockerfile-path": { type: "string" },
      "suites-file": { type: "string" },
      "build-type": { type: "string" },
      "main-runs-dir": { type: "string" },
      "work-dir": { type: "string", default: "." },
      "output-dir": { type: "string" },
      "main-image": { type: "string" },
      "pr-image": { type: "string" },
      "base-sha": { type: "string" },
      "head-sha": { type: "string" },
      "main-env": { type: "string", default: "" },
      "pr-env": { type: "string", default: "" },
      local: { type: "boolean", default: false },
      merge: { type: "string" },
      "fail-on": { type: "string" },
      "performance-threshold": { type: "string" },
      "false-discovery-rate": { type: "string" },
      port: { type: "string" },
      hardware: { type: "string" },
      "ready-timeout": { type: "string" },
      "benchmark-timeout": { type: "string" },
      "gsm8k-timeout": { type: "string" },
      resume: { type: "string" },
      force: { type: "boolean", default: false },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const failOn = values["fail-on"];
  if (failOn !== undefined && !isFailOn(failOn))
    return parsed.usage(`--fail-on must be ${FAIL_ON.join(" or ")}, got "${failOn}"`);
  const workDir = resolve(io.cwd, values["work-dir"]);
  const outputDir = resolve(workDir, values["output-dir"] ?? "comparison_results");
  const log = (line: string) => io.stdout(`${line}\n`);
  const verdict = verdictSettingsFromFlags(values, io.env);
  if (verdict.problems.length > 0) return parsed.usage(verdict.problems.join("; "));
  if (values.merge)
    return merge(resolve(io.cwd, values.merge), outputDir, io, log, failOn, verdict.settings, values["history-dir"]);

  const asked = requestFromFlags(values);
  const mainEnv = parseEnvAssignments(values["main-env"]);
  const prEnv = parseEnvAssignments(values["pr-env"]);
  const problems: string[] = [
    ...(asked.ok ? [] : asked.problems),
    ...mainEnv.problems.map((p) => `--main-env: ${p}`),
    ...prEnv.problems.map((p) => `--pr-env: ${p}`),
  ];
  const hardware = comparisonHardware(values.hardware, values["main-image"]);
  if (values.hardware !== undefined && !folderHardware(values.hardware))
    problems.push(`--hardware: expected ${KNOWN_HARDWARE.join(" or ")}, got "${values.hardware}"`);
  if (values["skip-build"] && (!values["main-image"] || !values["pr-image"]))
    problems.push("--skip-build needs --main-image and --pr-image");
  if (values["build-type"] !== undefined && !["all", "srt"].includes(values["build-type"]))
    problems.push(`--build-type: expected all or srt, got "${values["build-type"]}"`);
  let port: number | undefined;
  try {
    port = values.port === undefined ? undefined : await resolvePort(values.port);
  } catch (error: unknown) {
    problems.push(errorMessageWithCause(error));
  }
  if (values.force && !values.resume)
    problems.push("--force needs --resume=DIR (a new comparison always starts fresh)");
  // Each flag on its own, so a bad value is named by the flag that was typed.
  const timeouts: TimeoutOverrides = {};
  for (const name of ["ready", "benchmark", "gsm8k"] as const) {
    const v = values[`${name}-timeout`];
    if (v === undefined) continue;
    const one = parseTimeouts(`${name}=${v}`);
    Object.assign(timeouts, one.timeouts);
    if (one.problems.length) problems.push(`--${name}-timeout=${v}: expected seconds > 0`);
  }
  if (!asked.ok || problems.length) return parsed.usage(problems.join("; "));
  const { pr, request } = asked;
  const input: ComparePrJobInput = {
    pr,
    repo: values.repo,
    models: request.models,
    types: request.types,
    modes: request.modes,
    repeats: request.repeats,
    baseline: request.baseline,
    ...(values.port !== undefined ? { port: values.port } : {}),
    ...(values["main-image"] ? { mainImage: values["main-image"] } : {}),
    ...(values["pr-image"] ? { prImage: values["pr-image"] } : {}),
    skipBuild: values["skip-build"],
    baseImage: values["base-image"],
    ...(values["dockerfile-path"] ? { dockerfile: values["dockerfile-path"] } : {}),
    ...(values["build-type"] ? { buildType: values["build-type"] as "all" | "srt" } : {}),
    workDir,
    ...(values["history-dir"] ? { historyDir: resolve(io.cwd, values["history-dir"]) } : {}),
    ...(values["main-runs-dir"] ? { mainRunsDir: resolve(io.cwd, values["main-runs-dir"]) } : {}),
    outputDir,
    local: values.local,
    ...(values["base-sha"] ? { baseSha: values["base-sha"] } : {}),
    ...(values["head-sha"] ? { headSha: values["head-sha"] } : {}),
    ...(hardware ? { hardware } : {}),
    ...(Object.keys(timeouts).length ? { timeouts } : {}),
    ...(values.resume ? { resumeDir: resolve(io.cwd, values.resume), force: values.force } : {}),
    sideEnv: { main: mainEnv.env, pr: prEnv.env },
    ...verdict.settings,
  };
  try {
    const services = await defaultComparePrServices({
      local: values.local,
      mainEnv: mainEnv.env,
      prEnv: prEnv.env,
      log,
      ...(port !== undefined ? { port } : {}),
      ...(hardware ? { hardware } : {}),
      ...(values["suites-file"] ? { suitesFiles: [resolve(io.cwd, values["suites-file"])] } : {}),
    });
    // The pipeline's last progress lines are the summary and the report's path.
    const result = await runComparePrJob(input, services, log);
    const tripped = failOnReason(failOn, result.counts, result.exitCode === EXIT.partial);
    if (tripped) {
      io.stderr(`sglbench compare-pr: --fail-on ${failOn}: ${tripped}\n`);
      return EXIT.failed;
    }
    return result.exitCode;
  } catch (error: unknown) {
    io.stderr(`sglbench compare-pr: ${errorMessageWithCause(error)}\n`);
    return EXIT.failed;
  }
}

async function merge(
  root: string,
  outputDir: string,
  io: CliIO,
  log: (line: string) => void,
  failOn: FailOn | undefined,
  verdictSettings: VerdictSettings,
  historyDir: string | undefined,
): Promise<number> {
  try {
    const files: Array<ComparisonFile<unknown>> = [];
    await access(root).catch(() => {
      throw new Error(`${root}: no such folder (give the folder the matrix jobs' results were downloaded to)`);
    });
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name === "results.json") {
          const parsed = JSON.parse(await readFile(path, "utf8")) as { kind?: string };
          if (parsed.kind === "sglbench-compare-pr") files.push(parsed as ComparisonFile<unknown>);
          else log(`merge: skipped ${path} (not a compare-pr results.json)`);
        }
      }
    };
    await walk(root);
    const services = await defaultComparePrServices({ local: true, mainEnv: {}, prEnv: {}, log });
    const first = files[0];
    const dir = join(outputDir, `pr${first?.pr ?? 0}_${timestamp(new Date(), "utc")}`);
    // The jobs' noise history, when the merging machine has it (else the built-in prior only).
    const history = historyDir ? await loadHistory(resolve(io.cwd, historyDir), log) : [];
    if (historyDir) log(`merge: noise history ${history.length} runs from ${historyDir}`);
    const merged = mergeComparisonFiles(files, services.comparer, dir, history, verdictSettings);
    io.stdout(`${merged.summaryLine}\nReport: ${merged.reportPath}\n`);
    // As each job's own exit: a run that failed (a crash the relaunch got past) is partial work.
    const runsFailed = files.some((f) =>
      [...f.runs.main, ...f.runs.pr].some((r) => r.failures.some((x) => x.kind !== "cancelled")),
    );
    const tripped = failOnReason(failOn, merged.counts, runsFailed);
    if (tripped) {
      io.stderr(`sglbench compare-pr --merge: --fail-on ${failOn}: ${tripped}\n`);
      return EXIT.failed;
    }
    return runsFailed || merged.counts.failed > 0 ? EXIT.partial : EXIT.ok;
  } catch (error: unknown) {
    io.stderr(`sglbench compare-pr --merge: ${errorMessageWithCause(error)}\n`);
    return EXIT.failed;
  }
}
