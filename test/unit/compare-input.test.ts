/** `compare` on bad or mismatched input: malformed rows left out with file:line, field-by-field refusals, exit codes. */
import { beforeAll, describe, expect, it } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/compare.js";
import { emptyRun } from "../../src/core/results/index.js";
import { RunFolderWriter } from "../../src/runner/run-folder-writer.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { parseOfflineCsv, offlineCsvToPoints } from "../../src/store/offline-csv.js";
import { onlineCsvToPoints, parseOnlineCsv } from "../../src/store/online-csv.js";
import { captureIO } from "../helpers/capture-io.js";

const SEED = join(import.meta.dirname, "..", "fixtures", "seed");
const root = mkdtempSync(join(tmpdir(), "sglbench-compare-input-"));

function folder(name: string, file: string, text?: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (text !== undefined) writeFileSync(join(dir, file), text);
  else cpSync(join(SEED, file), join(dir, file));
  return dir;
}

async function compare(...argv: string[]) {
  const io = captureIO();
  const code = await run([...argv, "--format", "json"], io);
  return { code, err: io.err.join(""), out: io.out.join("") };
}

const OFFLINE = "20250626_GROK1_MOE-I4F8_offline.csv";
let seed: string;
let ours: string;

beforeAll(async () => {
  seed = folder("20250626_GROK1_MOE-I4F8_offline", OFFLINE);
  // The same measurements as sglbench's runner writes them: results.json with mode and hardware.
  const [seedRun] = (await ingestPaths([seed])).runs;
  const fresh = emptyRun({
    kind: "offline",
    suite: "grok-offline-normal",
    model: { name: "GROK1", variant: "MOE-I4F8", path: "/models/grok" },
    mode: "normal",
    hardware: "mi30x",
    backend: "aiter",
  });
  fresh.points = seedRun!.points;
  ours = join(root, "v0.5.3-rocm630-mi30x-20250626_GROK1_MOE-I4F8_offline_normal");
  await (await RunFolderWriter.open(ours, fresh)).flush();
});

