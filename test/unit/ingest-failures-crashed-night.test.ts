/**
 * Crashed nights read the same way whatever they left (DeepSeek 2025-11-27 and 2025-11-24): the
 * server died during GSM8K and its restart never got ready. 11-27's GSM8K run printed no accuracy and
 * its server log (the restart's) has no traceback, so the night had no point, no GSM8K and no failure,
 * and compare refused it as unreadable (exit 4) while 11-24 (one GSM8K run measured) was a run
 * (exit 1). Both are now runs whose failure says what the logs show: ❌ with the reason, exit 1.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseGsm8kOutput } from "../../src/sglang/gsm8k.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { captureIO } from "../helpers/capture-io.js";
import { compareJson } from "../helpers/compare-json.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ingest-failures");
const NAME = (date: string): string => `v0.5.5.post3-rocm700-mi30x-${date}_DeepSeek-V3-0324_FP8_online`;
const DS1123 = join(FIXTURES, NAME("20251123"));
const DS1124 = join(FIXTURES, NAME("20251124"));
const DS1127 = join(FIXTURES, NAME("20251127"));
const LOST = "http.client.RemoteDisconnected: Remote end closed connection without response";

const root = mkdtempSync(join(tmpdir(), "sglbench-ingest-failures-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const compare = compareJson;

describe("the server died during GSM8K and its restart never got ready", () => {
  it("the GSM8K log says which run lost the server and how (11-27: run 1, no accuracy printed)", () => {
    const text = readFileSync(join(DS1127, "sglang_client_log_DeepSeek-V3-0324_gsm8k.log"), "utf8");
    const parse = parseGsm8kOutput(text, "gsm8k.log");
    expect(parse.gsm8k).toBeUndefined();
    expect(parse.failure).toMatchObject({
      kind: "server_crashed",
      cause: LOST,
      message: `GSM8K run 1: the server crashed or stopped answering: ${LOST}; the script restarted it and ran no further GSM8K run — see gsm8k.log`,
    });
  });

  it.each([
    ["20251127", DS1127, 1],
    ["20251124", DS1124, 2],
  ])("ingest of %s gives a run whose failure names the GSM8K run, the cause and the restart", async (_, dir, run) => {
    const [r] = (await ingestPaths([dir])).runs;
    expect(r!.points).toEqual([]);
    // 11-24's run 1 (0.940) was measured before the server died: not the model's accuracy either.
    expect(r!.gsm8k).toEqual({ runs: [], source: expect.stringContaining("gsm8k.log") });
    expect(r!.failures).toHaveLength(1);
    expect(r!.failures[0]).toMatchObject({ kind: "server_crashed", cause: LOST });
    expect(r!.failures[0]!.message).toBe(
      `GSM8K run ${run}: the server crashed or stopped answering: ${LOST}; the restarted server never got ready (sglang_server.log has no ready line) — see sglang_client_log_DeepSeek-V3-0324_gsm8k.log`,
    );
  });

  it.each([
    ["20251127", DS1127],
    ["20251124", DS1124],
  ])("compare 11-23 → %s: ❌ with the reason and exit 1 (PR measured nothing), never exit 4", async (_, dir) => {
    const r = await compare(DS1123, dir);
    expect(r.code).toBe(1);
    expect(r.err).not.toContain("no benchmark results found");
    expect(r.err).toContain("PR (--csv2) measured nothing: every point failed (server_crashed: GSM8K run");
    const point = r.cells.find((c) => c.kind === "failure" && c.point.concurrency === 128);
    expect(point!.reason).toMatch(/^PR: server_crashed: GSM8K run \d: the server crashed or stopped answering/);
    const gsm8k = r.cells.find((c) => c.metric === "gsm8k_accuracy");
    expect(gsm8k).toMatchObject({ verdict: "failed" });
    expect(gsm8k!.reason).toContain("PR: not measured (server_crashed: GSM8K run");
  });

  it("without the GSM8K log, the timing summary's failed health check is the failure", async () => {
    const dir = join(root, NAME("20251127"));
    cpSync(DS1127, dir, { recursive: true });
    rmSync(join(dir, "sglang_client_log_DeepSeek-V3-0324_gsm8k.log"));
    const [r] = (await ingestPaths([dir])).runs;
    expect(r!.failures).toEqual([
      expect.objectContaining({
        kind: "server_crashed",
        message:
          "GSM8K run 1: connection error; Server Health Check (before Run 2): FAILED - server crashed or became unresponsive — see timing_summary_20251127_121533.log",
      }),
    ]);
    expect((await compare(DS1123, dir)).code).toBe(1);
  });

  it("with only a server log that never got ready, the night is `never_ready`", async () => {
    const bare = join(root, "bare", NAME("20251127"));
    cpSync(join(DS1127, "sglang_server.log"), join(bare, "sglang_server.log"));
    const [r] = (await ingestPaths([bare])).runs;
    expect(r!.kv_cache?.num_tokens).toBe(541660);
    expect(r!.failures).toEqual([
      expect.objectContaining({
        kind: "never_ready",
        message: 'the server never got ready: sglang_server.log ends before its ready line ("The server is fired up")',
      }),
    ]);
    const c = await compare(DS1123, bare);
    expect(c.code).toBe(1);
    expect(c.err).toContain("never_ready");
  });

  it("an empty server log, or a summary that gives the startup time, claims no `never_ready` (what the summary says instead)", async () => {
    const dir = join(root, "started", NAME("20251128"));
    mkdirSync(dir, { recursive: true });
    cpSync(
      join(FIXTURES, NAME("20251128"), "timing_summary_20251128_121532.log"),
      join(dir, "timing_summary_20251128_121532.log"),
    );
    writeFileSync(join(dir, "sglang_server.log"), "");
    const [r] = (await ingestPaths([dir])).runs;
    expect(r!.timings?.server_startup).toBe(176);
    // The summary's GSM8K (0 valid runs) is what it says, and no benchmark followed.
    expect(r!.failures).toEqual([
      expect.objectContaining({
        kind: "missing",
        message:
          "GSM8K ran (no valid run in timing_summary_20251128_121532.log) but no serving benchmark point was recorded — sglang_server.log ends without a benchmark",
      }),
    ]);
  });
});

describe("ingest's table", () => {
  it("shows a crashed night's failures, not only zero points", async () => {
    const { run: ingestCommand } = await import("../../src/cli/commands/ingest.js");
    const io = captureIO();
    expect(await ingestCommand([DS1124], io)).toBe(0);
    const [header, row] = io.out.join("").split("\n");
    expect(header).toMatch(/\bfailures\b/);
    expect(row).toMatch(/\b\d+ \((server_crashed|crash|never_ready|low_accuracy)/);
  });
});

describe("GSM8K ran and nothing after it", () => {
  it.each([
    // 11-25: the server log ends before any benchmark.
    [NAME("20251125"), "GSM8K ran (accuracy 0.934)"],
    // 11-12: an empty GSM8K log; only the launch's timing summary kept the average.
    [
      "v0.5.5.post2-rocm700-mi30x-20251112_DeepSeek-V3-0324_FP8_online",
      "GSM8K ran (average accuracy 0.000 in timing_summary_20251112_174917.log; the GSM8K log holds no result)",
    ],
  ])("%s is a run whose `missing` failure says so, and compare reports it (exit 1, not 4)", async (folder, ran) => {
    const dir = join(FIXTURES, folder);
    const { runs } = await ingestPaths([dir]);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.points).toHaveLength(0);
    expect(runs[0]!.failures).toEqual([
      expect.objectContaining({
        kind: "missing",
        message: `${ran} but no serving benchmark point was recorded — sglang_server.log ends without a benchmark`,
      }),
    ]);
    expect((await compare(DS1123, dir)).code).toBe(1);
  });
});
