#!/usr/bin/env bash
# Reference protobuf vectors for test/integration/wire-compat.test.ts (see wire_vectors.py): each
# reference implementation writes its messages into .cache/wire-vectors/<impl>/ from its own venv.
#
#   wire_vectors.sh ensure           write every implementation's vectors unless they are up to date
#   wire_vectors.sh check IMPL DIR   parse DIR/<case>.bin with IMPL's classes; JSON report on stdout
#
# The seldon and mlserver venvs come from `scripts/services/models.sh up`; the tfserving-api venv
# (requirements/tfserving-api.txt) is built here when missing or out of date. PYTHON as in models.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venvs="$root/.cache/venvs"
out="$root/.cache/wire-vectors"
script="$here/wire_vectors.py"
tf_requirements="$here/requirements/tfserving-api.txt"
PYTHON="${PYTHON:-python3}"
impls=(seldon mlserver triton tfserving)

sha_of() { { cat "$@" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1; }

venv_of() {
  case "$1" in
    seldon) echo seldon ;;
    mlserver | triton) echo mlserver ;;
    tfserving) echo tfserving-api ;;
    *) echo "wire-vectors: unknown implementation '$1'" >&2 && exit 2 ;;
  esac
}

ensure_tf_venv() {
  local dir="$venvs/tfserving-api" want
  want="$(sha_of "$tf_requirements")"
  [[ -x "$dir/bin/python" && "$(cat "$dir/.requirements.sha256" 2>/dev/null)" == "$want" ]] && return 0
  echo "wire-vectors: installing venv .cache/venvs/tfserving-api ($tf_requirements)" >&2
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  local pip=("$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q --no-deps)
  # Two steps, in this order: tensorflow-serving-api's tensorflow_serving/apis must be the one left.
  "${pip[@]}" $(grep -E '^(protobuf|tensorflow-protobuf)==' "$tf_requirements")
  "${pip[@]}" $(grep -E '^tensorflow-serving-api==' "$tf_requirements")
  echo "$want" >"$dir/.requirements.sha256"
}

python_of() {
  local venv
  venv="$(venv_of "$1")"
  [[ -x "$venvs/$venv/bin/python" ]] ||
    { echo "wire-vectors: .cache/venvs/$venv is missing: run 'bash scripts/services/models.sh up' first" >&2 && exit 1; }
  echo "$venvs/$venv/bin/python"
}

case "${1:-}" in
  ensure)
    ensure_tf_venv
    want="$(sha_of "$script" "$tf_requirements" "$venvs/seldon/.requirements.sha256" "$venvs/mlserver/.requirements.sha256")"
    [[ "$(cat "$out/.stamp" 2>/dev/null)" == "$want" ]] && exit 0
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    for impl in "${impls[@]}"; do "$(python_of "$impl")" "$script" "$impl" write "$out.tmp/$impl"; done
    echo "$want" >"$out.tmp/.stamp"
    rm -rf "$out" && mv "$out.tmp" "$out"
    echo "wire-vectors: wrote $out" >&2
    ;;
  check)
    [[ $# -eq 3 ]] || { echo "usage: $0 check IMPL DIR" >&2 && exit 2; }
    [[ "$2" == tfserving ]] && ensure_tf_venv
    exec "$(python_of "$2")" "$script" "$2" check "$3"
    ;;
  *)
    echo "usage: $0 ensure | check IMPL DIR" >&2
    exit 2
    ;;
esac
