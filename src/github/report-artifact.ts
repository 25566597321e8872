/**
 * The `sglbench-report` artifact of a benchmark run: `report.md` + `results.json`, as written by
 * the report job of `benchmark.yml` (the files may sit in a `pr<N>/` folder inside the archive).
 */
import { unzipSync } from "fflate";
import { z } from "zod";
import { apiError, type GitHubClient, type RepoRef } from "./octokit.js";

/** Name of the artifact the report job uploads. */
export const REPORT_ARTIFACT = "sglbench-report";

/** The part of results.json the App reads: the verdict counts. */
const resultsSummarySchema = z.object({
  verdict: z.string().optional(),
  summary: z.object({
    regressed: z.number().int().min(0),
    improved: z.number().int().min(0).default(0),
    unchanged: z.number().int().min(0).default(0),
    inconclusive: z.number().int().min(0).default(0),
    failed: z.number().int().min(0).default(0),
  }),
});
export type ResultsSummary = z.infer<typeof resultsSummarySchema>;

/** What the App got from the artifact. */
export interface ReportArtifact {
  reportMarkdown: string;
  results: ResultsSummary | null;
  /** Why results.json could not be used, when it could not. */
  resultsProblem?: string;
}

/** Every file of the ZIP archive GitHub serves for an artifact (fflate), folders left out. */
export function unzip(archive: Uint8Array): Map<string, Buffer> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive);
  } catch (error: unknown) {
    throw new Error(
      `The ${REPORT_ARTIFACT} artifact is not a readable ZIP archive: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return new Map(
    Object.entries(entries)
      .filter(([name]) => !name.endsWith("/"))
      .map(([name, data]) => [name, Buffer.from(data)]),
  );
}

function pick(files: Map<string, Buffer>, base: string): Buffer | undefined {
  for (const [name, data] of files) if (name === base || name.endsWith(`/${base}`)) return data;
  return undefined;
}

/** Parse the archive's report.md and results.json (pure, exported for tests). */
export function readReportArchive(archive: Uint8Array): ReportArtifact {
  const files = unzip(archive);
  const report = pick(files, "report.md");
  if (!report)
    throw new Error(
      `The ${REPORT_ARTIFACT} artifact has no report.md (files: ${[...files.keys()].join(", ") || "none"}).`,
    );
  const resultsRaw = pick(files, "results.json");
  if (!resultsRaw)
    return { reportMarkdown: report.toString("utf8"), results: null, resultsProblem: "results.json missing" };
  try {
    const parsed = resultsSummarySchema.safeParse(JSON.parse(resultsRaw.toString("utf8")));
    if (parsed.success) return { reportMarkdown: report.toString("utf8"), results: parsed.data };
    const issue = parsed.error.issues[0];
    return {
      reportMarkdown: report.toString("utf8"),
      results: null,
      resultsProblem: `results.json: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid"}`,
    };
  } catch (error: unknown) {
    return {
      reportMarkdown: report.toString("utf8"),
      results: null,
      resultsProblem: `results.json is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Download and read the report artifact of a workflow run; `null` when the run uploaded none. */
export async function downloadReportArtifact(
  octokit: GitHubClient,
  repo: RepoRef,
  runId: number,
  name = REPORT_ARTIFACT,
): Promise<ReportArtifact | null> {
  let archive: ArrayBuffer;
  try {
    const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({
      ...repo,
      run_id: runId,
      name,
      per_page: 100,
    });
    const artifact = data.artifacts.find((a) => a.name === name && !a.expired);
    if (!artifact) return null;
    const download = await octokit.rest.actions.downloadArtifact({
      ...repo,
      artifact_id: artifact.id,
      archive_format: "zip",
    });
    archive = download.data as ArrayBuffer;
  } catch (error: unknown) {
    throw apiError(`downloading the ${name} artifact of run ${runId}`, error);
  }
  return readReportArchive(new Uint8Array(archive));
}
