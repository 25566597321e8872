/**
 * Regenerates src/core/verdict/prior-noise.json, the verdict engine's built-in noise prior, from real
 * nightly logs:
 *
 *   npx tsx scripts/learn-prior-noise.ts [ROOT …] [--out FILE] [--exclude SCOPE_SUBSTRING …]
 *
 * (default root /work/shared/fixtures/real). Method (see src/core/verdict/prior.ts):
 * 1. Every series (hardware × model × suite × mode) is cut into regimes: host, ROCm, release line,
 *    repeats per point, prompts per point, and level shifts found by sglbench's changepoint detector.
 * 2. Inside each regime, per point × metric: each night's level (mean ln value of the steady repeats,
 *    warm-up dropped) and the differences between consecutive nights. A regime's launch-level
 *    variance is median(d²)/E[median of n χ²₁]/2 with n df (robust: one real change left in a
 *    regime does not inflate it).
 * 3. Empirical Bayes (fitVariancePrior): per series × metric, a scaled inverse-χ² prior is fitted to
 *    the (point, regime) estimates — its df says how alike they are across points and time; each
 *    point's pooled estimate is moderated towards it. The same fit over every series of a model on a
 *    hardware, and over every series of a hardware, gives the fallbacks.
 * 4. Per series × metric (and per model and hardware): the heavy tail of the consecutive differences
 *    (a Student t, launch-tails.ts) and the drift share — how much of a consecutive nights' variance
 *    grows with the nights between launches (drift.ts fitDrift).
 * `--exclude` leaves series out (the leave-one-series-out evaluation in bench/verdicts-launch.ts
 * calls learnPrior directly instead).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { learnPrior } from "../bench/prior-learn.js";
import { ingestPaths } from "../src/store/ingest.js";

const args = process.argv.slice(2);
const roots: string[] = [];
const exclude: string[] = [];
let out = join(import.meta.dirname, "..", "src", "core", "verdict", "prior-noise.json");
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out") out = args[++i]!;
  else if (args[i] === "--exclude") exclude.push(args[++i]!);
  else roots.push(args[i]!);
}
if (roots.length === 0) roots.push("/work/shared/fixtures/real");
const { runs } = await ingestPaths(roots);
const prior = learnPrior(
  runs.filter((r) => !exclude.some((x) => `${r.hardware}/${r.model.name}/${r.suite}`.includes(x))),
  roots.map((r) => r.replace(/^.*\/fixtures\//, "fixtures/")).join(", "),
);
writeFileSync(out, `${JSON.stringify(prior, null, 2)}\n`);
const n = (o: object): number => Object.keys(o).length;
console.log(
  `${out}: ${n(prior.series)} series, ${n(prior.models)} model keys, ${n(prior.hardware)} hardware (${runs.length} runs read)`,
);
