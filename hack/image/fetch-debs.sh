#!/usr/bin/env bash
# fetch-debs.sh ARCH CACHE_DIR -> prints a directory holding the unpacked
# Debian packages (libc6, libstdc++6, libgcc-s1) for ARCH, at the versions
# pinned in versions.env. apt verifies the signed index; we also check each
# .deb's sha256 against the pin. Downloads are cached under CACHE_DIR/debs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch="$1" cache="$2"
debs="$cache/debs/$arch"
root="$cache/debs-root/$arch"
mkdir -p "$debs"

# package name | version variable | sha256 variable stem
PKGS=(
  "libc6|LIBC6_VERSION|libc6"
  "libstdc++6|LIBSTDCXX6_VERSION|libstdcxx6"
  "libgcc-s1|LIBGCC_S1_VERSION|libgcc_s1"
)

apt_ready=0
# Foreign-arch indexes are needed only when something is not cached yet.
prepare_apt() {
  [ "$apt_ready" = 1 ] && return
  if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    dpkg --add-architecture "$arch"
  fi
  log "apt-get update (for $arch packages)"
  apt-get update -qq >/dev/null
  apt_ready=1
}

for entry in "${PKGS[@]}"; do
  IFS='|' read -r name vervar shavar <<<"$entry"
  version="$(var_of "$vervar")"
  want="$(var_of "DEB_SHA256_${shavar}_${arch}")"
  [ -n "$version" ] && [ -n "$want" ] || die "versions.env lacks $vervar or DEB_SHA256_${shavar}_${arch}"
  file="$debs/${name}_${version//:/%3a}_${arch}.deb"
  if [ ! -f "$file" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$want" ]; then
    rm -f "$file"
    (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$name:$arch=$version" 2>/dev/null) || {
      prepare_apt
      (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$name:$arch=$version") ||
        die "cannot download $name:$arch=$version (pinned in versions.env; is it still on the mirror?)"
    }
  fi
  got="$(sha256sum "$file" | cut -d' ' -f1)"
  [ "$got" = "$want" ] || die "$file: sha256 $got, pinned $want"
done

# Unpack afresh each run (a second of work) so the tree always matches the pins.
rm -rf "$root"
mkdir -p "$root"
for entry in "${PKGS[@]}"; do
  IFS='|' read -r name vervar _ <<<"$entry"
  dpkg -x "$debs/${name}_$(var_of "$vervar" | sed 's/:/%3a/g')_${arch}.deb" "$root"
done
echo "$root"
