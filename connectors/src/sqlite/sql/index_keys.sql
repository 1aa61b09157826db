-- Key parts of index ?1 in key order; cid -2 is an expression, -1 the rowid.
SELECT seqno, cid, name, "desc"
FROM pragma_index_xinfo(?1)
WHERE key = 1
ORDER BY seqno
