-- Objects ferry lists but does not migrate: views, triggers, routines, events.
SELECT 'view' AS KIND, TABLE_NAME AS NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
UNION ALL
SELECT 'trigger', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
UNION ALL
SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
UNION ALL
SELECT 'event', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
ORDER BY 1, 2
