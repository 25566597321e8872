import { describe, expect, it, beforeAll, afterAll } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/changes.js";
import { buildSeries, findSeriesChanges, type SeriesChange } from "../../src/core/trends/index.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { writeResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";

/** Deterministic noise so the test is reproducible. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function dateOf(day: number): string {
  return new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10).replaceAll("-", "");
}

/** 60 nights of DeepSeek online, 3 repeats each; ITL at concurrency 64 gets 8 % slower from night 40. */
function syntheticHistory(): RunResults[] {
  const noise = rng(7);
  const runs: RunResults[] = [];
  for (let day = 0; day < 60; day++) {
    const date = dateOf(day);
    const r = emptyRun({
      kind: "online",
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      date,
      image: { full: `rocm/sgl-dev:v0.5.3-rocm630-mi30x-${date}`, tag: `v0.5.3-rocm630-mi30x-${date}` },
    });
    for (const c of [1, 64]) {
      const itl = (c === 64 ? 42 : 20.5) * (c === 64 && day >= 40 ? 1.08 : 1);
      r.points.push({
        point: { concurrency: c, input_len: 3200, output_len: 800 },
        repeats: [1, 2, 3].map((index) => ({
          index,
          metrics: { median_itl_ms: itl * (1 + 0.01 * noise()), median_e2e_latency_ms: 16500 * (1 + 0.01 * noise()) },
        })),
      });
    }
    runs.push(r);
  }
  return runs;
}

describe("nightly series and change points", () => {
  it("keeps an online server configuration (dp_attention) in its own series", () => {
    const runs = syntheticHistory().slice(0, 3);
    const dp = syntheticHistory()
      .slice(0, 3)
      .map((r) => ({ ...r, mode: "dp_attention" }));
    const suites = new Set(buildSeries([...runs, ...dp]).map((s) => s.suite));
    expect([...suites].sort()).toEqual(["deepseek-online", "deepseek-online-dp_attention"]);
    expect(buildSeries([...runs, ...dp]).every((s) => s.nights.every((n) => n.values.length === 3))).toBe(true);
  });

  it("finds the planted 8 % ITL regression at the right night and nothing else", () => {
    const series = buildSeries(syntheticHistory());
    expect(series.map((s) => s.key)).toContain(
      "mi30x/DeepSeek-V3-0324_FP8/deepseek-online/input_len=3200,output_len=800,concurrency=64/median_itl_ms",
    );
    expect(series.every((s) => s.nights.length === 60)).toBe(true);
    const changes = findSeriesChanges(series);
    expect(changes).toHaveLength(1);
    const c = changes[0] as SeriesChange;
    expect(c).toMatchObject({
      date: dateOf(40),
      previous_date: dateOf(39),
      metric: "median_itl_ms",
      kind: "regression",
      direction: "slower",
      tag_before: `v0.5.3-rocm630-mi30x-${dateOf(39)}`,
      tag_after: `v0.5.3-rocm630-mi30x-${dateOf(40)}`,
      current: true,
    });
    expect(c.change_pct).toBeGreaterThan(6);
    expect(c.change_pct).toBeLessThan(10);
    expect(c.strength).toBeGreaterThan(5);
    expect(c.around.map((a) => a.date)).toEqual(Array.from({ length: 30 }, (_, i) => dateOf(25 + i)));
  });

  it("pools two runs of one night and orders nights by date", () => {
    const runs = syntheticHistory().slice(0, 3).reverse();
    const dup = structuredClone(runs[0] as RunResults);
    runs.push(dup);
    const s = buildSeries(runs, { metrics: ["median_itl_ms"] })[0];
    expect(s?.nights.map((n) => n.date)).toEqual([dateOf(0), dateOf(1), dateOf(2)]);
    expect(s?.nights[2]?.values).toHaveLength(6);
  });
});

