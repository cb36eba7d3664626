#!/usr/bin/env bash
# Runs every workspace's mocha suites, fast unit specs first, then the integration specs
# against real Postgres and NATS, and ends with one line: "N passed, M failed".
# A suite that crashes before mocha reports counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
results="$PWD/.test-results"
rm -rf "$results" && mkdir -p "$results"
export TEST_RESULTS_DIR="$results"
# after `make dev` started its own Postgres and NATS in Docker, the tests use them where the defaults do not answer
eval "$(node scripts/dev-infra.mjs test-env)"
workspaces=(shared stock-service order-service payment-service notification-service analytics-service console migrator system-tests)
crashed=()
for phase in unit integration; do
  for ws in "${workspaces[@]}"; do
    [ -d "$ws/test/$phase" ] || continue
    echo "=== $ws: $phase"
    before=$(ls "$results" | wc -l)
    (cd "$ws" && TEST_SUITE_NAME="$ws-$phase" npx --no-install mocha "test/$phase/**/*.test.ts")
    status=$?
    after=$(ls "$results" | wc -l)
    if [ "$status" -ne 0 ] && [ "$after" -eq "$before" ]; then
      echo "!!! $ws $phase crashed before reporting (exit $status)"
      crashed+=("$ws-$phase (exit $status)")
    fi
  done
done
node -e '
  const fs = require("fs"), path = require("path"), dir = process.argv[1];
  const crashed = process.argv.slice(2);
  let passed = 0, failed = crashed.length, skipped = 0;
  for (const suite of crashed) console.log(`FAILED ${suite}: crashed before mocha reported`);
  for (const f of fs.readdirSync(dir).sort()) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    passed += r.passes; failed += r.failures; skipped += r.pending;
    for (const t of r.failed || []) console.log(`FAILED ${r.suite}: ${t.title}\n  ${t.error}`);
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
' "$results" ${crashed[@]+"${crashed[@]}"}
