#!/bin/sh
# deploy/build.sh OUT builds the release binary of ipmatch at OUT: static
# (no cgo: the embedded store is pure Go), with paths trimmed and symbols
# stripped, its version from IPMATCH_VERSION or git. The Dockerfile and
# .ci/run both call it, so the image's build flags live here alone.
set -eu
cd "$(dirname "$0")/.."
out=${1:?usage: deploy/build.sh OUT}
version=${IPMATCH_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
CGO_ENABLED=0 exec go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/ipmatch
