-- Starts table ?1's AUTOINCREMENT counter at ?2 when SQLite has no row for it yet.
INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)
