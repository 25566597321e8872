/**
 * `sglbench plan` must say what compare-pr will run: the launches and measured rates of each point
 * group (points with different repeat counts run in different blocks), the rates only where they were
 * measured (online suites), and where the repeat counts came from in words a newcomer can read.
 */
import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT } from "../../src/cli/io.js";
import {
  COST_SHARE_GOAL,
  DEFAULT_PLAN_SUITES,
  planRequest,
  renderPlan,
  scheduleSuite,
  type HistoryRun,
  type PlanRequest,
  type SuitePlan,
} from "../../src/core/plan/index.js";
import { run as planCommand } from "../../src/cli/commands/plan.js";
import { captureIO } from "../helpers/capture-io.js";

const request: PlanRequest = {
  pr: 1,
  models: ["deepseek"],
  types: ["online"],
  repeats: 3,
  baseline: "nightly",
  mergeBaseCommit: "abc1234",
  configHash: "cfg",
  hardware: "mi300x",
  backend: "rocm",
  maxBaselineAgeHours: 36,
  buildMinutes: 0,
  mainImageExists: false,
};
const C1 = "input_len=3200,output_len=800,concurrency=1";
const C16 = "input_len=3200,output_len=800,concurrency=16";
const noisyHistory: HistoryRun = {
  suiteId: "deepseek-online",
  imageCommit: "older00",
  configHash: "cfg",
  hardware: "mi300x",
  backend: "rocm",
  ageHours: 50,
  noisePct: { [C1]: 0.1 }, // steady: one repeat; the other points have no figure: 3 repeats
};
const freshNightly = (suiteId: string): HistoryRun => ({
  suiteId,
  imageCommit: "abc1234",
  configHash: "cfg",
  hardware: "mi300x",
  backend: "rocm",
  ageHours: 6,
});

/** Launches per point on each side, counted from the very blocks compare-pr runs (scheduleSuite). */
function scheduledLaunches(s: SuitePlan): Record<string, { main: number; pr: number }> {
  const steps = scheduleSuite(s.repeats, s.main.action === "full");
  return Object.fromEntries(
    Object.keys(s.repeats).map((key) => {
      const count = (side: "main" | "pr") => steps.filter((x) => x.side === side && x.points.includes(key)).length;
      return [key, { main: s.main.action === "full" ? count("main") : 1, pr: count("pr") }];
    }),
  );
}

/** The lines of one suite's block in the rendered plan. */
function suiteBlock(text: string, suiteId: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith(suiteId));
  const end = lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

describe("plan: launches per point group (defect 1)", () => {
  it("gives each group of points the launches its own blocks get, and their real order", () => {
    const plan = planRequest(request, [noisyHistory]);
    const ds = plan.suites[0]!;
    // Cut to one repeat by its low noise, concurrency 1 gets a second one in a second launch of each
    // side (main, PR, PR, main) while the plan stays within the original's double run: one launch a
    // side is 1.0 % A/A and 76 % of ×1.10 caught on the real nightlies, two are 0.2 % and 98 %.
    expect(ds.repeats[C1]).toBe(2);
    expect(ds.repeats[C16]).toBe(3);
    expect(plan.gpuMinutes).toBeLessThanOrEqual(plan.seedGpuMinutes);
    // Each layout lists the points whose blocks give them that many launches.
    const actual = scheduledLaunches(ds);
    for (const layout of ds.layouts)
      for (const key of layout.points) expect(actual[key]).toEqual({ main: layout.main, pr: layout.pr });
    expect(ds.layouts.map((l) => [l.main, l.pr, l.points.length])).toEqual([[2, 2, 5]]);
    const text = renderPlan(plan, request);
    expect(text).toMatch(/2 \+ 2 launches \(interleaved\) on the real online nightlies: 0\.2 %/);
    // The order is the suite's own blocks, not a fixed main, pr, pr, main.
    expect(text).not.toContain("order: main, pr, pr, main");
    expect(text).toContain(
      "order: main ×2, PR ×2, PR ×1, main ×1 (4 points); main ×1, PR ×1, PR ×1, main ×1 (1 point)",
    );
  });

  it("leaves a one-repeat point at one launch a side when a second would pass the original's double run", () => {
    const plan = planRequest({ ...request, repeats: 20 }, [noisyHistory]);
    const ds = plan.suites[0]!;
    expect(ds.repeats[C1]).toBe(1);
    expect(ds.layouts.map((l) => [l.main, l.pr, l.points.length])).toEqual([
      [2, 2, 4],
      [1, 1, 1],
    ]);
    const text = renderPlan(plan, request);
    expect(text).toContain("launches per side: main 2, PR 2 for 4 points; main 1, PR 1 for 1 point (");
    expect(text).toMatch(/1 point: 1 \+ 1 launches \(one a side\) on the real online nightlies: 1\.0 %/);
  });

  it("keeps the one-line form when every point gets the same launches", () => {
    const plan = planRequest({ ...request, models: ["grok"] }, []);
    expect(plan.suites[0]!.layouts).toHaveLength(1);
    const text = renderPlan(plan, request);
    expect(text).toContain("launches per side: main 2, PR 2 — between-launch noise");
    expect(text).toContain("order: main ×2, PR ×2, PR ×1, main ×1 — each block a server launch");
  });

  it("CLI on the real nightlies: the printed launches match the printed order", async () => {
    const io = captureIO("/");
    const history = join(import.meta.dirname, "..", "fixtures", "real", "online_benchmark_log");
    expect(await planCommand(["--pr=123", "--models=deepseek", "--types=online", `--history-dir=${history}`], io)).toBe(
      0,
    );
    const text = io.out.join("");
    // 1+1+3+1+1 repeats: concurrency 16 runs main, PR, PR, main; the four steady points get a second
    // repeat each, so they too run main, PR, PR, main (the plan stays within the original's double run).
    expect(text).toContain("launches per side: main 2, PR 2 — between-launch noise");
    expect(text).toContain(
      "order: main ×2, PR ×2, PR ×1, main ×1 (1 point); main ×1, PR ×1, PR ×1, main ×1 (4 points)",
    );
    expect(text).not.toContain("order: main, pr, pr, main");
  });
});

