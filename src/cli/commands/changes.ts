/** `sglbench changes`: change points in the nightly series of a history folder. */
import { changePhrase } from "../../core/report/index.js";
import { isAbsolute, join } from "node:path";
import { pacificDate } from "../../core/catalogue/index.js";
import {
  buildSeries,
  findAlerts,
  knownMetric,
  NIGHTLY_METRICS,
  sparkline,
  type ReportedChange,
  type ProtocolBreak,
} from "../../core/trends/index.js";
import { loadHistory } from "../../store/history.js";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { defaultDataDir } from "./process.js";
import { errorMessage } from "../../core/util/index.js";

export const summary = "Find change points in the nightly series";

const USAGE = `Usage: sglbench changes [--data-dir DIR] [--days N] [--json] [options]

Reads every run folder under the data dir, builds one series per hardware × model × suite ×
point × metric and reports the changes worth an alert: on complete nights only, within one
measurement protocol (repeats per point, prompt count: a protocol change is a known break, listed
apart, never a performance change), a level shift that holds for --persist nights, larger than
--noise-k times the series' own night-to-night noise and --min-effect. Each change names its
likely cause from the run metadata (ROCm version, host, SGLang build, nightly image) and links the
commits between the two images. See docs/plots.md.

  --data-dir DIR     history folder (default $BENCHMARK_CI_DIR, else $MOUNT_DIR/sgl_benchmark_ci, else .)
  --days N           only the last N days (default: all)
  --today YYYYMMDD   end of the window (default: today in America/Los_Angeles)
  --metric KEY       follow this metric (repeatable; default ${NIGHTLY_METRICS.join(", ")})
  --model NAME       only this model's run folders (GROK1, GROK2, DeepSeek-V3-0324)
  --since YYYYMMDD   report only changes from this date on
  --regressions      report only regressions
  --noise-k K        a shift must exceed K × the series' night-to-night noise (default 4)
  --persist N        complete nights the new level must hold (default 3)
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
      "noise-k": { type: "string" },
      persist: { type: "string" },
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
  const k = v["noise-k"] === undefined ? undefined : Number(v["noise-k"]);
  if (k !== undefined && !(k > 0)) return usage(`--noise-k must be a number > 0`);
  const persist = v.persist === undefined ? undefined : Number(v.persist);
  if (persist !== undefined && !(Number.isInteger(persist) && persist >= 1))
    return usage(`--persist must be a positive integer`);
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
  const found = findAlerts(series, runs, {
    ...(k !== undefined ? { k } : {}),
    ...(persist !== undefined ? { persist } : {}),
    ...(minEffect !== undefined ? { minEffectPct: minEffect } : {}),
  });
  let changes = found.changes;
  let breaks = found.breaks;
  if (v.since) {
    changes = changes.filter((c) => c.date >= (v.since ?? ""));
    breaks = breaks.filter((b) => b.date >= (v.since ?? ""));
  }
  if (v.regressions) changes = changes.filter((c) => c.kind === "regression");
  if (v.json) io.stdout(`${JSON.stringify(changes, null, 2)}\n`);
  else io.stdout(formatChanges(changes, series.length, runs.length, breaks));
  // Only an open regression (still the series' current level) is worth waking someone for.
  return changes.some((c) => c.kind === "regression" && c.current) ? EXIT.failed : EXIT.ok;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}

/** One alert: the changes of one hardware × model × suite on one night (they share a cause). */
function groupByNight(changes: readonly ReportedChange[]): ReportedChange[][] {
  const groups = new Map<string, ReportedChange[]>();
  for (const c of changes) {
    const key = [c.date, c.hardware, c.model, c.suite].join("/");
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()];
}

/** A readable report: one block per hardware × model × suite × night, then the protocol breaks. */
export function formatChanges(
  changes: readonly ReportedChange[],
  seriesCount: number,
  runCount: number,
  breaks: readonly ProtocolBreak[] = [],
): string {
  const nights = groupByNight(changes);
  let out = `${runCount} runs, ${seriesCount} series, ${changes.length} change point${changes.length === 1 ? "" : "s"} on ${nights.length} night${nights.length === 1 ? "" : "s"}\n`;
  for (const group of nights) {
    const first = group[0] as ReportedChange;
    const regressions = group.filter((c) => c.kind === "regression").length;
    out += `\n${first.date}  ${first.hardware} ${first.model} ${first.suite}: ${group.length} series (${regressions} regression${regressions === 1 ? "" : "s"})\n`;
    if (first.causes?.length) out += `  likely cause: ${first.causes.map((c) => c.text).join("; ")}\n`;
    out += `  images: ${first.tag_before} → ${first.tag_after}\n`;
    if (first.commits_url) out += `  commits: ${first.commits_url}\n`;
    const rows = [...group]
      .sort((a, b) => Math.abs(b.change_pct) - Math.abs(a.change_pct))
      .map((c) => [
        c.kind,
        c.point,
        `${c.label} (${c.unit})`,
        `${fmt(c.before)} → ${fmt(c.after)}`,
        changePhrase(c.metric, c.change_pct),
        `${c.strength.toFixed(1)}σ`,
        c.current ? "open" : "",
        sparkline(c.around.map((a) => a.value)),
      ]);
    const header = ["kind", "point", "metric", "level", "change", "size", "", "nights"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (r: string[]) =>
      `  ${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd()}\n`;
    out += line(header) + rows.map(line).join("");
  }
  if (breaks.length) {
    out += `\nknown breaks (measurement protocol changed; levels are not compared across them):\n`;
    for (const b of breaks) out += `  ${b.date}  ${b.hardware} ${b.model} ${b.suite}: ${b.from} → ${b.to}\n`;
  }
  return out;
}
