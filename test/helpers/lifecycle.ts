/** Helpers for the run-lifecycle fault tests: the CLI as a real process, signals, and what it left running. */
import { readdirSync, readFileSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { execa, type ResultPromise } from "execa";
import { OWNER_ENV } from "../../src/runner/leftovers.js";

export const SIM_PATH = `${resolve("test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`;

/** Processes whose SGLBENCH_OWNER names `pid` (what that sglbench process started), as `pid command`. */
export function processesOwnedBy(pid: number): string[] {
  const out: string[] = [];
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    let environ = "";
    try {
      environ = readFileSync(`/proc/${entry}/environ`, "latin1");
    } catch {
      continue;
    }
    if (!environ.split("\0").some((v) => v.startsWith(`${OWNER_ENV}=${pid}.`))) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      continue;
    }
    // A zombie has an empty command line and holds nothing.
    if (cmd) out.push(`${entry} ${cmd}`);
  }
  return out;
}

/** Polls until `check` is true or `ms` passed; returns the last value of `check`. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return check();
}

/** `sglbench <args>` as its own process (node + tsx), with output collected as it comes. */
export interface CliProcess {
  child: ResultPromise;
  pid: number;
  output(): string;
  /** Resolves once the output (stdout + stderr) matches; rejects if the process ends first. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** Exit code (143/130 when the handler ran; null with the signal when killed by it). */
  done: Promise<{ exitCode: number | undefined; signal: string | undefined }>;
}

export function startCli(args: string[], env: Record<string, string>, cwd: string): CliProcess {
  return startEntry("src/cli/main.ts", args, env, cwd);
}

/** A TypeScript entry (`src/cli/main.ts`, `src/action/index.ts`) as its own process. */
export function startEntry(entry: string, args: string[], env: Record<string, string>, cwd: string): CliProcess {
  // tsx by path: `--import tsx` would be looked up from `cwd`, a temporary folder.
  const tsx = pathToFileURL(resolve("node_modules/tsx/dist/loader.mjs")).href;
  const child = execa(process.execPath, ["--import", tsx, resolve(entry), ...args], {
    cwd,
    env: { ...process.env, PATH: SIM_PATH, CI: "1", ...env },
    reject: false,
    buffer: false,
    stdin: "ignore",
    // The test sends SIGTERM itself and watches what follows: no SIGKILL from execa 5 s later.
    forceKillAfterDelay: false,
  });
  let text = "";
  child.stdout?.on("data", (c: Buffer) => (text += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (text += c.toString()));
  const done = child.then((r) => ({ exitCode: r.exitCode, signal: r.signal }));
  let ended = false;
  void done.then(() => (ended = true));
  return {
    child,
    pid: child.pid!,
    output: () => text,
    done,
    waitFor: async (pattern, ms = 120_000) => {
      const deadline = Date.now() + ms;
      while (!pattern.test(text)) {
        if (ended) throw new Error(`sglbench ended before printing ${String(pattern)}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`no ${String(pattern)} after ${ms} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
