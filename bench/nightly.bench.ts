/**
 * Nightly history at scale: generates a year of nightly run folders for 5 model × kind series
 * (≈ 1 800 runs) from the real fixture folders with shifted dates and jittered numbers (plus a
 * planted 5 % step), then measures, each in a fresh child process (so peak RSS is that step's):
 *   - `process` over the whole year and over the seed's 30-day window,
 *   - the incremental nightly update after one new run (30-day process of that model),
 *   - `changes` (ingest + series + change points) over the last 120 days.
 * Targets (issue): process < 10 s and < 300 MB RSS; incremental update < 1 s. Figures only.
 *
 *   npx tsx bench/nightly.bench.ts [--days 365] [--pad-mb 0] [--keep]
 * --pad-mb N appends N MB of tqdm-like lines to every server log (hard-linked, so disk stays small)
 * to check that the readers stop at what they need.
 */
import { execFileSync } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const REAL = join(import.meta.dirname, "..", "test", "fixtures", "real");
const DS_TEMPLATE = join(
  REAL,
  "online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online",
);
const GROK2_TEMPLATE = join(REAL, "online/GROK2/v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online");

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "365" },
    "pad-mb": { type: "string", default: "0" },
    keep: { type: "boolean" },
    measure: { type: "string" },
    dir: { type: "string" },
    today: { type: "string" },
    model: { type: "string" },
  },
});

// ---- child mode: run one measured step and print its time and peak RSS as JSON ----
if (values.measure) {
  const dir = values.dir ?? "";
  const today = values.today ?? "";
  const t0 = process.hrtime.bigint();
  let detail = "";
  if (values.measure.startsWith("process")) {
    const { processSummaries } = await import("../src/pipeline/process-summaries.js");
    const days = values.measure === "process-year" ? 400 : 30;
    const root = values.model ? join(dir, values.model) : dir;
    let rows = 0;
    let skipped = 0;
    for (const kind of ["offline", "online"] as const) {
      const out = await processSummaries({ dataDir: root, kind, today, days, modes: ["all"] });
      rows += out.summaries.reduce((n, s) => n + s.rows, 0);
      skipped += out.skipped.length;
    }
    detail = `${rows} summary rows, ${skipped} skipped`;
  } else if (values.measure === "changes") {
    const { loadHistory } = await import("../src/store/history.js");
    const { buildSeries, findSeriesChanges } = await import("../src/core/trends/index.js");
    const { runs } = await loadHistory(dir, { days: 120, today });
    const series = buildSeries(runs);
    const changes = findSeriesChanges(series);
    detail = `${runs.length} runs, ${series.length} series, ${changes.length} change points (${changes
      .slice(0, 3)
      .map((c) => `${c.model} ${c.point} ${c.metric} ${c.date} ${c.change_pct.toFixed(1)}%`)
      .join("; ")})`;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, detail }));
  process.exit(0);
}

// ---- generator ----
function dateOf(start: Date, i: number): string {
  const d = new Date(start.getTime() + i * 86_400_000);
  return d.toISOString().slice(0, 10).replaceAll("-", "");
}

/** Deterministic jitter in [-0.5, 0.5). */
function jitter(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x) - 0.5;
}

/** Scales every number after the first TAB-separated label on measured rows. */
function scaleOnlineCsv(text: string, tag: string, factor: (col: number) => number): string {
  return text
    .split("\n")
    .map((line, i) => {
      if (i === 0) return line.replace(/\(([^)]*)\)$/, `(${tag})`);
      if (!/^(MI\d+x-|DeepSeek-V3-0324-FP8)/.test(line)) return line;
      const [label, ...cells] = line.split("\t");
      return [label, ...cells.map((c, k) => (c.trim() === "" ? c : (Number(c) * factor(k)).toFixed(2)))].join("\t");
    })
    .join("\n");
}

