/** `sglbench compare --format json` run in-process, for tests that read its cells. */
import { run as compareCommand } from "../../src/cli/commands/compare.js";
import { captureIO } from "./capture-io.js";

export interface JsonCell {
  kind: string;
  point: { concurrency?: number; request_rate?: number };
  metric: string;
  verdict: string;
  reason: string;
}

/** Exit code, stderr and the JSON cells (none when nothing was printed). */
export async function compareJson(main: string, pr: string): Promise<{ code: number; err: string; cells: JsonCell[] }> {
  const io = captureIO();
  const code = await compareCommand(["--csv1", main, "--csv2", pr, "--format", "json"], io);
  const out = io.out.join("");
  return { code, err: io.err.join(""), cells: out ? (JSON.parse(out) as { cells: JsonCell[] }).cells : [] };
}
