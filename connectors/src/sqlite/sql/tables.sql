-- Ordinary tables of the main schema (SQLite's own sqlite_* tables excluded).
SELECT name
FROM sqlite_schema
WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY name
