-- Moves table ?1's AUTOINCREMENT counter up to ?2 (never down).
UPDATE sqlite_sequence SET seq = MAX(seq, ?2) WHERE name = ?1
