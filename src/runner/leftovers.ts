/**
 * Leftovers of a run that was SIGKILLed (or whose clean-up failed): every command sglbench starts
 * carries `SGLBENCH_OWNER=<pid>.<start time>` of the sglbench process in its environment, inherited by
 * all its children (SGLang's schedulers too). A process whose owner is no longer alive is a leftover
 * of ours: it is stopped before the next run so that run never measures it or finds its port taken.
 * Processes without the mark, or whose owner still runs (a concurrent sglbench), are never touched.
 * Linux only (/proc); elsewhere nothing is found.
 */
import { readdir, readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";

/** The environment variable that marks a process as started by a sglbench process. */
export const OWNER_ENV = "SGLBENCH_OWNER";

/** The kernel's start time of a process (clock ticks since boot), or undefined without /proc. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let ownToken: string | undefined;

/** This process's mark: `<pid>.<start time>` (a reused PID has another start time). */
export function ownerToken(): string {
  ownToken ??= `${process.pid}.${processStartTime(process.pid) ?? "0"}`;
  return ownToken;
}

/** True while the sglbench process that wrote `token` still runs. */
export function ownerAlive(token: string): boolean {
  const [pidText, start] = token.split(".");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = processStartTime(pid);
  return now === undefined || start === "0" || now === start;
}

/** A process left by a sglbench run that is gone. */
export interface Leftover {
  pid: number;
  owner: string;
  /** Its command line (for the log). */
  command: string;
}

/** Processes marked by a sglbench process that no longer runs (never ours, never unmarked ones). */
export async function findLeftovers(): Promise<Leftover[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const mine = ownerToken();
  const found: Leftover[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const pid = Number(e);
        if (pid === process.pid) return;
        // Another user's process is unreadable (EACCES): not ours either.
        const environ = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
        const mark = environ.split("\0").find((v) => v.startsWith(`${OWNER_ENV}=`));
        if (!mark) return;
        const owner = mark.slice(OWNER_ENV.length + 1);
        if (owner === mine || ownerAlive(owner)) return;
        const command = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0").join(" ").trim();
        found.push({ pid, owner, command });
      }),
  );
  return found.sort((a, b) => a.pid - b.pid);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM every leftover, SIGKILL those still alive after `graceMs`. Returns what was found. */
export async function stopLeftovers(
  options: { graceMs?: number; log?: (line: string) => void } = {},
): Promise<Leftover[]> {
  const found = await findLeftovers();
  if (found.length === 0) return found;
  for (const l of found) options.log?.(`stopping a leftover of an earlier sglbench run (PID ${l.pid}): ${l.command}`);
  const send = (pid: number, signal: NodeJS.Signals): void => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  for (const l of found) send(l.pid, "SIGTERM");
  const deadline = Date.now() + (options.graceMs ?? 5_000);
  while (found.some((l) => alive(l.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const l of found) if (alive(l.pid)) send(l.pid, "SIGKILL");
  return found;
}
