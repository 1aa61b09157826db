-- Indexes of the tables of schema $1 that do not back a primary key, unique or
-- exclusion constraint. Key parts: attribute numbers (0 = expression), options
-- (bit 0 = DESC) and each key's definition text, all in key order.
SELECT i.indrelid,
       ic.relname::text,
       am.amname::text,
       i.indisunique,
       ARRAY(SELECT i.indkey[k] FROM generate_series(0, i.indnkeyatts - 1) AS k ORDER BY k) AS keys,
       ARRAY(SELECT i.indoption[k] FROM generate_series(0, i.indnkeyatts - 1) AS k ORDER BY k) AS options,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS defs,
       pg_get_expr(i.indpred, i.indrelid, true)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname
