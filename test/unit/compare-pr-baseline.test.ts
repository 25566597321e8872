import { describe, expect, it } from "@jest/globals";
import {
  checkAnchor,
  configHashOf,
  findBaselineRun,
  mergeBlocks,
  runCommit,
  sameCommit,
  scheduleSuite,
  timingsFromHistory,
  toHistoryRun,
} from "../../src/pipeline/baseline.js";
import { baselineNotes } from "../../src/pipeline/compare-pr.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";

const NOW = new Date("2026-11-23T06:00:00Z");

function onlineRun(e2e: number[], overrides: Partial<RunResults> = {}): RunResults {
  const run = emptyRun({
    kind: "online",
    suite: "deepseek-online",
    model: { name: "DeepSeek-V3-0324", variant: "FP8" },
    hardware: "mi300x",
    backend: "aiter",
    commit: "abcdef1234567890",
    finished_at: "2026-11-23T00:00:00Z",
    ...overrides,
  });
  run.points.push({
    point: { concurrency: 16 },
    repeats: e2e.map((v, i) => ({
      index: i + 1,
      metrics: { median_e2e_latency_ms: v, output_throughput: 1000, p99_ttft_ms: 100 * (i + 1) },
    })),
  });
  return run;
}

describe("baseline selection", () => {
  it("reads the commit from the run or an sglbench tag, and matches short against full SHAs", () => {
    expect(runCommit(onlineRun([1]))).toBe("abcdef1234567890");
    const tagged = onlineRun([1], { commit: undefined, image: { full: "x", tag: "main-0123abcd4567-rocm630" } });
    expect(runCommit(tagged)).toBe("0123abcd4567");
    expect(sameCommit("abcdef1", "abcdef1234567890")).toBe(true);
    expect(sameCommit("abc", "abcdef1234567890")).toBe(false);
    expect(sameCommit("abcdef2", "abcdef1234567890")).toBe(false);
  });

  it("picks the youngest fresh run of the merge base with the same set-up and no failed point", () => {
    const old = onlineRun([100, 100], { finished_at: "2026-11-20T00:00:00Z" });
    const young = onlineRun([101, 101], { finished_at: "2026-11-23T03:00:00Z" });
    const otherCommit = onlineRun([1, 1], { commit: "999999999999", finished_at: "2026-11-23T05:00:00Z" });
    const otherHw = onlineRun([1, 1], { hardware: "mi325x", finished_at: "2026-11-23T05:00:00Z" });
    const failed = onlineRun([1, 1], { finished_at: "2026-11-23T05:30:00Z" });
    failed.points[0]!.failure = { kind: "crash", message: "boom" };
    const criteria = {
      suite: "deepseek-online",
      mergeBaseCommit: "abcdef1",
      hardware: "mi300x",
      maxAgeHours: 36,
      now: NOW,
    };
    const history = [old, young, otherCommit, otherHw, failed];
    expect(findBaselineRun(history, criteria)).toBe(young);
    expect(findBaselineRun([old], criteria)).toBeUndefined();
    expect(findBaselineRun(history, { ...criteria, configHash: "other" })).toBeUndefined();
    expect(findBaselineRun(history, { ...criteria, configHash: configHashOf(young) })).toBe(young);
  });

  it("gives the planner age, setup and per-point noise", () => {
    const h = toHistoryRun(onlineRun([100, 102]), NOW);
    expect(h.ageHours).toBe(6);
    expect(h.imageCommit).toBe("abcdef1234567890");
    expect(Object.keys(h.noisePct ?? {})).toEqual(["concurrency=16"]);
  });
});

describe("timingsFromHistory", () => {
  it("derives minutes per repeat per point, startup and GSM8K, from the youngest run of each suite", () => {
    const old = onlineRun([1, 1, 1], { finished_at: "2026-11-20T00:00:00Z", timings: { server_startup: 600 } });
    const young = onlineRun([1, 1, 1], {
      timings: { server_startup: 120, gsm8k: 180, client_concurrency_16: 540 },
    });
    expect(timingsFromHistory([old, young], NOW)).toEqual({
      "deepseek-online": { startupMinutes: 2, gsm8kMinutes: 3, pointMinutes: { "concurrency=16": 3 } },
    });
  });

  it("takes each figure from the youngest run that has it: a GSM8K-only variant does not hide the points' timings", () => {
    const plain = onlineRun([1, 1, 1], {
      finished_at: "2026-11-20T00:00:00Z",
      timings: { server_startup: 600, gsm8k: 600, client_concurrency_16: 540 },
    });
    const gsm8kOnly = { ...onlineRun([1]), points: [], timings: { gsm8k: 120 } };
    expect(timingsFromHistory([plain, gsm8kOnly], NOW)).toEqual({
      "deepseek-online": { startupMinutes: 10, gsm8kMinutes: 2, pointMinutes: { "concurrency=16": 3 } },
    });
  });
});

