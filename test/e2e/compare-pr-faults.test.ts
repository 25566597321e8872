/**
 * compare-pr with a fault injected on the PR side (issue 15 items 4 and 5), production services on the
 * simulated SGLang: each report names the real cause and point, a deterministic failure is not run
 * again on the side's next block and main's remaining block is skipped, 30 % HTTP 500s give no 🔴,
 * and a comparison folder can be resumed (a finished one only with --force).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { runComparePrJob, type ComparePrJobInput } from "../../src/pipeline/compare-pr-job.js";
import { defaultComparePrServices } from "../../src/pipeline/compare-pr-services.js";
import { readResults } from "../../src/store/results-file.js";
import { freePort } from "../helpers/app-standin.js";
import { localJobInput } from "../helpers/compare-pr-fakes.js";

jest.setTimeout(300_000);

const PATH = `${resolve("test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`;
const SIM = { PATH, SGLSIM_NOISE: "0.004", SGLSIM_TIME_SCALE: "0.0002" };
const MERGE_BASE = "abcdef0123456789abcdef0123456789abcdef01";
const saved = { ...process.env };
const root = mkdtempSync(join(tmpdir(), "sglbench-prfaults-"));
beforeAll(() => {
  process.env.SGLSIM_NOISE = SIM.SGLSIM_NOISE;
});
afterAll(() => {
  process.env = { ...saved };
  rmSync(root, { recursive: true, force: true });
});

function jobInput(dir: string, over: Partial<ComparePrJobInput> = {}): ComparePrJobInput {
  return localJobInput(dir, MERGE_BASE, { baseline: "rerun", ...over });
}

async function compareWithPr(
  name: string,
  prExtra: Record<string, string>,
  over: Partial<ComparePrJobInput> = {},
  mainExtra: Record<string, string> = {},
) {
  const dir = mkdtempSync(join(root, `${name}-`));
  const services = await defaultComparePrServices({
    local: true,
    mainEnv: { ...SIM, ...mainExtra },
    prEnv: { ...SIM, ...prExtra },
    log: () => undefined,
    port: await freePort(),
  });
  const result = await runComparePrJob(jobInput(dir, over), services, () => undefined);
  return { result, dir, services, log: readFileSync(result.logPath, "utf8") };
}

describe("compare-pr with faults on the PR side", () => {
  it("OOM at launch: launch_failed with the server's exception line; PR block 2 and main block 2 not run", async () => {
    const { result, log } = await compareWithPr("oom", { SGLSIM_OOM_AT_LAUNCH: "1" });
    expect(result.exitCode).toBe(3);
    expect(result.verdict).toBe("failed");
    expect(existsSync(join(result.dir, "pr", "block2"))).toBe(false);
    expect(existsSync(join(result.dir, "main", "block2"))).toBe(false);
    expect(log).toMatch(/Skipping deepseek-online pr block 2: launch_failed/);
    expect(log).toMatch(/Skipping deepseek-online main block 2 \(the PR side cannot run\)/);
    const report = readFileSync(result.reportPath, "utf8");
    expect(report).toMatch(/launch_failed: .*Not enough memory.*see sglang_server\.log/);
  });

  it("OOM at launch on main: the PR runs once (does it launch, its GSM8K), its other blocks are skipped", async () => {
    const { result, log } = await compareWithPr("oom-main", {}, {}, { SGLSIM_OOM_AT_LAUNCH: "1" });
    expect(result.exitCode).toBe(3);
    expect(existsSync(join(result.dir, "pr", "online"))).toBe(true);
    expect(existsSync(join(result.dir, "pr", "block2"))).toBe(false);
    expect(log).toMatch(/Skipping deepseek-online pr block 2 \(the main side cannot run\)/);
  });

  it("a crash during the PR's GSM8K gate is reported as server_crashed, not low accuracy", async () => {
    const { result } = await compareWithPr("gsm8k-crash", { SGLSIM_CRASH: "after_requests:5" }, { repeats: 1 });
    expect(result.exitCode).toBe(3);
    const report = readFileSync(result.reportPath, "utf8");
    expect(report).toMatch(/server_crashed: .*the server died during the GSM8K gate/);
    expect(report).not.toMatch(/low_accuracy/);
  });

  it("30 % HTTP 500s on the PR side: no 🔴, the failed requests are named", async () => {
    const { result } = await compareWithPr("http500", { SGLSIM_FAIL_REQUESTS: "0.3" }, { repeats: 1 });
    expect(result.counts.regressed).toBe(0);
    expect(result.exitCode).toBe(3);
    const report = readFileSync(result.reportPath, "utf8");
    expect(report).not.toMatch(/🔴/);
    expect(report).toMatch(/requests_failed: .*HTTP 5xx/);
  });

  it("--resume continues a folder (measured repeats kept), refuses a finished one, --force runs it again", async () => {
    const { result, dir, services } = await compareWithPr("resume", {}, { repeats: 1 });
    expect(result.exitCode).toBe(0);
    const prRun = join(result.dir, "pr", "online");
    const folderOf = async () => {
      const file = readdirSync(prRun, { recursive: true, encoding: "utf8" }).find((f) => f.endsWith("results.json"));
      return readResults(join(prRun, file ?? "missing"));
    };
    const before = await folderOf();
    await expect(runComparePrJob(jobInput(dir, { repeats: 1, resumeDir: result.dir }), services)).rejects.toThrow(
      /already finished .*--force/,
    );
    // An interrupted comparison: no results.json yet. Resuming measures nothing that was measured.
    rmSync(result.resultsPath);
    const resumed = await runComparePrJob(jobInput(dir, { repeats: 1, resumeDir: result.dir }), services);
    expect(resumed.dir).toBe(result.dir);
    expect(existsSync(resumed.resultsPath)).toBe(true);
    const after = await folderOf();
    expect(after.points.map((p) => p.repeats.map((r) => r.started_at))).toEqual(
      before.points.map((p) => p.repeats.map((r) => r.started_at)),
    );
    expect(readFileSync(resumed.logPath, "utf8")).toMatch(/Comparison resumed at/);
    const forced = await runComparePrJob(jobInput(dir, { repeats: 1, resumeDir: result.dir, force: true }), services);
    const again = await folderOf();
    expect(forced.exitCode).toBe(0);
    expect(again.points[0]?.repeats[0]?.started_at).not.toBe(before.points[0]?.repeats[0]?.started_at);
  });
});
