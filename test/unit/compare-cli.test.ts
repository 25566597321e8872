import { describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { run } from "../../src/cli/commands/compare.js";
import { captureIO } from "../helpers/capture-io.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { existingRunsCost } from "../../src/pipeline/existing-runs-cost.js";

const DS = join(import.meta.dirname, "..", "fixtures", "real", "online_benchmark_log", "mi30x", "DeepSeek-V3-0324");
const day = (d: string, post = "post1"): string =>
  join(DS, `v0.5.3.${post}-rocm630-mi30x-${d}_DeepSeek-V3-0324_FP8_online`);
const GROK = join(import.meta.dirname, "..", "fixtures", "real", "online", "GROK2");

describe("sglbench compare", () => {
  it("prints JSON cells with verdicts, intervals and a summary that accounts for every cell", async () => {
    const io = captureIO();
    const code = await run(
      ["--csv1", day("20251014"), "--csv2", day("20251015"), "--history", DS, "--format", "json"],
      io,
    );
    expect(code).toBe(0);
    const json = JSON.parse(io.out.join("")) as {
      cells: {
        suite: string;
        point: object;
        metric: string;
        verdict: string;
        interval: number[] | null;
        baseline: { values: number[] };
      }[];
      summary: Record<string, number>;
      learntFrom: { nights: string[] }[];
    };
    expect(json.cells.length).toBeGreaterThan(40);
    // The history folder holds the PR's own night too: it is judged, never learnt from.
    expect(json.learntFrom[0]!.nights).toContain("20251013");
    expect(json.learntFrom[0]!.nights).not.toContain("20251015");
    const total = Object.values(json.summary).reduce((a, b) => a + b, 0);
    expect(total).toBe(json.cells.length);
    const e2e = json.cells.find(
      (c) => c.metric === "median_e2e_latency_ms" && JSON.stringify(c.point).includes('"concurrency":1'),
    )!;
    expect(e2e.suite).toBe("deepseek-online");
    expect(e2e.baseline.values).toHaveLength(3); // positions corrected from history: all repeats kept
    expect(e2e.interval).toHaveLength(2);
    expect(json.summary.unchanged).toBeGreaterThan(30);
  });

  it("writes the seed-style report folder under --output-dir and appends with --append", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench-compare-"));
    const io = captureIO();
    expect(await run(["--csv1", day("20251013"), "--csv2", day("20251014"), "--output-dir", out], io)).toBe(0);
    const [folder] = readdirSync(out);
    expect(folder).toMatch(
      /^\d{8}_\d{6}_v0\.5\.3\.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_online_vs_v0\.5\.3/,
    );
    const md = readFileSync(join(out, folder!, `${folder}.md`), "utf8");
    // The headline first (no PR number here: "The PR side …"), then the counts once.
    expect(md.split("\n")[0]).toMatch(/^### . The PR side /);
    expect(md.split("\n")[2]).toMatch(
      /^(🔴|🟢|⚪|❔|❌) \d+ (regressed|improved|unchanged|inconclusive|failed)( · |$)/,
    );
    // compare runs nothing; the footer says what the two runs it read spent (their logs' start and end), in one line.
    expect(md).toMatch(
      /^\*\*Cost:\*\* ~\d+ GPU-minutes recorded by the two runs \(\d+ min of run time\); compare itself ran nothing\.$/m,
    );
    expect(io.out.join("")).toContain(`Report: ${join(out, folder!)}`);
    const file = join(out, "report.md");
    writeFileSync(file, "# previous\n");
    expect(
      await run(["--csv1", day("20251013"), "--csv2", day("20251014"), "--output-md", file, "--append"], captureIO()),
    ).toBe(0);
    expect(readFileSync(file, "utf8")).toMatch(/^# previous\n### /);
  });

  it("reproduces itself: the report's command carries --history and the --hardware that was given", async () => {
    const out = mkdtempSync(join(tmpdir(), "sglbench compare "));
    const argv = ["--csv1", day("20251014"), "--csv2", day("20251015"), "--history", day("20251013")];
    expect(await run([...argv, "--hardware", "mi30x", "--output-dir", out], captureIO())).toBe(0);
    const [folder] = readdirSync(out);
    const md = readFileSync(join(out, folder!, `${folder}.md`), "utf8");
    expect(md).toContain(
      `sglbench compare --csv1 ${day("20251014")} --csv2 ${day("20251015")} --mode auto --performance-threshold 2 --history ${day("20251013")} --hardware mi30x`,
    );
  });

  it("takes the minimum effect from PERFORMANCE_THRESHOLD", async () => {
    const io = captureIO();
    io.env.PERFORMANCE_THRESHOLD = "50";
    await run(["--csv1", day("20251013"), "--csv2", day("20251016", "post2"), "--format", "json"], io);
    const json = JSON.parse(io.out.join("")) as {
      summary: { regressed: number; improved: number };
      settings: { minEffectPct: number };
    };
    expect(json.settings.minEffectPct).toBe(50);
    expect(json.summary.regressed + json.summary.improved).toBe(0);
  });

  it("refuses to compare different models, says so field by field and exits 1", async () => {
    const io = captureIO();
    expect(
      await run(
        [
          "--csv1",
          day("20251013"),
          "--csv2",
          join(GROK, "v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online"),
          "--format",
          "json",
        ],
        io,
      ),
    ).toBe(1);
    expect(io.err.join("")).toContain("  model: main DeepSeek-V3-0324 FP8, PR GROK2 FP8\n");
    const json = JSON.parse(io.out.join("")) as {
      mismatches: string[];
      summary: { regressed: number; improved: number; failed: number };
      cells: { verdict: string; reason: string }[];
    };
    expect(json.mismatches[0]).toMatch(/different model DeepSeek-V3-0324_FP8 vs GROK2_FP8/);
    expect(json.summary.regressed + json.summary.improved).toBe(0);
    // Their points differ too (concurrency vs rate): not compared, never "main: not run" ❌.
    expect(json.summary.failed).toBe(0);
    for (const c of json.cells) expect(c.reason).toMatch(/^not compared: different model/);
  });

  it("exits 4 naming the folder when a side has nothing readable, and 1 when the model filter leaves nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "sglbench-empty-"));
    const io = captureIO();
    expect(await run(["--csv1", empty, "--csv2", day("20251014"), "--format", "json"], io)).toBe(4);
    expect(io.err.join("")).toContain(`main (--csv1) (${empty}): no benchmark results found`);
    const io2 = captureIO();
    expect(await run(["--csv1", day("20251013"), "--csv2", day("20251014"), "--model", "grok"], io2)).toBe(1);
    expect(io2.err.join("")).toMatch(/for model grok/);
    const io3 = captureIO();
    expect(await run(["--csv1", day("20251013"), "--csv2", day("20251014"), "--mode", "offline"], io3)).toBe(1);
  });

  it("a --history path that is not there exits 4; one that gives no run is said on stderr and in the report", async () => {
    const io = captureIO();
    const args = ["--csv1", day("20251013"), "--csv2", day("20251014"), "--format", "json"];
    expect(await run([...args, "--history", "/nonexistent-history"], io)).toBe(4);
    expect(io.err.join("")).toContain("--history /nonexistent-history: no such file or folder");
    const empty = mkdtempSync(join(tmpdir(), "sglbench-empty-history-"));
    const io2 = captureIO();
    expect(await run([...args, "--history", empty], io2)).toBe(0);
    expect(io2.err.join("")).toContain(`${empty}: --history gave no readable run`);
    // Another model's nights: read, and said to teach nothing here.
    const io3 = captureIO();
    expect(await run([...args, "--history", GROK], io3)).toBe(0);
    expect(io3.err.join("")).toContain(`${GROK}: --history has no run of the compared series (`);
    // …and in the saved report itself, not only on stderr.
    const caveats = (JSON.parse(io3.out.join("")) as { caveats?: string[] }).caveats ?? [];
    expect(caveats.some((x) => x.startsWith("--history has no run of the compared series ("))).toBe(true);
    expect((JSON.parse(io2.out.join("")) as { caveats?: string[] }).caveats).toContain(
      "--history gave no readable run: noise from the built-in prior only",
    );
  });

  it("a history log cut mid-number is named FILE:LINE, exits 3, and its run is not learnt from", async () => {
    const args = ["--csv1", day("20251015"), "--csv2", day("20251016", "post2"), "--format", "json"];
    const history = (damage: (log: string) => void): string => {
      const dir = mkdtempSync(join(tmpdir(), "sglbench-cut-history-"));
      for (const d of ["20251013", "20251014"]) cpSync(day(d), join(dir, basename(day(d))), { recursive: true });
      damage(join(dir, basename(day("20251013")), "sglang_serving_benchmark_concurrency_1_run1_20251014_024635.log"));
      return dir;
    };
    // Cut at `Median ITL (ms): 2` (of 20.47), line 37: the log stops there.
    const cut = history((log) => {
      const text = readFileSync(log, "utf8");
      const line = text.indexOf("Median ITL (ms):");
      writeFileSync(log, text.slice(0, text.indexOf("20.47", line) + 1));
    });
    const io = captureIO();
    expect(await run([...args, "--history", cut], io)).toBe(3);
    expect(io.err.join("")).toMatch(/concurrency_1_run1_20251014_024635\.log:37: history: the log stops mid-line/);
    // The run it cut is left out of what is learnt: as if that repeat had never been logged.
    const gone = history((log) => writeFileSync(log, ""));
    const io2 = captureIO();
    await run([...args, "--history", gone], io2);
    type Cells = { cells: { metric: string; point: object; interval: number[] | null }[] };
    const intervals = (out: string[]) => (JSON.parse(out.join("")) as Cells).cells.map((c) => c.interval);
    expect(intervals(io.out)).toEqual(intervals(io2.out));
  });

  it("finds GSM8K results through GSM8K_LOG_PATTERNS when the folder's own files do not give them", async () => {
    const root = mkdtempSync(join(tmpdir(), "sglbench-gsm8k-"));
    const side = (d: string): string => {
      const dir = join(root, d);
      cpSync(day(d), dir, { recursive: true });
      renameSync(join(dir, "sglang_client_log_DeepSeek-V3-0324_gsm8k.log"), join(dir, "accuracy_check.txt"));
      return dir;
    };
    const a = side("20251013");
    const b = side("20251014");
    const without = captureIO();
    await run(["--csv1", a, "--csv2", b, "--format", "json"], without);
    const cells = (io: ReturnType<typeof captureIO>) =>
      (JSON.parse(io.out.join("")) as { cells: { kind: string; baseline: { values: number[] } }[] }).cells;
    expect(cells(without).some((c) => c.kind === "gsm8k")).toBe(false);
    const withPatterns = captureIO();
    withPatterns.env.GSM8K_LOG_PATTERNS = "*.md;accuracy_*.txt";
    await run(["--csv1", a, "--csv2", b, "--format", "json"], withPatterns);
    const g = cells(withPatterns).find((c) => c.kind === "gsm8k");
    expect(g?.baseline.values.length).toBeGreaterThan(0);
  });

  it("catches a ×1.10 latency / ×0.90 throughput shift written into the PR night's real logs, and flags nothing without it", async () => {
    // The PR side: night 16 with every bench_serving number rewritten as a 10 % slower build would
    // print it (latencies ×1.10, throughputs ×0.90, duration ÷0.90, same decimals); main: night 15.
    // History: the nights before, as the App passes main's nightlies.
    const root = mkdtempSync(join(tmpdir(), "sglbench-shift-"));
    const night = day("20251016", "post2");
    const pr = join(root, basename(night));
    cpSync(night, pr, { recursive: true });
    for (const f of readdirSync(pr).filter((x) => x.startsWith("sglang_serving_benchmark"))) {
      const text = readFileSync(join(pr, f), "utf8").replace(
        /^(.*\((ms|s|req\/s|tok\/s)\):\s+)(\d+(?:\.(\d+))?)/gm,
        (line, key: string, unit: string, value: string, decimals = "") => {
          const factor = unit === "ms" ? 1.1 : unit === "s" ? (/duration/.test(key) ? 1 / 0.9 : 1) : 0.9;
          return `${key}${(Number(value) * factor).toFixed(decimals.length)}`;
        },
      );
      writeFileSync(join(pr, f), text);
    }
    const history = ["20251013", "20251014"].flatMap((d) => ["--history", day(d)]);
    const verdicts = async (candidate: string) => {
      const io = captureIO();
      expect(await run(["--csv1", day("20251015"), "--csv2", candidate, ...history, "--format", "json"], io)).toBe(0);
      const json = JSON.parse(io.out.join("")) as { cells: { kind: string; better: string; verdict: string }[] };
      return json.cells.filter((c) => c.kind === "metric" && c.better !== "none").map((c) => c.verdict);
    };
    const shifted = await verdicts(pr);
    expect(shifted).toHaveLength(40); // 5 concurrencies × 8 directed metrics
    expect(shifted.filter((v) => v === "regressed").length).toBeGreaterThanOrEqual(38); // ≥ 95 %
    expect(shifted).not.toContain("improved");
    const same = await verdicts(night);
    expect(same.filter((v) => v === "regressed" || v === "improved")).toHaveLength(0);
  });

  it("controls false discoveries across a suite unless --false-discovery-rate off", async () => {
    // 20251014 → 20251015 (same regime): alone, P99 TTFT at concurrency 16 is +6.6 % [+1.9, +12] — one
    // borderline cell of the 40 with an interval, within chance for the suite.
    const flagged = async (...extra: string[]) => {
      const io = captureIO();
      expect(await run(["--csv1", day("20251014"), "--csv2", day("20251015"), "--format", "json", ...extra], io)).toBe(
        0,
      );
      const json = JSON.parse(io.out.join("")) as { summary: Record<string, number>; settings: object };
      return { flags: json.summary.regressed! + json.summary.improved!, settings: json.settings };
    };
    const on = await flagged();
    expect(on).toMatchObject({ flags: 0, settings: { falseDiscoveryRate: 0.1 } });
    const off = await flagged("--false-discovery-rate", "OFF");
    expect(off.flags).toBe(1);
    expect(off.settings).not.toHaveProperty("falseDiscoveryRate");
  });

  it("names the built-in prior entries the launch noise came from when there is no history", async () => {
    const io = captureIO();
    expect(await run(["--csv1", day("20251014"), "--csv2", day("20251015"), "--format", "json"], io)).toBe(0);
    const json = JSON.parse(io.out.join("")) as { priorUsed?: string[]; learntFrom?: unknown };
    expect(json.priorUsed).toContain("series mi30x/DeepSeek-V3-0324_FP8/deepseek-online/-");
    expect(json).not.toHaveProperty("learntFrom");
    const md = captureIO();
    const out = join(mkdtempSync(join(tmpdir(), "sglbench-prior-")), "r.md");
    expect(await run(["--csv1", day("20251014"), "--csv2", day("20251015"), "--output-md", out], md)).toBe(0);
    expect(readFileSync(out, "utf8")).toContain(
      "Launch noise from the built-in prior (learnt from real nightlies): series mi30x DeepSeek-V3-0324_FP8 deepseek-online",
    );
  });

  it("takes --format markdown for md", async () => {
    const io = captureIO();
    expect(await run(["--csv1", day("20251014"), "--csv2", day("20251015"), "--format", "markdown"], io)).toBe(0);
    expect(io.err.join("")).not.toContain("--format must be");
  });

  it("exits 2 with the usage on bad flags", async () => {
    for (const argv of [
      ["--csv1", "a"],
      ["--bogus"],
      ["--csv1", "a", "--csv2", "b", "--mode", "x"],
      ["--csv1", "a", "--csv2", "b", "--performance-threshold", "abc"],
      ["--csv1", "a", "--csv2", "b", "--false-discovery-rate", "2"],
    ]) {
      const io = captureIO();
      expect(await run(argv, io)).toBe(2);
      expect(io.err.join("")).toContain("Usage: sglbench compare");
    }
    const help = captureIO();
    expect(await run(["--help"], help)).toBe(0);
    expect(help.out.join("")).toContain("--performance-threshold");
  });
});

describe("sglbench compare when both runs crashed", () => {
  it("reports ❌ with both causes and exits 1", async () => {
    const side = (message: string): string => {
      const dir = mkdtempSync(join(tmpdir(), "sglbench-crashed-"));
      const record = {
        schema_version: 1,
        kind: "online",
        suite: "deepseek-online",
        model: { name: "DeepSeek-V3-0324", variant: "FP8" },
        points: [],
        failures: [{ kind: "crash", message }],
        diagnostics: [],
        sources: [],
      };
      writeFileSync(join(dir, "results.json"), JSON.stringify(record));
      return dir;
    };
    const io = captureIO();
    const out = mkdtempSync(join(tmpdir(), "sglbench-crashed-out-"));
    const code = await run(
      ["--csv1", side("server died (main)"), "--csv2", side("server died (PR)"), "--output-dir", out],
      io,
    );
    const text = io.out.join("");
    expect(text.split("\n")[0]).toMatch(
      /^❌ The comparison failed: .*main: crash: server died \(main\); PR: crash: server died \(PR\)/,
    );
    expect(text).toContain("❌ 1 failed");
    expect(code).toBe(1);
  });
});

describe("compare's cost line", () => {
  const recorded = (over: Partial<RunResults>): RunResults =>
    emptyRun({ kind: "online", suite: "deepseek-online", model: { name: "DeepSeek-V3-0324" }, ...over });
  it("adds up the GPU-minutes the two runs recorded (run time × TP)", () => {
    const a = recorded({ timings: { total: 1800 } });
    const b = recorded({ started_at: "2025-10-16T00:00:00Z", finished_at: "2025-10-16T00:45:00Z" });
    expect(existingRunsCost([a], [b])).toBe(
      "~600 GPU-minutes recorded by the two runs (75 min of run time); compare itself ran nothing",
    );
  });
  it("says it is not known when a run records no timings", () => {
    expect(existingRunsCost([recorded({ timings: { total: 60 } })], [recorded({})])).toMatch(
      /^not known for a comparison of two existing runs/,
    );
  });
});
