/** `sglbench process`: the seed's summary CSVs for the last N days of nightly runs. */
import { isAbsolute, join } from "node:path";
import { pacificDate } from "../../core/catalogue/index.js";
import { processSummaries, type ProcessOutcome } from "../../pipeline/process-summaries.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { partialExit } from "../partial-exit.js";
import { errorMessage } from "../../core/util/index.js";

export const summary = "Write the summary CSVs of the nightly history";

const USAGE = `Usage: sglbench process --mode offline|online|all [--days 30] [--data-dir DIR] [options]

Replaces process_offline_csv.py / process_online_csv.py: reads the run folders of the last
--days days (today included), averages duplicate runs of a day, and writes per model:
  <data dir>/<MODEL>_<VARIANT>_offline_summary.csv
  <data dir>/<MODEL>_<VARIANT>_online_<modes>_summary.csv   (e.g. GROK1_MOE-I4F8_online_aiter_summary.csv)
next to the run folders. Online days missing a request rate/concurrency are left out (the
seed's completeness rule) and listed; corrupt files are listed with the reason and skipped.

  --mode M           offline, online or all (default all)
  --data-dir DIR     folder holding run folders, at any depth up to 4 (default:
                     $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else the current folder)
  --days N           window length in days (default 30)
  --today YYYYMMDD   end of the window (default: today in $TIME_ZONE, America/Los_Angeles)
  --exclude-today    the seed's offline window (today-1 … today-N)
  --mode-filter M    online modes to keep: aiter (default), triton, aiter_decode, a comma list or all
  --cleanup          also delete the legacy per-batch CSVs <MODEL>_<VARIANT>_<bs>.csv
  --dry-run          compute and report, write nothing
  --json             print the outcome as JSON
  -h, --help         this help

Exit: 0 ok, 3 written but files of the newest night skipped (older nights' are listed, not
counted), 1 nothing found, 2 bad usage, 4 data dir unreadable.
`;

/** The data dir from flags and the seed's environment variables. */
export function defaultDataDir(env: Record<string, string | undefined>, cwd: string): string {
  if (env["BENCHMARK_CI_DIR"]) return env["BENCHMARK_CI_DIR"];
  if (env["SGL_BENCHMARK_CI_DIR"]) return env["SGL_BENCHMARK_CI_DIR"];
  if (env["MOUNT_DIR"]) return join(env["MOUNT_DIR"], "sgl_benchmark_ci");
  return cwd;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "process",
    USAGE,
    argv,
    {
      mode: { type: "string", default: "all" },
      "data-dir": { type: "string" },
      days: { type: "string", default: "30" },
      today: { type: "string" },
      "exclude-today": { type: "boolean" },
      "mode-filter": { type: "string", default: "aiter" },
      cleanup: { type: "boolean" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  if (!["offline", "online", "all"].includes(v.mode))
    return usage(`--mode must be offline, online or all, not "${v.mode}"`);
  const days = Number(v.days);
  if (!Number.isInteger(days) || days < 1) return usage(`--days must be a positive integer, not "${v.days}"`);
  if (v.today !== undefined && !/^\d{8}$/.test(v.today)) return usage(`--today must be YYYYMMDD, not "${v.today}"`);
  const today = v.today ?? pacificDate(new Date());
  const raw = v["data-dir"] ?? defaultDataDir(io.env, io.cwd);
  const dataDir = isAbsolute(raw) ? raw : join(io.cwd, raw);
  const modes = v["mode-filter"]
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);

  const kinds = v.mode === "all" ? (["offline", "online"] as const) : ([v.mode] as ("offline" | "online")[]);
  const outcomes: { kind: string; outcome: ProcessOutcome }[] = [];
  try {
    for (const kind of kinds) {
      const outcome = await processSummaries({
        dataDir,
        kind,
        today,
        days,
        modes,
        ...(v["exclude-today"] ? { includeToday: false } : {}),
        ...(v.cleanup ? { cleanup: true } : {}),
        ...(v["dry-run"] ? { dryRun: true } : {}),
      });
      outcomes.push({ kind, outcome });
    }
  } catch (error: unknown) {
    io.stderr(`sglbench process: ${errorMessage(error)}\n`);
    return EXIT.unreadable;
  }

  let written = 0;
  for (const { kind, outcome } of outcomes) {
    for (const s of outcome.skipped) io.stderr(`skipped ${s.file}: ${s.reason}\n`);
    for (const s of outcome.summaries) {
      written += 1;
      if (!v.json) {
        io.stdout(`${kind}: ${s.file} (${s.rows} rows from ${s.folders} run folders)\n`);
        for (const d of s.dropped) io.stdout(`  left out ${d.date}: ${d.reason}\n`);
      }
    }
    if (!v.json) for (const r of outcome.removed) io.stdout(`removed ${r}\n`);
  }
  if (v.json) {
    io.stdout(
      `${JSON.stringify(
        outcomes.map(({ kind, outcome }) => ({
          kind,
          summaries: outcome.summaries.map(({ file, model, variant, rows, folders, dropped }) => ({
            file,
            model,
            variant,
            rows,
            folders,
            dropped,
          })),
          skipped: outcome.skipped,
          removed: outcome.removed,
        })),
        null,
        2,
      )}\n`,
    );
  }
  if (written === 0) {
    io.stderr(`sglbench process: no run folders of the last ${days} days under ${dataDir}\n`);
    return EXIT.failed;
  }
  const skipped = outcomes.flatMap(({ outcome }) => outcome.skipped);
  return partialExit(
    skipped,
    outcomes.flatMap(({ outcome }) => outcome.nights),
    io,
  );
}
