#!/usr/bin/env bash
# cfn-lint for the template lint test (test/unit/cdk/cfn-lint.test.ts): a venv at .cache/venvs/cfn-lint built
# from scripts/setup/cfn-lint/requirements.txt (every package pinned, with hashes). Idempotent: a venv that
# matches the requirements file, the interpreter and its own path is kept (scripts/setup/venv.sh); otherwise
# it is rebuilt from scratch. `npm run services:up` runs it, and so does the test when the venv is missing,
# so `npm test` alone works on a fresh machine.
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

label=cfn-lint
source "$here/progress.sh"
source "$here/venv.sh"

venv_require_python 3.11 3.12 "cfn-lint (the hashed wheels of $(shown_path "$requirements") are built for it)"

# Read from the package metadata: `cfn-lint --version` loads every rule and takes seconds.
cfn_lint_version() {
  "$venv/bin/python" -c 'import importlib.metadata as m; print("cfn-lint " + m.version("cfn-lint"))'
}

mkdir -p "$run"
# The test and `services:up` may both get here on a fresh machine: one installs, the other waits for it.
exec 9>"$run/cfn-lint.lock"
flock -w 600 9 || die "another cfn-lint.sh holds .cache/run/cfn-lint.lock"

venv_ensure "$venv" "$run/pip-cfn-lint.log" --only-binary=:all: "$requirements" || exit 1
say "$(cfn_lint_version) in .cache/venvs/cfn-lint"
