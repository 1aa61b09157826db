#!/usr/bin/env bash
# Makes sure a PostgreSQL and a MariaDB server are reachable for ferry's demo and
# tests, and prints the `export` lines that point at them.
#
#   eval "$(bash scripts/servers.sh)"
#
# Order of preference, for each server:
#   1. FERRY_TEST_PG_URL / FERRY_TEST_MYSQL_URL when already set and reachable;
#   2. the local service on 127.0.0.1 (5432 user root, 3306 root without password),
#      started with the system's own command if installed but stopped;
#   3. a throwaway instance of our own under $FERRY_SERVERS_DIR (default
#      /tmp/ferry-servers) on ports 54329 / 33069, created with initdb /
#      mariadb-install-db. Nothing of the system's configuration is changed.
# With --passwords (the test suite), also FERRY_TEST_PG_PASSWORD_URL: one more
# throwaway PostgreSQL, on port 54330, whose logins need passwords
# (scram-sha-256, md5 for members of ferry_md5); its superuser's password is
# in the file FERRY_TEST_PG_PASSWORD_FILE.
# All progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

log() { echo "servers: $*" >&2; }
dir=${FERRY_SERVERS_DIR:-/tmp/ferry-servers}

pg_ok() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }
my_ok() { # $1 host $2 port
  mariadb -h "$1" -P "$2" -uroot --connect-timeout=3 -e 'select 1' >/dev/null 2>&1 ||
    mysql -h "$1" -P "$2" -uroot --connect-timeout=3 -e 'select 1' >/dev/null 2>&1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

ensure_pg() {
  if [ -n "${FERRY_TEST_PG_URL:-}" ] && pg_ok "$FERRY_TEST_PG_URL"; then echo "$FERRY_TEST_PG_URL"; return; fi
  local url=postgres://root@127.0.0.1:5432/postgres
  if pg_ok "$url"; then echo "$url"; return; fi
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "starting the local PostgreSQL service"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start >/dev/null 2>&1 || true
    sleep 2
    if pg_ok "$url"; then echo "$url"; return; fi
  fi
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] || { log "no PostgreSQL binaries found: run scripts/setup.sh first"; exit 1; }
  local data=$dir/pg port=54329
  url=postgres://ferry@127.0.0.1:$port/postgres
  if pg_ok "$url"; then echo "$url"; return; fi
  log "starting a throwaway PostgreSQL in $data on port $port"
  mkdir -p "$dir"
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    id ferrypg >/dev/null 2>&1 || useradd --system --no-create-home ferrypg
    chown -R ferrypg "$dir" 2>/dev/null || true
    runas=(runuser -u ferrypg --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    "${runas[@]}" "$bin/initdb" -D "$data" -U ferry --auth=trust -E UTF8 >/dev/null
  fi
  "${runas[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/pg.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null
  pg_ok "$url" || { log "the throwaway PostgreSQL did not start; see $dir/pg.log"; exit 1; }
  echo "$url"
}

ensure_mysql() {
  if [ -n "${FERRY_TEST_MYSQL_URL:-}" ]; then echo "$FERRY_TEST_MYSQL_URL"; return; fi
  if my_ok 127.0.0.1 3306; then echo "mysql://root@127.0.0.1:3306"; return; fi
  if command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; then
    if [ -d /var/lib/mysql/mysql ]; then
      log "starting the local MariaDB service"
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
      for _ in $(seq 1 20); do my_ok 127.0.0.1 3306 && { echo "mysql://root@127.0.0.1:3306"; return; }; sleep 1; done
    fi
  else
    log "no MariaDB binaries found: run scripts/setup.sh first"; exit 1
  fi
  local data=$dir/mariadb port=33069
  if my_ok 127.0.0.1 $port; then echo "mysql://root@127.0.0.1:$port"; return; fi
  log "starting a throwaway MariaDB in $data on port $port"
  mkdir -p "$data"
  local user=(); [ "$(id -u)" = 0 ] && user=(--user=root)
  if [ ! -d "$data/mysql" ]; then
    # --no-defaults: the system's my.cnf (user=mysql, its log paths) must not apply.
    mariadb-install-db --no-defaults "${user[@]}" --datadir="$data" --auth-root-authentication-method=normal >"$dir/mariadb-install.log" 2>&1
  fi
  (mariadbd --no-defaults "${user[@]}" --datadir="$data" --port=$port --bind-address=127.0.0.1 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --socket="$dir/mariadb.sock" --pid-file="$dir/mariadb.pid" --local-infile=1 \
      --log-error="$dir/mariadb.log" >/dev/null 2>&1 &)
  for _ in $(seq 1 30); do my_ok 127.0.0.1 $port && { echo "mysql://root@127.0.0.1:$port"; return; }; sleep 1; done
  log "the throwaway MariaDB did not start; see $dir/mariadb.log"; exit 1
}

# A throwaway PostgreSQL that asks for passwords (the local service trusts
# every login, so ferry's password exchanges would go untested): initdb with
# scram-sha-256, plus md5 for members of the role ferry_md5. The superuser's
# password is made once and kept in $dir/pg-auth.password (mode 0600). Prints
# nothing when the machine has no PostgreSQL binaries; the tests that need it
# then say they were skipped.
ensure_pg_passwords() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] || return 0
  local data=$dir/pg-auth port=54330 pwfile=$dir/pg-auth.password
  mkdir -p "$dir"
  if [ ! -s "$pwfile" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$pwfile")
  fi
  local pw; pw=$(cat "$pwfile")
  local url=postgres://ferry:$pw@127.0.0.1:$port/postgres
  if pg_ok "$url"; then echo "$port"; return; fi
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    id ferrypg >/dev/null 2>&1 || useradd --system --no-create-home ferrypg
    chown ferrypg "$dir" 2>/dev/null || true
    runas=(runuser -u ferrypg --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a throwaway PostgreSQL with password logins in $data on port $port"
    local tmp; tmp=$(mktemp)
    cp "$pwfile" "$tmp"; [ "$(id -u)" = 0 ] && chown ferrypg "$tmp"
    "${runas[@]}" "$bin/initdb" -D "$data" -U ferry --auth=scram-sha-256 --pwfile="$tmp" -E UTF8 >/dev/null
    rm -f "$tmp"
    # First match wins: md5 for the members of ferry_md5, before the scram lines.
    sed -i '0,/^host/s//host    all             +ferry_md5      127.0.0.1\/32            md5\nhost/' "$data/pg_hba.conf"
  fi
  "${runas[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/pg-auth.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
  pg_ok "$url" || { log "the password-login PostgreSQL did not start; see $dir/pg-auth.log"; return 0; }
  psql "$url" -qc "DO \$\$ BEGIN CREATE ROLE ferry_md5 NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
  echo "$port"
}

pg=$(ensure_pg)
my=$(ensure_mysql)
pg_passwords=""
if [ "${1:-}" = --passwords ]; then
  pg_passwords=$(ensure_pg_passwords) || { log "no password-login PostgreSQL: its tests will say they were skipped"; pg_passwords=""; }
fi
echo "export FERRY_TEST_PG_URL='$pg'"
echo "export FERRY_TEST_MYSQL_URL='$my'"
# The password stays in its file: the URL names the user, the tests read the file.
if [ -n "$pg_passwords" ]; then
  echo "export FERRY_TEST_PG_PASSWORD_URL='postgres://ferry@127.0.0.1:$pg_passwords/postgres'"
  echo "export FERRY_TEST_PG_PASSWORD_FILE='$dir/pg-auth.password'"
fi
