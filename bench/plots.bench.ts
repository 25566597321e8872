/**
 * Charts and dashboard at scale: a year of nightly history for 5 model × kind series (≈ 1 800
 * runs, written as results.json run folders with repeat noise and planted shifts), then measured:
 *   - load + chart data (ingest, series, change points),
 *   - every chart rendered to SVG and PNG (`sglbench plot`), and to SVG only,
 *   - the whole dashboard (interactive pages + SVG images),
 *   - the nightly's incremental update: one new run, its model's dashboard rebuilt.
 * `plot` and `dashboard` run as their own CLI processes (what the nightly runs), each with its wall
 * time and peak RSS (goal for a year: under 20 s and 300 MB each). The in-process steps print wall
 * time and this process's peak RSS so far. Figures only, no assertions.
 *
 *   npx tsx bench/plots.bench.ts [--days 365] [--from DIR] [--keep]
 * --from DIR charts an existing history instead (e.g. the one bench/nightly.bench.ts --keep leaves).
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emptyRun, type RunResults } from "../src/core/results/index.js";
import { loadChartData } from "../src/plots/load.js";
import { writeResults } from "../src/store/results-file.js";
import { execa } from "execa";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "365" },
    from: { type: "string" },
    keep: { type: "boolean" },
  },
});

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function dateOf(i: number): string {
  return new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10).replaceAll("-", "");
}

interface SeriesPlan {
  kind: "offline" | "online";
  suite: string;
  name: string;
  variant: string;
  folder: string;
  points: Record<string, number>[];
  repeats: number;
  metrics: (p: Record<string, number>) => Record<string, number>;
  kv?: { num_tokens: number; size_gb: number };
}

const PLANS: SeriesPlan[] = [
  {
    kind: "offline",
    suite: "grok-offline-normal",
    name: "GROK1",
    variant: "MOE-I4F8",
    folder: "offline/GROK1",
    points: [1, 2, 4, 8, 16, 32, 64, 128, 256].map((b) => ({ tp: 8, batch_size: b, input_len: 1024, output_len: 128 })),
    repeats: 1,
    metrics: (p) => {
      const l = 1.2 + (p["batch_size"] ?? 1) * 0.02;
      return { total_latency: l, overall_throughput: ((p["batch_size"] ?? 1) * 1152) / l };
    },
  },
  {
    kind: "offline",
    suite: "deepseek-offline",
    name: "DeepSeek-V3-0324",
    variant: "FP8",
    folder: "offline/DeepSeek-V3-0324",
    points: [1, 2, 4, 8, 16, 32, 64, 128].map((b) => ({ tp: 8, batch_size: b, input_len: 128, output_len: 32 })),
    repeats: 1,
    metrics: (p) => {
      const l = 0.6 + (p["batch_size"] ?? 1) * 0.01;
      return { total_latency: l, overall_throughput: ((p["batch_size"] ?? 1) * 160) / l };
    },
  },
  ...(["GROK1", "GROK2"] as const).map((name): SeriesPlan => ({
    kind: "online",
    suite: "grok-online",
    name,
    variant: name === "GROK1" ? "MOE-I4F8" : "FP8",
    folder: `online/${name}`,
    points: [1, 2, 4, 8, 16].map((r) => ({ request_rate: r })),
    repeats: 3,
    metrics: (p) => {
      const r = p["request_rate"] ?? 1;
      return { median_e2e_latency_ms: 9000 * (1 + r * 0.6), median_ttft_ms: 90 + r * 10, median_itl_ms: 15 + r * 5 };
    },
    kv: { num_tokens: 3328113, size_gb: 101.56 },
  })),
  {
    kind: "online",
    suite: "deepseek-online",
    name: "DeepSeek-V3-0324",
    variant: "FP8",
    folder: "online_benchmark_log/mi30x/DeepSeek-V3-0324",
    points: [1, 4, 16, 64, 128].map((c) => ({ concurrency: c, input_len: 3200, output_len: 800 })),
    repeats: 3,
    metrics: (p) => {
      const c = p["concurrency"] ?? 1;
      return { median_e2e_latency_ms: 16000 + c * 350, median_ttft_ms: 100 + c * 80, median_itl_ms: 20 + c * 0.25 };
    },
    kv: { num_tokens: 971748, size_gb: 63.6 },
  },
];

/** One night of one plan: noise of 0.5 % per repeat, a 6 % step 90 nights before the end, a 3-night dip at day 200. */
function runFor(plan: SeriesPlan, i: number, days: number, noise: () => number): RunResults {
  const date = dateOf(i);
  const tag = `v0.5.3-rocm630-mi30x-${date}`;
  const step = i >= days - 90 ? 1.06 : 1;
  const dip = i >= 200 && i < 203 ? 1.1 : 1;
  const run = emptyRun({
    kind: plan.kind,
    suite: plan.suite,
    model: { name: plan.name, variant: plan.variant },
    hardware: "mi30x",
    backend: "aiter",
    date,
    image: { full: `rocm/sgl-dev:${tag}`, tag },
    ...(plan.kv ? { kv_cache: plan.kv } : {}),
  });
  for (const point of plan.points) {
    const base = plan.metrics(point);
    run.points.push({
      point,
      repeats: Array.from({ length: plan.repeats }, (_, r) => ({
        index: r + 1,
        metrics: Object.fromEntries(
          Object.entries(base).map(([k, v]) => {
            const worse = k.includes("throughput") ? 1 / (step * dip) : step * dip;
            return [k, v * worse * (1 + 0.005 * noise())];
          }),
        ),
      })),
    });
  }
  return run;
}

