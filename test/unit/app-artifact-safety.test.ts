/**
 * Issue 13: the report artifact is written by the PR's code, so the App must read it with bounded
 * memory, fail the check when it cannot back a verdict, and never post its markdown unescaped.
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { reportMessage, reportTitle } from "../../src/app/messages.js";
import { artifactConclusion } from "../../src/app/report-gate.js";
import { isAllowedUrl, safeInlineText, safeReportMarkdown } from "../../src/app/safe-markdown.js";
import {
  COMMENT_LIMIT,
  parseRequestMarker,
  parseStickyState,
  renderSticky,
  STICKY_MARKER,
} from "../../src/core/request/index.js";
import {
  downloadReportArtifact,
  readReportArchive,
  type ReportArtifact,
  type ResultsSummary,
} from "../../src/github/report-artifact.js";
import { zipBomb, zipFiles } from "../helpers/app-zip.js";

const RUN = "https://github.com/sgl-project/sglang/actions/runs/4242";
const safe = (md: string, maxLength?: number): string =>
  safeReportMarkdown(md, { allowedUrlPrefixes: [RUN], ...(maxLength ? { maxLength } : {}) });

/** A mention GitHub would notify: `@` + a name character, after the start or a non-word character. */
const LIVE_MENTION = /(^|[^A-Za-z0-9_])@[A-Za-z0-9]/m;

const RESULTS = JSON.stringify({
  verdict: "regressed",
  summary: { regressed: 1, improved: 0, unchanged: 3, inconclusive: 0, failed: 0 },
});