describe("plan: a fresh nightly baseline (defect 2)", () => {
  it("gives every point of the default request 2 PR launches within half the original's cost, as compare-pr schedules them", () => {
    // Every suite of the default request, typical noise: a point whose noise nothing tells runs one
    // repeat in each of 2 PR launches (not a full run's 3), which leaves the budget room for the
    // 1-repeat DeepSeek points' second launches.
    const req: PlanRequest = {
      ...request,
      models: ["grok", "deepseek"],
      types: ["offline", "online"],
      mainImageExists: true,
    };
    const plan = planRequest(
      req,
      DEFAULT_PLAN_SUITES.map((s) => freshNightly(s.id)),
      { assumeTypicalNoise: true },
    );
    expect(plan.gpuMinutes / plan.seedGpuMinutes).toBeLessThanOrEqual(COST_SHARE_GOAL);
    for (const suite of plan.suites) expect(suite.layouts.map((l) => [l.main, l.pr])).toEqual([[1, 2]]);
    const grok = plan.suites.find((x) => x.suiteId === "grok-online")!;
    expect(Object.values(grok.repeats)).toEqual([2, 2, 2, 2, 2]);
    const ds = plan.suites.find((x) => x.suiteId === "deepseek-online")!;
    const actual = scheduledLaunches(ds);
    for (const layout of ds.layouts)
      for (const key of layout.points) expect(actual[key]).toEqual({ main: layout.main, pr: layout.pr });
    // Concurrency 16's repeat noise (5.9 %) still asks 3 repeats: 2 + 1 in its two launches.
    expect(ds.repeats[C16]).toBe(3);
    const text = renderPlan(plan, req);
    expect(text).toContain("one repeat in each of 2 PR launches, not a full run's 3");
    expect(text).toMatch(/3 \+ 2 launches \(main's before the PR's\) .*% of ×1\.10 caught/);
    // 3 launches of main only when both earlier nightlies of its regime are found: the fallback is shown.
    expect(text).toMatch(/nightly alone, 1 \+ 2: /);
    // More repeats than the default asked: kept as asked.
    const five = planRequest(
      { ...req, repeats: 5 },
      DEFAULT_PLAN_SUITES.map((s) => freshNightly(s.id)),
      {
        assumeTypicalNoise: true,
      },
    );
    expect(Object.values(five.suites.find((x) => x.suiteId === "grok-online")!.repeats)).toEqual([5, 5, 5, 5, 5]);
  });

  it("says which points the PR runs in 2 launches (3 + 2) and which in 1 (3 + 1) when the budget buys only some", () => {
    // Server starts made dear (3 h each): a second launch for the 1-repeat points no longer fits in
    // half the original's cost; concurrency 16 (3 repeats by its noise) keeps its two.
    const req: PlanRequest = { ...request, mainImageExists: true };
    const timings = { "deepseek-online": { startupMinutes: 180 } };
    const plan = planRequest(req, [freshNightly("deepseek-online")], { assumeTypicalNoise: true, timings });
    const ds = plan.suites[0]!;
    expect(ds.layouts.map((l) => [l.main, l.pr])).toEqual([
      [1, 2],
      [1, 1],
    ]);
    expect(ds.layouts[0]!.points).toEqual([C16]);
    const text = renderPlan(plan, req);
    expect(text).toMatch(/PR 2 for 1 point; PR 1 for 4 points/);
    expect(text).toMatch(/: 3 \+ 1 launches \(main's before the PR's\) .*% of ×1\.10 caught/);
  });

  it("gives every 1-repeat online point a second PR launch while the request stays within half the original's cost", () => {
    const req = { ...request, mainImageExists: true };
    const plan = planRequest(req, [freshNightly("deepseek-online")], { assumeTypicalNoise: true });
    const ds = plan.suites[0]!;
    expect(ds.layouts.map((l) => [l.main, l.pr, l.points.length])).toEqual([[1, 2, 5]]);
    expect(plan.gpuMinutes / plan.seedGpuMinutes).toBeLessThanOrEqual(COST_SHARE_GOAL);
    // --repeats=1 asks for one launch: nothing is added.
    const one = planRequest({ ...req, repeats: 1 }, [freshNightly("deepseek-online")], { assumeTypicalNoise: true });
    expect(one.suites[0]!.layouts.map((l) => [l.main, l.pr])).toEqual([[1, 1]]);
  });

  it("CLI --fresh-baseline: deepseek-online is not summed up as PR 1 for every point", async () => {
    const io = captureIO("/");
    expect(await planCommand(["--pr=123", "--fresh-baseline"], io)).toBe(0);
    const text = io.out.join("");
    expect(text).not.toMatch(/PR 1 — between-launch/);
    expect(suiteBlock(text, "deepseek-online")).toMatch(
      /launches per side: main 1 \(\+ up to 2 earlier nightlies of its regime\), PR 2 — /,
    );
  });
});

