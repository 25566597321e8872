/** `sglbench nightly`: the scheduled job (replaces grok_perf_nightly.sh / perf_nightly.sh and the cron file). */
import { notifyAfterNightly } from "../../notify/nightly-hook.js";
import { isAbsolute, join } from "node:path";
import type { SuiteModel } from "../../core/catalogue/index.js";
import {
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

export const summary = "Pick today's image, run the suites, ingest, process, plot, alert";

const USAGE = `Usage: sglbench nightly --mode offline|online|all [--model grok1|grok2|deepseek] [options]

Picks today's nightly image (Pacific date; yesterday's when today's is missing; -srt never),
takes the per-model lock, waits for idle GPUs (rocm-smi, numeric thresholds; only sglbench's
own containers are ever stopped), runs the suites (online then offline for all; completed
repeats of an interrupted run are kept), writes the summary CSVs, finds change points and
opens or updates one GitHub issue per new regression. A JSON report goes to
<data dir>/nightly_reports/<date>_<model>_<mode>.json.

  --mode M            offline, online or all (default all)
  --model M           grok1 (default; alias grok), grok2, deepseek (alias DeepSeek-V3)
  --hardware H        mi30x (default, $HARDWARE_TYPE) or mi35x
  --rocm V            only images of this ROCm build (630, 700)
  --image REF         run this image instead of today's pick
  --image-repo R      image repository (default $IMAGE_REPO, else rocm/sgl-dev)
  --data-dir DIR      results tree (default $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
  --lock-dir DIR      where the lock file lives (default /tmp; one lock per host: all suites use all GPUs)
  --lock-wait MIN     wait up to MIN minutes for a running nightly to finish (default 0)
  --local             run on this host instead of in a container
  --no-gpu            create the container without /dev/kfd and /dev/dri (CI, simulator)
  --run-when-busy     run even if the GPUs stay busy (the seed did; numbers will be noisy)
  --dashboard-out DIR after the run, rebuild the static dashboard into DIR (sglbench dashboard)
  --json              print the report as JSON
  --teams-webhook-url URL / --slack-webhook-url URL
                      alert Teams/Slack when the night regressed or failed (env SGLBENCH_TEAMS_WEBHOOK_URL,
                      SGLBENCH_SLACK_WEBHOOK_URL; never printed); see sglbench notify
  --teams-skip-analysis, --teams-analysis-days N, --notify-dry-run (log the payloads, send nothing)
  -h, --help          this help

Environment (the seed's names): BENCHMARK_CI_DIR, MOUNT_DIR (default /mnt/raid/), WORK_DIR
(container work dir, default /sgl-workspace), IMAGE_REPO, HARDWARE_TYPE, GPU_USAGE_THRESHOLD and
VRAM_USAGE_THRESHOLD (percent, default 15), GPU_IDLE_WAIT_TIME (seconds, default 15),
GITHUB_REPO (owner/repo) + GITHUB_TOKEN for regression issues, SGLBENCH_DASHBOARD_URL.

Exit: 0 all suites ran, 3 partly, 1 nothing ran (no image, lock held, GPUs busy), 2 bad usage.
`;

const MODELS: Record<string, SuiteModel> = {
  grok1: "grok1",
  grok: "grok1",
  grok2: "grok2",
  deepseek: "deepseek",
  "deepseek-v3": "deepseek",
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
      "data-dir": { type: "string" },
      "lock-dir": { type: "string" },
      "lock-wait": { type: "string", default: "0" },
      local: { type: "boolean" },
      "no-gpu": { type: "boolean" },
      "run-when-busy": { type: "boolean" },
      "dashboard-out": { type: "string" },
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
  if (!["offline", "online", "all"].includes(v.mode))
    return usage(`--mode must be offline, online or all, not "${v.mode}"`);
  const model = MODELS[v.model.toLowerCase()];
  if (!model) return usage(`unknown --model "${v.model}" (grok1, grok2, deepseek)`);
  const rawDir = v["data-dir"] ?? defaultDataDir(io.env, io.cwd);
  const dataDir = isAbsolute(rawDir) ? rawDir : join(io.cwd, rawDir);
  const lockWaitMin = Number(v["lock-wait"]);
  let options: NightlyOptions;
  try {
    options = nightlyOptionsFor(
      {
        mode: v.mode as NightlyMode,
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

  const log = (line: string) => io.stderr(`[nightly] ${redactSecrets(line)}\n`);
  const svc =
    services ?? nightlyServicesFor({ local: Boolean(v.local), gpu: !v["no-gpu"], cwd: io.cwd, env: io.env, log });

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
  const days = v["teams-analysis-days"] ?? io.env.TEAMS_ANALYSIS_DAYS;
  await notifyAfterNightly(
    report,
    {
      ...(v["teams-webhook-url"] ? { teamsWebhookUrl: v["teams-webhook-url"] } : {}),
      ...(v["slack-webhook-url"] ? { slackWebhookUrl: v["slack-webhook-url"] } : {}),
      skipAnalysis: Boolean(v["teams-skip-analysis"]),
      ...(days !== undefined && Number.isInteger(Number(days)) ? { analysisDays: Number(days) } : {}),
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
