/** The nightly's notification step: its report → an alert on Teams/Slack when something needs attention. */
import { redactValues } from "../store/redact.js";
import { notifyNightly, webhookUrls } from "./index.js";
import { outcomeFromReport, type NightlyReportLike } from "./outcome.js";

export interface NightlyNotifyFlags {
  teamsWebhookUrl?: string;
  slackWebhookUrl?: string;
  skipAnalysis?: boolean;
  analysisDays?: number;
  dryRun?: boolean;
}

/** Sends the alert (or prints it with `dryRun`); never throws: a failed notification is a log line. */
export async function notifyAfterNightly(
  report: NightlyReportLike,
  flags: NightlyNotifyFlags,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const urls = webhookUrls({ teams: flags.teamsWebhookUrl, slack: flags.slackWebhookUrl }, env);
  if (!urls.teamsWebhookUrl && !urls.slackWebhookUrl && !flags.dryRun) return;
  const secrets = [urls.teamsWebhookUrl, urls.slackWebhookUrl];
  try {
    const dashboard = env.SGLBENCH_DASHBOARD_URL;
    const outcome = await outcomeFromReport(report, dashboard ? { dashboard } : {});
    const results = await notifyNightly(outcome, {
      ...urls,
      skipAnalysis: Boolean(flags.skipAnalysis) || env.TEAMS_SKIP_ANALYSIS === "true",
      ...(flags.analysisDays !== undefined ? { analysisDays: flags.analysisDays } : {}),
      ...(flags.dryRun ? { dryRun: true } : {}),
      log,
    });
    for (const r of results)
      if (r.payload) log(redactValues(`${r.channel} payload: ${JSON.stringify(r.payload)}`, secrets));
  } catch (error: unknown) {
    log(redactValues(`notify failed: ${(error as Error).message}`, secrets));
  }
}
