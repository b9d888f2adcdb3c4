#!/usr/bin/env bash
# The pg_regress and integration tests of callrecord_fdw with the extension
# built under AddressSanitizer + UndefinedBehaviorSanitizer:
#
#     bash test/asan.sh
#
# - copies the source (the files git lists, tracked and untracked but not
#   ignored, as they are in the working tree) into a private temporary
#   directory and builds there with -fsanitize=address,undefined: nothing is
#   built, cleaned or installed in the checkout or in the system PostgreSQL
#   directories, so it can run while other builds and tests do;
# - installs into a staging directory (make install DESTDIR=...) and makes a
#   throwaway cluster (pg_virtualenv -t) load the extension from there with
#   Debian's extension_destdir and dynamic_library_path settings (also for
#   shared_preload_libraries);
# - starts the postmaster with the ASan runtime preloaded: LD_PRELOAD (libasan
#   and a small helper library, see "sanitizer_preload"), ASAN_OPTIONS and
#   UBSAN_OPTIONS go into the cluster's "environment" file (pg_ctlcluster
#   starts the server with that environment only), given to pg_createcluster
#   with --environment; then checks that the runtime is active and that
#   backends map the staged, instrumented callrecord_fdw.so and no other;
# - runs what test/run_all.sh runs in its cluster: pg_regress (make
#   installcheck) and every test/integration/test_*.py, from the private copy
#   (test_leaks last, see ZERO_QUARANTINE_TESTS);
# - then, as a positive control, makes two backends commit a heap overflow and
#   a signed overflow in a probe module built with the same flags, and checks
#   that their reports reach the log directory with file:line (they are then
#   moved to log/probe);
# - lists every file in the sanitizer log directory and prints the reports;
#   the sanitizer check is one more test, which passes only when the runtime
#   was verified active, the probes were reported, and there is no report, no
#   sanitizer message in the server log and no backend killed by a signal.
#
# The last line counts every pg_regress test, every integration check and the
# sanitizer check: "N passed, N failed"; the exit status is 1 on any failure.
# Everything (copy, build, logs, reports) stays in /tmp/crfdw-asan.XXXXXX,
# printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
start=$SECONDS
bash test/install_deps.sh >/dev/null || { echo "could not install dependencies"; echo "0 passed, 1 failed"; exit 1; }

PG_VERSION=15
PG_CONFIG=/usr/lib/postgresql/$PG_VERSION/bin/pg_config
pkglibdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# the tests of these files measure the backend's RSS; ASan's quarantine keeps
# freed memory out of reuse (256 MB by default), so RSS grows by design: they
# run last, after a restart of the server with quarantine_size_mb=0 (buffer
# overflows are still caught; use after free only until the memory is reused)
ZERO_QUARANTINE_TESTS="test_leaks"
SUITE_TIMEOUT_S=3600            # the whole cluster part (it takes about 5 minutes)

work=$(mktemp -d /tmp/crfdw-asan.XXXXXX)
chmod 755 "$work"               # the postgres OS user reads the staged files
copy=$work/src                  # private copy of the source, built here
stage=$work/stage               # make install DESTDIR=$stage
san=$work/san                   # sanitizer reports: san/asan.PID, san/ubsan.PID
log=$work/log                   # outputs of the build and the tests
mkdir -p "$copy" "$stage" "$san" "$log"
chown postgres:postgres "$san"
chmod 755 "$san"

