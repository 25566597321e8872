/** `sglbench changes`: change points in the nightly series of a history folder. */
import { changePhrase } from "../../core/report/index.js";
import { isAbsolute, join } from "node:path";
import { pacificDate } from "../../core/catalogue/index.js";
import {
  buildSeries,
  findSeriesChanges,
  knownMetric,
  NIGHTLY_METRICS,
  sparkline,
  type SeriesChange,
} from "../../core/trends/index.js";
import { loadHistory } from "../../store/history.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { defaultDataDir } from "./process.js";
import { errorMessage } from "../../core/util/index.js";

export const summary = "Find change points in the nightly series";

const USAGE = `Usage: sglbench changes [--data-dir DIR] [--days N] [--json] [options]

Reads every run folder under the data dir, builds one series per hardware × model × suite ×
point × metric (a night's repeats pooled) and reports the level shifts: first night at the new
level, level before/after, change in %, strength (|t|) and p value, the images on either side.
Method: binary segmentation on log values with a t-test whose noise is the larger of the
repeats' spread and the night-to-night scatter, Bonferroni-corrected (see docs/nightly.md).

  --data-dir DIR     history folder (default $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
  --days N           only the last N days (default: all)
  --today YYYYMMDD   end of the window (default: today in America/Los_Angeles)
  --metric KEY       follow this metric (repeatable; default ${NIGHTLY_METRICS.join(", ")})
  --model NAME       only this model's run folders (GROK1, GROK2, DeepSeek-V3-0324)
  --since YYYYMMDD   report only changes from this date on
  --regressions      report only regressions
  --alpha P          significance after correction (default 0.001)
  --min-effect PCT   smallest change reported, in % (default 2)
  --json             JSON array on stdout
  -h, --help         this help

Exit: 0 no open regression, 1 an open regression (a series' latest change is a regression),
2 bad usage, 4 nothing readable under the data dir.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "changes",
    USAGE,
    argv,
    {
      "data-dir": { type: "string" },
      days: { type: "string" },
      today: { type: "string" },
      metric: { type: "string", multiple: true },
      since: { type: "string" },
      model: { type: "string" },
      regressions: { type: "boolean" },
      alpha: { type: "string" },
      "min-effect": { type: "string" },
      json: { type: "boolean" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values: v, usage } = parsed;
  const days = v.days === undefined ? undefined : Number(v.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) return usage(`--days must be a positive integer`);
  for (const [flag, value] of [
    ["--today", v.today],
    ["--since", v.since],
  ] as const)
    if (value !== undefined && !/^\d{8}$/.test(value)) return usage(`${flag} must be YYYYMMDD, not "${value}"`);
  const unknown = (v.metric ?? []).filter((m) => !knownMetric(m));
  if (unknown.length) return usage(`unknown metric ${unknown.join(", ")}`);
  const alpha = v.alpha === undefined ? undefined : Number(v.alpha);
  if (alpha !== undefined && !(alpha > 0 && alpha < 1)) return usage(`--alpha must be between 0 and 1`);
  const minEffect = v["min-effect"] === undefined ? undefined : Number(v["min-effect"]);
  if (minEffect !== undefined && !(minEffect >= 0)) return usage(`--min-effect must be a number >= 0`);

  const raw = v["data-dir"] ?? defaultDataDir(io.env, io.cwd);
  const dataDir = isAbsolute(raw) ? raw : join(io.cwd, raw);
  let history;
  try {
    history = await loadHistory(dataDir, {
      ...(days !== undefined ? { days, today: v.today ?? pacificDate(new Date()) } : {}),
      ...(v.model ? { model: v.model } : {}),
    });
  } catch (error: unknown) {
    io.stderr(`sglbench changes: ${errorMessage(error)}\n`);
    return EXIT.unreadable;
  }
  for (const s of history.skipped) io.stderr(`skipped ${s.file}: ${s.reason}\n`);
  if (history.runs.length === 0) {
    io.stderr(`sglbench changes: no runs under ${dataDir}\n`);
    return EXIT.unreadable;
  }
  // Console logs are not filtered by folder: drop their other models here.
  const runs = v.model ? history.runs.filter((r) => r.model.name === v.model) : history.runs;
  const series = buildSeries(runs, v.metric ? { metrics: v.metric } : {});
  let changes = findSeriesChanges(series, {
    ...(alpha !== undefined ? { alpha } : {}),
    ...(minEffect !== undefined ? { minEffectPct: minEffect } : {}),
  });
  if (v.since) changes = changes.filter((c) => c.date >= (v.since ?? ""));
  if (v.regressions) changes = changes.filter((c) => c.kind === "regression");
  if (v.json) io.stdout(`${JSON.stringify(changes, null, 2)}\n`);
  else io.stdout(formatChanges(changes, series.length, runs.length));
  // Only an open regression (still the series' current level) is worth waking someone for.
  return changes.some((c) => c.kind === "regression" && c.current) ? EXIT.failed : EXIT.ok;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}

/** A readable table of changes. */
export function formatChanges(changes: readonly SeriesChange[], seriesCount: number, runCount: number): string {
  const head = `${runCount} runs, ${seriesCount} series, ${changes.length} change point${changes.length === 1 ? "" : "s"}\n`;
  if (changes.length === 0) return head;
  const rows = changes.map((c) => [
    c.date,
    c.kind,
    `${c.model} ${c.suite}`,
    c.point,
    `${c.label} (${c.unit})`,
    `${fmt(c.before)} → ${fmt(c.after)}`,
    changePhrase(c.metric, c.change_pct),
    c.strength.toFixed(1),
    `${c.tag_before} → ${c.tag_after}`,
    sparkline(c.around.map((a) => a.value)),
  ]);
  const header = ["date", "kind", "series", "point", "metric", "level", "change", "|t|", "images", "nights"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    `${r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()}\n`;
  return head + line(header) + rows.map(line).join("");
}
