/**
 * Item 9 measurement: compare-pr on the simulator with identical images (same environment on both
 * sides), several seeds; prints how many cells each run flagged 🔴/🟢 and which. Ideal: none.
 *   npx tsx bench/identical-images.ts [runs=4] [models=grok,deepseek] [types=offline,online] [seed=1000]
 * IDENT_RANDOM=1: a fresh seed per process (the demo's setting) instead of a fixed seed per side.
 * IDENT_PR_DECODE_SPEED=1.05: the demo's 5 %-slower decode PR instead of identical images (then the
 * flags should be its decode cells, all 🔴).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { simulatedComparePr } from "../test/helpers/sim-compare-pr.js";

const runs = Number(process.argv[2] ?? 4);
const models = (process.argv[3] ?? "grok,deepseek").split(",");
const types = (process.argv[4] ?? "offline,online").split(",") as Array<"offline" | "online">;
const seedBase = Number(process.argv[5] ?? 1000);
const PATH = `${resolve("test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`;
let flaggedRuns = 0;
let flaggedCells = 0;
let cells = 0;
for (let i = 0; i < runs; i++) {
  const seed = String(seedBase + i * 7919);
  // seed "random": every process draws its own noise (as the demo); else different seeds per side (the
  // same seed would replay the same numbers on both).
  const random = process.env.IDENT_RANDOM === "1";
  const env: Record<string, string> = random ? { PATH } : { PATH, SGLSIM_SEED: seed };
  const prEnv: Record<string, string> = random ? { PATH } : { PATH, SGLSIM_SEED: String(Number(seed) + 1) };
  if (process.env.IDENT_PR_DECODE_SPEED) prEnv.SGLSIM_DECODE_SPEED = process.env.IDENT_PR_DECODE_SPEED;
  if (random) delete process.env.SGLSIM_SEED;
  else process.env.SGLSIM_SEED = seed;
  const dir = mkdtempSync(join(tmpdir(), "sglbench-ident-"));
  const started = Date.now();
  const result = await simulatedComparePr({ dir, models, types, mainEnv: env, prEnv });
  const flagged = result.cells.filter((c) => c.verdict === "regressed" || c.verdict === "improved");
  cells += result.cells.length;
  flaggedCells += flagged.length;
  if (flagged.length) flaggedRuns++;
  console.log(
    `seed ${seed}: ${result.verdict}, ${flagged.length}/${result.cells.length} flagged, ${Math.round((Date.now() - started) / 1000)} s, ${result.dir}`,
  );
  for (const c of flagged)
    console.log(`  ${c.verdict} ${c.suite} ${c.metric} ${JSON.stringify(c.point)} ${c.change_pct?.toFixed(2)} %`);
}
console.log(`runs with a flag: ${flaggedRuns}/${runs}; flagged cells: ${flaggedCells}/${cells}`);
