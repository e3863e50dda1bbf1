#!/usr/bin/env bash
# Starts or stops every local service the tests and `npm start` use (README.md, "Local services").
# Each service script is idempotent: `up` reuses a running service and a cached download.
#
#   scripts/services.sh up [--no-tools]   the broker and the model servers, then the tool venvs (cfn-lint,
#                                         moto) unless --no-tools (`npm start` needs only the services)
#   scripts/services.sh down | status
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd="${1:-up}"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "services: '$1' is required but not found on PATH ($2)" >&2; exit 127; }
}

case "$cmd" in
  up)
    need java "Java 17 runs the Kafka broker"
    need mvn "Maven fetches Apache Kafka from Maven Central"
    need python3 "Python 3.11 runs the model servers"
    bash "$here/services/kafka.sh" up
    bash "$here/services/models.sh" up
    [[ "${2:-}" != --no-tools ]] || exit 0
    # Not services: the CloudFormation linter the unit tests run and the moto server the deploy:local
    # integration test starts, installed here so that CI's setup has them.
    bash "$here/setup/cfn-lint.sh"
    bash "$here/deploy-local/install-moto.sh" >/dev/null
    ;;
  down)
    bash "$here/services/models.sh" down || true
    bash "$here/services/kafka.sh" down
    ;;
  status)
    bash "$here/services/kafka.sh" status || true
    bash "$here/services/models.sh" status || true
    ;;
  *)
    echo "usage: services.sh up [--no-tools]|down|status" >&2
    exit 2
    ;;
esac
