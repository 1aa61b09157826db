#!/usr/bin/env bash
# Runs ferry's whole test suite against real PostgreSQL and MariaDB servers
# (the local services, or throwaway instances scripts/servers.sh starts),
# installing the server packages first if the machine lacks them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-servers.sh
eval "$(bash scripts/servers.sh --passwords)"
echo "test servers: $FERRY_TEST_PG_URL and $FERRY_TEST_MYSQL_URL" >&2
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A hung test fails the run after 40 minutes with the cargo output so far,
# rather than running into CI's own limit with nothing said.
timeout --kill-after=30s "${FERRY_TEST_TIMEOUT:-40m}" \
    cargo test --workspace --no-fail-fast -- --test-threads="${FERRY_TEST_THREADS:-4}"
