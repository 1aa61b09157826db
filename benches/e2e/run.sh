#!/usr/bin/env bash
# End-to-end benchmark on TPC-H data: ferry beside the tools a user would pick
# instead, and beside the machine's physical limits, all in the same run.
# Not part of the test suite; results are recorded by hand in docs/benchmarks.md.
#
# Usage:  bash benches/e2e/run.sh                          # SF=1, RUNS=1, every suite
#         SF=0.1 RUNS=3 bash benches/e2e/run.sh
#         SUITES="mysql2pg verify" bash benches/e2e/run.sh
#
# Environment:
#   SF      TPC-H scale factor (default 1; SF1 = 6,001,215 lineitem rows)
#   RUNS    runs per timed task, interleaved; the table shows the median (default 1)
#   SUITES  which comparisons to run (default "limits mysql2pg read pg2pg verify"):
#           limits    MariaDB scan, PostgreSQL scan, PostgreSQL ingest (text and
#                     binary COPY from a server-side file; logged and unlogged)
#           mysql2pg  lineitem MariaDB -> PostgreSQL with its primary key:
#                     ferry, naive mariadb|psql pipe + ADD PRIMARY KEY, pgloader
#                     (defaults, and tuned: workers/concurrency from nproc)
#           read      MariaDB -> Arrow alone: ferry's reader (benches/examples/
#                     read_only.rs) vs ConnectorX (PyPI `connectorx`), over 1
#                     connection and over JOBS connections (key ranges)
#           pg2pg     lineitem+orders+customer with PKs PostgreSQL -> PostgreSQL:
#                     ferry --jobs J, pgcopydb clone --table-jobs J --index-jobs J,
#                     pg_dump -Fd -j J | pg_restore -j J   (J = JOBS, default nproc)
#           verify    lineitem MariaDB vs PostgreSQL: ferry verify vs reladiff
#                     hashdiff (PyPI `reladiff[mysql,postgresql]`, -j JOBS), and
#                     one `ferry migrate --verify full`; each run first scans
#                     the two tables verify reads, so verify and the slower
#                     scan are timed seconds apart
#   JOBS    parallel jobs for the tools that take them (default: nproc)
#   KEEP=1  keep the source databases, the verify suite's PostgreSQL copy
#           (ferry_e2e_vt, for timing verify by hand) and the data files afterwards
#   REUSE=1 reuse the sources a KEEP=1 run of the same SF left (skips data generation)
#   WORK    scratch directory (default /tmp/ferry-e2e); must be readable by the
#           PostgreSQL server (server-side COPY)
#   MYSQL_HOST/MYSQL_PORT, PG_HOST/PG_PORT   default 127.0.0.1:3306 / 127.0.0.1:5432
#   MYSQL_DB, PG_DB  source database names (default ferry_bench, ferry_bench_pg)
#
# Needs: MariaDB (root, no password, local_infile on), PostgreSQL (user root,
# trust, superuser), mariadb/psql/pg_dump/pg_restore clients, GNU time
# (/usr/bin/time, package `time`), cargo; optional peers: pgloader and pgcopydb
# (Debian packages), connectorx and reladiff (pip). A missing peer is reported
# and skipped, never faked.
#
# Every tool writes into its own fresh PostgreSQL database, dropped afterwards,
# and every target's row count is checked against the source. Seconds are
# wall-clock; peak RSS is GNU time's "Maximum resident set size" of the largest
# single process it waited for (for server-side COPY that is psql, not the
# server, so it is shown as "-").
set -euo pipefail

