/**
 * A lock file so two nightlies never overlap (the seed's `/tmp/perf_nightly_<model>.lock`, but with
 * the holder's PID inside so a lock left by a crashed run is recognised and taken over).
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";

/** What the lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  /** What holds it (e.g. `sglbench nightly --mode all`). */
  purpose: string;
}

/** Thrown when another live process holds the lock. */
export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockInfo | undefined,
  ) {
    super(
      holder
        ? `${file} is held by PID ${holder.pid} on ${holder.host} since ${holder.started_at} (${holder.purpose}); another nightly is running`
        : `${file} exists and is not a sglbench lock; remove it if no nightly is running`,
    );
    this.name = "LockHeldError";
  }
}

/** A held lock. */
export interface Lock {
  file: string;
  info: LockInfo;
  /** Took over a stale lock left by this earlier holder. */
  replaced?: LockInfo;
  release(): Promise<void>;
}

/** Options for {@link acquireLock}. */
export interface LockOptions {
  purpose?: string;
  /** Is this PID alive? (injected in tests) */
  isAlive?: (pid: number) => boolean;
  /** An unreadable lock older than this is stale (default 24 h). */
  staleUnreadableMs?: number;
  now?: () => Date;
}

/** `kill(pid, 0)`: ESRCH = gone; EPERM = alive but someone else's. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === "number" && Number.isInteger(v.pid) && v.pid > 0 && typeof v.host === "string")
      return { pid: v.pid, host: v.host, started_at: String(v.started_at ?? ""), purpose: String(v.purpose ?? "") };
  } catch {
    // not JSON: handled by the caller as an unreadable lock
  }
  return undefined;
}

/**
 * Creates `file` exclusively. If it exists, a lock whose PID is dead on this host is stale and is
 * replaced; a live holder (or a lock from another host sharing the disk) raises {@link LockHeldError}.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<Lock> {
  const isAlive = opts.isAlive ?? pidAlive;
  const now = opts.now ?? (() => new Date());
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started_at: now().toISOString(),
    purpose: opts.purpose ?? "sglbench",
  };
  let replaced: LockInfo | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(`${JSON.stringify(info)}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        file,
        info,
        ...(replaced ? { replaced } : {}),
        release: async () => {
          if (released) return;
          released = true;
          // Only remove the file if it is still ours (a forced takeover must not be undone).
          const current = parseLock(await readFile(file, "utf8").catch(() => ""));
          if (current?.pid === info.pid && current.started_at === info.started_at) await rm(file, { force: true });
        },
      };
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new Error(`cannot create lock file ${file}`, { cause: error });
    }
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) continue; // released between our open and read: try again
    const holder = parseLock(text);
    if (holder) {
      if (holder.host !== info.host || isAlive(holder.pid)) throw new LockHeldError(file, holder);
      replaced = holder;
    } else {
      const age = now().getTime() - (await stat(file)).mtimeMs;
      if (age < (opts.staleUnreadableMs ?? 24 * 3600 * 1000)) throw new LockHeldError(file, undefined);
    }
    await rm(file, { force: true });
  }
  throw new Error(`cannot acquire lock ${file}: it keeps reappearing`);
}

/** The lock file for a nightly: `<dir>/sglbench_nightly_<model>.lock` (the seed used one per model). */
export function nightlyLockFile(dir: string, model: string): string {
  return `${dir.replace(/\/+$/, "")}/sglbench_nightly_${model.replace(/[^\w.-]/g, "_")}.lock`;
}
