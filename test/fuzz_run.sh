#!/usr/bin/env bash
# test/fuzz_run.sh
#
# The longer fuzzing run of callrecord_fdw: builds the libFuzzer targets of
# test/fuzz and runs each for SECONDS (default 60), keeping what it finds
# in FUZZ_WORK (default /tmp/callrecord_fdw-fuzz) for the next run.  Prints
# one line per target with its executions, the file, bytes and report of
# any crash, and "N passed, N failed".  The test suite runs the short
# version, make -C test/fuzz run-short.
#
#   bash test/fuzz_run.sh [SECONDS [TARGET...]]
#
#   TARGET       fuzz_json fuzz_ucloud fuzz_msgraph fuzz_alibaba
#                fuzz_tencent fuzz_url fuzz_options (default: all)
#   FUZZ_JOBS    targets fuzzed at once (default 1)
#   FUZZ_WORK    where found inputs are kept
#
# Needs clang and libclang-rt-14-dev (test/install_deps.sh).
set -uo pipefail
cd "$(dirname "$0")/fuzz"

seconds=${1:-60}
[ $# -gt 0 ] && shift
case $seconds in
	'' | *[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_json fuzz_ucloud fuzz_msgraph fuzz_alibaba
	fuzz_tencent fuzz_url fuzz_options)
work=${FUZZ_WORK:-/tmp/callrecord_fdw-fuzz}

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
