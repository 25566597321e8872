/**
 * The conventions every `sglbench` command shares: --version, one-line flag errors with the
 * synopsis, --fail-on for scripts, a quiet end on a closed pipe, and exit 3 only for this run's
 * own partial work (not for an old night that failed once).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { main } from "../../src/cli/main.js";
import { editDistance, nearest } from "../../src/core/util/index.js";
import { failOnReason } from "../../src/core/verdict/index.js";
import { pathDate, skipsOfNewestNight } from "../../src/core/trends/index.js";
import type { RunResults } from "../../src/core/results/index.js";
import { writeResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";
import { comparisonFile } from "../helpers/compare-pr-fakes.js";
import { offlineHistory, writeHistory } from "../helpers/plots-history.js";

// Processes and bundles: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const ROOT = join(import.meta.dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const DS = join(ROOT, "test", "fixtures", "real", "online_benchmark_log", "mi30x", "DeepSeek-V3-0324");
const night = (d: string): string => join(DS, `v0.5.3.post1-rocm630-mi30x-${d}_DeepSeek-V3-0324_FP8_online`);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "sglbench-conventions-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("sglbench --version", () => {
  it("prints the package version from the sources", async () => {
    const io = captureIO();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out.join("")).toBe(`sglbench ${VERSION}\n`);
  });

  it("prints it from the bundle too, with no package.json beside it", async () => {
    const out = join(tmp, "dist");
    await execa("node", ["scripts/build.mjs"], { cwd: ROOT, env: { SGLBENCH_DIST_DIR: out } });
    // Alone in a folder: the version must be baked in, not read from a package.json nearby.
    const alone = join(tmp, "alone");
    await mkdir(alone);
    copyFileSync(join(out, "cli.js"), join(alone, "cli.mjs"));
    const r = await execa("node", [join(alone, "cli.mjs"), "--version"], { reject: false });
    expect({ code: r.exitCode, out: r.stdout, err: r.stderr }).toEqual({
      code: 0,
      out: `sglbench ${VERSION}`,
      err: "",
    });
  }, 120_000);
});

describe("flag errors: one line and the synopsis, exit 2", () => {
  const cases: [string[], string, string][] = [
    [
      ["process", "--dayz", "3"],
      "sglbench process: unknown option --dayz (did you mean --days?)",
      "Usage: sglbench process ",
    ],
    [
      ["plot", "--fromat", "svg"],
      "sglbench plot: unknown option --fromat (did you mean --format?)",
      "Usage: sglbench plot ",
    ],
    [["dashboard", "--bogus"], "sglbench dashboard: unknown option --bogus", "Usage: sglbench dashboard "],
    [["compare", "--csv1"], "sglbench compare: option --csv1 needs a value", "Usage: sglbench compare "],
    [
      ["compare", "--csv3", "x"],
      "sglbench compare: unknown option --csv3 (did you mean --csv1?)",
      "Usage: sglbench compare ",
    ],
    [
      ["compare-pr", "--pr=1", "--repetas=3"],
      "sglbench compare-pr: unknown option --repetas (did you mean --repeats?)",
      "Usage: sglbench compare-pr ",
    ],
    [
      ["online", "--dry-rnu"],
      "sglbench online: unknown option --dry-rnu (did you mean --dry-run?)",
      "Usage: sglbench online ",
    ],
    [["offline", "--local=yes"], "sglbench offline: option --local takes no value", "Usage: sglbench offline "],
    [
      ["nightly", "--mdoe", "all"],
      "sglbench nightly: unknown option --mdoe (did you mean --mode?)",
      "Usage: sglbench nightly ",
    ],
    [
      ["ingest", "--jsn", "x"],
      "sglbench ingest: unknown option --jsn (did you mean --json?)",
      "Usage: sglbench ingest ",
    ],
    [["process", "--days", "-3"], "sglbench process: option --days needs a value", "Usage: sglbench process "],
    [
      ["process", "--days", "abc"],
      'sglbench process: --days must be a positive integer, not "abc"',
      "Usage: sglbench process ",
    ],
    [["process", "--xyzzy"], "sglbench process: unknown option --xyzzy", "Usage: sglbench process "],
  ];
  it.each(cases)("%j", async (argv, message, usage) => {
    const io = captureIO(tmp);
    expect(await main(argv, io)).toBe(2);
    const lines = io.err.join("").split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(lines[1]).toMatch(new RegExp(`^${usage}`));
    expect(lines.slice(2)).toEqual([""]); // nothing else: no 30 lines of help
    expect(io.out).toEqual([]);
  });

  it("suggests a command for a mistyped one", async () => {
    const io = captureIO();
    expect(await main(["comapre"], io)).toBe(2);
    expect(io.err.join("")).toContain("unknown command 'comapre' (did you mean compare?)");
  });

  it("suggests only near names", () => {
    expect(editDistance("dayz", "days")).toBe(1);
    expect(editDistance("jsno", "json")).toBe(1); // a swap is one edit
    expect(nearest("dayz", ["data-dir", "days", "today"])).toBe("days");
    expect(nearest("x", ["h"])).toBeUndefined();
    expect(nearest("verbose", ["days", "mode"])).toBeUndefined();
  });
});

/** A run folder (results.json) of one night of the synthetic Grok-1 offline history. */
async function runFolder(name: string, run: RunResults): Promise<string> {
  const dir = join(tmp, "compare", name);
  await writeResults(dir, run);
  return dir;
}

