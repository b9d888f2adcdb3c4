#!/usr/bin/env bash
# test/fuzz/run_targets.sh
#
# Run built libFuzzer targets, each from its seeds (corpus/NAME) with its
# dictionary (dict/NAME.dict), and report: one line per target with its
# executions, then "N passed, N failed".  A target passes when libFuzzer
# exits 0 and wrote no crash, leak, timeout or out-of-memory file.
#
#   run_targets.sh [-s SECONDS] [-w WORKDIR] [-j JOBS] TARGET...
#
#   -s SECONDS   time per target (default 5)
#   -w WORKDIR   keep the inputs found in WORKDIR/NAME, from one run to the
#                next; empty (the default): a fresh directory, removed after
#   -j JOBS      targets run at once (default 1)
#
# Crash files go to artifacts/NAME-*; on a failure the script prints the
# file, its bytes in hex and the sanitizer's report.  Runs from any
# directory; paths are relative to this script's directory.
set -uo pipefail
cd "$(dirname "$0")"

seconds=5
work=""
jobs=1
while getopts "s:w:j:" opt; do
	case $opt in
		s) seconds=$OPTARG ;;
		w) work=$OPTARG ;;
		j) jobs=$OPTARG ;;
		*) echo "usage: $0 [-s SECONDS] [-w WORKDIR] [-j JOBS] TARGET..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	echo "usage: $0 [-s SECONDS] [-w WORKDIR] [-j JOBS] TARGET..." >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crfdw-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -n "$work" ] || work="$tmp/work"
mkdir -p artifacts

# run one target; its report goes to $tmp/NAME.result
run_one() {
	local target=$1
	local name=${target#fuzz_}
	local dir="$work/$name"
	local log="$tmp/$name.log"
	local res="$tmp/$name.result"
	local opts=(-max_total_time="$seconds" -max_len=65536 -timeout=10
		-rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="artifacts/$name-")
	local asan="abort_on_error=0:symbolize=1"
	local before after new execs rc f

	if [ ! -x "./$target" ]; then
		echo "$target: FAILED, not built" >"$res"
		return
	fi
	mkdir -p "$dir"
	[ -f "dict/$name.dict" ] && opts+=(-dict="dict/$name.dict")
	# jsonapi leaks a token on some errors (see the Makefile): fuzz_json
	# runs without leak detection; the other targets free every input's
	# memory, so a leak report there is real
	[ "$name" = json ] && asan="$asan:detect_leaks=0"

	before=$(ls artifacts | sort)
	ASAN_OPTIONS=$asan UBSAN_OPTIONS=print_stacktrace=1 \
		"./$target" "${opts[@]}" "$dir" "corpus/$name" >"$log" 2>&1
	rc=$?
	after=$(ls artifacts | sort)
	# (other targets may be running: only this one's files)
	new=$(comm -13 <(echo "$before") <(echo "$after") | grep "^$name-")
	execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+$')
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
	[ -n "$execs" ] || execs=0

	if [ "$rc" -eq 0 ] && [ -z "$new" ]; then
		echo "$target: passed, $execs executions in $seconds s, no crash" >"$res"
		return
	fi
	{
		echo "$target: FAILED (exit $rc), $execs executions"
		for f in $new; do
			echo "  crash file: test/fuzz/artifacts/$f"
			echo "  bytes (hex): $(od -An -tx1 -v "artifacts/$f" | tr -d ' \n' | head -c 2048)"
		done
		if grep -qE 'INVARIANT FAILED|==[0-9]+==ERROR|runtime error|ERROR: libFuzzer' "$log"; then
			grep -E -A 30 'INVARIANT FAILED|==[0-9]+==ERROR|runtime error|ERROR: libFuzzer' "$log" |
				grep -vE '^(MS|#|INFO|	NEW_FUNC|Done|stat::)' | head -n 50 | sed 's/^/  | /'
		else
			tail -n 10 "$log" | sed 's/^/  | /'
		fi
	} >"$res"
}

running=0
for t in "$@"; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

passed=0
failed=0
for t in "$@"; do
	name=${t#fuzz_}
	cat "$tmp/$name.result"
	if head -n1 "$tmp/$name.result" | grep -q ': passed'; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
