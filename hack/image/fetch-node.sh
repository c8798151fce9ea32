#!/usr/bin/env bash
# fetch-node.sh ARCH CACHE_DIR -> prints the path of node's binary for ARCH.
# Node comes from the npm registry (node-linux-<arch>, official release
# binary at package/bin/node): the registry is reachable where nodejs.org is
# not, and npm checks the tarball against the registry's integrity. We check
# it again against the pin in versions.env and cache the tarball.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch="$1" cache="$2"
pkg="node-linux-$(npm_arch "$arch")"
want="$(var_of "NODE_INTEGRITY_${arch^^}")"
[ -n "$want" ] || die "no NODE_INTEGRITY_${arch^^} in versions.env"
tgz="$cache/npm/$pkg-$NODE_VERSION.tgz"
out="$cache/node/$NODE_VERSION/$arch/node"

integrity() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

if [ ! -f "$tgz" ] || [ "$(integrity "$tgz")" != "$want" ]; then
  log "downloading $pkg@$NODE_VERSION"
  mkdir -p "$cache/npm"
  rm -f "$tgz"
  (cd "$cache/npm" && npm pack "$pkg@$NODE_VERSION" --silent --loglevel=error >/dev/null)
fi
got="$(integrity "$tgz")"
[ "$got" = "$want" ] || die "$tgz: integrity $got, pinned $want"

if [ ! -x "$out" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$tgz" -C "$tmp" package/bin/node
  mkdir -p "$(dirname "$out")"
  mv "$tmp/package/bin/node" "$out"
fi
echo "$out"
