#!/usr/bin/env bash
# Everything a fresh clone needs before it can run: dependencies, the generated Prisma client,
# the workflow bundle the worker loads, and the local infrastructure (scripts/infra.sh).
# Safe to run again; it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` from the lockfile: npm 11 here rejects `npm ci` for locks whose optional
  # platform packages (swc's, esbuild's) it did not record.
  echo "[bootstrap] npm install" >&2
  npm install --no-audit --no-fund >&2
fi
# Always: npm leaves only a placeholder client, and a stale one would not match the schema.
echo "[bootstrap] prisma generate" >&2
# generate reads no database, but Prisma insists the datasource's env var is set.
DATABASE_URL="${DATABASE_URL:-postgresql://unused@127.0.0.1/unused}" npx prisma generate >/dev/null
# Workers that tests start load it instead of bundling at start (src/worker/workflowBundle.ts).
echo "[bootstrap] workflow bundle" >&2
npx tsx scripts/build-workflow-bundle.ts --if-stale
bash scripts/infra.sh up
