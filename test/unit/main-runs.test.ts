import { afterAll, describe, expect, it } from "@jest/globals";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtForCommit, keepMainRuns, loadMainRuns } from "../../src/pipeline/main-runs.js";
import { runComparePrJob, type ComparePrJobInput } from "../../src/pipeline/compare-pr-job.js";
import { mergeBlocks } from "../../src/pipeline/baseline.js";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { run as planCli } from "../../src/cli/commands/plan.js";
import { captureIO } from "../helpers/capture-io.js";
import { FAKE_SUITE, fakeComparer, fakeRunner, localJobInput } from "../helpers/compare-pr-fakes.js";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "sglbench-main-runs-"));
  roots.push(d);
  return d;
};

const BASE = "feedface0001abcdef0123456789abcdef012345";
const MAIN_IMAGE = "sglbench/sglang:main-feedface0001-rocm630";
const NOW = new Date("2026-11-23T06:00:00Z");
const WINDOW = { now: new Date(), maxAgeHours: 36 };

function mainRun(suite = "deepseek-online", failed = false): RunResults {
  const run = emptyRun({
    kind: "online",
    suite,
    model: { name: "DeepSeek-V3-0324" },
    started_at: "2026-11-23T05:00:00Z",
    points: [{ point: { concurrency: 16 }, repeats: [{ index: 1, metrics: { median_e2e_latency_ms: 1000 } }] }],
  });
  if (failed) run.failures.push({ kind: "server_crashed", message: "exit 1" });
  return run;
}

/** localJobInput on sglbench-built tags of BASE, written to `<root>/out<n>`. */
function jobInput(root: string, n: number, over: Partial<ComparePrJobInput> = {}): ComparePrJobInput {
  return localJobInput(root, BASE, {
    mainImage: MAIN_IMAGE,
    prImage: "sglbench/sglang:pr-42-0123456789ab-rocm630",
    outputDir: join(root, `out${n}`),
    ...over,
  });
}

/** A compare-pr job's services on the fake runner and comparer, at NOW. */
function fakeJob() {
  const fake = fakeRunner({});
  const services = { runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE], now: () => NOW };
  return { fake, services };
}

const keep = (dir: string, over: Partial<Parameters<typeof keepMainRuns>[0]> = {}) =>
  keepMainRuns({
    dir,
    mergeBase: BASE,
    mainImage: MAIN_IMAGE,
    ranInFull: ["deepseek-online"],
    runs: [mainRun()],
    stamp: "pr42_20261123_050000",
    now: NOW,
    maxAgeHours: 36,
    ...over,
  });

