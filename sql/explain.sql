--
-- Plans: pushed conditions and parameters, windows, history clamp, order,
-- LIMIT, contradictions, parameterized joins.  Plain EXPLAIN needs no
-- credentials and sends no request (the endpoint does not exist).
--
SET timezone = 'UTC';
CREATE SERVER ex_uc FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'ucloud', endpoint 'https://127.0.0.1:1/ucloud', region 'cn-zj');
CREATE SCHEMA ex;
IMPORT FOREIGN SCHEMA ucloud FROM SERVER ex_uc INTO ex;
SET search_path = ex, public;

-- no condition: the whole history, 180 days in 7-day windows
EXPLAIN (COSTS OFF) SELECT phone FROM uvms_send_records;

-- a bounded range, equality and IN fan-out, <> on brevity_code
EXPLAIN (COSTS OFF)
SELECT phone, duration FROM uvms_send_records
WHERE call_start_time >= now() - interval '30 days'
  AND task_no = 'T-2026-11' AND brevity_code <> 'B01';
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records
WHERE call_start_time >= now() - interval '10 days'
  AND phone IN ('+8613500000001', '+8613500000002', '+8613500000003');
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records
WHERE call_start_time BETWEEN now() - interval '14 days' AND now() - interval '7 days'
  AND purpose = 2 AND called_operator_code = 'cmcc';

-- a range reaching further back than history is clamped, and says so
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records WHERE call_start_time > now() - interval '2 years';

-- contradictions send no request
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records
WHERE call_start_time > now() - interval '1 day' AND call_start_time < now() - interval '2 days';
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records WHERE phone = 'a' AND phone = 'b';
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records WHERE phone = ANY (NULL::text[]);
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records WHERE phone = ANY ('{}'::text[]);

-- what cannot be pushed is filtered locally
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records WHERE duration > 30 AND phone LIKE '+86%';
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records WHERE phone = random()::text;

-- ORDER BY the time column is pushed; LIMIT fetches one request at a time
EXPLAIN (COSTS OFF)
SELECT phone, call_start_time FROM uvms_send_records ORDER BY call_start_time DESC LIMIT 5;
EXPLAIN (COSTS OFF)
SELECT phone, call_start_time FROM uvms_send_records
WHERE call_start_time >= now() - interval '7 days' ORDER BY call_start_time;
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records ORDER BY duration LIMIT 5;

-- prepared statements: parameters are pushed, in custom and generic plans
PREPARE q(text) AS SELECT phone FROM uvms_send_records WHERE phone = $1
  AND call_start_time >= now() - interval '3 days';
EXPLAIN (COSTS OFF) EXECUTE q('+8613500000001');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE q('+8613500000001');
RESET plan_cache_mode;

-- InitPlan values are pushed; the windows are decided at run time
EXPLAIN (COSTS OFF)
SELECT phone FROM uvms_send_records
WHERE call_start_time >= (SELECT now() - interval '2 days');

-- a join with a small local table becomes a parameterized nested loop
CREATE TABLE customers (phone text PRIMARY KEY, name text);
INSERT INTO customers SELECT '+86135000000' || lpad(i::text, 2, '0'), 'c' || i FROM generate_series(1, 3) i;
ANALYZE customers;
EXPLAIN (COSTS OFF)
SELECT c.name, r.call_start_time FROM customers c
JOIN uvms_send_records r ON r.phone = c.phone
WHERE r.call_start_time >= now() - interval '30 days';

