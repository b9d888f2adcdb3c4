--
-- IMPORT FOREIGN SCHEMA for every provider, LIMIT TO / EXCEPT, wrong schema.
--
CREATE SERVER imp_uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud');
CREATE SERVER imp_mg FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph');
CREATE SERVER imp_al FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba');
CREATE SERVER imp_tc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent');
CREATE SCHEMA imp;

IMPORT FOREIGN SCHEMA ucloud FROM SERVER imp_uc INTO imp;
IMPORT FOREIGN SCHEMA msgraph FROM SERVER imp_mg INTO imp;
IMPORT FOREIGN SCHEMA alibaba FROM SERVER imp_al INTO imp;
IMPORT FOREIGN SCHEMA tencent FROM SERVER imp_tc INTO imp;

SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
WHERE c.relnamespace = 'imp'::regnamespace AND a.attnum > 0
ORDER BY c.relname, a.attnum;

SELECT c.relname, ft.ftoptions, s.srvname
FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
JOIN pg_foreign_server s ON s.oid = ft.ftserver
WHERE c.relnamespace = 'imp'::regnamespace ORDER BY 1;

-- the remote schema must be the server's provider
IMPORT FOREIGN SCHEMA msgraph FROM SERVER imp_uc INTO imp;
IMPORT FOREIGN SCHEMA public FROM SERVER imp_tc INTO imp;

-- LIMIT TO and EXCEPT
CREATE SCHEMA imp2;
IMPORT FOREIGN SCHEMA ucloud LIMIT TO (uvms_send_records) FROM SERVER imp_uc INTO imp2;
IMPORT FOREIGN SCHEMA tencent EXCEPT (tel_call_info) FROM SERVER imp_tc INTO imp2;
IMPORT FOREIGN SCHEMA msgraph LIMIT TO (no_such_table) FROM SERVER imp_mg INTO imp2;
SELECT relname FROM pg_class WHERE relnamespace = 'imp2'::regnamespace ORDER BY 1;

-- importing twice collides, as for any table
IMPORT FOREIGN SCHEMA ucloud FROM SERVER imp_uc INTO imp2;

DROP SCHEMA imp, imp2 CASCADE;
DROP SERVER imp_uc, imp_mg, imp_al, imp_tc;
SELECT 1;
