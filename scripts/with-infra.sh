#!/usr/bin/env bash
# scripts/with-infra.sh CMD...: starts the real servers (infra/up.sh), runs CMD with their
# variables exported, and always stops them again (infra/down.sh) — on success, failure,
# Ctrl-C or TERM. Exits with CMD's exit code (128+signal when interrupted).
set -euo pipefail

if [ "$#" -eq 0 ]; then echo "usage: $0 CMD..." >&2; exit 2; fi
SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CHAT_INFRA_RUN="${CHAT_INFRA_RUN:-${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}/run}"

trap 'bash "$SCRIPTS_DIR/infra/down.sh"' EXIT

child=""
on_signal() {
  # The command runs in its own process group (set -m below), so the whole tree is stopped.
  if [ -n "$child" ]; then
    kill -TERM -- "-$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

bash "$SCRIPTS_DIR/infra/up.sh"
set -a
# shellcheck disable=SC1091
. "$CHAT_INFRA_RUN/infra.env"
set +a

# Run in the background and wait: bash defers traps until a foreground command ends, so a
# TERM would otherwise leave the servers running as long as the command does.
set -m
"$@" &
child=$!
set +e
wait "$child"
status=$?
exit "$status"
