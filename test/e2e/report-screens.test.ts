/**
 * The PR comment as a reader sees it: built from real nightlies, wrapped by the App, rendered as
 * GitHub renders markdown (GFM, via marked) and screenshotted in Chromium. The answer must be on the
 * first screen, in the same words as `compare` and `changes`.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { marked } from "marked";
import { reportMessage } from "../../src/app/messages.js";
import { formatChanges } from "../../src/cli/commands/changes.js";
import { compareRuns, type Comparison } from "../../src/core/verdict/index.js";
import type { SeriesChange } from "../../src/core/trends/index.js";
import { planRequest, DEFAULT_PLAN_SUITES } from "../../src/core/plan/index.js";
import { changeHeadline, changePhrase, renderReportText } from "../../src/core/report/index.js";
import { groupRegressions, issueBody } from "../../src/github/issues.js";
import { indexHtml } from "../../src/plots/dashboard-html.js";
import type { RunResults } from "../../src/core/results/index.js";
import { writeComparisonFiles } from "../../src/pipeline/compare-pr.js";
import { verdictComparer } from "../../src/pipeline/compare-pr-services.js";
import { demoCostNotes } from "../../src/pipeline/demo.js";
import { ingestPaths } from "../../src/store/ingest.js";

// Chromium and large real comparisons: seconds each, more on a busy machine.
jest.setTimeout(60_000);

const REAL = join(import.meta.dirname, "..", "fixtures", "real");
const DS = join(REAL, "online_benchmark_log", "mi30x", "DeepSeek-V3-0324");
const dsDay = (d: string, post = "post1"): string =>
  join(DS, `v0.5.3.${post}-rocm630-mi30x-${d}_DeepSeek-V3-0324_FP8_online`);
const CRON = join(REAL, "cron_log", "mi30x");
const CHROMIUM = "/usr/bin/chromium";

async function load(...paths: string[]): Promise<RunResults[]> {
  return (await ingestPaths(paths)).runs;
}

/** A build that decodes `factor` slower, as the demo's PR image: inter-token times (and what they add up to) scale. */
function decodeSlower(runs: RunResults[], factor: number): RunResults[] {
  const copy = structuredClone(runs);
  for (const r of copy)
    for (const p of r.points)
      for (const rep of p.repeats)
        for (const k of Object.keys(rep.metrics)) if (/itl|tpot/.test(k)) rep.metrics[k] = rep.metrics[k]! * factor;
  return copy;
}

/** Wraps a report.md as the App posts it (sticky comment / check summary). */
function comment(reportMarkdown: string, c: Comparison): string {
  return reportMessage({
    artifact: { reportMarkdown, results: { summary: c.summary } as never },
    headSha: "5ca1ab1e0000000000000000000000000000beef",
    runUrl: "https://github.com/acme/sglang/actions/runs/1",
    by: "alice",
    trigger: "comment",
  });
}

/** report.md as compare-pr writes it, with the plan's cost and the demo's explanation when asked. */
function prReport(c: Comparison, pr: number, withDemoNotes: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "sglbench-screens-"));
  const plan = planRequest(
    {
      pr,
      models: ["deepseek", "grok"],
      types: ["online"],
      repeats: 3,
      baseline: "rerun",
      mergeBaseCommit: "dem0",
      configHash: "default",
      hardware: "mi300x",
      backend: "",
      maxBaselineAgeHours: 36,
      buildMinutes: 0,
      mainImageExists: true,
    },
    [],
    { catalogue: DEFAULT_PLAN_SUITES },
  );
  writeComparisonFiles(dir, verdictComparer, c, {
    pr,
    repo: "sgl-project/sglang",
    images: { main: "sglbench-sim:main", pr: "sglbench-sim:pr", mainCommit: "dem0000000000000" },
    startedAt: "2025-10-16T00:00:00Z",
    finishedAt: "2025-10-16T03:00:00Z",
    plan,
    mainSide: c.suites.map((s) => ({ suite: s.suite, action: "full" as const, reason: "baseline=rerun requested" })),
    runs: { main: [], pr: [] },
    repro: [`sglbench compare-pr --pr=${pr} --models=deepseek,grok --types=online --repeats=3 --baseline=rerun`],
    ...(withDemoNotes ? { costNotes: demoCostNotes(plan) } : {}),
  });
  return readFileSync(join(dir, "report.md"), "utf8");
}

/** Lines of markdown before the first fold (`<details>`): what shows without opening anything. */
const beforeFold = (md: string): number => md.split("\n").findIndex((l) => l.startsWith("<details"));

let demo: { c: Comparison; md: string; comment: string };
let large: { c: Comparison; md: string; comment: string };

