#!/usr/bin/env bash
# scripts/actionlint.sh [FILES...]: lints .github/workflows with actionlint, installed on first
# use with `go install` from the Go module proxy into a cache outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.7.12
BIN_DIR="${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}/bin/actionlint-$VERSION"
ACTIONLINT="$BIN_DIR/actionlint"

if [ ! -x "$ACTIONLINT" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "actionlint: not installed and no 'go' to install it with (needs Go 1.24+: GOBIN=$BIN_DIR go install github.com/rhysd/actionlint/cmd/actionlint@$VERSION)" >&2
    exit 2
  fi
  mkdir -p "$BIN_DIR"
  echo "installing actionlint $VERSION into $BIN_DIR" >&2
  GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >&2
fi
exec "$ACTIONLINT" -no-color -oneline "$@"
