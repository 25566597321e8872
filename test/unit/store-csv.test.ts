import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  OFFLINE_HEADER_10,
  OFFLINE_HEADER_11,
  formatOfflineCsv,
  offlineCsvFailureRow,
  offlineCsvRowFromRepeat,
  offlineCsvToPoints,
  parseOfflineCsv,
} from "../../src/store/offline-csv.js";
import {
  formatGrokOnlineCsv,
  formatGsm8kOnlineCsv,
  formatOnlineCsv,
  formatServingCsv,
  h100RatioCell,
  onlineCsvToPoints,
  parseGsm8kOnlineCsv,
  parseOnlineCsv,
} from "../../src/store/online-csv.js";

const FIXTURES = fileURLToPath(new URL("../fixtures", import.meta.url));

function csvFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return csvFiles(path);
    return name.endsWith(".csv") ? [path] : [];
  });
}

const ALL = [...csvFiles(join(FIXTURES, "real")), ...csvFiles(join(FIXTURES, "seed"))];
const OFFLINE = ALL.filter((f) => f.endsWith("_offline.csv") || /_offline_\w+\.csv$/.test(f));
const GSM8K_ONLINE = ALL.filter((f) => /_FP8_online\.csv$/.test(f) && f.includes("DeepSeek"));
const ONLINE = ALL.filter((f) => !OFFLINE.includes(f) && !GSM8K_ONLINE.includes(f));
const read = (f: string): string => readFileSync(f, "utf8");
const seed = (name: string): string => join(FIXTURES, "seed", name);

describe("fixture inventory", () => {
  it("covers real and seed files of every format", () => {
    expect(OFFLINE.length).toBeGreaterThanOrEqual(6);
    expect(ONLINE.filter((f) => f.includes("/real/")).length).toBe(5);
    expect(ONLINE.length).toBeGreaterThanOrEqual(9);
    expect(GSM8K_ONLINE.length).toBe(1);
  });
});

describe("offline CSV", () => {
  it.each(OFFLINE.map((f) => [basename(f), f]))("%s round-trips byte for byte", (_name, file) => {
    const text = read(file);
    const parsed = parseOfflineCsv(text, file);
    expect(parsed.diagnostics).toEqual([]);
    expect(formatOfflineCsv(parsed.header, parsed.rows, parsed.trailingNewline)).toBe(text);
  });

  it("reads F2 (11 columns) as 9 points keeping printed strings", () => {
    const parsed = parseOfflineCsv(read(seed("20250624_GROK1_MOE-I4F8_offline.csv")), "F2.csv");
    expect(parsed.columns).toBe(11);
    expect(parsed.header).toEqual(OFFLINE_HEADER_11);
    const points = offlineCsvToPoints(parsed);
    expect(points.map((p) => p.point.batch_size)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(points[0]).toEqual({
      point: { tp: 8, batch_size: 1, input_len: 1024, output_len: 128 },
      repeats: [
        {
          index: 1,
          metrics: {
            prefill_latency: 0.09215,
            median_decode_latency: 0.0118,
            total_latency: 1.604,
            prefill_throughput: 11112.32,
            median_decode_throughput: 84.75,
            overall_throughput: 718.2,
          },
          labels: {
            prefill_latency: "0.09215",
            median_decode_latency: "0.01180",
            total_latency: "1.604",
            prefill_throughput: "11112.32",
            median_decode_throughput: "84.75",
            overall_throughput: "718.20",
            backend: "aiter",
          },
          source: "F2.csv:2",
        },
      ],
    });
  });

  it("NA rows become oom failures, empty rows crash failures", () => {
    const parsed = parseOfflineCsv(read(seed("20250626_GROK1_MOE-I4F8_offline.csv")), "x.csv");
    const points = offlineCsvToPoints(parsed);
    const bs64 = points.find((p) => p.point.batch_size === 64);
    const bs256 = points.find((p) => p.point.batch_size === 256);
    expect(bs64?.repeats).toEqual([]);
    expect(bs64?.failure).toMatchObject({ kind: "crash", source: "x.csv:8" });
    expect(bs256?.failure).toMatchObject({ kind: "oom", source: "x.csv:10" });
    expect(parsed.rows.map((r) => r.status).filter((s) => s !== "ok")).toEqual(["crash", "oom"]);
  });

  it("reads the 10-column layout (old Grok, DeepSeek) and appended re-runs as repeats", () => {
    const parsed = parseOfflineCsv(read(seed("20250627_DeepSeek-V3-0324_FP8_offline.csv")), "ds.csv");
    expect(parsed.columns).toBe(10);
    expect(parsed.header).toEqual(OFFLINE_HEADER_10);
    const points = offlineCsvToPoints(parsed);
    expect(points).toHaveLength(1);
    expect(points[0]?.repeats.map((r) => [r.index, r.metrics.total_latency])).toEqual([
      [1, 1.771],
      [2, 1.774],
    ]);
    expect(points[0]?.repeats[0]?.labels).not.toHaveProperty("backend");
  });

  it("reports a row cut short with file and line, keeps it for the round trip but never reads it as data", () => {
    const text = `${OFFLINE_HEADER_11.join(",")}\n8,1,1024,128,aiter,0.1,oops,1.6,1,2\n8,2,1024,128,aiter,NA,NA,NA,NA,NA,NA\n`;
    const parsed = parseOfflineCsv(text, "bad.csv");
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({
        file: "bad.csv",
        line: 2,
        severity: "error",
        message: "row has 10 fields, left out: 8,1,1024,128,aiter,0.1,oops,1.6,1,2",
      }),
    ]);
    expect(formatOfflineCsv(parsed.header, parsed.rows, parsed.trailingNewline)).toBe(text);
    expect(offlineCsvToPoints(parsed).map((p) => [p.point.batch_size, p.failure?.kind])).toEqual([[2, "oom"]]);
  });

  it("flags an unexpected header", () => {
    const parsed = parseOfflineCsv("a,b\n1,2\n", "h.csv");
    expect(parsed.diagnostics[0]).toMatchObject({
      file: "h.csv",
      line: 1,
      message: expect.stringContaining("unexpected offline CSV header"),
    });
  });

  it("rebuilds F2 from its points (printed strings) and from bare numbers (seed widths)", () => {
    const text = read(seed("20250624_GROK1_MOE-I4F8_offline.csv"));
    const points = offlineCsvToPoints(parseOfflineCsv(text, "F2.csv"));
    const rows = points.map((p) => offlineCsvRowFromRepeat(p.point, p.repeats[0]!, "aiter"));
    expect(formatOfflineCsv(OFFLINE_HEADER_11, rows)).toBe(text);
    const bare = points.map((p) =>
      offlineCsvRowFromRepeat(p.point, { index: 1, metrics: p.repeats[0]!.metrics }, "aiter"),
    );
    expect(formatOfflineCsv(OFFLINE_HEADER_11, bare)).toBe(text);
  });

  it("writes the seed's failure rows", () => {
    const point = { tp: 8, batch_size: 256, input_len: 1024, output_len: 128 };
    expect(offlineCsvFailureRow(point, "oom", "aiter").cells.join(",")).toBe("8,256,1024,128,aiter,NA,NA,NA,NA,NA,NA");
    expect(offlineCsvFailureRow(point, "crash", "aiter").cells.join(",")).toBe("8,256,1024,128,aiter,,,,,,");
    expect(offlineCsvFailureRow({ tp: 8, batch_size: 32, input_len: 128, output_len: 32 }, "oom").cells).toHaveLength(
      10,
    );
  });
});

