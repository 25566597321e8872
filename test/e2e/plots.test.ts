import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { mkdtemp, readFile, rm, stat, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/commands/plot.js";
import { emptyRun } from "../../src/core/results/index.js";
import { buildChartData, isoDay } from "../../src/plots/chart-data.js";
import { formatValue, labelMark, labelWidth, placeLabels, samplePolyline } from "../../src/plots/labels.js";
import { loadChartData } from "../../src/plots/load.js";
import { renderSvg, svgToPng } from "../../src/plots/render.js";
import { metricSpec, suiteChartSpecs, type VlSpec } from "../../src/plots/specs.js";
import { HASH_FILE, writeCharts } from "../../src/plots/write-charts.js";
import { captureIO } from "../helpers/capture-io.js";
import { offlineHistory, writeHistory } from "../helpers/plots-history.js";

// Processes, servers and real files: seconds each, more on a busy machine (unit tests keep 5 s).
jest.setTimeout(60_000);

const REAL = join(import.meta.dirname, "..", "fixtures", "real");

describe("placeLabels", () => {
  it("keeps the higher-priority label when two collide and moves a blocked one below its point", () => {
    const placed = placeLabels(
      [
        { x: 100, y: 50, text: "1234", priority: 2 },
        { x: 105, y: 50, text: "1240", priority: 0 },
        { x: 300, y: 50, text: "9", priority: 1 },
        { x: 300, y: 60, text: "8", priority: 1 },
      ],
      { width: 400, height: 200 },
    );
    expect(placed[1]).toBe("above");
    // Same spot, lower priority: above is taken, below is free.
    expect(placed[0]).toBe("below");
    expect(placed[2]).toBe("above");
    // 10 px lower: its "above" box hits the first "9" label, so it goes below.
    expect(placed[3]).toBe("below");
  });

  it("keeps labels off the drawn line and moves a change's labels to its side", () => {
    // A step: flat at y=150 up to x=100, then flat at y=50. The night before the step cannot be
    // labelled above (the rising segment) and not below (the plot ends): it goes above-left.
    const pts = [
      { x: 60, y: 150 },
      { x: 97, y: 150 },
      { x: 100, y: 50 },
      { x: 140, y: 50 },
    ];
    const placed = placeLabels(
      [
        { ...pts[1]!, text: "1.84", priority: 0, side: "left" },
        { ...pts[2]!, text: "2.02", priority: 0, side: "right" },
      ],
      {
        width: 300,
        height: 160,
        obstacles: [
          ...samplePolyline(pts),
          ...samplePolyline([
            { x: 100, y: 0 },
            { x: 100, y: 160 },
          ]),
        ],
      },
    );
    expect(placed).toEqual(["above-left", "above-right"]);
    expect(labelMark("above-left")).toEqual({ align: "right", baseline: "bottom", dx: -5, dy: -5 });
  });

  it("drops labels that would leave the plot or cannot fit anywhere", () => {
    const placed = placeLabels(
      [
        { x: 2, y: 50, text: "123456", priority: 0 },
        { x: 200, y: 50, text: "1", priority: 0 },
        { x: 201, y: 50, text: "2", priority: 1 },
        { x: 202, y: 50, text: "3", priority: 2 },
        { x: 250, y: Number.NaN, text: "4", priority: 0 },
      ],
      { width: 400, height: 200 },
    );
    // The wide label at the left edge cannot be centred: it moves right of its point.
    expect(placed).toEqual(["above-right", "above", "below", undefined, undefined]);
  });

  it("accepted boxes never overlap on a long noisy series", () => {
    const cands = Array.from({ length: 300 }, (_, i) => ({
      x: i * 3,
      y: 100 + 40 * Math.sin(i),
      text: formatValue(1000 + i),
      priority: i % 5,
    }));
    const placed = placeLabels(cands, { width: 900, height: 200 });
    const boxes = cands
      .map((c, i) => ({ c, p: placed[i] }))
      .filter((b) => b.p !== undefined)
      .map(({ c, p }) => {
        const w = labelWidth(c.text, 10);
        const y0 = p!.startsWith("above") ? c.y - 5 - 12 : c.y + 5;
        const x0 = p!.endsWith("right") ? c.x + 5 : p!.endsWith("left") ? c.x - 5 - w : c.x - w / 2;
        return { x0, x1: x0 + w, y0, y1: y0 + 12 };
      });
    expect(boxes.length).toBeGreaterThan(10);
    expect(boxes.length).toBeLessThan(300);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        expect(a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1).toBe(false);
      }
  });

  it("formats values with 3–4 significant digits", () => {
    expect([
      formatValue(16462.56),
      formatValue(245.61),
      formatValue(20.478),
      formatValue(1.2199),
      formatValue(0.01234),
    ]).toEqual(["16463", "245.6", "20.48", "1.220", "0.0123"]);
  });
});

