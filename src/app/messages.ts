/**
 * The text the App writes: sticky comment bodies, replies and check-run outputs (pure).
 */
import { countsText } from "../core/report/index.js";
import { type BenchmarkRequest, CHECK_OUTPUT_LIMIT } from "../core/request/index.js";
import type { ReportArtifact } from "../github/report-artifact.js";
import type { JobInfo } from "../github/workflows.js";
import { artifactProblem } from "./report-gate.js";
import { safeInlineText, safeReportMarkdown } from "./safe-markdown.js";

const short = (sha: string): string => sha.slice(0, 7);

/** `models grok,deepseek · types offline,online · modes normal · repeats 3 · baseline nightly`. */
export function describeRequest(r: BenchmarkRequest): string {
  return `models \`${r.models.join(",")}\` · types \`${r.types.join(",")}\` · modes \`${r.modes.join(",")}\` · repeats \`${r.repeats}\` · baseline \`${r.baseline}\``;
}

/** Who asked: `@login` for a command, "an automatic run (push by @login)" otherwise; vague when unknown. */
export function describeTrigger(trigger: string, by: string | undefined): string {
  if (by === undefined) return trigger === "auto" ? "an automatic run" : "a command";
  return trigger === "auto" ? `automatic run (event by @${by})` : `@${by}`;
}

/** Sticky body once a request is dispatched. */
export function queuedMessage(p: {
  request: BenchmarkRequest;
  by: string;
  trigger: string;
  headSha: string;
  workflow: string;
  notes?: string[];
}): string {
  return [
    ...(p.notes ?? []).map((n) => `> ${n}`),
    ...(p.notes?.length ? [""] : []),
    `### ⏳ sglbench: benchmark queued for ${short(p.headSha)}`,
    "",
    `Requested by ${describeTrigger(p.trigger, p.by)}: ${describeRequest(p.request)}.`,
    "",
    `Dispatched \`${p.workflow}\`; progress is on the **sglbench** check run and this comment is replaced by the report when it finishes.`,
  ].join("\n");
}

/** Sticky body while a fork PR waits for a writer's approval. */
export function awaitingApprovalMessage(p: {
  headSha: string;
  request: BenchmarkRequest;
  by: string;
  trigger: string;
}): string {
  return [
    `### ⏸️ sglbench: waiting for approval of ${short(p.headSha)}`,
    "",
    `This pull request comes from a fork, so it does not run on the self-hosted MI300X runners until someone with write access has reviewed the code and commented \`/benchmark approve\`. The approval covers commit ${short(p.headSha)} only; a new push needs a new approval.`,
    "",
    `Pending: ${describeTrigger(p.trigger, p.by)}: ${describeRequest(p.request)}.`,
  ].join("\n");
}

/** Sticky body after an approval that had nothing pending. */
export function approvedMessage(headSha: string, by: string): string {
  return [
    `### ✅ sglbench: ${short(headSha)} approved by @${by}`,
    "",
    `Commit ${short(headSha)} of this fork PR may now run on the MI300X runners: comment \`/benchmark\` to start. A new push voids the approval.`,
  ].join("\n");
}

/** Reply to someone without the permission to run benchmarks. */
export function refusalMessage(login: string, minPermission: string): string {
  return [
    `@${login}, thanks for your interest! Benchmarks run on shared MI300X machines, so only people with \`${minPermission}\` access to this repository (or listed in \`triggers.allowed_users\` of \`.github/sglbench.yml\`) can start them.`,
    "",
    "A maintainer can comment `/benchmark` here to run it for you.",
  ].join("\n");
}

/** Check-run output and comment for an invalid `.github/sglbench.yml`. */
export function invalidConfigMessage(errors: readonly string[]): { title: string; summary: string } {
  return {
    title: "Invalid .github/sglbench.yml",
    summary: [
      "The App's configuration could not be used, so nothing was run. Fix these and push again:",
      "",
      ...errors.map((e) => `- ${e}`),
    ].join("\n"),
  };
}

