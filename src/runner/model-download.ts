/** The seed's `--download-model`: fetch the weights with huggingface-cli inside the container before benchmarking. */
import { redactSecrets } from "../store/redact.js";
import type { Executor, ExecResult } from "./executor.js";

/** The download command (resumable, real files rather than symlinks into the HF cache). */
export function downloadCommand(hfModelId: string, modelPath: string): string[] {
  return [
    "huggingface-cli",
    "download",
    hfModelId,
    "--repo-type",
    "model",
    "--local-dir",
    modelPath,
    "--local-dir-use-symlinks",
    "False",
    "--resume-download",
  ];
}

/** Runs the download; throws with the tail of its output when it fails. */
export async function downloadModel(
  executor: Executor,
  hfModelId: string,
  modelPath: string,
  options: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<ExecResult> {
  const tail: string[] = [];
  const result = await executor.exec(downloadCommand(hfModelId, modelPath), {
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line) => {
      options.onLine?.(line);
      tail.push(redactSecrets(line));
      if (tail.length > 20) tail.shift();
    },
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `Downloading ${hfModelId} into ${modelPath} failed (exit ${String(result.exitCode)}):\n${tail.join("\n")}`,
    );
  }
  return result;
}
