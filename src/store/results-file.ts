/**
 * The results JSON of a run folder: the source of truth written by our runner (points × repeats ×
 * metrics, GSM8K, KV cache, image, backend, timings, failures, schema version). The seed's CSVs are
 * derived views of it.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RunResultsSchema, type RunResults } from "../core/results/index.js";
import { errnoCode, makeDir, toDiskError } from "./disk-write.js";

export const RESULTS_FILE = "results.json";

/**
 * Writes `<dir>/results.json` atomically (temp file in the same folder + rename), so a reader never
 * sees half a file even when the runner is killed mid-write. Returns the file path.
 *
 * A full disk fails the temp file; the record (with the failure that says so) is then rewritten in
 * place, compact, inside the blocks the previous file already holds. A failure is a DiskError with
 * the real errno.
 */
export async function writeResults(dir: string, run: RunResults): Promise<string> {
  const checked = RunResultsSchema.safeParse(run);
  if (!checked.success) {
    throw new Error(`Refusing to write an invalid results record to ${dir}: ${describeIssues(checked.error.issues)}`);
  }
  await makeDir(dir);
  const file = join(dir, RESULTS_FILE);
  const temp = join(dir, `.${RESULTS_FILE}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(checked.data, null, 2)}\n`);
    await rename(temp, file);
  } catch (error: unknown) {
    await rm(temp, { force: true });
    const code = errnoCode(error);
    if ((code === "ENOSPC" || code === "EDQUOT") && (await rewriteInPlace(file, JSON.stringify(checked.data)))) {
      return file;
    }
    throw toDiskError(error, file, "write");
  }
  return file;
}

/**
 * Overwrites an existing file with `text` when it fits in the blocks the file already holds (the
 * compact JSON of a record is ~40 % shorter than the indented one, and the last block has slack),
 * padding with spaces (valid JSON) over any old bytes left. Returns whether it was written.
 */
async function rewriteInPlace(file: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, "r+");
  } catch {
    return false;
  }
  try {
    const { size, blocks } = await handle.stat();
    const capacity = Math.max(size, blocks * 512);
    const bytes = Buffer.from(`${text}\n`);
    if (bytes.length > capacity) return false;
    const out = Buffer.alloc(Math.max(size, bytes.length), " ");
    bytes.copy(out);
    out[out.length - 1] = 0x0a;
    await handle.write(out, 0, out.length, 0);
    await handle.sync();
    return true;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** Reads and validates a results file; the error names the file and each invalid field. */
export async function readResults(file: string): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error: unknown) {
    throw new Error(`Cannot read results file ${file}`, { cause: error });
  }
  return parseResults(text, file);
}

/** Parses results JSON text (see {@link readResults}). */
export function parseResults(text: string, file: string): RunResults {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error: unknown) {
    throw new Error(`${file}: not valid JSON (${String(error)})`, { cause: error });
  }
  const parsed = RunResultsSchema.safeParse(data);
  if (!parsed.success) throw new Error(`${file}: not a valid results file: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
