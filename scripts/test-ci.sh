#!/usr/bin/env bash
# Runs the whole jest suite and prints the plain closing line CI reads ("N passed, N failed").
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile="$out" "$@"
status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
if (r.numTotalTests === 0) process.exit(1);
' "$out" || status=1
rm -f "$out"
exit $status
