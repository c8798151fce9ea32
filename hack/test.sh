#!/usr/bin/env bash
# The README's test command: type-check, build the bundle the integration
# tests run, then every test (unit, simulator, integration on loopback, and
# as root the network-namespace and image suites).
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/tmpdir.sh
bash hack/ensure-deps.sh
npx tsc -p tsconfig.json --noEmit
npm run build --silent
npx vitest run "$@"