describe("--fail-on", () => {
  // Night 50 is 10 % slower at batch size 32 than night 30; nights 30 and 31 differ by noise only.
  const history = offlineHistory(60, 40);
  let before: string;
  let after: string;
  let same: string;
  let missing: string;
  // Separate launches are judged only with a source of launch noise: quiet nights before the shift.
  let quiet: string;
  beforeAll(async () => {
    quiet = join(tmp, "compare-history");
    await writeHistory(quiet, history.slice(2, 30));
    before = await runFolder("night30", history[30]!);
    after = await runFolder("night50", history[50]!);
    same = await runFolder("night31", history[31]!);
    // Batch size 256 did not run on the candidate: a ❌ cell, no regression.
    missing = await runFolder("night31-missing", {
      ...history[31]!,
      points: history[31]!.points.filter((p) => p.point.batch_size !== 256),
    });
  });
  const compare = async (candidate: string, ...extra: string[]) => {
    const io = captureIO(tmp);
    const code = await main(
      ["compare", "--csv1", before, "--csv2", candidate, "--format", "json", "--history", quiet, ...extra],
      io,
    );
    const summary = (JSON.parse(io.out.join("")) as { summary: { regressed: number; failed: number } }).summary;
    return { code, summary, err: io.err.join("") };
  };

  it("compare exits 0 on a regression by default, 1 with --fail-on regressed", async () => {
    const plain = await compare(after);
    expect(plain.summary.regressed).toBeGreaterThan(0);
    expect(plain.code).toBe(0);
    const gated = await compare(after, "--fail-on", "regressed");
    expect(gated.code).toBe(1);
    expect(gated.err).toMatch(/--fail-on regressed: \d+ regressed/);
    expect((await compare(same, "--fail-on", "regressed")).code).toBe(0);
  });

  it("--fail-on regressed still exits 1 when the reader closed stdout (`… | head -1` in a CI step)", async () => {
    const { code, stderr } = await spawnWithClosedStdout([
      "compare",
      "--csv1",
      before,
      "--csv2",
      after,
      "--history",
      quiet,
      "--format",
      "json",
      "--fail-on",
      "regressed",
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/--fail-on regressed: \d+ regressed/);
    expect(stderr).not.toMatch(/EPIPE|Error:/);
  });

  it("--fail-on any also trips on a failed cell; regressed does not", async () => {
    const r = await compare(missing, "--fail-on", "regressed");
    expect(r.summary).toMatchObject({ regressed: 0 });
    expect(r.summary.failed).toBeGreaterThan(0);
    expect(r.code).toBe(0);
    const any = await compare(missing, "--fail-on", "any");
    expect(any.code).toBe(1);
    expect(any.err).toMatch(/--fail-on any: \d+ failed/);
  });

  it("rejects other values, on compare and compare-pr", async () => {
    for (const argv of [
      ["compare", "--csv1", before, "--csv2", after, "--fail-on", "improved"],
      ["compare-pr", "--pr=1", "--fail-on=sometimes"],
    ]) {
      const io = captureIO(tmp);
      expect(await main(argv, io)).toBe(2);
      expect(io.err.join("")).toMatch(/--fail-on must be regressed or any, got "(improved|sometimes)"\nUsage: /);
    }
  });

  it("compare-pr --merge gates the merged verdict", async () => {
    const jobs = join(tmp, "jobs");
    // Two launches a side: their spread is the launch noise (no prior for this offline suite).
    const file = (pr: RunResults[]) => comparisonFile(7, { main: [history[0]!, history[1]!], pr });
    await mkdir(join(jobs, "regressed"), { recursive: true });
    await writeFile(join(jobs, "regressed", "results.json"), JSON.stringify(file([history[50]!, history[51]!])));
    const out = join(tmp, "merged");
    const plain = captureIO(tmp);
    expect(await main(["compare-pr", `--merge=${join(jobs, "regressed")}`, `--output-dir=${out}`], plain)).toBe(0);
    expect(plain.out.join("")).toContain(": regressed — ");
    const gated = captureIO(tmp);
    expect(
      await main(
        ["compare-pr", `--merge=${join(jobs, "regressed")}`, `--output-dir=${out}`, "--fail-on=regressed"],
        gated,
      ),
    ).toBe(1);
    expect(gated.err.join("")).toMatch(/--fail-on regressed: \d+ regressed/);
    // With the jobs' history the merged verdicts learn their noise from it, not only the prior.
    const hist = join(tmp, "merge-history");
    await mkdir(hist, { recursive: true });
    for (const [i, run] of history.slice(0, 20).entries())
      await writeFile(join(hist, `run${i}.json`), JSON.stringify(run));
    const withHistory = captureIO(tmp);
    const mergedDir = join(tmp, "merged-history");
    expect(
      await main(
        ["compare-pr", `--merge=${join(jobs, "regressed")}`, `--output-dir=${mergedDir}`, `--history-dir=${hist}`],
        withHistory,
      ),
    ).toBe(0);
    expect(withHistory.out.join("")).toContain(`merge: noise history 20 runs from ${hist}`);
    const [folder] = await readdir(mergedDir);
    const merged = JSON.parse(await readFile(join(mergedDir, folder!, "results.json"), "utf8"));
    expect(merged.comparison.settings.historyRuns).toBeGreaterThan(0);
  });

  it("compare-pr --merge keeps a job's failed run: exit 3, and --fail-on any trips", async () => {
    const jobs = join(tmp, "jobs-crashed");
    // The PR's server went down once; its relaunch measured every point (as unchanged as main).
    const crashedPr = { ...history[31]!, failures: [{ kind: "server_crashed" as const, message: "HIP error" }] };
    const file = comparisonFile(7, { main: [history[30]!, history[29]!], pr: [crashedPr, history[28]!] });
    await mkdir(jobs, { recursive: true });
    await writeFile(join(jobs, "results.json"), JSON.stringify(file));
    const out = join(tmp, "merged-crashed");
    expect(await main(["compare-pr", `--merge=${jobs}`, `--output-dir=${out}`], captureIO(tmp))).toBe(3);
    const gated = captureIO(tmp);
    expect(await main(["compare-pr", `--merge=${jobs}`, `--output-dir=${out}`, "--fail-on=any"], gated)).toBe(1);
    expect(gated.err.join("")).toMatch(/--fail-on any: /);
  });

  it("the gate's rule", () => {
    const counts = (regressed: number, failed: number) => ({ regressed, failed });
    expect(failOnReason(undefined, counts(3, 3))).toBeUndefined();
    expect(failOnReason("regressed", counts(0, 2))).toBeUndefined();
    expect(failOnReason("regressed", counts(2, 0))).toBe("2 regressed");
    expect(failOnReason("any", counts(0, 2))).toBe("2 failed");
    expect(failOnReason("any", counts(0, 0), true)).toBe("some runs failed");
    expect(failOnReason("regressed", counts(0, 0), true)).toBeUndefined();
  });
});

describe("a closed stdout pipe", () => {
  it("`sglbench compare … | head -1` ends quietly with its own exit code (0 here), not an EPIPE stack trace", async () => {
    const args = ["compare", "--csv1", night("20251013"), "--csv2", night("20251014"), "--format", "json"];
    expect(await spawnWithClosedStdout(args)).toEqual({ code: 0, stderr: "" });
  });
});

/** Runs the CLI from source with its stdout closed before the first write, like `head` after its line. */
async function spawnWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not the CLI's
  // cwd: the checkout, where `--import tsx` resolves; --format json writes no report file.
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  return { code, stderr };
}

