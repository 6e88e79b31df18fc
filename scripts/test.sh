#!/usr/bin/env bash
# The full test suite on the real stack: bootstrap, type-check, lint, format check, then jest.
# Extra arguments go to jest (e.g. `npm test -- test/tenancy.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/.."
export TPW_TEMPORAL_HEADLESS="${TPW_TEMPORAL_HEADLESS:-true}"
bash scripts/bootstrap.sh

echo "[test] tsc --noEmit" >&2
npx tsc --noEmit -p tsconfig.json
echo "[test] eslint" >&2
npx eslint .
echo "[test] prettier --check" >&2
npx prettier --check . >/dev/null || { npx prettier --list-different . >&2; echo "[test] run npm run format" >&2; exit 1; }

results=$(mktemp)
status=0
npx jest --json --outputFile="$results" "$@" || status=$?
# One plain closing line, whatever the runner prints above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) { console.error("no tests ran"); process.exit(1); }
' "$results" || status=1
rm -f "$results"
exit "$status"
