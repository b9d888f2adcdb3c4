#!/usr/bin/env bash
# Benchmarks of callrecord_fdw, from a fresh clone, as root:
#
#     bash test/bench/run.sh                 # deps, build + install, every benchmark
#     bash test/bench/run.sh rate startup    # only these (in the order of the list below)
#     bash test/bench/run.sh --no-build ...  # measure the extension already installed
#     bash test/bench/run.sh --library /abs/path/callrecord_fdw.so ...
#                       # measure a build that is not installed (implies --no-build;
#                       # no shared_preload_libraries then: rate ceilings per backend)
#
# Each benchmark runs alone (one at a time: the machine's cores are shared
# by PostgreSQL, the local vendor server and the benchmark itself) in its
# own throwaway cluster:
#     pg_virtualenv -t -v 15 -o shared_preload_libraries=callrecord_fdw -- python3 test/bench/<name>.py
# and prints its own tables.  Figures are ratios measured in one run; nothing
# here is a timed assertion.  Exit status: 1 when a benchmark could not run.
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")/../.."

# The benchmarks, in the order they run.  A name whose test/bench/<name>.py
# does not exist (yet) is skipped.
BENCHMARKS=(rate startup decode)

build=1
library=""
only=()
while [ $# -gt 0 ]; do
	case "$1" in
		--no-build) build=0 ;;
		--library)
			[ $# -ge 2 ] || { echo "--library needs a path" >&2; exit 2; }
			library=$(readlink -f "$2"); build=0; shift ;;
		-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
		*) only+=("$1") ;;
	esac
	shift
done
for a in "${only[@]}"; do
	if [[ ! " ${BENCHMARKS[*]} " =~ " $a " ]]; then
		echo "unknown benchmark: $a (known: ${BENCHMARKS[*]})" >&2
		exit 2
	fi
done

if [ "$build" = 1 ]; then
	echo "== dependencies"
	bash test/install_deps.sh nginx-light >/dev/null || { echo "could not install dependencies" >&2; exit 1; }
	echo "== build and install"
	if ! { make -s && make -s install; } >/tmp/crfdw-bench-build.$$.out 2>&1; then
		cat /tmp/crfdw-bench-build.$$.out
		rm -f /tmp/crfdw-bench-build.$$.out
		echo "build failed" >&2
		exit 1
	fi
	rm -f /tmp/crfdw-bench-build.$$.out
fi

# what is being measured
pgc=/usr/lib/postgresql/15/bin/pg_config
[ -x "$pgc" ] || pgc=pg_config
so="$("$pgc" --pkglibdir)/callrecord_fdw.so"
echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== source: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src sql Makefile 2>/dev/null || echo ' + uncommitted changes in:' $(git diff --name-only HEAD -- src sql Makefile 2>/dev/null))"
preload=(-o shared_preload_libraries=callrecord_fdw)
if [ -n "$library" ]; then
	so=$library
	preload=()
	export CRFDW_BENCH_LIBRARY=$library
fi
if [ -f "$so" ]; then
	echo "== measuring: $so, $(stat -c '%y' "$so" | cut -d. -f1), sha256 $(sha256sum "$so" | cut -c1-16)$([ -n "$library" ] && echo ', not installed, no shared_preload_libraries')"
else
	echo "== $so is missing" >&2
	exit 1
fi

status=0
for b in "${BENCHMARKS[@]}"; do
	if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " =~ " $b " ]]; then
		continue
	fi
	if [ ! -f "test/bench/$b.py" ]; then
		echo "== $b: test/bench/$b.py not there, skipped"
		continue
	fi
	echo
	echo "== $b"
	start=$(date +%s)
	pg_virtualenv -t -v 15 "${preload[@]}" -- python3 "test/bench/$b.py" 2>&1 \
		| grep -v -E '^(Creating new PostgreSQL cluster|Dropping cluster) '
	rc=${PIPESTATUS[0]}
	echo "== $b: exit $rc, $(( $(date +%s) - start )) s"
	[ "$rc" -eq 0 ] || status=1
done
exit $status