describe("safeReportMarkdown", () => {
  it("neutralises @mentions of users, @everyone and teams, but leaves emails alone", () => {
    const out = safe("cc @everyone and @sgl-project/maintainers (@alice); mail bob@example.com");
    expect(out).not.toMatch(LIVE_MENTION);
    expect(out).toContain("@\u200Beveryone");
    expect(out).toContain("@\u200Bsgl-project/maintainers");
    expect(out).toContain("bob@example.com");
  });

  it("escapes raw HTML and entities, so no tag, script or entity-spelled mention renders", () => {
    const out = safe('<img src=https://evil.example/p.png> <script>alert(1)</script> <a href="x">y</a> &#64;everyone');
    expect(out).not.toMatch(/<(img|script|a)\b/);
    expect(out).toContain("&lt;img src=https:\u200B//evil.example/p.png>");
    expect(out).toContain("&lt;script>alert(1)&lt;/script>");
    expect(out).toContain("&amp;#64;everyone");
  });

  it("keeps exactly the generator's own <details>/<summary> tags, without other attributes", () => {
    expect(safe("<details><summary>x</summary>ok</details>")).toBe("<details><summary>x</summary>ok</details>");
    expect(safe("<details open><summary>y</summary>\n\n| a |\n</details>")).toBe(
      "<details open><summary>y</summary>\n\n| a |\n</details>",
    );
    expect(safe('<details onclick="x"><summary style="a">z</summary>')).toBe(
      '&lt;details onclick="x">&lt;summary style="a">z</summary>',
    );
  });

  it("escapes HTML comments, so no hidden sglbench marker survives", () => {
    const attack = [
      STICKY_MARKER,
      '<!-- sglbench:state {"approval":{"sha":"abc","by":"mallory","at":"t"}} -->',
      '<!-- sglbench:request {"models":["grok"],"types":["offline"],"modes":["normal"],"repeats":3,"baseline":"nightly"} -->',
    ].join("\n");
    const out = safe(attack);
    expect(out).not.toContain("<!--");
    expect(parseStickyState(out)).toEqual({});
    expect(parseRequestMarker(out)).toBeNull();
  });

  it("turns images and links to other places into plain text, keeping links to the run", () => {
    const out = safe(
      [
        "![x](https://evil.example/p.png)",
        "[click](https://evil.example)",
        `[artifacts](${RUN}/artifacts/9) ![plot](${RUN}/artifacts/9/p.png)`,
        "[rel](//evil.example/p.png) [run 42420](https://github.com/sgl-project/sglang/actions/runs/42420)",
        `[up](${RUN}/../../../../../evil/repo) [userinfo](https://github.com@evil.example/x)`,
        "[ref][1]\n\n[1]: https://evil.example/ref",
      ].join("\n"),
    );
    expect(out).toContain("x (image https:\u200B//evil.example/p.png not shown)");
    expect(out).toContain("click (https:\u200B//evil.example)");
    expect(out).toContain(`[artifacts](${RUN}/artifacts/9)`);
    expect(out).toContain(`![plot](${RUN}/artifacts/9/p.png)`);
    // Nothing else can form a link: no bracket survives outside the kept links, no URL stays whole.
    const rest = out.replace(`[artifacts](${RUN}/artifacts/9)`, "").replace(`![plot](${RUN}/artifacts/9/p.png)`, "");
    expect(rest).not.toMatch(/[[\]]/);
    expect(rest).not.toMatch(/https?:\/\//);
    expect(out).toContain("&#91;1&#93;: https:\u200B//evil.example/ref");
  });

  it("cannot be tricked into a link by a code span or a backslash around a kept link", () => {
    const out = safe(`[a\`](${RUN})\`](//evil.example/p.png) \\[b](https://evil.example)`);
    expect(out).not.toContain("](//evil");
    expect(out).not.toContain("](https://evil");
  });

  it("de-links bare URLs and www. outside the allow-list, keeps ones to the run", () => {
    const out = safe(`see https://evil.example/x, www.evil.example and <https://evil.example/y> or ${RUN}/job/1`);
    expect(out).not.toMatch(/https:\/\/evil|www\.evil/);
    expect(out).toContain(`${RUN}/job/1`);
  });

  it("checks allowed URLs by origin and path, also on GitHub Enterprise hosts", () => {
    const ghe = "https://ghe.corp.example/o/r/actions/runs/7";
    expect(isAllowedUrl(`${ghe}/artifacts/1`, [RUN, ghe])).toBe(true);
    expect(isAllowedUrl("https://ghe.corp.example/o/r/actions/runs/70", [ghe])).toBe(false);
    expect(isAllowedUrl(`${RUN}/%2e%2e/%2e%2e/x`, [RUN])).toBe(false);
    expect(isAllowedUrl("javascript:alert(1)", [RUN])).toBe(false);
    expect(isAllowedUrl("/relative", [RUN])).toBe(false);
  });

  it("keeps fenced code verbatim but in a fence it cannot leave, markers broken", () => {
    const out = safe(
      [
        "<details>",
        "```sh",
        "a && b <x> @alice",
        "<!-- sglbench:sticky -->",
        "```` still code",
        "```",
        "<img src=x>",
      ].join("\n"),
    );
    expect(out).toBe(
      [
        "<details>",
        "",
        "`````sh",
        "a && b <x> @alice",
        "<!-\u200B- sglbench:sticky -->",
        "```` still code",
        "`````",
        "&lt;img src=x>",
      ].join("\n"),
    );
  });

  it("caps the length at a line boundary with a note, closing a cut code block", () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `| point ${i} | 🟢 +0.${i % 10}% |`).join("\n");
    const out = safeReportMarkdown(`# R\n\n${rows}\n\n\`\`\`\n${"code line\n".repeat(5000)}\`\`\`\n`, {
      allowedUrlPrefixes: [RUN],
      maxLength: 30_000,
      truncationNote: "_…truncated_",
    });
    expect(out.length).toBeLessThanOrEqual(30_000);
    expect(out.endsWith("\n\n_…truncated_")).toBe(true);
    const cut = safeReportMarkdown(`# R\n\n\`\`\`\n${"code line\n".repeat(5000)}\`\`\`\n`, {
      allowedUrlPrefixes: [RUN],
      maxLength: 10_000,
    });
    expect(cut.match(/^```$/gm)?.length).toBe(2);
    expect(cut).toContain("truncated");
  });

  it("bounds and escapes a one-line text for messages", () => {
    expect(safeInlineText("<b>@x</b>\n" + "y".repeat(1000), 50)).toMatch(/^&lt;b>@\u200Bx&lt;\/b> y+…$/);
  });
});

describe("reportMessage and reportTitle", () => {
  const attack = [
    "# Report",
    "@everyone @sgl-project/maintainers",
    "<img src=https://evil.example/pixel.png>",
    "![x](https://evil.example/p.png) [click](https://evil.example)",
    '<!-- sglbench:state {"approval":{"sha":"abc","by":"mallory","at":"t"}} -->',
    "<script>alert(1)</script>",
    "<details><summary>x</summary>ok</details>",
  ].join("\n");
  const artifact = (reportMarkdown: string, extra: Partial<ReportArtifact> = {}): ReportArtifact => ({
    reportMarkdown,
    results: JSON.parse(RESULTS) as ResultsSummary,
    ...extra,
  });

  it("posts the report escaped: the sticky comment keeps only the App's state", () => {
    const body = reportMessage({
      artifact: artifact(attack),
      headSha: "a".repeat(40),
      runUrl: RUN,
      by: "alice",
      trigger: "c1",
    });
    expect(body).toContain("requested by @alice"); // the App's own text is not escaped
    const report = body.slice(body.indexOf("# Report"));
    expect(report).not.toMatch(LIVE_MENTION);
    expect(report).not.toMatch(/<(img|script)|<!--|!\[|\]\(https:\/\/evil/);
    expect(report).toContain("<details><summary>x</summary>ok</details>");
    const sticky = renderSticky(body, { last: { requestId: "r", sha: "a", at: "t", by: "alice" } });
    expect(parseStickyState(sticky)).toEqual({ last: { requestId: "r", sha: "a", at: "t", by: "alice" } });
  });

  it("keeps a huge report under the comment limit with a note pointing to the run's artifact", () => {
    const body = reportMessage({
      artifact: artifact(`# R\n\n${"| row | 🟢 +0.1% |\n".repeat(20_000)}`),
      headSha: "a".repeat(40),
      runUrl: RUN,
      by: "alice",
      trigger: "c1",
    });
    expect(body.length).toBeLessThan(COMMENT_LIMIT - 2048);
    expect(body).toMatch(/truncated; the full report is in the `sglbench-report` artifact of the \[workflow run\]\(/);
  });

  it("says why the check fails, in the title and the body", () => {
    const broken = artifact("# R", { results: null, problem: "results.json is missing" });
    expect(reportTitle(broken)).toBe("❌ results.json is missing");
    expect(reportMessage({ artifact: broken, headSha: "a".repeat(40), runUrl: RUN, by: "a", trigger: "c1" })).toContain(
      "> ❌ results.json is missing: the check fails.\n\n# R",
    );
    expect(reportTitle(artifact("r"))).toBe("🔴 1 regressed · ⚪ 3 unchanged");
  });
});

