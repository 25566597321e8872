#!/usr/bin/env node
// The installed `sglbench` command runs the bundled CLI (built by `npm run build`).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