describe("online TAB CSV", () => {
  it.each(ONLINE.map((f) => [basename(f), f]))("%s round-trips byte for byte", (_name, file) => {
    const text = read(file);
    const parsed = parseOnlineCsv(text, file);
    expect(parsed.diagnostics).toEqual([]);
    expect(formatOnlineCsv(parsed)).toBe(text);
  });

  it("F5 (baseline, H100 rows) parses to five rates with the MI300x values", () => {
    const parsed = parseOnlineCsv(read(seed("20250625_GROK1_MOE-I4F8_online.csv")), "F5.csv");
    expect(parsed).toMatchObject({ layout: "grok", model: "GROK1", tag: "20250625", withH100: true });
    expect(parsed.sections.map((s) => s.rows.map((r) => r.kind))).toEqual(Array(3).fill(["h100", "measured", "ratio"]));
    expect(parsed.sections[0]?.rows[1]).toMatchObject({ backend: "aiter", node: "dell300x-pla-t10-23" });
    const points = onlineCsvToPoints(parsed);
    expect(points.map((p) => p.point)).toEqual([1, 2, 4, 8, 16].map((r) => ({ request_rate: r })));
    expect(points[4]?.repeats[0]?.metrics).toEqual({
      median_e2e_latency_ms: 85422.83,
      median_ttft_ms: 195.55,
      median_itl_ms: 104.54,
    });
    expect(points[2]?.repeats[0]?.labels?.median_e2e_latency_ms).toBe("12034.20");
  });

  it("a partial file (trailing TABs) yields only the rates that ran", () => {
    const parsed = parseOnlineCsv(read(seed("20250626_GROK1_MOE-I4F8_online.csv")), "p.csv");
    expect(onlineCsvToPoints(parsed).map((p) => p.point.request_rate)).toEqual([1]);
  });

  it("F12 (DeepSeek serving, concurrency) parses", () => {
    const parsed = parseOnlineCsv(
      read(seed("v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_serving.csv")),
      "F12",
    );
    expect(parsed).toMatchObject({
      layout: "serving",
      model: "DeepSeek-V3-0324",
      tag: "v0.5.3.post1-rocm630-mi30x-20251013",
      withH100: false,
    });
    expect(parsed.sections[0]?.rows[0]).toMatchObject({ kind: "measured", model: "DeepSeek-V3-0324" });
    const points = onlineCsvToPoints(parsed);
    expect(points.map((p) => p.point.concurrency)).toEqual([128, 64, 16, 4, 1]);
    expect(points[0]?.repeats[0]?.metrics.median_e2e_latency_ms).toBe(61139.44);
  });

  it("NA cells become a missing failure on that point", () => {
    const text =
      "Online mode - GROK1 (x)\n\nMedian E2E Latency (ms, lower better)\nrequest rate\t1\t2\nMI300x-aiter, n\t10.00\tNA\n";
    const points = onlineCsvToPoints(parseOnlineCsv(text, "na.csv"));
    expect(points[1]).toMatchObject({ point: { request_rate: 2 }, repeats: [], failure: { kind: "missing" } });
  });

  it("reports an unknown title and a section without axis line, still round-tripping", () => {
    const text = "Something else\n\nMedian E2E Latency (ms, lower better)\nMI300x-aiter, n\t1\n";
    const parsed = parseOnlineCsv(text, "odd.csv");
    expect(parsed.diagnostics.map((d) => [d.line, d.severity])).toEqual([
      [1, "warning"],
      [4, "error"],
    ]);
    expect(formatOnlineCsv(parsed)).toBe(text);
  });

  it("formatGrokOnlineCsv rebuilds F5 (H100 + truncated ratios), its partial file and F6", () => {
    const values = {
      median_e2e_latency_ms: ["9815.01", "12345.15", "12034.20", "24684.96", "85422.83"],
      median_ttft_ms: ["93.86", "103.52", "101.93", "142.62", "195.55"],
      median_itl_ms: ["17.18", "21.42", "17.96", "28.01", "104.54"],
    };
    const base = { model: "GROK1", backend: "aiter", node: "dell300x-pla-t10-23", rates: [1, 2, 4, 8, 16] };
    expect(formatGrokOnlineCsv({ ...base, tag: "20250625", values, withH100: true })).toBe(
      read(seed("20250625_GROK1_MOE-I4F8_online.csv")),
    );
    const firstOnly = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [v[0]]]));
    expect(formatGrokOnlineCsv({ ...base, tag: "20250626", values: firstOnly, withH100: true })).toBe(
      read(seed("20250626_GROK1_MOE-I4F8_online.csv")),
    );
    expect(formatGrokOnlineCsv({ ...base, tag: "v0.5.3.post1-rocm630-mi30x-20251013", values, withH100: false })).toBe(
      read(seed("v0.5.3.post1-rocm630-mi30x-20251013_GROK1_MOE-I4F8_online.csv")),
    );
  });

  it("formatServingCsv rebuilds the real DeepSeek serving CSV from numbers", () => {
    const file = ALL.find((f) => f.includes("/real/") && f.includes("20251016_DeepSeek"))!;
    const points = onlineCsvToPoints(parseOnlineCsv(read(file), file));
    const column = (key: string): number[] => points.map((p) => p.repeats[0]!.metrics[key]!);
    expect(
      formatServingCsv({
        tag: "v0.5.3.post2-rocm630-mi30x-20251016",
        model: "DeepSeek-V3-0324",
        concurrencies: [128, 64, 16, 4, 1],
        values: {
          median_e2e_latency_ms: column("median_e2e_latency_ms"),
          median_ttft_ms: column("median_ttft_ms"),
          median_itl_ms: column("median_itl_ms"),
        },
      }),
    ).toBe(read(file));
  });

  it("ratio cells truncate like awk %d, NA for NA/0, empty when not run", () => {
    expect(h100RatioCell("13209", "9815.01")).toBe("134%");
    expect(h100RatioCell("44918", "24684.96")).toBe("181%");
    expect(h100RatioCell("85049", "85422.83")).toBe("99%");
    expect(h100RatioCell("99.1", "NA")).toBe("NA");
    expect(h100RatioCell("99.1", "0")).toBe("NA");
    expect(h100RatioCell("99.1", undefined)).toBe("");
    expect(h100RatioCell(undefined, "5")).toBe("");
  });
});

describe("DeepSeek GSM8K _online.csv", () => {
  it("reads the literal backslash-t and writes it back", () => {
    const file = GSM8K_ONLINE[0]!;
    const text = read(file);
    expect(text).toContain("\\t");
    const parsed = parseGsm8kOnlineCsv(text, file);
    expect(parsed).toMatchObject({ average: 0.937, averageText: "0.937", diagnostics: [] });
    expect(formatGsm8kOnlineCsv(parsed.averageText!)).toBe(text);
    expect(formatGsm8kOnlineCsv(0.9366)).toBe(text);
  });

  it("reports a file without an average", () => {
    expect(parseGsm8kOnlineCsv("Results\n", "g.csv").diagnostics[0]).toMatchObject({
      file: "g.csv",
      severity: "warning",
    });
  });
});
