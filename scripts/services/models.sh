#!/usr/bin/env bash
# Local model servers for tests and `npm start` (design.md, "Local services"), all on 127.0.0.1, all
# serving the same fitted scikit-learn model under the name `iris`:
#
#   mlserver    MLServer 1.7 + mlserver-sklearn   V2 REST 8080, V2 gRPC 8081 (metrics 8082)
#   seldon      seldon-core 1.18 microservice     REST 9000 (/predict, /api/v1.0/predictions), gRPC 5000
#                                                 (seldon.protos.Model/Predict, .Seldon/Predict) (metrics 6000)
#   tensorflow  KServe 0.21 v1 REST + a grpcio    REST 8501 (/v1/models/iris:predict), gRPC 8500
#               PredictionService stand-in        (tensorflow.serving.PredictionService/Predict)
#
#   scripts/services/models.sh up       create/refresh the venvs, train the model (once), start what is not
#                                       already answering, wait until every endpoint answers the truth rows
#   scripts/services/models.sh down     stop the servers started by `up` (TERM to the process group, then KILL)
#   scripts/services/models.sh status   one line per server, with its memory (exit 0 when all answer)
#   scripts/services/models.sh start <name>   start one server (mlserver|seldon|tensorflow) set up by `up`,
#                                       wait until it answers the truth rows; reuses it when it answers
#   scripts/services/models.sh stop <name> [--kill]   stop one server (TERM, or KILL at once with --kill);
#                                       the fault tests use these two to take one server away and back
#
# Everything lives under the ignored folder .cache/:
#   venvs/{mlserver,seldon,kserve}/   one venv per server, from scripts/services/models/requirements/<name>.txt
#                                     (fully pinned); .requirements.sha256 inside marks what was installed, so a
#                                     changed file reinstalls that venv from scratch
#   models/iris/model.joblib, truth.json   the model and the 10 truth rows (scripts/services/models/train_iris.py)
#   models/mlserver/                  MLServer's model repository (settings.json, iris/model-settings.json)
#   gen/python/                       Python code generated from protos/ (grpcio-tools, kserve venv)
#   run/<service>.pid, .log           process-group leader pid and log of each server; run/pip-<venv>.log
# "Ready" means a real prediction of the 10 truth rows on both ports of a server, equal to truth.json
# (scripts/services/models/probe.py). Environment: MODELS_READY_TIMEOUT seconds per server (default 180),
# PYTHON (default python3; 3.11 or 3.12).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
src="$here/models"

PYTHON="${PYTHON:-python3}"
MODELS_READY_TIMEOUT="${MODELS_READY_TIMEOUT:-180}"
host=127.0.0.1
services=(mlserver seldon tensorflow)

cache="$root/.cache"
venvs="$cache/venvs"
models="$cache/models"
model_file="$models/iris/model.joblib"
truth_file="$models/iris/truth.json"
gen="$cache/gen/python"
run="$cache/run"

# Proto files compiled for the TensorFlow-protocol server and the probe.
protos=(
  tensorflow/core/framework/types.proto
  tensorflow/core/framework/tensor_shape.proto
  tensorflow/core/framework/resource_handle.proto
  tensorflow/core/framework/tensor.proto
  tensorflow_serving/apis/model.proto
  tensorflow_serving/apis/predict.proto
  tensorflow_serving/apis/prediction_service.proto
  seldon/protos/prediction.proto
  inference/grpc_service.proto
)

say() { echo "models: $*"; }
die() {
  echo "models: $*" >&2
  exit 1
}

venv_of() {
  case "$1" in
    mlserver) echo mlserver ;;
    seldon) echo seldon ;;
    tensorflow) echo kserve ;;
  esac
}

ports_of() {
  case "$1" in
    mlserver) echo "8080 8081 8082" ;;
    seldon) echo "9000 5000 6000" ;;
    tensorflow) echo "8501 8500" ;;
  esac
}

