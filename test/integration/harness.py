"""Shared helpers for the integration tests of callrecord_fdw (Python 3 stdlib only).

The test files run inside a throwaway cluster made by pg_virtualenv, which sets
PGHOST/PGPORT/PGUSER/PGDATABASE (a superuser):

    pg_virtualenv -v 15 -- python3 test/integration/test_<vendor>.py

What is here:

- VendorServer: starts test/vendor_server.py (certificates from
  test/make_certs.sh in a temporary directory readable by the postgres OS
  user), waits for its port file, kills it at exit; control API helpers
  (reset, config, faults, log, truth).
- psql(), psql_ok(), psql_error(): one psql process per call (one backend, one
  session), input on stdin, `SET timezone='UTC'` first.
- A tiny test registry: @test, run_tests(); every test is preceded by a server
  reset; exceptions and assertion failures count as failures with their
  message; the last line is exactly "N passed, N failed"; exit status 1 when
  anything failed.
- info(): an informational line "# ..." for the figures a report quotes.
"""

import atexit
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TEST_DIR = os.path.join(ROOT, "test")
if TEST_DIR not in sys.path:
    sys.path.insert(0, TEST_DIR)

DAY_MS = 86400000
DAY_US = DAY_MS * 1000

PSQL_BASE = ["psql", "-X", "-q", "-A", "-t", "-F", "|"]
SESSION_PREAMBLE = "SET timezone = 'UTC';\n"


def info(msg):
    """An informational line, quoted by reports: '# ...'."""
    print("# " + msg, flush=True)


# ---------------------------------------------------------------- vendor server

