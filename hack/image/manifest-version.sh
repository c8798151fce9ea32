#!/usr/bin/env bash
# manifest-version.sh [--sync] — manifest.yaml's metadata.version must be
# package.json's version (one version per release). Fails on a mismatch;
# with --sync it rewrites manifest.yaml instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version="$(node -p 'require(process.argv[1]).version' "$REPO_DIR/package.json")"
current="$(sed -n 's/^  version: *//p' "$REPO_DIR/manifest.yaml")"
[ "$current" = "$version" ] && exit 0
[ "${1-}" = --sync ] ||
  die "manifest.yaml metadata.version is '$current', package.json says '$version' (run with --sync, or IMAGE_SYNC_MANIFEST=1 build.sh)"
sed -i "s/^  version: .*/  version: $version/" "$REPO_DIR/manifest.yaml"
log "manifest.yaml: version $current -> $version"
