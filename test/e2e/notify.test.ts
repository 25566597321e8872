/**
 * Teams and Slack notifications against a local stand-in (real HTTP on 127.0.0.1, a port the kernel
 * picks): the payloads arrive, retries happen, and no output names the webhook URL or its secret path.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import nock from "nock";
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/notify.js";
import { run as nightly } from "../../src/cli/commands/nightly.js";
import type { NightlyServices } from "../../src/pipeline/nightly.js";
import { emptyRun } from "../../src/core/results/index.js";
import { notifyNightly, type NightlyOutcome } from "../../src/notify/index.js";
import { writeResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";

jest.setTimeout(60_000);

interface Received {
  path: string;
  body: unknown;
}
const received: Received[] = [];
/** Status codes to answer, in order, per path (then 200). */
const script = new Map<string, number[]>();
let server: Server;
let base: string;
const TEAMS_SECRET = "workflows/3f9c0e51a7/triggers/manual/paths/invoke-sig-teamsS3CRET";
const SLACK_SECRET = "services/T000/B000/slackS3CRETtoken";

beforeAll(async () => {
  // Real local HTTP: nock must not hold these requests.
  nock.restore();
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "";
      received.push({ path, body: JSON.parse(data) as unknown });
      const status = script.get(path)?.shift() ?? 200;
      // An unhelpful endpoint that echoes the URL it was called on: it must still not reach our output.
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : `bad request to ${path}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const teamsUrl = () => `${base}/${TEAMS_SECRET}`;
const slackUrl = () => `${base}/${SLACK_SECRET}`;

function expectNoSecret(...texts: string[]): void {
  for (const t of texts) {
    expect(t).not.toContain(TEAMS_SECRET);
    expect(t).not.toContain(SLACK_SECRET);
    expect(t).not.toContain("S3CRET");
  }
}

/** A data folder with one nightly report: a regression, a suite under its GSM8K floor and one that crashed. */
async function dataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "sglbench-notify-"));
  const online = join(dir, "v0.5.5-rocm700-mi30x-20251120_GROK1_MOE-I4F8_online");
  const offline = join(dir, "v0.5.5-rocm700-mi30x-20251120_GROK1_MOE-I4F8_offline_normal");
  const low = emptyRun({ kind: "online", suite: "grok-online", model: { name: "GROK1" } });
  low.gsm8k = { runs: [], average: 0.71, threshold: 0.8 };
  low.failures.push({ kind: "low_accuracy", message: "GSM8K 0.710 below 0.8" });
  await writeResults(online, low);
  const crashed = emptyRun({ kind: "offline", suite: "grok-offline-normal", model: { name: "GROK1" } });
  crashed.failures.push({ kind: "never_ready", message: "server not ready after 600 s" });
  await writeResults(offline, crashed);
  mkdirSync(join(dir, "nightly_reports"));
  const report = {
    date: "20251120",
    mode: "all",
    model: "grok1",
    image: "rocm/sgl-dev:v0.5.5-rocm700-mi30x-20251120",
    suites: [
      { suite: "grok-online", folder: online, exitCode: 1, points: 5, failures: 1 },
      { suite: "grok-offline-normal", folder: offline, exitCode: 1, points: 0, failures: 1 },
    ],
    regressions: [
      {
        scope: "mi30x/GROK1/grok-online",
        date: "20251119",
        tag_before: "a",
        tag_after: "b",
        changes: [
          {
            label: "Median E2E Latency",
            point: "rate 4",
            change_pct: 12.3,
            direction: "slower",
            before: 100,
            after: 112.3,
            unit: "ms",
          },
        ],
      },
    ],
    notes: [`webhook ${teamsUrl()} configured`],
    published: [],
  };
  writeFileSync(join(dir, "nightly_reports", "20251120_grok1_all.json"), JSON.stringify(report));
  return dir;
}

describe("sglbench notify", () => {
  it("posts an Adaptive Card to Teams and Block Kit to Slack; no output names the URLs", async () => {
    received.length = 0;
    const dir = await dataDir();
    const io = captureIO();
    io.env = { SGLBENCH_TEAMS_WEBHOOK_URL: teamsUrl(), SGLBENCH_SLACK_WEBHOOK_URL: slackUrl() };
    const code = await run(
      ["--from", dir, "--dashboard-url", "https://dash.example/grok", "--chart-url", "https://dash.example/e2e.png"],
      io,
    );
    expect(io.err.join("")).toBe("notify: teams alert sent (HTTP 200)\nnotify: slack alert sent (HTTP 200)\n");
    expect(code).toBe(0);
    expect(received.map((r) => r.path)).toEqual([`/${TEAMS_SECRET}`, `/${SLACK_SECRET}`]);
    const teams = JSON.stringify(received[0]!.body);
    expect(received[0]!.body).toMatchObject({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard" } }],
    });
    expect(teams).toContain("mi30x/GROK1/grok-online: Median E2E Latency 12 % slower at rate 4");
    expect(teams).toContain("grok-online: 0.710 < 0.800");
    expect(teams).toContain("grok-offline-normal: never_ready: server not ready after 600 s");
    expect(teams).toContain('"type":"Image","url":"https://dash.example/e2e.png"');
    const slack = received[1]!.body as { text: string; blocks: { type: string }[] };
    expect(slack.text).toContain("needs attention");
    expect(slack.blocks.map((b) => b.type)).toEqual([
      "header",
      "context",
      "section",
      "section",
      "section",
      "image",
      "actions",
    ]);
    expect(JSON.stringify(slack)).toContain("Median E2E Latency 12 % slower at rate 4");
    expectNoSecret(io.out.join(""), io.err.join(""), teams, JSON.stringify(slack));
  });

  it("--dry-run prints both payloads and sends nothing", async () => {
    received.length = 0;
    const io = captureIO();
    io.env = { SGLBENCH_TEAMS_WEBHOOK_URL: teamsUrl() };
    expect(await run(["--from", await dataDir(), "--dry-run", "--summary"], io)).toBe(0);
    expect(received).toEqual([]);
    const printed = JSON.parse(io.out.join("")) as { teams: object; slack: object };
    expect(JSON.stringify(printed.teams)).toContain("sglbench daily summary 20251120: grok1 all");
    expect(JSON.stringify(printed.slack)).toContain("grok-online: failed");
    expectNoSecret(io.out.join(""), io.err.join(""));
  });

  it("a refusing webhook exits 1 with its status; the echoed secret path is redacted", async () => {
    received.length = 0;
    script.set(`/${TEAMS_SECRET}`, [400]);
    const io = captureIO();
    const code = await run(["--from", await dataDir(), "--teams-webhook-url", teamsUrl()], io);
    expect(code).toBe(1);
    expect(io.err.join("")).toBe(
      "notify: teams alert not sent after 1 attempt(s): HTTP 400 bad request to <redacted>\n",
    );
    expectNoSecret(io.out.join(""), io.err.join(""));
  });
});

describe("notifyNightly", () => {
  const outcome: NightlyOutcome = {
    date: "20251120",
    model: "grok1",
    mode: "online",
    regressions: [],
    accuracyFailures: [],
    sanityFailures: [{ suite: "grok-online", message: "launch_failed: image not found" }],
    suites: [],
    links: {},
  };

  it("retries a 503 and a 429, then delivers", async () => {
    received.length = 0;
    script.set(`/${SLACK_SECRET}`, [503, 429]);
    const lines: string[] = [];
    const results = await notifyNightly(outcome, {
      slackWebhookUrl: slackUrl(),
      backoffMs: () => 0,
      log: (l) => lines.push(l),
    });
    expect(results).toEqual([{ channel: "slack", sent: true, status: 200 }]);
    expect(received).toHaveLength(3);
    expectNoSecret(...lines);
  });

  it("a nightly that passed sends no alert", async () => {
    received.length = 0;
    const ok = { ...outcome, sanityFailures: [] };
    expect(await notifyNightly(ok, { teamsWebhookUrl: teamsUrl() })).toEqual([]);
    expect(received).toEqual([]);
  });

  it("an unreachable webhook fails after the retries with a message that does not name it", async () => {
    const lines: string[] = [];
    const closed = `http://127.0.0.1:1/${TEAMS_SECRET}`;
    const results = await notifyNightly(outcome, {
      teamsWebhookUrl: closed,
      retries: 1,
      backoffMs: () => 0,
      log: (l) => lines.push(l),
    });
    expect(results[0]).toMatchObject({ channel: "teams", sent: false });
    expect(lines.join("\n")).toMatch(/not sent after 2 attempt\(s\)/);
    expectNoSecret(...lines, JSON.stringify(results));
  });
});

