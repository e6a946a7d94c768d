# Shared by the scripts in scripts/infra. Source it after setting NAME (log prefix), PID_FILE,
# ENV_FILE, LOG_FILE, START_TIMEOUT_S and PROCESS_PATTERN (a regex matching the server's
# command line).

log() { echo "$NAME: $*" >&2; }
die() { log "$*"; exit 1; }

require() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH${2:+ ($2)}"
}

running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  # Checking the command line guards against a recycled pid after a crash or reboot.
  [[ -n $pid ]] && ps -p "$pid" -o args= 2>/dev/null | grep -q "$PROCESS_PATTERN" && echo "$pid"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Polls "$@" every $1 seconds until it succeeds. Fails with the log tail if the server exits or
# START_TIMEOUT_S passes (stopping it then, so nothing is left behind).
wait_ready() {
  local interval=$1
  shift
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until "$@"; do
    if ! running_pid >/dev/null; then
      tail -n 40 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      die "exited during startup (log above)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$LOG_FILE" >&2
      cmd_stop
      die "did not answer within ${START_TIMEOUT_S}s (log above)"
    fi
    sleep "$interval"
  done
}

# TERM, wait up to $1 seconds, then KILL: never leave a server behind.
stop_running() {
  local pid timeout=$1
  if pid=$(running_pid); then
    log "stopping pid $pid"
    kill -TERM "$pid"
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        log "pid $pid did not stop within ${timeout}s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  else
    log "not running"
  fi
}

cmd_status() {
  local pid
  if pid=$(running_pid) && [[ -f $ENV_FILE ]]; then
    echo "running (pid $pid): $(head -n 1 "$ENV_FILE")"
  else
    echo "not running"
    return 3
  fi
}

dispatch() {
  case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
      echo "usage: $0 install|start|stop|status" >&2
      exit 2
      ;;
  esac
}
