/**
 * Ingest throughput: MB/s and records/s on the real fixtures (repeated), plus a synthetic
 * console log padded with ~20 kB tqdm lines; prints peak RSS. Figures only, no assertions.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingestPaths } from "../src/store/ingest.js";
import { formatOfflineCsv, parseOfflineCsv } from "../src/store/offline-csv.js";
import { formatOnlineCsv, parseOnlineCsv } from "../src/store/online-csv.js";

const REAL = join(import.meta.dirname, "..", "test", "fixtures", "real");

async function sizeOf(paths: string[]): Promise<number> {
  const { readdir } = await import("node:fs/promises");
  let total = 0;
  for (const p of paths) {
    const s = await stat(p);
    if (s.isDirectory()) total += await sizeOf((await readdir(p)).map((e) => join(p, e)));
    else total += s.size;
  }
  return total;
}

async function measure(label: string, paths: string[], rounds: number): Promise<void> {
  const bytes = (await sizeOf(paths)) * rounds;
  let records = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) records += (await ingestPaths(paths)).runs.length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${label}: ${(bytes / 1e6).toFixed(1)} MB, ${records} records in ${seconds.toFixed(2)} s → ${(bytes / 1e6 / seconds).toFixed(1)} MB/s, ${(records / seconds).toFixed(0)} records/s`,
  );
}

await measure("real fixtures x20", [REAL], 20);

const dir = await mkdtemp(join(tmpdir(), "sglbench-ingest-bench-"));
try {
  const seed = await readFile(join(REAL, "cron_log/mi30x/20251014/grok_nightly.log"), "utf8");
  const bar = `${"\r 42%|████      | 126/300 [02:06<02:54,  1.00s/it]".repeat(400)}\n`;
  const big = (seed + bar.repeat(200)).repeat(4);
  const file = join(dir, "grok_nightly.log");
  await writeFile(file, big);
  await measure("synthetic console log with tqdm", [file], 1);
} finally {
  await rm(dir, { recursive: true, force: true });
}
/** Seed CSV parse → format round trips per second (the runner rewrites these after every point). */
function csvRoundTrips(label: string, text: string, roundTrip: (t: string) => string, rounds: number): void {
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) if (roundTrip(text) !== text) throw new Error(`${label}: round trip changed bytes`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${label}: ${rounds} parse+format round trips in ${seconds.toFixed(2)} s → ${(rounds / seconds).toFixed(0)}/s`,
  );
}
const SEED = join(import.meta.dirname, "..", "test", "fixtures", "seed");
csvRoundTrips(
  "offline CSV (F2, 9 rows)",
  await readFile(join(SEED, "20250624_GROK1_MOE-I4F8_offline.csv"), "utf8"),
  (t) => {
    const p = parseOfflineCsv(t, "F2");
    return formatOfflineCsv(p.header, p.rows, p.trailingNewline);
  },
  20000,
);
csvRoundTrips(
  "online TAB CSV (F5, H100 rows)",
  await readFile(join(SEED, "20250625_GROK1_MOE-I4F8_online.csv"), "utf8"),
  (t) => formatOnlineCsv(parseOnlineCsv(t, "F5")),
  5000,
);

console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
