/** `sglbench nightly`: the scheduled job (replaces grok_perf_nightly.sh / perf_nightly.sh and the cron file). */
import { notifyAfterNightly } from "../../notify/nightly-hook.js";
import { isAbsolute, join } from "node:path";
import {
  buildCommands,
  CatalogueError,
  loadCatalogue,
  modelKeyFor,
  pacificDate,
  parseImage,
  variantForFlags,
  type Catalogue,
} from "../../core/catalogue/index.js";
import {
  nightlySuites,
  runNightly,
  type NightlyMode,
  type NightlyOptions,
  type NightlyReport,
  type NightlyServices,
} from "../../pipeline/nightly.js";
import {
  formatNightlyReport,
  nightlyOptionsFor,
  nightlyServicesFor,
  NightlySettingsError,
} from "../../pipeline/nightly-job.js";
import { redactSecrets } from "../../store/redact.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { defaultDataDir } from "./process.js";
import { errorMessage } from "../../core/util/index.js";
import { resolvePort } from "../../runner/free-port.js";

export const summary = "Pick today's image, run the suites, ingest, process, plot, alert";

const USAGE = `Usage: sglbench nightly --mode offline|online|all|sanity [--model MODEL] [options]

Picks today's nightly image (Pacific date; yesterday's when today's is missing; -srt never),
takes the per-host lock, waits for idle GPUs (rocm-smi, numeric thresholds; only sglbench's
own containers are ever stopped), runs the suites (online then offline for all; completed
repeats of an interrupted run are kept), writes the summary CSVs, finds change points and
opens or updates one GitHub issue per new regression. A JSON report goes to
<data dir>/nightly_reports/<date>_<model>_<mode>[_<variant>].json. Models, suites, variants
and the sanity table come from the catalogue (docs/catalogue.md).

  --mode M              offline, online, all (default) or sanity (the GSM8K sweep over the sanity table)
  --model M             grok1 (default; alias grok), grok2, deepseek (alias DeepSeek-V3),
                        deepseek-r1-mxfp4 (MI355X), any catalogue model, or sanity (= --mode sanity)
  --hardware H          mi30x (default, $HARDWARE_TYPE) or mi35x
  --rocm V              only images of this ROCm build (630, 700)
  --image REF           run this image instead of today's pick
  --image-repo R        image repository (default $IMAGE_REPO, else rocm/sgl-dev)
  --continue-run-days N run the last N days' images, one per day, oldest first (default 1)
DeepSeek variants (online; the original perf_nightly.sh switches, combinable as it allowed):
  --check-dp-attention  DP attention, GSM8K only          (folder suffix _dp_attention)
  --enable-torch-compile torch compile, GSM8K only        (_torch_compile; both: _dp_attention_torch_compile)
  --enable-mtp-test     MTP speculative decoding sweep    (_mtp_test)
  --enable-dp-test      DP attention serving sweep        (_dp_test; with MTP: _dp_attention_mtp_test)
  --variant KEY         any catalogue variant by key (dp_attention, torch_compile, mtp, dp …)
Model and paths:
  --model-path PATH     model weights instead of the catalogue's (for every suite of the run)
  --model-name NAME     folder model name (e.g. DeepSeek-R1-MXFP4-Preview)
  --tokenizer-path PATH tokenizer instead of the catalogue's
  --download-model REPO download REPO from Hugging Face into <work dir>/models/<name> inside the
                        container first (resumable; checks free disk first: DeepSeek 685 GB, Grok 200 GB,
                        others 100 GB); ignored with --model-path
  --work-dir DIR        container work dir (default $WORK_DIR, else /sgl-workspace)
  --models-dir DIR      sanity: folder of the table's relative model paths (mounted read-only)
  --sanity-trials N     sanity: GSM8K trials per model (default: the catalogue's, 1)
  --sanity-models A,B   sanity: only these models of the table
  --suites-file FILE    more models, suites, variants or sanity entries (catalogue YAML)
Run:
  --data-dir DIR        results tree (default $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
  --lock-dir DIR        where the lock file lives (default /tmp; one lock per host: all suites use all GPUs)
  --lock-wait MIN       wait up to MIN minutes for a running nightly to finish (default 0)
  --local               run on this host instead of in a container
  --no-gpu              create the container without /dev/kfd and /dev/dri (CI, simulator)
  --run-when-busy       run even if the GPUs stay busy (the seed did; numbers will be noisy)
  --port N|auto         server port (default 30000, or $SGLBENCH_PORT; auto: a free one)
  --dashboard-out DIR   after the run, rebuild the static dashboard into DIR (sglbench dashboard)
  --dry-run             print the suites with their environment and commands; run nothing
  --json                print the report as JSON
Alerts:
  --teams-webhook-url URL  alert Teams when the night regressed or failed (env SGLBENCH_TEAMS_WEBHOOK_URL;
                        never printed); see sglbench notify
  --slack-webhook-url URL  the same for Slack (env SGLBENCH_SLACK_WEBHOOK_URL)
  --teams-skip-analysis send the status without the regression analysis
  --teams-analysis-days N  regressions first seen within N days (default 7)
  --notify-dry-run      log the payloads, send nothing
  -h, --help            this help

Environment (the seed's names): BENCHMARK_CI_DIR, MOUNT_DIR (default /mnt/raid/), WORK_DIR
(container work dir, default /sgl-workspace), IMAGE_REPO, HARDWARE_TYPE, GPU_USAGE_THRESHOLD and
VRAM_USAGE_THRESHOLD (percent, default 15), GPU_IDLE_WAIT_TIME (seconds, default 15),
GITHUB_REPO (owner/repo) + GITHUB_TOKEN for regression issues and sanity alerts, SGLBENCH_DASHBOARD_URL.

Exit: 0 all suites ran (and every sanity model passed), 3 partly, 1 nothing ran (no image, lock
held, GPUs busy), 2 bad usage, 143/130 stopped by SIGTERM/SIGINT (what finished is kept and reported).
`;

