-- Sequence name lookup for reset_identity: $1 = quoted qualified table, $2 = column name as is.
SELECT pg_get_serial_sequence($1, $2)