describe("plan: offline suites (defect 3)", () => {
  it("does not show the online nightlies' rates for an offline suite", () => {
    const req = { ...request, types: ["offline", "online"] as Array<"offline" | "online"> };
    const text = renderPlan(planRequest(req, []), req);
    const offline = suiteBlock(text, "deepseek-offline");
    expect(offline).not.toContain("on the real online nightlies");
    expect(offline).toContain("no measured rate for offline suites");
    expect(suiteBlock(text, "deepseek-online")).toContain("on the real online nightlies");
  });
});

describe("plan: where the repeat counts come from (defect 4)", () => {
  it("says what typical noise is instead of `noise from typical`", async () => {
    const io = captureIO("/");
    expect(await planCommand(["--pr=1", "--models=deepseek", "--types=online", "--fresh-baseline"], io)).toBe(0);
    const text = io.out.join("");
    expect(text).not.toContain("noise from typical");
    expect(text).toContain("repeats from typical noise: the built-in prior learnt from real MI300X nightlies");
  });

  it("names history and no history plainly too", () => {
    const fromHistory = renderPlan(planRequest(request, [noisyHistory]), request);
    expect(fromHistory).toContain("repeats from this set-up's noise in history");
    const asked = { ...request, repeatsFrom: "asked" as const };
    expect(renderPlan(planRequest(asked, []), asked)).toContain("no noise figure: 3 repeats, as requested");
  });
});

