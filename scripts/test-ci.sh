#!/usr/bin/env bash
# Runs the whole jest suite and prints the plain closing line CI reads ("N passed, N failed").
set -uo pipefail
cd "$(dirname "$0")/.."
# Which Node runs the suite (the pinned optional `node` package via node_modules/.bin under npm run).
echo "test-ci: node $(node --version)" >&2
out=$(mktemp)
# --forceExit: a handle a test leaks must never keep CI waiting after the results are written;
# the outer timeout bounds a test stuck outside jest's own per-test timeouts.
NODE_OPTIONS=--experimental-vm-modules timeout -k 30 4200 npx jest --json --outputFile="$out" --forceExit "$@"
status=$?
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
  echo "jest did not finish within 70 minutes (stopped)" >&2
  echo "jest: 0 passed, 1 failed"
  exit 1
fi
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
if (r.numTotalTests === 0) process.exit(1);
' "$out" || status=1
rm -f "$out"
exit $status
