import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mergeComparisonFiles, runComparePr, type ComparisonFile } from "../../src/pipeline/compare-pr.js";
import { verdictComparer } from "../../src/pipeline/compare-pr-services.js";
import type { Comparison } from "../../src/core/verdict/index.js";
import { onlineRun } from "../helpers/online-run.js";
import { comparisonFile, FAKE_SUITE, fakeComparer, fakeRunner } from "../helpers/compare-pr-fakes.js";
import type { PlanRequest } from "../../src/core/plan/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "sglbench-cpr-"));
  roots.push(d);
  return d;
};

const SUITE = FAKE_SUITE;
const REQUEST: PlanRequest = {
  pr: 42,
  models: ["deepseek"],
  types: ["online"],
  repeats: 2,
  baseline: "nightly",
  mergeBaseCommit: "feedface0001",
  configHash: "default",
  hardware: "mi300x",
  backend: "aiter",
  maxBaselineAgeHours: 36,
  buildMinutes: 0,
  mainImageExists: true,
};
const NOW = new Date("2026-11-23T06:00:00Z");

function historyRun(e2e: number, commit = "feedface0001abcd"): RunResults {
  const run = emptyRun({
    kind: "online",
    suite: "deepseek-online",
    model: { name: "DeepSeek-V3-0324" },
    hardware: "mi300x",
    backend: "aiter",
    commit,
    finished_at: "2026-11-23T01:00:00Z",
    sources: ["history/nightly-run"],
  });
  for (const c of [1, 16])
    run.points.push({
      point: { concurrency: c },
      repeats: [1, 2, 3].map((index) => ({ index, metrics: { median_e2e_latency_ms: e2e } })),
    });
  return run;
}

const base = (overrides: Partial<Parameters<typeof runComparePr>[0]> = {}) => ({
  request: REQUEST,
  repo: "sgl-project/sglang",
  catalogue: [SUITE],
  images: { main: "img:main", pr: "img:pr", mainCommit: "feedface0001abcd" },
  outputDir: tmp(),
  history: [] as RunResults[],
  comparer: fakeComparer,
  now: () => NOW,
  ...overrides,
});

