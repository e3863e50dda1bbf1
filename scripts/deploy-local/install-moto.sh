#!/usr/bin/env bash
# Installs moto's server for `npm run deploy:local` into .cache/venvs/moto, from requirements.txt beside
# this script (every package pinned, pip --require-hashes). Idempotent: .requirements.sha256 in the venv
# records what it was built from (the file and the interpreter); a change rebuilds it from scratch, and
# anything else returns at once. Output of pip goes to .cache/run/pip-moto.log.
#
#   scripts/deploy-local/install-moto.sh      prints the venv's python on its last line
#
# Environment: PYTHON (default python3; 3.9 or newer, as moto 5.2 requires).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requirements="$here/requirements.txt"
PYTHON="${PYTHON:-python3}"
# Through .cache's real path: a checkout whose .cache links to another's shares its venvs instead of
# rebuilding them under its own path (their shebangs name the path they were built at).
venv="$(mkdir -p "$root/.cache/venvs" && cd "$root/.cache/venvs" && pwd -P)/moto"
run="$root/.cache/run"
log="$run/pip-moto.log"

die() {
  echo "install-moto: $*" >&2
  exit 1
}

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' is not on PATH (moto's server needs Python 3.9 or newer)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
  die "$PYTHON is older than 3.9; set PYTHON=/path/to/python3"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
  die "$PYTHON cannot create virtual environments (on Debian: apt-get install python3-venv)"

# The venv's path too: its scripts' shebangs name it (a venv built through another path is rebuilt).
want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$PYTHON" -c 'import sys; print(sys.version.split()[0])') $venv"
mkdir -p "$run"
exec 9>"$run/moto-venv.lock"
flock -w 900 9 || die "another install holds .cache/run/moto-venv.lock"

if [[ -x "$venv/bin/python" && "$(cat "$venv/.requirements.sha256" 2>/dev/null)" == "$want" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

echo "install-moto: installing .cache/venvs/moto (moto[server] 5.2.5, pinned with hashes) ..." >&2
started=$SECONDS
rm -rf "$venv"
if ! {
  "$PYTHON" -m venv "$venv" &&
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      --require-hashes --no-deps -r "$requirements"
} >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  rm -rf "$venv"
  die "pip install failed; the whole log is .cache/run/pip-moto.log"
fi
echo "$want" >"$venv/.requirements.sha256"
echo "install-moto: installed in $((SECONDS - started)) s" >&2
echo "$venv/bin/python"
