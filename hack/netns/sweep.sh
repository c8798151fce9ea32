#!/usr/bin/env bash
# Removes what crashed test runs left behind: network namespaces, processes,
# device-mapper mappings, loop devices, mounts and temp dirs whose names carry
# a run id (abt-<6 hex>-…). A run whose owner process is still alive (see
# $TMPDIR/abt-runs/<id>) is left alone unless --all is given; nothing without
# our prefix is ever touched.
#   usage: sudo hack/netns/sweep.sh [--all] [--dry-run]
# Exit status: 0 nothing of a finished run was left; 3 something was (and,
# unless --dry-run, was removed: one "sweep:" line each); 1 or 2 on error.
# After the tests a 3 means a run did not clean up after itself.
set -euo pipefail

all=0 dry=0
for a in "$@"; do
  case "$a" in
    --all) all=1 ;;
    --dry-run) dry=1 ;;
    *) echo "usage: $0 [--all] [--dry-run]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "sweep: needs root" >&2; exit 1; }

. "$(dirname "$0")/../tmpdir.sh"
tmp="${TMPDIR:-/tmp}"
tmp="${tmp%/}"
runs="$tmp/abt-runs"
re='abt-[0-9a-f]{6}'

found=0
do_() { found=1; echo "sweep: $*"; [ "$dry" = 1 ] || "$@" || true; }

alive() { # alive <id>: its owner pid still runs with the recorded start time
  local f="$runs/$1" pid start now
  [ -r "$f" ] || return 1
  read -r pid start < "$f" || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  now=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
  [ "$now" = "$start" ]
}

stale() { # stale <name>: carries a run id whose run is not alive
  local id
  id=$(grep -oE "^$re" <<<"$1" | cut -c5-) || return 1
  [ -n "$id" ] || return 1
  [ "$all" = 1 ] && return 0
  ! alive "$id"
}

# 1. Processes: those inside our namespaces, and sandboxes (their root is a run-named dir).
if command -v ip >/dev/null; then
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$re-" || true); do
    stale "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do do_ kill -KILL "$pid"; done
  done
fi
for d in /proc/[0-9]*; do
  root=$(readlink "$d/root" 2>/dev/null) || continue
  case "$root" in "$tmp"/abt-*) ;; *) continue ;; esac
  name=${root#"$tmp"/}
  stale "$name" && do_ kill -KILL "${d#/proc/}"
done
sleep 0.2

# 2. Network namespaces.
if command -v ip >/dev/null; then
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$re-" || true); do
    stale "$ns" && do_ ip netns del "$ns"
  done
fi

# 3. Device-mapper mappings (names are global on the host).
if [ -d /dev/mapper ]; then
  for m in /dev/mapper/abt-*; do
    [ -e "$m" ] || continue
    stale "$(basename "$m")" && do_ cryptsetup close "$(basename "$m")"
  done
fi

# 4. Mounts on the host under our temp dirs (sandbox mounts live in their own namespaces; this is a safety net).
for mp in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^$tmp/$re-" | sort -r || true); do
  stale "${mp#"$tmp"/}" && do_ umount -l "$mp"
done

# 5. Loop devices whose backing file lies in one of our temp dirs.
for b in /sys/block/loop*/loop/backing_file; do
  [ -r "$b" ] || continue
  f=$(cat "$b" 2>/dev/null) || continue
  case "$f" in "$tmp"/abt-*) ;; *) continue ;; esac
  dev=/dev/$(basename "$(dirname "$(dirname "$b")")")
  stale "${f#"$tmp"/}" && do_ losetup -d "$dev"
done

# 6. Temp dirs and run markers.
for d in "$tmp"/abt-*; do
  [ -e "$d" ] || continue
  n=$(basename "$d")
  grep -qE "^$re(-|$)" <<<"$n" || continue
  stale "$n" && do_ rm -rf --one-file-system "$d"
done
if [ -d "$runs" ]; then
  for f in "$runs"/*; do
    [ -e "$f" ] || continue
    id=$(basename "$f")
    grep -qE '^[0-9a-f]{6}$' <<<"$id" || continue
    stale "abt-$id" && do_ rm -f "$f"
  done
fi
if [ "$found" = 1 ]; then
  if [ "$dry" = 1 ]; then echo "sweep: found leftovers of a finished run (listed above)" >&2
  else echo "sweep: removed leftovers of a finished run (listed above)" >&2; fi
  exit 3
fi
exit 0
