# syntax=docker/dockerfile:1
# The autobootstrap system extension, built with Docker:
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/autobootstrap:VERSION --push .
# hack/image/build.sh builds the same files without Docker. Both assemble the
# container root with hack/image/root.sh from the pins in hack/image/versions.env
# (Node.js 24 LTS from the npm registry, Debian bookworm libraries), so the two
# ways differ only in how the layer tarball is written (so in digest, not content).

# Every stage but the last runs on the build machine: nothing is emulated.
# The node image's own version does not reach the extension.
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS bundle
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY hack/build.mjs hack/build.mjs
COPY src src
RUN npm run build && node dist/autobootstrap.js --version

# node for TARGETARCH + exactly the libraries in its DT_NEEDED closure,
# laid out as Talos expects (/manifest.yaml, /rootfs/usr/local/...).
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS root
ARG TARGETARCH
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      binutils binutils-x86-64-linux-gnu binutils-aarch64-linux-gnu openssl ca-certificates
WORKDIR /src
COPY hack/image hack/image
COPY package.json manifest.yaml ./
COPY extension extension
COPY --from=bundle /src/dist/autobootstrap.js dist/autobootstrap.js
RUN bash hack/image/manifest-version.sh \
 && bash hack/image/root.sh "$TARGETARCH" dist/autobootstrap.js /extension /cache

# An extension image holds only /manifest.yaml and /rootfs.
FROM scratch
COPY --from=root /extension/ /
