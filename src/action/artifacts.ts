/** Adapter around @actions/artifact so the entry can be tested with a fake uploader. */
import { dirname } from "node:path";

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