address_of() {
  case "$1" in
    mlserver) echo "rest http://$host:8080  grpc $host:8081" ;;
    seldon) echo "rest http://$host:9000  grpc $host:5000" ;;
    tensorflow) echo "rest http://$host:8501  grpc $host:8500" ;;
  esac
}

# True when something accepts TCP connections on host:port.
port_open() {
  (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null
}

sha_of() {
  cat "$@" | sha256sum | cut -d' ' -f1
}

# ------------------------------------------------------------------------------------------ python

check_python() {
  command -v "$PYTHON" >/dev/null 2>&1 ||
    die "'$PYTHON' is required but not found on PATH (Python 3.11 or 3.12 runs the model servers)"
  local version
  version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  case "$version" in
    3.11 | 3.12) ;;
    *) die "$PYTHON is Python $version; the model servers need Python 3.11 or 3.12 (mlserver 1.7 supports <3.13, scikit-learn 1.9 needs >=3.11). Set PYTHON=/path/to/python3.11" ;;
  esac
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
    die "$PYTHON cannot create virtual environments (the venv/ensurepip modules are missing: on Debian, apt-get install python3-venv)"
  python_version="$("$PYTHON" -c 'import sys; print(sys.version)')"
}

# The marker that says which requirements (and which interpreter) a venv was built from.
venv_want() {
  printf '%s\n%s\n' "$(sha_of "$src/requirements/$1.txt")" "$python_version"
}

venv_ok() {
  [[ -x "$venvs/$1/bin/python" && -f "$venvs/$1/.requirements.sha256" ]] &&
    [[ "$(cat "$venvs/$1/.requirements.sha256")" == "$(venv_want "$1")" ]]
}

# Builds one venv from scratch; output in run/pip-<name>.log. Runs in the background (see ensure_venvs).
build_venv() {
  local name="$1" dir="$venvs/$1" log="$run/pip-$1.log" started=$SECONDS
  rm -rf "$dir"
  {
    "$PYTHON" -m venv "$dir" &&
      "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$src/requirements/$name.txt" &&
      venv_want "$name" >"$dir/.requirements.sha256"
  } >"$log" 2>&1 || return 1
  echo "$((SECONDS - started))" >"$run/pip-$name.seconds"
}

# Creates or refreshes the three venvs (in parallel: downloads dominate). A server running from a venv
# that must be rebuilt is stopped first.
ensure_venvs() {
  local name svc builds=() names=() failed=0 i
  for name in mlserver seldon kserve; do
    if venv_ok "$name"; then continue; fi
    for svc in "${services[@]}"; do
      if [[ "$(venv_of "$svc")" == "$name" ]]; then stop_services quiet "$svc"; fi
    done
    say "installing venv .cache/venvs/$name (pinned, scripts/services/models/requirements/$name.txt) ..."
    build_venv "$name" &
    builds+=("$!")
    names+=("$name")
  done
  for i in "${!builds[@]}"; do
    if wait "${builds[$i]}"; then
      say "venv ${names[$i]} installed in $(cat "$run/pip-${names[$i]}.seconds") s"
    else
      echo "models: pip install of venv ${names[$i]} failed; last lines of .cache/run/pip-${names[$i]}.log:" >&2
      tail -n 30 "$run/pip-${names[$i]}.log" >&2 || true
      failed=1
    fi
  done
  [[ $failed -eq 0 ]] || exit 1
}

# ---------------------------------------------------------------------------------- model, protos

# Trains the model when it is missing or when train_iris.py or the kserve venv's pins changed.
ensure_model() {
  local want
  want="$(sha_of "$src/train_iris.py" "$src/requirements/kserve.txt")"
  if [[ -f "$model_file" && -f "$truth_file" && -f "$models/iris/.trained.sha256" ]] &&
    [[ "$(cat "$models/iris/.trained.sha256")" == "$want" ]]; then
    return 0
  fi
  stop_services quiet "${services[@]}" # running servers hold the old model in memory
  "$venvs/kserve/bin/python" "$src/train_iris.py" "$models/iris" | sed 's/^/models: /'
  echo "$want" >"$models/iris/.trained.sha256"
}

