#!/usr/bin/env bash
# Starts the real servers for the distributed mode and the integration suites — Redis,
# DynamoDB Local, Kafka, moto (SSM + Secrets Manager) — on loopback, and writes their
# variables to ${CHAT_INFRA_RUN}/infra.env.
# All or nothing: if one fails to start, the ones already started are stopped again.
set -euo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${CHAT_INFRA_RUN:-${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}/run}"
COMPONENTS=(redis dynamodb kafka moto)

mkdir -p "$RUN_DIR"
rm -f "$RUN_DIR/infra.env"
for name in "${COMPONENTS[@]}"; do
  if ! bash "$INFRA_DIR/$name.sh" start; then
    echo "[infra] $name failed to start; stopping everything" >&2
    bash "$INFRA_DIR/down.sh"
    exit 1
  fi
done

# Written to a temporary file first so a reader never sees a partial infra.env.
for name in "${COMPONENTS[@]}"; do cat "$RUN_DIR/$name.env"; done >"$RUN_DIR/infra.env.tmp"
mv "$RUN_DIR/infra.env.tmp" "$RUN_DIR/infra.env"
echo "[infra] up; variables in $RUN_DIR/infra.env:" >&2
cat "$RUN_DIR/infra.env" >&2