async function generate(root: string, days: number): Promise<number> {
  const noise = rng(3);
  let runs = 0;
  for (let i = 0; i < days; i++) {
    for (const plan of PLANS) {
      const r = runFor(plan, i, days, noise);
      const dir = join(root, plan.folder, `${r.image?.tag}_${plan.name}_${plan.variant}_${plan.kind}`);
      await writeResults(dir, r);
      runs++;
    }
  }
  return runs;
}

/** Bytes of the site's HTML pages (index + one per model). */
async function buildSizes(site: string): Promise<number> {
  const { readdir } = await import("node:fs/promises");
  let total = 0;
  for (const e of await readdir(site, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(".html")) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function timed<T>(label: string, f: () => Promise<T>, detail: (t: T) => string): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${s.toFixed(2)} s, peak RSS so far ${rssMb().toFixed(0)} MB (${detail(out)})`);
  return out;
}

const days = Number(values.days);
const root = values.from ?? (await mkdtemp(join(tmpdir(), "sglbench-plots-bench-")));
const out = await mkdtemp(join(tmpdir(), "sglbench-plots-out-"));
try {
  if (!values.from) {
    await timed(
      "generate",
      () => generate(root, days),
      (n) => `${n} runs, ${days} nights × ${PLANS.length} series`,
    );
  }
  await timed(
    "load + chart data (ingest, series, change points)",
    () => loadChartData(root),
    (l) =>
      `${l.runs.length} runs, ${l.data.length} suites, ${l.data.reduce((n, d) => n + d.metrics.reduce((m, x) => m + x.lines.length, 0), 0)} series, ${l.data.reduce((n, d) => n + d.changes.length, 0)} change points`,
  );
  // The commands as the nightly runs them: the bundled CLI (what dist/ ships), each in its own
  // process, with wall time and peak RSS. Built into node_modules/.cache so @resvg/resvg-js resolves.
  const repo = join(import.meta.dirname, "..");
  const dist = join(repo, "node_modules", ".cache", "sglbench-bench-dist");
  await execa("node", [join(repo, "scripts", "build.mjs")], { cwd: repo, env: { SGLBENCH_DIST_DIR: dist } });
  const cli = async (label: string, args: string[]): Promise<void> => {
    const t0 = performance.now();
    // GNU time reports the peak RSS of the command.
    const r = await execa("/usr/bin/time", ["-f", "%M", "node", join(dist, "cli.js"), ...args], { reject: false });
    const s = (performance.now() - t0) / 1000;
    const kb = Number(r.stderr.trim().split("\n").pop());
    const rss = Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : "n/a (no /usr/bin/time)";
    console.log(`${label}: ${s.toFixed(2)} s, peak RSS ${rss}, exit ${r.exitCode} (goal: < 20 s, < 300 MB)`);
  };
  await cli("sglbench plot (every chart → SVG + PNG, own process)", [
    "plot",
    "--data-dir",
    root,
    "--out",
    join(out, "charts"),
  ]);
  await cli("sglbench plot --format svg (every chart → SVG, own process)", [
    "plot",
    "--format",
    "svg",
    "--data-dir",
    root,
    "--out",
    join(out, "charts-svg"),
  ]);
  await cli("sglbench dashboard (pages + SVG/PNG images, own process)", [
    "dashboard",
    "--data-dir",
    root,
    "--out",
    join(out, "site"),
  ]);
  const pages = await buildSizes(join(out, "site"));
  console.log(`dashboard pages: ${(pages / 1e6).toFixed(1)} MB of HTML with the inlined chart data`);
  if (!values.from) {
    // The nightly's update after one new run: the whole dashboard again, unchanged charts kept.
    const plan = PLANS[4];
    if (plan) {
      const r = runFor(plan, days, days, rng(9));
      await writeResults(join(root, plan.folder, `${r.image?.tag}_${plan.name}_${plan.variant}_${plan.kind}`), r);
      await cli("incremental: one new DeepSeek run, sglbench dashboard again (unchanged charts kept)", [
        "dashboard",
        "--data-dir",
        root,
        "--out",
        join(out, "site"),
      ]);
    }
  }
} finally {
  await rm(out, { recursive: true, force: true });
  if (values.keep || values.from) console.log(`history in ${root}`);
  else await rm(root, { recursive: true, force: true });
}
