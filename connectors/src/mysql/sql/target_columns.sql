-- Character set of each column of one target table (NULL for non-text columns).
SELECT COLUMN_NAME, CHARACTER_SET_NAME, DATA_TYPE
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
ORDER BY ORDINAL_POSITION