const OFFLINE_11 =
  "TP,batch_size,IL,OL,Backend,Prefill_latency(s),Median_decode_latency(s),E2E_Latency(s),Prefill_Throughput(token/s),Median_Decode_Throughput(token/s),E2E_Throughput(token/s)";
const OFFLINE_10 =
  "TP,batch_size,IL,OL,Prefill_latency(s),Median_decode_latency(s),E2E_Latency(s),Prefill_Throughput(token/s),Median_Decode_Throughput(token/s),E2E_Throughput(token/s)";

function offlineCsv(withBackend: boolean, il: number, ol: number, f: number): string {
  const rows = [1, 2, 4, 8, 16, 32, 64, 128, 256].map((bs) => {
    const e2e = (1.6 + bs * 0.06) * f;
    const thr = (bs * (il + ol)) / e2e;
    const cells = [0.09 * f, 0.0118 * f, e2e, 11112.32 / f, 84.75 / f, thr];
    const fmt = [5, 5, 3, 2, 2, 2].map((d, i) => (cells[i] ?? 0).toFixed(d));
    return ["8", String(bs), String(il), String(ol), ...(withBackend ? ["aiter"] : []), ...fmt].join(",");
  });
  return `${withBackend ? OFFLINE_11 : OFFLINE_10}\n${rows.join("\n")}\n`;
}

async function linkAll(from: string, to: string, skip: (name: string) => boolean, padded: Map<string, string>) {
  for (const name of await readdir(from)) {
    if (skip(name)) continue;
    const src = padded.get(join(from, name)) ?? join(from, name);
    await link(src, join(to, name));
  }
}

async function generate(
  root: string,
  days: number,
  padMb: number,
): Promise<{ runs: number; bytes: number; today: string }> {
  const start = new Date(Date.UTC(2025, 0, 1));
  const padded = new Map<string, string>();
  if (padMb > 0) {
    // One padded copy per server log, hard-linked into every run folder.
    const padDir = join(root, ".padded");
    await mkdir(padDir, { recursive: true });
    const tqdm = `${"Capturing batches (bs=512 avail_mem=20.1 GB): ".padEnd(200, "█")}\r`.repeat(5000) + "\n";
    for (const [tpl, name] of [
      [DS_TEMPLATE, "sglang_server.log"],
      [GROK2_TEMPLATE, "server_output_aiter.log"],
    ] as const) {
      const base = await readFile(join(tpl, name), "utf8");
      let text = base;
      while (text.length < padMb * 1e6) text += tqdm;
      const out = join(padDir, `${name}-${tpl.length}`);
      await writeFile(out, text);
      padded.set(join(tpl, name), out);
    }
  }
  const dsCsvName = "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_serving.csv";
  const dsCsv = await readFile(join(DS_TEMPLATE, dsCsvName), "utf8");
  const grokCsvName = "v0.5.5.post2-rocm700-mi30x-20251113_GROK2_FP8_online.csv";
  const grokCsv = await readFile(join(GROK2_TEMPLATE, grokCsvName), "utf8");
  let runs = 0;
  for (let i = 0; i < days; i++) {
    const date = dateOf(start, i);
    const tag = `v0.5.3-rocm630-mi30x-${date}`;
    // A planted 5 % slow-down of DeepSeek online 60 nights before the end, 1 % night-to-night noise elsewhere
    // (in the CSVs only: the per-request logs are hard links of one real night, so `changes`, which reads
    // the logs, sees flat series here; its figure is about cost, not detection).
    const step = i >= days - 60 ? 1.05 : 1;
    const noise = (col: number) => 1 + 0.01 * jitter(i * 31 + col);

    const ds = join(root, "online_benchmark_log/mi30x/DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online`);
    await mkdir(ds, { recursive: true });
    await linkAll(DS_TEMPLATE, ds, (n) => n.endsWith("_serving.csv"), padded);
    await writeFile(
      join(ds, `${tag}_DeepSeek-V3-0324_FP8_serving.csv`),
      scaleOnlineCsv(dsCsv, tag, (c) => step * noise(c)),
    );

    for (const [model, variant] of [
      ["GROK2", "FP8"],
      ["GROK1", "MOE-I4F8"],
    ] as const) {
      const g = join(root, "online", model, `${tag}_${model}_${variant}_online`);
      await mkdir(g, { recursive: true });
      await linkAll(GROK2_TEMPLATE, g, (n) => n.endsWith("_online.csv"), padded);
      const csv = scaleOnlineCsv(grokCsv.replace("GROK2", model), tag, noise);
      await writeFile(join(g, `${tag}_${model}_${variant}_online.csv`), csv);
    }

    const g1 = join(root, "offline/GROK1", `${tag}_GROK1_MOE-I4F8_offline`);
    await mkdir(g1, { recursive: true });
    await writeFile(join(g1, `${tag}_GROK1_MOE-I4F8_offline.csv`), offlineCsv(true, 1024, 128, noise(0)));
    await writeFile(
      join(g1, "config.json"),
      JSON.stringify({ docker: `rocm/sgl-dev:${tag}`, attention_backend: "aiter" }),
    );

    const d1 = join(root, "offline/DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_offline`);
    await mkdir(d1, { recursive: true });
    await writeFile(join(d1, `${tag}_DeepSeek-V3-0324_FP8_offline.csv`), offlineCsv(false, 128, 32, noise(1)));
    runs += 5;
  }
  return { runs, bytes: await logicalSize(root), today: dateOf(start, days - 1) };
}

async function logicalSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== ".padded") total += await logicalSize(p);
    } else total += (await stat(p)).size;
  }
  return total;
}