describe("the nightly's hook", () => {
  it("a suite that failed alerts Teams through --teams-webhook-url; nothing printed names the URL", async () => {
    received.length = 0;
    const dir = mkdtempSync(join(tmpdir(), "sglbench-notify-nightly-"));
    const svc: NightlyServices = {
      now: () => new Date("2025-07-01T18:00:00Z"),
      listTags: async () => ["20250701"],
      rocmSmi: async () => undefined,
      stopOwnContainers: async () => [],
      sleep: async () => undefined,
      runSuite: async ({ suite }) => {
        throw new Error(`${suite.id}: image pull failed`);
      },
      log: () => undefined,
    };
    const io = { ...captureIO(dir), env: { BENCHMARK_CI_DIR: dir } };
    const code = await nightly(
      ["--mode", "offline", "--model", "grok", "--lock-dir", dir, "--teams-webhook-url", teamsUrl()],
      io,
      svc,
    );
    expect(code).toBe(1);
    expect(received.map((r) => r.path)).toEqual([`/${TEAMS_SECRET}`]);
    expect(JSON.stringify(received[0]!.body)).toContain("grok-offline-normal: could not run");
    expect(io.err.join("")).toContain("[nightly] notify: teams alert sent (HTTP 200)");
    expectNoSecret(io.out.join(""), io.err.join(""));
  });
});
