# Counting for the suite scripts, sourced by test/run_all.sh and
# test/asan.sh: running totals of passed and failed tests, from each test
# program's last "N passed, N failed" line and from pg_regress's summary.
passed=0
failed=0

# tally NAME OUTPUT EXIT_STATUS: count a test program's result line; a
# program that failed (non-zero exit) with no failed test counts one
tally() {
	local name=$1 out=$2 rc=$3
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)
	if [ -z "$line" ]; then
		echo "== $name: no result line (exit $rc)"
		tail -n 30 "$out"
		failed=$((failed + 1))
		return
	fi
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

# tally_regress REGRESS_OUTPUT CLUSTER_OUTPUT DIFFS: count pg_regress's
# "All N tests passed." or "M of N tests failed."; not run is one failure
tally_regress() {
	local out=$1 cluster_out=$2 diffs=$3
	local n f total
	if grep -qE 'All [0-9]+ tests passed' "$out" 2>/dev/null; then
		n=$(grep -oE 'All [0-9]+ tests passed' "$out" | grep -oE '[0-9]+')
		passed=$((passed + n))
		echo "== pg_regress: $n passed, 0 failed"
	elif grep -qE '[0-9]+ of [0-9]+ tests failed' "$out" 2>/dev/null; then
		read -r f total < <(grep -oE '[0-9]+ of [0-9]+ tests failed' "$out" | awk '{print $1, $3}')
		passed=$((passed + total - f))
		failed=$((failed + f))
		echo "== pg_regress: $((total - f)) passed, $f failed"
		[ -f "$diffs" ] && head -n 80 "$diffs"
	else
		echo "== pg_regress did not run"
		cat "$out" "$cluster_out" 2>/dev/null | tail -n 30
		failed=$((failed + 1))
	fi
}
