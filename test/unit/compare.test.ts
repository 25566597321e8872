import { describe, expect, it } from "@jest/globals";
import { compareRuns, pointLabel } from "../../src/core/verdict/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";

/** An online Grok run: 3 points × 3 repeats, latency scaled by `lat`, throughput by `thr`. */
function grok(
  tag: string,
  opts: { lat?: number; thr?: number; hardware?: string; backend?: string; jitter?: number } = {},
): RunResults {
  const lat = opts.lat ?? 1;
  const thr = opts.thr ?? 1;
  const j = opts.jitter ?? 0.001;
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: "GROK1", variant: "MOE-I4F8" },
    hardware: opts.hardware ?? "mi30x",
    backend: opts.backend ?? "aiter",
    image: { full: `rocm/sgl-dev:${tag}`, tag },
    gsm8k: {
      runs: [
        { index: 1, accuracy: 0.82 },
        { index: 2, accuracy: 0.83 },
      ],
      num_questions: 200,
    },
    kv_cache: { num_tokens: 1000000, size_gb: 60 },
    points: [1, 2, 4].map((rate) => ({
      point: { request_rate: rate, input_len: 1024, output_len: 512 },
      repeats: [1, 2, 3].map((i) => ({
        index: i,
        metrics: {
          // first repeat slower (warm-up), later ones jitter by ±j
          median_e2e_latency_ms: 1000 * rate * lat * (i === 1 ? 1.2 : 1 + (i === 2 ? j : -j)),
          output_throughput: 500 * rate * thr * (i === 1 ? 0.97 : 1 + (i === 2 ? -j : j)),
        },
      })),
    })),
  });
}

