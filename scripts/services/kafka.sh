#!/usr/bin/env bash
# Local single-node Apache Kafka 4.x broker (KRaft, broker+controller in one JVM) for tests and `npm start`.
#
#   scripts/services/kafka.sh up       fetch the jars (once), format the log dir (once), start, wait until ready
#   scripts/services/kafka.sh down     stop the broker started by `up` (SIGTERM, then SIGKILL after 30 s)
#   scripts/services/kafka.sh status   print up/down (exit 0 when up, 1 when down)
#
# Everything lives under the ignored folder .cache/kafka/: lib/ (jars from Maven Central), data/ (KRaft
# log dir, kept across restarts), logs/server.log (broker log), logs/maven.log (the fetch), kafka.pid,
# server.properties.
# Environment: KAFKA_VERSION (default 4.1.1), KAFKA_HEAP_OPTS (default -Xms256m -Xmx1g),
# KAFKA_READY_TIMEOUT seconds (default 90).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
conf_dir="$here/kafka"

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
host=127.0.0.1
port=9092
controller_port=9093

cache="$root/.cache/kafka"
lib="$cache/lib"
data="$cache/data"
logs="$cache/logs"
pid_file="$cache/kafka.pid"
props="$cache/server.properties"
marker="$lib/.fetched-kafka_2.13-$KAFKA_VERSION"

label=kafka
source "$root/scripts/setup/progress.sh"

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "kafka: '$1' is required but not found on PATH ($2)" >&2
    exit 127
  }
}