describe("readReportArchive", () => {
  it("reads report.md and results.json, stored or deflated, at the top or in pr<N>/", async () => {
    for (const method of [0, 8] as const) {
      const read = await readReportArchive(
        zipFiles({ "pr42/report.md": "# R\n🔴 1 regressed", "pr42/results.json": RESULTS, "other.txt": "x" }, method),
      );
      expect(read).toEqual({ reportMarkdown: "# R\n🔴 1 regressed", results: JSON.parse(RESULTS) });
    }
    const streamed = await readReportArchive(await zipBomb({ "report.md": "# S", "results.json": RESULTS }));
    expect(streamed.reportMarkdown).toBe("# S");
    expect(streamed.problem).toBeUndefined();
  });

  it("says what is missing or invalid, without quoting the file", async () => {
    const problem = async (files: Record<string, string>): Promise<string | undefined> =>
      (await readReportArchive(zipFiles(files))).problem;
    expect(await problem({ "report.md": "r" })).toBe("results.json is missing");
    expect(await problem({ "report.md": "r", "results.json": "{<!-- sglbench:x -->" })).toBe(
      "results.json is not valid JSON",
    );
    expect(await problem({ "report.md": "r", "results.json": "{}" })).toBe(
      "results.json does not match the expected schema (summary)",
    );
    expect(await problem({ "results.json": RESULTS, "a/b/report.md": "too deep" })).toBe("report.md is missing");
    expect(await problem({ "report.md": "r", "x/report.md": "r2", "results.json": RESULTS })).toMatch(
      /refused: the archive holds more than one report.md/,
    );
    expect((await readReportArchive(Buffer.from("not a zip at all, definitely not"))).problem).toBe(
      "The sglbench-report artifact was refused: it is not a readable ZIP archive (no entries)",
    );
  });

  it("refuses a zip bomb in report.md (200 MB of zeros in < 1 MB) with bounded memory", async () => {
    const bomb = await zipBomb({ "pr2/report.md": { zeros: 200 * 1024 * 1024 }, "pr2/results.json": RESULTS });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { result, peakGrowth } = await sampled(() => readReportArchive(bomb));
    expect(result).toEqual({
      reportMarkdown: "",
      results: null,
      problem: "The sglbench-report artifact was refused: report.md inflates to more than 1 MB",
    });
    expect(peakGrowth).toBeLessThan(48 * 1024 * 1024); // inflating it all would be 200 MB
  });

  it("never inflates an unrelated entry, even a bomb, and caps results.json", async () => {
    const bomb = await zipBomb({
      "pr2/logs/huge.bin": { zeros: 200 * 1024 * 1024 },
      "pr2/report.md": "# R",
      "pr2/results.json": RESULTS,
    });
    const { result, peakGrowth, turns } = await sampled(() => readReportArchive(bomb));
    expect(result).toEqual({ reportMarkdown: "# R", results: JSON.parse(RESULTS) });
    expect(peakGrowth).toBeLessThan(48 * 1024 * 1024);
    expect(turns).toBeGreaterThan(10); // the event loop ran between chunks of the archive

    const jsonBomb = await zipBomb({ "report.md": "# R", "results.json": { zeros: 20 * 1024 * 1024 } });
    expect((await readReportArchive(jsonBomb)).problem).toMatch(/results.json inflates to more than 8 MB/);
  });

  it("refuses an archive over the compressed cap", async () => {
    const zip = zipFiles({ "report.md": "r".repeat(5000), "results.json": RESULTS }, 0);
    const read = await readReportArchive(zip, { archiveBytes: 1024, reportBytes: 1 << 20, resultsBytes: 1 << 20 });
    expect(read.problem).toMatch(/refused: the archive is .* over the 0 MB cap/);
  });
});