class VendorServer:
    """The local vendor API server (test/vendor_server.py) in a subprocess."""

    def __init__(self, start_timeout=20.0, script=None):
        """script: a drop-in replacement of test/vendor_server.py taking the
        same arguments (e.g. a wrapper that adds fields to the request log);
        default test/vendor_server.py."""
        self.dir = tempfile.mkdtemp(prefix="crfdw-it.")
        os.chmod(self.dir, 0o755)           # the postgres OS user reads ca.pem in here
        self.cert_dir = os.path.join(self.dir, "certs")
        p = subprocess.run(["bash", os.path.join(TEST_DIR, "make_certs.sh"), self.cert_dir],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("make_certs.sh failed: %s" % (p.stderr.strip() or p.stdout.strip()))
        for dirpath, _dirs, files in os.walk(self.cert_dir):
            os.chmod(dirpath, 0o755)
            for f in files:
                os.chmod(os.path.join(dirpath, f), 0o644)
        self.ca = os.path.join(self.cert_dir, "ca.pem")
        self.port_file = os.path.join(self.dir, "port")
        self.foreign_port_file = os.path.join(self.dir, "foreign_port")
        self.server_log = open(os.path.join(self.dir, "server.out"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, script or os.path.join(TEST_DIR, "vendor_server.py"), "--cert-dir", self.cert_dir,
             "--port", "0", "--port-file", self.port_file,
             "--foreign-port-file", self.foreign_port_file],
            stdout=self.server_log, stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        deadline = time.monotonic() + start_timeout
        self.port = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vendor server exited with %s: %s"
                                   % (self.proc.returncode, self._server_output()))
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError("vendor server wrote no port file within %.0f s" % start_timeout)
        self.base = "https://127.0.0.1:%d" % self.port
        # the foreign listener's port file is written before the main one
        with open(self.foreign_port_file) as f:
            self.foreign_port = int(f.read().strip())
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def _server_output(self):
        try:
            with open(os.path.join(self.dir, "server.out")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def endpoint(self, vendor):
        return "%s/%s" % (self.base, vendor)

    def call(self, path, body=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method or ("GET" if body is None else "POST"),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=15) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:
            raise RuntimeError("control %s: HTTP %d %s" % (path, e.code, e.read().decode(errors="replace")))
        return json.loads(raw) if raw else None

    def reset(self):
        return self.call("/_control/reset", {})

    def config(self, **kw):
        return self.call("/_control/config", kw)

    def faults(self, *faults):
        return self.call("/_control/faults", list(faults))

    def log(self, vendor=None):
        entries = self.call("/_control/log")
        return [e for e in entries if vendor is None or e.get("vendor") == vendor]

    def foreign(self):
        """What reached the foreign listener: {"connections": n, "requests": [...]}."""
        return self.call("/_control/foreign")

    def truth(self, vendor, **query):
        qs = "&".join("%s=%s" % (k, v) for k, v in query.items())
        return self.call("/_control/truth/%s?%s" % (vendor, qs))

    def stop(self):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if getattr(self, "server_log", None) is not None:
            self.server_log.close()
            self.server_log = None
        if getattr(self, "dir", None) and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- psql

class PsqlResult:
    def __init__(self, rc, lines, stderr, elapsed):
        self.rc = rc
        self.lines = lines
        self.stderr = stderr
        self.elapsed = elapsed

    def __iter__(self):         # rc, lines, stderr = psql(...)
        return iter((self.rc, self.lines, self.stderr))


def psql(script, stop_on_error=True, timeout=120, preamble=SESSION_PREAMBLE):
    """Run a script in one psql session (input on stdin).

    Returns a PsqlResult, which unpacks as (rc, stdout lines, stderr); empty
    lines are dropped (-t prints one between result sets of some commands)."""
    cmd = PSQL_BASE + ["-v", "ON_ERROR_STOP=%d" % (1 if stop_on_error else 0)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, input=preamble + script, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - t0
    lines = [l for l in p.stdout.splitlines() if l != ""]
    return PsqlResult(p.returncode, lines, p.stderr, elapsed)


def psql_ok(script, **kw):
    """Run a script that must succeed; return its stdout lines."""
    r = psql(script, **kw)
    if r.rc != 0 or "ERROR:" in r.stderr:
        raise AssertionError("psql failed (rc %d): %s" % (r.rc, r.stderr.strip()[:2000]))
    return r.lines


_ERR_LINE = re.compile(r"^(?:psql:[^:]*:\d+: )?(ERROR|FATAL|PANIC):\s+(.*)$")


def error_text(stderr):
    """The first ERROR of a psql stderr with its DETAIL/HINT/CONTEXT lines, as one string."""
    out, inside = [], False
    for line in stderr.splitlines():
        m = _ERR_LINE.match(line)
        if m:
            if inside:
                break
            inside = True
            out.append("%s:  %s" % (m.group(1), m.group(2)))
        elif inside:
            if re.match(r"^(?:psql:[^:]*:\d+: )?(WARNING|NOTICE|INFO|LOG):", line):
                break
            out.append(line)
    return "\n".join(out)


def psql_error(script, **kw):
    """Run a script in which (exactly one) error is expected, going on after it
    (ON_ERROR_STOP=0), so statements after the failing one run in the same
    session.  Returns (stdout lines, error text, PsqlResult)."""
    r = psql(script, stop_on_error=False, **kw)
    err = error_text(r.stderr)
    if not err:
        raise AssertionError("expected an ERROR, got none; stdout %r, stderr %r"
                             % (r.lines[:5], r.stderr.strip()[:500]))
    return r.lines, err, r


def sql_literal(s):
    return "'" + str(s).replace("'", "''") + "'"


def psql_spawn(script, preamble=SESSION_PREAMBLE):
    """Start a psql session in the background (for cancel tests); returns the Popen.
    Read the result with proc.communicate()."""
    p = subprocess.Popen(PSQL_BASE + ["-v", "ON_ERROR_STOP=0"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write(preamble + script)
    p.stdin.close()
    p.stdin = None
    return p


# ---------------------------------------------------------------- time helpers

def ceil_div(a, b):
    return -(-a // b)


def now_window_ms(now_us, days=None, lo_us=None):
    """Inclusive ms bounds [lo, hi] of the records a scan reaching from
    lo_us (or now - days) to now (inclusive) returns."""
    if lo_us is None:
        lo_us = now_us - days * DAY_US
    return ceil_div(lo_us, 1000), now_us // 1000


def max_in_sliding_window(times, width):
    """Largest number of timestamps within any interval of length `width`
    (closed at both ends)."""
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] < t - width:
            j += 1
        best = max(best, i - j + 1)
    return best


# ---------------------------------------------------------------- test registry

TESTS = []


def test(fn=None, *, known_bug=None):
    """Register a test.  `known_bug`: a note printed with a failure (the test
    still runs and still counts as failed when it fails)."""
    def register(f):
        f.known_bug = known_bug
        TESTS.append(f)
        return f
    if fn is not None:
        return register(fn)
    return register


def run_tests(before_each=None, only=None):
    """Run every registered test; print 'ok'/'FAIL' lines and the final
    'N passed, N failed'; exit 1 when any failed."""
    passed = failed = 0
    selected = [t for t in TESTS if not only or any(o in t.__name__ for o in only)]
    for t in selected:
        t0 = time.monotonic()
        try:
            if before_each is not None:
                before_each()
            t()
        except Exception as e:
            failed += 1
            msg = str(e) or e.__class__.__name__
            if not isinstance(e, AssertionError):
                msg = "%s: %s" % (e.__class__.__name__, msg)
            print("FAIL %s (%.1f s): %s" % (t.__name__, time.monotonic() - t0, msg), flush=True)
            if not isinstance(e, AssertionError):
                tb = traceback.format_exc().strip().splitlines()
                print("     " + "\n     ".join(tb[-6:]), flush=True)
            if t.known_bug:
                print("     known FDW bug: %s" % t.known_bug, flush=True)
        else:
            passed += 1
            print("ok   %s (%.1f s)" % (t.__name__, time.monotonic() - t0), flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)


def main(module_globals, setup_sql, before_each=None):
    """A test file's main: start the vendor server (module global SRV), run
    setup_sql(server) in one session, then the registered tests; a failed
    setup counts as one failure."""
    srv = VendorServer()
    module_globals["SRV"] = srv
    try:
        psql_ok(setup_sql(srv))
    except Exception as e:
        print("FAIL setup: %s" % e)
        print("0 passed, 1 failed")
        srv.stop()
        sys.exit(1)
    try:
        run_tests(before_each=before_each, only=sys.argv[1:])
    finally:
        srv.stop()