ensure_protos() {
  local want files=() p
  for p in "${protos[@]}"; do files+=("$root/protos/$p"); done
  want="$(sha_of "${files[@]}" "$src/requirements/kserve.txt")"
  [[ -f "$gen/.protos.sha256" && "$(cat "$gen/.protos.sha256")" == "$want" ]] && return 0
  stop_services quiet tensorflow # it imports the generated code at start
  local tmp="$gen.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$root/protos" && "$venvs/kserve/bin/python" -m grpc_tools.protoc -I. \
    --python_out="$tmp" --grpc_python_out="$tmp" "${protos[@]}") ||
    die "compiling protos/ with grpcio-tools failed"
  echo "$want" >"$tmp/.protos.sha256"
  rm -rf "$gen"
  mv "$tmp" "$gen"
}

ensure_mlserver_repo() {
  mkdir -p "$models/mlserver/iris"
  cp "$src/mlserver/settings.json" "$models/mlserver/settings.json"
  cp "$src/mlserver/model-settings.json" "$models/mlserver/iris/model-settings.json"
}

# ---------------------------------------------------------------------------------- processes

pid_file() { echo "$run/$1.pid"; }

# The pid (= process group) from the pid file when that process is alive and is ours; empty otherwise.
running_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 0
  pid="$(tr -dc '0-9' <"$f")"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "$venvs/"; then
    echo "$pid"
  fi
}

# Stops servers: TERM to each one's process group (gunicorn, uvicorn and multiprocessing children
# included), all at once, then KILL what is left after 20 s. Usage: stop_services [quiet] svc...
stop_services() {
  local quiet="" svc pid i left
  if [[ "${1:-}" == quiet ]]; then
    quiet=1
    shift
  fi
  local -A pids=()
  for svc in "$@"; do
    pid="$(running_pid "$svc")"
    if [[ -z "$pid" ]]; then
      rm -f "$(pid_file "$svc")"
      [[ -n "$quiet" ]] || say "$svc not running"
      continue
    fi
    pids[$svc]="$pid"
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for ((i = 0; i < 200; i++)); do
    left=0
    for svc in "${!pids[@]}"; do
      kill -0 -- "-${pids[$svc]}" 2>/dev/null && left=1
    done
    [[ $left -eq 1 ]] || break
    sleep 0.1
  done
  for svc in "${!pids[@]}"; do
    if kill -0 -- "-${pids[$svc]}" 2>/dev/null; then
      say "$svc (pid ${pids[$svc]}) still running after 20 s: SIGKILL"
      kill -KILL -- "-${pids[$svc]}" 2>/dev/null || true
    fi
    rm -f "$(pid_file "$svc")"
  done
  if [[ -z "$quiet" ]]; then
    for svc in "$@"; do
      [[ -z "${pids[$svc]:-}" ]] || say "$svc stopped"
    done
  fi
}