describe("runComparePr", () => {
  it("runs both sides interleaved when there is no baseline and writes the original tree + results.json", async () => {
    const fake = fakeRunner({ "img:pr": 1.05 });
    const result = await runComparePr({ ...base(), runSide: fake.runSide });
    expect(fake.calls.map((c) => `${c.side}:${c.repeats}:${c.skipGsm8k ? "" : "gsm8k"}`)).toEqual([
      "main:1:gsm8k",
      "pr:1:gsm8k",
      "pr:1:",
      "main:1:",
    ]);
    expect(result.dir).toMatch(/pr42_20261123_060000$/);
    expect(fake.calls[0]!.outputDir).toBe(join(result.dir, "main"));
    expect(fake.calls[3]!.outputDir).toBe(join(result.dir, "main", "block2"));
    expect(result.verdict).toBe("regressed");
    expect(result.counts.regressed).toBe(2);
    expect(result.exitCode).toBe(0);
    const report = readFileSync(result.reportPath, "utf8");
    // The original title, then the answer first; the original run details after it.
    expect(report).toMatch(/^# Performance Comparison Report\n\n🔴 2 regressed/);
    expect(report).toMatch(/\n## Summary\n[\s\S]*\*\*PR:\*\* #42\n/);
    expect(report).toContain("## Raw Results");
    expect(report).toContain("concurrency=1:1000->1050");
    // report.md (what the App posts) starts with the counts, then the titled verdict tables.
    expect(readFileSync(join(result.dir, "report.md"), "utf8")).toMatch(
      /^🔴 2 regressed\n\n## PR #42 vs merge base \w+: regressed\n/,
    );
    const results = JSON.parse(readFileSync(result.resultsPath, "utf8"));
    expect(results.verdict).toBe("regressed");
    expect(results.runs.main[0].points[0].repeats).toHaveLength(2); // two ABBA blocks merged
    expect(readFileSync(result.logPath, "utf8")).toMatch(
      /^Comparison started at: [\s\S]*PR: #42[\s\S]*Models: deepseek/,
    );
    expect(result.summaryLine).toMatch(/PR #42 vs merge base feedface0001: regressed — 🔴 2 regressed/);
  });

  it("reuses a fresh merge-base baseline after an anchor that reproduces it, running only the PR side", async () => {
    const fake = fakeRunner({});
    const history = [historyRun(1005)];
    const result = await runComparePr({ ...base({ history }), runSide: fake.runSide });
    expect(fake.calls[0]).toMatchObject({ side: "main", points: ["concurrency=16"], repeats: 1, skipGsm8k: true });
    expect(fake.calls[0]!.outputDir).toMatch(/main\/anchor$/);
    expect(fake.calls.slice(1).every((c) => c.side === "pr")).toBe(true);
    expect(result.mainSide[0]).toMatchObject({ action: "reuse", baselineSources: ["history/nightly-run"] });
    expect(result.verdict).toBe("unchanged");
    expect(readFileSync(result.reportPath, "utf8")).toMatch(
      /deepseek-online: nightly of the merge base reused \(anchor: /,
    );
    expect(readFileSync(result.reportPath, "utf8")).toContain("sglbench compare-pr --pr=42 ");
  });

  it("says in the cost that main ran in full where the plan had it reuse a baseline", async () => {
    const fake = fakeRunner({});
    const result = await runComparePr({
      ...base({ history: [historyRun(900)] }),
      comparer: verdictComparer,
      runSide: fake.runSide,
    });
    expect(result.reportMarkdown).toMatch(
      /deepseek-online: planned to reuse a baseline, but main ran in full \(anchor disagreed: .*\), which the estimate leaves out/,
    );
  });

  it("runs main in full when the anchor disagrees with the stored baseline", async () => {
    const fake = fakeRunner({});
    const result = await runComparePr({ ...base({ history: [historyRun(900)] }), runSide: fake.runSide });
    expect(result.mainSide[0]?.action).toBe("full");
    expect(result.mainSide[0]?.reason).toMatch(
      /anchor disagreed: median_e2e_latency_ms at concurrency=16 moved 11\.1 %/,
    );
    // The history shows no noise, so one repeat per side would do; the plan gave the PR a second
    // launch (the budget allowed it against the reused nightly), so main, run in full, gets one too:
    // anchor, then main, PR, PR, main.
    expect(fake.calls.map((c) => `${c.side}:${c.points.length}x${c.repeats}`)).toEqual([
      "main:1x1",
      "main:2x1",
      "pr:2x1",
      "pr:2x1",
      "main:2x1",
    ]);
    expect(result.verdict).toBe("unchanged"); // compared against the fresh main run, not the stale baseline
  });

  it("ignores a baseline of another commit", async () => {
    const fake = fakeRunner({});
    const result = await runComparePr({
      ...base({ history: [historyRun(1000, "0000000000000")] }),
      runSide: fake.runSide,
    });
    expect(result.mainSide[0]).toMatchObject({
      action: "full",
      reason: "no fresh baseline of the merge base in history",
    });
  });

  it("still writes the report when the PR side crashes, with failed cells and exit code 3", async () => {
    const fake = fakeRunner({}, { crash: "pr" });
    const result = await runComparePr({ ...base(), runSide: fake.runSide });
    expect(result.verdict).toBe("failed");
    expect(result.exitCode).toBe(3);
    expect(existsSync(result.reportPath)).toBe(true);
    const results = JSON.parse(readFileSync(result.resultsPath, "utf8"));
    expect(results.runs.pr[0].failures[0].message).toMatch(/pr side of deepseek-online did not run: server exited/);
    expect(readFileSync(result.logPath, "utf8")).toMatch(/FAILED deepseek-online pr block 1/);
  });

  it("exits 1 when neither side measured anything (both failed to launch), with the report written", async () => {
    const runSide = async () => {
      throw new Error("server exited with code 1 (launch)");
    };
    const result = await runComparePr({ ...base(), runSide });
    expect(result.verdict).toBe("failed");
    expect(result.exitCode).toBe(1);
    expect(existsSync(result.reportPath)).toBe(true);
  });
});

describe("mergeComparisonFiles", () => {
  it("compares the matrix jobs' runs together in one report and refuses to mix PRs", async () => {
    const fake = fakeRunner({ "img:pr": 1.05 });
    const a = await runComparePr({ ...base(), runSide: fake.runSide });
    const b = await runComparePr({ ...base(), runSide: fakeRunner({}).runSide });
    const read = (p: string) => JSON.parse(readFileSync(p, "utf8"));
    const dir = join(tmp(), "merged");
    const merged = mergeComparisonFiles([read(a.resultsPath), read(b.resultsPath)], fakeComparer, dir);
    const results = read(merged.resultsPath);
    expect(results.runs.main).toHaveLength(2);
    expect(results.main_side).toHaveLength(2);
    expect(merged.summaryLine).toMatch(/PR #42 .* regressed/);
    expect(readFileSync(join(dir, "comparison_report.md"), "utf8")).toContain("# Performance Comparison Report");
    expect(() =>
      mergeComparisonFiles([read(a.resultsPath), { ...read(b.resultsPath), pr: 7 }], fakeComparer, dir),
    ).toThrow(/different PRs: 42, 7/);
    expect(() => mergeComparisonFiles([], fakeComparer, dir)).toThrow(/Nothing to merge/);
  });
});

describe("the request's verdict settings", () => {
  it("reach the verdicts, results.json and the repro, and a merge judges by the jobs' settings", async () => {
    const seen: object[] = [];
    const recording: typeof fakeComparer = {
      ...fakeComparer,
      compare: (main, pr, options) => {
        seen.push(options);
        return fakeComparer.compare(main, pr, options);
      },
    };
    const strict = await runComparePr({
      ...base({ request: { ...REQUEST, minEffectPct: 5 }, falseDiscoveryRate: false }),
      comparer: recording,
      runSide: fakeRunner({ "img:pr": 1.05 }).runSide,
    });
    // Before, the plan and the anchor used the request's minimum effect but the verdicts the default 2 %.
    expect(seen[0]).toMatchObject({ minEffectPct: 5, falseDiscoveryRate: false });
    const read = (p: string) => JSON.parse(readFileSync(p, "utf8"));
    expect(read(strict.resultsPath).verdict_settings).toEqual({ minEffectPct: 5, falseDiscoveryRate: false });
    expect(readFileSync(join(strict.dir, "report.md"), "utf8")).toContain(
      "--baseline=nightly --performance-threshold 5 --false-discovery-rate off",
    );

    const plain = await runComparePr({ ...base(), comparer: recording, runSide: fakeRunner({}).runSide });
    expect(seen[1]).not.toHaveProperty("minEffectPct");
    expect(read(plain.resultsPath)).not.toHaveProperty("verdict_settings");

    const files = [read(strict.resultsPath), read(plain.resultsPath)];
    const dir = join(tmp(), "merged");
    expect(() => mergeComparisonFiles(files, recording, dir)).toThrow(
      /different verdict settings \(--performance-threshold 5 --false-discovery-rate off vs the defaults\)/,
    );
    const merged = mergeComparisonFiles(files, recording, dir, [], { minEffectPct: 3, falseDiscoveryRate: 0.05 });
    expect(seen.at(-1)).toMatchObject({ minEffectPct: 3, falseDiscoveryRate: 0.05 });
    expect(read(merged.resultsPath).verdict_settings).toEqual({ minEffectPct: 3, falseDiscoveryRate: 0.05 });
    mergeComparisonFiles([files[0], files[0]], recording, join(tmp(), "same"));
    expect(seen.at(-1)).toMatchObject({ minEffectPct: 5, falseDiscoveryRate: false });
  });
});

describe("merging matrix jobs judged with their own history", () => {
  const job = (suite: string, pr: number) => {
    const run = (tag: string, factor: number, date?: string) => ({
      ...onlineRun(tag, 1, (rate) => ({ median_e2e_latency_ms: 1000 * rate * factor })),
      suite,
      ...(date ? { date } : {}),
    });
    // The job's history: quiet nights of main, so a +15 % move is judged against learnt noise.
    const history = [1, 1.004, 0.997, 1.002, 0.999, 1.003].map((f, k) => run(`n${k}`, f, `2025110${k}`));
    const main = run("main", 1, "20251107");
    const prRun = run("pr", 1.15);
    return comparisonFile(pr, { main: [main], pr: [prRun] }, verdictComparer.compare([main], [prRun], { history }));
  };

  it("keeps each suite's verdicts from its job instead of judging again without the history", () => {
    const [a, b] = [job("grok-online", 42), job("other-online", 42)];
    const own = (f: ComparisonFile<unknown>) => (f.comparison as Comparison).summary.regressed;
    expect(own(a)).toBe(5);
    const merged = mergeComparisonFiles([a, b], verdictComparer, join(tmp(), "joined"));
    const results = JSON.parse(readFileSync(merged.resultsPath, "utf8"));
    expect(results.comparison.suites.map((s: { suite: string }) => s.suite)).toEqual(["grok-online", "other-online"]);
    expect(merged.counts.regressed).toBe(own(a) + own(b));
    // Each job learnt from its 6 nights and its main night (a nightly the history did not list).
    expect(results.comparison.settings.historyRuns).toBe(14);
    // Judged again from the runs alone (no history here), the same moves are not all 🔴.
    const again = mergeComparisonFiles([a, b], verdictComparer, join(tmp(), "again"), [], { minEffectPct: 2 });
    expect(again.counts.regressed).toBeLessThan(merged.counts.regressed);
  });

  it("judges again when a file's comparison is malformed or two jobs judged the same suite", () => {
    const a = job("grok-online", 42);
    const forged = { ...job("other-online", 42), comparison: { suites: [{ suite: "x", cells: "🔴" }] } };
    const merged = mergeComparisonFiles([a, forged], verdictComparer, join(tmp(), "forged"));
    expect(JSON.parse(readFileSync(merged.resultsPath, "utf8")).comparison.settings.historyRuns).toBe(0);
    const twice = mergeComparisonFiles([a, job("grok-online", 42)], verdictComparer, join(tmp(), "twice"));
    expect(JSON.parse(readFileSync(twice.resultsPath, "utf8")).comparison.settings.historyRuns).toBe(0);
  });
});

describe("--resume of a comparison a stop signal ended", () => {
  it("continues it (its report was written with steps cancelled), but refuses a finished one", async () => {
    const { prepareResume } = await import("../../src/pipeline/compare-pr.js");
    const { writeFileSync, mkdirSync } = await import("node:fs");
    const { emptyRun } = await import("../../src/core/results/index.js");
    const dir = mkdtempSync(join(tmpdir(), "sglbench-resume-"));
    mkdirSync(join(dir, "pr"), { recursive: true });
    writeFileSync(join(dir, "comparison.log"), "");
    writeFileSync(join(dir, "pr", "kept.txt"), "measured");
    const cancelled = emptyRun({ kind: "online", suite: "deepseek-online", model: { name: "DeepSeek-V3-0324" } });
    cancelled.failures.push({ kind: "cancelled", message: "pr side of deepseek-online did not run: SIGTERM" });
    writeFileSync(
      join(dir, "results.json"),
      JSON.stringify({ pr: 7, verdict: "failed", runs: { main: [], pr: [cancelled] } }),
    );
    expect(() => prepareResume(dir, 7, false)).not.toThrow();
    expect(existsSync(join(dir, "results.json"))).toBe(false);
    expect(existsSync(join(dir, "pr", "kept.txt"))).toBe(true);
    writeFileSync(
      join(dir, "results.json"),
      JSON.stringify({ pr: 7, verdict: "unchanged", runs: { main: [], pr: [] } }),
    );
    expect(() => prepareResume(dir, 7, false)).toThrow(/already finished/);
    rmSync(dir, { recursive: true, force: true });
  });
});