finish() {
	echo "(wall time $((SECONDS - start)) s; logs in $work)"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

. test/tally.sh

echo "== private copy of the source in $copy"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		done | xargs -0 -r cp --parents -t "$copy"
else
	tar -cf - --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		Makefile ./*.control sql src expected test | tar -xf - -C "$copy"
fi
chmod -R a+rX "$copy"

echo "== build (ASan + UBSan) and install into $stage"
# the Makefile's own PG_CFLAGS (-Werror) and SHLIB_LINK, plus the sanitizers
mkvar() {
	make -s --no-print-directory -C "$copy" PG_CONFIG="$PG_CONFIG" \
		--eval="crfdw-print-var: ; @echo \$($1)" crfdw-print-var
}
cflags="$(mkvar PG_CFLAGS) $SAN_FLAGS"
shlib_link="$(mkvar SHLIB_LINK) $SAN_FLAGS"
case $cflags in *-Werror*) ;; *) cflags="-Werror $cflags" ;; esac
makevars=(PG_CONFIG="$PG_CONFIG" PG_CFLAGS="$cflags" SHLIB_LINK="$shlib_link")
echo "PG_CFLAGS=$cflags"
echo "SHLIB_LINK=$shlib_link"
if ! { make -C "$copy" -j"$(nproc)" "${makevars[@]}" &&
	make -C "$copy" "${makevars[@]}" install DESTDIR="$stage"; } >"$log/build.out" 2>&1; then
	tail -n 60 "$log/build.out"
	failed=$((failed + 1))
	finish
fi
so=$stage$pkglibdir/callrecord_fdw.so
nm -D "$so" >"$log/nm.out" 2>&1
if ! grep -q '__asan_report' "$log/nm.out" || ! grep -q '__ubsan_handle' "$log/nm.out"; then
	echo "the staged $so is missing or not instrumented"
	failed=$((failed + 1))
	finish
fi
# an extension only the staging directory has: CREATE EXTENSION finds it only
# when the server reads extension files from there (Debian's extension_destdir
# tries <destdir><sharedir>/extension first, then the system directory; the
# same for $libdir/<module>, and dynamic_library_path for
# shared_preload_libraries)
printf "comment = 'marker of test/asan.sh'\ndefault_version = '1'\n" \
	>"$stage$sharedir/extension/crfdw_asan_stage_marker.control"
echo "SELECT 1;" >"$stage$sharedir/extension/crfdw_asan_stage_marker--1.sql"
chmod -R a+rX "$stage"
echo "staged: $so"

# A small library preloaded after libasan, for two problems of this setup:
#
# 1. With libasan alone in LD_PRELOAD, postgres (even "postgres -V") and psql
#    hang before main() or at exit (google/sanitizers#1270): ASan initialises
#    lazily at the first malloc(), and the constructors of libgpg-error and
#    gnutls (bindtextdomain) and p11-kit (newlocale), which run before
#    libasan's, make that first malloc() while holding one of glibc's locale
#    locks for writing; ASan's init looks up the optional symbol
#    swift_demangle with dlsym(), and the dlerror() after the failed lookup
#    translates its message, taking and releasing the same lock for reading:
#    the lock's reader count ends at -1 and the next writer waits forever.  A
#    swift_demangle that returns NULL ("not demangled", what ASan does without
#    one) makes the lookup succeed, so ASan's init touches no locale lock.
#
# 2. gcc's UBSan runtime (libubsan, which callrecord_fdw.so links; libasan
#    has no UBSan handlers) initialises at its first report, in the backend,
#    and reads UBSAN_OPTIONS from /proc/self/environ, which PostgreSQL has
#    overwritten with the process title by then: UBSAN_OPTIONS would be
#    ignored (report on stderr, no stack, exit 1 instead of abort).  It asks
#    __ubsan_default_options() for its defaults: this one returns the real
#    UBSAN_OPTIONS (getenv still works), and gives its log_path to libubsan's
#    own __sanitizer_set_report_path, because libubsan's call of that name
#    binds to libasan's copy (libasan comes first in the lookup order).
cat >"$work/sanitizer_preload.c" <<'PRELOAD'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

char	   *swift_demangle(const char *name, size_t len, char *buf, size_t *buflen, unsigned flags);
const char *__ubsan_default_options(void);

char *
swift_demangle(const char *name, size_t len, char *buf, size_t *buflen, unsigned flags)
{
	return NULL;
}

const char *
__ubsan_default_options(void)
{
	static char path[4096];
	const char *opts = getenv("UBSAN_OPTIONS");
	const char *lp;
	size_t		n;
	void	   *ubsan;
	void		(*set_report_path) (const char *);

	if (opts == NULL)
		return "";
	lp = strstr(opts, "log_path=");
	ubsan = dlopen("libubsan.so.1", RTLD_LAZY | RTLD_NOLOAD);
	if (lp != NULL && ubsan != NULL && (n = strcspn(lp + 9, ":")) < sizeof(path))
	{
		memcpy(path, lp + 9, n);
		path[n] = '\0';
		set_report_path = (void (*) (const char *)) dlsym(ubsan, "__sanitizer_set_report_path");
		if (set_report_path != NULL)
			set_report_path(path);
	}
	return opts;
}
PRELOAD
libasan=$(gcc -print-file-name=libasan.so)
preload=$work/sanitizer_preload.so
# the check: postgres and psql start and exit with the runtime preloaded
if ! { gcc -shared -fPIC -O2 -Wall -Werror -o "$preload" "$work/sanitizer_preload.c" -ldl &&
	env LD_PRELOAD="$libasan $preload" ASAN_OPTIONS=detect_leaks=0 timeout -s KILL 20 \
		"$("$PG_CONFIG" --bindir)/postgres" -V &&
	env LD_PRELOAD="$libasan $preload" ASAN_OPTIONS=detect_leaks=0 timeout -s KILL 20 \
		"$("$PG_CONFIG" --bindir)/psql" -V; } >"$log/preload.out" 2>&1; then
	echo "postgres does not start with the ASan runtime preloaded:"
	cat "$log/preload.out"
	failed=$((failed + 1))
	finish
fi
chmod 755 "$preload"

# the positive control, run in the cluster after the tests: a tiny module,
# built with the same flags, whose functions overflow a malloc'd buffer by one
# byte and overflow a signed int; each must abort its backend and leave a
# report naming the function and its file:line in the log directory
cat >"$work/crfdw_asan_probe.c" <<'PROBE'
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(crfdw_asan_probe);
PG_FUNCTION_INFO_V1(crfdw_ubsan_probe);

Datum
crfdw_asan_probe(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	char	   *volatile buf = malloc(n);

	buf[n] = 1;					/* one past the end */
	free(buf);
	PG_RETURN_VOID();
}

