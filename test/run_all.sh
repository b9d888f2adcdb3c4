#!/usr/bin/env bash
# The whole test suite of callrecord_fdw: installs what it needs, builds and
# installs the extension, then runs the C unit tests, the local vendor API
# server's self-test, the pg_regress tests and the integration tests against
# the local server in a throwaway cluster (with the library in
# shared_preload_libraries), the load test once more in a cluster without it,
# and the demo, timed.  The last line counts every test: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash test/install_deps.sh >/dev/null || { echo "could not install dependencies"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp -d /tmp/crfdw-test.XXXXXX)
chmod 755 "$log"

. test/tally.sh

echo "== build"
if ! { make -s clean && make -s && make -s install; } >"$log/build.out" 2>&1; then
	cat "$log/build.out"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "== unit tests"
make -s -C test/unit run >"$log/unit_sign.out" 2>&1
tally "sign" "$log/unit_sign.out" $?
if [ -f test/unit/json.mk ]; then
	make -s -C test/unit -f json.mk run-json >"$log/unit_json.out" 2>&1
	tally "json" "$log/unit_json.out" $?
fi

echo "== fuzz (short)"
make -s -C test/fuzz run-short >"$log/fuzz.out" 2>&1
tally "fuzz" "$log/fuzz.out" $?

echo "== vendor API server self-tests"
for t in test/test_vendor_*.py; do
	name=$(basename "$t" .py)
	python3 "$t" >"$log/server_$name.out" 2>&1
	tally "${name#test_}" "$log/server_$name.out" $?
done

# everything that needs PostgreSQL runs in one throwaway cluster
cat >"$log/in_cluster.sh" <<INNER
set -uo pipefail
cd "$root"
make -s installcheck >"$log/regress.out" 2>&1
echo "regress_rc=\$?" >>"$log/regress.out"
shopt -s nullglob
for t in test/integration/test_*.py; do
	name=\$(basename "\$t" .py)
	python3 "\$t" >"$log/\$name.out" 2>&1
	echo "rc=\$?" >>"$log/\$name.out"
done
INNER
echo "== PostgreSQL tests (pg_virtualenv)"
pg_virtualenv -t -v 15 -o shared_buffers=64MB -o shared_preload_libraries=callrecord_fdw -- bash "$log/in_cluster.sh" >"$log/cluster.out" 2>&1

tally_regress "$log/regress.out" "$log/cluster.out" regression.diffs
for out in "$log"/test_*.out; do
	[ -f "$out" ] || continue
	rc=$(grep -oE '^rc=[0-9]+' "$out" | tail -n1 | cut -d= -f2)
	tally "$(basename "$out" .out)" "$out" "${rc:-1}"
done

# the load test again in a cluster WITHOUT shared_preload_libraries: each
# backend keeps its own rate ceiling (the log's name must not match test_*.out)
echo "== load test, library not preloaded (pg_virtualenv)"
pg_virtualenv -t -v 15 -o shared_buffers=64MB -- python3 test/integration/test_load.py \
	>"$log/not_preloaded_test_load.out" 2>&1
tally "test_load_not_preloaded" "$log/not_preloaded_test_load.out" $?

# the demo (the README's first command), as a user runs it: one test that
# passes when it exits 0, prints every result section and the statistics of
# all four providers without errors, and takes under DEMO_LIMIT_S seconds
DEMO_LIMIT_S=120
echo "== demo (bash test/demo.sh)"
demo_t0=$(date +%s%N)
bash test/demo.sh >"$log/demo.out" 2>&1
demo_rc=$?
demo_ms=$(( ($(date +%s%N) - demo_t0) / 1000000 ))
demo_problems=()
[ "$demo_rc" -eq 0 ] || demo_problems+=("exit status $demo_rc")
for marker in \
	'--- the ten latest calls' \
	'--- calls per day to our customers last week' \
	'--- the plan of that query' \
	'Foreign Scan on uvms_send_records' \
	'--- a materialized view for reports, refreshed' \
	'--- the whole history (180 days), with what it cost' \
	'=== Microsoft Graph: PSTN charges by country, last 60 days' \
	'=== Alibaba Cloud: WhatsApp delivery rate by phone number, last 30 days' \
	'=== Tencent Cloud: contact-center usage by day, last 14 days' \
	'=== what this session asked of each vendor' \
	'requests sent to the local vendor APIs: ' \
	'demo finished in '; do
	grep -qF -- "$marker" "$log/demo.out" || demo_problems+=("no line \"$marker\"")
done
# the statistics table (server_name | provider | scans | requests | retries |
# rows | errors): one row per provider, with requests and rows, and 0 errors
for provider in ucloud msgraph alibaba tencent; do
	sed -n '/^=== what this session asked of each vendor/,$p' "$log/demo.out" |
		awk -F'|' -v p="$provider" '
			{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
			NF == 7 && $2 == p && $4 + 0 > 0 && $6 + 0 > 0 && $7 == "0" { ok = 1 }
			END { exit !ok }' ||
		demo_problems+=("no statistics row for $provider with requests, rows and 0 errors")
done
[ "$demo_ms" -lt $((DEMO_LIMIT_S * 1000)) ] ||
	demo_problems+=("took $((demo_ms / 1000)) s, more than $DEMO_LIMIT_S s")
if [ ${#demo_problems[@]} -eq 0 ]; then
	passed=$((passed + 1))
	echo "== demo: 1 passed, 0 failed ($((demo_ms / 1000)).$((demo_ms / 100 % 10)) s)"
else
	failed=$((failed + 1))
	echo "== demo: 0 passed, 1 failed ($((demo_ms / 1000)).$((demo_ms / 100 % 10)) s)"
	printf '   %s\n' "${demo_problems[@]}"
	tail -n 30 "$log/demo.out"
fi

echo "(logs in $log)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
