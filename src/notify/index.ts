/**
 * Nightly notifications to Microsoft Teams and Slack incoming webhooks: an alert when a nightly
 * regressed or failed accuracy/sanity checks, and a daily summary. The webhook URLs come from
 * `--teams-webhook-url`/`SGLBENCH_TEAMS_WEBHOOK_URL` (also the seed's `TEAMS_WEBHOOK_URL`) and
 * `--slack-webhook-url`/`SGLBENCH_SLACK_WEBHOOK_URL`; they are secrets and never printed.
 */
import { redactValues } from "../store/redact.js";
import { buildMessage, type MessageOptions, type NotificationKind } from "./message.js";
import type { NightlyOutcome } from "./outcome.js";
import { postJson, type SendOptions } from "./send.js";
import { slackPayload } from "./slack.js";
import { teamsPayload } from "./teams.js";

export { loadOutcome, needsAlert, NightlyOutcomeSchema, outcomeFromReport, type NightlyOutcome } from "./outcome.js";
export { buildMessage, type Message, type NotificationKind } from "./message.js";
export { slackPayload } from "./slack.js";
export { teamsPayload } from "./teams.js";

export interface NotifyOptions extends Omit<MessageOptions, "kind">, SendOptions {
  teamsWebhookUrl?: string;
  slackWebhookUrl?: string;
  /** `summary`: the daily summary, sent whatever happened; `alert` (default): only when something needs attention. */
  kind?: NotificationKind;
  /** Print the payloads instead of sending them. */
  dryRun?: boolean;
  /** Where progress lines go (already redacted). */
  log?: (line: string) => void;
}

export interface ChannelResult {
  channel: "teams" | "slack";
  sent: boolean;
  /** Dry run: the payload that would have been sent. */
  payload?: object;
  status?: number;
  error?: string;
}

/** Webhook URLs from flags, else the environment. */
export function webhookUrls(
  flags: { teams?: string; slack?: string },
  env: NodeJS.ProcessEnv,
): { teamsWebhookUrl?: string; slackWebhookUrl?: string } {
  const teams = flags.teams || env.SGLBENCH_TEAMS_WEBHOOK_URL || env.TEAMS_WEBHOOK_URL;
  const slack = flags.slack || env.SGLBENCH_SLACK_WEBHOOK_URL;
  return { ...(teams ? { teamsWebhookUrl: teams } : {}), ...(slack ? { slackWebhookUrl: slack } : {}) };
}

/** Sends (or with `dryRun` returns) the Teams and Slack payloads for a nightly outcome. */
export async function notifyNightly(outcome: NightlyOutcome, options: NotifyOptions): Promise<ChannelResult[]> {
  const kind = options.kind ?? "alert";
  const secrets = [options.teamsWebhookUrl, options.slackWebhookUrl];
  const log = (line: string) => options.log?.(redactValues(line, secrets));
  const message = buildMessage(outcome, { ...options, kind });
  if (kind === "alert" && message.status === "ok") {
    log(`notify: nothing to alert about for ${outcome.date} ${outcome.model} ${outcome.mode}`);
    return [];
  }
  const channels: { channel: ChannelResult["channel"]; url?: string; payload: object }[] = [
    { channel: "teams", url: options.teamsWebhookUrl, payload: teamsPayload(message) },
    { channel: "slack", url: options.slackWebhookUrl, payload: slackPayload(message) },
  ];
  const results: ChannelResult[] = [];
  for (const { channel, url, payload } of channels) {
    if (!url && !options.dryRun) continue;
    if (options.dryRun) {
      log(`notify: ${channel} ${kind} (dry run${url ? "" : ", no webhook configured"})`);
      results.push({ channel, sent: false, payload });
      continue;
    }
    const sent = await postJson(url!, payload, options);
    if (sent.ok) log(`notify: ${channel} ${kind} sent (HTTP ${sent.status})`);
    else log(`notify: ${channel} ${kind} not sent after ${sent.attempts} attempt(s): ${sent.error ?? "unknown error"}`);
    results.push({
      channel,
      sent: sent.ok,
      ...(sent.status !== undefined ? { status: sent.status } : {}),
      ...(sent.error ? { error: sent.error } : {}),
    });
  }
  return results;
}
