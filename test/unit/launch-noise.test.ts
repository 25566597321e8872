/**
 * Verdicts between server launches (issue 16): history by regime, the built-in prior, and the
 * launch-level noise seen between the blocks (launches) of each side.
 */
import { describe, expect, it } from "@jest/globals";
import {
  baselineRegime,
  settingsChanged,
  compareRuns,
  decideCell,
  fitStudentT,
  TOO_WIDE_ONE_LAUNCH,
  learnLaunchTails,
  metadataBreak,
  priorNoise,
  runRegimeKey,
  splitRegimes,
  withPrior,
  type ChangeDetector,
  type PriorData,
} from "../../src/core/verdict/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { mergeBlocks } from "../../src/pipeline/baseline.js";
import { changepointDetector, companionsOf, regimeCompanions } from "../../src/pipeline/regime-history.js";
import { renderReport } from "../../src/core/report/index.js";
import { layoutRates, planRequest, renderPlan, type PlanRequest } from "../../src/core/plan/index.js";
import { prng } from "../helpers/prng.js";

/** One nightly of a 3-point online series: `level` scales latency up and throughput down. */
function night(
  date: string,
  opts: { level?: number; node?: string; tag?: string; repeats?: number; prompts?: number; model?: string } = {},
): RunResults {
  const level = opts.level ?? 1;
  const wobble = (i: number, p: number): number => 1 + 0.002 * Math.sin(Number(date) * 7.1 + i * 3.3 + p);
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: opts.model ?? "GROK2", variant: "FP8" },
    hardware: "mi35x",
    node: opts.node ?? "host-a",
    date,
    image: {
      full: `rocm/sgl-dev:${opts.tag ?? "v0.5.5"}-rocm700-mi35x-${date}`,
      tag: `${opts.tag ?? "v0.5.5"}-rocm700-mi35x-${date}`,
    },
    points: [1, 2, 4].map((rate, p) => ({
      point: { request_rate: rate },
      repeats: Array.from({ length: opts.repeats ?? 1 }, (_, k) => ({
        index: k + 1,
        metrics: {
          completed: opts.prompts ?? 300,
          median_e2e_latency_ms: 1000 * rate * level * wobble(k, p),
          output_throughput: (500 * rate * wobble(k + 5, p)) / level,
        },
      })),
    })),
  });
}

const dates = (n: number, from = 20251101): string[] => Array.from({ length: n }, (_, i) => String(from + i));

