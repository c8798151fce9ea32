#!/usr/bin/env bash
# `npm run demo`: installs what it needs, builds the bundle, runs the demo.
# Root is needed, as on Talos: each agent gets its own mount namespace with
# Talos's fixed paths and a loop device holding its STATE partition.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/tmpdir.sh
bash hack/ensure-deps.sh
npm run build --silent
if [ "$(id -u)" != 0 ]; then
  echo "the demo needs root (loop devices, mount namespaces); run it with sudo" >&2
  exit 1
fi
exec npx tsx hack/demo.ts
