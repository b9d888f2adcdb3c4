--
-- Version and upgrade: the library's version, the extension's versions, and
-- the update path from 1.0 to 1.1 (which adds the session statistics).
--
SELECT callrecord_fdw_version();
SELECT name, default_version, installed_version
FROM pg_available_extensions WHERE name = 'callrecord_fdw';
SELECT version FROM pg_available_extension_versions
WHERE name = 'callrecord_fdw' ORDER BY version;

DROP EXTENSION callrecord_fdw CASCADE;
CREATE EXTENSION callrecord_fdw VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'callrecord_fdw';
SELECT count(*) FROM pg_proc WHERE proname LIKE 'callrecord_fdw_stats%';
ALTER EXTENSION callrecord_fdw UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'callrecord_fdw';
SELECT pg_describe_object(classid, objid, 0) AS member
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'callrecord_fdw')
ORDER BY 1;

-- no scan yet in this session: no statistics
SELECT * FROM callrecord_fdw_stats;
SELECT callrecord_fdw_stats_reset();

-- the progress setting
SHOW callrecord_fdw.progress;
SET callrecord_fdw.progress = on;
SET callrecord_fdw.no_such_setting = 1;
RESET callrecord_fdw.progress;