/** Sticky body when runs were cancelled. */
export function cancelledMessage(p: { by: string; count: number; reason: string }): string {
  return [`### ⏹️ sglbench: benchmark cancelled`, "", `${p.count} run(s) cancelled by @${p.by}: ${p.reason}.`].join(
    "\n",
  );
}

/** Check-run progress from the run's jobs. */
export function progressOutput(jobs: readonly JobInfo[], runUrl: string): { title: string; summary: string } {
  const done = jobs.filter((j) => j.status === "completed").length;
  const icon = (j: JobInfo): string =>
    j.status !== "completed"
      ? j.status === "in_progress"
        ? "⏳"
        : "🕒"
      : j.conclusion === "success"
        ? "✅"
        : j.conclusion === "skipped"
          ? "⏭️"
          : "❌";
  return {
    title: `Running: ${done} of ${jobs.length} jobs done`,
    summary: [
      `[Workflow run](${runUrl})`,
      "",
      ...jobs.map((j) => `- ${icon(j)} ${j.name}${j.status === "completed" ? ` (${j.conclusion ?? "?"})` : ""}`),
    ].join("\n"),
  };
}

/** Longest report part of a report message: room is left for the sticky state and the check's request marker and notes. */
export const REPORT_MESSAGE_BUDGET = CHECK_OUTPUT_LIMIT - 4096;

/** Check-run title: the verdict counts, or why the check fails closed. */
export function reportTitle(artifact: ReportArtifact): string {
  const problem = artifactProblem(artifact);
  const s = artifact.results?.summary;
  if (problem || !s) return `❌ ${(problem ?? "results.json is missing").slice(0, 200)}`;
  return countsText(s);
}

/**
 * Sticky body (and check summary) for a finished run with a report artifact. report.md is
 * attacker-controlled (written by the PR's code): it goes through {@link safeReportMarkdown}, with
 * only links to this run (its jobs and artifacts) kept, and is cut to fit GitHub's limits.
 */
export function reportMessage(p: {
  artifact: ReportArtifact;
  headSha: string;
  runUrl: string;
  by: string | undefined;
  trigger: string;
}): string {
  const problem = artifactProblem(p.artifact);
  // One line: the report itself opens with the headline and the counts (said once, not here again).
  const head = [
    `sglbench: results for ${short(p.headSha)}, requested by ${describeTrigger(p.trigger, p.by)} · [workflow run](${p.runUrl})`,
    ...(problem ? ["", `> ❌ ${safeInlineText(problem)}: the check fails.`] : []),
    "",
    "", // a blank line before the report, so it does not continue the line above
  ].join("\n");
  const report = safeReportMarkdown(p.artifact.reportMarkdown.trim(), {
    allowedUrlPrefixes: [p.runUrl],
    maxLength: REPORT_MESSAGE_BUDGET - head.length,
    truncationNote: `_…truncated; the full report is in the \`sglbench-report\` artifact of the [workflow run](${p.runUrl})._`,
  });
  return head + report;
}

/** Sticky body / check summary for a run that produced no report. */
export function failedRunMessage(p: {
  conclusion: string;
  headSha: string;
  runUrl: string;
  failedJobs: readonly JobInfo[];
}): { title: string; body: string } {
  const verb = p.conclusion === "cancelled" ? "was cancelled" : p.conclusion === "timed_out" ? "timed out" : "failed";
  const jobs = p.failedJobs.map(
    (j) => `- \`${j.name}\` ${j.conclusion ?? j.status}${j.htmlUrl ? `: [logs](${j.htmlUrl})` : ""}`,
  );
  return {
    title: `Benchmark ${verb}${p.failedJobs[0] ? ` in ${p.failedJobs[0].name}` : ""}`,
    body: [
      `### ❌ sglbench: benchmark of ${short(p.headSha)} ${verb}`,
      "",
      jobs.length ? "Failing job(s):" : `No report was produced. See the [workflow run](${p.runUrl}) for logs.`,
      ...(jobs.length ? ["", ...jobs, "", `[Workflow run](${p.runUrl})`] : []),
      "",
      "Comment `/benchmark` to try again.",
    ].join("\n"),
  };
}
