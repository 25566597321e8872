#!/usr/bin/env node
// The installed `sglbench` command runs the bundled CLI (built by `npm run build`).
// Node 24 first: under an older Node some commands fail deep inside with an unrelated error.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  console.error(
    `sglbench needs Node.js 24 or newer; this is ${process.version}. ` +
      "Run it with the project's pinned Node (npx sglbench …, or npm run sglbench -- … from the checkout) or install Node 24 LTS.",
  );
  process.exit(1);
}
const { main } = await import("../dist/cli.js");
process.exitCode = await main(process.argv.slice(2));
