#!/usr/bin/env bash
# Regenerates the hashed lock files of the Python venvs: requirements/<name>.txt from requirements/<name>.in.
# models.sh and wire_vectors.sh install only from the .txt files, with `pip install --require-hashes`, so
# every package (transitive ones included) is pinned with == and carries the sha256 of every file PyPI
# has for that version (every platform's wheels and the sdist), and pip refuses anything else.
#
#   bash scripts/services/models/lock.sh                         re-lock; pins already in a .txt are kept
#   bash scripts/services/models/lock.sh --upgrade-package NAME  move NAME (and what it needs) to the newest
#                                                                version its .in allows; repeatable
#   bash scripts/services/models/lock.sh --upgrade               re-resolve everything from the .in files
#
# To change a version: edit the == pin in the .in file (direct requirements; scientific.in is shared by
# the three model-server venvs), run this script, review `git diff`, then `models.sh up` (a changed .txt
# rebuilds its venv). Options are passed to `uv pip compile` for the resolved locks.
#
# The resolver is uv (https://docs.astral.sh/uv/pip/compile/), installed into a throwaway venv from
# lock-tools.txt, itself installed with --require-hashes. Locks are universal (valid on Linux and macOS,
# Python 3.11 and 3.12: platform-only packages get markers). tfserving-*.in are locked with --no-deps,
# because they are installed that way (see tfserving-api.in). Environment: PYTHON (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
reqs="$here/requirements"
PYTHON="${PYTHON:-python3}"
resolved=(mlserver seldon kserve lock-tools)
no_deps=(tfserving-protos tfserving-api)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export UV_CACHE_DIR="$tmp/uv-cache" UV_NO_CONFIG=1

label=lock
source "$root/scripts/setup/progress.sh"
source "$root/scripts/setup/venv.sh"
venv_ensure "$tmp/lock-tools" "$tmp/pip-lock-tools.log" "$reqs/lock-tools.txt" || exit 1

compile() {
  local name="$1"
  shift
  # Relative paths, so the "# via -r scientific.in" notes do not depend on the checkout's location.
  (cd "$reqs" && "$tmp/lock-tools/bin/uv" pip compile --quiet --generate-hashes --python-version 3.11 \
    --custom-compile-command "bash scripts/services/models/lock.sh" -o "$name.txt" "$@" "$name.in")
  echo "lock: requirements/$name.txt ($(grep -c '^[A-Za-z]' "$reqs/$name.txt") packages)"
}

for name in "${resolved[@]}"; do compile "$name" --universal "$@"; done
for name in "${no_deps[@]}"; do compile "$name" --no-deps; done
