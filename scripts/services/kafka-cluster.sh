#!/usr/bin/env bash
# Local three-node Apache Kafka 4.x cluster (KRaft; each node a broker and a controller in one JVM) for
# the failover tests. Separate from the single broker of kafka.sh (9092/9093), which it never touches.
#
#   scripts/services/kafka-cluster.sh up            format the nodes (once), start every node that is not
#                                                   running, wait until all three brokers are registered
#                                                   and every partition has all its replicas in sync
#   scripts/services/kafka-cluster.sh down [--purge] stop the nodes (SIGTERM, then SIGKILL after 15 s);
#                                                   --purge: SIGKILL at once and delete their data
#   scripts/services/kafka-cluster.sh status        one line per node (exit 0 when all three are up)
#
# Node n (1..3) listens on 127.0.0.1:(KAFKA_CLUSTER_PORT + n - 1) for clients and on that port + 100
# for its controller: 39092-39094 and 39192-39194 by default. The jars are kafka.sh's (.cache/kafka/lib,
# fetched once by `kafka.sh fetch`); everything else lives under .cache/kafka-cluster/: cluster.id and
# node-<n>/{data,logs/server.log,kafka.pid,server.properties}.
# Environment: KAFKA_CLUSTER_PORT (default 39092), KAFKA_CLUSTER_HEAP_OPTS (default -Xms128m -Xmx384m,
# per node), KAFKA_CLUSTER_JVM_OPTS (default C1 only, serial GC), KAFKA_READY_TIMEOUT seconds (default 120).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
conf_dir="$here/kafka"

KAFKA_CLUSTER_PORT="${KAFKA_CLUSTER_PORT:-39092}"
KAFKA_CLUSTER_HEAP_OPTS="${KAFKA_CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m}"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-120}"
# C1 only and the serial collector: a third less CPU to start a node (7 instead of 11-13 CPU seconds
# measured), which is what three JVMs on two cores wait for; test traffic needs no C2 code.
KAFKA_CLUSTER_JVM_OPTS="${KAFKA_CLUSTER_JVM_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
host=127.0.0.1
nodes=(1 2 3)

lib="$root/.cache/kafka/lib"
cache="$root/.cache/kafka-cluster"

say() { echo "kafka-cluster: $*"; }
die() {
  echo "kafka-cluster: $*" >&2
  exit 1
}

port_of() { echo $((KAFKA_CLUSTER_PORT + $1 - 1)); }
controller_port_of() { echo $((KAFKA_CLUSTER_PORT + 100 + $1 - 1)); }
dir_of() { echo "$cache/node-$1"; }
bootstrap() {
  local n list=()
  for n in "${nodes[@]}"; do list+=("$host:$(port_of "$n")"); done
  (IFS=,; echo "${list[*]}")
}

