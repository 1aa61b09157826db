#!/usr/bin/env bash
# End-to-end benchmark: `ferry migrate` MySQL/MariaDB -> PostgreSQL on TPC-H
# `lineitem`, beside the machine's physical limits and the alternatives.
# Not part of the test suite; results are recorded by hand in docs/benchmarks.md.
#
# Usage:  bash benches/e2e/run.sh            # SF=1, RUNS=1
#         SF=0.1 RUNS=3 bash benches/e2e/run.sh
#
# Environment:
#   SF      TPC-H scale factor (default 1; SF1 = 6,001,215 lineitem rows)
#   RUNS    runs per timed task; the table shows the median (default 1)
#   KEEP=1  keep the MariaDB database `ferry_bench` (and the data files) afterwards
#   DATAGEN=sql  skip tpchgen-cli and use the SQL fallback generator
#   WORK    scratch directory for the generated data (default /tmp/ferry-e2e);
#           it must be readable by the PostgreSQL server (server-side COPY)
#   MYSQL_HOST/MYSQL_PORT, PG_HOST/PG_PORT   default 127.0.0.1:3306 / 127.0.0.1:5432
#
# Needs: a MariaDB server (root, no password, local_infile on), a PostgreSQL
# server (user root, trust auth, superuser for server-side COPY), mariadb and
# psql clients, GNU time (/usr/bin/time, Debian package `time`), cargo.
#
# Steps:
#   1. data: `tpchgen-cli` (installed with `cargo install tpchgen-cli --locked`
#      if missing) generates lineitem; if it is unavailable, lineitem-like rows
#      are generated in MariaDB from the seq_1_to_N sequence engine with
#      deterministic expressions (DATA_SOURCE in the output says which).
#      Loaded into MariaDB `ferry_bench` with LOAD DATA LOCAL INFILE, with the
#      TPC-H lineitem schema and primary key (l_orderkey, l_linenumber).
#   2. physical limits: `mariadb --quick -N -B -e 'SELECT * FROM lineitem' > /dev/null`;
#      server-side text `COPY lineitem FROM '<file>'` into an empty logged
#      table without indexes (the file is the MariaDB tab-separated output).
#   3. naive pipe: `mariadb --quick -N -B ... | psql -c "COPY lineitem FROM STDIN"`,
#      then `ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)`.
#   4. ferry: release binary, `ferry migrate ... --verify none -q`, plus one
#      run with `--verify full` (verification cost, and whether it matched).
#   5. pgloader with default settings, if installed (apt-get install pgloader).
#   Each tool writes into its own fresh PostgreSQL database, dropped afterwards.
#   Every target's row count is checked against the source.
#   Seconds are wall-clock and peak RSS is GNU time's "Maximum resident set
#   size" of the largest single process it waited for (for the server-side
#   COPY that is psql, not the server, so it is shown as "-").
set -euo pipefail