describe("chart data on the real fixtures", () => {
  let data: Awaited<ReturnType<typeof loadChartData>>;
  beforeAll(async () => {
    data = await loadChartData(REAL);
  });

  it("groups hardware × model × suite and orders lines by load", () => {
    expect(data.data.map((d) => `${d.hardware}/${d.model}/${d.suite}`)).toEqual([
      "mi30x/DeepSeek-V3-0324_FP8/deepseek-online",
      "mi30x/GROK1_MOE-I4F8/grok-online",
      "mi30x/GROK2_FP8/grok-online",
    ]);
    const ds = data.data[0]!;
    expect(ds.axis).toBe("concurrency");
    expect(ds.backends).toEqual(["aiter"]);
    expect(ds.metrics.map((m) => m.metric)).toEqual(["median_e2e_latency_ms", "median_ttft_ms", "median_itl_ms"]);
    expect(ds.metrics[0]!.lines.map((l) => l.label)).toEqual(["C=1", "C=4", "C=16", "C=64", "C=128"]);
    expect(data.data[1]!.metrics[0]!.lines.map((l) => l.label)).toEqual(["RR=1", "RR=2", "RR=4", "RR=8", "RR=16"]);
  });

  it("summarises each night as median and min–max over its repeats", () => {
    const c1 = data.data[0]!.metrics[0]!.lines[0]!;
    expect(c1.nights.map((n) => n.day)).toEqual(["2025-10-13", "2025-10-14", "2025-10-15", "2025-10-16"]);
    // 20251013 repeats: 16462.56, 16465.45, 16463.18 (sglang_client logs, concurrency 1).
    expect(c1.nights[0]).toMatchObject({ median: 16463.18, min: 16462.56, max: 16465.45, n: 3 });
    expect(c1.nights[0]!.tag).toBe("v0.5.3.post1-rocm630-mi30x-20251013");
  });

  it("reads the KV-cache capacity per night", () => {
    expect(data.data[0]!.kv.map((k) => [k.day, k.num_tokens, k.size_gb])).toEqual([
      ["2025-10-13", 971748, 63.6],
      ["2025-10-14", 971748, 63.6],
      ["2025-10-15", 971748, 63.6],
      ["2025-10-16", 971748, 63.6],
    ]);
    expect(data.data[2]!.kv).toEqual([
      expect.objectContaining({ date: "20251113", num_tokens: 3328113, size_gb: 101.56 }),
    ]);
  });

  it("renders every chart of the fixtures to SVG and PNG", async () => {
    const specs = data.data.flatMap((d) => suiteChartSpecs(d).map((c) => ({ d, c })));
    expect(specs.map(({ d, c }) => `${d.model}:${c.id}`)).toEqual([
      "DeepSeek-V3-0324_FP8:e2e",
      "DeepSeek-V3-0324_FP8:ttft",
      "DeepSeek-V3-0324_FP8:itl",
      "DeepSeek-V3-0324_FP8:combined",
      "DeepSeek-V3-0324_FP8:kv",
      "DeepSeek-V3-0324_FP8:gsm8k",
      "DeepSeek-V3-0324_FP8:overview",
      "GROK1_MOE-I4F8:e2e",
      "GROK1_MOE-I4F8:ttft",
      "GROK1_MOE-I4F8:itl",
      "GROK1_MOE-I4F8:combined",
      "GROK1_MOE-I4F8:gsm8k",
      "GROK1_MOE-I4F8:overview",
      "GROK2_FP8:e2e",
      "GROK2_FP8:ttft",
      "GROK2_FP8:itl",
      "GROK2_FP8:combined",
      "GROK2_FP8:kv",
      "GROK2_FP8:gsm8k",
      "GROK2_FP8:overview",
    ]);
    // The morning glance: the original's six panels (E2E, TTFT, ITL, KV tokens, KV GB, and GSM8K with its floor).
    const overview = specs.find(({ d, c }) => d.model === "DeepSeek-V3-0324_FP8" && c.id === "overview")!.c;
    const ovSvg = await renderSvg(overview.spec);
    for (const title of [
      "Median E2E Latency (ms)",
      "Median TTFT (ms)",
      "Median ITL (ms)",
      "# tokens the KV cache holds",
      "KV cache size (GB)",
      "GSM8K accuracy (floor 0.93)",
    ])
      expect(ovSvg).toContain(title);
    const { c } = specs[0]!;
    const svg = await renderSvg(c.spec);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Median E2E Latency (ms) vs date — DeepSeek-V3-0324_FP8 · deepseek-online");
    expect(svg).toContain("backend aiter · MI300X (mi30x)");
    expect(svg).toContain("C=128");
    expect(svg).toContain(">16463<"); // the first night's median, labelled
    const png = await svgToPng(svg);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(png.length).toBeGreaterThan(20_000);
  });
});