port_open() {
  (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null
}

# The pid of node n when its pid file names a live Kafka JVM; empty otherwise.
running_pid() {
  local file pid
  file="$(dir_of "$1")/kafka.pid"
  [[ -f "$file" ]] || return 0
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka'; then
    echo "$pid"
  fi
}

# Polls (one Node.js process, every 500 ms) until the cluster's metadata lists every broker (a fenced
# or dead broker is not listed) and every replica of every partition is in sync (a node started again
# after a kill has caught up: killing another one then leaves two in-sync replicas, min.insync.replicas),
# one of the given Kafka pids exits, or `timeout` seconds pass. Prints what it saw last; succeeds only
# in the first case.
wait_healthy() {
  local timeout="$1"
  shift
  (cd "$root" && node -e "
    const pids = '$*'.split(' ').map(Number);
    const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    const { Kafka, logLevel } = require('kafkajs');
    const want = ${#nodes[@]}, deadline = Date.now() + $timeout * 1000;
    const kafka = new Kafka({ clientId: 'kafka-cluster-sh', brokers: '$(bootstrap)'.split(','),
      logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 } });
    const look = async (admin) => {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      const { topics } = await admin.fetchTopicMetadata();
      const lagging = topics.flatMap((t) => t.partitions).filter((p) => p.isr.length < p.replicas.length);
      return { brokers: brokers.length, lagging: lagging.length };
    };
    (async () => {
      let seen = { brokers: 0, lagging: 0 };
      while (Date.now() < deadline && pids.every(alive)) {
        const admin = kafka.admin();
        seen = await look(admin).catch(() => ({ brokers: 0, lagging: 0 }));
        await admin.disconnect().catch(() => undefined);
        if (seen.brokers === want && seen.lagging === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      console.log(seen.brokers + ' of ' + want + ' brokers registered, ' + seen.lagging + ' partitions under-replicated');
      process.exit(seen.brokers === want && seen.lagging === 0 ? 0 : 1);
    })();
  ")
}

java_cp() {
  # shellcheck disable=SC2086 # KAFKA_CLUSTER_JVM_OPTS is a list of JVM flags
  java -Xms64m -Xmx256m $KAFKA_CLUSTER_JVM_OPTS -Dlog4j2.configurationFile="$conf_dir/log4j2.xml" -Dkafka.logs.dir="$cache" \
    -cp "$lib/*" "$@"
}

write_config() {
  local n="$1" dir voters="" m
  dir="$(dir_of "$n")"
  for m in "${nodes[@]}"; do voters+="${voters:+,}$m@$host:$(controller_port_of "$m")"; done
  mkdir -p "$dir/data" "$dir/logs"
  local text
  text="$(<"$conf_dir/cluster.properties")"
  text="${text//@NODE_ID@/$n}"
  text="${text//@CONTROLLER_PORT@/$(controller_port_of "$n")}"
  text="${text//@PORT@/$(port_of "$n")}"
  text="${text//@VOTERS@/$voters}"
  printf '%s\n' "${text//@DATA_DIR@/$dir/data}" >"$dir/server.properties"
}

# Every node's log dir is formatted with the same cluster id, once.
format_nodes() {
  local id_file="$cache/cluster.id" cluster_id n dir pids=()
  if [[ ! -s "$id_file" ]]; then
    cluster_id="$(java_cp kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 | tr -d '[:space:]')"
    [[ -n "$cluster_id" ]] || die "could not create a cluster id (kafka.tools.StorageTool random-uuid)"
    echo "$cluster_id" >"$id_file"
  fi
  cluster_id="$(<"$id_file")"
  for n in "${nodes[@]}"; do
    dir="$(dir_of "$n")"
    [[ -f "$dir/data/meta.properties" ]] && continue
    say "formatting node $n ($dir/data, cluster id $cluster_id)"
    java_cp kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/logs/format.log" 2>&1 &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || die "formatting a node failed (see $cache/node-*/logs/format.log)"; done
}

start_node() {
  local n="$1" dir
  dir="$(dir_of "$n")"
  if port_open "$(port_of "$n")" || port_open "$(controller_port_of "$n")"; then
    die "port $(port_of "$n") or $(controller_port_of "$n") is in use by something that is not node $n of this cluster"
  fi
  if [[ -f "$dir/logs/server.log" ]]; then mv -f "$dir/logs/server.log" "$dir/logs/server.log.prev"; fi
  # shellcheck disable=SC2086 # KAFKA_CLUSTER_HEAP_OPTS is a list of JVM flags
  nohup java $KAFKA_CLUSTER_HEAP_OPTS $KAFKA_CLUSTER_JVM_OPTS -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$conf_dir/log4j2.xml" -Dkafka.logs.dir="$dir/logs" \
    -cp "$lib/*" kafka.Kafka "$dir/server.properties" >"$dir/logs/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/kafka.pid"
  say "started node $n (pid $!, client port $(port_of "$n"), log $dir/logs/server.log)"
}

up() {
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || die "another 'kafka-cluster.sh' holds $cache/.lock"
  fi
  command -v java >/dev/null 2>&1 || die "'java' is required (Java 17+ runs the brokers)"
  command -v node >/dev/null 2>&1 || die "'node' is required (the readiness check uses kafkajs)"
  bash "$here/kafka.sh" fetch
  local started=$SECONDS n
  for n in "${nodes[@]}"; do write_config "$n"; done
  format_nodes
  for n in "${nodes[@]}"; do
    [[ -n "$(running_pid "$n")" ]] || start_node "$n"
  done
  local seen pids=()
  for n in "${nodes[@]}"; do pids+=("$(running_pid "$n")"); done
  if ! seen="$(wait_healthy "$KAFKA_READY_TIMEOUT" "${pids[@]}")"; then
    for n in "${nodes[@]}"; do
      [[ -n "$(running_pid "$n")" ]] && continue
      tail -n 40 "$(dir_of "$n")/logs/server.log" >&2 2>/dev/null || true
      die "node $n exited during startup (log $(dir_of "$n")/logs/server.log)"
    done
    die "after ${KAFKA_READY_TIMEOUT} s, $seen ('kafka-cluster.sh down' stops them)"
  fi
  say "up in $((SECONDS - started)) s: $seen"
  echo "kafka-cluster  $(bootstrap)  ready"
}

# Stops node n: SIGTERM, then SIGKILL after `grace` seconds (0: SIGKILL at once).
stop_node() {
  local n="$1" grace="$2" pid deadline
  pid="$(running_pid "$n")"
  [[ -n "$pid" ]] || return 0
  if ((grace > 0)); then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    ((grace == 0)) || say "node $n (pid $pid) did not stop within $grace s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$(dir_of "$n")/kafka.pid"
}

down() {
  local purge="${1:-}" grace=15 started=$SECONDS n pids=()
  # Data about to be deleted needs no controlled shutdown.
  [[ "$purge" == "--purge" ]] && grace=0
  # All at once: the nodes' controlled shutdowns need a quorum, which goes away with them, so a clean
  # stop is not always possible; past the grace period the next start recovers the logs.
  for n in "${nodes[@]}"; do
    stop_node "$n" "$grace" &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n"; done
  say "stopped in $((SECONDS - started)) s"
  if [[ "$purge" == "--purge" ]]; then
    rm -rf "$cache"
    say "deleted $cache"
  fi
}

status() {
  local n pid all=0
  for n in "${nodes[@]}"; do
    pid="$(running_pid "$n")"
    if [[ -n "$pid" ]] && port_open "$(port_of "$n")"; then
      echo "kafka-cluster node $n  $host:$(port_of "$n")  up (pid $pid)"
    else
      echo "kafka-cluster node $n  $host:$(port_of "$n")  down"
      all=1
    fi
  done
  return "$all"
}

case "${1:-up}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  *)
    echo "usage: kafka-cluster.sh up|down [--purge]|status" >&2
    exit 2
    ;;
esac
