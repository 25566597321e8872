/** The channel-neutral text of a notification: a title, a status line and sections of lines. */
import { needsAlert, type NightlyOutcome } from "./outcome.js";

export type NotificationKind = "alert" | "summary";

export interface MessageOptions {
  kind: NotificationKind;
  /** `--teams-skip-analysis`: status only, no regression analysis. */
  skipAnalysis?: boolean;
  /** `--teams-analysis-days`: only regressions whose first night is within this many days (default 7). */
  analysisDays?: number;
}

export interface Message {
  title: string;
  status: "ok" | "failed";
  /** One line under the title. */
  summary: string;
  sections: { title: string; lines: string[] }[];
  links: { title: string; url: string }[];
  /** A chart image to show inline, when the link is an image. */
  image?: string;
}

const ymdDays = (a: string, b: string): number => {
  const t = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)));
  return Math.abs(t(a) - t(b)) / 86_400_000;
};

const MAX_LINES = 10;
const capped = (lines: string[]): string[] =>
  lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… and ${lines.length - MAX_LINES} more`] : lines;

/** Builds the message both channels render. */
export function buildMessage(o: NightlyOutcome, opts: MessageOptions): Message {
  const days = opts.analysisDays ?? 7;
  const regressions = opts.skipAnalysis ? [] : o.regressions.filter((r) => ymdDays(r.date, o.date) <= days);
  const failed = needsAlert({ ...o, regressions });
  const counts = [
    `${regressions.length} regression${regressions.length === 1 ? "" : "s"}`,
    `${o.accuracyFailures.length} accuracy failure${o.accuracyFailures.length === 1 ? "" : "s"}`,
    `${o.sanityFailures.length} sanity failure${o.sanityFailures.length === 1 ? "" : "s"}`,
  ];
  const title =
    opts.kind === "summary"
      ? `sglbench daily summary ${o.date}: ${o.model} ${o.mode}`
      : `sglbench nightly ${o.date}: ${o.model} ${o.mode} ${failed ? "needs attention" : "passed"}`;
  const sections: Message["sections"] = [];
  if (regressions.length > 0)
    sections.push({ title: "Regressions", lines: capped(regressions.map((r) => r.headline)) });
  if (o.accuracyFailures.length > 0) {
    sections.push({
      title: "GSM8K accuracy below the floor",
      lines: capped(o.accuracyFailures.map((a) => `${a.suite}: ${a.accuracy.toFixed(3)} < ${a.floor.toFixed(3)}`)),
    });
  }
  if (o.sanityFailures.length > 0)
    sections.push({ title: "Sanity failures", lines: capped(o.sanityFailures.map((s) => `${s.suite}: ${s.message}`)) });
  if (opts.kind === "summary" && o.suites.length > 0) {
    sections.push({
      title: "Suites",
      lines: o.suites.map((s) => `${s.suite}: ${s.exitCode === 0 ? "ok" : s.exitCode === 3 ? "partly" : "failed"}`),
    });
  }
  const links: Message["links"] = [];
  if (o.links.dashboard) links.push({ title: "Dashboard", url: o.links.dashboard });
  if (o.links.chart) links.push({ title: "Chart", url: o.links.chart });
  const image = o.links.chart && /\.(png|jpe?g|gif)(\?|$)/i.test(o.links.chart) ? o.links.chart : undefined;
  return {
    title,
    status: failed ? "failed" : "ok",
    summary: `${o.image ? `Image ${o.image} · ` : ""}${counts.join(" · ")}${opts.skipAnalysis ? " (analysis skipped)" : ""}`,
    sections,
    links,
    ...(image ? { image } : {}),
  };
}