describe("charts of a synthetic history with a planted shift", () => {
  const runs = offlineHistory(60, 40);
  const [d] = buildChartData(runs);

  it("marks the change point on the affected panel only, with its change in %", async () => {
    expect(d).toBeDefined();
    const lat = d!.metrics.find((m) => m.metric === "total_latency")!;
    const withChanges = lat.lines.filter((l) => l.changes.length > 0);
    expect(withChanges.map((l) => l.label)).toEqual(["BS=32"]);
    const change = withChanges[0]!.changes[0]!;
    expect(change.date).toBe(isoDay("20250210").replaceAll("-", ""));
    expect(change.kind).toBe("regression");
    expect(change.direction).toBe("slower");
    const svg = await renderSvg(metricSpec(d!, lat));
    expect(svg).toMatch(/\+(9\.[5-9]|10\.\d) % slower regression/);
    // The panel labels both sides of the step.
    const bs32 = withChanges[0]!;
    const before = bs32.nights.find((n) => n.date === change.previous_date)!;
    const after = bs32.nights.find((n) => n.date === change.date)!;
    expect(svg).toContain(`>${formatValue(before.median)}<`);
    expect(svg).toContain(`>${formatValue(after.median)}<`);
  });

  it("shows the repeats' spread as a band (min/max) and labels a long series sparsely", () => {
    const lat = d!.metrics.find((m) => m.metric === "total_latency")!;
    const spec = metricSpec(d!, lat) as { vconcat: VlSpec[] };
    expect(spec.vconcat).toHaveLength(9);
    const panel = spec.vconcat[0] as {
      layer: VlSpec[];
      data: { values: { min: number; max: number; pos?: string }[] };
    };
    expect(JSON.stringify(panel.layer[0])).toContain('"y2":{"field":"max"}');
    const rows = panel.data.values;
    expect(rows.every((r) => r.min <= r.max)).toBe(true);
    const labelled = rows.filter((r) => Boolean(r.pos)).length;
    expect(labelled).toBeGreaterThanOrEqual(2);
    expect(labelled).toBeLessThanOrEqual(8);
  });

  it("adds tooltips and zoom only to interactive specs", () => {
    const lat = d!.metrics[0]!;
    expect(JSON.stringify(metricSpec(d!, lat))).not.toContain('"tooltip"');
    const inter = JSON.stringify(metricSpec(d!, lat, { interactive: true }));
    expect(inter).toContain('"tooltip"');
    expect(inter).toContain('"bind":"scales"');
  });
});

describe("sglbench plot", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sglbench-plot-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("writes SVG and PNG per chart for the real GROK2 run", async () => {
    const io = captureIO(tmp);
    const code = await run(["--data-dir", join(REAL, "online"), "--out", join(tmp, "out"), "--model", "GROK2"], io);
    expect(io.err.join("")).toBe("");
    expect(code).toBe(0);
    for (const id of ["e2e", "ttft", "itl", "combined", "kv", "gsm8k", "overview"])
      for (const ext of ["svg", "png"])
        expect(
          (await stat(join(tmp, "out", "mi30x", "GROK2_FP8", "grok-online", `${id}.${ext}`))).size,
        ).toBeGreaterThan(1000);
    expect(io.out.join("")).toContain("7 charts (0 unchanged) for 1 suites from 1 runs");
  });

  it("names the skipped inputs of older nights, and exits 0 since the newest night is complete", async () => {
    const io = captureIO(tmp);
    const code = await run(["--data-dir", REAL, "--out", join(tmp, "all"), "--format", "svg"], io);
    expect(code).toBe(0);
    expect(io.err.join("")).toContain("skipped cron_log/mi30x/20251013/grok_nightly.log");
    expect(io.err.join("")).toMatch(/\d+ of the skipped above are from older nights/);
    await expect(stat(join(tmp, "all", "mi30x", "GROK1_MOE-I4F8", "grok-online", "itl.png"))).rejects.toThrow();
    expect(
      (await readFile(join(tmp, "all", "mi30x", "GROK1_MOE-I4F8", "grok-online", "itl.svg"), "utf8")).startsWith(
        "<svg",
      ),
    ).toBe(true);
  });

  it("charts a run-folder history written by the store, and skips a corrupt results file", async () => {
    const root = join(tmp, "hist");
    await writeHistory(root, offlineHistory(20, 12));
    const broken = join(root, "offline", "GROK1", "v0.5.3-rocm630-mi30x-20250301_GROK1_MOE-I4F8_offline");
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, "results.json"), "{ half-written");
    const io = captureIO(tmp);
    const code = await run(["--data-dir", root, "--format", "svg"], io);
    expect(code).toBe(3);
    expect(io.err.join("")).toContain("20250301_GROK1_MOE-I4F8_offline");
    const svg = await readFile(
      join(root, "plots_server", "mi30x", "GROK1_MOE-I4F8", "grok-offline-normal", "latency.svg"),
      "utf8",
    );
    expect(svg).toContain("BS=256");
  });

  it("fails clearly on an empty folder and on bad flags", async () => {
    const empty = join(tmp, "empty");
    await mkdir(empty);
    let io = captureIO(tmp);
    expect(await run(["--data-dir", empty], io)).toBe(1);
    expect(io.err.join("")).toContain("no dated runs to chart");
    io = captureIO(tmp);
    expect(await run(["--bogus"], io)).toBe(2);
    expect(io.err.join("")).toContain("Usage: sglbench plot");
    io = captureIO(tmp);
    expect(await run(["--format", "gif"], io)).toBe(2);
    io = captureIO(tmp);
    expect(await run(["--help"], io)).toBe(0);
    expect(io.out.join("")).toContain("--format LIST");
  });
});

