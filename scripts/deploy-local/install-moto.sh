#!/usr/bin/env bash
# Installs moto's server for `npm run deploy:local` into .cache/venvs/moto, from requirements.txt beside
# this script (every package pinned, pip --require-hashes). Idempotent: a venv that matches the file, the
# interpreter and its own path is kept (scripts/setup/venv.sh); otherwise it is rebuilt from scratch. Output
# of pip goes to .cache/run/pip-moto.log; progress to stderr.
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

label=install-moto
source "$root/scripts/setup/progress.sh"
source "$root/scripts/setup/venv.sh"

# stdout is the python's path alone: everything said goes to stderr.
exec 3>&1 1>&2

venv_require_python 3.9 "" "moto 5.2's server"
mkdir -p "$run"
exec 9>"$run/moto-venv.lock"
flock -w 900 9 || die "another install holds .cache/run/moto-venv.lock"

venv_ensure "$venv" "$run/pip-moto.log" --no-deps "$requirements" || exit 1
echo "$venv/bin/python" >&3
