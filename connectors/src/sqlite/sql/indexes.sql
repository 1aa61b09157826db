-- Indexes of table ?1 with their CREATE INDEX text (NULL for automatic indexes).
-- origin: 'c' = CREATE INDEX, 'u' = UNIQUE constraint, 'pk' = PRIMARY KEY.
SELECT l.name, l."unique", l.origin, l.partial, m.sql
FROM pragma_index_list(?1) AS l
LEFT JOIN sqlite_schema AS m ON m.type = 'index' AND m.name = l.name
ORDER BY l.name
