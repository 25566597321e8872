/**
 * One GitHub issue per nightly regression: all series of one hardware × model × suite that shifted
 * on the same night share an issue. A hidden marker in the body finds it again on the next
 * nightly (the issue is updated, never duplicated); an issue a person closed stays closed.
 */
import type { Octokit } from "@octokit/rest";
import { changeHeadline, changePhrase, changeWords, pointKeyLabel } from "../core/report/index.js";
import { sparkline, type SeriesChange } from "../core/trends/index.js";

/** Label put on (and used to find) regression issues. */
export const REGRESSION_LABEL = "sglbench-regression";

const MARKER = /<!-- sglbench-regression: (\S+)@(\d{8}) -->/;

/** A group of regressed series that shifted together. */
export interface RegressionGroup {
  /** `hardware/model/suite`. */
  scope: string;
  date: string;
  tag_before: string;
  tag_after: string;
  changes: SeriesChange[];
}

/** Regressions grouped by scope and night; only each series' current change counts (a recovered dip is not open). */
export function groupRegressions(changes: readonly SeriesChange[]): RegressionGroup[] {
  const groups = new Map<string, RegressionGroup>();
  for (const c of changes) {
    if (c.kind !== "regression" || !c.current) continue;
    const scope = `${c.hardware}/${c.model}/${c.suite}`;
    const key = `${scope}@${c.date}`;
    let g = groups.get(key);
    if (!g) {
      g = { scope, date: c.date, tag_before: c.tag_before, tag_after: c.tag_after, changes: [] };
      groups.set(key, g);
    }
    g.changes.push(c);
  }
  return [...groups.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.scope < b.scope ? -1 : 1));
}

/** The hidden marker that identifies a group's issue. */
export function issueMarker(group: Pick<RegressionGroup, "scope" | "date">): string {
  return `<!-- sglbench-regression: ${group.scope}@${group.date} -->`;
}

function days(a: string, b: string): number {
  const t = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
  return Math.abs(t(a) - t(b)) / 86_400_000;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}

/** Options for rendering and syncing. */
export interface IssueOptions {
  owner: string;
  repo: string;
  /** Markdown image URL of a series' chart (from the plots/dashboard), when published. */
  chartUrl?: (change: SeriesChange) => string | undefined;
  /** Link to the dashboard page. */
  dashboardUrl?: string;
  /** Two nights' dates within this many days are the same regression (the split can move by a night as data arrives). Default 3. */
  toleranceDays?: number;
  /** Create/update nothing; report what would be done. */
  dryRun?: boolean;
}

/** Issue title for a group. */
export function issueTitle(g: RegressionGroup): string {
  const [hw, model, suite] = g.scope.split("/");
  const worst = [...g.changes].sort((a, b) => Math.abs(b.change_pct) - Math.abs(a.change_pct))[0]!;
  return `Nightly regression: ${model} ${suite} on ${hw} from ${g.date} (up to ${changeWords(worst.metric, worst.change_pct)}, ${g.tag_before} → ${g.tag_after})`;
}

/** `DeepSeek-V3 decode 6.1 % slower since 2025-11-03: Median ITL, concurrency 16 · deepseek-online (and 1 more series)`. */
export function issueHeadline(g: RegressionGroup): string {
  const worst = [...g.changes].sort((a, b) => Math.abs(b.change_pct) - Math.abs(a.change_pct))[0]!;
  const more = g.changes.length > 1 ? ` (and ${g.changes.length - 1} more series)` : "";
  return `${changeHeadline({ ...worst, point: pointKeyLabel(worst.point), since: g.date })}${more}`;
}

