/**
 * The dashboard's HTML, built from plain data (pure; no I/O): the index (latest nightlies, open
 * change points, pages) and one page per hardware × model (interactive charts, latest nights,
 * change points, the list of runs with links to their folders and logs).
 */
import { changeHeadline, changePhrase, pointKeyLabel } from "../core/report/index.js";
import type { ReportedChange, SeriesChange } from "../core/trends/index.js";
import type { SuiteChartData } from "./chart-data.js";
import type { SanityModelRow, SanityNight } from "./sanity-table.js";
import { formatValue } from "./labels.js";
import { hardwareName, type ChartSpec } from "./specs.js";

/** Escapes text for HTML content and attributes. */
export function esc(s: string | number | undefined): string {
  return String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside `<script>` (no `</script>`, no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A run as the dashboard lists it. */
export interface RunRow {
  date: string;
  suite: string;
  tag: string;
  backend?: string;
  points: number;
  repeats: number;
  failures: string[];
  /** Link to the run folder (or the console log it came from). */
  folderHref?: string;
  folderLabel?: string;
  logs: { href: string; name: string }[];
}

/** The latest nightly of a model/mode (from `nightly_reports/*.json`). */
export interface NightlyRow {
  date: string;
  model: string;
  mode: string;
  image?: string;
  exitCode: number;
  suites: { suite: string; exitCode: number; points: number; failures: number }[];
  regressions: number;
  notes: string[];
  file: string;
}

/** One hardware × model page. */
export interface ModelPage {
  hardware: string;
  model: string;
  /** Path of the page relative to the site root (`mi30x/GROK1_MOE-I4F8/index.html`). */
  path: string;
  suites: { data: SuiteChartData; charts: (ChartSpec & { images: { svg?: string; png?: string } })[] }[];
  runs: RunRow[];
  /** The overview image (six panels) of the page's main suite, relative to the page. */
  overview?: { src: string; suite: string };
}

function page(title: string, root: string, body: string, withCharts: boolean): string {
  const scripts = withCharts
    ? `<script src="${root}assets/vega.min.js"></script>\n<script src="${root}assets/vega-lite.min.js"></script>\n<script src="${root}assets/embed.js" defer></script>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="${root}assets/style.css">
${scripts}
</head><body>
${body}
</body></html>
`;
}

/** A change as every report says it: `+10.3 % slower`. */
const pct = (c: Pick<SeriesChange, "metric" | "change_pct">): string => changePhrase(c.metric, c.change_pct);

/** The sentence the nightly issue opens with: `DeepSeek-V3 decode 6.1 % slower since 2025-11-03: Median ITL, …`. */
export const changeSentence = (c: SeriesChange): string =>
  changeHeadline({ ...c, point: pointKeyLabel(c.point), since: c.date });

/** The likely cause with a link to the commits between the two images, when known. */
function causeCell(c: ReportedChange): string {
  const text = c.cause ?? `${c.tag_before} → ${c.tag_after}`;
  return c.commits_url ? `${esc(text)} · <a href="${esc(c.commits_url)}">commits</a>` : esc(text);
}

function changeRows(changes: readonly ReportedChange[], link?: (c: SeriesChange) => string): string {
  if (changes.length === 0) return `<p class="muted">No change points.</p>`;
  const rows = changes.map(
    (c) =>
      `<tr title="${esc(changeSentence(c))}"><td>${esc(c.date)}</td><td>${c.current ? "open" : ""}</td><td class="${esc(c.kind)}">${esc(c.kind)}</td>` +
      `<td>${esc(c.hardware)}</td><td>${link ? `<a href="${esc(link(c))}">${esc(`${c.model} · ${c.suite}`)}</a>` : esc(c.suite)}</td>` +
      `<td>${esc(pointKeyLabel(c.point))}</td><td>${esc(`${c.label} (${c.unit})`)}</td>` +
      `<td class="num">${esc(formatValue(c.before))} → ${esc(formatValue(c.after))}</td>` +
      `<td class="num ${esc(c.kind)}">${esc(pct(c))}</td><td>${causeCell(c)}</td></tr>`,
  );
  return `<table><tr><th>first night</th><th></th><th>kind</th><th>hardware</th><th>${link ? "model · suite" : "suite"}</th><th>point</th><th>metric</th><th>before → after</th><th>change</th><th>likely cause</th></tr>
${rows.join("\n")}</table>`;
}

/** Open change points first, then the newest, then the largest. */
function sortChanges<T extends SeriesChange>(changes: readonly T[]): T[] {
  return [...changes].sort(
    (a, b) =>
      Number(b.current) - Number(a.current) ||
      (a.date < b.date ? 1 : a.date > b.date ? -1 : 0) ||
      Math.abs(b.change_pct) - Math.abs(a.change_pct),
  );
}

/**
 * The index's alerts: one row per hardware × model × suite × night (its series share a cause), open
 * ones first, then by recency and size; each names its largest change, likely cause and commits.
 */
function alertRows(changes: readonly ReportedChange[], link: (c: SeriesChange) => string): string {
  if (changes.length === 0) return `<p class="muted">No change points.</p>`;
  const groups = new Map<string, ReportedChange[]>();
  for (const c of changes) {
    const key = [c.hardware, c.model, c.suite, c.date].join("/");
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const alerts = [...groups.values()].map((list) => {
    const sorted = [...list].sort((a, b) => Math.abs(b.change_pct) - Math.abs(a.change_pct));
    const top = sorted[0] as ReportedChange;
    return { top, list, open: list.some((c) => c.current) };
  });
  alerts.sort(
    (a, b) =>
      Number(b.open) - Number(a.open) ||
      (a.top.date < b.top.date ? 1 : a.top.date > b.top.date ? -1 : 0) ||
      Math.abs(b.top.change_pct) - Math.abs(a.top.change_pct),
  );
  const row = ({ top, list, open }: (typeof alerts)[number]): string => {
    const regressions = list.filter((c) => c.kind === "regression").length;
    return (
      `<tr title="${esc(changeSentence(top))}"><td>${esc(top.date)}</td><td>${open ? "open" : ""}</td>` +
      `<td>${esc(hardwareName(top.hardware))} (${esc(top.hardware)})</td>` +
      `<td><a href="${esc(link(top))}">${esc(`${top.model} · ${top.suite}`)}</a></td>` +
      `<td class="num">${list.length}</td><td class="num ${regressions ? "regression" : "improvement"}">${regressions}</td>` +
      `<td class="${esc(top.kind)}">${esc(`${top.label}, ${pointKeyLabel(top.point)}: ${pct(top)}`)}</td>` +
      `<td>${causeCell(top)}</td></tr>`
    );
  };
  const head = `<tr><th>first night</th><th></th><th>hardware</th><th>model · suite</th><th>series</th><th>regressions</th><th>largest change</th><th>likely cause</th></tr>`;
  const shown = alerts.slice(0, 15);
  const rest = alerts.slice(15);
  return (
    `<table id="alerts">${head}\n${shown.map(row).join("\n")}</table>` +
    (rest.length
      ? `<details><summary>${rest.length} older change nights</summary><table>${head}\n${rest.map(row).join("\n")}</table></details>`
      : "")
  );
}

/** The open regressions in the words of their nightly issues, before the table (at most 5). */
function openHeadlines(open: readonly SeriesChange[]): string {
  const regressions = open.filter((c) => c.kind === "regression").slice(0, 5);
  if (regressions.length === 0) return "";
  return `<ul id="open-regressions">${regressions.map((c) => `<li class="regression">${esc(changeSentence(c))}</li>`).join("")}</ul>\n`;
}

function exitClass(code: number): string {
  return code === 0 ? "ok" : code === 3 ? "partial" : "failed";
}

/** The site's front page. */
export function indexHtml(input: {
  generatedAt: string;
  dataDir: string;
  pages: ModelPage[];
  nightlies: NightlyRow[];
  /** Newest sanity sweep per hardware (sanity-table.ts). */
  sanity?: SanityNight[];
  /** Link from the index to a data-dir file (the sanity report); default the path itself. */
  dataHref?: (rel: string) => string;
  skipped: { file: string; reason: string }[];
}): string {
  const all = input.pages.flatMap((p) => p.suites.flatMap((s) => s.data.changes));
  const open = sortChanges(all.filter((c) => c.current && c.kind === "regression"));
  const pageOf = (c: SeriesChange): string =>
    input.pages.find((p) => p.hardware === c.hardware && p.model === c.model)?.path ?? "";
  const pages = input.pages.map((p) => {
    const latest = p.runs[0];
    const regressions = p.suites.flatMap((s) => s.data.changes).filter((c) => c.current && c.kind === "regression");
    return (
      `<tr><td>${esc(hardwareName(p.hardware))} (${esc(p.hardware)})</td><td><a href="${esc(p.path)}">${esc(p.model)}</a></td>` +
      `<td>${p.suites.map((s) => esc(s.data.suite)).join(", ")}</td><td class="num">${p.runs.length}</td>` +
      `<td>${esc(latest?.date)} ${esc(latest?.tag)}</td>` +
      `<td class="${regressions.length ? "regression" : "ok"}">${regressions.length ? `${regressions.length} open regression${regressions.length > 1 ? "s" : ""}` : "none open"}</td></tr>`
    );
  });
  const nightlies = input.nightlies.map(
    (n) =>
      `<tr><td>${esc(n.date)}</td><td>${esc(n.model)}</td><td>${esc(n.mode)}</td><td>${esc(n.image)}</td>` +
      `<td class="${exitClass(n.exitCode)}">${esc(exitClass(n.exitCode))}</td>` +
      `<td>${n.suites.map((s) => `<span class="${exitClass(s.exitCode)}">${esc(s.suite)}</span> (${s.points} points, ${s.failures} failures)`).join("<br>")}</td>` +
      `<td class="num ${n.regressions ? "regression" : ""}">${n.regressions}</td><td>${n.notes.map(esc).join("<br>")}</td></tr>`,
  );
  const body = `<header><h1>sglbench nightly dashboard</h1>
<p>SGLang on AMD Instinct · generated ${esc(input.generatedAt)} from ${esc(input.dataDir)}</p></header>
<main>
<h2>Hardware × model</h2>
${pages.length ? `<table id="pages"><tr><th>hardware</th><th>model</th><th>suites</th><th>runs</th><th>latest run</th><th>status</th></tr>\n${pages.join("\n")}</table>` : `<p class="muted">No runs found.</p>`}
<h2>Latest nightlies</h2>
${nightlies.length ? `<table id="nightlies"><tr><th>date</th><th>model</th><th>mode</th><th>image</th><th>result</th><th>suites</th><th>regressions</th><th>notes</th></tr>\n${nightlies.join("\n")}</table>` : `<p class="muted">No nightly reports (nightly_reports/*.json) yet.</p>`}
${sanityHtml(input.sanity ?? [], input.dataHref)}
<h2>Change points</h2>
<p class="muted">One row per hardware × model × suite and night: open ones (the series' current level) first, then the newest and largest. Only complete nights of one measurement protocol are compared.</p>
${openHeadlines(open)}<div id="open-changes">${alertRows(all, pageOf)}</div>
${
  input.skipped.length
    ? `<h2>Inputs skipped</h2><details><summary>${input.skipped.length} file(s) could not be read</summary><table><tr><th>file</th><th>reason</th></tr>${input.skipped
        .map((s) => `<tr><td>${esc(s.file)}</td><td>${esc(s.reason)}</td></tr>`)
        .join("\n")}</table></details>`
    : ""
}
</main>`;
  return page("sglbench nightly dashboard", "", body, false);
}

/** Latest night per point and metric, against the median of the seven nights before it. */
function latestTable(d: SuiteChartData): string {
  const head = d.metrics.map((m) => `<th>${esc(`${m.display} (${m.unit})`)}</th>`).join("");
  const labels = [...new Set(d.metrics.flatMap((m) => m.lines.map((l) => l.label)))];
  const rows = labels.map((label) => {
    const cells = d.metrics.map((m) => {
      const line = m.lines.find((l) => l.label === label);
      const last = line?.nights[line.nights.length - 1];
      if (!line || !last) return `<td></td>`;
      const prev = line.nights.slice(-8, -1).map((n) => n.median);
      // The series' current level came from a change point: say since when.
      const open = line.changes.find((c) => c.current);
      let delta = "";
      if (prev.length) {
        const sorted = [...prev].sort((a, b) => a - b);
        const ref = sorted[sorted.length >> 1] ?? last.median;
        delta = ` <span class="muted">(${pct({ metric: m.metric, change_pct: ((last.median - ref) / ref) * 100 })} vs prev. ${prev.length})</span>`;
      }
      const flag = open
        ? `<br><span class="${esc(open.kind)}">${esc(open.kind)} since ${esc(open.date)} (${esc(pct(open))})</span>`
        : "";
      return `<td class="num">${esc(formatValue(last.median))}${delta}${flag}</td>`;
    });
    return `<tr><td>${esc(label)}</td>${cells.join("")}</tr>`;
  });
  const lastDate =
    d.metrics
      .flatMap((m) => m.lines.flatMap((l) => l.nights.map((n) => n.date)))
      .sort()
      .pop() ?? "";
  return `<table class="latest"><caption class="muted">latest night ${esc(lastDate)}: nightly median</caption><tr><th>${esc(d.axis)}</th>${head}</tr>\n${rows.join("\n")}</table>`;
}

function logLinks(logs: RunRow["logs"]): string {
  const links = logs.map((l) => `<a href="${esc(l.href)}">${esc(l.name)}</a>`).join("<br>");
  // Online runs keep a log per point and repeat: fold long lists.
  return logs.length > 3 ? `<details><summary>${logs.length} logs</summary>${links}</details>` : links;
}

function runRows(runs: readonly RunRow[]): string {
  const row = (r: RunRow): string =>
    `<tr><td>${esc(r.date)}</td><td>${esc(r.suite)}</td><td>${esc(r.tag)}</td><td>${esc(r.backend)}</td>` +
    `<td class="num">${r.points}</td><td class="num">${r.repeats}</td>` +
    `<td class="${r.failures.length ? "failed" : "ok"}">${r.failures.length ? r.failures.map(esc).join("<br>") : "none"}</td>` +
    `<td>${r.folderHref ? `<a href="${esc(r.folderHref)}">${esc(r.folderLabel ?? "folder")}</a>` : ""}</td>` +
    `<td>${logLinks(r.logs)}</td></tr>`;
  const head = `<tr><th>date</th><th>suite</th><th>image</th><th>backend</th><th>points</th><th>repeats</th><th>failures</th><th>folder</th><th>logs</th></tr>`;
  const recent = runs.slice(0, 30);
  const older = runs.slice(30);
  return (
    `<table id="runs">${head}\n${recent.map(row).join("\n")}</table>` +
    (older.length
      ? `<details><summary>${older.length} older runs</summary><table>${head}\n${older.map(row).join("\n")}</table></details>`
      : "")
  );
}

/** One hardware × model page. */
export function modelPageHtml(p: ModelPage, generatedAt: string): string {
  const root = "../../";
  const toc = p.suites
    .map((s) => `<a href="#${esc(s.data.suite)}">${esc(s.data.suite)}</a>`)
    .concat([`<a href="#changes">change points</a>`, `<a href="#runs-list">runs</a>`])
    .join("");
  const sections = p.suites.map((s) => {
    const figures = s.charts.map((c) => {
      const id = `${s.data.suite}-${c.id}`;
      const images = [
        c.images.svg ? `<a href="${esc(c.images.svg)}">SVG</a>` : "",
        c.images.png ? `<a href="${esc(c.images.png)}">PNG</a>` : "",
      ]
        .filter(Boolean)
        .join(" · ");
      return `<figure class="chart" id="fig-${esc(id)}"><div class="vega" id="${esc(id)}"></div>
<script type="application/json" class="vl-spec" data-target="${esc(id)}">${scriptJson(c.spec)}</script>
<figcaption>${esc(c.title)} — drag to zoom the dates, double-click to reset, hover a point for its image and repeats${images ? ` · ${images}` : ""}</figcaption></figure>`;
    });
    return `<section id="${esc(s.data.suite)}"><h2>${esc(s.data.suite)}</h2>
<p class="muted">${esc(s.data.kind)} · backend ${esc(s.data.backends.join(", ") || "unknown")} · ${esc(hardwareName(s.data.hardware))}</p>
${latestTable(s.data)}
${figures.join("\n")}</section>`;
  });
  const changes = sortChanges(p.suites.flatMap((s) => s.data.changes));
  const body = `<header><h1>${esc(p.model)} on ${esc(hardwareName(p.hardware))} (${esc(p.hardware)})</h1>
<p><a href="${root}index.html">← all models</a> · generated ${esc(generatedAt)}</p></header>
<main><nav class="toc">${toc}</nav>
${p.overview ? `<figure class="overview"><a href="${esc(p.overview.src)}"><img src="${esc(p.overview.src)}" alt="overview of ${esc(p.overview.suite)}: latency, TTFT, ITL, KV cache, GSM8K" loading="lazy"></a><figcaption class="muted">${esc(p.overview.suite)} at a glance</figcaption></figure>` : ""}
${sections.join("\n")}
<h2 id="changes">Change points</h2>
${changeRows(changes)}
<h2 id="runs-list">Runs</h2>
${runRows(p.runs)}
</main>`;
  return page(`${p.model} · ${p.hardware} — sglbench`, root, body, true);
}

/** Failures first (what needs a look), then by model name. */
function ordered(rows: readonly SanityModelRow[]): SanityModelRow[] {
  return [...rows].sort((a, b) => Number(a.passed) - Number(b.passed) || (a.model < b.model ? -1 : 1));
}

/** `rocm/sgl-dev:v0.5.3-rocm630-mi30x-20251013` → `v0.5.3-rocm630-mi30x-20251013`. */
function imageTag(image: string): string {
  return image.slice(image.lastIndexOf(":") + 1);
}

/**
 * The "Sanity (GSM8K sweep)" section: one table per hardware (its newest sanity night), one row per
 * model. `href` turns a data-dir path into a link from the page (the report JSON).
 */
export function sanityHtml(nights: readonly SanityNight[], href: (rel: string) => string = (r) => r): string {
  const head = `<h2>Sanity (GSM8K sweep)</h2>`;
  if (nights.length === 0) return `${head}\n<p class="muted">No sanity sweep (nightly --mode sanity) reported yet.</p>`;
  const blocks = nights.map((n) => {
    const failed = n.rows.filter((r) => !r.passed).length;
    const status = n.rows.length
      ? failed
        ? `<span class="regression">${failed} of ${n.rows.length} failed</span>`
        : `<span class="ok">all ${n.rows.length} passed</span>`
      : `<span class="failed">no model ran</span>`;
    const rows = ordered(n.rows).map(
      (r) =>
        // The verdict right after the model: on a phone the columns past ~3 scroll out of view.
        `<tr><td>${esc(r.model)}</td><td class="${r.passed ? "ok" : "regression"}">${r.passed ? "PASS" : "FAIL"}</td>` +
        `<td class="num">${r.accuracy === undefined ? "—" : esc(r.accuracy.toFixed(3))}</td>` +
        `<td class="num">${esc(r.threshold.toFixed(3))}</td>` +
        `<td class="num">${esc(r.trials)}</td><td title="${esc(r.image)}">${esc(imageTag(r.image))}</td></tr>`,
    );
    return (
      `<h3>${esc(hardwareName(n.hardware))} (${esc(n.hardware)}) · night ${esc(n.date)} · ${status} · <a href="${esc(href(n.file))}">report</a></h3>\n` +
      (rows.length
        ? `<table class="sanity" id="sanity-${esc(n.hardware)}"><tr><th>model</th><th>result</th><th>accuracy</th><th>floor</th><th>trials</th><th>image</th></tr>\n${rows.join("\n")}</table>`
        : "")
    );
  });
  return `${head}\n${blocks.join("\n")}`;
}