Datum
crfdw_ubsan_probe(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);

	PG_RETURN_INT32(n + INT_MAX);	/* signed overflow for n > 0 */
}
PROBE
if ! gcc -shared -fPIC -g -O0 $SAN_FLAGS -I"$("$PG_CONFIG" --includedir-server)" \
	-o "$work/crfdw_asan_probe.so" "$work/crfdw_asan_probe.c" >"$log/probe_build.out" 2>&1; then
	cat "$log/probe_build.out"
	failed=$((failed + 1))
	finish
fi
chmod 755 "$work/crfdw_asan_probe.so"

# the server's environment (pg_createcluster --environment copies this file
# into the cluster's configuration directory)
symbolizer=$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -n1 || true)
cat >"$work/environment" <<EOF
# environment of the postgres processes of the ASan cluster (test/asan.sh)
LD_PRELOAD = '$libasan $preload'
ASAN_OPTIONS = 'detect_leaks=0:abort_on_error=1:log_path=$san/asan'
UBSAN_OPTIONS = 'print_stacktrace=1:abort_on_error=1:log_path=$san/ubsan'
${symbolizer:+ASAN_SYMBOLIZER_PATH = '$symbolizer'}
EOF

# inside the cluster: first prove that the sanitizer runtime and the staged
# library are what the server uses, then run what run_all.sh's in_cluster.sh
# runs; the values come in the environment (pg_virtualenv passes it on)
cat >"$log/in_cluster.sh" <<'INNER'
set -uo pipefail
cd "$A_COPY" || exit 1
bad=0
check() { # check <what> <command...>: one line, ok or FAIL
	if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; bad=1; fi
}
maps_has() { grep -qF "$2" "/proc/$1/maps"; }
maps_has_system_lib() { grep -qE " $A_PKGLIBDIR/callrecord_fdw\.so\$" "/proc/$1/maps"; }
environ_has() { grep -qz "^$2" "/proc/$1/environ"; }
postmaster_pid() { head -n1 "$(psql -X -A -t -c 'SHOW data_directory')/postmaster.pid"; }
check_postmaster() {
	local pm
	pm=$(postmaster_pid)
	echo "# postmaster pid $pm"
	check "postmaster maps libasan" maps_has "$pm" /libasan.so
	check "postmaster environment has LD_PRELOAD with libasan" environ_has "$pm" "LD_PRELOAD=$A_LIBASAN "
	check "postmaster environment has ASAN_OPTIONS with log_path" environ_has "$pm" "ASAN_OPTIONS=$1.*log_path=$A_SAN/asan"
	check "postmaster environment has UBSAN_OPTIONS with log_path" environ_has "$pm" "UBSAN_OPTIONS=.*log_path=$A_SAN/ubsan"
	check "postmaster maps the staged callrecord_fdw.so (shared_preload_libraries)" maps_has "$pm" "$A_SO"
	check "postmaster does not map the system callrecord_fdw.so" eval "! maps_has_system_lib $pm"
}
server_log() { ls "$PG_CLUSTER_CONF_ROOT"/../log/*.log 2>/dev/null; }

{
	echo "# pg_config: $(pg_config --version), pkglibdir $(pg_config --pkglibdir), sharedir $(pg_config --sharedir)"
	psql -X -A -t -c "SELECT name || ' = ' || setting FROM pg_settings WHERE name IN
		('extension_destdir', 'dynamic_library_path', 'shared_preload_libraries') ORDER BY name" | sed 's/^/# /'
	check_postmaster ""
	# a backend that creates the extension (module_pathname
	# $libdir/callrecord_fdw, which C functions' probin keep) and so loads
	# its functions, in a scratch database
	psql -X -q -c 'DROP DATABASE IF EXISTS crfdw_asan_check' -c 'CREATE DATABASE crfdw_asan_check'
	psql -X -A -t -d crfdw_asan_check >"$A_LOG/backend_check.out" 2>&1 <<'SQL'
SELECT 'pid ' || pg_backend_pid();
-- informational only: pg_available_extensions reads the system directory,
-- not extension_destdir, so it lists callrecord_fdw only if it is installed there
SELECT 'available ' || name || ' ' || default_version FROM pg_available_extensions WHERE name = 'callrecord_fdw';
CREATE EXTENSION crfdw_asan_stage_marker;
CREATE EXTENSION callrecord_fdw;
SELECT 'installed ' || extname || ' ' || extversion FROM pg_extension ORDER BY extname;
SELECT 'function ' || p.proname || ' ' || p.probin FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
  JOIN pg_extension e ON d.refobjid = e.oid WHERE e.extname = 'callrecord_fdw' AND p.prolang = 13 ORDER BY 1;
SELECT 'map ' || regexp_replace(l, '^.* ', '') FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') l
  WHERE l ~ '(callrecord_fdw|libasan|libubsan|sanitizer_preload)' GROUP BY 1 ORDER BY 1;
SQL
	sed 's/^/# backend: /' "$A_LOG/backend_check.out"
	psql -X -q -c 'DROP DATABASE crfdw_asan_check'
	b=$A_LOG/backend_check.out
	check "CREATE EXTENSION of the staging directory's marker extension" grep -q '^installed crfdw_asan_stage_marker ' "$b"
	check "CREATE EXTENSION callrecord_fdw" grep -q '^installed callrecord_fdw ' "$b"
	check "the backend maps the staged callrecord_fdw.so" grep -qxF "map $A_SO" "$b"
	check "the backend maps no other callrecord_fdw.so" eval "[ \$(grep -c '^map .*callrecord_fdw' '$b') -eq 1 ]"
	check "the backend maps libasan and libubsan" eval "grep -q '^map .*/libasan' '$b' && grep -q '^map .*/libubsan' '$b'"
	echo "verified=$((1 - bad))"
} >"$A_LOG/verify.out" 2>&1
cat "$A_LOG/verify.out"
[ $bad -eq 0 ] || exit 1

