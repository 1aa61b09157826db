#!/usr/bin/env bash
# Installs the PostgreSQL and MariaDB packages (server and client) that are
# missing on a Debian machine, and the C compiler Rust links with (rustup
# brings no linker; the bundled SQLite and the TLS library compile C code);
# does nothing when all are present. Shared by
# scripts/setup.sh and scripts/test.sh, so the test command (and CI, which
# runs it) works on a fresh machine too.
set -euo pipefail
need=()
command -v psql >/dev/null || need+=(postgresql-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v mariadb >/dev/null || need+=(mariadb-client)
command -v cc >/dev/null || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
