-- Schemas a user can see, for the "schema does not exist" hint.
SELECT nspname::text
FROM pg_catalog.pg_namespace
WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
ORDER BY nspname