describe("compareRuns", () => {
  it("accounts for every cell and calls identical runs unchanged", () => {
    const c = compareRuns([grok("a")], [grok("b")]);
    const s = c.summary;
    expect(s.regressed + s.improved + s.unchanged + s.inconclusive + s.failed).toBe(c.cells.length);
    // 3 points × 2 metrics + GSM8K + 2 KV cells
    expect(c.cells).toHaveLength(9);
    expect(c.cells.filter((x) => x.kind === "metric").every((x) => x.verdict === "unchanged")).toBe(true);
    expect(c.cells.find((x) => x.kind === "gsm8k")!.verdict).toBe("unchanged");
  });
  it("flags a 10 % latency / throughput regression as regressed on every point", () => {
    const c = compareRuns([grok("a")], [grok("b", { lat: 1.1, thr: 0.9 })]);
    const metricCells = c.cells.filter((x) => x.kind === "metric");
    expect(metricCells.every((x) => x.verdict === "regressed")).toBe(true);
    const e2e = metricCells.find((x) => x.metric === "median_e2e_latency_ms")!;
    expect(e2e.change_pct).toBeCloseTo(10, 1);
    expect(e2e.baseline.values).toHaveLength(2); // warm-up first repeat dropped
  });
  it("uses history to be sure when each side has one repeat", () => {
    const single = (r: RunResults): RunResults => ({
      ...r,
      points: r.points.map((p) => ({ ...p, repeats: p.repeats.slice(1, 2) })),
    });
    const noHistory = compareRuns([single(grok("a"))], [single(grok("b", { lat: 1.1 }))]);
    expect(
      noHistory.cells.filter((x) => x.metric === "median_e2e_latency_ms").every((x) => x.verdict === "inconclusive"),
    ).toBe(true);
    // History alone (the built-in prior off: its heavy launch tail is tested in launch-noise.test.ts).
    const withHistory = compareRuns([single(grok("a"))], [single(grok("b", { lat: 1.1 }))], {
      history: [grok("h1"), grok("h2"), grok("h3")],
      prior: false,
    });
    expect(
      withHistory.cells.filter((x) => x.metric === "median_e2e_latency_ms").every((x) => x.verdict === "regressed"),
    ).toBe(true);
    expect(withHistory.settings.historyRuns).toBe(3);
  });
  it("refuses verdicts across hardware or backend and says why", () => {
    const c = compareRuns([grok("a")], [grok("b", { hardware: "mi35x", lat: 1.3 })]);
    expect(c.mismatches[0]).toMatch(/hardware mi30x vs mi35x/);
    expect(c.cells.every((x) => x.verdict === "inconclusive")).toBe(true);
    expect(compareRuns([grok("a")], [grok("b", { backend: "triton" })]).mismatches[0]).toMatch(
      /attention backend aiter vs triton/,
    );
  });
  it("refuses across models rather than reporting the suite as missing", () => {
    const other = { ...grok("b"), model: { name: "GROK2", variant: "FP8" } };
    const c = compareRuns([grok("a")], [other]);
    expect(c.suites).toHaveLength(1);
    expect(c.mismatches[0]).toMatch(/model GROK1_MOE-I4F8 vs GROK2_FP8/);
  });
  it("reports a point that ran on one side only as one failed cell with the failure", () => {
    const cand = grok("b");
    cand.points[2] = { point: cand.points[2]!.point, repeats: [], failure: { kind: "crash", message: "server died" } };
    const c = compareRuns([grok("a")], [cand]);
    const failed = c.cells.filter((x) => x.verdict === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBe("PR: crash: server died");
    expect(c.summary.failed).toBe(1);
  });
  it("GSM8K: a drop below the threshold is a regression; binomial noise keeps small moves unchanged", () => {
    const low = grok("b");
    low.gsm8k = { runs: [{ index: 1, accuracy: 0.7 }], num_questions: 200 };
    const c = compareRuns([grok("a")], [low], { gsm8kThreshold: 0.8 });
    const g = c.cells.find((x) => x.kind === "gsm8k")!;
    expect(g.verdict).toBe("regressed");
    expect(g.reason).toMatch(/below the 0.8 threshold/);
    const slight = grok("b");
    slight.gsm8k = { runs: [{ index: 1, accuracy: 0.815 }], num_questions: 200 };
    expect(compareRuns([grok("a")], [slight]).cells.find((x) => x.kind === "gsm8k")!.verdict).not.toMatch(
      /regressed|improved/,
    );
  });
  it("KV-cache capacity loss is a regression", () => {
    const cand = grok("b");
    cand.kv_cache = { num_tokens: 900000, size_gb: 54 };
    const kv = compareRuns([grok("a")], [cand]).cells.filter((x) => x.kind === "kv_cache");
    expect(kv.map((x) => x.verdict)).toEqual(["regressed", "regressed"]);
  });
});

describe("pointLabel", () => {
  it("names offline and online points", () => {
    expect(pointLabel({ tp: 8, batch_size: 32, input_len: 1024, output_len: 128 })).toBe("TP8 BS32 IL1024 OL128");
    expect(pointLabel({ concurrency: 16, input_len: 3200, output_len: 800 })).toBe("concurrency 16");
  });
});

describe("compareRuns offline and run-level failures", () => {
  const offline = (scale: number, failed = false): RunResults =>
    emptyRun({
      kind: "offline",
      suite: "grok-offline-normal",
      mode: "normal",
      model: { name: "GROK1" },
      hardware: "mi30x",
      failures: failed ? [{ kind: "launch_failed", message: "container exited 137" }] : [],
      points: failed
        ? []
        : [1, 32].map((bs) => ({
            point: { tp: 8, batch_size: bs, input_len: 1024, output_len: 128 },
            repeats: [{ index: 1, metrics: { total_latency: 2 * scale, overall_throughput: 1000 / scale } }],
          })),
    });
  it("merges offline cells on TP/batch/lengths and needs history for single repeats", () => {
    const c = compareRuns([offline(1)], [offline(1.1)]);
    expect(c.cells.map((x) => `${x.point.batch_size}/${x.metric}`)).toEqual([
      "1/overall_throughput",
      "1/total_latency",
      "32/overall_throughput",
      "32/total_latency",
    ]);
    expect(c.summary.inconclusive).toBe(4);
    const hist = [0.999, 1, 1.001, 1.0005].map((k) => offline(k));
    hist.forEach((h, i) => (h.image = { full: `x:${i}`, tag: `n${i}` }));
    expect(compareRuns([offline(1)], [offline(1.1)], { history: hist }).summary.regressed).toBe(4);
  });
  it("refuses to compare two different suites of the same model", () => {
    const long = { ...offline(1), suite: "grok-offline-long", mode: "long_context" };
    const c = compareRuns([offline(1)], [long]);
    expect(c.mismatches[0]).toMatch(/different suite grok-offline-normal normal vs grok-offline-long long_context/);
    expect(c.summary.regressed + c.summary.improved + c.summary.unchanged).toBe(0);
  });
  it("names the run-level failure when the PR never produced a point", () => {
    const c = compareRuns([offline(1)], [offline(1, true)]);
    expect(c.summary.failed).toBe(2);
    expect(c.cells[0]!.reason).toBe("PR: launch_failed: container exited 137");
  });
});

describe("a server crash on the PR side only", () => {
  const crashed = (run: RunResults, message: string): RunResults => ({
    ...run,
    failures: [{ kind: "server_crashed", message, point: { request_rate: 4, input_len: 1024, output_len: 512 } }],
  });

  it("leads as a failed cell even when every point was measured after the relaunch", () => {
    const c = compareRuns([grok("a")], [crashed(grok("b"), "HIP error: an illegal memory access")], { sameRun: true });
    const failed = c.cells.filter((x) => x.verdict === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toMatch(
      /^PR: server_crashed: HIP error: an illegal memory access — the PR's server went down/,
    );
    expect(c.cells.filter((x) => x.kind === "metric").every((x) => x.verdict !== "failed")).toBe(true);
  });

  it("is left to the ⚠️ lines when main's server went down too (the machine's, not the code's)", () => {
    const c = compareRuns([crashed(grok("a"), "node hiccup")], [crashed(grok("b"), "node hiccup")], { sameRun: true });
    expect(c.cells.some((x) => x.verdict === "failed")).toBe(false);
  });
});

describe("launches that ran their own warm-up round (sglbench's runner) against ones that did not count repeats alike", () => {
  const point = { concurrency: 4, input_len: 3200, output_len: 800 };
  const repeat = (index: number, v: number, launch: number, warmup = false) => ({
    index,
    metrics: { median_itl_ms: v, output_throughput: 10000 / v },
    labels: { launch: String(launch) },
    ...(warmup ? { warmup } : {}),
  });
  /** One launch per entry of `sizes`, each a discarded warm-up round (3× slower) then its repeats. */
  function side(tag: string, sizes: number[], level: number): RunResults {
    let index = 0;
    const repeats = sizes.flatMap((n, launch) => [
      repeat(++index, 3 * level, launch, true),
      ...Array.from({ length: n }, (_, k) => repeat(++index, level * (1 + 0.002 * (k % 2 ? 1 : -1)), launch)),
    ]);
    return emptyRun({
      kind: "online",
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      image: { full: `rocm/sgl-dev:${tag}`, tag },
      points: [{ point, repeats }],
    });
  }

  it("a 3-repeat main against a PR in launches of 2 and 1: judged, no protocol ❔, no 'fewer repeats' ⚠️", () => {
    const slower = compareRuns([side("main", [3], 20)], [side("pr", [2, 1], 22)], {
      history: [side("n1", [3], 20), side("n2", [3], 20.2), side("n3", [3], 19.9)],
    });
    const itl = slower.cells.find((c) => c.metric === "median_itl_ms")!;
    expect(itl.reason).not.toMatch(/repeats per point differ/);
    expect(itl.verdict).toBe("regressed");
    expect((slower.caveats ?? []).join("\n")).not.toMatch(/repeats at|repeats per point/);
  });
});
