#!/usr/bin/env bash
# The demo: build and install callrecord_fdw, start the local vendor API
# server and a throwaway PostgreSQL cluster, create one server per vendor,
# import the tables and run the queries a user would write.  Prints the
# results and, last, the elapsed time; exits non-zero when any step fails.
# Its temporary directory and the vendor server go away at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
t0=$(date +%s%N)
work=""
server=""

elapsed() {
	local ns=$(( $(date +%s%N) - t0 ))
	printf '%d.%d s' $((ns / 1000000000)) $((ns / 100000000 % 10))
}

cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	if [ -n "$work" ]; then
		if [ "$rc" -ne 0 ] && [ -s "$work/server.out" ]; then
			echo "--- vendor server output (last lines)" >&2
			tail -n 20 "$work/server.out" >&2
		fi
		rm -rf "$work"
	fi
	if [ "$rc" -eq 0 ]; then
		echo "demo finished in $(elapsed)"
	else
		echo "demo FAILED (exit status $rc) after $(elapsed)" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash test/install_deps.sh --demo
make -s && make -s install

work=$(mktemp -d /tmp/crfdw-demo.XXXXXX)
chmod 755 "$work"
bash test/make_certs.sh "$work/certs" >/dev/null
chmod -R a+rX "$work/certs"
python3 test/vendor_server.py --cert-dir "$work/certs" --port 0 \
	--port-file "$work/port" --log-file "$work/requests.jsonl" >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 1 100); do
	[ -s "$work/port" ] && break
	kill -0 "$server" 2>/dev/null || { echo "the local vendor API server exited" >&2; exit 1; }
	sleep 0.1
done
[ -s "$work/port" ] || { echo "the local vendor API server wrote no port file within 10 s" >&2; exit 1; }
port=$(cat "$work/port")

cat >"$work/demo.sql" <<SQL
\\set ON_ERROR_STOP 1
\\pset footer off
SET timezone = 'UTC';
CREATE EXTENSION callrecord_fdw;
CREATE SERVER ucloud_voice FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'ucloud', region 'cn-zj',
           endpoint 'https://127.0.0.1:$port/ucloud', ca_file '$work/certs/ca.pem',
           requests_per_second '20');
CREATE USER MAPPING FOR CURRENT_USER SERVER ucloud_voice
  OPTIONS (public_key 'ucloudsomeone@example.com1296235120854146120',
           private_key '46f09bb9fab4f12dfc160dae12273d5332b5debe');
CREATE SCHEMA reports;
IMPORT FOREIGN SCHEMA ucloud FROM SERVER ucloud_voice INTO reports;

\\echo '--- the ten latest calls'
SELECT phone, call_start_time, duration, receipt_result, receipt_desc
FROM reports.uvms_send_records
ORDER BY call_start_time DESC LIMIT 10;

\\echo '--- calls per day for one task over the last 30 days'
SELECT call_start_time::date AS day, count(*) AS calls, sum(duration) AS seconds,
       round(avg((receipt_result = 1)::int) * 100, 1) AS pct_answered
FROM reports.uvms_send_records
WHERE call_start_time >= now() - interval '30 days' AND task_no = 'T-2026-03'
GROUP BY 1 ORDER BY 1 DESC LIMIT 10;

\\echo '--- calls per day to our customers last week (a join with a local table: a parameterized nested loop)'
CREATE TABLE customers (phone text PRIMARY KEY, name text);
INSERT INTO customers VALUES ('+8613500000001', 'Acme Ltd'), ('+8613500000007', 'Globex');
ANALYZE customers;
SELECT r.call_start_time::date AS day, c.name, count(*) AS calls, sum(r.bill_second) AS billed_seconds
FROM customers c JOIN reports.uvms_send_records r ON r.phone = c.phone
WHERE r.call_start_time >= now() - interval '7 days'
GROUP BY 1, 2 ORDER BY 1, 2;