-- a large one does not: one request per customer and window would cost more
-- than one scan of the range (hash join over a single series of pages)
INSERT INTO customers SELECT '+86136' || lpad(i::text, 8, '0'), 'c' || i FROM generate_series(1, 1000) i;
ANALYZE customers;
EXPLAIN (COSTS OFF)
SELECT c.name, r.call_start_time FROM customers c
JOIN uvms_send_records r ON r.phone = c.phone
WHERE r.call_start_time >= now() - interval '30 days';
-- where the crossover lies: the parameterized path costs one request series
-- per outer row, the plain scan windows x pages of the whole range
CREATE FUNCTION pg_temp.explain_lines(n int) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  DROP TABLE IF EXISTS some_customers;
  CREATE TEMP TABLE some_customers AS SELECT * FROM customers ORDER BY phone LIMIT n;
  ANALYZE some_customers;
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT c.name, r.call_start_time
      FROM some_customers c JOIN uvms_send_records r ON r.phone = c.phone
      WHERE r.call_start_time >= now() - interval ''30 days''' LOOP
    RETURN NEXT line;
  END LOOP;
END $$;
SELECT n AS outer_rows,
       (SELECT CASE WHEN plan ~ 'Nested Loop' THEN 'nested loop' ELSE 'single scan' END
        FROM (SELECT string_agg(line, ' ') AS plan
              FROM pg_temp.explain_lines(n) AS l(line)) p) AS plan
FROM unnest(ARRAY[1, 10, 50, 100, 200, 500]) n;

-- columns of other types or names are not pushed
CREATE FOREIGN TABLE odd (call_start_time text, phone_no text OPTIONS (field 'Phone'))
  SERVER ex_uc OPTIONS (resource 'uvms_send_records');
EXPLAIN (COSTS OFF) SELECT * FROM odd WHERE call_start_time > 'x' AND phone_no = '1';

-- EXPLAIN shows no credential
CREATE USER MAPPING FOR CURRENT_USER SERVER ex_uc OPTIONS (public_key 'pub-visible', private_key 'never-shown');
EXPLAIN (VERBOSE, COSTS OFF) SELECT phone FROM uvms_send_records WHERE task_no = 'T-1';
EXPLAIN (FORMAT JSON, COSTS OFF) SELECT phone FROM uvms_send_records WHERE task_no = 'T-1';

DROP TABLE customers;

-- Microsoft Graph: 90-day windows; the range is widened by a second at both
-- outer ends, and PostgreSQL rechecks the exact bounds
CREATE SERVER ex_mg FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'msgraph', endpoint 'https://127.0.0.1:1/graph');
IMPORT FOREIGN SCHEMA msgraph FROM SERVER ex_mg INTO ex;
EXPLAIN (COSTS OFF) SELECT id FROM pstn_calls;
EXPLAIN (COSTS OFF)
SELECT id, charge FROM pstn_calls
WHERE start_date_time >= now() - interval '100 days' AND start_date_time < now() - interval '10 days';

-- Alibaba: windows of 31 days for DAILY and 7 days for HALF_HOUR; IN fans out
CREATE SERVER ex_al FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'alibaba', endpoint 'https://127.0.0.1:1/alibaba/');
IMPORT FOREIGN SCHEMA alibaba FROM SERVER ex_al INTO ex;
EXPLAIN (COSTS OFF)
SELECT * FROM chatapp_phone_number_metrics WHERE start_time >= now() - interval '60 days';
EXPLAIN (COSTS OFF)
SELECT * FROM chatapp_phone_number_metrics
WHERE start_time >= now() - interval '10 days' AND granularity = 'HALF_HOUR'
  AND phone_number IN ('8613800000001', '8613800000002');

-- Tencent: one request per day and SdkAppId; the ids come from the query or
-- from the table option sdk_app_ids
CREATE SERVER ex_tc FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'tencent', endpoint 'https://127.0.0.1:1/tencent/');
IMPORT FOREIGN SCHEMA tencent FROM SERVER ex_tc INTO ex;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM tel_call_info
WHERE day BETWEEN current_date - 10 AND current_date - 4 AND sdk_app_id IN (1400000001, 1400000002);
EXPLAIN (COSTS OFF)
SELECT * FROM tel_call_info
WHERE day > current_date - 20 AND day <= current_date - 18 AND sdk_app_id = 1400000001;
EXPLAIN (COSTS OFF) SELECT * FROM tel_call_info WHERE day = current_date - 3;
ALTER FOREIGN TABLE tel_call_info OPTIONS (ADD sdk_app_ids '1400000001, 1400000002,1400000003');
EXPLAIN (COSTS OFF) SELECT * FROM tel_call_info WHERE day = current_date - 3;

DROP SCHEMA ex CASCADE;
DROP SERVER ex_uc CASCADE;
DROP SERVER ex_mg, ex_al, ex_tc CASCADE;
SELECT 1;