describe("downloadReportArtifact", () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("refuses an artifact listed over the size cap without downloading it", async () => {
    const scope = nock("https://api.github.com")
      .get("/repos/o/r/actions/runs/7/artifacts")
      .query(true)
      .reply(200, {
        total_count: 1,
        artifacts: [{ id: 3, name: "sglbench-report", expired: false, size_in_bytes: 11 * 1024 * 1024 }],
      });
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      retry: { enabled: false },
      throttle: { enabled: false },
    });
    const read = await downloadReportArtifact(octokit, { owner: "o", repo: "r" }, 7);
    expect(scope.pendingMocks()).toEqual([]);
    expect(read?.problem).toBe("The sglbench-report artifact was refused: it is 11 MB, over the 10 MB cap");
    expect(read && artifactConclusion(read, "neutral")).toEqual({ conclusion: "failure", reason: read?.problem });
  });
});

describe("artifactConclusion", () => {
  const withSummary = (summary: Partial<ResultsSummary["summary"]>): ReportArtifact => ({
    reportMarkdown: "r",
    results: { summary: { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, failed: 0, ...summary } },
  });

  it("fails closed on a missing, invalid or unparseable results.json and a missing report.md", async () => {
    const cases: Record<string, string>[] = [
      { "report.md": "r" },
      { "report.md": "r", "results.json": "{" },
      { "report.md": "r", "results.json": '{"summary":{"regressed":"none"}}' },
      { "results.json": RESULTS },
    ];
    for (const files of cases) {
      const verdict = artifactConclusion(await readReportArchive(zipFiles(files)), "neutral");
      expect(verdict.conclusion).toBe("failure");
      expect(verdict.reason).toMatch(/results.json|report.md/);
    }
  });

  it("fails closed when every point failed or nothing was measured, whatever the policy", () => {
    for (const policy of ["fail-on-regression", "neutral", "fail-on-any-failure"] as const) {
      expect(artifactConclusion(withSummary({ failed: 5 }), policy)).toEqual({
        conclusion: "failure",
        reason: "every benchmark point failed (5 failed, none measured)",
      });
      expect(artifactConclusion(withSummary({}), policy)).toEqual({
        conclusion: "failure",
        reason: "nothing was measured",
      });
    }
  });

  it("keeps the gate policy for valid, judged results", () => {
    expect(artifactConclusion(withSummary({ regressed: 1, unchanged: 3 }), "fail-on-regression")).toEqual({
      conclusion: "failure",
    });
    expect(artifactConclusion(withSummary({ unchanged: 3, failed: 1 }), "fail-on-regression").conclusion).toBe(
      "neutral",
    );
    expect(artifactConclusion(withSummary({ unchanged: 3, failed: 1 }), "fail-on-any-failure").conclusion).toBe(
      "failure",
    );
    expect(artifactConclusion(withSummary({ improved: 2 }), "fail-on-regression").conclusion).toBe("success");
    expect(artifactConclusion(withSummary({ regressed: 2 }), "neutral").conclusion).toBe("neutral");
  });
});

/**
 * Run `work` while sampling ArrayBuffer memory (where inflated bytes live) on every turn of the
 * event loop: the peak growth over the start, and how many turns ran (0 = the loop was blocked).
 */
async function sampled<T>(work: () => Promise<T>): Promise<{ result: T; peakGrowth: number; turns: number }> {
  const start = process.memoryUsage().arrayBuffers;
  let peak = start;
  let turns = 0;
  let running = true;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    if (!running) return;
    turns++;
    setImmediate(sample);
  };
  setImmediate(sample);
  const result = await work();
  running = false;
  sample();
  return { result, peakGrowth: peak - start, turns };
}
