/**
 * Writing to disk so that failures say what happened: the real errno (EROFS, ENOSPC, EACCES, …) and
 * the path, never a stack trace or a misleading ENOENT; and whole files or nothing, so a full disk
 * leaves the previous file (or no file) rather than a 0-byte one.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, parse, resolve } from "node:path";

const DESCRIPTIONS: Record<string, string> = {
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a parent is not a folder",
  EISDIR: "is a folder",
  EIO: "input/output error",
  EMFILE: "too many open files",
};

/** A file-system write that failed: `code` is the errno name the kernel gave. */
export class DiskError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
    readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot ${action} ${path}: ${code} (${DESCRIPTIONS[code] ?? "file-system error"})`, options);
    this.name = "DiskError";
  }
}

/** The errno name of a Node fs error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** Wraps a Node fs error as a DiskError (a DiskError or a non-fs error comes back as is). */
export function toDiskError(error: unknown, path: string, action: string): unknown {
  if (error instanceof DiskError) return error;
  const code = errnoCode(error);
  return code ? new DiskError(code, path, action, { cause: error }) : error;
}

/**
 * Node's recursive mkdir reports ENOENT when a folder cannot be created on a read-only file system
 * (it retries the parent and loses the first errno). Creating the missing folders one by one gets the
 * kernel's real answer.
 */
function realMkdirError(path: string): unknown {
  const missing: string[] = [];
  let at = resolve(path);
  const root = parse(at).root;
  while (at !== root) {
    missing.unshift(at);
    at = dirname(at);
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error: unknown) {
      const code = errnoCode(error);
      if (code === "EEXIST") continue;
      return new DiskError(code ?? "EIO", dir, "create folder", { cause: error });
    }
  }
  return undefined;
}

/** `mkdir -p` whose error names the real errno and the folder that could not be made. */
export function makeDirSync(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error: unknown) {
    if (errnoCode(error) === "ENOENT") throw realMkdirError(path) ?? error;
    throw toDiskError(error, path, "create folder");
  }
}

/** Async {@link makeDirSync}. */
export async function makeDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error: unknown) {
    if (errnoCode(error) === "ENOENT") throw realMkdirError(path) ?? error;
    throw toDiskError(error, path, "create folder");
  }
}

const tempName = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);

/**
 * Writes a whole file or nothing: a temp file in the same folder, renamed over `path`. On a full or
 * read-only disk the previous file (or none) stays and a DiskError says why; never a 0-byte file.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await makeDir(dirname(path));
  const temp = tempName(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error: unknown) {
    await rm(temp, { force: true });
    throw toDiskError(error, path, "write");
  }
}

/** Sync {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: string): void {
  makeDirSync(dirname(path));
  const temp = tempName(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error: unknown) {
    rmSync(temp, { force: true });
    throw toDiskError(error, path, "write");
  }
}
