#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine, and nothing
# when it is already there: npm packages, and (as root) the Debian tools the
# tests drive for real — mkfs.xfs, cryptsetup, ip, nft, iptables, unshare.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -L node_modules ]; then
  # A link to a shared install (a git worktree next to its main checkout):
  # npm ci would empty the shared directory through the link. Use it as is.
  [ -e node_modules/.package-lock.json ] || { echo "node_modules links to no install ($(readlink node_modules))" >&2; exit 1; }
  if [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "node_modules is a link to $(readlink node_modules); not reinstalling through it" >&2
  fi
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

need=()
command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
command -v xfs_io >/dev/null || need+=(xfsprogs)
command -v cryptsetup >/dev/null || need+=(cryptsetup-bin)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v iptables >/dev/null || need+=(iptables)
command -v unshare >/dev/null || need+=(util-linux)
command -v losetup >/dev/null || need+=(mount)
command -v jq >/dev/null || need+=(jq) # hack/status.sh and its test
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "missing Debian packages (${need[*]}); run as root or install them" >&2
  fi
fi