# Starts one server in the background as the leader of a new process group (setsid: the pid is the pgid).
start_service() {
  local svc="$1" log="$run/$1.log"
  [[ -f "$log" ]] && mv -f "$log" "$log.prev"
  local -a cmd
  local -a env=(
    PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
    IRIS_MODEL_PATH="$model_file"
  )
  case "$svc" in
    mlserver)
      mkdir -p "$run/mlserver-metrics"
      env+=(MLSERVER_METRICS_DIR="$run/mlserver-metrics")
      cmd=("$venvs/mlserver/bin/mlserver" start "$models/mlserver")
      ;;
    seldon)
      env+=(SELDON_BIND_HOST="$host" GUNICORN_WORKERS=1 GUNICORN_THREADS=2 GRPC_WORKERS=1 GRPC_THREADS=2)
      cmd=("$venvs/seldon/bin/python" "$src/seldon/serve.py" IrisModel --service-type MODEL
        --http-port 9000 --grpc-port 5000 --metrics-port 6000)
      ;;
    tensorflow)
      env+=(PROTO_PY_DIR="$gen" TF_BIND_HOST="$host" TF_REST_PORT=8501 TF_GRPC_PORT=8500)
      cmd=("$venvs/kserve/bin/python" "$src/tfserving/server.py")
      ;;
  esac
  # fd 9 (the lock) is closed so the server does not hold .cache/run/models.lock after this script exits.
  (
    exec 9>&-
    cd "$models"
    exec setsid nohup env "${env[@]}" "${cmd[@]}" >"$log" 2>&1 </dev/null
  ) &
  echo "$!" >"$(pid_file "$svc")"
}

probe() {
  local svc="$1"
  shift
  PROTO_PY_DIR="$gen" "$venvs/kserve/bin/python" "$src/probe.py" --service "$svc" --truth "$truth_file" "$@"
}

# Resident memory of a process group, in MiB.
group_rss_mib() {
  ps -o rss= -g "$1" 2>/dev/null | awk '{s += $1} END {printf "%d", s / 1024}'
}

print_log_tail() {
  local log="$run/$1.log"
  echo "models: last lines of .cache/run/$1.log:" >&2
  tail -n 40 "$log" >&2 2>/dev/null || true
}

# ---------------------------------------------------------------------------------- commands

up() {
  local started=$SECONDS svc pid port failed=0
  check_python
  mkdir -p "$run" "$models/iris"
  exec 9>"$run/models.lock"
  flock -w 1200 9 || die "another 'models.sh' holds .cache/run/models.lock"
  ensure_venvs
  ensure_model
  ensure_protos
  ensure_mlserver_repo

  local -A reused=()
  for svc in "${services[@]}"; do
    if probe "$svc" --timeout 0 2>/dev/null; then
      reused[$svc]=1
      continue
    fi
    # Ours but not answering (crashed half-way, or wedged): start it afresh.
    [[ -z "$(running_pid "$svc")" ]] || stop_services quiet "$svc"
    for port in $(ports_of "$svc"); do
      if port_open "$port"; then
        die "$svc: port $port on $host is taken by another process (not started by models.sh): $(
          ss -ltnpH "sport = :$port" 2>/dev/null | head -n 1 || true
        )"
      fi
    done
    start_service "$svc"
  done

  for svc in "${services[@]}"; do
    if [[ -n "${reused[$svc]:-}" ]]; then
      printf '%-11s %s  ready (reused)\n' "$svc" "$(address_of "$svc")"
      continue
    fi
    pid="$(tr -dc '0-9' <"$(pid_file "$svc")")"
    if probe "$svc" --timeout "$MODELS_READY_TIMEOUT" --pid "$pid"; then
      printf '%-11s %s  ready\n' "$svc" "$(address_of "$svc")"
    else
      echo "models: $svc did not answer within ${MODELS_READY_TIMEOUT} s" >&2
      print_log_tail "$svc"
      stop_services quiet "$svc"
      failed=1
    fi
  done
  [[ $failed -eq 0 ]] || exit 1
  say "all model servers ready in $((SECONDS - started)) s"
}

down() {
  local svc port
  mkdir -p "$run"
  exec 9>"$run/models.lock"
  flock -w 300 9 || die "another 'models.sh' holds .cache/run/models.lock"
  stop_services "${services[@]}"
  for svc in "${services[@]}"; do
    for port in $(ports_of "$svc"); do
      if port_open "$port"; then
        say "warning: port $port still answers, held by a process models.sh did not start"
      fi
    done
  done
}

