--
-- Options: validated at CREATE/ALTER time, secrets only on user mappings,
-- superuser-only options, provider-specific checks.
--
\set VERBOSITY default
SELECT callrecord_fdw_version();

-- a server needs a provider, from the list
CREATE SERVER s_none FOREIGN DATA WRAPPER callrecord_fdw;
CREATE SERVER s_bad FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'twilio');
CREATE SERVER s_uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', region 'cn-zj');

-- unknown option: named, with the valid ones in the hint
CREATE SERVER s_x FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', regoin 'cn-zj');
ALTER SERVER s_uc OPTIONS (ADD fetch_size '100');

-- values: integers, ranges, reals, enums, URLs
ALTER SERVER s_uc OPTIONS (ADD timeout_ms 'abc');
ALTER SERVER s_uc OPTIONS (ADD timeout_ms '-5');
ALTER SERVER s_uc OPTIONS (ADD concurrency '0');
ALTER SERVER s_uc OPTIONS (ADD concurrency '1000');
ALTER SERVER s_uc OPTIONS (ADD max_retries '2.5');
ALTER SERVER s_uc OPTIONS (ADD requests_per_second '0');
ALTER SERVER s_uc OPTIONS (ADD requests_per_second 'fast');
ALTER SERVER s_uc OPTIONS (ADD requests_per_second '0.8');
ALTER SERVER s_uc OPTIONS (ADD history_days '0');
ALTER SERVER s_uc OPTIONS (ADD history_days '30');
ALTER SERVER s_uc OPTIONS (ADD endpoint 'ftp://example.com/');
ALTER SERVER s_uc OPTIONS (ADD endpoint 'https://127.0.0.1:1/ucloud');
CREATE SERVER s_e FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', region '');
ALTER SERVER s_uc OPTIONS (ADD timeout_ms '1000', timeout_ms '2000');

-- options of another provider are refused on a server
ALTER SERVER s_uc OPTIONS (ADD signature_version 'v3');
ALTER SERVER s_uc OPTIONS (ADD time_zone 'Asia/Shanghai');
ALTER SERVER s_uc OPTIONS (ADD token_endpoint 'https://login.example.com');
CREATE SERVER s_al FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', signature_version 'v4');
CREATE SERVER s_al FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', signature_version 'rpc');
CREATE SERVER s_tc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'Mars/Olympus');
CREATE SERVER s_tc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'Europe/Berlin');
CREATE SERVER s_mg FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', token_endpoint 'https://login.microsoftonline.us');

-- secrets and every other credential: only on a user mapping
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', private_key 'x');
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', client_secret 'x');
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', access_key_secret 'x');
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', security_token 'x');
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', secret_key 'x');
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', token 'x');
CREATE SERVER s_sec FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', public_key 'x');
CREATE FOREIGN TABLE t_sec (phone text) SERVER s_uc OPTIONS (private_key 'x');
CREATE FOREIGN TABLE t_sec (phone text OPTIONS (secret_key 'x')) SERVER s_uc;
CREATE FOREIGN DATA WRAPPER fdw2 VALIDATOR callrecord_fdw_validator OPTIONS (private_key 'x');

