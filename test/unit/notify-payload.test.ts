import { describe, expect, it } from "@jest/globals";
import { buildMessage, slackPayload, teamsPayload, webhookUrls, type NightlyOutcome } from "../../src/notify/index.js";
import { redactSecrets, redactValues } from "../../src/store/redact.js";

const outcome: NightlyOutcome = {
  date: "20251120",
  model: "grok1",
  mode: "online",
  regressions: [
    { headline: "recent: E2E 12 % slower", scope: "a", date: "20251119", details: [] },
    { headline: "old: TTFT 9 % slower", scope: "b", date: "20251101", details: [] },
  ],
  accuracyFailures: [],
  sanityFailures: [],
  suites: [{ suite: "grok-online", exitCode: 0 }],
  links: { dashboard: "https://dash.example/" },
};

describe("notification message", () => {
  it("--teams-analysis-days keeps regressions first seen within the window", () => {
    const m = buildMessage(outcome, { kind: "alert", analysisDays: 7 });
    expect(m.sections).toEqual([{ title: "Regressions", lines: ["recent: E2E 12 % slower"] }]);
    expect(m.status).toBe("failed");
  });

  it("--teams-skip-analysis leaves regressions out (status only)", () => {
    const m = buildMessage(outcome, { kind: "alert", skipAnalysis: true });
    expect(m.status).toBe("ok");
    expect(m.summary).toContain("(analysis skipped)");
  });

  it("the daily summary lists the suites; links become card actions and Slack buttons", () => {
    const m = buildMessage(outcome, { kind: "summary" });
    expect(m.sections.at(-1)).toEqual({ title: "Suites", lines: ["grok-online: ok"] });
    expect(JSON.stringify(teamsPayload(m))).toContain(
      '{"type":"Action.OpenUrl","title":"Dashboard","url":"https://dash.example/"}',
    );
    expect(JSON.stringify(slackPayload(m))).toContain('"url":"https://dash.example/"');
  });

  it("Slack text escapes its control characters", () => {
    const m = buildMessage({ ...outcome, sanityFailures: [{ suite: "s", message: "a <b> & c" }] }, { kind: "alert" });
    expect(JSON.stringify(slackPayload(m))).toContain("a &lt;b&gt; &amp; c");
  });
});

describe("webhook secrets", () => {
  it("flags win over the environment; the seed's TEAMS_WEBHOOK_URL is read too", () => {
    expect(webhookUrls({}, { TEAMS_WEBHOOK_URL: "t", SGLBENCH_SLACK_WEBHOOK_URL: "s" })).toEqual({
      teamsWebhookUrl: "t",
      slackWebhookUrl: "s",
    });
    expect(webhookUrls({ teams: "flag" }, { SGLBENCH_TEAMS_WEBHOOK_URL: "env" }).teamsWebhookUrl).toBe("flag");
  });

  it.each([
    "https://prod-99.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=x&sv=1.0&sig=SECRET",
    "https://default1234.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SECRET",
    "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/SECRET/ghi",
    "https://hooks.slack.com/services/T000/B000/SECRET",
  ])("Teams and Slack webhook shapes are redacted: %s", (url) => {
    expect(redactSecrets(`posting to ${url} now`)).toBe("posting to <redacted> now");
  });

  it("a configured URL of any shape is redacted, and its path on its own", () => {
    const url = "http://127.0.0.1:4321/some/secret-path";
    expect(redactValues(`to ${url}; got 404 for /some/secret-path`, [url, undefined])).toBe(
      "to <redacted>; got 404 for <redacted>",
    );
  });
});

describe("a sanity nightly's report", () => {
  it("alerts for each model below its floor, named with its accuracy", async () => {
    const { outcomeFromReport } = await import("../../src/notify/outcome.js");
    const o = await outcomeFromReport({
      date: "20251204",
      model: "sanity",
      mode: "sanity",
      suites: [],
      regressions: [],
      notes: [],
      published: [],
      sanity: [
        { model: "QWEN-30B", accuracy: 0.81, threshold: 0.84, passed: false },
        { model: "GROK1-IN4", accuracy: 0.812, threshold: 0.8, passed: true },
        { model: "GPT-OSS-20B", threshold: 0.5, passed: false },
      ],
    });
    expect(o.sanityFailures).toEqual([
      { suite: "sanity QWEN-30B", message: "accuracy 0.810 < floor 0.84" },
      { suite: "sanity GPT-OSS-20B", message: "no accuracy < floor 0.5" },
    ]);
    expect(buildMessage(o, { kind: "alert" }).title).toMatch(/needs attention/);
  });
});