describe("main's runs kept between requests", () => {
  it("knows sglbench's own build of a commit by its tag, and nothing else", () => {
    expect(builtForCommit(MAIN_IMAGE, BASE)).toBe(true);
    expect(builtForCommit("sglbench-sim:main-feedface0001", BASE)).toBe(true);
    expect(builtForCommit("sglbench/sglang:main-feedface0002-rocm630", BASE)).toBe(false);
    expect(builtForCommit("sglbench/sglang:pr-42-feedface0001-rocm630", BASE)).toBe(false);
    expect(builtForCommit("rocm/sgl-dev:v0.5.5.post3-rocm700-mi30x-20251126", BASE)).toBe(false);
  });

  it("keeps a complete full run under the merge base and reads it back", async () => {
    const dir = tmp();
    const lines = await keep(dir);
    expect(lines).toEqual([expect.stringMatching(/main runs of deepseek-online kept .*feedface0001/)]);
    const runs = await loadMainRuns(dir, BASE, WINDOW);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ suite: "deepseek-online", commit: BASE, started_at: "2026-11-23T05:00:00Z" });
    expect(await loadMainRuns(dir, "0123456789ab", WINDOW)).toEqual([]);
  });

  it("keeps nothing of a reused main, a failed run or an image not built for the merge base", async () => {
    const dir = tmp();
    expect(await keep(dir, { ranInFull: [] })).toEqual([]);
    expect(await keep(dir, { runs: [mainRun("deepseek-online", true)] })).toEqual([
      "main runs not kept for deepseek-online: it did not complete",
    ]);
    expect(await keep(dir, { mainImage: "rocm/sgl-dev:v0.5.5-rocm700-mi30x-20251126" })).toEqual([
      expect.stringMatching(/not sglbench's build of feedface0001/),
    ]);
    expect(await keep(dir, { mergeBase: "unknown" })).toEqual(["main runs not kept: merge base unknown"]);
    expect(existsSync(join(dir, "feedface0001"))).toBe(false);
  });

  it("skips a damaged or foreign file with its path; removes only its own files older than the reuse window", async () => {
    const dir = tmp();
    await keep(dir);
    const folder = join(dir, "feedface0001");
    writeFileSync(join(folder, "broken.json"), "{ not json");
    writeFileSync(join(folder, "other.json"), JSON.stringify({ ...mainRun(), commit: "0123456789abcdef" }));
    mkdirSync(join(folder, "stray.json"));
    const warnings: string[] = [];
    expect(await loadMainRuns(dir, BASE, WINDOW, (l) => warnings.push(l))).toHaveLength(1);
    expect(warnings).toEqual([
      expect.stringContaining(`${join(folder, "broken.json")}:`),
      expect.stringMatching(/other\.json: measured another commit/),
      expect.stringMatching(/stray\.json: not a file/),
    ]);
    // 40 h later: what was kept is past the window (not reused) and removed; nothing else is, not even
    // a file as old in a folder whose name looks like a SHA (a history's night 20251101).
    const old = new Date(Date.now() - 40 * 3_600_000);
    for (const name of readdirSync(folder)) utimesSync(join(folder, name), old, old);
    mkdirSync(join(dir, "20251101"));
    writeFileSync(join(dir, "20251101", "notes.txt"), "a night's notes");
    utimesSync(join(dir, "20251101", "notes.txt"), old, old);
    expect(await loadMainRuns(dir, BASE, WINDOW)).toHaveLength(0);
    const lines = await keep(dir, { runs: [], now: new Date() });
    expect(lines).toEqual([
      expect.stringMatching(/^main runs: removed .*deepseek-online-pr42_20261123_050000\.json \(40 h old\)$/),
    ]);
    expect(readdirSync(folder).sort()).toEqual(["broken.json", "other.json", "stray.json"]);
    expect(existsSync(join(dir, "20251101", "notes.txt"))).toBe(true);
  });

  it("a second request on the same merge base reuses the first one's main after an anchor", async () => {
    const root = tmp();
    const mainRunsDir = join(root, "main-runs");
    const { fake, services } = fakeJob();
    const input = (n: number) => jobInput(root, n, { mainRunsDir });
    const first = await runComparePrJob(input(1), services);
    expect(first.mainSide).toEqual([expect.objectContaining({ action: "full" })]);
    expect(readdirSync(join(mainRunsDir, "feedface0001"))).toEqual([
      expect.stringMatching(/^deepseek-online-pr42_\d{8}_\d{6}\.json$/),
    ]);

    fake.calls.length = 0;
    const second = await runComparePrJob(input(2), services);
    expect(second.mainSide[0]).toMatchObject({ action: "reuse", earlierRequest: true });
    expect(fake.calls[0]).toMatchObject({ side: "main", repeats: 1 });
    expect(fake.calls[0]!.outputDir).toMatch(/main\/anchor$/);
    expect(fake.calls.slice(1).every((c) => c.side === "pr")).toBe(true);
    expect(second.plan.gpuMinutes).toBeLessThan(first.plan.gpuMinutes);
    expect(readFileSync(second.reportPath, "utf8")).toMatch(
      /deepseek-online: main's runs of an earlier request on the merge base reused \(anchor: /,
    );
    // Its reproduce line compares the runs each side was judged on (main/ holds only the anchor).
    expect(existsSync(join(second.dir, "compared", "main", "deepseek-online", "results.json"))).toBe(true);
    expect(readFileSync(second.reportPath, "utf8")).toContain(
      `sglbench compare --csv1 ${join(second.dir, "compared", "main")} --csv2 ${join(second.dir, "compared", "pr")}`,
    );
    const repro = readFileSync(second.reportPath, "utf8");
    expect(repro).toMatch(
      /sglbench compare-pr --pr=42 .* --base-sha=feedface0001abcdef0123456789abcdef012345 .*--skip-build --main-image=sglbench\/sglang:main-feedface0001-rocm630 .*--local/,
    );
    // The request as measured, whatever was kept: the line does not reuse (nor write) kept runs.
    expect(repro).not.toContain("--main-runs-dir");
    // A request that runs main with extra environment (an A/B of a flag) neither reuses nor keeps it.
    fake.calls.length = 0;
    const ab = await runComparePrJob({ ...input(3), sideEnv: { main: { SGLANG_FLAG: "1" }, pr: {} } }, services);
    expect(ab.mainSide[0]).toMatchObject({ action: "full" });
    // The reused main is not kept again: still the first request's one file.
    expect(readdirSync(join(mainRunsDir, "feedface0001"))).toHaveLength(1);
  });

  it("says before benchmarking that main's runs will not be kept when the image is not the merge base's build", async () => {
    const root = tmp();
    const { services } = fakeJob();
    const lines: string[] = [];
    const input = jobInput(root, 1, {
      mainRunsDir: join(root, "main-runs"),
      mainImage: "sglbench-sim:main-abc123abc123",
      port: "auto",
    });
    const result = await runComparePrJob(input, services, (line) => lines.push(line));
    // The reproduce line keeps the port as typed: auto, so a rerun does not collide with a busy 30000.
    expect(readFileSync(result.reportPath, "utf8")).toMatch(/sglbench compare-pr --pr=42 .*--local --port=auto/);
    const early = lines.findIndex((l) => l.startsWith("Main's runs will not be kept for later requests"));
    expect(early).toBeGreaterThanOrEqual(0);
    expect(lines[early]).toContain("sglbench-sim:main-abc123abc123 is not sglbench's build of feedface0001");
    // Before the first benchmark was asked for, not only at the end.
    expect(early).toBeLessThan(
      lines.findIndex((l) => /not sglbench's build/.test(l) && l.startsWith("main runs not kept")),
    );
    // sglbench's own build of the merge base: nothing to warn of.
    const quiet: string[] = [];
    await runComparePrJob(jobInput(root, 2, { mainRunsDir: join(root, "main-runs") }), services, (l) => quiet.push(l));
    expect(quiet.some((l) => l.startsWith("Main's runs will not be kept"))).toBe(false);
  });

  it("sglbench plan --main-runs-dir shows the reuse compare-pr would make of a kept run", async () => {
    const dir = tmp();
    // Main as compare-pr keeps it: its two blocks merged, each a launch.
    // Measured 2 h ago: its age reads the same however slowly this machine gets to the plan.
    const block = { ...mainRun(), started_at: new Date(Date.now() - 2 * 3_600_000).toISOString(), hardware: "mi30x" };
    const run = mergeBlocks([block, structuredClone(block)]);
    await keep(dir, { runs: [run], now: new Date() });
    const io = captureIO();
    const argv = ["--pr=42", "--models=deepseek", "--types=online", `--merge-base=${BASE}`, `--main-runs-dir=${dir}`];
    expect(await planCli(argv, io)).toBe(0);
    const out = io.out.join("");
    expect(out).toContain("Main's runs of earlier requests on feedface0001: 1");
    expect(out).toMatch(/deepseek-online .* main: reuse baseline \(2 h old\) \+ anchor/);
    expect(out).toMatch(/build images +pr: /);
    // Its two launches of main, then the PR's two: the layout's measured rates (bench:verdicts "2+2").
    expect(out).toContain("main 2 (an earlier request's, on this merge base), PR 2");
    expect(out).toContain("2 + 2 launches (main's before the PR's) on the real online nightlies: 0.5 %");
  });

  it("refuses a main-runs folder that overlaps the output or the history folder", async () => {
    const root = tmp();
    const fake = fakeRunner({});
    const services = { runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE] };
    const input = jobInput(root, 1, { mainRunsDir: join(root, "out1", "keep") });
    await expect(runComparePrJob(input, services)).rejects.toThrow(/overlaps the main runs folder/);
    const history = jobInput(root, 1, { mainRunsDir: join(root, "h"), historyDir: join(root, "h") });
    await expect(runComparePrJob(history, services)).rejects.toThrow(/main runs folder .* overlaps the history folder/);
  });

  it("the reproduce line quotes what a shell would split and withholds secret-looking values", async () => {
    const root = tmp();
    const fake = fakeRunner({});
    const services = { runSideFor: () => fake.runSide, comparer: fakeComparer, catalogue: [FAKE_SUITE] };
    const result = await runComparePrJob(
      jobInput(root, 1, {
        outputDir: join(root, "out dir"),
        sideEnv: { main: {}, pr: { hf_token_2: "abcdefgh", A: "1;echo INJECTED" } },
      }),
      services,
    );
    const report = readFileSync(result.reportPath, "utf8");
    expect(report).toContain(" '--pr-env=hf_token_2=<redacted>,A=1;echo INJECTED'");
    expect(report).toContain(`--csv1 '${join(result.dir, "compared", "main")}'`);
    expect(report).not.toContain("abcdefgh");
  });
});
