-- Foreign keys of table ?1, one row per column pair. SQLite numbers them in
-- reverse declaration order; "to" is NULL when the key refers to the parent's PK.
SELECT id, seq, "table", "from", "to", on_update, on_delete
FROM pragma_foreign_key_list(?1)
ORDER BY id DESC, seq
