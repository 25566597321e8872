import { describe, expect, it, beforeEach, afterEach } from "@jest/globals";
import { access, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRun } from "../../src/core/results/index.js";
import type { RegressionGroup } from "../../src/github/issues.js";
import { nightlySuites, runNightly, type NightlyOptions, type NightlyServices } from "../../src/pipeline/nightly.js";
import { writeResults } from "../../src/store/results-file.js";

const REAL_DS = join(process.cwd(), "test/fixtures/real/online_benchmark_log/mi30x/DeepSeek-V3-0324");
const TODAY_TAG = "v0.5.3.post1-rocm630-mi30x-20251015";
// 2025-10-15 20:00 UTC = 13:00 Pacific on the 15th.
const NOW = new Date("2025-10-15T20:00:00Z");

const IDLE = JSON.stringify({ card0: { "GPU use (%)": "0", "GPU Memory Allocated (VRAM%)": "1" } });
const BUSY = JSON.stringify({ card0: { "GPU use (%)": "100", "GPU Memory Allocated (VRAM%)": "90" } });

let dir: string;
let lockDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-nightly-"));
  lockDir = await mkdtemp(join(tmpdir(), "sglbench-nightly-lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(lockDir, { recursive: true, force: true });
});

function day(i: number): string {
  return new Date(Date.UTC(2025, 8, 1 + i)).toISOString().slice(0, 10).replaceAll("-", "");
}

/** 40 earlier nights of DeepSeek results (concurrency 2 and 8); ITL at 8 gets 10 % slower from night 33 (20251004). */
async function plantHistory(): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const tag = `v0.5.3-rocm630-mi30x-${day(i)}`;
    const run = emptyRun({
      kind: "online",
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      date: day(i),
      image: { full: `rocm/sgl-dev:${tag}`, tag },
    });
    for (const c of [2, 8])
      run.points.push({
        point: { concurrency: c },
        repeats: [1, 2, 3].map((index) => ({
          index,
          metrics: { median_itl_ms: (c === 8 && i >= 33 ? 46.2 : 42) * (1 + 0.004 * Math.sin(i * 7 + index)) },
        })),
      });
    await writeResults(join(dir, "online/DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online`), run);
  }
}

function fakeServices(over: Partial<NightlyServices> = {}) {
  const calls = {
    runSuite: [] as string[],
    stopped: 0,
    sleeps: [] as number[],
    issues: [] as RegressionGroup[][],
    log: [] as string[],
  };
  let smi = [BUSY, IDLE];
  const svc: NightlyServices = {
    now: () => NOW,
    listTags: async () => [`${TODAY_TAG}-srt`, TODAY_TAG, "v0.5.3.post1-rocm630-mi30x-20251014"],
    rocmSmi: async () => smi.shift() ?? IDLE,
    stopOwnContainers: async () => {
      calls.stopped++;
      return ["sgl-dev_old"];
    },
    sleep: async (ms) => void calls.sleeps.push(ms),
    runSuite: async ({ suite, image, outputDir }) => {
      calls.runSuite.push(`${suite.id}@${image}`);
      // The runner writes the seed's run folder; here the real 20251015 folder stands in for it.
      const folder = join(outputDir, "online/DeepSeek-V3-0324", `${TODAY_TAG}_DeepSeek-V3-0324_FP8_online`);
      await cp(join(REAL_DS, `${TODAY_TAG}_DeepSeek-V3-0324_FP8_online`), folder, { recursive: true });
      return {
        run: emptyRun({ kind: "online", suite: suite.id, model: { name: "DeepSeek-V3-0324" } }),
        folder,
        exitCode: 0,
      };
    },
    syncIssues: async (groups) => {
      calls.issues.push(groups);
      return { opened: [{ number: 1, title: "t" }], updated: [], leftClosed: [], unchanged: [] };
    },
    log: (l) => void calls.log.push(l),
    ...over,
  };
  return { svc, calls, setSmi: (s: string[]) => (smi = s) };
}

function options(over: Partial<NightlyOptions> = {}): NightlyOptions {
  return {
    mode: "online",
    model: "deepseek",
    hardware: "mi30x",
    imageRepo: "rocm/sgl-dev",
    dataDir: dir,
    lockDir,
    thresholds: { gpuPct: 15, vramPct: 15 },
    idleWaitMs: 1234,
    ...over,
  };
}