-- user mappings take credentials; unknown names are refused
CREATE USER MAPPING FOR CURRENT_USER SERVER s_uc OPTIONS (public_key 'pk', private_key 'sk', projectid 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_uc OPTIONS (public_key 'pk', private_key 'sk');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_uc OPTIONS (public_key 'pk', private_key 'sk');
ALTER USER MAPPING FOR CURRENT_USER SERVER s_uc OPTIONS (ADD endpoint 'https://x');

-- table and column options
CREATE FOREIGN TABLE t1 (phone text) SERVER s_uc OPTIONS (resource 'calls');
CREATE FOREIGN TABLE t1 (phone text) SERVER s_uc OPTIONS (resource 'uvms_send_records', page_size '0');
CREATE FOREIGN TABLE t1 (phone text) SERVER s_uc OPTIONS (resource 'uvms_send_records', page_size '100000');
CREATE FOREIGN TABLE t1 (phone text) SERVER s_uc OPTIONS (resource 'uvms_send_records', sdk_app_ids '1,x');
CREATE FOREIGN TABLE t1 (phone text OPTIONS (fieldname 'Phone')) SERVER s_uc OPTIONS (resource 'uvms_send_records');
CREATE FOREIGN TABLE t1 (phone text OPTIONS (field 'Phone')) SERVER s_uc OPTIONS (resource 'uvms_send_records', page_size '50');

-- checks that need the provider run when the table is used, in the same words
CREATE FOREIGN TABLE t_pg (phone text) SERVER s_uc OPTIONS (resource 'uvms_send_records', page_size '500');
EXPLAIN (COSTS OFF) SELECT * FROM t_pg;
CREATE FOREIGN TABLE t_isv (phone text) SERVER s_uc OPTIONS (resource 'uvms_send_records', isv_code 'x');
EXPLAIN (COSTS OFF) SELECT * FROM t_isv;
CREATE FOREIGN TABLE t_res (phone text) SERVER s_uc OPTIONS (resource 'pstn_calls');
EXPLAIN (COSTS OFF) SELECT * FROM t_res;

-- a missing credential fails at scan time with a clear message
CREATE SERVER s_uc2 FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', endpoint 'https://127.0.0.1:1/ucloud');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_uc2 OPTIONS (public_key 'pk');
CREATE FOREIGN TABLE t_uc2 (phone text) SERVER s_uc2 OPTIONS (resource 'uvms_send_records');
SELECT * FROM t_uc2;
ALTER USER MAPPING FOR CURRENT_USER SERVER s_uc2 OPTIONS (ADD client_secret 'x');
SELECT * FROM t_uc2;
DROP USER MAPPING FOR CURRENT_USER SERVER s_uc2;
SELECT * FROM t_uc2;

-- Graph needs the application's own tenant, checked before any request
CREATE USER MAPPING FOR CURRENT_USER SERVER s_mg OPTIONS (tenant_id 'common', client_id 'c', client_secret 's');
CREATE FOREIGN TABLE t_mg (id text) SERVER s_mg OPTIONS (resource 'pstn_calls');
SELECT * FROM t_mg;
ALTER USER MAPPING FOR CURRENT_USER SERVER s_mg OPTIONS (SET tenant_id 'contoso.onmicrosoft.com/x');
SELECT * FROM t_mg;

-- Tencent needs SdkAppIds from the query or the table
CREATE USER MAPPING FOR CURRENT_USER SERVER s_tc OPTIONS (secret_id 'i', secret_key 'k');
CREATE FOREIGN TABLE t_tc (day date, sdk_app_id bigint) SERVER s_tc OPTIONS (resource 'tel_call_info');
SELECT * FROM t_tc;

-- superuser-only options
CREATE ROLE regress_cr_user;
GRANT USAGE ON FOREIGN DATA WRAPPER callrecord_fdw TO regress_cr_user;
SET ROLE regress_cr_user;
CREATE SERVER s_user FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', endpoint 'https://evil.example.com/');
CREATE SERVER s_user FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', ca_file '/etc/passwd');
CREATE SERVER s_user FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', token_endpoint 'https://evil.example.com/');
CREATE SERVER s_user FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', region 'cn-bj2');
ALTER SERVER s_user OPTIONS (ADD endpoint 'https://evil.example.com/');
DROP SERVER s_user;
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER callrecord_fdw FROM regress_cr_user;
DROP ROLE regress_cr_user;

-- clean up
DROP SERVER s_uc CASCADE;
DROP SERVER s_uc2 CASCADE;
DROP SERVER s_al;
DROP SERVER s_tc CASCADE;
DROP SERVER s_mg CASCADE;
SELECT 1;

-- odd time zones for Tencent's day boundaries: refused, never read as a path
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone '');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone '../../etc/passwd');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone '/etc/passwd');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'Asia/../Asia/Shanghai');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone './UTC');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'zone.tab');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'Asia');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'UTC+168');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone ' UTC');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'Asia//Shanghai');
-- a 300-character name
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'Asia/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
-- names with a newline
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone E'Asia/Shanghai\n');
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone E'Asia/\nShanghai');
-- a leap-second zone, which SET timezone refuses too
CREATE SERVER s_tz FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', time_zone 'right/UTC');
SELECT count(*) FROM pg_foreign_server WHERE srvname = 's_tz';
