#!/usr/bin/env bash
# test/fuzz_run.sh
#
# The longer fuzzing run of callrecord_fdw: installs what it needs when
# missing (test/install_deps.sh: clang, libclang-rt-14-dev, the PostgreSQL
# and libcurl headers), builds the libFuzzer targets of test/fuzz and runs
# each for SECONDS (default 60), keeping what it finds in FUZZ_WORK (default
# /tmp/callrecord_fdw-fuzz) for the next run.  Prints one line per target
# with its executions, the file, bytes and report of any crash, and
# "N passed, N failed".  The test suite runs the short version,
# make -C test/fuzz run-short.
#
#   bash test/fuzz_run.sh [SECONDS [TARGET...]]
#
#   TARGET       fuzz_json fuzz_ucloud fuzz_msgraph fuzz_alibaba
#                fuzz_tencent fuzz_url fuzz_options (default: every target
#                of test/fuzz/Makefile's TARGETS)
#   FUZZ_JOBS    targets fuzzed at once (default 1)
#   FUZZ_WORK    where found inputs are kept
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/fuzz"

usage() {
	echo "usage: $0 [SECONDS [TARGET...]]" >&2
	exit 2
}

seconds=${1:-60}
[ $# -gt 0 ] && shift
case $seconds in
	'' | *[!0-9]*) usage ;;
esac

# every target the Makefile builds (TARGETS = ..., with continuation lines)
all_targets=($(awk '
	/^TARGETS[ \t]*=/ { on = 1; sub(/^TARGETS[ \t]*=/, "") }
	on { cont = sub(/\\[ \t]*$/, ""); printf "%s ", $0; if (!cont) exit }' Makefile))
[ ${#all_targets[@]} -gt 0 ] || all_targets=(fuzz_json fuzz_ucloud fuzz_msgraph fuzz_alibaba
	fuzz_tencent fuzz_url fuzz_options)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
	case " ${all_targets[*]} " in
		*" $t "*) ;;
		*) echo "unknown target: $t (targets: ${all_targets[*]})" >&2; usage ;;
	esac
done
work=${FUZZ_WORK:-/tmp/callrecord_fdw-fuzz}

# clang, its libFuzzer runtime, the headers: installed when missing
deps_out=$(mktemp "${TMPDIR:-/tmp}/crfdw-fuzz-deps.XXXXXX")
if ! bash "$here/install_deps.sh" >"$deps_out" 2>&1; then
	cat "$deps_out"
	rm -f "$deps_out"
	echo "could not install dependencies"
	echo "0 passed, 1 failed"
	exit 1
fi
grep -E '^installing:' "$deps_out"
rm -f "$deps_out"

if ! make -s build-all >/dev/null 2>build.err; then
	cat build.err
	rm -f build.err
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f build.err

echo "fuzzing ${#targets[@]} targets for $seconds s each (found inputs in $work)"
start=$(date +%s)
bash ./run_targets.sh -s "$seconds" -w "$work" -j "${FUZZ_JOBS:-1}" "${targets[@]}"
rc=$?
echo "(took $(($(date +%s) - start)) s)"
exit $rc