describe("history by regime", () => {
  it("names what changed between two nights: host, ROCm, release, repeats, prompts", () => {
    const a = runRegimeKey(night("20251101"));
    expect(metadataBreak(a, runRegimeKey(night("20251102")))).toBe("");
    expect(metadataBreak(a, runRegimeKey(night("20251102", { node: "host-b" })))).toBe("host host-a → host-b");
    expect(metadataBreak(a, runRegimeKey(night("20251102", { tag: "v0.5.6" })))).toBe("release 0.5.5 → 0.5.6");
    expect(metadataBreak(a, runRegimeKey(night("20251102", { repeats: 3 })))).toBe("1 → 3 repeats per point");
    expect(metadataBreak(a, runRegimeKey(night("20251102", { prompts: 128 })))).toMatch(/^prompts per point changed/);
    // Launch settings are said by the report (settingsChanged), not a regime cut: measured, cutting there
    // shortened the regimes and cost detection (docs/verdicts.md, session 12).
    expect(settingsChanged({ mem_fraction_static: 0.85 }, { mem_fraction_static: 0.7224999999999999 })).toBe(
      "mem_fraction_static 0.85 → 0.7225",
    );
    expect(settingsChanged({ mem_fraction_static: 0.85 }, undefined)).toBe("");
  });

  it("cuts a series at metadata changes and at the detector's level shifts, oldest first", () => {
    const runs = [
      ...dates(5).map((d) => night(d, { repeats: 3 })),
      ...dates(5, 20251106).map((d) => night(d)),
      ...dates(5, 20251111).map((d) => night(d, { level: 1.1 })),
    ];
    // A detector that sees the ×1.1 step on the 11th (index into the nights it is given).
    const detect: ChangeDetector = (nights) => {
      const i = nights.findIndex((n) => n.date === "20251111");
      return i > 0 ? [i] : [];
    };
    const regimes = splitRegimes(runs, detect);
    expect(regimes.map((r) => [r.nights[0], r.nights.length])).toEqual([
      ["20251101", 5],
      ["20251106", 5],
      ["20251111", 5],
    ]);
    expect(regimes[1]!.startReason).toBe("3 → 1 repeats per point");
    expect(regimes[2]!.startReason).toMatch(/^level shift in \d+ cells/);
    // Without a detector only the metadata cut remains.
    expect(splitRegimes(runs).map((r) => r.nights.length)).toEqual([5, 10]);
  });

  it("learns from the baseline's regime only and names its nights", () => {
    const history = [
      ...dates(4).map((d) => night(d, { node: "host-a" })),
      ...dates(4, 20251105).map((d) => night(d, { node: "host-b" })),
    ];
    const base = night("20251108", { node: "host-b" });
    const r = baselineRegime(history, [base]);
    expect(r.runs.map((x) => x.date)).toEqual(["20251105", "20251106", "20251107", "20251108"]);
    expect(r.learntFrom).toEqual([
      expect.objectContaining({ nights: ["20251105", "20251106", "20251107", "20251108"], leftOut: 4 }),
    ]);
    // A baseline on another host than its regime's: nothing from history applies.
    expect(baselineRegime(history, [night("20251109", { node: "host-c" })]).runs).toEqual([]);
    // compareRuns reports the nights it learnt from.
    const c = compareRuns([base], [night("20251109", { node: "host-b" })], { history, prior: false });
    expect(c.learntFrom?.[0]?.nights).toHaveLength(4);
    expect(c.settings.historyRuns).toBe(4);
    expect(renderReport(c)).toContain(
      "Noise learnt from the baseline's regime: GROK2_FP8 grok-online 20251105–20251108 (4 nights; since host host-a → host-b), 4 other nights left out.",
    );
  });

  it("learns from the baseline's last two nights when they hold a new level the 3-night detector cannot see yet", () => {
    // Six nights at one level, then a ×1.3 step two nights before the baseline (the real DeepSeek 11-21 → 11-22).
    const history = [...dates(6).map((d) => night(d)), ...dates(2, 20251107).map((d) => night(d, { level: 1.3 }))];
    const onStep = baselineRegime(history, [history[7]!], changepointDetector);
    expect(onStep.runs.map((r) => r.date)).toEqual(["20251107", "20251108"]);
    expect(onStep.learntFrom[0]!.startReason).toMatch(/^level shift in \d+ cells/);
    // One night after the step is no level yet: the whole regime stays (its noise is wide, not wrong).
    expect(baselineRegime(history.slice(0, 7), [history[6]!], changepointDetector).runs).toHaveLength(7);
    // Nor is a quiet series cut.
    const quiet = dates(8).map((d) => night(d));
    expect(baselineRegime(quiet, [quiet[7]!], changepointDetector).runs).toHaveLength(8);
  });

  it("says that the launch tail and drift come from every night of the history, left-out regimes included", () => {
    // 4 nights on another host (left out of the noise), then 12 on this one: ≥ 30 quiet differences a metric.
    const history = [
      ...dates(4).map((d) => night(d, { node: "host-a" })),
      ...dates(12, 20251105).map((d) => night(d, { node: "host-b" })),
    ];
    const c = compareRuns([history[15]!], [night("20251117", { node: "host-b" })], {
      history,
      detectChanges: changepointDetector,
      prior: false,
    });
    expect(c.learntFrom?.[0]).toMatchObject({ leftOut: 4, shapesFrom: 16 });
    expect(renderReport(c)).toContain(
      "4 other nights left out; the heavy tail and slow drift between launches from all 16 nights of the history.",
    );
  });

  it("cuts the baseline's regime the same whether --history lists the baseline night or not", () => {
    // A ×1.3 step three nights before the PR's, the baseline the third night of the new level (the
    // real DeepSeek 11-21 step, baseline 11-23): `--history <earlier nights>` leaves the baseline out.
    const nights = [...dates(6).map((d) => night(d)), ...dates(3, 20251107).map((d) => night(d, { level: 1.3 }))];
    const base = nights[8]!;
    const cand = night("20251110", { level: 1.3 * 1.1 });
    const opts = { detectChanges: changepointDetector, prior: false as const };
    const without = compareRuns([base], [cand], { ...opts, history: nights.slice(0, 8) });
    const listed = compareRuns([base], [cand], { ...opts, history: nights });
    expect(without.learntFrom![0]!.nights).toEqual(dates(3, 20251107));
    expect(without.learntFrom).toEqual(listed.learntFrom);
    expect(without.summary).toEqual(listed.summary);
  });

  it("leaves out a regime's first night when the nights after it agree with one another far better than with it", () => {
    // The first 1-repeat night 15 % off, the nights after it alike (MI355X Grok-2 2025-11-12).
    const history = [
      ...dates(3).map((d) => night(d, { repeats: 3 })),
      night("20251104", { level: 1.15 }),
      ...dates(3, 20251105).map((d) => night(d)),
    ];
    const cut = baselineRegime(history, [history[6]!], changepointDetector);
    expect(cut.learntFrom[0]!.nights).toEqual(dates(3, 20251105));
    expect(cut.learntFrom[0]!.startReason).toMatch(/^3 → 1 repeats per point; its first night 20251104 left out/);
    // A first night within the later nights' spread stays; so does one followed by a single night.
    const usual = [...history.slice(0, 3), night("20251104", { level: 1.001 }), ...history.slice(4)];
    expect(baselineRegime(usual, [usual[6]!], changepointDetector).learntFrom[0]!.nights).toHaveLength(4);
    const short = history.slice(0, 5);
    expect(baselineRegime(short, [short[4]!], changepointDetector).learntFrom[0]!.nights).toHaveLength(2);
  });

  it("says when the sides ran another workload (bench_serving's token totals moved)", () => {
    const tokens = (run: RunResults, output: number): RunResults => ({
      ...run,
      points: run.points.map((p) => ({
        ...p,
        repeats: p.repeats.map((r) => ({
          ...r,
          metrics: { ...r.metrics, total_input_tokens: 152612, total_output_tokens: output },
        })),
      })),
    });
    const [a, b] = [tokens(night("20251209"), 160347), tokens(night("20251210"), 156136)];
    const moved = compareRuns([a], [b], { prior: false });
    expect(moved.caveats?.join("\n")).toContain(
      "main and PR ran another workload (generated tokens 160347 → 156136 (−2.6 %) at request_rate=1",
    );
    expect(compareRuns([a], [tokens(night("20251210"), 160347)], { prior: false }).caveats ?? []).toEqual([]);
  });

  it("a baseline outside the history starts its own regime on a platform change, and says how it differs", () => {
    const history = dates(4).map((d) => night(d, { repeats: 3 }));
    // A new release the history never ran: its noise does not apply; the prior does, and the footer says why.
    const released = baselineRegime(history, [night("20251106", { tag: "v0.5.6" })]);
    expect(released.runs).toEqual([]);
    expect(released.learntFrom[0]).toMatchObject({
      nights: [],
      baselineDiffers: "release 0.5.5 → 0.5.6, 3 → 1 repeats per point",
    });
    const c = compareRuns([night("20251106", { tag: "v0.5.6" })], [night("20251107", { tag: "v0.5.6" })], {
      history,
      prior: false,
    });
    expect(renderReport(c)).toContain(
      "no night of its regime (built-in prior only: the baseline differs from the history's last regime by release 0.5.5 → 0.5.6, 3 → 1 repeats per point)",
    );
    // Only the protocol differs: the launch noise transfers (repeats accounted for), and the footer says so.
    const protocol = baselineRegime(history, [night("20251106")]);
    expect(protocol.runs).toHaveLength(4);
    expect(protocol.learntFrom[0]).toMatchObject({ baselineDiffers: "3 → 1 repeats per point" });
    // The baseline's own night in the history: nothing to say.
    expect(baselineRegime(history, [history[3]!]).learntFrom[0]).not.toHaveProperty("baselineDiffers");
  });

  it("a crashed night between the last 3-repeat night and the first 1-repeat one does not hide the change", () => {
    const crashed = { ...night("20251104"), points: [{ point: { request_rate: 1 }, repeats: [] }] };
    const history = [
      ...dates(3).map((d) => night(d, { repeats: 3 })),
      crashed,
      ...dates(3, 20251105).map((d) => night(d, { repeats: 1 })),
    ];
    const regimes = splitRegimes(history);
    expect(regimes.map((r) => r.nights)).toEqual([[...dates(3), "20251104"], dates(3, 20251105)]);
    expect(regimes[1]!.startReason).toBe("3 → 1 repeats per point");
  });

  it("never learns noise from the candidate's own run given in the history", () => {
    const history = dates(6).map((d, i) => night(d, { level: i === 5 ? 1.3 : 1 }));
    const cand = history[5]!;
    const c = compareRuns([history[4]!], [cand], { history, prior: false });
    expect(c.settings.historyRuns).toBe(5);
    expect(c.learntFrom?.[0]?.nights).toEqual(dates(5));
    // The same night read from its console log (no host, no start time, other files) is the same run.
    const consoleLog = { ...cand, node: undefined, sources: ["cron_log/20251106/grok_nightly_online.log"] };
    const fromLogs = compareRuns([history[4]!], [cand], {
      history: [...history.slice(0, 5), consoleLog],
      prior: false,
    });
    expect(fromLogs.learntFrom?.[0]?.nights).toEqual(dates(5));
    // Another launch that night, started at another time, is not.
    const started = { ...cand, started_at: "2025-11-06T02:00:00Z" };
    const rerun = { ...cand, started_at: "2025-11-06T09:00:00Z", sources: ["rerun.log"] };
    const withRerun = compareRuns([history[4]!], [started], { history: [...history.slice(0, 5), rerun], prior: false });
    expect(withRerun.settings.historyRuns).toBe(6);
  });

  it("learns nothing from nights after the PR side's, and counts only the compared series' runs", () => {
    // 10 nights; the PR side is the 6th. Nights 7–10 are noisy (±8 %): were they learnt from, the
    // intervals would widen. Another model's nights in the folder are not counted either.
    const history = [
      ...dates(10).map((d, i) => night(d, { level: i > 5 ? (i % 2 ? 1.08 : 0.92) : 1 })),
      ...dates(7).map((d) => night(d, { model: "DeepSeek" })),
    ];
    const c = compareRuns([history[4]!], [night("20251106", { level: 1.04 })], { history, prior: false });
    expect(c.learntFrom?.[0]).toMatchObject({ nights: dates(5), afterCandidate: 4 });
    expect(c.settings.historyRuns).toBe(5);
    const only = compareRuns([history[4]!], [night("20251106", { level: 1.04 })], {
      history: history.slice(0, 5),
      prior: false,
    });
    expect(c.cells.map((x) => x.verdict)).toEqual(only.cells.map((x) => x.verdict));
    expect(renderReport(c)).toContain("4 later nights (after the PR side's) not used");
  });

  it("a metric or GSM8K measured on one side only is a ❔ saying so, not dropped", () => {
    const base = { ...night("20251101"), gsm8k: { average: 0.93, runs: [{ accuracy: 0.93 }] } } as RunResults;
    const cand = night("20251102");
    // The PR's CSV row was cut before its throughput column.
    for (const p of cand.points) for (const r of p.repeats) delete r.metrics.output_throughput;
    const c = compareRuns([base], [cand]);
    const lost = c.cells.filter((x) => x.metric === "output_throughput");
    expect(lost).toHaveLength(3);
    for (const x of lost) {
      expect(x.verdict).toBe("inconclusive");
      expect(x.reason).toMatch(/^measured on main only: the PR side's output has no Output Throughput/);
    }
    const gsm8k = c.cells.find((x) => x.kind === "gsm8k")!;
    expect(gsm8k).toMatchObject({ verdict: "inconclusive", change_pct: null });
    expect(gsm8k.reason).toBe("measured on main only: the PR side's output has no GSM8K result");
  });

  it("a PR side that measured nothing gets no ⚪ KV-cache cells next to its ❌", () => {
    const kv = { num_tokens: 3328113, size_gb: 101.56 };
    const base = { ...night("20251101"), kv_cache: kv } as RunResults;
    const crashed = { ...night("20251102"), kv_cache: kv } as RunResults;
    crashed.points = crashed.points.map((p) => ({ ...p, repeats: [] }));
    const c = compareRuns([base], [crashed]);
    expect(c.cells.filter((x) => x.kind === "kv_cache")).toHaveLength(0);
    expect(c.cells.some((x) => x.verdict === "failed")).toBe(true);
    expect(
      compareRuns([base], [{ ...night("20251102"), kv_cache: kv } as RunResults]).cells.some(
        (x) => x.kind === "kv_cache",
      ),
    ).toBe(true);
  });

  it("says a repeat lost at a point whose other repeats measured it", () => {
    const base = night("20251101", { repeats: 3 });
    base.failures = [{ kind: "crash", message: "no result block", point: { request_rate: 4 } }];
    const c = compareRuns([base], [night("20251102", { repeats: 3 })]);
    expect(c.caveats).toEqual([
      "grok-online: main lost a repeat at rate 4 (crash: no result block) — judged on the point's other repeats",
    ]);
  });

  it("says when main and PR ran on different hosts or ROCm, and not when they did not", () => {
    const apart = compareRuns([night("20251101", { node: "host-a" })], [night("20251102", { node: "host-b" })]);
    expect(apart.caveats).toEqual([
      "grok-online: main and PR differ by host host-a → host-b — part of any change may come from that, not from the code",
    ]);
    expect(renderReport(apart)).toContain("> ⚠️ grok-online: main and PR differ by host host-a → host-b");
    // A new release on the same host is the code being compared: nothing to say.
    const alike = compareRuns([night("20251101")], [night("20251102", { tag: "v0.5.6" })]);
    expect(alike.caveats).toBeUndefined();
    // One folder given as both sides.
    const same = night("20251101");
    expect(compareRuns([same], [same]).caveats).toEqual([
      "grok-online: main and PR are the same run read twice — any difference shown is not a change",
    ]);
    // The same identity with other values (a run rewritten as a PR, as the demo's screens do) is not.
    expect(
      compareRuns([same], [{ ...same, points: night("20251101", { level: 1.05 }).points }]).caveats,
    ).toBeUndefined();
  });

  it("a GSM8K check by design learns its launch spread from the series' earlier checks (no regime: no points)", () => {
    const check = (date: string, acc: number): RunResults => ({
      ...night(date),
      mode: "dp_attention",
      points: [],
      gsm8k: { runs: [1, 2, 3].map((index) => ({ index, accuracy: acc + index / 1000 })), num_questions: 1319 },
    });
    const history = [0.93, 0.935, 0.932, 0.934].map((a, i) => check(dates(4)[i]!, a));
    const c = compareRuns([history[3]!], [check("20251105", 0.933)], { history });
    expect(c.cells.map((x) => [x.kind, x.verdict])).toEqual([["gsm8k", "unchanged"]]);
    expect(c.cells[0]!.reason).toMatch(/from 4 launches in history/);
  });

  it("says when a side ran fewer repeats at some points than at its others, with no failure to say why", () => {
    const full = night("20251101", { repeats: 3 });
    const stopped = night("20251102", { repeats: 3 });
    stopped.points[1]!.repeats = stopped.points[1]!.repeats.slice(0, 1);
    expect(compareRuns([full], [stopped]).caveats).toEqual([
      "grok-online: PR ran 1 of 3 repeats at rate 2, no failure recorded — judged on the runs it has",
    ]);
    // Merged blocks count per launch: two whole blocks of 3 are not "3 of 6", one short block is said.
    const blocks = mergeBlocks([night("20251102", { repeats: 3 }), night("20251102", { repeats: 3 })]);
    expect(compareRuns([full], [blocks]).caveats).toBeUndefined();
    const shortBlock = night("20251102", { repeats: 3 });
    shortBlock.points[0]!.repeats = shortBlock.points[0]!.repeats.slice(0, 2);
    expect(compareRuns([full], [mergeBlocks([night("20251102", { repeats: 3 }), shortBlock])]).caveats).toEqual([
      "grok-online: PR ran 2 of 3 repeats at rate 1, no failure recorded — judged on the runs it has",
    ]);
  });

  it("says when the server was launched with other settings, and leaves the KV cache they size unjudged", () => {
    const kv = (tokens: number, memFraction: number): RunResults => ({
      ...night("20251101"),
      kv_cache: { num_tokens: tokens, size_gb: tokens / 15000 },
      server_settings: { mem_fraction_static: memFraction, cuda_graph_max_bs: 512 },
    });
    const c = compareRuns([kv(981410, 0.765)], [{ ...kv(541660, 0.612), date: "20251102" }]);
    expect(c.caveats).toEqual([
      "grok-online: main and PR launched the server with other settings (mem_fraction_static 0.765 → 0.612) — part of any change may come from that, not from the code",
    ]);
    const kvCells = c.cells.filter((x) => x.kind === "kv_cache");
    expect(kvCells.map((x) => x.verdict)).toEqual(["inconclusive", "inconclusive"]);
    expect(kvCells[0]!.reason).toMatch(/^not comparable: the server's launch settings differ/);
    // The headline does not count them as "too noisy": they were not comparable.
    expect(renderReport(c)).toContain("nothing measurable: 6 cells within ±2 %, 2 not comparable\n");
    // The same settings: the capacity is judged (deterministic).
    // Other settings but the same capacity (the real 10-24 → 11-09: 971748 vs 971639 tokens): judged ⚪.
    const alike = compareRuns([kv(971748, 0.9)], [{ ...kv(971639, 0.765), date: "20251102" }]);
    expect(alike.cells.filter((x) => x.kind === "kv_cache").map((x) => x.verdict)).toEqual(["unchanged", "unchanged"]);
    const same = compareRuns([kv(981410, 0.765)], [{ ...kv(541660, 0.765), date: "20251102" }]);
    expect(same.cells.filter((x) => x.kind === "kv_cache").map((x) => x.verdict)).toEqual(["regressed", "regressed"]);
  });

  it("a noisier regime and a step inside the history no longer hide a real change", () => {
    // Old host: levels jump ±5 % night to night; then a new host, quiet, with an 8 % step inside.
    const old = dates(6).map((d, i) => night(d, { node: "host-a", level: i % 2 ? 1.05 : 0.95 }));
    const before = dates(4, 20251107).map((d) => night(d, { node: "host-b" }));
    const after = dates(4, 20251111).map((d) => night(d, { node: "host-b", level: 1.08 }));
    const detect: ChangeDetector = (nights) => {
      const i = nights.findIndex((n) => n.date === "20251111");
      return i > 0 ? [i] : [];
    };
    const history = [...old, ...before, ...after];
    const base = after[after.length - 1]!;
    const cand = night("20251115", { node: "host-b", level: 1.08 * 1.06 });
    const cut = compareRuns([base], [cand], { history, detectChanges: detect, prior: false });
    const mixed = compareRuns([base], [cand], { history, regimes: false, prior: false });
    const e2e = (c: typeof cut): string[] =>
      c.cells.filter((x) => x.metric === "median_e2e_latency_ms").map((x) => x.verdict);
    expect(e2e(cut)).toEqual(["regressed", "regressed", "regressed"]);
    expect(cut.learntFrom?.[0]).toMatchObject({ nights: dates(4, 20251111), leftOut: 10 });
    expect(cut.learntFrom?.[0]?.startReason).toMatch(/^level shift/);
    expect(mixed.learntFrom).toBeUndefined();
    expect(e2e(mixed)).not.toContain("regressed");
  });
});

/** A tiny prior: GROK2 on mi35x, 1 % launch noise (ln units² = 1e-4) with 30 df. */
const PRIOR: PriorData = {
  generated_from: "test",
  method: "test",
  series: {
    "mi35x/GROK2_FP8/grok-online/-": {
      median_e2e_latency_ms: {
        all: { variance: 1e-4, df: 30, nights: 31 },
        points: { request_rate: { variance: 1e-4, df: 30, nights: 31 } },
      },
    },
  },
  models: { "mi35x/GROK2/grok-online": { output_throughput: { all: { variance: 1e-4, df: 20, nights: 21 } } } },
  hardware: { mi35x: { median_ttft_ms: { all: { variance: 1e-4, df: 10, nights: 11 } } } },
};

describe("the built-in prior", () => {
  const scope = { hardware: "MI355X", model: "GROK2_FP8", suite: "grok-online" };
  it("looks up the series, then the model; never a model or hardware it has not seen", () => {
    expect(priorNoise(scope, { request_rate: 1 }, "median_e2e_latency_ms", PRIOR)?.source).toBe(
      "series mi35x/GROK2_FP8/grok-online/-",
    );
    expect(priorNoise(scope, { request_rate: 1 }, "output_throughput", PRIOR)?.source).toBe(
      "model mi35x/GROK2/grok-online",
    );
    expect(priorNoise(scope, { request_rate: 1 }, "median_ttft_ms", PRIOR)).toBeUndefined();
    expect(priorNoise(scope, { request_rate: 1 }, "median_ttft_ms", PRIOR, { anyModel: true })?.df).toBe(10);
    expect(priorNoise({ ...scope, model: "Llama" }, { request_rate: 1 }, "output_throughput", PRIOR)).toBeUndefined();
    expect(priorNoise({ ...scope, hardware: undefined }, { request_rate: 1 }, "output_throughput", PRIOR)).toBe(
      undefined,
    );
  });

  it("without history: a 10 % change is flagged, an unchanged metric is ⚪, an unknown model stays ❔", () => {
    const base = night("20251101");
    const cand = night("20251102", { level: 1.1 });
    const c = compareRuns([base], [cand], { prior: PRIOR });
    const verdicts = (cmp: typeof c, metric: string): string[] =>
      cmp.cells.filter((x) => x.metric === metric).map((x) => x.verdict);
    expect(verdicts(c, "median_e2e_latency_ms")).toEqual(["regressed", "regressed", "regressed"]);
    expect(verdicts(c, "output_throughput")).toEqual(["regressed", "regressed", "regressed"]);
    expect(c.cells.find((x) => x.metric === "median_e2e_latency_ms")!.reason).toContain("prior series mi35x");
    const same = compareRuns([base], [night("20251102")], { prior: PRIOR });
    expect(verdicts(same, "median_e2e_latency_ms")).toEqual(["unchanged", "unchanged", "unchanged"]);
    const llama = compareRuns(
      [night("20251101", { model: "Llama" })],
      [night("20251102", { model: "Llama", level: 1.1 })],
      {
        prior: PRIOR,
      },
    );
    expect(verdicts(llama, "median_e2e_latency_ms")).toEqual(["inconclusive", "inconclusive", "inconclusive"]);
    expect(compareRuns([base], [cand], { prior: false }).summary.regressed).toBe(0);
  });

  it("moderates a short history's launch variance towards the prior (d₀s₀² + d·s²)/(d₀ + d)", () => {
    const h = { variance: 0, df: 4, levelVariance: 9e-4, runVariance: 9e-4, runDf: 2, levelRepeats: 1 };
    const p = { variance: 1e-4, df: 30, nights: 31, source: "t" };
    const m = withPrior(h, p)!;
    expect(m.levelVariance).toBeCloseTo((30 * 1e-4 + 2 * 9e-4) / 32, 10);
    expect(m.runDf).toBe(32);
    expect(withPrior(undefined, p)).toMatchObject({ runVariance: 1e-4, runDf: 30, df: 0 });
    expect(withPrior(h, undefined)).toBe(h);
  });
});

describe("launch-level noise between blocks", () => {
  it("widens the interval by the spread between each side's launches", () => {
    // Two launches per side, 2 repeats each: repeats agree within a launch, launches differ by ±3 %.
    const obs = (levels: number[]) =>
      levels.flatMap((l, g) =>
        [0, 1].map((i) => ({ value: 100 * l * (1 + 0.001 * i), index: 2 * g + i + 1, group: g })),
      );
    const spread = decideCell(obs([1, 1.06]), obs([1.08, 1.14]), "lower", { dropWarmup: false });
    const flat = decideCell(
      obs([1.03, 1.03]).map((o) => ({ ...o, group: 0 })),
      obs([1.11, 1.11]).map((o) => ({ ...o, group: 0 })),
      "lower",
      // One launch a side and no history: the repeats alone, as within one launch.
      { dropWarmup: false, sameRun: true },
    );
    expect(spread.reason).toContain("4 launches");
    const width = (v: typeof spread): number => v.interval![1] - v.interval![0];
    expect(width(spread)).toBeGreaterThan(3 * width(flat));
  });

  it("mergeBlocks keeps each block's launch so compare sees them apart", () => {
    const merged = mergeBlocks([night("20251101", { repeats: 2 }), night("20251101", { repeats: 2, level: 1.06 })]);
    expect(merged.points[0]!.repeats.map((r) => r.labels?.launch ?? "0")).toEqual(["0", "0", "1", "1"]);
    const c = compareRuns(
      [merged],
      [mergeBlocks([night("20251102", { repeats: 2 }), night("20251102", { repeats: 2 })])],
      {
        prior: false,
      },
    );
    expect(c.cells.find((x) => x.metric === "median_e2e_latency_ms")!.reason).toContain("4 launches");
  });
});

describe("sglbench plan: launches per side", () => {
  const request: PlanRequest = {
    pr: 1,
    models: ["grok"],
    types: ["online"],
    repeats: 3,
    baseline: "nightly",
    mergeBaseCommit: "abc123",
    configHash: "cfg",
    hardware: "mi300x",
    backend: "rocm",
    maxBaselineAgeHours: 36,
    buildMinutes: 0,
    mainImageExists: true,
  };
  it("counts the server launches each side gets and says where between-launch noise comes from", () => {
    const plan = planRequest(request, []);
    expect(plan.suites.map((s) => s.launches)).toEqual([{ main: 2, pr: 2 }]);
    expect(renderPlan(plan, request)).toContain(
      "launches per side: main 2, PR 2 — between-launch noise from the blocks' spread + history / built-in prior",
    );
    const single = planRequest({ ...request, repeats: 1 }, []);
    expect(single.suites.map((s) => s.launches)).toEqual([{ main: 1, pr: 1 }]);
    expect(renderPlan(single, request)).toContain("between-launch noise from history / built-in prior");
  });

  it("prints what the planned layout bought between launches on the real nightlies", () => {
    expect(renderPlan(planRequest(request, []), request)).toContain(
      "2 + 2 launches (interleaved) on the real online nightlies: 0.2 % of unchanged cells flagged, 98 % of ×1.10 caught",
    );
    const single = { ...request, repeats: 1 };
    expect(renderPlan(planRequest(single, []), single)).toContain("1 + 1 launches (one a side)");
    expect(layoutRates(3, 2, false)).toEqual({ falseAlarms: 0.4, caught: 96.7 });
    expect(layoutRates(5, 4, false)).toBeUndefined(); // not measured: nothing printed
  });
});

describe("heavy-tailed launch noise", () => {
  const normals = (n: number, seed: number): number[] => {
    const u = prng(seed);
    return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
  };

  it("fits a Student t's df by maximum likelihood: small for t(2) samples, large for normal ones", () => {
    const z = normals(3000, 1);
    const chi2 = normals(3000, 2).map((x, i) => x * x + normals(1, 100 + i)[0]! ** 2);
    const t2 = z.map((x, i) => x / Math.sqrt(chi2[i]! / 2));
    const heavy = fitStudentT(t2)!;
    expect(heavy.df).toBeGreaterThan(1.2);
    expect(heavy.df).toBeLessThan(3.5);
    expect(fitStudentT(normals(3000, 3))!.df).toBeGreaterThan(15);
    expect(fitStudentT([1, 2, 3])).toBeUndefined();
  });

  it("a launch-level move of 6 robust σ is flagged under a normal model but not under the learnt tail", () => {
    const sigma2 = 1e-5; // launch sd ≈ 0.32 %
    const history = { variance: 0, df: 0, runVariance: sigma2, runDf: 40, levelVariance: sigma2, levelRepeats: 1 };
    const move = 6 * Math.sqrt(2 * sigma2); // ≈ +2.7 %
    const normal = decideCell([100], [100 * Math.exp(move)], "lower", { history });
    expect(normal.verdict).toBe("regressed");
    const tailed = decideCell([100], [100 * Math.exp(move)], "lower", {
      history: { ...history, launchTail: { df: 1.3, scale: 0.75, n: 400 } },
    });
    expect(tailed.verdict).toBe("inconclusive");
    // The ❔ says what would help.
    expect(tailed.reason.endsWith(`: ${TOO_WIDE_ONE_LAUNCH}`)).toBe(true);
    // A 10 % slowdown is still far outside the tail.
    const big = decideCell([100], [110], "lower", {
      history: { ...history, launchTail: { df: 1.3, scale: 0.75, n: 400 } },
    });
    expect(big.verdict).toBe("regressed");
  });

  it("the prior carries its series' tail, and a short series borrows its hardware's", () => {
    const tail = { df: 1.5, scale: 0.8, n: 300 };
    const prior: PriorData = {
      ...PRIOR,
      series: {
        "mi35x/GROK2_FP8/grok-online/-": {
          median_e2e_latency_ms: { all: { variance: 1e-5, df: 10, nights: 12 } },
        },
      },
      hardware: { mi35x: { median_e2e_latency_ms: { all: { variance: 1e-5, df: 10, nights: 50, tail } } } },
    };
    const scope = { hardware: "MI355X", model: "GROK2_FP8", suite: "grok-online" };
    const found = priorNoise(scope, { request_rate: 1 }, "median_e2e_latency_ms", prior)!;
    expect(found.tail).toEqual(tail);
    expect(withPrior(undefined, found)!.launchTail).toEqual(tail);
  });

  it("finds a step on the second night after a release change (sought across metadata changes)", () => {
    const runs = [
      ...dates(6).map((d) => night(d, { tag: "v0.5.4" })),
      night("20251107", { tag: "v0.5.5" }),
      ...dates(6, 20251108).map((d) => night(d, { tag: "v0.5.5", level: 1.4 })),
    ];
    const detect: ChangeDetector = (nights) => {
      const i = nights.findIndex((n) => n.date === "20251108");
      return i > 0 ? [i] : [];
    };
    expect(
      splitRegimes(runs, detect).map((r) => [r.nights[0], r.nights.length, r.startReason?.split(" (")[0]]),
    ).toEqual([
      ["20251101", 6, undefined],
      ["20251107", 1, "release 0.5.4 → 0.5.5"],
      ["20251108", 6, "level shift in 6 cells"],
    ]);
  });
});

describe("a reused baseline's companions", () => {
  it("joins the baseline with the newest earlier nightlies of its regime, never across a host change", () => {
    const runs = [...dates(3).map((d) => night(d, { node: "host-b" })), ...dates(4, 20251104).map((d) => night(d))];
    const baseline = runs[runs.length - 1]!;
    expect(regimeCompanions(runs, baseline).map((r) => r.date)).toEqual(["20251106", "20251105"]);
    expect(regimeCompanions(runs, runs[4]!).map((r) => r.date)).toEqual(["20251104"]);
    // The first night after the host change has no companion; another model's nights never are.
    expect(regimeCompanions(runs, runs[3]!)).toEqual([]);
    expect(regimeCompanions([...runs, night("20251106", { model: "Llama" })], runs[4]!).map((r) => r.date)).toEqual([
      "20251104",
    ]);
    const merged = mergeBlocks([baseline, ...regimeCompanions(runs, baseline)]);
    expect(new Set(merged.points[0]!.repeats.map((r) => r.labels?.launch ?? "0")).size).toBe(3);
  });

  it("keeps main alone when the reused night is a step of its own, and leaves out a companion the anchor does not reproduce", () => {
    // Six quiet nights, then the merge base's night 40 % slower (the real DeepSeek 11-21): one night
    // of a new level the detector cannot cut yet, so the regime and its companions are the old level.
    const runs = [...dates(6).map((d) => night(d)), night("20251107", { level: 1.4 })];
    const step = runs[6]!;
    const found = regimeCompanions(runs, step);
    expect(found.map((r) => r.date)).toEqual(["20251106", "20251105"]);
    const alone = companionsOf(step, found, []);
    expect(alone.companions).toEqual([]);
    expect(alone.alone).toMatch(
      /^its night is off the level of the earlier nightlies of its regime \(20251106, 20251105\) in 6 of 6 cells/,
    );
    // A usual night keeps its companions.
    expect(companionsOf(runs[5]!, regimeCompanions(runs, runs[5]!), [])).toEqual({
      companions: regimeCompanions(runs, runs[5]!),
      stepConfirmed: false,
    });
    // One companion only (nightApart needs two): the anchor's word decides.
    const one = companionsOf(step, [runs[5]!], [runs[5]!]);
    expect(one.companions).toEqual([]);
    expect(one.alone).toMatch(/^the anchor does not reproduce the earlier nightly of 20251106: a step/);
    expect(one.stepConfirmed).toBe(true);
    // One of two unlike: only it stays out.
    const usual = runs[5]!;
    const partly = companionsOf(usual, [runs[4]!, runs[3]!], [runs[3]!]);
    expect(partly.companions).toEqual([runs[4]!]);
    expect(partly.alone).toMatch(/20251104: left out as launches of main$/);
    expect(partly.stepConfirmed).toBe(false);
  });
});

describe("the tail learnt from the user's own history", () => {
  // A model the shipped prior never saw: 24 nights whose launch level moves a little on every point
  // at once (as on the real nightlies: shared fraction 0–0.4), every 6th one off by +3 %.
  const nights = dates(24).map((d, i) =>
    night(d, { model: "Llama", level: i % 6 === 3 ? 1.03 : 1 + 0.002 * Math.sin(i * 1.7) }),
  );
  const base = night("20251201", { model: "Llama" });

  it("fits a heavy tail from the history's night differences", () => {
    const tails = learnLaunchTails(nights, changepointDetector);
    const tail = tails.get("mi35x/Llama_FP8/grok-online/-")?.get("median_e2e_latency_ms");
    expect(tail).toBeDefined();
    expect(tail!.df).toBeLessThan(3);
    expect(learnLaunchTails(nights.slice(0, 4), changepointDetector).size).toBe(0);
    expect(learnLaunchTails(nights).size).toBe(0); // no detector: no regimes to learn within
  });

  it("an odd-night-sized move is no longer flagged; a 15 % slowdown still is", () => {
    const verdicts = (level: number, detect?: typeof changepointDetector): string[] =>
      compareRuns([base], [night("20251202", { model: "Llama", level })], {
        history: nights,
        prior: false,
        ...(detect ? { detectChanges: detect } : {}),
      })
        .cells.filter((c) => c.metric === "median_e2e_latency_ms")
        .map((c) => c.verdict);
    expect(verdicts(1.03)).toContain("regressed"); // history without its tail: a normal model
    expect(verdicts(1.03, changepointDetector)).not.toContain("regressed");
    expect(verdicts(1.15, changepointDetector)).toEqual(["regressed", "regressed", "regressed"]);
  });
});
