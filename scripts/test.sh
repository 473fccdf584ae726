#!/usr/bin/env bash
# Every test of the project: installs dependencies and brings the test environment up when
# needed, then runs each test file. `--unit` skips the test environment (no servers).
# Extra arguments filter test files by path, e.g. `npm test -- testenv/`.
set -euo pipefail
cd "$(dirname "$0")/.."

unit_only=false
filters=()
for arg in "$@"; do
  case $arg in
    --unit) unit_only=true ;;
    *) filters+=("$arg") ;;
  esac
done

if [[ ! -d node_modules/.bin ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-fund --no-audit
fi
if ! $unit_only; then
  testenv/up
fi
exec node --import tsx scripts/run-tests.ts "${filters[@]}"