/** Issue body for a group (markdown, with the hidden marker). */
export function issueBody(g: RegressionGroup, opts: Pick<IssueOptions, "chartUrl" | "dashboardUrl"> = {}): string {
  const lines = [
    issueMarker(g),
    // The answer first, in the words every report uses: the largest shift, its direction, where.
    `### 🔴 ${issueHeadline(g)}`,
    "",
    `The nightly benchmark of **${g.scope}** shifted on **${g.date}** (previous night ${g.changes[0]?.previous_date ?? "?"}).`,
    "",
    `- Image before: \`${g.tag_before}\``,
    `- Image after: \`${g.tag_after}\``,
    ...(opts.dashboardUrl ? [`- Dashboard: ${opts.dashboardUrl}`] : []),
    "",
    "| point | metric | before | after | change | strength \\|t\\| | p | nightly medians around the change |",
    "|---|---|---:|---:|---:|---:|---:|---|",
    ...g.changes.map(
      (c) =>
        `| ${c.point} | ${c.label} (${c.unit}) | ${fmt(c.before)} | ${fmt(c.after)} | ${changePhrase(c.metric, c.change_pct)} | ${c.strength.toFixed(1)} | ${c.p.toExponential(1)} | ${c.around.length ? `\`${sparkline(c.around.map((a) => a.value))}\`` : ""} |`,
    ),
    "",
  ];
  const charts = g.changes.map((c) => [c, opts.chartUrl?.(c)] as const).filter(([, u]) => u);
  for (const [c, url] of charts) lines.push(`![${c.label} ${c.point}](${url})`);
  lines.push(
    "",
    "Levels are medians of the nightly medians on either side; the change point test uses each night's repeats (see docs/nightly.md).",
    "This issue is updated by the nightly; close it by hand when the regression is understood (it will stay closed).",
  );
  return lines.join("\n");
}

/** What {@link syncRegressionIssues} did. */
export interface IssueSync {
  opened: { number: number; title: string }[];
  updated: { number: number; title: string }[];
  /** Matching issues closed by a person: left alone. */
  leftClosed: { number: number; title: string }[];
  unchanged: { number: number; title: string }[];
}

/** Opens or updates one issue per regression group; never reopens a closed one. */
export async function syncRegressionIssues(
  octokit: Octokit,
  groups: readonly RegressionGroup[],
  opts: IssueOptions,
): Promise<IssueSync> {
  const out: IssueSync = { opened: [], updated: [], leftClosed: [], unchanged: [] };
  if (groups.length === 0) return out;
  let existing;
  try {
    existing = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner: opts.owner,
      repo: opts.repo,
      labels: REGRESSION_LABEL,
      state: "all",
      per_page: 100,
    });
  } catch (error: unknown) {
    throw new Error(`cannot list the ${REGRESSION_LABEL} issues of ${opts.owner}/${opts.repo}`, { cause: error });
  }
  const known = existing
    .map((i) => ({ issue: i, m: MARKER.exec(i.body ?? "") }))
    .filter((x): x is { issue: (typeof existing)[number]; m: RegExpExecArray } => x.m !== null);
  const tolerance = opts.toleranceDays ?? 3;
  for (const g of groups) {
    const title = issueTitle(g);
    const body = issueBody(g, opts);
    const match = known.find(({ m }) => m[1] === g.scope && days(m[2] ?? "", g.date) <= tolerance);
    if (match) {
      const { issue } = match;
      if (issue.state === "closed") out.leftClosed.push({ number: issue.number, title: issue.title });
      else if (issue.body === body && issue.title === title)
        out.unchanged.push({ number: issue.number, title: issue.title });
      else {
        if (!opts.dryRun)
          await octokit.rest.issues.update({
            owner: opts.owner,
            repo: opts.repo,
            issue_number: issue.number,
            title,
            body,
          });
        out.updated.push({ number: issue.number, title });
      }
      continue;
    }
    if (opts.dryRun) {
      out.opened.push({ number: 0, title });
      continue;
    }
    const created = await octokit.rest.issues.create({
      owner: opts.owner,
      repo: opts.repo,
      title,
      body,
      labels: [REGRESSION_LABEL],
    });
    out.opened.push({ number: created.data.number, title });
    // A second group within tolerance in the same run must find this one.
    known.push({
      issue: { ...created.data, body } as (typeof existing)[number],
      m: MARKER.exec(body) as RegExpExecArray,
    });
  }
  return out;
}
