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

/** What `ensureModel` did. */
export type EnsureOutcome = { action: "present" } | { action: "downloaded"; freeGb: number };

/** Free space (GB) of the filesystem holding `path` (its nearest existing parent), from POSIX `df -Pk`. */
export async function freeDiskGb(executor: Executor, path: string): Promise<number | undefined> {
  const lines: string[] = [];
  // The target may not exist yet: df the nearest existing parent.
  const script = 'p="$1"; while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done; df -Pk "$p"';
  const result = await executor.exec(["sh", "-c", script, "sh", path], { onLine: (l) => lines.push(l) });
  if (result.exitCode !== 0) return undefined;
  return parseDfFreeGb(lines);
}

/** `df -Pk` output → free GB of its data row (undefined when it cannot be read). */
export function parseDfFreeGb(lines: readonly string[]): number | undefined {
  const row = lines.map((l) => l.trim().split(/\s+/)).find((cols) => cols.length >= 6 && /^\d+$/.test(cols[3] ?? ""));
  return row ? Number(row[3]) / 1024 / 1024 : undefined;
}

/**
 * The original's `--download-model`: nothing to do when the folder already holds a model
 * (config.json); else check the free space first (DeepSeek needs 685 GB, Grok 200 GB) and download,
 * resumable, with huggingface-cli (an interrupted download continues where it stopped).
 */
export async function ensureModel(
  executor: Executor,
  input: { repo: string; target: string; diskGb: number },
  options: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<EnsureOutcome> {
  const present = await executor.exec(["test", "-f", `${input.target}/config.json`]);
  if (present.exitCode === 0) return { action: "present" };
  const free = await freeDiskGb(executor, input.target);
  if (free === undefined) throw new Error(`Cannot read the free disk space of ${input.target} (df failed)`);
  if (free < input.diskGb)
    throw new Error(
      `Not enough disk for ${input.repo}: ${free.toFixed(0)} GB free under ${input.target}, ${input.diskGb} GB needed`,
    );
  await downloadModel(executor, input.repo, input.target, options);
  return { action: "downloaded", freeGb: free };
}
