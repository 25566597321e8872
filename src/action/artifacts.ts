/** Step 7: upload the artifacts, through an adapter around @actions/artifact that tests replace. */
import { dirname, join } from "node:path";
import * as core from "@actions/core";
import type { CommandOutcome } from "./commands.js";

export interface ArtifactUploader {
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id?: number; size?: number }>;
}

/** The real uploader (only inside Actions: it needs the runtime token the runner provides). */
export async function defaultArtifactUploader(): Promise<ArtifactUploader> {
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  return {
    upload: async (name, files, rootDirectory) => {
      try {
        return await client.uploadArtifact(name, files, rootDirectory);
      } catch (error: unknown) {
        throw new Error(`Uploading artifact '${name}' failed`, { cause: error });
      }
    },
  };
}

/** Uploads `sglbench-report` (report.md + results.json: what the App reads). */
export async function uploadReport(
  uploader: ArtifactUploader,
  reportPath: string,
  resultsPath: string,
  name = "sglbench-report",
): Promise<void> {
  await uploader.upload(name, [reportPath, resultsPath], dirname(reportPath));
}

/** Uploads `sglbench-logs`: every log of the comparison folder. */
export async function uploadLogs(
  uploader: ArtifactUploader,
  logFiles: string[],
  root: string,
  name = "sglbench-logs",
): Promise<void> {
  if (logFiles.length === 0) return;
  await uploader.upload(name, logFiles, root);
}

/**
 * compare-pr: the report artifact (report.md + results.json, what the App reads) and the logs
 * artifact ('report' → 'logs' in the name). Outside Actions there is no runtime token: the files stay on disk.
 */
export async function uploadArtifacts(
  outcome: CommandOutcome,
  artifactName: string,
  env: NodeJS.ProcessEnv,
  makeUploader?: () => Promise<ArtifactUploader>,
): Promise<void> {
  if (outcome.command !== "compare-pr") return;
  const { result } = outcome;
  if (!makeUploader && !env.ACTIONS_RUNTIME_TOKEN) {
    core.info(`Not inside GitHub Actions (no ACTIONS_RUNTIME_TOKEN): artifacts left in ${result.dir}`);
    return;
  }
  const uploader = await (makeUploader ?? defaultArtifactUploader)();
  await uploadReport(uploader, join(dirname(result.reportPath), "report.md"), result.resultsPath, artifactName);
  await uploadLogs(uploader, result.logFiles, result.dir, artifactName.replace(/report/, "logs"));
}
