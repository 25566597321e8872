/**
 * Main's runs kept between requests (`--main-runs-dir`). The nightlies measure AMD's `rocm/sgl-dev`
 * images, which name no commit, so no nightly can stand in for a PR's merge base; but a PR is mostly
 * benchmarked again on the same merge base (a push, a second `/benchmark`). When main ran in full, its
 * merged launches are kept here under the merge base's SHA for `maxAgeHours`, and the next request on
 * that merge base reuses them after the usual one-point anchor instead of running main again.
 *
 * Only sglbench itself writes this folder, after the containers are gone (containers never mount it);
 * only runs of an image tagged by sglbench for that very merge base are kept, only complete ones,
 * and every file read back is validated and bounded.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { RunResultsSchema, type RunResults } from "../core/results/index.js";
import { sameCommit } from "../core/plan/index.js";
import { errorMessage } from "../core/util/index.js";
import { writeFileAtomic } from "../store/disk-write.js";
import { runCommit } from "./baseline.js";

/** A kept run larger than this is not one sglbench wrote (a merged run with request samples is ~1–5 MB). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const shaFolder = (commit: string): string => commit.slice(0, 12).toLowerCase();
const SHA_FOLDER = /^[0-9a-f]{7,40}$/;
/** The only files this folder's cleaning removes: `<suite>-pr<N>_<YYYYMMDD_HHMMSS>.json`, as kept. */
const KEPT_FILE = /^[a-z0-9][\w.-]*-pr\d+_\d{8}_\d{6}\.json$/i;

/** Hours since a file was written (its modification time), or undefined when it cannot be read. */
async function ageHours(file: string, now: Date): Promise<number | undefined> {
  const info = await stat(file).catch(() => undefined);
  return info ? (now.getTime() - info.mtimeMs) / 3_600_000 : undefined;
}

/** True when `image` is sglbench's own build of `commit` (its tag `…main-<sha12>-…` names that commit). */
export function builtForCommit(image: string, commit: string): boolean {
  const tag = image.slice(image.lastIndexOf(":") + 1);
  const named = /(?:^|-)main-([0-9a-f]{7,40})(?:-|$)/.exec(tag)?.[1];
  return sameCommit(named, commit);
}

/**
 * Main's kept runs for `mergeBase` written within `maxAgeHours` (none when the folder or its SHA
 * folder does not exist). The file's age is the one its cleaning goes by, so what is reused is never
 * what the same request then removes.
 */
export async function loadMainRuns(
  dir: string,
  mergeBase: string,
  window: { now: Date; maxAgeHours: number },
  warn: (line: string) => void = () => undefined,
): Promise<RunResults[]> {
  if (!SHA_FOLDER.test(mergeBase.toLowerCase())) return [];
  const folder = join(dir, shaFolder(mergeBase));
  if (!existsSync(folder)) return [];
  const runs: RunResults[] = [];
  for (const name of (await readdir(folder)).filter((n) => n.endsWith(".json")).sort()) {
    const file = join(folder, name);
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      if ((window.now.getTime() - info.mtimeMs) / 3_600_000 > window.maxAgeHours) continue;
      if (info.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
      const parsed = RunResultsSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
      if (!parsed.success) throw new Error("not an sglbench results file");
      if (!sameCommit(runCommit(parsed.data), mergeBase)) throw new Error("measured another commit");
      runs.push({ ...parsed.data, sources: [file] });
    } catch (error: unknown) {
      warn(`main runs: skipped ${file}: ${errorMessage(error)}`);
    }
  }
  return runs;
}

export interface KeepMainRunsInput {
  dir: string;
  mergeBase: string;
  mainImage: string;
  /** The suites whose main ran in full this time (a reused main is already kept). */
  ranInFull: string[];
  /** Main's merged run per suite, as compared. */
  runs: RunResults[];
  /** The comparison folder's name (`pr<N>_<YYYYMMDD_HHMMSS>`): names the files `<suite>-<stamp>.json`. */
  stamp: string;
  now: Date;
  maxAgeHours: number;
}

/**
 * Keeps main's complete full runs for the next request on the same merge base and removes kept files
 * older than `maxAgeHours` (by modification time). Returns one line per file written or why none was.
 */
export async function keepMainRuns(input: KeepMainRunsInput): Promise<string[]> {
  const lines: string[] = [];
  await pruneOld(input.dir, input.now, input.maxAgeHours, lines);
  if (!SHA_FOLDER.test(input.mergeBase.toLowerCase())) return [...lines, "main runs not kept: merge base unknown"];
  if (!builtForCommit(input.mainImage, input.mergeBase))
    return [
      ...lines,
      `main runs not kept: ${input.mainImage} is not sglbench's build of ${shaFolder(input.mergeBase)}`,
    ];
  for (const run of input.runs) {
    if (!input.ranInFull.includes(run.suite)) continue;
    const complete = run.points.length > 0 && run.failures.length === 0 && run.points.every((p) => !p.failure);
    if (!complete) {
      lines.push(`main runs not kept for ${run.suite}: it did not complete`);
      continue;
    }
    const file = join(input.dir, shaFolder(input.mergeBase), `${run.suite}-${input.stamp}.json`);
    // Its age is when main was measured; a run that recorded no time is as old as this request.
    const when = run.finished_at || run.started_at ? {} : { finished_at: input.now.toISOString() };
    await writeFileAtomic(file, JSON.stringify({ ...run, ...when, commit: input.mergeBase }));
    lines.push(`main runs of ${run.suite} kept for later requests on ${shaFolder(input.mergeBase)}: ${file}`);
  }
  return lines;
}

/**
 * Removes kept files (named as keepMainRuns names them, nothing else) older than `maxAgeHours`, and
 * SHA folders they leave empty. A file it cannot remove is said and passed over.
 */
async function pruneOld(dir: string, now: Date, maxAgeHours: number, lines: string[]): Promise<void> {
  if (!existsSync(dir)) return;
  for (const sha of await readdir(dir)) {
    if (!SHA_FOLDER.test(sha)) continue;
    const folder = join(dir, sha);
    for (const name of await readdir(folder).catch(() => [])) {
      if (!KEPT_FILE.test(name)) continue;
      const file = join(folder, name);
      const age = await ageHours(file, now);
      if (age === undefined || age <= maxAgeHours) continue;
      await rm(file)
        .then(() => lines.push(`main runs: removed ${file} (${Math.round(age)} h old)`))
        .catch((error: unknown) => lines.push(`main runs: could not remove ${file}: ${errorMessage(error)}`));
    }
    // Only an empty folder goes (rmdir refuses any other).
    await rmdir(folder).catch(() => undefined);
  }
}
