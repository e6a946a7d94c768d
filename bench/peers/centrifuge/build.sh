#!/usr/bin/env bash
# Builds the Centrifuge peer from the Go module proxy and prints the binary's path. The binary and
# the module downloads live outside the work tree (CHAT_BENCH_CACHE, default ~/.cache/chat-bench),
# keyed by the sources' hash, so repeated bench runs skip the build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${CHAT_BENCH_CACHE:-$HOME/.cache/chat-bench}"
command -v go >/dev/null || { echo "centrifuge peer: Go is not installed (https://go.dev/dl/)" >&2; exit 3; }
key="$(cat "$here/main.go" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
bin="$cache/centrifuge-peer-$key"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  (cd "$here" && GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" . >&2)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