/** The original's variant switches, in its spelling. */
const VARIANT_SWITCHES = ["check-dp-attention", "enable-torch-compile", "enable-mtp-test", "enable-dp-test"] as const;

const positiveInt = (raw: string | undefined): number | undefined | "bad" => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : "bad";
};

/** Runs the command; `services` is injected by tests. */
export async function run(argv: string[], io: CliIO, services?: NightlyServices): Promise<number> {
  const parsed = parseFlags(
    "nightly",
    USAGE,
    argv,
    {
      mode: { type: "string", default: "all" },
      model: { type: "string", default: "grok1" },
      hardware: { type: "string" },
      rocm: { type: "string" },
      image: { type: "string" },
      "image-repo": { type: "string" },
      "continue-run-days": { type: "string" },
      "check-dp-attention": { type: "boolean" },
      "enable-torch-compile": { type: "boolean" },
      "enable-mtp-test": { type: "boolean" },
      "enable-dp-test": { type: "boolean" },
      variant: { type: "string" },
      "model-path": { type: "string" },
      "model-name": { type: "string" },
      "tokenizer-path": { type: "string" },
      "download-model": { type: "string" },
      "work-dir": { type: "string" },
      "models-dir": { type: "string" },
      "sanity-trials": { type: "string" },
      "sanity-models": { type: "string" },
      "suites-file": { type: "string" },
      "data-dir": { type: "string" },
      "lock-dir": { type: "string" },
      "lock-wait": { type: "string", default: "0" },
      local: { type: "boolean" },
      "no-gpu": { type: "boolean" },
      "run-when-busy": { type: "boolean" },
      port: { type: "string" },
      "dashboard-out": { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      "teams-webhook-url": { type: "string" },
      "slack-webhook-url": { type: "string" },
      "teams-skip-analysis": { type: "boolean" },
      "teams-analysis-days": { type: "string" },
      "notify-dry-run": { type: "boolean" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  if (!["offline", "online", "all", "sanity"].includes(v.mode))
    return usage(`--mode must be offline, online, all or sanity, not "${v.mode}"`);
  let catalogue: Catalogue;
  try {
    catalogue = loadCatalogue(
      v["suites-file"] ? [isAbsolute(v["suites-file"]) ? v["suites-file"] : join(io.cwd, v["suites-file"])] : [],
    );
  } catch (error: unknown) {
    if (error instanceof CatalogueError) return usage(error.message);
    throw error;
  }
  const sanity = v.mode === "sanity" || v.model.toLowerCase() === "sanity";
  const model = sanity ? "sanity" : modelKeyFor(v.model, catalogue);
  if (!model) return usage(`unknown --model "${v.model}" (${[...Object.keys(catalogue.models), "sanity"].join(", ")})`);
  const mode = (sanity ? "sanity" : v.mode) as NightlyMode;
  const switches = VARIANT_SWITCHES.filter((f) => v[f]);
  if (switches.length && v.variant) return usage("--variant and the variant switches are exclusive");
  let variant: string | undefined = v.variant;
  try {
    variant ??= variantForFlags(catalogue, switches);
  } catch (error: unknown) {
    return usage((error as Error).message);
  }
  if (variant && sanity) return usage("the sanity sweep has no variants");
  if (variant && mode === "offline") return usage(`variant ${variant} is an online variant; use --mode online or all`);
  const days = positiveInt(v["continue-run-days"]);
  if (days === "bad") return usage(`--continue-run-days must be a whole number ≥ 1, not "${v["continue-run-days"]}"`);
  const trials = positiveInt(v["sanity-trials"]);
  if (trials === "bad") return usage(`--sanity-trials must be a whole number ≥ 1, not "${v["sanity-trials"]}"`);
  const rawDir = v["data-dir"] ?? defaultDataDir(io.env, io.cwd);
  const dataDir = isAbsolute(rawDir) ? rawDir : join(io.cwd, rawDir);
  const lockWaitMin = Number(v["lock-wait"]);
  const workDir = v["work-dir"] ?? io.env["WORK_DIR"];
  let options: NightlyOptions;
  try {
    options = nightlyOptionsFor(
      {
        mode,
        model,
        ...(v.hardware !== undefined ? { hardware: v.hardware } : {}),
        ...(v.rocm !== undefined ? { rocm: v.rocm } : {}),
        ...(v["image-repo"] !== undefined ? { imageRepo: v["image-repo"] } : {}),
        ...(v.image ? { image: v.image } : {}),
        dataDir,
        ...(v["lock-dir"] ? { lockDir: v["lock-dir"] } : {}),
        lockWaitMs: lockWaitMin * 60_000,
        ...(v["run-when-busy"] ? { runWhenBusy: true } : {}),
      },
      io.env,
    );
  } catch (error: unknown) {
    if (error instanceof NightlySettingsError) return usage(error.message);
    throw error;
  }
  if (!Number.isFinite(lockWaitMin) || lockWaitMin < 0)
    return usage(`--lock-wait must be minutes, not "${v["lock-wait"]}"`);
  options = {
    ...options,
    catalogue,
    ...(variant ? { variant } : {}),
    ...(v["model-path"] ? { modelPath: v["model-path"] } : {}),
    ...(v["model-name"] ? { modelName: v["model-name"] } : {}),
    ...(v["tokenizer-path"] ? { tokenizerPath: v["tokenizer-path"] } : {}),
    ...(v["download-model"] ? { downloadModel: v["download-model"] } : {}),
    ...(workDir ? { workDir } : {}),
    ...(v["models-dir"] ? { modelsDir: v["models-dir"] } : {}),
    ...(trials !== undefined ? { sanityTrials: trials } : {}),
    ...(v["sanity-models"] ? { sanityModels: v["sanity-models"].split(",").map((m) => m.trim()) } : {}),
    ...(days !== undefined ? { continueRunDays: days } : {}),
  };
  if (v["dry-run"]) {
    try {
      io.stdout(redactSecrets(renderNightlyDryRun(options)));
      return EXIT.ok;
    } catch (error: unknown) {
      return usage(errorMessage(error));
    }
  }

  let port: number | undefined;
  try {
    port = v.port === undefined ? undefined : await resolvePort(v.port);
  } catch (error: unknown) {
    return usage(errorMessage(error));
  }
  const log = (line: string) => io.stderr(`[nightly] ${redactSecrets(line)}\n`);
  const svc =
    services ??
    nightlyServicesFor({
      local: Boolean(v.local),
      gpu: !v["no-gpu"],
      cwd: io.cwd,
      env: io.env,
      log,
      ...(port !== undefined ? { port } : {}),
      ...(v["work-dir"] ? { workDir: v["work-dir"] } : {}),
      ...(v["models-dir"] ? { readOnlyPaths: [v["models-dir"]] } : {}),
    });

  const dashboardOut = v["dashboard-out"];
  if (dashboardOut && !svc.publish) svc.publish = publishWithDashboardCommand(dataDir, dashboardOut, io);

  let report: NightlyReport;
  try {
    report = await runNightly(options, svc);
  } catch (error: unknown) {
    io.stderr(`sglbench nightly: ${redactSecrets(errorMessage(error))}\n`);
    return EXIT.failed;
  }
  // Notifications (src/notify): an alert on Teams/Slack when the night needs attention.
  const analysisDays = v["teams-analysis-days"] ?? io.env.TEAMS_ANALYSIS_DAYS;
  await notifyAfterNightly(
    report,
    {
      ...(v["teams-webhook-url"] ? { teamsWebhookUrl: v["teams-webhook-url"] } : {}),
      ...(v["slack-webhook-url"] ? { slackWebhookUrl: v["slack-webhook-url"] } : {}),
      skipAnalysis: Boolean(v["teams-skip-analysis"]),
      ...(analysisDays !== undefined && Number.isInteger(Number(analysisDays))
        ? { analysisDays: Number(analysisDays) }
        : {}),
      dryRun: Boolean(v["notify-dry-run"]),
    },
    io.env,
    log,
  );
  if (v.json) io.stdout(`${redactSecrets(JSON.stringify(report, null, 2))}\n`);
  else io.stdout(redactSecrets(formatReport(report)));
  return report.exitCode;
}

/** A short human summary of a nightly (kept under its old name for the CLI's callers). */
export const formatReport = formatNightlyReport;

/**
 * Charts and dashboard through the `dashboard` command (the plots part owns them); a stub that is
 * not implemented yet is reported as skipped rather than failing the nightly.
 */
function publishWithDashboardCommand(dataDir: string, out: string, io: CliIO): NonNullable<NightlyServices["publish"]> {
  return async () => {
    const dashboard = await import("./dashboard.js");
    if (dashboard.summary.includes("not implemented"))
      throw new Error("sglbench dashboard is not implemented in this build");
    const sub = { ...io, stdout: (t: string) => io.stderr(t) };
    const code = await dashboard.run(["--data-dir", dataDir, "--out", out], sub);
    if (code !== EXIT.ok && code !== EXIT.partial) throw new Error(`sglbench dashboard exited ${code}`);
    return [out];
  };
}

/**
 * `--dry-run`: each suite of the run with its model path, environment and commands, on the given
 * image or a stand-in of the nightly's hardware (rocm700, the current nightly build).
 */
export function renderNightlyDryRun(options: NightlyOptions): string {
  const suites = nightlySuites(options.model, options.mode, { ...options, hardware: options.hardware });
  const image =
    options.image ??
    `${options.imageRepo}:nightly-${pacificDate(new Date())}-rocm${options.rocm ?? "700"}-${options.hardware}`;
  const info = parseImage(image);
  const shell = (argv: string[], env: Record<string, string> = {}): string =>
    [...Object.entries(env).map(([k, val]) => `${k}=${val}`), ...argv].join(" ");
  const lines = [
    `nightly ${options.model} ${options.mode}${options.variant ? ` variant ${options.variant}` : ""} on ${options.hardware} (${image})`,
  ];
  if (options.continueRunDays && options.continueRunDays > 1)
    lines.push(`images: one per day of the last ${options.continueRunDays} days`);
  if (options.downloadModel) lines.push(`download: ${options.downloadModel} (skipped when --model-path is given)`);
  for (const suite of suites) {
    const cmds = buildCommands(suite, info);
    const folder = `${info.tag}_${suite.modelName}_${suite.variant}_${suite.kind}${suite.folderSuffix ? `_${suite.folderSuffix}` : suite.kind === "offline" && suite.mode !== "normal" ? `_${suite.mode}` : ""}`;
    lines.push("", `suite ${suite.id}: ${suite.title}`, `  folder: ${folder}`, `  model:  ${suite.modelPath}`);
    if (suite.tokenizer) lines.push(`  tokenizer: ${suite.tokenizer}`);
    if (cmds.server) lines.push(`  server: ${shell(cmds.server.argv, cmds.server.env)}`);
    if (cmds.gsm8k && suite.gsm8k)
      lines.push(`  gsm8k:  ${suite.gsm8k.runs} × ${cmds.gsm8k.join(" ")} (pass ≥ ${suite.gsm8k.threshold})`);
    for (const p of cmds.points)
      lines.push(`  point:  ${shell(p.argv, p.env)}${p.repeats > 1 ? ` (× ${p.repeats})` : ""}`);
    if (suite.gsm8kOnly) lines.push("  GSM8K only: no serving sweep");
    lines.push(`  about ${Math.round(cmds.estimatedMinutes)} min`);
  }
  return `${lines.join("\n")}\n`;
}
