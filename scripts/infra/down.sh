#!/usr/bin/env bash
# Stops everything up.sh starts, in reverse order. Never fails: it runs from traps and after
# partial starts, when some servers may already be stopped or were never started.
set -uo pipefail

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${CHAT_INFRA_RUN:-${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}/run}"

for name in moto kafka dynamodb redis; do
  bash "$INFRA_DIR/$name.sh" stop || echo "[infra] stopping $name failed; continuing" >&2
done
rm -f "$RUN_DIR/infra.env"
exit 0