describe("runNightly", () => {
  it("picks today's image, waits for idle GPUs, runs, processes, finds the planted regression and raises one issue", async () => {
    await plantHistory();
    const { svc, calls } = fakeServices();
    const report = await runNightly(options(), svc);
    expect(report.notes.filter((n) => !n.startsWith("charts/dashboard skipped"))).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(report.image).toBe(`rocm/sgl-dev:${TODAY_TAG}`);
    expect(report.fallback).toBe(false);
    expect(report.gpu).toMatchObject({ checked: true, idle: true, attempts: 2, stopped: ["sgl-dev_old"] });
    expect(calls.sleeps).toEqual([1234]);
    expect(calls.runSuite).toEqual([`deepseek-online@rocm/sgl-dev:${TODAY_TAG}`]);
    const summary = report.summaries[0]?.files[0] ?? "";
    expect(summary).toBe(join(dir, "online/DeepSeek-V3-0324/DeepSeek-V3-0324_FP8_online_aiter_summary.csv"));
    expect(await readFile(summary, "utf8")).toContain(
      "20251015,standard,aiter,128,dell300x-pla-t10-23,0.942,61316.42,10769.98,51.41,971748,63.6",
    );
    expect(report.regressions).toHaveLength(1);
    expect(report.regressions[0]).toMatchObject({ date: day(33), scope: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online" });
    expect(calls.issues).toHaveLength(1);
    expect(report.issues?.opened).toHaveLength(1);
    const saved = JSON.parse(await readFile(report.report ?? "", "utf8")) as { image: string };
    expect(saved.image).toBe(`rocm/sgl-dev:${TODAY_TAG}`);
    // The lock is released.
    await expect(access(join(lockDir, "sglbench_nightly_gpus.lock"))).rejects.toThrow();
  });

  it("falls back to yesterday's image, and to local images when the registry fails", async () => {
    const { svc } = fakeServices({
      listTags: async () => {
        throw new Error("hub.docker.com unreachable");
      },
      listLocalTags: async () => ["v0.5.3.post1-rocm630-mi30x-20251014"],
    });
    const report = await runNightly(options(), svc);
    expect(report.image).toBe("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251014");
    expect(report.fallback).toBe(true);
    expect(report.notes.join("\n")).toMatch(/registry tags unavailable \(hub.docker.com unreachable\)/);
  });

  it("no image: exit 1 and nothing runs", async () => {
    const { svc, calls } = fakeServices({ listTags: async () => ["20250101"] });
    const report = await runNightly(options(), svc);
    expect(report.exitCode).toBe(1);
    expect(report.notes).toEqual(["No nightly image found for 20251015 or 20251014 in rocm/sgl-dev (mi30x)"]);
    expect(calls.runSuite).toEqual([]);
  });

  it("GPUs that stay busy: stops only our containers between checks, then gives up without running", async () => {
    const { svc, calls, setSmi } = fakeServices();
    setSmi([BUSY, BUSY, BUSY, BUSY, BUSY]);
    const report = await runNightly(options({ idleRetries: 2 }), svc);
    expect(report.exitCode).toBe(1);
    expect(calls.stopped).toBe(2);
    expect(calls.runSuite).toEqual([]);
    expect(report.notes.join("\n")).toContain("GPUs still busy after 3 checks: card0: GPU use 100% > 15%");
  });

  it("another live nightly holds the lock: exit 1 naming its PID", async () => {
    await writeFile(
      join(lockDir, "sglbench_nightly_gpus.lock"),
      JSON.stringify({ pid: process.pid, host: hostname(), started_at: "2025-10-15T19:00:00Z", purpose: "other" }),
    );
    const { svc, calls } = fakeServices();
    const report = await runNightly(options(), svc);
    expect(report.exitCode).toBe(1);
    expect(report.notes[0]).toContain(`held by PID ${process.pid}`);
    expect(calls.runSuite).toEqual([]);
  });

  it("waits for a running nightly of another model when asked, then runs", async () => {
    const file = join(lockDir, "sglbench_nightly_gpus.lock");
    await writeFile(
      file,
      JSON.stringify({ pid: process.pid, host: hostname(), started_at: "2025-10-15T19:00:00Z", purpose: "grok1" }),
    );
    const { svc, calls } = fakeServices({
      rocmSmi: async () => IDLE,
      // The other nightly finishes while we wait.
      sleep: async () => rm(file, { force: true }),
    });
    const report = await runNightly(options({ lockWaitMs: 60_000 }), svc);
    expect(calls.runSuite).toEqual([`deepseek-online@rocm/sgl-dev:${TODAY_TAG}`]);
    expect(calls.log.some((l) => l.startsWith("waiting for the running nightly"))).toBe(true);
    expect(report.exitCode).toBe(0);
  });

  it("a failing suite makes the run partial and the rest still happens; no rocm-smi skips the check", async () => {
    let n = 0;
    const { svc } = fakeServices({
      rocmSmi: async () => undefined,
      runSuite: async ({ suite }) => {
        if (n++ === 0) throw new Error("container died");
        return {
          run: emptyRun({ kind: "offline", suite: suite.id, model: { name: "DeepSeek-V3-0324" } }),
          folder: "f",
          exitCode: 0,
        };
      },
    });
    const report = await runNightly(options({ mode: "all" }), svc);
    expect(report.suites.map((s) => [s.suite, s.exitCode])).toEqual([
      ["deepseek-online", 1],
      ["deepseek-offline", 0],
    ]);
    expect(report.exitCode).toBe(3);
    expect(report.notes).toContain("rocm-smi not found: GPU idle check skipped");
    expect(report.notes).toContain("deepseek-online could not run: container died");
  });

  it("runs online then offline for --mode all, like perf_nightly.sh", () => {
    expect(nightlySuites("grok1", "all").map((s) => s.id)).toEqual(["grok-online", "grok-offline-normal"]);
    expect(nightlySuites("grok2", "offline").map((s) => s.id)).toEqual(["grok2-offline-normal"]);
  });
});
