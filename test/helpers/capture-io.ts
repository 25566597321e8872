import type { CliIO } from "../../src/cli/io.js";

/** A CliIO that records what a command printed, for running commands in-process. */
export function captureIO(cwd = process.cwd()): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: {}, cwd, isTTY: false };
}

/** Runs `fn` with process.stdout captured (the Action logs through @actions/core to stdout); returns it. */
export async function captureStdout(fn: () => Promise<void>): Promise<string> {
  const writes: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return writes.join("");
}
