#!/usr/bin/env bash
# Runs ferry's whole test suite against real PostgreSQL and MariaDB servers
# (the local services, or throwaway instances scripts/servers.sh starts).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/servers.sh)"
echo "test servers: $FERRY_TEST_PG_URL and $FERRY_TEST_MYSQL_URL" >&2
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
cargo test --workspace --no-fail-fast -- --test-threads="${FERRY_TEST_THREADS:-4}"
