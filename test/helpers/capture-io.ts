import type { CliIO } from "../../src/cli/io.js";

/** A CliIO that records what a command printed, for running commands in-process. */
export function captureIO(cwd = process.cwd()): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: {}, cwd, isTTY: false };
}
