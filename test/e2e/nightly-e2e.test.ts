/**
 * `sglbench nightly --local` end to end on the simulated SGLang (test/sim): the real runner, the
 * real run folders, process and the report. No Docker, no GPUs, no network.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/nightly.js";
import { pacificDate } from "../../src/core/catalogue/index.js";
import { readResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const SIM = join(process.cwd(), "test/sim/bin");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-nightly-e2e-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(seed: string) {
  return {
    ...captureIO(dir),
    env: {
      ...process.env,
      PATH: `${SIM}:${process.env.PATH ?? ""}`,
      SGLSIM_SEED: seed,
      BENCHMARK_CI_DIR: join(dir, "hist"),
    },
  };
}

describe("sglbench nightly on the simulator", () => {
  it("runs Grok offline into the seed's tree, writes the summary and resumes without rerunning", async () => {
    const today = pacificDate(new Date());
    const image = `rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-${today}`;
    const args = ["--local", "--model", "grok1", "--mode", "offline", "--image", image, "--lock-dir", dir];
    const first = io("1");
    expect(await run(args, first)).toBe(0);
    const out = first.out.join("");
    const folder = join(dir, "hist/offline/GROK1", `v0.5.3.post1-rocm630-mi30x-${today}_GROK1_MOE-I4F8_offline`);
    expect(out).toContain(`suite grok-offline-normal: exit 0, 9 points, 0 failures → ${folder}`);
    const summary = await readFile(join(dir, "hist/offline/GROK1/GROK1_MOE-I4F8_offline_summary.csv"), "utf8");
    const lines = summary.trim().split("\n");
    expect(lines[0]).toBe("date,batch_size,backend,E2E_Latency(s),E2E_Throughput(token/s),ILEN,OLEN");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 3).join(","))).toEqual(
      [1, 2, 4, 8, 16, 32, 64, 128, 256].map((bs) => `${today},${bs},aiter`),
    );
    const before = await readResults(join(folder, "results.json"));

    // A second nightly for the same image (e.g. after a crash) keeps the finished repeats.
    const second = io("2");
    expect(await run(args, second)).toBe(0);
    const after = await readResults(join(folder, "results.json"));
    expect(after.points.map((p) => p.repeats.map((r) => r.metrics.total_latency))).toEqual(
      before.points.map((p) => p.repeats.map((r) => r.metrics.total_latency)),
    );
    const report = JSON.parse(
      await readFile(join(dir, "hist/nightly_reports", `${today}_grok1_offline.json`), "utf8"),
    ) as {
      image: string;
      exitCode: number;
    };
    expect(report).toMatchObject({ image, exitCode: 0 });
  }, 120_000);
});
