#!/usr/bin/env bash
# build.sh — the extension image without Docker, for amd64 and arm64:
#   out/image/        OCI image layout (index.json -> multi-arch image index)
#   out/image.tar     the same layout as an OCI archive
#   out/image/sizes.json
# Same pins (versions.env), same bundle, same SOURCE_DATE_EPOCH => same digest.
# Env: AUTOBOOTSTRAP_BUNDLE (default: run `npm run build`, use
# dist/autobootstrap.js), IMAGE_ARCHES, IMAGE_OUT, IMAGE_CACHE, IMAGE_WORK,
# SOURCE_DATE_EPOCH (default 0), IMAGE_SYNC_MANIFEST=1 (rewrite manifest.yaml's
# version from package.json instead of failing on a mismatch).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
cd "$REPO_DIR"

started="$(date +%s)"
arches=(${IMAGE_ARCHES:-amd64 arm64})
out="${IMAGE_OUT:-$REPO_DIR/out/image}"
cache="${IMAGE_CACHE:-$REPO_DIR/out/cache}"
work="${IMAGE_WORK:-$REPO_DIR/out/image-work}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"

[ "$(id -u)" = 0 ] || die "run as root: it installs tools and adds the arm64 dpkg architecture"
"$here/ensure-tools.sh"

# The manifest's version is package.json's: one version per release.
if [ "${IMAGE_SYNC_MANIFEST:-0}" = 1 ]; then "$here/manifest-version.sh" --sync; else "$here/manifest-version.sh"; fi
version="$(node -p 'require("./package.json").version')"

bundle="${AUTOBOOTSTRAP_BUNDLE:-}"
if [ -z "$bundle" ]; then
  npm run --silent build
  bundle="$REPO_DIR/dist/autobootstrap.js"
fi
[ -f "$bundle" ] || die "bundle $bundle not found"

trees=()
for arch in "${arches[@]}"; do
  "$here/root.sh" "$arch" "$bundle" "$work/$arch" "$cache"
  trees+=("$arch=$work/$arch")
done
index="$("$here/oci-layout.sh" "$out" "$version" "${trees[@]}")"

# OCI archive: the layout's files, with the same determinism as the layers.
tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" -C "$out" -cf "$out.tar" oci-layout index.json blobs

# What the imager and containerd will do: resolve the index per platform.
skopeo inspect --raw "oci:$out" >/dev/null || die "skopeo cannot read oci:$out"
skopeo inspect --raw "oci-archive:$out.tar" >/dev/null || die "skopeo cannot read oci-archive:$out.tar"
for arch in "${arches[@]}"; do
  got="$(skopeo inspect --override-os linux --override-arch "$arch" "oci:$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Architecture))')"
  [ "$got" = "$arch" ] || die "skopeo resolved $arch to an image for '$got'"
done

node "$here/sizes.mjs" "$out" "$work" "${arches[@]}"
log "image index $index (oci:$out, oci-archive:$out.tar), built in $(($(date +%s) - started)) s"
