#!/usr/bin/env bash
# Local Redis for integration tests and the distributed mode: loopback only, no persistence.
#
#   scripts/infra/redis.sh install|start|stop|status
#
# start writes ${CHAT_INFRA_RUN}/redis.env (CHAT_REDIS_URL=...) for up.sh / with-infra.sh.
# REDIS_PORT picks the port (default: a free one); REDIS_START_TIMEOUT the health wait in seconds.
#
#   scripts/infra/redis.sh restart      stop and start again on the SAME port; Redis runs without
#                                       persistence, so every key is lost (as a failed-over cache).
set -euo pipefail

RUN_DIR="${CHAT_INFRA_RUN:-${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}/run}"
PID_FILE="$RUN_DIR/redis.pid"
LOG_FILE="$RUN_DIR/redis.log"
ENV_FILE="$RUN_DIR/redis.env"
PORT_FILE="$RUN_DIR/redis.port"
START_TIMEOUT="${REDIS_START_TIMEOUT:-20}"

log() { echo "[redis] $*" >&2; }

install_redis() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return 0; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  local apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server)
  log "installing redis-server with apt-get"
  # The package lists may be missing or stale on a fresh machine; refresh them only if needed.
  if ! "${apt[@]}" >&2; then
    $sudo apt-get update -q >&2
    "${apt[@]}" >&2
  fi
}

# Checking the command line guards against a pid recycled after a crash or reboot.
pid_alive() { [ -s "$PID_FILE" ] && ps -p "$(cat "$PID_FILE")" -o args= 2>/dev/null | grep -q redis-server; }

ping_ok() { [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

cleanup_files() { rm -f "$PID_FILE" "$ENV_FILE" "$PORT_FILE"; }

start() {
  install_redis
  mkdir -p "$RUN_DIR"
  if pid_alive && [ -s "$PORT_FILE" ] && ping_ok "$(cat "$PORT_FILE")"; then
    log "already running on port $(cat "$PORT_FILE") (pid $(cat "$PID_FILE"))"
    return 0
  fi
  # Leftovers of a crashed or half-started instance: stop it so the new one owns the files.
  stop_redis
  local port="${REDIS_PORT:-$(free_port)}"
  : >"$LOG_FILE"
  redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
    --save '' --appendonly no --dir "$RUN_DIR" \
    --daemonize yes --pidfile "$PID_FILE" --logfile "$LOG_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until ping_ok "$port" && [ -s "$PID_FILE" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "did not answer PING on 127.0.0.1:$port within ${START_TIMEOUT}s; log tail:"
      tail -n 30 "$LOG_FILE" >&2 || true
      stop_redis
      return 1
    fi
    sleep 0.1
  done
  echo "$port" >"$PORT_FILE"
  echo "CHAT_REDIS_URL=redis://127.0.0.1:$port" >"$ENV_FILE"
  log "running on 127.0.0.1:$port (pid $(cat "$PID_FILE")); env in $ENV_FILE"
}

# Never fails when nothing is running: stop must be safe to call from traps and retries.
stop_redis() {
  # Redis deletes its pid file while shutting down, so remember the pid to wait for the exit.
  local pid=""
  if pid_alive; then pid="$(cat "$PID_FILE")"; fi
  if [ -s "$PORT_FILE" ] && command -v redis-cli >/dev/null; then
    redis-cli -h 127.0.0.1 -p "$(cat "$PORT_FILE")" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [ -n "$pid" ]; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  cleanup_files
}

status() {
  if pid_alive && [ -s "$PORT_FILE" ] && ping_ok "$(cat "$PORT_FILE")"; then
    echo "redis: running on 127.0.0.1:$(cat "$PORT_FILE") (pid $(cat "$PID_FILE"))"
  else
    echo "redis: stopped"
    return 3
  fi
}

case "${1:-}" in
  install) install_redis ;;
  start) start ;;
  stop) stop_redis; log "stopped" ;;
  status) status ;;
  restart)
    [ -s "$PORT_FILE" ] || { log "not running; nothing to restart"; exit 1; }
    port="$(cat "$PORT_FILE")"
    stop_redis
    REDIS_PORT="$port" start
    ;;
  *) echo "usage: $0 install|start|stop|status|restart" >&2; exit 2 ;;
esac
