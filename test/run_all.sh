#!/usr/bin/env bash
# The whole test suite of callrecord_fdw: installs what it needs, builds and
# installs the extension, then runs the C unit tests, the local vendor API
# server's self-test, the pg_regress tests and the integration tests against
# the local server in a throwaway cluster.  The last line counts every test:
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash test/install_deps.sh >/dev/null || { echo "could not install dependencies"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp -d /tmp/crfdw-test.XXXXXX)
chmod 755 "$log"
passed=0
failed=0

# count a test program's "N passed, N failed" line
tally() {
	local name=$1 out=$2 rc=$3
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
	if [ -z "$line" ]; then
		echo "== $name: no result line (exit $rc)"
		tail -n 30 "$out"
		failed=$((failed + 1))
		return
	fi
	local p f
	p=$(echo "$line" | awk '{print $1}')
	f=$(echo "$line" | awk '{print $3}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "== $name: $line"
	if [ "$f" -gt 0 ]; then
		grep -E 'FAIL|not ok|Error|ERROR' "$out" | head -n 40
	fi
}

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

# pg_regress: "All N tests passed." or "M of N tests failed."
if grep -qE 'All [0-9]+ tests passed' "$log/regress.out"; then
	n=$(grep -oE 'All [0-9]+ tests passed' "$log/regress.out" | grep -oE '[0-9]+')
	passed=$((passed + n))
	echo "== pg_regress: $n passed, 0 failed"
elif grep -qE '[0-9]+ of [0-9]+ tests failed' "$log/regress.out"; then
	read -r f total < <(grep -oE '[0-9]+ of [0-9]+ tests failed' "$log/regress.out" | awk '{print $1, $3}')
	passed=$((passed + total - f))
	failed=$((failed + f))
	echo "== pg_regress: $((total - f)) passed, $f failed"
	[ -f regression.diffs ] && head -n 80 regression.diffs
else
	echo "== pg_regress did not run"
	cat "$log/regress.out" "$log/cluster.out" | tail -n 30
	failed=$((failed + 1))
fi
for out in "$log"/test_*.out; do
	[ -f "$out" ] || continue
	rc=$(grep -oE '^rc=[0-9]+' "$out" | tail -n1 | cut -d= -f2)
	tally "$(basename "$out" .out)" "$out" "${rc:-1}"
done

echo "(logs in $log)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
