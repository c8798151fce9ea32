#!/usr/bin/env bash
# root.sh ARCH BUNDLE OUT [CACHE_DIR]
# The extension tree for one arch (OUT/manifest.yaml, OUT/rootfs/...): pinned
# node + Debian libraries + the bundle. Used by build.sh for each arch and by
# the Dockerfile for TARGETARCH, so both ways ship the same files.
set -euo pipefail
here="$(dirname "$0")"
. "$here/lib.sh"

arch="$1" bundle="$2" out="$3" cache="${4:-$REPO_DIR/out/cache}"
[ -f "$bundle" ] || die "bundle $bundle not found"
node="$("$here/fetch-node.sh" "$arch" "$cache")"
debroot="$("$here/fetch-debs.sh" "$arch" "$cache")"
"$here/assemble-root.sh" "$arch" "$node" "$debroot" "$bundle" "$out"
