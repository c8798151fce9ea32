#!/usr/bin/env bash
# make.sh: remakes test/fixtures/xfs/ (the STATE images the XFS reader is
# tested on) and its manifest.json. CI never runs it: the output is committed
# and the tests only decompress it. Run it only to remake the fixtures:
#   sudo hack/xfs-fixtures/make.sh
# Needs root, loop devices, Linux >= 6.12 (parent pointers), a Debian-like
# host (apt-get, dpkg-deb), jq, the repo's npm dependencies (files.ts runs
# with tsx) and network access to deb.debian.org. Took 3 minutes here.
#
# Why: real STATE partitions carry features Debian bookworm's mkfs.xfs 6.1
# cannot make. Talos formats STATE with `mkfs.xfs -n ftype=1 -c options=<conf>
# -f -L STATE --unsupported` (talos: pkg/makefs/xfs.go, >= 1.10; 1.8-1.9 pass
# `-m bigtime=1` and no config file), where <conf> is lts_6.12.conf on
# 1.10-1.12 and lts_6.18.conf from 1.13 on (pkg/machinery/imager/quirks).
# A 4Kn disk gives 4 KiB sectors (mkfs reads them from the device; here `-s`).
#
# Steps:
# 1. xfsprogs from Debian trixie (6.13, as in Talos 1.10) and sid (7.x; Talos
#    1.14 ships 7.1), with the libc and libraries of the same suite, through a
#    private apt configuration in a temp dir: /etc/apt is never touched, nothing
#    is installed, and the binaries run through their suite's own loader.
# 2. Four 100 MiB images (lts_6.12 by trixie, lts_6.18 by sid; 512 B and 4 KiB
#    sectors), written through the host kernel as machined writes (populate.sh),
#    and one lts_6.18 image whose config.yaml was rewritten REVISIONS times.
# 3. xfs_repair -n checks each image; gzip -9n compresses it (node:zlib reads it).
# 4. manifest.json: tool versions, mkfs arguments, superblock features, the
#    layout xfs_db sees, and the sha256 of the files the tests read back, as
#    the kernel reads them.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/test/fixtures/xfs"
TRIXIE_XFSPROGS="${TRIXIE_XFSPROGS:-6.13.0-2+deb13u1}"
SID_XFSPROGS="${SID_XFSPROGS:-7.2.0-1}"
REVISIONS="${REVISIONS:-200}"
SIZE=100M # STATE's size on Talos
LIBS=(libc6 liburcu8t64 libinih1 libblkid1 libuuid1 libedit2 libbsd0 libmd0 libtinfo6)

log() { printf '[xfs-fixtures] %s\n' "$*" >&2; }
die() { printf '[xfs-fixtures] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (loop devices, mount)"
case "$(dpkg --print-architecture)" in
amd64) TRIPLET=x86_64-linux-gnu LOADER=ld-linux-x86-64.so.2 ;;
arm64) TRIPLET=aarch64-linux-gnu LOADER=ld-linux-aarch64.so.1 ;;
*) die "unsupported architecture" ;;
esac

