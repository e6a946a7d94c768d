#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, no ZooKeeper) on 127.0.0.1 for integration tests, without
# Docker: the broker jars come from Maven Central (scripts/infra/kafka/pom.xml) and run on the
# machine's Java 17.
#
#   scripts/infra/kafka.sh install   fetch the broker jars into the cache (once)
#   scripts/infra/kafka.sh start     install if needed, start a fresh broker, wait until it answers,
#                                    write $CHAT_INFRA_RUN/kafka.env (CHAT_KAFKA_BROKERS=127.0.0.1:<port>,
#                                    and the SASL_SSL listener's CHAT_INFRA_KAFKA_SASL_SSL_* variables)
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
#   KAFKA_SASL_SSL_PORT    SASL_SSL (TLS + SCRAM-SHA-512) client port (default: a free ephemeral port)
#   KAFKA_JAVA_OPTS        JVM flags of the broker (default: see KAFKA_JAVA_OPTS below)
#
# Besides PLAINTEXT the broker has a SASL_SSL listener like a production cluster: a certificate
# signed by a CA made for the run (openssl, in $CHAT_INFRA_RUN/kafka/tls) and one SCRAM-SHA-512
# user created at format time. Its variables are CHAT_INFRA_*, not CHAT_KAFKA_*, because services
# reject unknown CHAT_* variables and must keep using the PLAINTEXT listener.
#
# Every subcommand is idempotent: start on a running broker only reports it, stop on a stopped
# one only cleans up.
set -euo pipefail

KAFKA_VERSION=3.9.1 # keep in step with kafka.version in kafka/pom.xml
START_TIMEOUT_S=60
# A test/bench broker on a 2-core machine it shares with everything else: C1 only (C2's
# compilations cost more CPU in a run of minutes than they save at a few thousand records/s)
# and the serial collector (no concurrent GC threads competing for the cores). KAFKA_JAVA_OPTS
# overrides it. The one-shot tools (storage format) start faster with C1 too.
KAFKA_JAVA_OPTS=${KAFKA_JAVA_OPTS:--Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}
TOOL_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

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

SASL_USER=chat
# A fresh password per run; only this run's tests know it.
new_sasl_password() { openssl rand -hex 16; }

# A CA and a broker certificate for 127.0.0.1 (IP SAN, so clients verify the hostname), and the
# broker's PKCS12 keystore.
make_tls() {
  local dir=$KDIR/tls pass=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=chat-test-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/broker.key" -out "$dir/broker.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$dir/broker.ext"
  openssl x509 -req -in "$dir/broker.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/broker.ext" -out "$dir/broker.pem" >/dev/null 2>&1
  openssl pkcs12 -export -in "$dir/broker.pem" -inkey "$dir/broker.key" -certfile "$dir/ca.pem" \
    -name broker -passout "pass:$pass" -out "$dir/broker.p12"
}

write_config() {
  local port=$1 cport=$2 sport=$3 kspass=$4
  cat >"$KDIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_SSL://127.0.0.1:$sport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
# TLS + SCRAM-SHA-512 on the SASL_SSL listener (the user is created by StorageTool --add-scram).
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KDIR/tls/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$kspass
listener.name.sasl_ssl.ssl.key.password=$kspass
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
  local sport=${KAFKA_SASL_SSL_PORT:-$(free_port)}
  require openssl
  rm -rf "$KDIR" "$ENV_FILE"
  mkdir -p "$KDIR/data"
  local kspass sasl_password
  kspass=$(new_sasl_password)
  sasl_password=$(new_sasl_password)
  make_tls "$kspass"
  write_config "$port" "$cport" "$sport" "$kspass"

  local cp="$LIBS/*"
  local cluster_id
  # shellcheck disable=SC2086
  cluster_id=$(java $TOOL_JAVA_OPTS -cp "$cp" -Dlog4j.configuration="file:$KDIR/log4j.properties" kafka.tools.StorageTool random-uuid)
  # shellcheck disable=SC2086
  java $TOOL_JAVA_OPTS -cp "$cp" -Dlog4j.configuration="file:$KDIR/log4j.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$KDIR/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$sasl_password]" >"$KDIR/format.log" 2>&1 ||
    { cat "$KDIR/format.log" >&2; die "formatting storage failed"; }

  log "starting on 127.0.0.1:$port (controller $cport), logs in $LOG_FILE"
  # shellcheck disable=SC2086 # word splitting of the flags is wanted
  nohup java $KAFKA_JAVA_OPTS -cp "$cp" \
    -Dlog4j.configuration="file:$KDIR/log4j.properties" \
    kafka.Kafka "$KDIR/server.properties" >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"

  wait_ready 1 broker_answers "127.0.0.1:$port"
  {
    echo "CHAT_KAFKA_BROKERS=127.0.0.1:$port"
    echo "CHAT_INFRA_KAFKA_SASL_SSL_BROKERS=127.0.0.1:$sport"
    echo "CHAT_INFRA_KAFKA_SASL_USERNAME=$SASL_USER"
    echo "CHAT_INFRA_KAFKA_SASL_PASSWORD=$sasl_password"
    echo "CHAT_INFRA_KAFKA_CA_FILE=$KDIR/tls/ca.pem"
  } >"$ENV_FILE"
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
  # shellcheck disable=SC2086 # word splitting of the flags is wanted
  nohup java $KAFKA_JAVA_OPTS -cp "$LIBS/*" \
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
