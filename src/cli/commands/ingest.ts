/** `sglbench ingest <path…> [--json] [--out DIR]`: parse logs into results records. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { ingestPaths } from "../../store/ingest.js";
import { suiteLabel, type RunResults } from "../../core/results/index.js";

export const summary = "Parse run folders, logs and console logs into results";

const USAGE = `Usage: sglbench ingest <path…> [--json] [--out DIR]

Walks run folders (offline/…, online/…, online_benchmark_log/…), loose client/server/GSM8K
logs and nightly console logs; emits one results record per run. A folder's results.json
(written by sglbench) is taken as is; folders holding only the seed's CSVs still give a record;
a console log is merged into the run folder it produced. Files that give nothing are listed on
stderr with the reason (secrets redacted).

  --json       one JSON object per line on stdout (default: a readable table)
  --out DIR    also write each record to DIR/<n>-<suite>-<tag>.json
  -h, --help   this help

Exit: 0 all read (or some skipped but something ingested), 2 bad usage, 4 nothing readable.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags("ingest", USAGE, argv, { json: { type: "boolean" }, out: { type: "string" } }, io, {
    positionals: true,
  });
  if (typeof parsed === "number") return parsed;
  if (parsed.positionals.length === 0) return parsed.usage("give at least one path");
  const paths = parsed.positionals.map((p) => (p.startsWith("/") ? p : join(io.cwd, p)));
  const { runs, skipped } = await ingestPaths(paths);
  for (const s of skipped) io.stderr(`skipped ${s.file}: ${s.reason}\n`);
  if (parsed.values.out) {
    await mkdir(parsed.values.out, { recursive: true });
    await Promise.all(
      runs.map((r, i) =>
        writeFile(
          join(parsed.values.out ?? ".", `${i + 1}-${r.suite}-${r.image?.tag ?? "unknown"}.json`),
          JSON.stringify(r, null, 2),
        ),
      ),
    );
  }
  if (parsed.values.json) for (const r of runs) io.stdout(`${JSON.stringify(r)}\n`);
  else io.stdout(table(runs));
  if (runs.length === 0) {
    io.stderr("sglbench ingest: nothing could be read\n");
    return EXIT.unreadable;
  }
  return EXIT.ok;
}

/** A run's files shown as the folder holding most of them (a console log merged in counts apart). */
function sourceLabel(sources: string[]): string {
  if (sources.length <= 1) return sources[0] ?? "-";
  const perFolder = new Map<string, number>();
  for (const s of sources) perFolder.set(dirname(s), (perFolder.get(dirname(s)) ?? 0) + 1);
  const [folder, count] = [...perFolder].sort((x, y) => y[1] - x[1])[0]!;
  const elsewhere = sources.length - count;
  return `${folder}/ (${count} files${elsewhere ? ` + ${elsewhere} elsewhere` : ""})`;
}

/** `2 (server_crashed, crash)`: how many failures a run recorded and of what kinds (`--json` has their causes). */
function failuresText(r: RunResults): string {
  if (r.failures.length === 0) return "0";
  return `${r.failures.length} (${[...new Set(r.failures.map((f) => f.kind))].join(", ")})`;
}

function table(runs: RunResults[]): string {
  const rows = [["suite", "image", "points", "repeats", "gsm8k", "kv tokens", "failures", "diagnostics", "source"]];
  for (const r of runs)
    rows.push([
      // A night's variants (DP attention, torch compile …) are separate series: named as compare names them.
      suiteLabel(r),
      r.image?.tag ?? "-",
      String(r.points.length),
      String(r.points.reduce((s, p) => s + p.repeats.length, 0)),
      r.gsm8k?.average?.toFixed(3) ?? "-",
      String(r.kv_cache?.num_tokens ?? "-"),
      failuresText(r),
      String(r.diagnostics.length),
      sourceLabel(r.sources),
    ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, c) => cell.padEnd(widths[c] ?? 0))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