describe("checkAnchor", () => {
  const baseline = onlineRun([100, 101, 99]);

  it("agrees when the anchor is within the minimum effect, ignoring tail metrics", () => {
    const anchor = onlineRun([101]);
    anchor.points[0]!.repeats[0]!.metrics.p99_ttft_ms = 5000; // tail moved a lot: not checked
    const check = checkAnchor(baseline, anchor);
    expect(check.agrees).toBe(true);
    expect(check.deltas.map((d) => d.metric).sort()).toEqual(["median_e2e_latency_ms", "output_throughput"]);
  });

  it("disagrees when a metric moved beyond tolerance, naming it", () => {
    const check = checkAnchor(baseline, onlineRun([110]));
    expect(check.agrees).toBe(false);
    expect(check.reason).toMatch(/median_e2e_latency_ms at concurrency=16 moved 10\.0 %/);
  });

  it("widens the tolerance to the baseline's own spread", () => {
    expect(checkAnchor(onlineRun([100, 110, 90]), onlineRun([110])).agrees).toBe(true);
  });

  it("disagrees when the anchor failed or shares nothing with the baseline", () => {
    const crashed = onlineRun([]);
    crashed.failures.push({ kind: "launch_failed", message: "server exited 1" });
    expect(checkAnchor(baseline, crashed).reason).toMatch(/anchor run failed \(launch_failed\)/);
    const elsewhere = onlineRun([100]);
    elsewhere.points[0]!.point = { concurrency: 64 };
    expect(checkAnchor(baseline, elsewhere).agrees).toBe(false);
  });
});

describe("scheduleSuite", () => {
  it("interleaves main, PR, PR, main per repeat group and runs GSM8K once per side", () => {
    const steps = scheduleSuite({ a: 3, b: 3, c: 1 }, true);
    expect(steps.map((s) => `${s.side}:${s.points.join("+")}x${s.repeats}${s.gsm8k ? "+gsm8k" : ""}`)).toEqual([
      "main:a+bx2+gsm8k",
      "pr:a+bx2+gsm8k",
      "pr:a+bx1",
      "main:a+bx1",
      "main:cx1",
      "pr:cx1",
    ]);
    expect(steps.filter((s) => s.side === "main").map((s) => s.block)).toEqual([1, 2, 3]);
  });

  it("runs only the PR side when the baseline is reused, in two launches when a point has ≥ 2 repeats", () => {
    expect(scheduleSuite({ a: 1, b: 3 }, false).map((s) => [s.side, s.points.join("+"), s.repeats, s.block])).toEqual([
      ["pr", "b", 2, 1],
      ["pr", "b", 1, 2],
      ["pr", "a", 1, 3],
    ]);
    expect(scheduleSuite({ a: 2 }, false).map((s) => s.repeats)).toEqual([1, 1]);
  });
});

describe("mergeBlocks", () => {
  it("concatenates repeats of the same point, renumbers them and keeps new points and failures", () => {
    const a = onlineRun([100, 101]);
    const b = onlineRun([102]);
    b.points.push({ point: { concurrency: 64 }, repeats: [], failure: { kind: "oom", message: "OOM" } });
    b.failures.push({ kind: "oom", message: "OOM" });
    const merged = mergeBlocks([a, b]);
    expect(merged.points[0]!.repeats.map((r) => [r.index, r.metrics.median_e2e_latency_ms])).toEqual([
      [1, 100],
      [2, 101],
      [3, 102],
    ]);
    expect(merged.points[1]!.failure?.kind).toBe("oom");
    expect(merged.failures).toHaveLength(1);
    expect(a.points[0]!.repeats).toHaveLength(2); // inputs untouched
  });
});

describe("baselineNotes", () => {
  it("names the earlier nightlies that joined a reused baseline as launches of main", () => {
    expect(
      baselineNotes([
        { suite: "grok-online", action: "reuse", reason: "agrees", companionNights: ["20251105", "20251104"] },
        { suite: "deepseek-online", action: "full", reason: "no fresh nightly" },
      ]),
    ).toEqual([
      "grok-online: nightly of the merge base reused (anchor: agrees), with the nightlies of 20251105, 20251104 from its regime as more launches of main",
      "deepseek-online: main ran in full (no fresh nightly)",
    ]);
  });
});
