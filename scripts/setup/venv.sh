# shellcheck shell=bash
# The Python virtual environments of the local tools and servers: each built from scratch from pinned
# requirements files (every package with its hashes: pip --require-hashes). Sourced after progress.sh
# by scripts/setup/cfn-lint.sh, scripts/deploy-local/install-moto.sh, scripts/services/models.sh and
# scripts/services/models/wire_vectors.sh. PYTHON names the base interpreter.
#
# A venv is kept while it matches what it was built from and where, and rebuilt from scratch otherwise:
# - .requirements.sha256 inside it holds the requirements files' hash and the interpreter's version;
#   it is written last, so an install cut short leaves a venv that the next run rebuilds;
# - its scripts' shebangs (pip writes them) must name the venv's physical path: a venv built through
#   another path (a linked checkout's .cache) is rebuilt rather than left with scripts that point
#   nowhere, and checkouts that share one .cache through a link agree on the path.
#
# Arguments named REQ... are requirements files, installed in that order; among them, an argument
# starting with -- is a pip option given to every install (--no-deps, --only-binary=:all:).

# sort -V orders versions: 3.9 before 3.11.
version_at_most() {
  [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" == "$1" ]]
}

# venv_require_python MIN MAX WHAT: dies unless PYTHON is a Python from MIN to MAX (empty MAX: no upper
# bound) that can create venvs. WHAT says who needs it, for the message.
venv_require_python() {
  local min="$1" max="$2" what="$3" range version
  range="Python $min to $max"
  [[ -n "$max" ]] || range="Python $min or newer"
  command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' is not on PATH ($what needs $range)"
  version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if ! version_at_most "$min" "$version" || { [[ -n "$max" ]] && ! version_at_most "$version" "$max"; }; then
    die "$PYTHON is Python $version; $what needs $range. Set PYTHON=/path/to/python3.x"
  fi
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
    die "$PYTHON cannot create virtual environments (the venv and ensurepip modules are missing: on Debian, apt-get install python3-venv)"
}

# The path of DIR with every link resolved; DIR's parent is created if missing.
venv_physical_path() {
  mkdir -p "$(dirname "$1")"
  printf '%s/%s\n' "$(cd -P "$(dirname "$1")" && pwd)" "$(basename "$1")"
}

# venv_marker REQ...: what .requirements.sha256 holds (pip options among the arguments are skipped).
venv_marker() {
  local arg files=()
  for arg; do [[ "$arg" == --* ]] || files+=("$arg"); done
  printf '%s\n%s\n' "$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)" \
    "$("$PYTHON" -c 'import sys; print(sys.version)')"
}

# True when pip's own script in the venv at PATH runs PATH's python. A shebang over 127 characters is
# written as /bin/sh plus an exec line (distlib's ScriptMaker); both forms are read.
venv_shebangs_name() {
  local path="$1" first="" second=""
  [[ -f "$path/bin/pip" ]] || return 1
  { IFS= read -r first && IFS= read -r second || true; } <"$path/bin/pip"
  [[ "$first" == "#!$path/bin/python"* || ("$first" == '#!/bin/sh' && "$second" == "'''exec' $path/bin/python"*) ]]
}

# venv_current DIR REQ...: true when the venv at DIR was built from REQ... by PYTHON, at DIR's path.
venv_current() {
  local dir="$1"
  shift
  [[ -x "$dir/bin/python" && -f "$dir/.requirements.sha256" ]] &&
    [[ "$(cat "$dir/.requirements.sha256")" == "$(venv_marker "$@")" ]] &&
    venv_shebangs_name "$(venv_physical_path "$dir")"
}

# venv_build DIR LOG REQ...: builds the venv at DIR from scratch, pip's output in LOG. On failure
# nothing is left at DIR.
venv_build() {
  local path log="$2" arg options=() files=()
  path="$(venv_physical_path "$1")"
  shift 2
  for arg; do
    if [[ "$arg" == --* ]]; then options+=("$arg"); else files+=("$arg"); fi
  done
  rm -rf "$path"
  # Created through the physical path, so that the scripts' shebangs name it.
  if ! (
    "$PYTHON" -m venv "$path" || exit 1
    for arg in "${files[@]}"; do
      "$path/bin/python" -m pip install --disable-pip-version-check --no-input -q --require-hashes \
        "${options[@]}" -r "$arg" || exit 1
    done
  ) >"$log" 2>&1; then
    rm -rf "$path"
    return 1
  fi
  venv_marker "${files[@]}" >"$path/.requirements.sha256"
}

# venv_show_log LOG: the end of a failed install's log, and where the whole of it is (stderr).
venv_show_log() {
  echo "$label: last lines of $(shown_path "$1"):" >&2
  tail -n 30 "$1" >&2 || true
}

# venv_ensure DIR LOG REQ...: keeps the venv at DIR when it is current; otherwise builds it on one
# progress line (`label: installing venv cfn-lint from PyPI (pinned and hashed)… done (21.4 s)`).
venv_ensure() {
  local dir="$1" log="$2"
  venv_current "$dir" "${@:3}" && return 0
  step_begin "installing venv ${dir##*/} from PyPI (pinned and hashed)"
  if venv_build "$@"; then
    step_end
    return 0
  fi
  step_end failed
  venv_show_log "$log"
  return 1
}
