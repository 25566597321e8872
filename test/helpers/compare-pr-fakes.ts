/** Fakes for compare-pr tests: a runner that fabricates runs and a verdict step with a 2 % rule. */
import { join } from "node:path";
import type { PlanSuite } from "../../src/core/plan/index.js";
import { emptyRun, pointKey, type RunResults } from "../../src/core/results/index.js";
import { countsText } from "../../src/core/report/index.js";
import {
  type Comparer,
  type ComparisonCounts,
  type ComparisonFile,
  type SideRunRequest,
} from "../../src/pipeline/compare-pr.js";
import type { ComparePrJobInput } from "../../src/pipeline/compare-pr-job.js";

export const FAKE_SUITE: PlanSuite = {
  id: "deepseek-online",
  model: "deepseek",
  kind: "online",
  gpus: 8,
  startupMinutes: 1,
  startupPerRun: false,
  gsm8kMinutes: 1,
  points: [
    { key: "concurrency=1", point: { concurrency: 1 }, minutes: 5 },
    { key: "concurrency=16", point: { concurrency: 16 }, minutes: 1 },
  ],
  seedRepeats: 3,
};

/** Runner: e2e latency 1000 ms × the image's slowdown, for the asked points and repeats. */
export function fakeRunner(slowdown: Record<string, number>, opts: { crash?: "pr" | "main" } = {}) {
  const calls: SideRunRequest[] = [];
  const runSide = async (req: SideRunRequest) => {
    calls.push(req);
    if (opts.crash === req.side) throw new Error("server exited with code 1 (launch)");
    const run = emptyRun({
      kind: "online",
      suite: req.suite,
      model: { name: "DeepSeek-V3-0324" },
      hardware: "mi300x",
      backend: "aiter",
      image: { full: req.image, tag: req.image },
    });
    const keys = req.points.length ? req.points : FAKE_SUITE.points.map((p) => p.key);
    for (const key of keys) {
      run.points.push({
        point: { concurrency: Number(key.split("=")[1]) },
        repeats: Array.from({ length: req.repeats }, (_, i) => ({
          index: i + 1,
          metrics: { median_e2e_latency_ms: 1000 * (slowdown[req.image] ?? 1) },
        })),
      });
    }
    return { run, folder: join(req.outputDir, "run"), exitCode: 0 as const };
  };
  return { calls, runSide };
}

export type FakeComparison = { summary: ComparisonCounts; cells: string[] };

/** Verdicts: a point regressed when the PR's mean e2e is > 2 % above main's. */
export const fakeComparer: Comparer<FakeComparison> = {
  compare(main, pr) {
    const summary = { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, failed: 0 };
    const cells: string[] = [];
    const mean = (run: RunResults | undefined, key: string) => {
      const xs =
        run?.points.find((p) => pointKey(p.point) === key)?.repeats.map((r) => r.metrics.median_e2e_latency_ms!) ?? [];
      return xs.length ? xs.reduce((a, b) => a + b) / xs.length : undefined;
    };
    for (const p of FAKE_SUITE.points) {
      const [m, c] = [mean(main[0], p.key), mean(pr[0], p.key)];
      if (m === undefined || c === undefined || (pr[0]?.failures.length ?? 0) > 0) summary.failed++;
      else if (c > m * 1.02) summary.regressed++;
      else summary.unchanged++;
      cells.push(`${p.key}:${m}->${c}`);
    }
    return { summary, cells };
  },
  // Like the real renderer, the footer says the baseline used and why, and how to reproduce.
  render: (c, options) =>
    `${countsText(c.summary)}\n\n## ${options?.title ?? "Results"}\n\n${c.cells.join("\n")}\n\n${[...(options?.baseline ?? []), ...(options?.repro ?? [])].join("\n")}\n`,
};

/** A matrix job's results.json for PR `pr` with these runs and comparison (merge tests). */
export function comparisonFile(
  pr: number,
  runs: { main: RunResults[]; pr: RunResults[] },
  comparison: unknown = {},
): ComparisonFile<unknown> {
  return {
    kind: "sglbench-compare-pr",
    version: 1,
    pr,
    repo: "sgl-project/sglang",
    merge_base: "0123456789abcdef",
    images: { main: "main:1", pr: "pr:1", mainCommit: "0123456789abcdef" },
    started_at: "2025-03-01T00:00:00Z",
    finished_at: "2025-03-01T01:00:00Z",
    verdict: "unchanged",
    summary: { regressed: 0, improved: 0, unchanged: 0, inconclusive: 0, failed: 0 },
    main_side: [],
    runs,
    comparison,
  };
}

/**
 * A local compare-pr request of PR #42 of DeepSeek online on given images (no build) in `dir`
 * (`<dir>/comparison_results`): the jobs' tests change what they test through `over`.
 */
export function localJobInput(
  dir: string,
  mergeBase: string,
  over: Partial<ComparePrJobInput> = {},
): ComparePrJobInput {
  return {
    pr: 42,
    repo: "sgl-project/sglang",
    models: ["deepseek"],
    types: ["online"],
    repeats: 2,
    baseline: "nightly",
    mainImage: `sglbench-sim:main-${mergeBase.slice(0, 12)}`,
    prImage: "sglbench-sim:pr-42-feed",
    skipBuild: true,
    baseImage: "unused",
    workDir: dir,
    outputDir: join(dir, "comparison_results"),
    local: true,
    baseSha: mergeBase,
    headSha: "feed000000000000000000000000000000000042",
    ...over,
  };
}