beforeAll(async () => {
  // The demo: DeepSeek online, the PR decoding ~5.8 % slower; noise learnt from the other nights.
  const base = await load(dsDay("20251014"));
  const history = await load(dsDay("20251013"), dsDay("20251015"), dsDay("20251016", "post2"));
  const cd = compareRuns(base, decodeSlower(await load(dsDay("20251014")), 1.058), { history });
  const dmd = prReport(cd, 1, true);
  demo = { c: cd, md: dmd, comment: comment(dmd, cd) };

  // A large multi-suite request: two nightlies of both models (cron logs) plus GROK2, the PR
  // decoding slower, and one suite whose PR side crashed before any point (an injected crash).
  const nightA = await load(join(CRON, "20251015"), join(REAL, "online", "GROK2"));
  const nightB = decodeSlower(await load(join(CRON, "20251017"), join(REAL, "online", "GROK2")), 1.06);
  const crashed = nightB.find((r) => r.model.name === "GROK2")!;
  crashed.points = [];
  crashed.gsm8k = undefined;
  crashed.failures = [{ kind: "crash", message: "server exited with code 137 (killed: out of memory)" }];
  const cl = compareRuns(nightA, nightB, { history: await load(join(CRON, "20251014"), join(CRON, "20251016")) });
  const lmd = prReport(cl, 123, false);
  large = { c: cl, md: lmd, comment: comment(lmd, cl) };
});

