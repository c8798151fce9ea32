#!/usr/bin/env bash
# populate.sh DEVICE FILES_DIR MODE CONFIG: run by make.sh inside a private
# mount namespace (unshare -m), so the mount dies with it even on a crash.
# Mounts DEVICE with the host kernel and writes the files as machined does
# (pkg/xfs WriteFile then Rename, controllers/config/persistence.go):
# <name>-tmp, mode 0600, renamed over <name>, so every write is a new inode.
#   MODE once:    config.yaml (CONFIG), node-identity.yaml, platform-network.yaml
#   MODE rewrite: every FILES_DIR/rev/*.yaml in turn as config.yaml, the other
#                 state files now and then, and one more name per revision in
#                 the root (a third of them removed again). Talos itself keeps
#                 ~5 names there; the extra ones push the root directory from
#                 short form to several blocks so the reader meets that too.
#   MODE list:    mounts read-only and prints "sha256 bytes /name" for every
#                 file in the root: what the kernel reads, for the manifest.
set -euo pipefail
dev="$1" files="$2" mode="$3" config="${4:-}"
mnt="$(mktemp -d)"
mount -t xfs -o "$([ "$mode" = list ] && echo ro || echo rw)" "$dev" "$mnt"
trap 'umount "$mnt"; rmdir "$mnt"' EXIT
umask 077

persist() { # persist NAME SOURCE
  cat "$2" >"$mnt/$1-tmp"
  mv -f "$mnt/$1-tmp" "$mnt/$1"
}

case "$mode" in
once)
  persist config.yaml "$config"
  persist node-identity.yaml "$files/node-identity.yaml"
  persist platform-network.yaml "$files/platform-network.yaml"
  ;;
rewrite)
  n=0
  for rev in "$files"/rev/*.yaml; do
    persist config.yaml "$rev"
    case $((n % 10)) in
    0) persist node-identity.yaml "$files/node-identity.yaml" ;;
    3) persist platform-network.yaml "$files/platform-network.yaml" ;;
    6) persist kubespan-identity.yaml "$files/kubespan-identity.yaml" ;;
    9) persist encryption-salt.yaml "$files/encryption-salt.yaml" ;;
    esac
    printf 'revision: %d\n' "$n" >"$mnt/extra-state-$(printf %04d "$n").yaml"
    if [ $((n % 3)) = 2 ]; then rm -f "$mnt/extra-state-$(printf %04d $((n - 1))).yaml"; fi
    # Let writeback allocate now and then, as a node that runs for a while does.
    if [ $((n % 10)) = 9 ]; then sync -f "$mnt"; fi
    n=$((n + 1))
  done
  ;;
list)
  for f in "$mnt"/*; do printf '%s %s /%s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "${f##*/}"; done
  exit 0
  ;;
*)
  echo "populate: unknown mode $mode" >&2
  exit 2
  ;;
esac
sync -f "$mnt"