describe("exit 3 only for this run's own partial work", () => {
  const nights = offlineHistory(10, 99);
  /** A history of 10 nights (20250101…20250110) with a broken results.json on `brokenDate`. */
  async function historyWithBroken(name: string, brokenDate: string): Promise<string> {
    const root = join(tmp, name);
    await writeHistory(root, nights);
    const broken = join(root, "offline", "GROK1", `v0.5.3-rocm630-mi30x-${brokenDate}_GROK1_MOE-I4F8_offline`);
    await rm(broken, { recursive: true, force: true });
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, "results.json"), "{ half-written");
    return root;
  }
  let oldFailure: string;
  let newestFailure: string;
  beforeAll(async () => {
    oldFailure = await historyWithBroken("old-failure", "20250103");
    newestFailure = await historyWithBroken("newest-failure", "20250111");
  });

  it.each([
    ["plot", ["--format", "svg"]],
    ["dashboard", ["--images", "none"]],
  ])("%s: 0 when an old night failed, 3 when the newest did", async (command, extra) => {
    const io = captureIO(tmp);
    expect(await main([command, "--data-dir", oldFailure, ...extra], io)).toBe(0);
    expect(io.err.join("")).toContain("20250103_GROK1_MOE-I4F8_offline");
    expect(io.err.join("")).toContain("1 of the skipped above are from older nights");
    const io3 = captureIO(tmp);
    expect(await main([command, "--data-dir", newestFailure, ...extra], io3)).toBe(3);
    expect(io3.err.join("")).toContain("20250111_GROK1_MOE-I4F8_offline");
  });

  it("process: 0 when an old night's CSV is corrupt, 3 when the newest night's is", async () => {
    const root = join(tmp, "process");
    const csv = (date: string, body: string) =>
      writeFile(join(root, `${date}_GROK1_MOE-I4F8_offline`, `${date}_GROK1_MOE-I4F8_offline.csv`), body);
    const good =
      "TP,batch_size,IL,OL,Backend,Prefill_latency(s),Median_decode_latency(s),E2E_Latency(s),Prefill_Throughput(token/s),Median_Decode_Throughput(token/s),E2E_Throughput(token/s)\n8,1,1024,128,aiter,0.09,0.01,1.6,11112.32,84.75,718.2\n";
    for (const date of ["20250620", "20250621", "20250622"]) {
      await mkdir(join(root, `${date}_GROK1_MOE-I4F8_offline`), { recursive: true });
      await csv(date, good);
    }
    await csv("20250620", "\u0000garbage\nnot,a,csv\n");
    const args = ["process", "--mode", "offline", "--data-dir", root, "--today", "20250622"];
    const io = captureIO(tmp);
    expect(await main(args, io)).toBe(0);
    expect(io.err.join("")).toContain("20250620_GROK1_MOE-I4F8_offline.csv: corrupt offline CSV");
    await csv("20250622", "\u0000garbage\nnot,a,csv\n");
    expect(await main(args, captureIO(tmp))).toBe(3);
  });

  it("tells the newest night's skipped files from older ones, by the path's nearest date", () => {
    expect(pathDate("/data/20240101-backup/offline/GROK1/v0.5.3-rocm630-mi30x-20250103_GROK1_offline/x.csv:4")).toBe(
      "20250103",
    );
    expect(pathDate("cron_log/mi30x/20251013/grok_nightly.log")).toBe("20251013");
    expect(pathDate("offline/GROK1/GROK1_MOE-I4F8_1.csv")).toBeUndefined();
    const skipped = [
      { file: "a/20250103_GROK1_offline/r.json" },
      { file: "a/20250110_GROK1_offline/r.json" },
      { file: "a/GROK1_MOE-I4F8_1.csv" }, // no date: the command's own file
    ];
    expect(skipsOfNewestNight(skipped, ["20250101", "20250110"]).map((s) => s.file)).toEqual([
      "a/20250110_GROK1_offline/r.json",
      "a/GROK1_MOE-I4F8_1.csv",
    ]);
    // The newest night failed outright: only its skipped entry tells its date.
    expect(skipsOfNewestNight(skipped.slice(0, 2), ["20250103"]).map((s) => s.file)).toEqual([
      "a/20250110_GROK1_offline/r.json",
    ]);
  });
});
