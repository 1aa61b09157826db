"""ConnectorX reading one query into an Arrow table, for benches/e2e/run.sh.

Usage: python3 connectorx_read.py <url> <query> [<partition column> <partitions>]

With a partition column, ConnectorX cuts the query into that many ranges of
it and reads them over as many connections (its `partition_on`). Prints the
row count and seconds; the whole result is held in memory (that is how
ConnectorX returns it), which the benchmark's peak RSS column shows.
"""
import sys
import time

import connectorx as cx

url, query = sys.argv[1], sys.argv[2]
partitioned = {}
if len(sys.argv) == 5:
    partitioned = {"partition_on": sys.argv[3], "partition_num": int(sys.argv[4])}
started = time.time()
table = cx.read_sql(url, query, return_type="arrow", **partitioned)
seconds = time.time() - started
print(f"rows={table.num_rows} seconds={seconds:.2f}")
