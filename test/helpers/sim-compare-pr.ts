/**
 * compare-pr on the simulated SGLang with the simulator's two "images" (environments per side), run
 * locally: what the identical-images e2e test and bench/identical-images.ts both measure.
 */
import { join } from "node:path";
import { runComparePrJob } from "../../src/pipeline/compare-pr-job.js";
import { defaultComparePrServices } from "../../src/pipeline/compare-pr-services.js";
import { freeLocalPort } from "../../src/runner/free-port.js";

/** One comparison cell as these callers read it. */
export interface SimCell {
  verdict: string;
  suite: string;
  metric: string;
  point?: unknown;
  change_pct: number | null;
  baseline?: { values: number[] };
}

/** Runs a full comparison (main rerun, 3 repeats) in `dir` with each side's simulator environment. */
export async function simulatedComparePr(opts: {
  dir: string;
  models: string[];
  types: Array<"offline" | "online">;
  mainEnv: Record<string, string>;
  prEnv: Record<string, string>;
}): Promise<{ verdict: string; dir: string; cells: SimCell[] }> {
  const services = await defaultComparePrServices({
    local: true,
    mainEnv: opts.mainEnv,
    prEnv: opts.prEnv,
    log: () => undefined,
    port: await freeLocalPort(),
  });
  const result = await runComparePrJob(
    {
      pr: 1,
      repo: "sgl-project/sglang",
      models: opts.models,
      types: opts.types,
      repeats: 3,
      baseline: "rerun",
      mainImage: "sglbench-sim:main",
      prImage: "sglbench-sim:pr",
      skipBuild: true,
      baseImage: "unused",
      workDir: opts.dir,
      outputDir: join(opts.dir, "out"),
      local: true,
      baseSha: "0".repeat(40),
      headSha: "1".repeat(40),
    },
    services,
  );
  return { verdict: result.verdict, dir: result.dir, cells: (result.comparison as { cells: SimCell[] }).cells };
}
