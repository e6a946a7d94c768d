#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, no ZooKeeper) on 127.0.0.1 for integration tests, without
# Docker: the broker jars come from Maven Central (scripts/infra/kafka/pom.xml) and run on the
# machine's Java 17.
#
#   scripts/infra/kafka.sh install   fetch the broker jars into the cache (once)
#   scripts/infra/kafka.sh start     install if needed, start a fresh broker, wait until it answers,
#                                    write $CHAT_INFRA_RUN/kafka.env (CHAT_KAFKA_BROKERS=127.0.0.1:<port>)
#   scripts/infra/kafka.sh stop      stop the broker and delete its data
#   scripts/infra/kafka.sh status    print the broker address; exit 3 if not running
#   scripts/infra/kafka.sh suspend   stop the broker (controlled shutdown) but KEEP its config, data
#                                    and kafka.env: a broker outage for fault-injection tests
#   scripts/infra/kafka.sh resume    start a suspended broker again on the same ports with the same
#                                    data dir (KRaft metadata, topics, committed offsets survive)
#
# Environment:
#   CHAT_INFRA_CACHE  downloaded jars (default ~/.cache/chat-infra; kept outside the work tree)
#   CHAT_INFRA_RUN    pid, data, logs and kafka.env (default $CHAT_INFRA_CACHE/run)
#   KAFKA_PORT        client port (default: a free ephemeral port)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default: a free ephemeral port)
#
# Every subcommand is idempotent: start on a running broker only reports it, stop on a stopped
# one only cleans up.
set -euo pipefail

KAFKA_VERSION=3.9.1 # keep in step with kafka.version in kafka/pom.xml
START_TIMEOUT_S=60

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
CACHE=${CHAT_INFRA_CACHE:-$HOME/.cache/chat-infra}
RUN=${CHAT_INFRA_RUN:-$CACHE/run}
LIBS=$CACHE/kafka-$KAFKA_VERSION/libs
KDIR=$RUN/kafka
PID_FILE=$KDIR/kafka.pid
LOG_FILE=$KDIR/kafka.log
ENV_FILE=$RUN/kafka.env
NAME=kafka
PROCESS_PATTERN="kafka\.Kafka"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"




cmd_install() {
  # The marker is written last, so an interrupted download is never taken for a complete one.
  if [[ -f $LIBS/.complete ]]; then
    return 0
  fi
  require mvn "apt-get install maven"
  require java "a Java 17 runtime"
  log "fetching Kafka $KAFKA_VERSION from Maven Central into $LIBS"
  local tmp=$LIBS.partial
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # Maven output goes to stderr: stdout of this script stays clean for callers.
  (cd "$SCRIPT_DIR/kafka" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") >&2
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "download finished without kafka_2.13-$KAFKA_VERSION.jar"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  touch "$LIBS/.complete"
}

write_config() {
  local port=$1 cport=$2
  cat >"$KDIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KDIR/data
# One broker: internal topics cannot have more than one replica, or groups never start.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer offsets partitions make the first group coordinator lookup fast on a test broker.
offsets.topic.num.partitions=8
# Groups form at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics exist only through ensureTopics, with their declared partition counts.
auto.create.topics.enable=false
num.partitions=1
EOF
  cat >"$KDIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# Ready means a real client gets metadata back, not merely that the port accepts connections.
broker_answers() {
  (cd "$REPO_ROOT/packages/eventlog" && node --input-type=module -e '
    import { Kafka, logLevel } from "kafkajs";
    const admin = new Kafka({ brokers: [process.argv[1]], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try { await admin.connect(); await admin.listTopics(); process.exit(0); } catch { process.exit(1); }
  ' "$1") >/dev/null 2>&1
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    [[ -f $ENV_FILE ]] || die "broker pid $pid is running but $ENV_FILE is missing; run stop first"
    log "already running (pid $pid): $(<"$ENV_FILE")"
    return 0
  fi
  require java "a Java 17 runtime"
  require node
  [[ -d $REPO_ROOT/packages/eventlog/node_modules/kafkajs ]] || die "kafkajs is not installed; run pnpm install first"
  cmd_install

  local port=${KAFKA_PORT:-$(free_port)}
  local cport=${KAFKA_CONTROLLER_PORT:-$(free_port)}
  rm -rf "$KDIR" "$ENV_FILE"
  mkdir -p "$KDIR/data"
  write_config "$port" "$cport"

  local cp="$LIBS/*"
  local cluster_id
  cluster_id=$(java -cp "$cp" -Dlog4j.configuration="file:$KDIR/log4j.properties" kafka.tools.StorageTool random-uuid)
  java -cp "$cp" -Dlog4j.configuration="file:$KDIR/log4j.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KDIR/server.properties" >"$KDIR/format.log" 2>&1 ||
    { cat "$KDIR/format.log" >&2; die "formatting storage failed"; }

  log "starting on 127.0.0.1:$port (controller $cport), logs in $LOG_FILE"
  nohup java -Xmx512m -Xms256m -cp "$cp" \
    -Dlog4j.configuration="file:$KDIR/log4j.properties" \
    kafka.Kafka "$KDIR/server.properties" >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"

  wait_ready 1 broker_answers "127.0.0.1:$port"
  echo "CHAT_KAFKA_BROKERS=127.0.0.1:$port" >"$ENV_FILE"
  log "ready: $(<"$ENV_FILE") (also in $ENV_FILE)"
}

cmd_stop() {
  # A controlled shutdown takes a few seconds.
  stop_running 30
  rm -rf "$KDIR" "$ENV_FILE"
}

# The broker of a suspended run: config and data kept, no process.
cmd_suspend() {
  [[ -f $KDIR/server.properties ]] || die "no broker was started under $KDIR"
  stop_running 30
}

cmd_resume() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid)"
    return 0
  fi
  [[ -f $KDIR/server.properties && -f $ENV_FILE ]] || die "nothing to resume under $KDIR (start it first)"
  local address
  address=$(sed -n 's/^CHAT_KAFKA_BROKERS=//p' "$ENV_FILE")
  log "resuming on $address with the data in $KDIR/data"
  # Appended, so the log of the first run stays for a post-mortem.
  nohup java -Xmx512m -Xms256m -cp "$LIBS/*" \
    -Dlog4j.configuration="file:$KDIR/log4j.properties" \
    kafka.Kafka "$KDIR/server.properties" >>"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  wait_ready 0.5 broker_answers "$address"
  log "resumed: $address"
}

case "${1:-}" in
  suspend) cmd_suspend ;;
  resume) cmd_resume ;;
  *) dispatch "$@" ;;
esac
