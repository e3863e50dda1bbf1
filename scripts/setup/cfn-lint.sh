#!/usr/bin/env bash
# cfn-lint for the template lint test (test/unit/cdk/cfn-lint.test.ts): a venv at .cache/venvs/cfn-lint built
# from scripts/setup/cfn-lint/requirements.txt (every package pinned, with hashes). Idempotent: a venv that
# matches the requirements file and the interpreter is kept (a marker, .requirements.sha256, says what was
# installed); otherwise it is rebuilt from scratch. `npm run services:up` runs it, and so does the test
# when the venv is missing, so `npm test` alone works on a fresh machine.
#
#   scripts/setup/cfn-lint.sh           create or refresh the venv, print the cfn-lint version
#
# Environment: PYTHON (default python3; 3.11 or 3.12, the interpreters the hashes cover).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
requirements="$here/cfn-lint/requirements.txt"
PYTHON="${PYTHON:-python3}"

# Through .cache's real path: a checkout whose .cache links to another's shares its venvs instead of
# rebuilding them under its own path (their shebangs name the path they were built at).
venv="$(mkdir -p "$root/.cache/venvs" && cd "$root/.cache/venvs" && pwd -P)/cfn-lint"
run="$root/.cache/run"
log="$run/pip-cfn-lint.log"

say() { echo "cfn-lint: $*"; }
die() {
  echo "cfn-lint: $*" >&2
  exit 1
}

command -v "$PYTHON" >/dev/null 2>&1 ||
  die "'$PYTHON' is required but not found on PATH (Python 3.11 or 3.12 runs cfn-lint)"
version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$version" in
  3.11 | 3.12) ;;
  *) die "$PYTHON is Python $version; the hashed wheels in $requirements are for 3.11 and 3.12. Set PYTHON=/path/to/python3.11" ;;
esac
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
  die "$PYTHON cannot create virtual environments (the venv/ensurepip modules are missing: on Debian, apt-get install python3-venv)"

# The venv's path too: its scripts' shebangs name it, so a venv built through another path (a linked
# checkout's .cache) is rebuilt rather than left with scripts that point nowhere.
want="$(printf '%s\n%s\n%s\n' "$(sha256sum "$requirements" | cut -d' ' -f1)" "$("$PYTHON" -c 'import sys; print(sys.version)')" "$venv")"
# Read from the package metadata: `cfn-lint --version` loads every rule and takes seconds.
cfn_lint_version() {
  "$venv/bin/python" -c 'import importlib.metadata as m; print("cfn-lint " + m.version("cfn-lint"))'
}
installed() {
  [[ -x "$venv/bin/cfn-lint" && -f "$venv/.requirements.sha256" ]] &&
    [[ "$(cat "$venv/.requirements.sha256")" == "$want" ]]
}

mkdir -p "$run"
# The test and `services:up` may both get here on a fresh machine: one installs, the other waits for it.
exec 9>"$run/cfn-lint.lock"
flock -w 600 9 || die "another cfn-lint.sh holds .cache/run/cfn-lint.lock"

if installed; then
  say "venv .cache/venvs/cfn-lint is up to date ($(cfn_lint_version))"
  exit 0
fi

started=$SECONDS
say "installing venv .cache/venvs/cfn-lint (pinned with hashes, scripts/setup/cfn-lint/requirements.txt) ..."
rm -rf "$venv"
# The marker is written last: an install cut short leaves a venv that the next run rebuilds.
if ! {
  "$PYTHON" -m venv "$venv" &&
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      --require-hashes --only-binary=:all: -r "$requirements"
} >"$log" 2>&1; then
  echo "cfn-lint: pip install failed; last lines of .cache/run/pip-cfn-lint.log:" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
fi
echo "$want" >"$venv/.requirements.sha256"
say "$(cfn_lint_version) installed in $((SECONDS - started)) s"