describe("malformed rows", () => {
  const text = readFileSync(join(SEED, OFFLINE), "utf8");
  const truncated = text.replace(
    "8,1,1024,128,aiter,0.09215,0.01180,1.604,11112.32,84.75,718.20",
    "8,1,1024,128,aiter,0.09215,0.01180,1",
  );

  it("an offline row cut short is an error naming file and line, and gives no value", () => {
    const parsed = parseOfflineCsv(truncated, "x.csv");
    expect(parsed.diagnostics).toContainEqual(
      expect.objectContaining({
        file: "x.csv",
        line: 2,
        severity: "error",
        message: expect.stringContaining("left out"),
      }),
    );
    const bs1 = offlineCsvToPoints(parsed).find((p) => p.point.batch_size === 1);
    expect(bs1).toBeUndefined();
  });

  it("an online measured row with fewer values than the axis is left out", () => {
    const online = readFileSync(join(SEED, "20250625_GROK1_MOE-I4F8_online.csv"), "utf8");
    const cut = online.replace(/^(MI300x-aiter, [^\t]+\t9815\.01\t12345\.15)\t.*$/m, "$1");
    const parsed = parseOnlineCsv(cut, "y.csv");
    expect(parsed.diagnostics).toContainEqual(expect.objectContaining({ file: "y.csv", line: 6, severity: "error" }));
    const points = onlineCsvToPoints(parsed);
    expect(points.every((p) => p.repeats[0]?.metrics.median_e2e_latency_ms === undefined)).toBe(true);
    // The file still round-trips byte for byte.
    expect(parsed.sections[0]!.rows.map((r) => r.label)).toContain("MI300x-aiter, dell300x-pla-t10-23");
  });

  it("compare lists the row as FILE:LINE, leaves it out and exits 3 (compared in part)", async () => {
    const cut = folder("cut_GROK1_MOE-I4F8_offline", OFFLINE, truncated);
    const r = await compare("--csv1", seed, "--csv2", cut);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${join(cut, OFFLINE)}:2: row has 8 fields, left out`);
    const cells = (
      JSON.parse(r.out) as { cells: { point: { batch_size?: number }; metric: string; verdict: string }[] }
    ).cells;
    const e2e = cells.find((c) => c.point.batch_size === 1 && c.metric === "total_latency");
    expect(e2e).toBeUndefined();
    expect(cells.find((c) => c.point.batch_size === 1)?.verdict).toBe("failed");
  });
});

describe("sglbench folders against the original toolkit's", () => {
  it("the same suite pairs (no 'suite … vs … normal' mismatch); a tag that names no hardware is refused, field by field", async () => {
    const r = await compare("--csv1", seed, "--csv2", ours);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "grok-offline-normal: not compared, the sides differ:\n  hardware: main not named, PR mi30x",
    );
    expect(r.err).not.toContain("suite:");
  });

  it("--hardware states it: compared, exit 0", async () => {
    const r = await compare("--csv1", seed, "--csv2", ours, "--hardware", "mi30x");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { mismatches: string[] }).mismatches).toEqual([]);
  });
});

describe("exit codes", () => {
  it("a model mismatch exits 1 like a hardware mismatch, explained field by field", async () => {
    const ds = folder("20250627_DeepSeek-V3-0324_FP8_offline", "20250627_DeepSeek-V3-0324_FP8_offline.csv");
    const r = await compare("--csv1", seed, "--csv2", ds);
    expect(r.code).toBe(1);
    expect(r.err).toContain("  model: main GROK1 MOE-I4F8, PR DeepSeek-V3-0324 FP8\n");
    expect(r.err).toContain("  suite: main grok-offline-normal, PR deepseek-offline-normal\n");
  });

  it("offline against online: exit 1, saying what each side has", async () => {
    const on = folder("20250625_GROK1_MOE-I4F8_online", "20250625_GROK1_MOE-I4F8_online.csv");
    const r = await compare("--csv1", seed, "--csv2", on);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "sglbench compare: nothing in common to compare: main (--csv1) has offline (grok-offline-normal), PR (--csv2) has online (grok-online)\n",
    );
  });

  it("a folder with only a broken results.json: exit 4 (unreadable) naming the file and why, not 'not run' cells", async () => {
    const bad = folder("20250627_GROK1_MOE-I4F8_offline", "results.json", "{oops");
    const r = await compare("--csv1", seed, "--csv2", bad);
    expect(r.code).toBe(4);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /^sglbench compare: PR \(--csv2\) .*no benchmark results found.*results\.json.*not valid JSON/,
    );
  });

  it("two GSM8K checks by design (DP-attention nightlies skip the serving benchmarks) are compared, not failed", async () => {
    const checks = join(import.meta.dirname, "..", "fixtures", "gsm8k-checks");
    const night = (d: string) =>
      join(checks, `v0.5.4.post2-rocm630-mi30x-${d}_DeepSeek-V3-0324_FP8_online_dp_attention`);
    const r = await compare("--csv1", night("20251103"), "--csv2", night("20251104"), "--history", checks);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as {
      input: { measured_nothing?: object[] };
      cells: { kind: string; verdict: string; reason: string }[];
    };
    expect(json.input.measured_nothing ?? []).toEqual([]);
    expect(json.cells.map((c) => [c.kind, c.verdict])).toEqual([["gsm8k", "unchanged"]]);
  });

  it("a side that measured nothing (only a GSM8K log) exits 1 saying so, not 0 with 'not run' cells", async () => {
    const src = join(import.meta.dirname, "..", "fixtures", "real", "online", "GROK2");
    const main = join(src, "v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");
    const gsm8kOnly = join(root, "v0.5.5.post2-rocm700-mi30x-20251114_GROK2_FP8_online");
    mkdirSync(gsm8kOnly, { recursive: true });
    cpSync(
      join(main, "sglang_client_log_GROK2_gsm8k_aiter.log"),
      join(gsm8kOnly, "sglang_client_log_GROK2_gsm8k_aiter.log"),
    );
    const r = await compare("--csv1", main, "--csv2", gsm8kOnly);
    expect(r.code).toBe(1);
    // Ingest says why: GSM8K ran and the logs end before any benchmark point.
    const why = "every point failed (missing: GSM8K ran (accuracy 0.929) but no serving benchmark point was recorded)";
    expect(r.err).toBe(`sglbench compare: PR (--csv2) measured nothing: ${why}\n`);
    expect((JSON.parse(r.out) as { input: { measured_nothing: object[] } }).input.measured_nothing).toEqual([
      { side: "PR (--csv2)", why },
    ]);
  });
});