describe.each([
  ["demo", () => demo],
  ["large multi-suite", () => large],
])("the %s comment", (_name, get) => {
  it("opens with the headline (verdict, metric, % and direction) within 5 lines, answer before the first fold", () => {
    const { comment: body, md } = get();
    const head = body.split("\n").slice(0, 5);
    // Words a reader uses: the model's name and the phase, then the metric, the point and the suite.
    expect(
      head.some((l) =>
        /^### 🔴 Merging #\d+ makes (DeepSeek-V3|Grok-1|Grok-2) (decode|prefill|end-to-end) \d+\.\d % slower: [A-Z][\w ]+, (concurrency|rate) \d+ · [a-z0-9-]+(; (decode|prefill|end-to-end) tail [\d.]+(×| %) slower: [A-Z][\w ]+, (concurrency|rate) \d+)?( \(and \d+ more regressions?\))?$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(head.join("\n")).not.toMatch(/makes (GROK|DeepSeek-V3-0324)/);
    expect(beforeFold(body)).toBeGreaterThan(0);
    expect(beforeFold(body)).toBeLessThanOrEqual(25);
    expect(body.length).toBeLessThan(65_536);
    // The counts once, the images once per side.
    expect(body.match(/ regressed · /g)).toHaveLength(1);
    expect(md.match(/^\*\*Main:\*\*/gm)).toHaveLength(1);
  });

  it("shows no 🟢 when the PR is only slower", () => {
    const { comment: body, c } = get();
    const improvements = c.cells.filter((x) => x.verdict === "improved");
    if (improvements.every((x) => x.direction === "slower" || x.direction === "lower")) return;
    expect(improvements.every((x) => x.direction === "faster" || x.direction === "higher")).toBe(true);
    expect(body).not.toMatch(/🟢 \*\*\+[\d.]+ % slower/);
  });
});

describe("the demo comment", () => {
  it("has no 🟢 at all (its PR is only slower) and explains its own cost next to the default request's", () => {
    expect(demo.c.summary.improved).toBe(0);
    expect(demo.comment).not.toContain("🟢 **");
    expect(demo.md).toMatch(/\*\*Cost:\*\* ~\d+ GPU-minutes; the original scripts' double run: \d+ \(\d+ %\)\./);
    expect(demo.md).toMatch(/main runs in full/);
    expect(demo.md).toMatch(
      /default request \(both models, both types\) with a fresh nightly .*\(48 %, as in the README\)/,
    );
    expect(demo.md).toContain("sglbench compare-pr --pr=1 ");
    expect(demo.md).toMatch(/\*\*Baseline:\*\* deepseek-online: main ran in full \(baseline=rerun requested\)/);
  });

  it("says the same change in the same words and sign in the PR report, `compare`, `changes`, the nightly issue and the dashboard", () => {
    const cell = demo.c.cells.find((x) => x.verdict === "regressed" && x.metric === "median_itl_ms")!;
    const phrase = /\+\d+\.\d % slower/.exec(
      demo.md
        .split("\n")
        .find(
          (l) => l.includes(`| ${cell.metric === "median_itl_ms" ? "Median ITL (ms)" : ""} |`) && l.startsWith("| 🔴"),
        )!,
    )![0];
    expect(renderReportText(demo.c)).toContain(phrase);
    const change = {
      series: "s",
      hardware: "mi30x",
      model: cell.model,
      suite: cell.suite,
      point: "concurrency=16",
      metric: cell.metric,
      label: "Median ITL",
      unit: "ms",
      date: "20251016",
      previous_date: "20251015",
      tag_before: "a",
      tag_after: "b",
      before: 1,
      after: 1 + cell.change_pct! / 100,
      change_pct: cell.change_pct!,
      direction: "slower",
      strength: 9,
      p: 1e-9,
      kind: "regression",
      current: true,
      around: [],
    } satisfies SeriesChange;
    expect(formatChanges([change], 1, 2)).toContain(`+${cell.change_pct!.toFixed(1)} % slower`);
    expect(cell.direction).toBe("slower");
    // The same change on the nightly surfaces: the issue's table and headline, the dashboard's table and list.
    const said = changePhrase(cell.metric, cell.change_pct!);
    expect(demo.md).toContain(`| ${said} |`);
    expect(renderReportText(demo.c)).toContain(said);
    const body = issueBody(groupRegressions([change])[0]!);
    expect(body).toContain(`| ${said} |`);
    const lead = changeHeadline({ ...change, point: "concurrency 16", since: change.date });
    expect(body.split("\n")[1]).toBe(`### 🔴 ${lead}`);
    expect(lead).toMatch(
      /^DeepSeek-V3 decode \d+\.\d % slower since 2025-10-16: Median ITL, concurrency 16 · deepseek-online$/,
    );
    const dashboard = indexHtml({
      generatedAt: "now",
      dataDir: "d",
      pages: [
        {
          hardware: "mi30x",
          model: cell.model,
          path: "p.html",
          runs: [],
          suites: [{ data: { changes: [change] } as never, charts: [] }],
        },
      ],
      nightlies: [],
      skipped: [],
    });
    // The change table names the metric and point before the change, in the same words.
    expect(dashboard).toContain(`: ${said}</td>`);
    expect(dashboard).toContain(`<li class="regression">${lead}</li>`);
  });
});

describe("both sides crashed", () => {
  it("is ❌ failed with both causes (never ⚪ or ❌ 0), on the headline and in the text", () => {
    const crash = (message: string): RunResults[] => [
      {
        schema_version: 1,
        kind: "online",
        suite: "deepseek-online",
        model: { name: "DeepSeek-V3-0324", variant: "FP8" },
        points: [],
        kv_cache: { num_tokens: 1000 },
        failures: [{ kind: "never_ready", message }],
        diagnostics: [],
        sources: [],
      },
    ];
    const c = compareRuns(crash("server never became ready (main)"), crash("server never became ready (PR)"));
    expect(c.summary.failed).toBe(1);
    expect(c.cells.every((x) => x.verdict === "failed")).toBe(true);
    const md = prReport(c, 7, false);
    expect(md.split("\n")[0]).toMatch(
      /^### ❌ Merging #7 could not be measured: DeepSeek-V3-0324_FP8 · deepseek-online — no benchmark point ran — main: never_ready: server never became ready \(main\); PR: never_ready: .*\(PR\)$/,
    );
    expect(md).not.toMatch(/⚪ [1-9]/);
    expect(renderReportText(c).split("\n")[0]).toMatch(/^❌ The comparison failed: /);
  });
});

describe("the large comment", () => {
  it("shows the injected crash with its cause as ❌, never ⚪, in markdown and text", () => {
    expect(large.md).toMatch(/^- ❌ GROK2_FP8 · grok-online · 5 points: PR: crash: server exited with code 137/m);
    expect(large.md).not.toMatch(/<summary>⚪ \d+ GROK2/);
    expect(renderReportText(large.c)).toMatch(/❌ failed +GROK2_FP8 · .* PR: crash: server exited with code 137/);
  });
});

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report screenshot test skipped: ${CHROMIUM} not installed`);

(hasChromium ? describe : describe.skip)("the comments rendered as GitHub does, in headless Chromium", () => {
  let browser: import("playwright-core").Browser;
  const out = mkdtempSync(join(tmpdir(), "sglbench-report-shots-"));
  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ["demo", () => demo],
    ["large", () => large],
  ])(
    "puts the %s comment's headline in the top viewport",
    async (name, get) => {
      // GitHub's comment column is ~780 px wide; a laptop shows ~700 px of it under the PR header.
      const html = `<!doctype html><meta charset="utf-8"><style>body{font:14px/1.5 -apple-system,"Segoe UI",sans-serif;max-width:780px;margin:16px}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 6px}</style>${await marked.parse(get().comment, { gfm: true })}`;
      const file = join(out, `${name}.html`);
      writeFileSync(file, html);
      const page = await browser.newPage({ viewport: { width: 820, height: 700 } });
      try {
        await page.goto(`file://${file}`);
        const h = page.locator("h3").first();
        await expect(h.textContent()).resolves.toMatch(/Merging #\d+ makes .* % slower/);
        const box = (await h.boundingBox())!;
        expect(box.y + box.height).toBeLessThan(700);
        // The first fold starts on the first screen's reach: the answer is above it.
        const fold = (await page.locator("details").first().boundingBox())!;
        expect(fold.y).toBeGreaterThan(box.y);
        await page.screenshot({ path: join(out, `${name}.png`) });
        expect(existsSync(join(out, `${name}.png`))).toBe(true);
      } finally {
        await page.close();
      }
    },
    60_000,
  );
});
