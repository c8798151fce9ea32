#!/usr/bin/env bash
# ensure-tools.sh — installs the Debian tools the image build uses, if missing:
# skopeo (checks the layout), binutils for both arches (readelf, strip),
# openssl (npm integrity). Runs as root; apt-get update only when needed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

missing=()
command -v skopeo >/dev/null || missing+=(skopeo)
command -v readelf >/dev/null || missing+=(binutils)
command -v openssl >/dev/null || missing+=(openssl)
command -v x86_64-linux-gnu-strip >/dev/null || missing+=(binutils-x86-64-linux-gnu)
command -v aarch64-linux-gnu-strip >/dev/null || missing+=(binutils-aarch64-linux-gnu)
command -v npm >/dev/null || die "npm is required (Node.js 20+)"

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
