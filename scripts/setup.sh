#!/usr/bin/env bash
# One command for a fresh Debian machine (Rust toolchain already installed):
# installs PostgreSQL and MariaDB if they are missing, makes sure both run,
# builds ferry, and migrates the Chinook sample database from MariaDB into
# PostgreSQL, ending with ferry's report.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "setup: $*" >&2; }

bash scripts/install-servers.sh
eval "$(bash scripts/servers.sh)"
log "servers: $FERRY_TEST_PG_URL and $FERRY_TEST_MYSQL_URL"

log "building ferry"
cargo build --quiet --bin ferry

# The demo: Chinook from ../shared/datasets seeded into MariaDB, migrated to PostgreSQL.
datasets=${FERRY_DATASETS_DIR:-../shared/datasets}
my_host=$(echo "$FERRY_TEST_MYSQL_URL" | sed -E 's#^mysql://([^@]*@)?([^:/]+):?([0-9]*).*#\2#')
my_port=$(echo "$FERRY_TEST_MYSQL_URL" | sed -E 's#^mysql://([^@]*@)?([^:/]+):?([0-9]*).*#\3#')
my=(mariadb -h "$my_host" -P "${my_port:-3306}" -uroot)
log "loading Chinook into MariaDB database ferry_demo"
"${my[@]}" -e 'DROP DATABASE IF EXISTS ferry_demo; CREATE DATABASE ferry_demo CHARACTER SET utf8mb4'
grep -v -E '^(DROP DATABASE|CREATE DATABASE|USE )' "$datasets/chinook/Chinook_MySql.sql" | "${my[@]}" ferry_demo
pg_admin=$FERRY_TEST_PG_URL
psql "$pg_admin" -qc 'DROP DATABASE IF EXISTS ferry_demo WITH (FORCE)' -c 'CREATE DATABASE ferry_demo' >/dev/null
pg_demo=${pg_admin%/*}/ferry_demo

log "migrating: ferry migrate --source mysql://…/ferry_demo --target postgres://…/ferry_demo?schema=public"
./target/debug/ferry migrate \
  --source "${FERRY_TEST_MYSQL_URL%/}/ferry_demo" \
  --target "$pg_demo?schema=public" \
  --report demo-report.json
log "the JSON report is in demo-report.json"