SF=${SF:-1}
RUNS=${RUNS:-1}
KEEP=${KEEP:-0}
WORK=${WORK:-/tmp/ferry-e2e}
MYSQL_HOST=${MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${MYSQL_PORT:-3306}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
DB=ferry_bench
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FERRY=$ROOT/target/release/ferry
TIME=/usr/bin/time

my() { mariadb -uroot -h"$MYSQL_HOST" -P"$MYSQL_PORT" "$@"; }
pg() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U root "$@"; }
pgdb_fresh() { pg -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"; }
pgdb_drop() { pg -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[ -x "$TIME" ] || { echo "GNU time missing: apt-get install -y time" >&2; exit 1; }
mkdir -p "$WORK"
chmod 755 "$WORK"
RESULTS=$WORK/results.tsv   # task \t run \t seconds \t peak_rss_kb
: > "$RESULTS"

# ---------------------------------------------------------------- helpers
# timed TASK RUN CMD... : runs CMD under GNU time -v, records seconds and peak RSS.
timed() {
  local task=$1 run=$2; shift 2
  local tv=$WORK/time.$$.txt start end secs rss
  start=$(date +%s.%N)
  if ! "$TIME" -v -o "$tv" "$@"; then
    log "FAILED: $task (run $run): $*"
    cat "$tv" >&2 || true
    return 1
  fi
  end=$(date +%s.%N)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tv")
  printf '%s\t%s\t%s\t%s\n' "$task" "$run" "$secs" "$rss" >> "$RESULTS"
  log "$task run $run: ${secs}s, peak RSS ${rss} kB"
}

check_count() { # DB TABLE(qualified) EXPECTED LABEL
  local n
  n=$(pg -d "$1" -Atc "SELECT count(*) FROM $2")
  if [ "$n" != "$3" ]; then log "COUNT MISMATCH for $4: $n rows, expected $3"; return 1; fi
  log "$4: $n rows on the target (matches the source)"
}

PG_LINEITEM_DDL="CREATE TABLE lineitem (
  l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL,
  l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL,
  l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL,
  l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL,
  l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
  l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL)"

# ---------------------------------------------------------------- 1. data
my -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
my "$DB" -e "CREATE TABLE lineitem (
  l_orderkey BIGINT NOT NULL, l_partkey BIGINT NOT NULL, l_suppkey BIGINT NOT NULL,
  l_linenumber INT NOT NULL, l_quantity DECIMAL(15,2) NOT NULL,
  l_extendedprice DECIMAL(15,2) NOT NULL, l_discount DECIMAL(15,2) NOT NULL,
  l_tax DECIMAL(15,2) NOT NULL, l_returnflag CHAR(1) NOT NULL, l_linestatus CHAR(1) NOT NULL,
  l_shipdate DATE NOT NULL, l_commitdate DATE NOT NULL, l_receiptdate DATE NOT NULL,
  l_shipinstruct CHAR(25) NOT NULL, l_shipmode CHAR(10) NOT NULL, l_comment VARCHAR(44) NOT NULL,
  PRIMARY KEY (l_orderkey, l_linenumber)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

DATAGEN=${DATAGEN:-tpchgen}
if [ "$DATAGEN" != sql ] && ! command -v tpchgen-cli >/dev/null && [ -x "$HOME/.cargo/bin/tpchgen-cli" ]; then
  PATH=$HOME/.cargo/bin:$PATH
fi
if [ "$DATAGEN" != sql ] && ! command -v tpchgen-cli >/dev/null; then
  if ! cargo install --list | grep -q '^tpchgen-cli '; then
    log "installing tpchgen-cli"
    timeout 900 cargo install tpchgen-cli --locked >&2 || log "tpchgen-cli install failed"
  fi
  PATH=$HOME/.cargo/bin:$PATH
fi

DATA_SOURCE=
if [ "$DATAGEN" != sql ] && command -v tpchgen-cli >/dev/null; then
  DATA_SOURCE="tpchgen-cli $(tpchgen-cli --version 2>/dev/null | awk '{print $NF}')"
  rm -rf "$WORK/tbl"; mkdir -p "$WORK/tbl"
  log "generating lineitem SF=$SF with $DATA_SOURCE"
  tpchgen-cli -s "$SF" --tables lineitem --overwrite --output-dir "$WORK/tbl" >&2
  TBL=$(ls "$WORK"/tbl/lineitem*.tbl | head -1)
  log "loading $TBL into MariaDB $DB"
  # .tbl lines end with a '|' after the last field: the extra empty field goes to a dummy variable
  my --local-infile=1 "$DB" -e "SET unique_checks=0; SET foreign_key_checks=0;
    LOAD DATA LOCAL INFILE '$TBL' INTO TABLE lineitem FIELDS TERMINATED BY '|' LINES TERMINATED BY '\n'
    (l_orderkey, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice, l_discount, l_tax,
     l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct, l_shipmode,
     l_comment, @dummy)"
  [ "$KEEP" = 1 ] || rm -rf "$WORK/tbl"
else
  # Fallback: lineitem-like rows from the sequence engine, deterministic expressions,
  # 1 to 7 lines per order like TPC-H (SF1 ~ 6M rows: 1.5M orders x avg 4 lines).
  DATA_SOURCE="SQL fallback (MariaDB seq engine, lineitem-like, not TPC-H dbgen data)"
  ORDERS=$(awk -v sf="$SF" 'BEGIN{printf "%d", 1500000*sf}')
  log "generating lineitem-like rows in MariaDB for $ORDERS orders"
  my "$DB" -e "SET unique_checks=0; INSERT INTO lineitem
    SELECT o.seq, 1 + (o.seq*7 + l.seq*13) % (200000*$SF), 1 + (o.seq*3 + l.seq) % (10000*$SF), l.seq,
      1 + (o.seq + l.seq) % 50, ((o.seq*31 + l.seq*17) % 10400000)/100 + 900,
      ((o.seq + l.seq) % 11)/100, ((o.seq*3 + l.seq) % 9)/100,
      ELT(1 + (o.seq + l.seq) % 3, 'A','N','R'), ELT(1 + o.seq % 2, 'F','O'),
      DATE '1992-01-02' + INTERVAL ((o.seq*7 + l.seq) % 2526) DAY,
      DATE '1992-01-31' + INTERVAL ((o.seq*7 + l.seq*3) % 2466) DAY,
      DATE '1992-01-03' + INTERVAL ((o.seq*7 + l.seq*5) % 2556) DAY,
      ELT(1 + (o.seq + l.seq) % 4, 'DELIVER IN PERSON','COLLECT COD','NONE','TAKE BACK RETURN'),
      ELT(1 + (o.seq*5 + l.seq) % 7, 'REG AIR','AIR','RAIL','SHIP','TRUCK','MAIL','FOB'),
      LEFT(CONCAT(MD5(o.seq*8 + l.seq), ' ', MD5(l.seq*8 + o.seq)), 10 + (o.seq + l.seq) % 34)
    FROM seq_1_to_${ORDERS} o JOIN seq_1_to_7 l ON l.seq <= 1 + (o.seq*2654435761) % 7"
fi
ROWS=$(my -N -B "$DB" -e "SELECT count(*) FROM lineitem")
log "source: $ROWS rows ($DATA_SOURCE)"

MY_SCAN=(mariadb -uroot -h"$MYSQL_HOST" -P"$MYSQL_PORT" --quick -N -B "$DB" -e 'SELECT * FROM lineitem')

# The server-side COPY input: MariaDB's tab-separated output (its escapes are
# PostgreSQL text COPY escapes; lineitem has no NULLs). Not timed.
TSV=$WORK/lineitem.tsv
"${MY_SCAN[@]}" > "$TSV"
chmod 644 "$TSV"

# ---------------------------------------------------------------- 2..5 timed tasks
if [ -x /usr/bin/pgloader ] || command -v pgloader >/dev/null; then HAVE_PGLOADER=1; else HAVE_PGLOADER=0; fi
log "building ferry (release)"
(cd "$ROOT" && cargo build --release --bin ferry >&2)

FERRY_VERIFY_NOTE=""
PGLOADER_NOTE=""
for run in $(seq 1 "$RUNS"); do
  log "=== run $run of $RUNS"
  # physical limit: MariaDB scan
  timed "MariaDB scan (mariadb --quick > /dev/null)" "$run" bash -c '"$@" > /dev/null' _ "${MY_SCAN[@]}"

  # physical limit: PostgreSQL ingest (server-side COPY, empty logged table, no indexes)
  pgdb_fresh ferry_e2e_copy
  pg -d ferry_e2e_copy -c "$PG_LINEITEM_DDL"
  timed "PostgreSQL ingest (server-side COPY FROM file, no indexes)" "$run" \
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U root -d ferry_e2e_copy -c "COPY lineitem FROM '$TSV'"
  check_count ferry_e2e_copy lineitem "$ROWS" "server-side COPY"
  pgdb_drop ferry_e2e_copy

  # naive pipe + primary key
  pgdb_fresh ferry_e2e_pipe
  pg -d ferry_e2e_pipe -c "$PG_LINEITEM_DDL"
  timed "naive pipe (mariadb → psql COPY FROM STDIN) + ADD PRIMARY KEY" "$run" bash -c '
    set -o pipefail
    mariadb -uroot -h"$1" -P"$2" --quick -N -B "$3" -e "SELECT * FROM lineitem" |
      psql -X -q -v ON_ERROR_STOP=1 -h "$4" -p "$5" -U root -d ferry_e2e_pipe -c "COPY lineitem FROM STDIN"
    psql -X -q -v ON_ERROR_STOP=1 -h "$4" -p "$5" -U root -d ferry_e2e_pipe \
      -c "ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)"' \
    _ "$MYSQL_HOST" "$MYSQL_PORT" "$DB" "$PG_HOST" "$PG_PORT"
  check_count ferry_e2e_pipe lineitem "$ROWS" "naive pipe"
  pgdb_drop ferry_e2e_pipe

  # ferry, no verification
  pgdb_fresh ferry_e2e_ferry
  timed "ferry migrate --verify none" "$run" "$FERRY" migrate \
    --source "mysql://root@$MYSQL_HOST:$MYSQL_PORT/$DB" \
    --target "postgres://root@$PG_HOST:$PG_PORT/ferry_e2e_ferry?schema=public" --verify none -q \
    || log "ferry migrate --verify none failed (see its message above)"
  check_count ferry_e2e_ferry public.lineitem "$ROWS" "ferry" || true
  pgdb_drop ferry_e2e_ferry

  # pgloader, default settings
  if [ "$HAVE_PGLOADER" = 1 ]; then
    pgdb_fresh ferry_e2e_pgloader
    if timed "pgloader (defaults)" "$run" pgloader \
        "mysql://root@$MYSQL_HOST:$MYSQL_PORT/$DB" "postgresql://root@$PG_HOST:$PG_PORT/ferry_e2e_pgloader" \
        > "$WORK/pgloader.out" 2>&1; then
      check_count ferry_e2e_pgloader "$DB.lineitem" "$ROWS" "pgloader" || PGLOADER_NOTE="pgloader: row count differs"
    else
      PGLOADER_NOTE="pgloader failed: $(tail -5 "$WORK/pgloader.out")"
    fi
    tail -20 "$WORK/pgloader.out" >&2 || true
    pgdb_drop ferry_e2e_pgloader
  else
    PGLOADER_NOTE="pgloader not installed"
  fi
done

# ferry with full verification, once
pgdb_fresh ferry_e2e_verify
FV_OUT=$WORK/ferry-verify-full.out
if timed "ferry migrate --verify full (once)" 1 "$FERRY" migrate \
    --source "mysql://root@$MYSQL_HOST:$MYSQL_PORT/$DB" \
    --target "postgres://root@$PG_HOST:$PG_PORT/ferry_e2e_verify?schema=public" --verify full \
    --report "$WORK/ferry-verify-full.json" > "$FV_OUT" 2>&1; then
  FERRY_VERIFY_NOTE="ferry --verify full: exit 0; $(grep -E '^(verify:|result:)' "$FV_OUT" | tr '\n' ' ')"
else
  FERRY_VERIFY_NOTE="ferry --verify full: FAILED: $(tail -5 "$FV_OUT" | tr '\n' ' ')"
fi
tail -8 "$FV_OUT" >&2
pgdb_drop ferry_e2e_verify

# ---------------------------------------------------------------- table
echo
echo "SF=$SF, $ROWS rows, RUNS=$RUNS, data: $DATA_SOURCE, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
awk -F'\t' -v rows="$ROWS" '
  { n[$1]++; v[$1, n[$1]] = $3; if ($4 > rss[$1]) rss[$1] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
  function median(t,   i, j, m, tmp, a) {
    m = n[t]; for (i = 1; i <= m; i++) a[i] = v[t, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { tmp = a[i]; a[i] = a[j]; a[j] = tmp }
    return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    for (i = 1; i <= k; i++) if (order[i] ~ /^ferry migrate --verify none/) fs = median(order[i])
    print "| task | seconds (median) | rows/s | peak RSS | ratio to ferry |"
    print "|---|---:|---:|---:|---:|"
    for (i = 1; i <= k; i++) {
      t = order[i]; s = median(t)
      r = (t ~ /server-side COPY/) ? "-" : sprintf("%.0f MiB", rss[t] / 1024)
      ratio = fs ? sprintf("%.2f", s / fs) : "n/a"
      printf "| %s | %.2f | %.0f | %s | %s |\n", t, s, rows / s, r, ratio
    }
  }' "$RESULTS"
echo
[ -n "$FERRY_VERIFY_NOTE" ] && echo "$FERRY_VERIFY_NOTE"
[ -n "$PGLOADER_NOTE" ] && echo "$PGLOADER_NOTE"

rm -f "$WORK"/time.*.txt
if [ "$KEEP" != 1 ]; then
  my -e "DROP DATABASE IF EXISTS $DB"
  rm -f "$TSV"
fi