/** Runs `sglbench plan` in-process: exit code, stdout and stderr. */
async function planCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO("/");
  const code = await planCommand(args, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("plan --hardware is checked (newcomer defect 2)", () => {
  it("refuses an unknown hardware with the known list, exit 2", async () => {
    const { code, err } = await planCli(["--pr=1", "--hardware=banana"]);
    expect(code).toBe(EXIT.usage);
    expect(err).toContain("--hardware=banana is not a known hardware (known: mi300x, mi355x");
    expect(err).toContain("Usage: sglbench plan");
  });

  it("takes the folder spellings and any case for the known ones", async () => {
    for (const hw of ["mi35x", "MI355X", "mi30x", "mi300x"])
      expect((await planCli(["--pr=1", `--hardware=${hw}`])).code).toBe(0);
  });

  it("does not pass MI300X's typical noise off as another hardware's", async () => {
    const { code, out } = await planCli(["--pr=1", "--fresh-baseline", "--hardware=mi355x"]);
    expect(code).toBe(0);
    expect(out).not.toContain("repeats from typical noise");
    expect(suiteBlock(out, "deepseek-online")).toContain(
      "(no noise figure: one repeat in each of 2 PR launches, not a full run's 3 — against a reused main the launches decide — the built-in typical noise is from MI300X nightlies, none is known for MI355X)",
    );
    const mi355x = { ...request, hardware: "mi355x", mainImageExists: true };
    const ds = planRequest(mi355x, [], { assumeTypicalNoise: true }).suites[0]!;
    expect(ds.noiseSource).toBe("none");
    expect(ds.typicalNoiseUnknownOn).toBe("mi355x");
    expect(Object.values(ds.repeats).every((n) => n === 3)).toBe(true);
    // On MI300X the what-if still uses it.
    expect(planRequest(request, [], { assumeTypicalNoise: true }).suites[0]!.noiseSource).toBe("typical");
  });
});

describe("plan wording (newcomer defect 3)", () => {
  it("says the merge base is not known rather than 'merge base HEAD'", async () => {
    const { out } = await planCli(["--pr=1", "--models=deepseek", "--types=online"]);
    expect(out).not.toContain("merge base HEAD");
    expect(out).toContain("Plan for PR #1 (merge base not known):");
    expect(out).toContain("main: run main in full (merge base not known, so no stored run can stand in for it)");
    const known = await planCli(["--pr=1", "--models=deepseek", "--types=online", "--merge-base=0123456789abcdef"]);
    expect(known.out).toContain("Plan for PR #1 (merge base 0123456789ab):");
  });

  it("says 'the default 3 repeats' unless --repeats was given", async () => {
    const { out } = await planCli(["--pr=1", "--models=deepseek", "--types=online"]);
    expect(out).toContain("(no noise figure: the default 3 repeats)");
    expect(out).not.toContain("as requested");
    const asked = await planCli(["--pr=1", "--models=deepseek", "--types=online", "--repeats=3"]);
    expect(asked.out).toContain("(no noise figure: 3 repeats, as requested)");
  });

  it("says '1 point', not '1 points'", async () => {
    const { out } = await planCli(["--pr=1", "--models=deepseek", "--types=offline"]);
    expect(out).toContain("deepseek-offline   PR: 1 point, 3 runs");
    expect(out).not.toMatch(/\b1 points\b/);
  });
});

describe("plan: the GPU-minutes add up (newcomer defect 4)", () => {
  /** The build line's and each suite's `~N GPU-min`, and the estimate. */
  function figures(text: string): { parts: number[]; build: number | undefined; total: number } {
    const lines = text.split("\n").filter((l) => /^ {2}\S/.test(l));
    const parts = lines.map((l) => Number(/~(\d+) GPU-min$/.exec(l)?.[1]));
    const build = lines.find((l) => l.startsWith("  build images"));
    return {
      parts,
      build: build ? Number(/~(\d+) GPU-min$/.exec(build)?.[1]) : undefined,
      total: Number(/^Estimated: (\d+) GPU-minutes/m.exec(text)?.[1]),
    };
  }

  it("lists the image build with its GPU-minutes, and the lines add up to the estimate", async () => {
    for (const args of [["--fresh-baseline"], [], ["--skip-build"], ["--fresh-baseline", "--models=deepseek"]]) {
      const { out } = await planCli(["--pr=1", ...args]);
      const { parts, build, total } = figures(out);
      expect(parts.every(Number.isFinite)).toBe(true);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      if (args.includes("--skip-build")) expect(build).toBeUndefined();
      else expect(build).toBe(args.includes("--fresh-baseline") ? 480 : 960);
    }
    const { out } = await planCli(["--pr=1", "--fresh-baseline"]);
    expect(out).toContain("  build images       pr: 60 min on the 8-GPU node; ~480 GPU-min");
  });
});

describe("plan: bad --pr and unreadable --history-dir (newcomer defect 5)", () => {
  it("says a --pr that is not a number is not a number", async () => {
    const { code, err } = await planCli(["--pr=abc"]);
    expect(code).toBe(EXIT.usage);
    expect(err).toContain("--pr=abc is not a number");
    expect(err).not.toContain("--pr=N is required");
    // The other flags' problems are still listed.
    const both = await planCli(["--pr=abc", "--repeats=99"]);
    expect(both.err).toMatch(/--pr=abc is not a number.*; .*repeats/);
    expect((await planCli([])).err).toContain("--pr=N is required");
  });

  it("exits 4 (input unreadable, as in the README) for a history folder that cannot be read or holds no run", async () => {
    const missing = await planCli(["--pr=1", "--history-dir=/nonexistent/sglbench-history"]);
    expect(missing.code).toBe(EXIT.unreadable);
    expect(missing.err).toContain("Cannot read the history folder");
    const empty = mkdtempSync(join(tmpdir(), "sglbench-plan-"));
    try {
      const none = await planCli(["--pr=1", `--history-dir=${empty}`]);
      expect(none.code).toBe(EXIT.unreadable);
      expect(none.err).toContain("no readable run under the history folder");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

// The catalogue the tests rely on: deepseek-online's five points, concurrency 16 the noisy one.
it("the default catalogue still has the points the tests name", () => {
  const ds = DEFAULT_PLAN_SUITES.find((s) => s.id === "deepseek-online")!;
  expect(ds.points.map((p) => p.key)).toEqual(expect.arrayContaining([C1, C16]));
});