SF=${SF:-1}
RUNS=${RUNS:-1}
KEEP=${KEEP:-0}
JOBS=${JOBS:-$(nproc)}
SUITES=${SUITES:-"limits mysql2pg read pg2pg verify"}
WORK=${WORK:-/tmp/ferry-e2e}
MYSQL_HOST=${MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${MYSQL_PORT:-3306}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
DB=${MYSQL_DB:-ferry_bench}         # MariaDB source: lineitem
PGSRC=${PG_DB:-ferry_bench_pg}      # PostgreSQL source: lineitem, orders, customer
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RELEASE_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/release
FERRY=$RELEASE_DIR/ferry
READ_ONLY=$RELEASE_DIR/examples/read_only
TIME=/usr/bin/time
MY_URL="mysql://root@$MYSQL_HOST:$MYSQL_PORT/$DB"
pg_url() { echo "postgres://root@$PG_HOST:$PG_PORT/$1?schema=public"; }

my() { mariadb -uroot -h"$MYSQL_HOST" -P"$MYSQL_PORT" "$@"; }
pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U root "$@"; }
pgdb_fresh() { pg -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
pgdb_drop() { pg -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }
# The log goes to the script's own stderr (fd 3), so it still shows when a
# timed tool's output is sent to a file.
exec 3>&2
log() { echo "[$(date +%H:%M:%S)] $*" >&3; }
want() { case " $SUITES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
note() { echo "$*" >> "$NOTES"; log "NOTE: $*"; }

[ -x "$TIME" ] || { echo "GNU time missing: apt-get install -y time" >&2; exit 1; }
mkdir -p "$WORK"
chmod 755 "$WORK"
RESULTS=$WORK/results.tsv   # suite \t task \t run \t seconds \t peak_rss_kb
NOTES=$WORK/notes.txt
: > "$RESULTS"
: > "$NOTES"

# ---------------------------------------------------------------- helpers
# timed SUITE TASK RUN CMD... : runs CMD under GNU time -v, records seconds and peak RSS.
timed() {
  local suite=$1 task=$2 run=$3; shift 3
  local tv=$WORK/time.$$.txt start end secs rss
  start=$(date +%s.%N)
  if ! "$TIME" -v -o "$tv" "$@"; then
    log "FAILED: $task (run $run): $*"
    tail -3 "$tv" >&2 || true
    note "$task (run $run) FAILED; not in the table"
    return 1
  fi
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tv")
  printf '%s\t%s\t%s\t%s\t%s\n' "$suite" "$task" "$run" "$secs" "$rss" >> "$RESULTS"
  log "$task run $run: ${secs}s, peak RSS ${rss} kB"
}

check_count() { # DB TABLE(qualified) EXPECTED LABEL
  local n
  n=$(pg -d "$1" -Atc "SELECT count(*) FROM $2")
  if [ "$n" != "$3" ]; then note "COUNT MISMATCH for $4: $n rows, expected $3"; return 1; fi
  log "$4: $n rows on the target (matches the source)"
}

# ---------------------------------------------------------------- 1. data
source "$ROOT/benches/e2e/schema.sh"   # TPC-H DDL for both servers

if ! command -v tpchgen-cli >/dev/null && [ -x "$HOME/.cargo/bin/tpchgen-cli" ]; then
  PATH=$HOME/.cargo/bin:$PATH
fi
if ! command -v tpchgen-cli >/dev/null; then
  # PyPI has it prebuilt (seconds); building it with cargo takes minutes.
  log "installing tpchgen-cli"
  if ! pip install tpchgen-cli >&2; then
    timeout 1200 cargo install tpchgen-cli --locked >&2
    PATH=$HOME/.cargo/bin:$PATH
  fi
fi
DATA_SOURCE="tpchgen-cli $(tpchgen-cli --version 2>/dev/null | awk '{print $NF}')"
TBL=$WORK/tbl
have_data() {
  [ "$(my -N -B -e "SELECT count(*) FROM information_schema.tables WHERE table_schema='$DB' AND table_name='lineitem'" 2>/dev/null)" = 1 ] &&
    [ "$(pg -d "$PGSRC" -Atc "SELECT count(*) FROM pg_tables WHERE tablename IN ('lineitem','orders','customer')" 2>/dev/null)" = 3 ] &&
    [ -s "$WORK/lineitem.bin" ] && [ -s "$WORK/sf" ] && [ "$(cat "$WORK/sf")" = "$SF" ]
}
if [ "${REUSE:-0}" = 1 ] && have_data; then
  log "REUSE=1: keeping the SF=$SF sources loaded by an earlier KEEP=1 run"
else
rm -rf "$TBL"; mkdir -p "$TBL"; chmod 755 "$TBL"
log "generating lineitem, orders, customer SF=$SF with $DATA_SOURCE"
tpchgen-cli csv -s "$SF" --tables lineitem,orders,customer --output-dir "$TBL" >&2
chmod 644 "$TBL"/*.csv

log "loading lineitem into MariaDB $DB"
my -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
my "$DB" -e "$MY_LINEITEM_DDL"
my --local-infile=1 "$DB" -e "SET unique_checks=0; SET foreign_key_checks=0;
  LOAD DATA LOCAL INFILE '$TBL/lineitem.csv' INTO TABLE lineitem
  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\n' IGNORE 1 LINES"
ROWS=$(my -N -B "$DB" -e "SELECT count(*) FROM lineitem")

log "loading lineitem, orders, customer into PostgreSQL $PGSRC"
pgdb_fresh "$PGSRC"
pg -d "$PGSRC" -c "$PG_LINEITEM_DDL" -c "$PG_ORDERS_DDL" -c "$PG_CUSTOMER_DDL"
for t in lineitem orders customer; do
  pg -d "$PGSRC" -c "COPY $t FROM '$TBL/$t.csv' (FORMAT csv, HEADER true)"
done
pg -d "$PGSRC" -c "$PG_PKS" -c "VACUUM ANALYZE"
PG_ROWS_TOTAL=$(pg -d "$PGSRC" -Atc "SELECT (SELECT count(*) FROM lineitem) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM customer)")
log "sources: MariaDB lineitem $ROWS rows; PostgreSQL three tables $PG_ROWS_TOTAL rows ($DATA_SOURCE)"

# Server-side COPY inputs for the ingest limits (not timed).
# (written by psql, client-side: the server may not write into $WORK)
pg -d "$PGSRC" -c "COPY lineitem TO STDOUT" > "$WORK/lineitem.txt"
pg -d "$PGSRC" -c "COPY lineitem TO STDOUT (FORMAT binary)" > "$WORK/lineitem.bin"
chmod 644 "$WORK/lineitem.txt" "$WORK/lineitem.bin"
echo "$SF" > "$WORK/sf"
fi
ROWS=$(my -N -B "$DB" -e "SELECT count(*) FROM lineitem")
PG_ROWS_TOTAL=$(pg -d "$PGSRC" -Atc "SELECT (SELECT count(*) FROM lineitem) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM customer)")

log "building ferry and the read-only example (release)"
(cd "$ROOT" && cargo build --release --bin ferry -p ferry-engine >&2 && cargo build --release -p ferry-benches --example read_only >&2)

HAVE() { command -v "$1" >/dev/null; }
HAVE pgloader || note "pgloader not installed (apt-get install pgloader): skipped"
HAVE pgcopydb || note "pgcopydb not installed (apt-get install pgcopydb): skipped"
HAVE reladiff || note "reladiff not installed (pip install 'reladiff[mysql,postgresql]'): skipped"
python3 -c 'import connectorx' 2>/dev/null && HAVE_CX=1 || { HAVE_CX=0; note "connectorx not installed (pip install connectorx): skipped"; }

# A verified copy of lineitem on PostgreSQL for the verify suite.
if want verify; then
  pgdb_fresh ferry_e2e_vt
  "$FERRY" migrate --source "$MY_URL" --target "$(pg_url ferry_e2e_vt)" --verify none -q
fi

# ---------------------------------------------------------------- 2. timed tasks
for run in $(seq 1 "$RUNS"); do
  log "=== run $run of $RUNS"

  if want limits; then
    timed limits "MariaDB scan (mariadb --quick > /dev/null)" "$run" bash -c \
      'mariadb -uroot -h"$1" -P"$2" --quick -N -B "$3" -e "SELECT * FROM lineitem" > /dev/null' \
      _ "$MYSQL_HOST" "$MYSQL_PORT" "$DB" || true
    timed limits "PostgreSQL scan (COPY lineitem TO STDOUT binary > /dev/null)" "$run" bash -c \
      'psql -X -q -h "$1" -p "$2" -U root -d "$3" -c "COPY lineitem TO STDOUT (FORMAT binary)" > /dev/null' \
      _ "$PG_HOST" "$PG_PORT" "$PGSRC" || true
    for kind in "text:" "binary:(FORMAT binary)"; do
      name=${kind%%:*}; opts=${kind#*:}
      for logged in LOGGED UNLOGGED; do
        pgdb_fresh ferry_e2e_copy
        if [ "$logged" = UNLOGGED ]; then ddl=${PG_LINEITEM_DDL/CREATE TABLE/CREATE UNLOGGED TABLE}; else ddl=$PG_LINEITEM_DDL; fi
        pg -d ferry_e2e_copy -c "$ddl"
        file=$WORK/lineitem.txt; [ "$name" = binary ] && file=$WORK/lineitem.bin
        timed limits "PostgreSQL ingest ($name COPY FROM file, ${logged,,}, no index)" "$run" \
          psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U root -d ferry_e2e_copy \
          -c "COPY lineitem FROM '$file' $opts" || true
        check_count ferry_e2e_copy lineitem "$ROWS" "server-side COPY" || true
        pgdb_drop ferry_e2e_copy
      done
    done
  fi

  if want mysql2pg; then
    pgdb_fresh ferry_e2e_pipe
    pg -d ferry_e2e_pipe -c "$PG_LINEITEM_DDL"
    timed mysql2pg "naive pipe (mariadb → psql COPY FROM STDIN) + ADD PRIMARY KEY" "$run" bash -c '
      set -o pipefail
      mariadb -uroot -h"$1" -P"$2" --quick -N -B "$3" -e "SELECT * FROM lineitem" |
        psql -X -q -v ON_ERROR_STOP=1 -h "$4" -p "$5" -U root -d ferry_e2e_pipe -c "COPY lineitem FROM STDIN"
      psql -X -q -v ON_ERROR_STOP=1 -h "$4" -p "$5" -U root -d ferry_e2e_pipe \
        -c "ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)"' \
      _ "$MYSQL_HOST" "$MYSQL_PORT" "$DB" "$PG_HOST" "$PG_PORT" || true
    check_count ferry_e2e_pipe lineitem "$ROWS" "naive pipe" || true
    pgdb_drop ferry_e2e_pipe

    pgdb_fresh ferry_e2e_ferry
    timed mysql2pg "ferry migrate --verify none" "$run" "$FERRY" migrate --source "$MY_URL" \
      --target "$(pg_url ferry_e2e_ferry)" --verify none -q || true
    check_count ferry_e2e_ferry public.lineitem "$ROWS" "ferry" || true
    pgdb_drop ferry_e2e_ferry

    # The same with lineitem cut into key-range parts (not the default on 2 cores).
    pgdb_fresh ferry_e2e_ferry
    timed mysql2pg "ferry migrate --verify none --split-larger-than 1000000" "$run" "$FERRY" migrate \
      --source "$MY_URL" --target "$(pg_url ferry_e2e_ferry)" --verify none --split-larger-than 1000000 -q || true
    check_count ferry_e2e_ferry public.lineitem "$ROWS" "ferry (parts)" || true
    pgdb_drop ferry_e2e_ferry

    if HAVE pgloader; then
      for variant in defaults tuned; do
        pgdb_fresh ferry_e2e_pgloader
        args=()
        # pgloader's knobs: `workers` threads move batches, `concurrency`
        # readers per table; tuned = one worker per core.
        [ "$variant" = tuned ] && args=(--with "workers = $JOBS" --with "concurrency = 1")
        if timed mysql2pg "pgloader ($variant)" "$run" pgloader "${args[@]}" \
            "mysql://root@$MYSQL_HOST:$MYSQL_PORT/$DB" "postgresql://root@$PG_HOST:$PG_PORT/ferry_e2e_pgloader" \
            > "$WORK/pgloader.out" 2>&1; then
          check_count ferry_e2e_pgloader "$DB.lineitem" "$ROWS" "pgloader ($variant)" || true
        else
          tail -5 "$WORK/pgloader.out" >&2
        fi
        pgdb_drop ferry_e2e_pgloader
      done
    fi
  fi

  if want read; then
    timed read "ferry reader MariaDB → Arrow (1 connection, batches dropped)" "$run" "$READ_ONLY" "$MY_URL" lineitem || true
    if [ "$HAVE_CX" = 1 ]; then
      timed read "ConnectorX MariaDB → Arrow (1 connection, whole result in memory)" "$run" \
        python3 "$ROOT/benches/e2e/connectorx_read.py" \
        "mysql://root:@$MYSQL_HOST:$MYSQL_PORT/$DB" "SELECT * FROM lineitem" || true
    fi
    # The same with JOBS connections each: even ranges of l_orderkey (ferry's
    # in one shared snapshot), ConnectorX's partition_on.
    if [ "$JOBS" -gt 1 ]; then
      timed read "ferry reader MariaDB → Arrow ($JOBS connections, batches dropped)" "$run" \
        "$READ_ONLY" "$MY_URL" lineitem "$JOBS" || true
      if [ "$HAVE_CX" = 1 ]; then
        timed read "ConnectorX MariaDB → Arrow ($JOBS connections, partition_on l_orderkey)" "$run" \
          python3 "$ROOT/benches/e2e/connectorx_read.py" \
          "mysql://root:@$MYSQL_HOST:$MYSQL_PORT/$DB" "SELECT * FROM lineitem" l_orderkey "$JOBS" || true
      fi
    fi
  fi

  if want pg2pg; then
    pgdb_fresh ferry_e2e_pgpg
    timed pg2pg "ferry migrate PG → PG --jobs $JOBS --verify none" "$run" "$FERRY" migrate \
      --source "$(pg_url "$PGSRC")" --target "$(pg_url ferry_e2e_pgpg)" --jobs "$JOBS" --verify none -q || true
    check_count ferry_e2e_pgpg public.lineitem "$ROWS" "ferry PG → PG" || true
    pgdb_drop ferry_e2e_pgpg

    if HAVE pgcopydb; then
      pgdb_fresh ferry_e2e_pgcopydb
      rm -rf "$WORK/pgcopydb"
      timed pg2pg "pgcopydb clone --table-jobs $JOBS --index-jobs $JOBS" "$run" pgcopydb clone \
        --source "postgres://root@$PG_HOST:$PG_PORT/$PGSRC" \
        --target "postgres://root@$PG_HOST:$PG_PORT/ferry_e2e_pgcopydb" \
        --table-jobs "$JOBS" --index-jobs "$JOBS" --no-owner --no-acl --dir "$WORK/pgcopydb" \
        > "$WORK/pgcopydb.out" 2>&1 || tail -5 "$WORK/pgcopydb.out" >&2
      check_count ferry_e2e_pgcopydb public.lineitem "$ROWS" "pgcopydb" || true
      pgdb_drop ferry_e2e_pgcopydb
    fi

    pgdb_fresh ferry_e2e_dump
    rm -rf "$WORK/dump"
    timed pg2pg "pg_dump -Fd -j $JOBS + pg_restore -j $JOBS" "$run" bash -c '
      pg_dump -h "$1" -p "$2" -U root -Fd -j "$3" -f "$4" "$5" &&
      pg_restore -h "$1" -p "$2" -U root -j "$3" --no-owner -d ferry_e2e_dump "$4"' \
      _ "$PG_HOST" "$PG_PORT" "$JOBS" "$WORK/dump" "$PGSRC" || true
    check_count ferry_e2e_dump public.lineitem "$ROWS" "pg_dump | pg_restore" || true
    pgdb_drop ferry_e2e_dump
    rm -rf "$WORK/dump"
  fi

  if want verify; then
    # Both sides' plain scans of the very tables verify reads, right before
    # it: the machine's speed drifts by more than the verify targets' margin
    # within a minute, so the limits suite's scans are too far away to divide by.
    timed verify "MariaDB scan just before verify" "$run" bash -c \
      'mariadb -uroot -h"$1" -P"$2" --quick -N -B "$3" -e "SELECT * FROM lineitem" > /dev/null' \
      _ "$MYSQL_HOST" "$MYSQL_PORT" "$DB" || true
    timed verify "PostgreSQL scan (its copy, binary) just before verify" "$run" bash -c \
      'psql -X -q -h "$1" -p "$2" -U root -d ferry_e2e_vt -c "COPY lineitem TO STDOUT (FORMAT binary)" > /dev/null' \
      _ "$PG_HOST" "$PG_PORT" || true
    timed verify "ferry verify lineitem MariaDB vs PostgreSQL" "$run" "$FERRY" verify \
      --source "$MY_URL" --target "$(pg_url ferry_e2e_vt)" -q > "$WORK/ferry-verify.out" 2>&1 \
      || { note "ferry verify reported differences or failed: $(tail -3 "$WORK/ferry-verify.out" | tr '\n' ' ')"; }
    if HAVE reladiff; then
      # Every column compared (-c %), the composite key, JOBS threads per database.
      timed verify "reladiff hashdiff -j $JOBS (every column)" "$run" reladiff \
        "mysql://root@$MYSQL_HOST:$MYSQL_PORT/$DB" lineitem \
        "postgresql://root@$PG_HOST:$PG_PORT/ferry_e2e_vt" lineitem \
        -k l_orderkey -k l_linenumber -c '%' -j "$JOBS" -a hashdiff -s \
        > "$WORK/reladiff.out" 2>&1 || true
      log "reladiff: $(tail -6 "$WORK/reladiff.out" | tr '\n' ' ')"
    fi
  fi
done

if want verify; then
  pgdb_fresh ferry_e2e_verify
  if timed verify "ferry migrate --verify full (once)" 1 "$FERRY" migrate --source "$MY_URL" \
      --target "$(pg_url ferry_e2e_verify)" --verify full > "$WORK/ferry-verify-full.out" 2>&1; then
    note "ferry --verify full: exit 0; $(grep -E '^(verify:|result:)' "$WORK/ferry-verify-full.out" | tr '\n' ' ')"
  else
    note "ferry --verify full: FAILED: $(tail -5 "$WORK/ferry-verify-full.out" | tr '\n' ' ')"
  fi
  pgdb_drop ferry_e2e_verify
fi

# ---------------------------------------------------------------- 3. table
echo
echo "SF=$SF, lineitem $ROWS rows, RUNS=$RUNS, JOBS=$JOBS, data: $DATA_SOURCE, $(nproc) cores, $(date -u +%Y-%m-%d)"
awk -F'\t' -v rows="$ROWS" -v pgrows="$PG_ROWS_TOTAL" '
  { key = $1 SUBSEP $2; n[key]++; v[key, n[key]] = $4; if ($5 > rss[key]) rss[key] = $5
    if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
  function median(t,   i, j, m, tmp, a) {
    m = n[t]; for (i = 1; i <= m; i++) a[i] = v[t, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { tmp = a[i]; a[i] = a[j]; a[j] = tmp }
    return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    for (i = 1; i <= k; i++) { split(order[i], p, SUBSEP)
      if (p[2] ~ /^ferry/ && !(p[1] in ferry)) ferry[p[1]] = median(order[i]) }
    suite = ""
    for (i = 1; i <= k; i++) {
      split(order[i], p, SUBSEP); s = median(order[i])
      if (p[1] != suite) {
        suite = p[1]
        printf "\n**%s**\n\n| task | seconds (median) | rows/s | peak RSS | seconds ÷ ferry'"'"'s |\n|---|---:|---:|---:|---:|\n", suite
      }
      r = (p[2] ~ /FROM file/) ? "-" : sprintf("%.0f MiB", rss[order[i]] / 1024)
      nrows = (suite == "pg2pg") ? pgrows : rows
      ratio = (suite in ferry) ? sprintf("%.2f", s / ferry[suite]) : "-"
      printf "| %s | %.2f | %.0f | %s | %s |\n", p[2], s, nrows / s, r, ratio
    }
  }' "$RESULTS"
echo
cat "$NOTES"

rm -f "$WORK"/time.*.txt
if [ "$KEEP" != 1 ]; then
  pgdb_drop ferry_e2e_vt
  my -e "DROP DATABASE IF EXISTS $DB"
  pgdb_drop "$PGSRC"
  rm -rf "$TBL" "$WORK/lineitem.txt" "$WORK/lineitem.bin" "$WORK/pgcopydb" "$WORK/sf"
fi
