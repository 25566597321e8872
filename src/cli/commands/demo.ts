/**
 * `sglbench demo` (npm run demo): what a newcomer runs first. A complete compare-pr on the simulated
 * SGLang where the "PR image" decodes 5 % slower: through Docker when an engine answers, else locally.
 * `--real-nightlies` instead shows two real DeepSeek nightlies side by side (why a fixed ±5 % rule misfires).
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { DEFAULT_REQUEST, parseRequestFields } from "../../core/request/index.js";
import { ingestPaths } from "../../store/ingest.js";
import type { RunResults } from "../../core/results/index.js";
import { timestamp, errorMessageWithCause } from "../../core/util/index.js";
import { defaultComparePrServices } from "../../pipeline/compare-pr-services.js";
import { groupedVerdicts, runDemo } from "../../pipeline/demo.js";
import { demoDockerReachable, buildDemoSimImages } from "../../pipeline/demo-images.js";

export const summary = "Run a complete PR comparison on the simulated SGLang (PR decodes 5 % slower)";

const USAGE = `Usage: sglbench demo [--docker | --local] [--output-dir DIR] [--verbose]
       sglbench demo --real-nightlies [--fixtures DIR]

Runs compare-pr end to end on the simulated SGLang (test/sim): main vs a "PR image" that decodes
5 % slower, both sides interleaved, then prints the verdict line and the report's path.
  --docker          run the suites in containers of two simulator images (needs a Docker engine)
  --local           run the simulator on this machine (default when no Docker engine answers)
  --output-dir DIR  where pr1_<timestamp>/ is written (default: a fresh folder under the temp dir)
  --models LIST     grok,grok2,deepseek (default deepseek)   --types LIST (default online)
  --repeats N       repeats per point and side, 1-20 (default 5)
  --verbose         also print the runner's progress lines
  --real-nightlies  show two real DeepSeek nightlies side by side instead (--fixtures DIR)
`;

const BASELINE = "v0.5.3.post1-rocm630-mi30x-20251014_DeepSeek-V3-0324_FP8_online";
const CANDIDATE = "v0.5.3.post1-rocm630-mi30x-20251015_DeepSeek-V3-0324_FP8_online";

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "demo",
    USAGE,
    argv,
    {
      docker: { type: "boolean", default: false },
      local: { type: "boolean", default: false },
      "output-dir": { type: "string" },
      models: { type: "string" },
      types: { type: "string" },
      // The original toolkit's spelling of --types.
      "benchmark-types": { type: "string" },
      repeats: { type: "string" },
      verbose: { type: "boolean", default: false },
      "real-nightlies": { type: "boolean", default: false },
      fixtures: { type: "string" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (values["real-nightlies"]) return realNightlies(values.fixtures, io);
  // Checked like compare-pr's flags, with the demo's smaller defaults.
  const asked = parseRequestFields(
    {
      models: values.models,
      types: values.types,
      "benchmark-types": values["benchmark-types"],
      repeats: values.repeats,
    },
    { ...DEFAULT_REQUEST, models: ["deepseek"], types: ["online"], repeats: 5 },
  );
  const problems = asked.ok ? [] : asked.problems;
  if (values.docker && values.local) problems.push("choose one of --docker and --local");
  if (!asked.ok || problems.length) return parsed.usage(problems.join("; "));
  const outputDir = values["output-dir"]
    ? resolve(io.cwd, values["output-dir"])
    : join(tmpdir(), `sglbench-demo-${timestamp(new Date(), "utc")}`);
  const checkout = checkoutRoot(io.cwd);
  io.stdout(
    "sglbench demo — PR vs its merge base on the simulated SGLang (MI300X formats, no GPU needed)\n" +
      "The PR side decodes 5 % slower; sglbench should flag exactly that and nothing else.\n\n",
  );
  try {
    const { mode, result } = await runDemo({
      mode: values.docker ? "docker" : values.local ? "local" : "auto",
      outputDir,
      simBin: join(checkout, "test", "sim", "bin"),
      models: asked.request.models,
      types: asked.request.types,
      repeats: asked.request.repeats,
      log: (line) => {
        // The summary and the report's path close the demo's output below, after the flagged cells.
        if (line.startsWith("sglbench: PR #") || line.startsWith("Report: ")) return;
        if (values.verbose || !line.startsWith("  ")) io.stdout(`${line}\n`);
      },
      services: defaultComparePrServices,
      dockerReachable: () => demoDockerReachable(io.env),
      buildSimImages: () => buildDemoSimImages(checkout, (line) => values.verbose && io.stdout(`  ${line}\n`)),
    });
    const red = groupedVerdicts(result.reportMarkdown);
    io.stdout(
      [
        "",
        `Ran ${mode === "docker" ? "in Docker containers" : "locally (no Docker engine used)"}.`,
        ...(red.length
          ? ["", "Flagged (metric: points, change; + = the value went up):", ...red.map((l) => `  ${l}`)]
          : []),
        "",
        result.summaryLine,
        `Report: ${result.reportPath}`,
        "",
      ].join("\n"),
    );
    return result.exitCode;
  } catch (error: unknown) {
    io.stderr(`sglbench demo: ${errorMessageWithCause(error)}\n`);
    return EXIT.failed;
  }
}

async function realNightlies(fixtures: string | undefined, io: CliIO): Promise<number> {
  const root = fixtures ?? join(checkoutRoot(io.cwd), "test", "fixtures", "real");
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
      "Run 'sglbench demo' (no flag) for the simulated PR comparison.\n",
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

/** The sglbench checkout, whether run from src/ (tsx) or from the dist/ bundle; else the working directory. */
function checkoutRoot(cwd: string): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  for (const candidate of [join(here, "../../.."), join(here, "..")])
    if (existsSync(join(candidate, "test", "fixtures", "real")) || existsSync(join(candidate, "test", "sim")))
      return resolve(candidate);
  return cwd;
}
