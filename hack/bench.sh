#!/usr/bin/env bash
# `npm run bench`: installs what it needs, builds the bundle, then measures
# (bench/main.ts) and prints one table; the rows, with their method and the
# machine, go to out/bench.json. docs/performance.md explains each row.
# As root it also uses network namespaces (dead hosts), loop devices and mount
# namespaces (the real bundle in the sandbox); without root those rows say so.
# Extra arguments go to bench/main.ts, e.g. `npm run bench -- --only 1,4`.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/tmpdir.sh
bash hack/ensure-deps.sh
# GNU time (%M: peak RSS of the agent) is not in every base image.
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends time >/dev/null
  else
    echo "bench: /usr/bin/time missing (Debian package 'time'); run as root or install it" >&2
  fi
fi
npx tsc -p bench/tsconfig.json --noEmit
npm run build --silent
exec npx tsx bench/main.ts "$@"