\\echo '--- the plan of that query'
EXPLAIN (COSTS OFF)
SELECT r.call_start_time::date AS day, c.name, count(*)
FROM customers c JOIN reports.uvms_send_records r ON r.phone = c.phone
WHERE r.call_start_time >= now() - interval '7 days' GROUP BY 1, 2;

\\echo '--- a materialized view for reports, refreshed'
CREATE MATERIALIZED VIEW daily_calls AS
SELECT call_start_time::date AS day, task_no, count(*) AS calls
FROM reports.uvms_send_records
WHERE call_start_time >= now() - interval '60 days' GROUP BY 1, 2;
CREATE UNIQUE INDEX ON daily_calls (day, task_no);
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_calls;
SELECT task_no, sum(calls) AS calls FROM daily_calls GROUP BY 1 ORDER BY 1;

\\echo '--- the whole history (180 days), with what it cost'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM reports.uvms_send_records;

\\echo '=== Microsoft Graph: PSTN charges by country, last 60 days'
CREATE SERVER teams FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'msgraph', endpoint 'https://127.0.0.1:$port/graph',
           token_endpoint 'https://127.0.0.1:$port/login', ca_file '$work/certs/ca.pem',
           requests_per_second '20');
CREATE USER MAPPING FOR CURRENT_USER SERVER teams
  OPTIONS (tenant_id 'contoso.onmicrosoft.com', client_id '11111111-2222-3333-4444-555555555555',
           client_secret 'graph-test-secret~0001');
IMPORT FOREIGN SCHEMA msgraph FROM SERVER teams INTO reports;
SELECT usage_country_code AS country, currency, count(*) AS calls,
       sum(duration) AS seconds, sum(charge) AS charges
FROM reports.pstn_calls
WHERE start_date_time >= now() - interval '60 days'
GROUP BY 1, 2 ORDER BY charges DESC;

\\echo '=== Alibaba Cloud: WhatsApp delivery rate by phone number, last 30 days'
CREATE SERVER cams FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'alibaba', endpoint 'https://127.0.0.1:$port/alibaba/',
           ca_file '$work/certs/ca.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER cams
  OPTIONS (access_key_id 'LTAI5tAlibabaTest0001', access_key_secret 'AlibabaTestSecret0001');
IMPORT FOREIGN SCHEMA alibaba FROM SERVER cams INTO reports;
SELECT phone_number, sum(sent_count) AS sent, sum(delivered_count) AS delivered,
       round(100.0 * sum(delivered_count) / nullif(sum(sent_count), 0), 1) AS pct_delivered
FROM reports.chatapp_phone_number_metrics
WHERE start_time >= now() - interval '30 days'
  AND phone_number IN ('8613800000001', '8613800000002', '8613800000003', '8613800000004')
GROUP BY 1 ORDER BY 1;

\\echo '=== Tencent Cloud: contact-center usage by day, last 14 days'
CREATE SERVER ccc FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'tencent', endpoint 'https://127.0.0.1:$port/tencent/',
           ca_file '$work/certs/ca.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER ccc
  OPTIONS (secret_id 'AKIDTencentTest0000000001', secret_key 'TencentTestKey0000000001');
IMPORT FOREIGN SCHEMA tencent FROM SERVER ccc INTO reports;
ALTER FOREIGN TABLE reports.tel_call_info OPTIONS (ADD sdk_app_ids '1400000001,1400000002');
SELECT day, sum(tel_call_out_count) AS calls_out, sum(tel_call_in_count) AS calls_in,
       max(seat_used_count) AS seats, sum(asr_realtime_count) AS asr_realtime
FROM reports.tel_call_info
WHERE day BETWEEN current_date - 14 AND current_date - 1
GROUP BY day ORDER BY day;

\\echo '=== what this session asked of each vendor'
SELECT server_name, provider, scans, requests, retries, rows, errors FROM callrecord_fdw_stats ORDER BY 1;
SQL
pg_virtualenv -t -v 15 -- psql -X -f "$work/demo.sql"
requests=$(wc -l <"$work/requests.jsonl")
echo "requests sent to the local vendor APIs: $requests"
