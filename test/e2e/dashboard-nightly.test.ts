/**
 * The nightly's `--dashboard-out` step builds the dashboard through `sglbench dashboard`:
 * one nightly on the simulated SGLang (test/sim), then the site is checked.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/nightly.js";
import { pacificDate } from "../../src/core/catalogue/index.js";
import { captureIO } from "../helpers/capture-io.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const SIM = join(process.cwd(), "test/sim/bin");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sglbench-dash-nightly-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sglbench nightly --dashboard-out", () => {
  it("rebuilds the dashboard with tonight's run after the suites", async () => {
    const today = pacificDate(new Date());
    const image = `rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-${today}`;
    const site = join(dir, "site");
    const io = {
      ...captureIO(dir),
      env: {
        ...process.env,
        PATH: `${SIM}:${process.env.PATH ?? ""}`,
        SGLSIM_SEED: "3",
        BENCHMARK_CI_DIR: join(dir, "hist"),
      },
    };
    const args = ["--local", "--model", "grok1", "--mode", "offline", "--image", image, "--lock-dir", dir];
    expect(await run([...args, "--dashboard-out", site], io)).toBe(0);
    expect(io.out.join("") + io.err.join("")).not.toContain("charts/dashboard failed");
    const index = await readFile(join(site, "index.html"), "utf8");
    expect(index).toContain('href="mi30x/GROK1_MOE-I4F8/index.html"');
    const page = await readFile(join(site, "mi30x", "GROK1_MOE-I4F8", "index.html"), "utf8");
    expect(page).toContain(`<td>${today}</td><td>grok-offline-normal</td><td>v0.5.3.post1-rocm630-mi30x-${today}</td>`);
    expect(page.match(/class="vl-spec"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(site, "charts", "mi30x", "GROK1_MOE-I4F8", "grok-offline-normal", "latency.png"))).toBe(
      true,
    );
  }, 120_000);
});
