-- Tables, views and triggers of the main schema, with the flags pragma_table_list
-- adds (virtual / shadow tables, WITHOUT ROWID). SQLite's own sqlite_* tables are skipped.
SELECT s.type,
       s.name,
       COALESCE(s.sql, '') AS sql,
       COALESCE(t.type, '') AS table_kind,
       COALESCE(t.wr, 0) AS without_rowid
FROM sqlite_schema AS s
LEFT JOIN pragma_table_list AS t ON t.schema = 'main' AND t.name = s.name
WHERE s.type IN ('table', 'view', 'trigger')
  AND s.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY s.name
