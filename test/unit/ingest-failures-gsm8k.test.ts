/**
 * A GSM8K test that gave no valid run is no accuracy of 0 (DeepSeek 2025-11-28: every run at 0.000
 * with 99.7 % of answers invalid, "Average Accuracy over 0 valid runs: 0"): the parse says why
 * (`failure`), the record keeps no run and no average, and compare reports ❌ with that reason
 * instead of 🔴 "accuracy 100 % lower".
 */
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run as compareCommand } from "../../src/cli/commands/compare.js";
import { parseGsm8kOutput, recordedGsm8k } from "../../src/sglang/gsm8k.js";
import { parseConsoleLog } from "../../src/store/console-log.js";
import { ingestPaths } from "../../src/store/ingest.js";
import { captureIO } from "../helpers/capture-io.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ingest-failures");
const night = (date: string): string =>
  join(FIXTURES, `v0.5.5.post3-rocm700-mi30x-${date}_DeepSeek-V3-0324_FP8_online`);
const DS1123 = night("20251123");
const DS1128 = night("20251128");
const GSM8K_LOG = "sglang_client_log_DeepSeek-V3-0324_gsm8k.log";
const NO_VALID_RUN =
  "GSM8K: no valid run of 5 — the script excluded every run as likely failed (accuracy 0.000 < 0.1, 99.8 % of answers invalid) — see sglang_client_log_DeepSeek-V3-0324_gsm8k.log";

interface JsonCell {
  kind: string;
  metric: string;
  verdict: string;
  reason: string;
}

describe("GSM8K over 0 valid runs (DeepSeek 2025-11-28)", () => {
  it("the parse says why and keeps no accuracy; what the log printed stays readable", () => {
    const parse = parseGsm8kOutput(readFileSync(join(DS1128, GSM8K_LOG), "utf8"), GSM8K_LOG);
    expect(parse.failure).toMatchObject({
      kind: "low_accuracy",
      message: NO_VALID_RUN,
      cause: "No valid runs found (all runs had accuracy < 0.1)",
      source: GSM8K_LOG,
    });
    // As printed: five runs at 0.000, the printed average 0.
    expect(parse.gsm8k?.runs.map((r) => r.accuracy)).toEqual([0, 0, 0, 0, 0]);
    expect(parse.gsm8k?.average).toBe(0);
    // What a results record keeps: the gate's verdict, no run, no average.
    const kept = recordedGsm8k(parse);
    expect(kept).toEqual({ runs: [], threshold: 0.93, passed: false, source: GSM8K_LOG });
  });

  it("ingest records the GSM8K failure and no accuracy", async () => {
    const [run] = (await ingestPaths([DS1128])).runs;
    expect(run!.gsm8k?.average).toBeUndefined();
    expect(run!.gsm8k?.runs).toEqual([]);
    expect(run!.failures).toEqual([expect.objectContaining({ kind: "low_accuracy", message: NO_VALID_RUN })]);
  });

  it("compare reports GSM8K ❌ failed with the log's reason, not 🔴 accuracy 0.9348 → 0", async () => {
    const io = captureIO();
    const code = await compareCommand(["--csv1", DS1123, "--csv2", DS1128, "--format", "json"], io);
    expect(code).toBe(1);
    const cells = (JSON.parse(io.out.join("")) as { cells: JsonCell[] }).cells;
    const gsm8k = cells.find((c) => c.metric === "gsm8k_accuracy");
    expect(gsm8k).toMatchObject({ verdict: "failed", reason: `PR: not measured (low_accuracy: ${NO_VALID_RUN})` });
    expect(cells.filter((c) => c.verdict === "regressed")).toEqual([]);
  });

  it("with no run left the verdict lines of the failed test still say the gate failed", () => {
    const text = [
      "Starting GSM8K accuracy test at: 2025-11-28 12:18:28 PST",
      "Executing GSM8K test Run 1 ...",
      "Accuracy: 0.000",
      "Invalid: 0.997",
      "Run 1: Accuracy: 0.000",
      "  ✗ Run 1 excluded from average (accuracy: 0.000 < 0.1 - likely failed/crashed)",
      "Total runs: 1, Valid runs: 0, Excluded runs: 1",
      "Average Accuracy over 0 valid runs: 0",
      "Average accuracy (0) is below threshold (0.93).",
    ].join("\n");
    const parse = parseGsm8kOutput(text, "g.log");
    expect(parse.failure?.message).toBe(
      "GSM8K: no valid run of 1 — the script excluded every run as likely failed (accuracy 0.000 < 0.1, 99.7 % of answers invalid) — see g.log",
    );
    expect(recordedGsm8k(parse)).toEqual({ runs: [], threshold: 0.93, passed: false, source: "g.log" });
  });
});