function measure(
  step: string,
  dir: string,
  today: string,
  extra: string[] = [],
): { seconds: number; maxRssMb: number; detail: string } {
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, "--measure", step, "--dir", dir, "--today", today, ...extra],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as { seconds: number; maxRssMb: number; detail: string };
}

const days = Number(values.days);
const padMb = Number(values["pad-mb"]);
const root = await mkdtemp(join(tmpdir(), "sglbench-nightly-bench-"));
try {
  const g0 = Date.now();
  const gen = await generate(root, days, padMb);
  console.log(
    `generated ${gen.runs} runs (${days} nights × 5 series), ${(gen.bytes / 1e9).toFixed(2)} GB of logs and CSVs (logical), in ${((Date.now() - g0) / 1000).toFixed(1)} s`,
  );
  const report = (label: string, target: string, r: { seconds: number; maxRssMb: number; detail: string }) =>
    console.log(
      `${label}: ${r.seconds.toFixed(2)} s, peak RSS ${r.maxRssMb.toFixed(0)} MB (${r.detail}) [target ${target}]`,
    );
  report("process, whole year", "< 10 s, < 300 MB", measure("process-year", root, gen.today));
  report("process, 30-day window", "< 10 s, < 300 MB", measure("process-30", root, gen.today));

  // One more night for DeepSeek online: the nightly's incremental update re-processes that model's window.
  const next = dateOf(new Date(Date.UTC(2025, 0, 1)), days);
  const tag = `v0.5.3-rocm630-mi30x-${next}`;
  const ds = join(root, "online_benchmark_log/mi30x/DeepSeek-V3-0324", `${tag}_DeepSeek-V3-0324_FP8_online`);
  await mkdir(ds, { recursive: true });
  await linkAll(DS_TEMPLATE, ds, () => false, new Map());
  report(
    "incremental update (one new run, its model's 30-day summaries)",
    "< 1 s",
    measure("process-30", root, next, ["--model", "online_benchmark_log/mi30x/DeepSeek-V3-0324"]),
  );
  report("changes over the last 120 days (full ingest of the logs)", "-", measure("changes", root, next));
} finally {
  if (values.keep) console.log(`kept ${root}`);
  else await rm(root, { recursive: true, force: true });
}