WORK="$(mktemp -d /tmp/xfs-fixtures.XXXXXX)"
LOOPS=()
cleanup() {
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# fetch SUITE XFSPROGS_VERSION: unpacks xfsprogs and its libraries into $WORK/root-SUITE.
fetch() {
  local suite="$1" version="$2" apt="$WORK/apt-$1"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$apt/prefs" "$WORK/debs-$suite"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$apt/sources.list"
  cat >"$apt/apt.conf" <<EOF
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "$apt/parts";
Dir::Etc::PreferencesParts "$apt/prefs";
Dir::State::Lists "$apt/lists";
Dir::Cache "$apt/cache";
APT::Sandbox::User "root";
EOF
  log "apt-get update ($suite, private lists in $apt)"
  APT_CONFIG="$apt/apt.conf" apt-get update -qq >/dev/null
  (cd "$WORK/debs-$suite" && APT_CONFIG="$apt/apt.conf" apt-get download -qq "xfsprogs=$version" "${LIBS[@]/%//$suite}") ||
    die "cannot download xfsprogs=$version from $suite (set ${suite^^}_XFSPROGS to a version on the mirror)"
  rm -rf "$apt" # the suite's index goes at once: nothing else ever sees it
  for deb in "$WORK/debs-$suite"/*.deb; do dpkg-deb -x "$deb" "$WORK/root-$suite"; done
}

# tool SUITE PROGRAM ARGS...: runs an xfsprogs program of SUITE with that suite's libc.
tool() {
  local root="$WORK/root-$1" lib="$WORK/root-$1/usr/lib/$TRIPLET"
  "$lib/$LOADER" --library-path "$lib" "$root/usr/sbin/$2" "${@:3}"
}

# debs_json SUITE: the packages used, for the manifest.
debs_json() {
  for deb in "$WORK/debs-$1"/*.deb; do
    jq -n --arg p "$(dpkg-deb -f "$deb" Package)" --arg v "$(dpkg-deb -f "$deb" Version)" \
      --arg s "$(sha256sum "$deb" | cut -d' ' -f1)" '{package: $p, version: $v, sha256: $s}'
  done | jq -s .
}

# kernel_run IMAGE SECTOR MODE [CONFIG]: populate.sh on a loop device of IMAGE, in its own mount namespace.
kernel_run() {
  local dev
  dev="$(losetup --find --show --sector-size "$2" "$1")"
  LOOPS+=("$dev")
  unshare -m --propagation private bash "$HERE/populate.sh" "$dev" "$WORK/files" "${@:3}" ||
    die "$1: the host kernel ($(uname -r)) could not mount or write this feature set"
  losetup -d "$dev"
}

# make_image NAME SUITE CONF SECTOR MODE CONFIG TALOS: one fixture, and its manifest entry in $WORK.
# CONFIG names a config of files.ts ("rewritten": its last revision).
make_image() {
  local name="$1" suite="$2" conf="$3" sector="$4" mode="$5" key="$6" talos="$7"
  local config="$WORK/files/$key.yaml"
  [ "$key" != rewritten ] || config="$(ls "$WORK/files/rev/"*.yaml | tail -n 1)"
  local img="$WORK/$name.img" args
  # Talos's arguments; the config file is read from the unpacked suite instead of /usr.
  args=(-n ftype=1 -c "options=/usr/share/xfsprogs/mkfs/$conf" -f -L STATE --unsupported)
  [ "$sector" = 512 ] || args+=(-s "size=$sector")
  log "$name: mkfs.xfs ${args[*]}"
  truncate -s "$SIZE" "$img"
  tool "$suite" mkfs.xfs -q "${args[@]/options=\/usr/options=$WORK/root-$suite/usr}" "$img"
  kernel_run "$img" "$sector" "$mode" "$config"
  tool "$suite" xfs_repair -n -f "$img" >/dev/null 2>&1 || die "$name: xfs_repair -n found damage"
  # Of the extra names only the first and the last go into the manifest.
  kernel_run "$img" "$sector" list | awk '$3 !~ /^\/extra-/ {print; next} {last = $0} !seen++ {print} END {if (seen > 1) print last}' \
    >"$WORK/list-$name"
  gzip -9 -n -c "$img" >"$OUT/$name.img.gz"

  field() { tool sid xfs_db -r -c "$1" -c "${3:-sb 0}" -c "p $2" "$img" | sed -n "s/^$2 = //p"; }
  jq -n --arg name "$name" --arg talos "$talos" --arg mkfs "$(tool "$suite" mkfs.xfs -V) (Debian $suite)" \
    --arg args "mkfs.xfs ${args[*]}" --argjson sector "$sector" --argjson gz "$(stat -c %s "$OUT/$name.img.gz")" \
    --arg sha "$(sha256sum "$img" | cut -d' ' -f1)" \
    --arg compat "$(field "sb 0" features_compat)" --arg ro "$(field "sb 0" features_ro_compat)" \
    --arg incompat "$(field "sb 0" features_incompat)" --arg logi "$(field "sb 0" features_log_incompat)" \
    --arg cfmt "$(field "path /config.yaml" core.format inode)" --arg cfork "$(field "path /config.yaml" core.forkoff inode)" \
    --arg rfmt "$(field "path /" core.format inode)" --arg rsize "$(field "path /" core.size inode)" \
    --rawfile list "$WORK/list-$name" --arg key "$key" --slurpfile fp "$WORK/files/fingerprints.json" \
    '{name: $name, talos: $talos, config: $key, caFingerprint: $fp[0][$key], mkfs: $mkfs, args: $args, sectorSize: $sector, gzipBytes: $gz, imageSha256: $sha,
      features: {compat: $compat, roCompat: $ro, incompat: $incompat, logIncompat: $logi},
      layout: {config: ($cfmt + ", forkoff " + $cfork), root: ($rfmt + ", " + $rsize + " bytes")},
      files: ($list | split("\n") | map(select(length > 0) | split(" ") | {path: .[2], bytes: (.[1] | tonumber), sha256: .[0]}))}' \
    >"$WORK/entry-$name.json"
  rm -f "$img"
}

mkdir -p "$OUT"
fetch trixie "$TRIXIE_XFSPROGS"
fetch sid "$SID_XFSPROGS"
log "config files ($REVISIONS revisions)"
(cd "$REPO" && npx tsx hack/xfs-fixtures/files.ts "$WORK/files" "$REVISIONS")

make_image lts612-512 trixie lts_6.12.conf 512 once cp-ed25519 "1.10-1.12"
make_image lts612-4k trixie lts_6.12.conf 4096 once worker-ed25519 "1.10-1.12, 4Kn disk"
make_image lts618-512 sid lts_6.18.conf 512 once cp-ecdsa ">= 1.13"
make_image lts618-4k sid lts_6.18.conf 4096 once cp-rsa ">= 1.13, 4Kn disk"
make_image lts618-rewritten sid lts_6.18.conf 512 rewrite rewritten ">= 1.13, config rewritten $REVISIONS times"

entries=()
for e in "$WORK"/entry-*.json; do entries+=("$(jq -c . "$e")"); done
jq -n --arg kernel "$(uname -r)" --argjson trixie "$(debs_json trixie)" --argjson sid "$(debs_json sid)" \
  '{madeBy: "hack/xfs-fixtures/make.sh", kernel: $kernel, debs: {trixie: $trixie, sid: $sid}, images: $ARGS.positional}' \
  --jsonargs "${entries[@]}" >"$OUT/manifest.json"
log "wrote $(ls "$OUT" | wc -l) files to $OUT"
