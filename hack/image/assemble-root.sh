#!/usr/bin/env bash
# assemble-root.sh ARCH NODE DEBROOT BUNDLE OUT
# Lays out the extension as Talos unpacks it: OUT/manifest.yaml and
# OUT/rootfs/usr/local/{etc/containers/autobootstrap.yaml,lib/containers/autobootstrap/}.
# The container root holds node (stripped), its program interpreter at the
# path node's PT_INTERP names, and exactly the DT_NEEDED closure of node,
# found with readelf in the unpacked Debian packages: the container sees no
# host library.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch="$1" node="$2" debroot="$3" bundle="$4" out="$5"
triplet="$(gnu_triplet "$arch")"
ctr="$out/rootfs/usr/local/lib/containers/autobootstrap"
# Debian's loader searches these two directories by default (no ld.so.cache
# in the container); keep the libraries where it looks.
libdir="lib/$triplet"
search=("$debroot/lib/$triplet" "$debroot/usr/lib/$triplet")

umask 022
rm -rf "$out"
install -D -m 0644 "$REPO_DIR/manifest.yaml" "$out/manifest.yaml"
install -D -m 0644 "$REPO_DIR/extension/autobootstrap.yaml" "$out/rootfs/usr/local/etc/containers/autobootstrap.yaml"
install -D -m 0644 "$bundle" "$ctr/usr/lib/autobootstrap/autobootstrap.js"

# Official node binaries carry .symtab and DWARF (~17 MB); exported dynamic
# symbols (.dynsym, used by native addons) survive --strip-all.
install -D -m 0755 "$node" "$ctr/usr/bin/node"
"$triplet-strip" --strip-all "$ctr/usr/bin/node"

check_machine() {
  local m
  m="$(readelf -hW "$1" | sed -n 's/^ *Machine: *//p')"
  [ "$m" = "$(elf_machine "$arch")" ] || die "$1 is for '$m', not $arch"
}
check_machine "$ctr/usr/bin/node"

interp="$(readelf -lW "$ctr/usr/bin/node" | sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')"
[ -n "$interp" ] || die "node has no PT_INTERP (static build?)"

needed() { readelf -dW "$1" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]$/\1/p'; }

# find_lib NAME -> the real file behind NAME in the Debian tree.
find_lib() {
  local d
  for d in "${search[@]}"; do
    if [ -e "$d/$1" ]; then readlink -f "$d/$1"; return; fi
  done
  die "$1 (needed by node's closure) is in none of the pinned packages"
}

# Breadth-first over DT_NEEDED, starting from node and its interpreter.
declare -A seen=()
queue=("$(basename "$interp")")
for n in $(needed "$ctr/usr/bin/node"); do queue+=("$n"); done
while [ "${#queue[@]}" -gt 0 ]; do
  name="${queue[0]}"
  queue=("${queue[@]:1}")
  [ -n "${seen[$name]-}" ] && continue
  seen[$name]=1
  src="$(find_lib "$name")"
  mode=0644
  [ "$name" = "$(basename "$interp")" ] && mode=0755 # the kernel maps it with exec permission
  install -D -m "$mode" "$src" "$ctr/$libdir/$name"
  check_machine "$ctr/$libdir/$name"
  for n in $(needed "$src"); do queue+=("$n"); done
done

# The interpreter where node asks for it, as Debian has it: a relative
# symlink into the multiarch directory (/lib64/... on amd64, /lib/... on arm64).
interp_dir="$(dirname "$interp")"
mkdir -p "$ctr$interp_dir"
ln -sfn "$(realpath -m --relative-to="$interp_dir" "/$libdir/$(basename "$interp")")" "$ctr$interp"

# The service's entrypoint must exist, or Talos fails only at start time.
entry="$(sed -n 's/^  entrypoint: *//p' "$REPO_DIR/extension/autobootstrap.yaml")"
[ -x "$ctr$entry" ] || die "entrypoint $entry is not an executable in the container root"

find "$out" -type d -exec chmod 0755 {} +
log "$arch root: $(printf '%s ' "${!seen[@]}" | tr ' ' '\n' | sort | tr '\n' ' ')"
