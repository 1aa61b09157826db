-- Columns of table ?1, hidden ones included (hidden 2/3 = generated virtual/stored).
SELECT cid, name, type, "notnull", dflt_value, pk, hidden
FROM pragma_table_xinfo(?1)
ORDER BY cid