describe("online configurations", () => {
  it("charts a dp_attention run folder apart from the plain online runs of the same model", () => {
    const plain = emptyRun({
      kind: "online",
      suite: "deepseek-online",
      model: { name: "DeepSeek-V3-0324", variant: "FP8" },
      hardware: "mi30x",
      date: "20251013",
      points: [{ point: { concurrency: 1 }, repeats: [{ index: 1, metrics: { median_itl_ms: 20 } }] }],
    });
    const dp = {
      ...plain,
      mode: "dp_attention",
      points: [{ point: { concurrency: 1 }, repeats: [{ index: 1, metrics: { median_itl_ms: 30 } }] }],
    };
    const data = buildChartData([plain, dp]);
    expect(data.map((d) => [d.suite, d.baseSuite, d.metrics[0]!.lines[0]!.nights[0]!.median])).toEqual([
      ["deepseek-online", "deepseek-online", 20],
      ["deepseek-online-dp_attention", "deepseek-online", 30],
    ]);
  });
});

describe("change-point window and chart reuse", () => {
  it("searches change points in the last N nights only (0 = all)", () => {
    const runs = offlineHistory(60, 20); // the shift is 40 nights before the end
    const recent = buildChartData(runs, { changeNights: 30 })[0]!;
    expect(recent.changes).toEqual([]);
    const all = buildChartData(runs, { changeNights: 0 })[0]!;
    expect(all.changes.map((c) => `${c.point}:${c.date}`)).toContain(
      "tp=8,batch_size=32,input_len=1024,output_len=128:20250121",
    );
  });

  it("keeps unchanged charts and redraws the ones whose data changed", async () => {
    const out = await mkdtemp(join(tmpdir(), "sglbench-reuse-"));
    try {
      const first = await writeCharts(buildChartData(offlineHistory(20, 12)), {
        outDir: out,
        formats: ["svg"],
        reuse: true,
      });
      expect(first).toMatchObject({ reused: 0, failures: [] });
      expect(first.charts).toHaveLength(4); // latency, throughput, combined, overview
      const again = await writeCharts(buildChartData(offlineHistory(20, 12)), {
        outDir: out,
        formats: ["svg"],
        reuse: true,
      });
      expect(again.reused).toBe(4);
      const more = await writeCharts(buildChartData(offlineHistory(21, 12)), {
        outDir: out,
        formats: ["svg"],
        reuse: true,
      });
      expect(more.reused).toBe(0);
      // A deleted image is drawn again even though its data is the same.
      await rm(join(out, "mi30x", "GROK1_MOE-I4F8", "grok-offline-normal", "latency.svg"));
      const healed = await writeCharts(buildChartData(offlineHistory(21, 12)), {
        outDir: out,
        formats: ["svg"],
        reuse: true,
      });
      expect(healed.reused).toBe(3);
      expect(JSON.parse(await readFile(join(out, HASH_FILE), "utf8"))).toHaveProperty(
        "mi30x/GROK1_MOE-I4F8/grok-offline-normal/latency",
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
