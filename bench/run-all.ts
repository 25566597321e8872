/** Runs every `bench/*.bench.ts` (except verdict benchmarks) one after the other with tsx. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";

const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts") && !f.includes("verdict"))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n== ${f}`);
  const result = await execa("npx", ["tsx", join(dir, f)], { stdio: "inherit", reject: false });
  if (result.exitCode !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
