#!/usr/bin/env bash
# The inner loop: the whole shop on one machine with hot reload, the gateway's routes on :13000.
#   ./dev.sh up               Docker Compose (docker-compose.yml), source mounted, node --watch
#   ./dev.sh up --no-docker   local processes against testenv/'s servers (no Docker needed)
#   ./dev.sh down | logs [service] | status | reset | test [service]
# The commands are in dev/cli.ts; this wrapper only makes sure dependencies are installed.
set -euo pipefail
cd "$(dirname "$0")"

if [[ ! -d node_modules/.bin ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-fund --no-audit
fi
exec node --import tsx dev/cli.ts "$@"