make -s PG_CONFIG="$A_PG_CONFIG" installcheck >"$A_LOG/regress.out" 2>&1
echo "regress_rc=$?" >>"$A_LOG/regress.out"
shopt -s nullglob
run_test() {
	local t0=$SECONDS
	python3 "test/integration/$1.py" >"$A_LOG/$1.out" 2>&1
	echo "rc=$?" >>"$A_LOG/$1.out"
	echo "# $1: $((SECONDS - t0)) s"
}
for t in test/integration/test_*.py; do
	name=$(basename "$t" .py)
	case " $A_ZERO_QUARANTINE_TESTS " in *" $name "*) continue ;; esac
	run_test "$name"
done
zq=()
for name in $A_ZERO_QUARANTINE_TESTS; do
	[ -f "test/integration/$name.py" ] && zq+=("$name")
done
if [ ${#zq[@]} -gt 0 ]; then
	env_file=$PG_CLUSTER_CONF_ROOT/$PGVERSION/regress/environment
	sed -i "s/^ASAN_OPTIONS = '/ASAN_OPTIONS = 'quarantine_size_mb=0:/" "$env_file"
	bad=0
	{
		echo "# restart with quarantine_size_mb=0 for: ${zq[*]}"
		# stop + start, not restart: restart asks whether the server runs
		# from the external pid file /var/run/postgresql/15-regress.pid,
		# which every pg_virtualenv cluster on the machine shares (and
		# removes when it stops), and then only starts
		pg_ctlcluster "$PGVERSION" regress stop && pg_ctlcluster "$PGVERSION" regress start
		check_postmaster "quarantine_size_mb=0:"
	} >"$A_LOG/verify_restart.out" 2>&1
	cat "$A_LOG/verify_restart.out"
	for name in "${zq[@]}"; do
		if [ $bad -eq 0 ]; then
			run_test "$name"
		else
			echo "the restart with quarantine_size_mb=0 failed" >"$A_LOG/$name.out"
		fi
	done
fi
# backends killed by a signal (a sanitizer abort is SIGABRT), sanitizer
# messages that went to stderr; the server log is dropped with the cluster
mapfile -t logs < <(server_log)
if [ ${#logs[@]} -gt 0 ]; then
	grep -hE 'terminated by signal|was terminated|exited with exit code [^01]|AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
		"${logs[@]}" >"$A_LOG/server_problems.out"
else
	echo "no server log found" >"$A_LOG/server_problems.out"
fi

# the positive control (after the server log was scanned: it kills two
# backends); its reports are moved out of the log directory into log/probe
wait_ready() {
	local i
	for i in $(seq 120); do
		psql -X -q -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
probe() { # probe <function> <report prefix> <text the report must have>
	local fn=$1 prefix=$2 what=$3 pid i report
	if ! wait_ready; then
		echo "FAIL probe $fn: the server does not accept connections"
		bad=1
		return
	fi
	pid=$(psql -X -A -t -d crfdw_asan_probe -c 'SELECT pg_backend_pid()' -c "SELECT $fn(8)" 2>/dev/null | head -n1)
	for i in $(seq 50); do
		[ -s "$A_SAN/$prefix.$pid" ] && break
		sleep 0.2
	done
	report=$A_LOG/probe/$prefix.$pid
	mv "$A_SAN/$prefix.$pid" "$report" 2>/dev/null
	check "probe $fn (backend $pid): $prefix.$pid says \"$what\" in $fn at crfdw_asan_probe.c:<line>" \
		eval "grep -qF '$what' '$report' && grep -qE 'in $fn .*crfdw_asan_probe\.c:[0-9]+' '$report'"
	grep -m1 -F "$what" "$report" 2>/dev/null | sed 's/^/# /'
	grep -m1 -E "in $fn .*crfdw_asan_probe\.c:[0-9]+" "$report" 2>/dev/null | sed 's/^ */# /'
}
bad=0
mkdir -p "$A_LOG/probe"
{
	psql -X -q -c 'DROP DATABASE IF EXISTS crfdw_asan_probe' -c 'CREATE DATABASE crfdw_asan_probe'
	psql -X -q -d crfdw_asan_probe \
		-c "CREATE FUNCTION crfdw_asan_probe(int) RETURNS void AS '$A_PROBE', 'crfdw_asan_probe' LANGUAGE C STRICT" \
		-c "CREATE FUNCTION crfdw_ubsan_probe(int) RETURNS int AS '$A_PROBE', 'crfdw_ubsan_probe' LANGUAGE C STRICT"
	probe crfdw_asan_probe asan "ERROR: AddressSanitizer: heap-buffer-overflow"
	probe crfdw_ubsan_probe ubsan "runtime error: signed integer overflow"
	wait_ready && psql -X -q -c 'DROP DATABASE crfdw_asan_probe'
	echo "probe_ok=$((1 - bad))"
} >"$A_LOG/probe.out" 2>&1
[ ${#logs[@]} -gt 0 ] && cp "${logs[@]}" "$A_LOG/"
exit 0
INNER

echo "== PostgreSQL tests (pg_virtualenv, ASan cluster)"
A_COPY=$copy A_LOG=$log A_SAN=$san A_SO=$so A_PKGLIBDIR=$pkglibdir A_LIBASAN=$libasan \
	A_PG_CONFIG=$PG_CONFIG A_ZERO_QUARANTINE_TESTS=$ZERO_QUARANTINE_TESTS A_PROBE=$work/crfdw_asan_probe.so \
	pg_virtualenv -t -v "$PG_VERSION" -c "--environment=$work/environment" \
	-o shared_buffers=64MB -o shared_preload_libraries=callrecord_fdw \
	-o "extension_destdir=$stage" -o "dynamic_library_path=$stage$pkglibdir:\$libdir" \
	-- timeout "$SUITE_TIMEOUT_S" bash "$log/in_cluster.sh" >"$log/cluster.out" 2>&1
cluster_rc=$?
[ "$cluster_rc" -eq 124 ] && echo "== the tests in the cluster took more than $SUITE_TIMEOUT_S s and were stopped"
verified=0
grep -qx 'verified=1' "$log/verify.out" 2>/dev/null && verified=1
if [ "$verified" -ne 1 ]; then
	echo "== the ASan runtime or the staged library is not what the server uses (exit $cluster_rc):"
	tail -n 60 "$log/cluster.out"
else
	grep -E '^(ok|FAIL) ' "$log/verify.out" | sed 's/^/   /'
	grep -E '^# (backend: (map|available)|pg_config)' "$log/verify.out" | sed 's/^/   /'
	grep -E '^# test_' "$log/cluster.out" | sed 's/^/   /'
	if [ -f "$log/verify_restart.out" ]; then
		grep -E '^(# restart|FAIL)' "$log/verify_restart.out" | sed 's/^/   /'
		grep -q '^FAIL' "$log/verify_restart.out" && verified=0
	fi
	grep -E '^(ok|FAIL|#) ' "$log/probe.out" 2>/dev/null | sed 's/^/   /'
fi

tally_regress "$log/regress.out" "$log/cluster.out" "$copy/regression.diffs"
nint=0
for out in "$log"/test_*.out; do
	[ -f "$out" ] || continue
	nint=$((nint + 1))
	rc=$(grep -oE '^rc=[0-9]+' "$out" | tail -n1 | cut -d= -f2)
	tally "$(basename "$out" .out)" "$out" "${rc:-1}"
done
if [ "$nint" -eq 0 ]; then
	echo "== no integration test ran"
	failed=$((failed + 1))
fi

echo "== sanitizer log directory $san"
ls -la "$san"
reports=()
for r in "$san"/*; do
	[ -f "$r" ] && reports+=("$r")
done
for r in "${reports[@]}"; do
	echo "---- $r (first 60 lines)"
	head -n 60 "$r"
done
problems=0
[ -s "$log/server_problems.out" ] && problems=$(wc -l <"$log/server_problems.out")
if [ "$problems" -gt 0 ]; then
	echo "---- server log: killed backends, sanitizer messages"
	head -n 40 "$log/server_problems.out"
fi
probe_ok=0
grep -qx 'probe_ok=1' "$log/probe.out" 2>/dev/null && probe_ok=1
if [ "$verified" -eq 1 ] && [ "$probe_ok" -eq 1 ] && [ "${#reports[@]}" -eq 0 ] && [ "$problems" -eq 0 ]; then
	passed=$((passed + 1))
	echo "== sanitizers: no report; runtime verified active, probes reported: 1 passed, 0 failed"
else
	failed=$((failed + 1))
	echo "== sanitizers: ${#reports[@]} report file(s), $problems line(s) in the server log," \
		"runtime verified: $verified, probes reported: $probe_ok: 0 passed, 1 failed"
	[ "$probe_ok" -eq 1 ] || tail -n 20 "$log/probe.out" 2>/dev/null
fi
finish
