/** `sglbench notify --from <data dir | report json>`: Teams/Slack notification of a nightly (send_teams_notification.py, send_daily_summary_alert.py). */
import { isAbsolute, join } from "node:path";
import { loadOutcome, notifyNightly, webhookUrls } from "../../notify/index.js";
import { redactValues } from "../../store/redact.js";
import { errorMessage } from "../../core/util/index.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";

export const summary = "Send a nightly's regressions and failures, or the daily summary, to Teams/Slack";

const USAGE = `Usage: sglbench notify --from PATH [options]

Posts a nightly's outcome to Microsoft Teams and/or Slack incoming webhooks: regressions with their
headline, GSM8K accuracy below its floor, sanity failures (a suite that did not run), with links to
the dashboard and a chart. An alert is sent only when something needs attention; --summary sends the
daily summary whatever happened. Webhook URLs are secrets: never printed, redacted from every message.

  --from PATH                 a data folder (its newest nightly_reports/*.json), a nightly report JSON
                              or a nightly outcome JSON (required)
  --teams-webhook-url URL     Teams incoming webhook (env SGLBENCH_TEAMS_WEBHOOK_URL or TEAMS_WEBHOOK_URL)
  --slack-webhook-url URL     Slack incoming webhook (env SGLBENCH_SLACK_WEBHOOK_URL)
  --teams-skip-analysis       status only: no regression analysis (env TEAMS_SKIP_ANALYSIS=true)
  --teams-analysis-days N     regressions first seen within N days (env TEAMS_ANALYSIS_DAYS, default 7)
  --summary                   the daily summary instead of an alert
  --dashboard-url URL         link to the dashboard
  --chart-url URL             link to a chart (shown inline when it is a PNG/JPEG)
  --dry-run                   print the payloads as JSON instead of sending them
  -h, --help                  this help

Exit: 0 sent (or nothing to send), 1 a webhook did not accept it or --from is unusable, 2 bad usage.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "notify",
    USAGE,
    argv,
    {
      from: { type: "string" },
      "teams-webhook-url": { type: "string" },
      "slack-webhook-url": { type: "string" },
      "teams-skip-analysis": { type: "boolean" },
      "teams-analysis-days": { type: "string" },
      summary: { type: "boolean" },
      "dashboard-url": { type: "string" },
      "chart-url": { type: "string" },
      "dry-run": { type: "boolean" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  if (!v.from) return usage("--from is required");
  const daysText = v["teams-analysis-days"] ?? io.env.TEAMS_ANALYSIS_DAYS;
  const analysisDays = daysText === undefined ? undefined : Number(daysText);
  if (analysisDays !== undefined && (!Number.isInteger(analysisDays) || analysisDays < 0))
    return usage(`--teams-analysis-days must be a whole number of days, not "${daysText}"`);
  const urls = webhookUrls({ teams: v["teams-webhook-url"], slack: v["slack-webhook-url"] }, io.env);
  const secrets = [urls.teamsWebhookUrl, urls.slackWebhookUrl];
  const dryRun = Boolean(v["dry-run"]);
  if (!dryRun && !urls.teamsWebhookUrl && !urls.slackWebhookUrl)
    return usage(
      "no webhook: pass --teams-webhook-url / --slack-webhook-url (or their environment variables) or --dry-run",
    );

  const from = isAbsolute(v.from) ? v.from : join(io.cwd, v.from);
  let outcome;
  try {
    outcome = await loadOutcome(from, {
      ...(v["dashboard-url"] ? { dashboard: v["dashboard-url"] } : {}),
      ...(v["chart-url"] ? { chart: v["chart-url"] } : {}),
    });
  } catch (error: unknown) {
    io.stderr(`sglbench notify: ${redactValues(errorMessage(error), secrets)}\n`);
    return EXIT.failed;
  }
  const results = await notifyNightly(outcome, {
    ...urls,
    kind: v.summary ? "summary" : "alert",
    skipAnalysis: Boolean(v["teams-skip-analysis"]) || io.env.TEAMS_SKIP_ANALYSIS === "true",
    ...(analysisDays !== undefined ? { analysisDays } : {}),
    dryRun,
    log: (line) => io.stderr(`${line}\n`),
  });
  if (dryRun) {
    const payloads = Object.fromEntries(results.map((r) => [r.channel, r.payload]));
    io.stdout(`${redactValues(JSON.stringify(payloads, null, 2), secrets)}\n`);
  }
  return results.every((r) => r.sent || dryRun) ? EXIT.ok : EXIT.failed;
}
