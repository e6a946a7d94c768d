#!/usr/bin/env bash
# moto in server mode: an AWS-API-compatible server for SSM Parameter Store and Secrets Manager
# (the config sources of packages/config, ADR 0022), on 127.0.0.1, in memory.
#
#   scripts/infra/moto.sh install   python venv with moto[server] (once; cached outside the tree)
#   scripts/infra/moto.sh start     install if needed, start on a free port, wait until it answers,
#                                   write $CHAT_INFRA_RUN/moto.env (CHAT_INFRA_AWS_ENDPOINT=...)
#   scripts/infra/moto.sh stop      stop it (state is in memory and goes with it)
#   scripts/infra/moto.sh status    print the endpoint; exit 3 if not running
#
# Environment: CHAT_INFRA_CACHE (venv under moto-venv/), CHAT_INFRA_RUN, MOTO_PORT,
# MOTO_START_TIMEOUT (seconds, default 60).
# The variable is CHAT_INFRA_* so services never take it for configuration: tests pass it to the
# loader as CHAT_AWS_ENDPOINT explicitly.
set -euo pipefail

MOTO_VERSION=5.1.17
START_TIMEOUT_S=${MOTO_START_TIMEOUT:-60}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}
RUN=${CHAT_INFRA_RUN:-$CACHE/run}
VENV=$CACHE/moto-venv
PID_FILE=$RUN/moto.pid
LOG_FILE=$RUN/moto.log
ENV_FILE=$RUN/moto.env
NAME=moto
PROCESS_PATTERN=moto_server
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

cmd_install() {
  if [[ -x $VENV/bin/moto_server ]] && "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then return 0; fi
  require python3
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
    log "installing python3-venv with apt-get"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 ||
      { $sudo apt-get update -q >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2; }
  fi
  log "installing moto[server]==$MOTO_VERSION into $VENV"
  # A half-built venv fails the version check above, so it is rebuilt from scratch.
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" >&2
}

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/" 2>/dev/null; }

cmd_start() {
  cmd_install
  mkdir -p "$RUN"
  if running_pid >/dev/null && [[ -s $ENV_FILE ]]; then
    log "already running: $(cat "$ENV_FILE")"
    return 0
  fi
  cmd_stop
  local port=${MOTO_PORT:-$(free_port)}
  # setsid: own session, so a Ctrl-C in the calling shell reaches it only through stop.
  setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  wait_ready 0.2 answers "$port"
  echo "CHAT_INFRA_AWS_ENDPOINT=http://127.0.0.1:$port" >"$ENV_FILE"
  log "running on 127.0.0.1:$port (pid $(cat "$PID_FILE"))"
}

cmd_stop() {
  stop_running 10
  rm -f "$PID_FILE" "$ENV_FILE"
}

dispatch "$@"