describe("sglbench changes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sglbench-changes-"));
    for (const r of syntheticHistory())
      await writeResults(join(dir, "online", "DeepSeek-V3-0324", `${r.image?.tag}_DeepSeek-V3-0324_FP8_online`), r);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the regression and exits 1; --json gives the fields", async () => {
    const io = captureIO(dir);
    expect(await run(["--data-dir", dir], io)).toBe(1);
    const out = io.out.join("");
    expect(out).toContain("60 runs, 4 series, 1 change point on 1 night");
    expect(out).toContain(`${dateOf(40)}  mi30x DeepSeek-V3-0324_FP8 deepseek-online: 1 series (1 regression)`);
    // Same image version and host on both sides: the nightly image is the likely cause, with its commits.
    expect(out).toContain(
      `likely cause: nightly image v0.5.3-rocm630-mi30x-${dateOf(39)} → v0.5.3-rocm630-mi30x-${dateOf(40)}`,
    );
    expect(out).toContain(
      "commits: https://github.com/sgl-project/sglang/commits/main/?since=2025-02-09&until=2025-02-10",
    );
    expect(out).toMatch(/regression\s+input_len=3200,output_len=800,concurrency=64\s+Median ITL \(ms\)/);
    const json = captureIO(dir);
    await run(["--data-dir", dir, "--json"], json);
    const changes = JSON.parse(json.out.join("")) as SeriesChange[];
    // `direction` is the same word as every report's (slower/faster/higher/lower); `kind` says regression/improvement.
    expect(changes[0]).toMatchObject({ date: dateOf(40), kind: "regression", direction: "slower" });
    expect(changes[0]).not.toHaveProperty("change_direction");
  });

  it("--since after the change and --days before it report nothing (exit 0)", async () => {
    const io = captureIO(dir);
    expect(await run(["--data-dir", dir, "--since", dateOf(41)], io)).toBe(0);
    expect(io.out.join("")).toContain("0 change points");
    const early = captureIO(dir);
    expect(await run(["--data-dir", dir, "--days", "30", "--today", dateOf(35)], early)).toBe(0);
    expect(early.out.join("")).toContain("30 runs");
  });

  it("finds nothing in the real four DeepSeek nights and rejects bad flags", async () => {
    const io = captureIO(process.cwd());
    expect(await run(["--data-dir", "test/fixtures/real"], io)).toBe(0);
    // 4 DeepSeek folders (their console logs merged in), the GROK2 folder, 4 Grok-1 nights known only from cron logs.
    expect(io.out.join("")).toMatch(/^9 runs, \d+ series, 0 change points/);
    expect(io.err.join("")).toContain(
      "skipped cron_log/mi30x/20251013/grok_nightly.log: no benchmark results in console log (ERROR: Could not find and obtain any valid non-SRT images",
    );
    const grok2 = captureIO(process.cwd());
    expect(await run(["--data-dir", "test/fixtures/real", "--model", "GROK2"], grok2)).toBe(0);
    expect(grok2.out.join("")).toMatch(/^1 runs, 15 series, 0 change points/);
    for (const args of [
      ["--metric", "nope"],
      ["--noise-k", "0"],
      ["--persist", "1.5"],
      ["--since", "yesterday"],
      ["--x"],
    ]) {
      const bad = captureIO(dir);
      expect(await run(args, bad)).toBe(2);
      expect(bad.err.join("")).toContain("Usage: sglbench changes");
    }
  });

  it("an empty folder is an error naming it", async () => {
    const empty = await mkdtemp(join(tmpdir(), "sglbench-changes-empty-"));
    const io = captureIO(empty);
    expect(await run(["--data-dir", empty], io)).toBe(4);
    expect(io.err.join("")).toContain(`no runs under ${empty}`);
    await rm(empty, { recursive: true });
  });
});

describe("history from the seed's nightly console logs", () => {
  it("finds the cron logs by date and ingests their best-of-3 results", async () => {
    const { findConsoleLogs, loadHistory } = await import("../../src/store/history.js");
    const root = join(process.cwd(), "test/fixtures/real");
    const logs = await findConsoleLogs(root, new Set(["20251015", "20251016"]));
    expect(logs.map((l) => l.slice(root.length + 1))).toEqual([
      "cron_log/mi30x/20251015/deepseek_nightly_online.log",
      "cron_log/mi30x/20251015/grok_nightly.log",
      "cron_log/mi30x/20251016/deepseek_nightly_online.log",
      "cron_log/mi30x/20251016/grok_nightly.log",
    ]);
    const { runs } = await loadHistory(join(root, "cron_log"));
    const grok = runs.filter((r) => r.suite === "grok-online");
    expect(grok.map((r) => r.image?.tag)).toEqual([
      "v0.5.3.post1-rocm630-mi30x-20251013",
      "v0.5.3.post1-rocm630-mi30x-20251014",
      "v0.5.3.post1-rocm630-mi30x-20251015",
      "v0.5.3.post2-rocm630-mi30x-20251016",
    ]);
    expect(grok.every((r) => r.points.length === 5)).toBe(true);
  });
});

describe("change points on synthetic nightly series", () => {
  /** Gaussian-ish noise from the deterministic generator (sum of 4 uniforms). */
  function gauss(r: () => number): number {
    return (r() + r() + r() + r()) * Math.sqrt(3);
  }
  function series(nights: number, level: (i: number) => number, seed: number, repeatSd = 0.01, nightSd = 0.005) {
    const r = rng(seed);
    return Array.from({ length: nights }, (_, i) => {
      const night = level(i) * (1 + nightSd * gauss(r));
      return { date: dateOf(i), values: [1, 2, 3].map(() => night * (1 + repeatSd * gauss(r))) };
    });
  }
  const asSeries = (nights: { date: string; values: number[] }[], key: string) => ({
    key,
    hardware: "mi30x",
    model: "M",
    suite: "s",
    point: "p",
    metric: "median_itl_ms",
    nights,
    tags: nights.map((n) => n.date),
  });

  it("raises no false alarm on 40 noisy series of 90 nights (3 months)", () => {
    const all = Array.from({ length: 40 }, (_, k) =>
      asSeries(
        series(90, () => 20, 100 + k),
        `noise${k}`,
      ),
    );
    const changes = findSeriesChanges(all);
    // Target: at most one false alarm per series per month (120 here); the test is far stricter.
    expect(changes.length).toBeLessThanOrEqual(2);
  });

  it("finds two planted shifts and a dip that recovered, each at its night", () => {
    const steps = asSeries(
      series(120, (i) => (i < 40 ? 20 : i < 80 ? 21.2 : 19.8), 5),
      "steps",
    );
    const dip = asSeries(
      series(90, (i) => (i >= 50 && i < 60 ? 22 : 20), 6),
      "dip",
    );
    const changes = findSeriesChanges([steps, dip]);
    const at = (key: string) => changes.filter((c) => c.series === key).map((c) => [c.date, c.kind, c.current]);
    expect(at("steps")).toEqual([
      [dateOf(40), "regression", false],
      [dateOf(80), "improvement", true],
    ]);
    expect(at("dip")).toEqual([
      [dateOf(50), "regression", false],
      [dateOf(60), "improvement", true],
    ]);
  });
});