describe("a GSM8K test that went on after a restart, and appended logs", () => {
  // DeepSeek 2025-11-18: run 2 lost the server, the script restarted it and runs 3–5 measured.
  const recovered = [
    "Starting GSM8K accuracy test at: 2025-11-18 14:18:28 PST",
    "Executing GSM8K test Run 1 ...",
    "Accuracy: 0.935",
    "Invalid: 0.000",
    "Run 1: Accuracy: 0.935",
    "Executing GSM8K test Run 2 ...",
    "http.client.RemoteDisconnected: Remote end closed connection without response",
    "KeyError: 'answer'",
    "⚠️  Connection error detected during Run 2",
    "Run 2: Accuracy not found, defaulting to 0",
    "  ✗ Run 2 excluded from average (accuracy: 0 < 0.1 - likely failed/crashed)",
    "Checking server health before Run 3...",
    "❌ Server is not responding! Attempting restart...",
    "Restarting SGLang server...",
    "✅ Server restarted successfully",
    "Executing GSM8K test Run 3 ...",
    "Accuracy: 0.936",
    "Run 3: Accuracy: 0.936",
    "Total runs: 3, Valid runs: 2, Excluded runs: 1",
    "Average Accuracy over 2 valid runs: 0.936",
    "Average accuracy meets threshold (0.93).",
  ].join("\n");

  it("a server the script restarted and measured on is a warning, its accuracies stand", () => {
    const parse = parseGsm8kOutput(recovered, "g.log");
    expect(parse.failure).toBeUndefined();
    expect(recordedGsm8k(parse)).toMatchObject({ average: 0.936, passed: true });
    expect(parse.gsm8k!.runs.map((r) => r.accuracy)).toEqual([0.935, 0.936]);
    expect(parse.diagnostics).toEqual([
      expect.objectContaining({
        line: 14,
        severity: "warning",
        message: expect.stringContaining("the server stopped answering during GSM8K run 2"),
      }),
    ]);
  });

  it("an appended log keeps the earlier test when the last one has no valid run", () => {
    const failed = [
      "Starting GSM8K accuracy test at: 2025-11-19 14:18:28 PST",
      "Executing GSM8K test Run 1 ...",
      "Accuracy: 0.001",
      "Run 1: Accuracy: 0.001",
      "  ✗ Run 1 excluded from average (accuracy: 0.001 < 0.1 - likely failed/crashed)",
      "Average Accuracy over 0 valid runs: 0",
      "Average accuracy (0) is below threshold (0.93).",
    ].join("\n");
    const parse = parseGsm8kOutput(`${recovered}\n${failed}`, "g.log");
    expect(parse.failure?.kind).toBe("low_accuracy");
    expect(parse.gsm8k!.runs.map((r) => r.accuracy)).toEqual([0.935, 0.936, 0.001]);
    expect(recordedGsm8k(parse)).toMatchObject({ runs: [{ accuracy: 0.935 }, { accuracy: 0.936 }], average: 0.936 });
  });

  it("a console log's GSM8K with no valid run is a run with that failure, not nothing", () => {
    const text = [
      "[nightly] Starting benchmarks for image: rocm/sgl-dev:v0.5.5.post3-rocm700-mi30x-20251128",
      readFileSync(join(DS1128, GSM8K_LOG), "utf8"),
    ].join("\n");
    const runs = parseConsoleLog(text, "cron_log/mi30x/20251128/deepseek_nightly_online.log");
    expect(runs).toHaveLength(1);
    expect(runs[0]!.gsm8k?.average).toBeUndefined();
    expect(runs[0]!.failures).toEqual([expect.objectContaining({ kind: "low_accuracy" })]);
  });
});
