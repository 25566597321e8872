import { describe, expect, it } from "@jest/globals";
import {
  dateInName,
  dateWindow,
  summarizeOffline,
  summarizeOnline,
  type OnlineRecord,
} from "../../src/core/trends/index.js";
import { formatOfflineSummary, formatOnlineSummary, pythonFloat } from "../../src/store/summary-csv.js";

describe("pythonFloat", () => {
  it("prints floats like Python repr", () => {
    expect(pythonFloat(718.2)).toBe("718.2");
    expect(pythonFloat(1353)).toBe("1353.0");
    expect(pythonFloat(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(pythonFloat(1e-5)).toBe("1e-05");
    expect(pythonFloat(1.5e16)).toBe("1.5e+16");
    expect(pythonFloat(undefined)).toBe("");
    expect(pythonFloat(Number.NaN)).toBe("");
  });
});

describe("summarizeOffline", () => {
  it("reproduces the seed's F4 sample: drops failures, sorts, writes repr floats", () => {
    const rows = summarizeOffline([
      {
        date: "20250624",
        batch_size: 256,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 17.431,
        throughput: 16918.82,
      },
      {
        date: "20250624",
        batch_size: 1,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 1.604,
        throughput: 718.2,
      },
      {
        date: "20250623",
        batch_size: 2,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 1.702,
        throughput: 1353.7,
      },
      {
        date: "20250623",
        batch_size: 1,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 1.611,
        throughput: 715.08,
      },
      {
        date: "20250624",
        batch_size: 2,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 1.694,
        throughput: 1360.09,
      },
      { date: "20250624", batch_size: 512, backend: "aiter", input_len: 1024, output_len: 128 },
    ]);
    expect(formatOfflineSummary(rows)).toBe(
      [
        "date,batch_size,backend,E2E_Latency(s),E2E_Throughput(token/s),ILEN,OLEN",
        "20250623,1,aiter,1.611,715.08,1024,128",
        "20250623,2,aiter,1.702,1353.7,1024,128",
        "20250624,1,aiter,1.604,718.2,1024,128",
        "20250624,2,aiter,1.694,1360.09,1024,128",
        "20250624,256,aiter,17.431,16918.82,1024,128",
        "",
      ].join("\n"),
    );
  });

  it("averages duplicates of one key and keeps long-context rows apart", () => {
    const rows = summarizeOffline([
      {
        date: "20250624",
        batch_size: 1,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 1.6,
        throughput: 700,
      },
      {
        date: "20250624",
        batch_size: 1,
        backend: "aiter",
        input_len: 1024,
        output_len: 128,
        latency: 1.8,
        throughput: 800,
      },
      {
        date: "20250624",
        batch_size: 1,
        backend: "aiter",
        input_len: 8192,
        output_len: 10,
        latency: 3,
        throughput: 10,
      },
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ input_len: 1024, throughput: 750, count: 2 });
    expect(rows[0]?.latency).toBeCloseTo(1.7, 12);
    expect(rows[1]).toMatchObject({ input_len: 8192, latency: 3, count: 1 });
  });
});

function day(date: string, loads: number[], mode = "aiter"): OnlineRecord[] {
  return loads.map((load) => ({
    date,
    mode,
    load,
    e2e_ms: 1000 * load,
    ttft_ms: 90,
    itl_ms: 17,
    num_tokens: 4609641,
    kv_size_gb: 140.68,
  }));
}

describe("summarizeOnline", () => {
  it("keeps complete days only and says why the others were dropped", () => {
    const { rows, dropped } = summarizeOnline([...day("20250625", [1, 2, 4, 8, 16]), ...day("20250624", [1, 2, 4, 8])]);
    expect(rows.map((r) => r.date)).toEqual(Array(5).fill("20250625"));
    expect(dropped).toEqual([{ date: "20250624", reason: "mode aiter: no measurement for load 16" }]);
    const text = formatOnlineSummary(rows, "request_rate");
    // The original's later processor's columns: variant and node_name, GSM8K_Accuracy always (empty here).
    expect(text.split("\n")[0]).toBe(
      "date,variant,mode,request_rate,node_name,GSM8K_Accuracy,E2E_Latency_ms,TTFT_ms,ITL_ms,num_tokens,KV_size_GB",
    );
    expect(text.split("\n")[1]).toBe("20250625,standard,aiter,1,,,1000.0,90.0,17.0,4609641,140.68");
  });

  it("takes each hardware's rate set: a mi35x day of rates 1–8 is complete, a mi30x one is not", () => {
    const on = (hardware: string, date: string, loads: number[]) => day(date, loads).map((r) => ({ ...r, hardware }));
    const { rows, dropped } = summarizeOnline(
      [
        ...on("mi35x", "20251122", [1, 2, 4, 8]),
        ...on("mi35x", "20251014", [1, 2, 4, 8, 16]),
        ...on("mi30x", "20251113", [1, 2, 4, 8]),
      ],
      { axis: "request_rate" },
    );
    expect([...new Set(rows.map((r) => r.date))]).toEqual(["20251014", "20251122"]);
    expect(rows.filter((r) => r.date === "20251014").map((r) => r.load)).toEqual([1, 2, 4, 8, 16]);
    expect(dropped).toEqual([{ date: "20251113", reason: "mode aiter: no measurement for load 16" }]);
  });

  it("judges each variant's day on its own and writes variant and node_name", () => {
    const v = (variant: string, loads: number[]) =>
      day("20251027", loads).map((r) => ({ ...r, variant, node_name: "dell300x-pla-t10-23" }));
    const { rows, dropped } = summarizeOnline([...v("standard", [1, 2, 4, 8, 16]), ...v("mtp", [1, 2])]);
    expect(rows.map((r) => r.variant)).toEqual(Array(5).fill("standard"));
    expect(dropped).toEqual([
      { date: "20251027", reason: "variant mtp, mode aiter: no measurement for load 4, 8, 16" },
    ]);
    expect(formatOnlineSummary(rows, "request_rate").split("\n")[1]).toBe(
      "20251027,standard,aiter,1,dell300x-pla-t10-23,,1000.0,90.0,17.0,4609641,140.68",
    );
  });

  it("drops a day when any mode is incomplete, filters modes, uses the concurrency axis", () => {
    const recs = [...day("20250625", [1, 2, 4, 8, 16]), ...day("20250625", [1, 2], "triton")];
    expect(summarizeOnline(recs).rows).toHaveLength(0);
    expect(summarizeOnline(recs, { modes: ["aiter"] }).rows).toHaveLength(5);
    const ds = summarizeOnline(day("20251013", [128, 64, 16, 4, 1], "DeepSeek-V3-0324"), {
      expectedLoads: [1, 4, 16, 64, 128],
    });
    expect(ds.rows.map((r) => r.load)).toEqual([1, 4, 16, 64, 128]);
    expect(formatOnlineSummary(ds.rows, "concurrency").split("\n")[0]).toContain(",concurrency,");
  });

  it("averages duplicate runs of the same date and load", () => {
    const recs = [...day("20250625", [1, 2, 4, 8, 16]), { date: "20250625", mode: "aiter", load: 1, e2e_ms: 3000 }];
    const { rows } = summarizeOnline(recs);
    expect(rows[0]).toMatchObject({ load: 1, e2e_ms: 2000, ttft_ms: 90, count: 2 });
  });
});

describe("dates", () => {
  it("builds the window with or without today", () => {
    expect([...dateWindow("20250301", 3, false)]).toEqual(["20250228", "20250227", "20250226"]);
    expect([...dateWindow("20250301", 2, true)]).toEqual(["20250301", "20250228"]);
  });
  it("finds the date in both tag styles", () => {
    expect(dateInName("20250624rc_GROK1_MOE-I4F8_offline")).toBe("20250624");
    expect(dateInName("v0.5.3.post1-rocm630-mi30x-20251013_DeepSeek-V3-0324_FP8_online")).toBe("20251013");
    expect(dateInName("GROK1_MOE-I4F8_online")).toBeUndefined();
    expect(dateInName("20251399_x")).toBeUndefined();
  });
});