status() {
  local svc pid all=0 state
  if [[ ! -x "$venvs/kserve/bin/python" || ! -f "$truth_file" || ! -d "$gen" ]]; then
    for svc in "${services[@]}"; do printf '%-11s %s  down (never set up)\n' "$svc" "$(address_of "$svc")"; done
    return 1
  fi
  for svc in "${services[@]}"; do
    pid="$(running_pid "$svc")"
    if probe "$svc" --timeout 0 2>/dev/null; then state="up"; else state="down"; all=1; fi
    if [[ -n "$pid" ]]; then
      state+="  pid $pid  rss $(group_rss_mib "$pid") MiB ($(ps -o pid= -g "$pid" | wc -l) processes)"
    fi
    printf '%-11s %s  %s\n' "$svc" "$(address_of "$svc")" "$state"
  done
  return $all
}

# The one server named on the command line, or a usage error.
one_service() {
  local svc
  for svc in "${services[@]}"; do
    if [[ "$svc" == "${1:-}" ]]; then
      echo "$svc"
      return 0
    fi
  done
  echo "usage: models.sh start|stop mlserver|seldon|tensorflow" >&2
  return 2
}

# Starts one server that `up` has set up before (venvs, model, protos); installs nothing.
start_one() {
  local svc="$1" started=$SECONDS pid port
  mkdir -p "$run"
  exec 9>"$run/models.lock"
  flock -w 300 9 || die "another 'models.sh' holds .cache/run/models.lock"
  venv_ok_any "$(venv_of "$svc")" && [[ -f "$truth_file" && -d "$gen" ]] ||
    die "$svc was never set up: run 'models.sh up' first"
  if probe "$svc" --timeout 0 2>/dev/null; then
    printf '%-11s %s  ready (reused)\n' "$svc" "$(address_of "$svc")"
    return 0
  fi
  [[ -z "$(running_pid "$svc")" ]] || stop_services quiet "$svc"
  for port in $(ports_of "$svc"); do
    port_open "$port" && die "$svc: port $port on $host is taken by another process (not started by models.sh)"
  done
  [[ "$svc" != mlserver ]] || ensure_mlserver_repo
  start_service "$svc"
  pid="$(tr -dc '0-9' <"$(pid_file "$svc")")"
  if ! probe "$svc" --timeout "$MODELS_READY_TIMEOUT" --pid "$pid"; then
    echo "models: $svc did not answer within ${MODELS_READY_TIMEOUT} s" >&2
    print_log_tail "$svc"
    stop_services quiet "$svc"
    exit 1
  fi
  printf '%-11s %s  ready in %d s\n' "$svc" "$(address_of "$svc")" "$((SECONDS - started))"
}

# A venv that exists (start_one does not rebuild: the interpreter check of `up` is not repeated).
venv_ok_any() {
  [[ -x "$venvs/$1/bin/python" && -f "$venvs/$1/.requirements.sha256" ]]
}

# Stops one server: TERM (as `down`), or with --kill a SIGKILL to its process group at once, like a crash.
stop_one() {
  local svc="$1" pid
  mkdir -p "$run"
  exec 9>"$run/models.lock"
  flock -w 300 9 || die "another 'models.sh' holds .cache/run/models.lock"
  if [[ "${2:-}" == --kill ]]; then
    pid="$(running_pid "$svc")"
    if [[ -n "$pid" ]]; then
      kill -KILL -- "-$pid" 2>/dev/null || true
      while kill -0 -- "-$pid" 2>/dev/null; do sleep 0.1; done
      rm -f "$(pid_file "$svc")"
      say "$svc killed"
      return 0
    fi
  fi
  stop_services "$svc"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  start)
    svc="$(one_service "${2:-}")" || exit 2
    start_one "$svc"
    ;;
  stop)
    svc="$(one_service "${2:-}")" || exit 2
    stop_one "$svc" "${3:-}"
    ;;
  *)
    echo "usage: models.sh up|down|status|start <name>|stop <name> [--kill]" >&2
    exit 2
    ;;
esac