# True when something accepts TCP connections on host:port.
port_open() {
  (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null
}

# The pid from the pid file when that process is alive and is our broker; empty otherwise.
running_pid() {
  [[ -f "$pid_file" ]] || return 0
  local pid
  pid="$(tr -dc '0-9' <"$pid_file")"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka'; then
    echo "$pid"
  fi
}

# A real Kafka metadata round trip (kafkajs admin.listTopics) when node and kafkajs are available;
# otherwise the broker's own "started" log line. Returns 0 when the broker serves requests.
broker_answers() {
  port_open "$port" || return 1
  if command -v node >/dev/null 2>&1 && [[ -d "$root/node_modules/kafkajs" ]]; then
    (cd "$root" && timeout 20 node -e "
      const { Kafka, logLevel } = require('kafkajs');
      const admin = new Kafka({ clientId: 'kafka-sh', brokers: ['$host:$port'], logLevel: logLevel.NOTHING,
        connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 } }).admin();
      admin.connect().then(() => admin.listTopics()).then(
        () => admin.disconnect().then(() => process.exit(0)),
        () => process.exit(1));
    " >/dev/null 2>&1)
  else
    grep -q 'Kafka Server started' "$logs/server.log" 2>/dev/null
  fi
}

print_log_tail() {
  echo "---- $logs/server.log (last 60 lines) ----" >&2
  tail -n 60 "$logs/server.log" >&2 2>/dev/null || true
  if [[ -s "$logs/stdout.log" ]]; then
    echo "---- $logs/stdout.log (last 30 lines) ----" >&2
    tail -n 30 "$logs/stdout.log" >&2 || true
  fi
}

# The jars must be exactly those of kafka/jars-<version>.sha256 (a checksum from the repository itself, as
# -C checks, guards against a broken download, not against a changed artifact). Another KAFKA_VERSION has
# no list: its jars are used unpinned, with a note. To pin a version, write its list from a fetch you trust:
#   (cd .cache/kafka/lib && sha256sum *.jar) >scripts/services/kafka/jars-$KAFKA_VERSION.sha256
verify_jars() {
  local dir="$1" list="$conf_dir/jars-$KAFKA_VERSION.sha256"
  if [[ ! -f "$list" ]]; then
    step_end "done, not checked"
    say "no scripts/services/kafka/jars-$KAFKA_VERSION.sha256: jars not checked against pinned checksums"
    return 0
  fi
  (cd "$dir" && sha256sum --quiet --strict -c "$list") ||
    die "a fetched jar differs from scripts/services/kafka/jars-$KAFKA_VERSION.sha256"
  [[ "$(cd "$dir" && ls -- *.jar)" == "$(awk '{print $2}' "$list" | sort)" ]] ||
    die "the fetched jars are not the set listed in scripts/services/kafka/jars-$KAFKA_VERSION.sha256"
}

fetch() {
  if [[ -f "$marker" ]]; then
    return 0
  fi
  need mvn "Maven fetches Apache Kafka from Maven Central"
  local tmp="$cache/lib.tmp" log="$logs/maven.log"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$logs"
  step_begin "fetching Apache Kafka $KAFKA_VERSION and its dependencies from Maven Central"
  # -C (--strict-checksums): a jar or pom whose .sha1 from Maven Central does not match fails the fetch
  # instead of being used with a warning. Maven's output goes to the log: even in batch mode without
  # colour it writes colour resets to a terminal.
  if ! mvn -C -B -Dstyle.color=never -f "$conf_dir/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
    rm -rf "$tmp"
    step_end failed
    grep -E '^\[(ERROR|WARNING)\]' "$log" | tail -n 20 >&2 || true
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (network to Maven Central?); the whole log is $(shown_path "$log")"
  fi
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  verify_jars "$tmp"
  touch "$tmp/.fetched-kafka_2.13-$KAFKA_VERSION"
  rm -rf "$lib"
  mv "$tmp" "$lib"
  step_end "done, $(find "$lib" -name '*.jar' | wc -l) jars"
}

write_config() {
  mkdir -p "$data" "$logs"
  local template
  template="$(<"$conf_dir/server.properties")"
  printf '%s\n' "${template//@DATA_DIR@/$data}" >"$props"
}

java_cp() {
  java -Xms64m -Xmx256m -Dlog4j2.configurationFile="$conf_dir/log4j2.xml" -Dkafka.logs.dir="$logs" \
    -cp "$lib/*" "$@"
}

format_storage() {
  if [[ -f "$data/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  cluster_id="$(java_cp kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 | tr -d '[:space:]')"
  [[ -n "$cluster_id" ]] || die "could not create a cluster id (kafka.tools.StorageTool random-uuid)"
  step_begin "formatting the KRaft log dir $(shown_path "$data") (cluster id $cluster_id)"
  java_cp kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >"$logs/format.log" 2>&1 || {
    step_end failed
    cat "$logs/format.log" >&2
    die "formatting $data failed"
  }
  step_end
}

up() {
  mkdir -p "$cache"
  # One `up` at a time (the test setup and a developer may both call it).
  exec 9>"$cache/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || die "another 'kafka.sh up' holds $cache/.lock"
  fi

  local pid
  pid="$(running_pid)"
  if broker_answers; then
    if [[ -n "$pid" ]]; then
      say "already running (pid $pid)"
    else
      say "already running (a broker answers on $host:$port; not started by this script)"
    fi
    echo "kafka  $host:$port  ready"
    return 0
  fi

  need java "Java 17+ runs the Kafka broker"
  if [[ -z "$pid" ]]; then
    if port_open "$port" || port_open "$controller_port"; then
      die "port $port or $controller_port is in use by something that is not a Kafka broker started here"
    fi
    rm -f "$pid_file"
    fetch
    write_config
    format_storage

    # A fresh server.log per start, so "Kafka Server started" above always means this start.
    if [[ -f "$logs/server.log" ]]; then mv -f "$logs/server.log" "$logs/server.log.prev"; fi
    step_begin "starting the broker (Kafka $KAFKA_VERSION, log $(shown_path "$logs/server.log"))"
    # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
    nohup java $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$conf_dir/log4j2.xml" -Dkafka.logs.dir="$logs" \
      -cp "$lib/*" kafka.Kafka "$props" >"$logs/stdout.log" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$pid_file"
  else
    step_begin "broker process $pid is starting; waiting for it to answer"
  fi

  local deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  until broker_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      step_end failed
      print_log_tail
      die "broker process $pid exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      step_end failed
      print_log_tail
      die "broker did not answer on $host:$port within ${KAFKA_READY_TIMEOUT} s (pid $pid still running; 'kafka.sh down' stops it)"
    fi
    sleep 1
  done
  step_end "up, pid $pid"
  echo "kafka  $host:$port  ready"
}

down() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$pid_file"
    if port_open "$port"; then
      say "no broker started by this script is running, but something answers on $host:$port (left alone)"
    else
      say "not running"
    fi
    return 0
  fi
  say "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "broker did not stop within 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$pid_file"
  say "stopped"
}

status() {
  local pid
  pid="$(running_pid)"
  if broker_answers; then
    echo "kafka  $host:$port  up${pid:+ (pid $pid)}"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    echo "kafka  $host:$port  starting or not answering (pid $pid)"
  else
    echo "kafka  $host:$port  down"
  fi
  return 1
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *)
    echo "usage: kafka.sh up|down|status" >&2
    exit 2
    ;;
esac
