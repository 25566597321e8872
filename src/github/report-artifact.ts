/**
 * The `sglbench-report` artifact of a benchmark run: `report.md` + `results.json`, as written by
 * the report job of `benchmark.yml` (the files may sit in a `pr<N>/` folder inside the archive).
 *
 * The archive is built by a run of the PR's code, so it is untrusted: its size is checked before
 * download, only the two files are inflated, each under a hard cap counted while inflating (the
 * sizes declared in the ZIP headers are never trusted), and the archive is fed in small chunks
 * with the event loop yielded between them, so a zip bomb costs a few MB and no blocked loop.
 */
import { Unzip, UnzipInflate, type UnzipFile } from "fflate";
import { z } from "zod";
import { apiError, type GitHubClient, type RepoRef } from "./octokit.js";
import { errorMessage } from "../core/util/index.js";

/** Name of the artifact the report job uploads. */
export const REPORT_ARTIFACT = "sglbench-report";

/** Caps on the artifact, in bytes. */
export interface ArtifactLimits {
  /** The ZIP archive as GitHub lists and serves it (compressed). */
  archiveBytes: number;
  /** report.md once inflated. */
  reportBytes: number;
  /** results.json once inflated. */
  resultsBytes: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = {
  archiveBytes: 10 * 1024 * 1024,
  reportBytes: 1024 * 1024,
  resultsBytes: 8 * 1024 * 1024,
};

/** Compressed bytes fed to the inflater per turn of the event loop: at most ~1000× this is inflated at once. */
const CHUNK_BYTES = 4096;

/** The part of results.json the App reads: the verdict counts. */
const count = z.number().int().min(0);
const resultsSummarySchema = z.object({
  verdict: z.string().max(100).optional(),
  summary: z.object({
    regressed: count,
    improved: count.default(0),
    unchanged: count.default(0),
    inconclusive: count.default(0),
    failed: count.default(0),
  }),
});
export type ResultsSummary = z.infer<typeof resultsSummarySchema>;

/** What the App got from the artifact. */
export interface ReportArtifact {
  /** report.md ("" when it could not be read: then `problem` says why). */
  reportMarkdown: string;
  results: ResultsSummary | null;
  /**
   * Why the artifact cannot back a verdict (refused archive, report.md or results.json missing or
   * invalid). Written by the App, never copied from the archive. Any problem fails the check.
   */
  problem?: string;
}

/** An archive refused as a whole (too large, a cap exceeded, unreadable). */
export class ArtifactRefusedError extends Error {}

const mb = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** `report.md` / `results.json` when `name` is one of them at the top or one folder down. */
function wantedBase(name: string): "report.md" | "results.json" | undefined {
  const match = /^(?:[^/]+\/)?(report\.md|results\.json)$/.exec(name);
  return match?.[1] as "report.md" | "results.json" | undefined;
}

interface Entry {
  chunks: Uint8Array[];
  size: number;
  done: boolean;
}

/**
 * Inflate only report.md and results.json of a ZIP archive, each within its cap (fflate's
 * streaming Unzip: other entries are never started, so never inflated). Throws
 * {@link ArtifactRefusedError} as soon as a cap is exceeded or the archive is unreadable.
 */
export async function extractReportFiles(
  archive: Uint8Array,
  limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
): Promise<{ report?: Buffer; results?: Buffer }> {
  if (archive.byteLength > limits.archiveBytes)
    throw new ArtifactRefusedError(`the archive is ${mb(archive.byteLength)}, over the ${mb(limits.archiveBytes)} cap`);
  const caps = { "report.md": limits.reportBytes, "results.json": limits.resultsBytes };
  const entries = new Map<string, Entry>();
  let refused: ArtifactRefusedError | undefined;
  let seen = 0;

  const onFile = (file: UnzipFile): void => {
    seen++;
    const base = wantedBase(file.name);
    if (!base || refused) return;
    if (entries.has(base)) {
      refused = new ArtifactRefusedError(`the archive holds more than one ${base}`);
      return;
    }
    // fflate throws on an unknown method (e.g. an encrypted entry) instead of reporting it.
    if (file.compression !== 0 && file.compression !== 8) {
      refused = new ArtifactRefusedError(`${base} uses an unsupported compression method (${file.compression})`);
      return;
    }
    const entry: Entry = { chunks: [], size: 0, done: false };
    entries.set(base, entry);
    file.ondata = (error, data, final) => {
      if (refused) return;
      if (error) {
        refused = new ArtifactRefusedError(`${base} could not be inflated (${error.message})`);
        return;
      }
      entry.size += data.length;
      if (entry.size > caps[base]) {
        refused = new ArtifactRefusedError(`${base} inflates to more than ${mb(caps[base])}`);
        file.terminate();
        return;
      }
      entry.chunks.push(data);
      if (final) entry.done = true;
    };
    file.start();
  };

  const unzipper = new Unzip(onFile);
  unzipper.register(UnzipInflate);
  for (let offset = 0; offset < archive.byteLength; offset += CHUNK_BYTES) {
    const final = offset + CHUNK_BYTES >= archive.byteLength;
    try {
      unzipper.push(archive.subarray(offset, offset + CHUNK_BYTES), final);
    } catch (error: unknown) {
      throw new ArtifactRefusedError(`it is not a readable ZIP archive (${errorMessage(error)})`);
    }
    if (refused) throw refused;
    if (!final) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (seen === 0) throw new ArtifactRefusedError("it is not a readable ZIP archive (no entries)");

  const read = (base: string): Buffer | undefined => {
    const entry = entries.get(base);
    if (!entry) return undefined;
    if (!entry.done) throw new ArtifactRefusedError(`${base} is truncated`);
    return Buffer.concat(entry.chunks);
  };
  return { report: read("report.md"), results: read("results.json") };
}

/** Parse results.json: the counts, or why they cannot be used. */
function parseResults(raw: Buffer | undefined): { results: ResultsSummary | null; problem?: string } {
  if (!raw) return { results: null, problem: "results.json is missing" };
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    // The parser's message quotes the file: not repeated (it would be artifact text in a message).
    return { results: null, problem: "results.json is not valid JSON" };
  }
  const parsed = resultsSummarySchema.safeParse(json);
  if (parsed.success) return { results: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join(".") : "(root)";
  return { results: null, problem: `results.json does not match the expected schema (${where})` };
}

/** Read the archive's report.md and results.json (exported for tests). Never throws: a refusal is a `problem`. */
export async function readReportArchive(
  archive: Uint8Array,
  limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
): Promise<ReportArtifact> {
  let files: { report?: Buffer; results?: Buffer };
  try {
    files = await extractReportFiles(archive, limits);
  } catch (error: unknown) {
    if (!(error instanceof ArtifactRefusedError)) throw error;
    return {
      reportMarkdown: "",
      results: null,
      problem: `The ${REPORT_ARTIFACT} artifact was refused: ${error.message}`,
    };
  }
  const { results, problem } = parseResults(files.results);
  const problems = [...(files.report ? [] : ["report.md is missing"]), ...(problem ? [problem] : [])];
  return {
    reportMarkdown: files.report?.toString("utf8") ?? "",
    results,
    ...(problems.length ? { problem: problems.join("; ") } : {}),
  };
}

/**
 * Download and read the report artifact of a workflow run; `null` when the run uploaded none.
 * An artifact over the size cap is refused before download (a `problem`, not an exception);
 * API failures throw.
 */
export async function downloadReportArtifact(
  octokit: GitHubClient,
  repo: RepoRef,
  runId: number,
  name = REPORT_ARTIFACT,
  limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
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
    if (typeof artifact.size_in_bytes === "number" && artifact.size_in_bytes > limits.archiveBytes)
      return {
        reportMarkdown: "",
        results: null,
        problem: `The ${name} artifact was refused: it is ${mb(artifact.size_in_bytes)}, over the ${mb(limits.archiveBytes)} cap`,
      };
    const download = await octokit.rest.actions.downloadArtifact({
      ...repo,
      artifact_id: artifact.id,
      archive_format: "zip",
    });
    archive = download.data as ArrayBuffer;
  } catch (error: unknown) {
    throw apiError(`downloading the ${name} artifact of run ${runId}`, error);
  }
  return readReportArchive(new Uint8Array(archive), limits);
}
