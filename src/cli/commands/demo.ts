/**
 * `sglbench demo`: what a newcomer runs first. It reads two real DeepSeek nightlies shipped in
 * test/fixtures/real (same suite, consecutive images) and shows what sglbench makes of them.
 * The full simulated PR comparison (Action issue) is not wired yet; the demo says so.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { EXIT, type CliIO } from "../io.js";
import { ingestPaths } from "../../store/ingest.js";
import type { RunResults } from "../../core/results.js";

export const summary = "Show sglbench on two real nightlies (the simulated PR demo is not wired yet)";

const USAGE = `Usage: sglbench demo [--fixtures DIR]

Reads two consecutive real DeepSeek nightly run folders and prints, per concurrency, the median
E2E latency of each repeat on both images.
  --fixtures DIR   the real-log folder (default: test/fixtures/real of this checkout)
`;

const BASELINE = "v0.5.3.post1-rocm630-mi30x-20251014_DeepSeek-V3-0324_FP8_online";
const CANDIDATE = "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online";

export async function run(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { fixtures: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error: unknown) {
    io.stderr(`sglbench demo: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const root = values.fixtures ?? defaultFixtures(io.cwd);
  const folder = (name: string) => join(root, "online_benchmark_log", "mi30x", "DeepSeek-V3-0324", name);
  if (!existsSync(folder(BASELINE)) || !existsSync(folder(CANDIDATE))) {
    io.stderr(`sglbench demo: the real fixtures are not under ${root}; pass --fixtures DIR\n`);
    return EXIT.failed;
  }
  const [base, cand] = await Promise.all([ingestPaths([folder(BASELINE)]), ingestPaths([folder(CANDIDATE)])]);
  const [a, b] = [base.runs[0], cand.runs[0]];
  if (!a || !b) {
    io.stderr("sglbench demo: could not read the fixture runs\n");
    return EXIT.failed;
  }
  io.stdout(`sglbench demo — DeepSeek-V3 online, MI300X, two nightly images\n`);
  io.stdout(`  baseline:  ${a.image?.full ?? a.image?.tag}  (GSM8K ${a.gsm8k?.average ?? "-"})\n`);
  io.stdout(`  candidate: ${b.image?.full ?? b.image?.tag}  (GSM8K ${b.gsm8k?.average ?? "-"})\n\n`);
  io.stdout(medianTable(a, b));
  io.stdout(
    "\nEach cell lists the repeats (run1 run2 run3): the spread between identical runs is why a fixed ±5 % rule misfires.\n" +
      "The simulated PR comparison (npm run demo on the Action issue) is not wired yet in this build.\n",
  );
  return EXIT.ok;
}

function medianTable(a: RunResults, b: RunResults): string {
  const values = (run: RunResults, key: string) =>
    run.points.find((p) => p.point.concurrency === Number(key))?.repeats.map((r) => r.metrics.median_e2e_latency_ms);
  const keys = [...new Set(a.points.map((p) => String(p.point.concurrency)))];
  const lines = ["concurrency  median E2E latency (ms), baseline | candidate"];
  for (const key of keys) {
    const fmt = (xs: (number | undefined)[] | undefined) => (xs ?? []).map((x) => x?.toFixed(0) ?? "-").join(" ");
    lines.push(`${key.padStart(11)}  ${fmt(values(a, key)).padEnd(20)} | ${fmt(values(b, key))}`);
  }
  return lines.join("\n") + "\n";
}

/** The checkout's fixtures, whether run from src/ (tsx) or from the dist/ bundle. */
function defaultFixtures(cwd: string): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  for (const candidate of [join(here, "../../../test/fixtures/real"), join(here, "../test/fixtures/real")])
    if (existsSync(candidate)) return candidate;
  return join(cwd, "test/fixtures/real");
}
