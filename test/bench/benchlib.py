"""Shared pieces of the benchmarks under test/bench/ (Python 3 standard library only).

Not a benchmark itself (test/bench/run.sh runs only the names in its list).
Server start, psql and the control API come from test/integration/harness.py;
what is here is benchmark-specific:

- start_server(): the local vendor API server through
  test/bench/timed_vendor_server.py, whose request log also has "t_handled"
  and "t_sent" (see that file);
- setup_sql(): the extension, schema "bench" and one foreign server, user
  mapping and imported table per provider, all at the provider's default
  requests_per_second, concurrency and history_days;
- psql_timed(): a psql session with \\timing, returning the output lines and
  the statement times;
- explain_ms(): Planning Time + Execution Time of EXPLAIN ANALYZE output;
- table(): a plain aligned text table.
"""

import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for _p in (os.path.join(ROOT, "test"), os.path.join(ROOT, "test", "integration")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402
from harness import psql, psql_ok, sql_literal  # noqa: E402,F401

DAY_US = harness.DAY_US

# test accounts of the local server (test/SERVER_CONTRACT.md)
UCLOUD = ("ucloudsomeone@example.com1296235120854146120", "46f09bb9fab4f12dfc160dae12273d5332b5debe")
GRAPH = ("contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555", "graph-test-secret~0001")
ALIBABA = ("LTAI5tAlibabaTest0001", "AlibabaTestSecret0001")
TENCENT = ("AKIDTencentTest0000000001", "TencentTestKey0000000001")
TENCENT_APPS = (1400000001, 1400000002)
ALIBABA_PHONES = ["86138%08d" % i for i in range(120)]     # 8613800000000 .. 8613800000119

# the defaults the README states (requests_per_second, concurrency, history_days)
DEFAULTS = {
    "ucloud": {"rps": 10.0, "concurrency": 4, "history_days": 180},
    "msgraph": {"rps": 3.0, "concurrency": 4, "history_days": 150},
    "alibaba": {"rps": 50.0, "concurrency": 4, "history_days": 90},
    "tencent": {"rps": 20.0, "concurrency": 4, "history_days": 365},
}

# the server's log name of each provider's vendor API
LOG_VENDOR = {"ucloud": "ucloud", "msgraph": "graph", "alibaba": "alibaba", "tencent": "tencent"}

TABLE = {"ucloud": "bench.uvms_send_records", "msgraph": "bench.pstn_calls",
         "alibaba": "bench.chatapp_phone_number_metrics", "tencent": "bench.tel_call_info"}


def start_server():
    return harness.VendorServer(script=os.path.join(HERE, "timed_vendor_server.py"))


def extension_sql():
    """CREATE EXTENSION callrecord_fdw; or, with the environment variable
    CRFDW_BENCH_LIBRARY set to the absolute path of a callrecord_fdw.so (a
    build that is not installed, e.g. to compare two builds), the objects of
    the extension's scripts (sql/) bound to that file instead of
    $libdir/callrecord_fdw.  That mode needs a cluster WITHOUT
    shared_preload_libraries = callrecord_fdw (two copies of the library
    must not meet in one backend), so its rate ceilings are per backend."""
    lib = os.environ.get("CRFDW_BENCH_LIBRARY")
    if not lib:
        return "DROP EXTENSION IF EXISTS callrecord_fdw CASCADE;\nCREATE EXTENSION callrecord_fdw;\n"
    out = []
    for name in ("callrecord_fdw--1.0.sql", "callrecord_fdw--1.0--1.1.sql"):
        with open(os.path.join(ROOT, "sql", name)) as f:
            text = "\n".join(l for l in f.read().splitlines() if not l.startswith("\\echo"))
        out.append(text.replace("MODULE_PATHNAME", lib.replace("'", "''")))
    return "\n".join(out) + "\n"


def setup_sql(srv):
    """Fresh extension and schema bench; servers b_ucloud, b_msgraph,
    b_alibaba, b_tencent with only endpoint and ca_file set (so every rate,
    concurrency and history option is the provider's default)."""
    ca = sql_literal(srv.ca)
    return (
        extension_sql() +
        "DROP SCHEMA IF EXISTS bench CASCADE;\n"
        "CREATE SCHEMA bench;\n"
        # ucloud
        "CREATE SERVER b_ucloud FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', "
        "endpoint %s, ca_file %s);\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER b_ucloud OPTIONS (public_key %s, private_key %s);\n"
        "IMPORT FOREIGN SCHEMA ucloud FROM SERVER b_ucloud INTO bench;\n"
        # msgraph
        "CREATE SERVER b_msgraph FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', "
        "endpoint %s, token_endpoint %s, ca_file %s);\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER b_msgraph OPTIONS (tenant_id %s, client_id %s, "
        "client_secret %s);\n"
        "IMPORT FOREIGN SCHEMA msgraph FROM SERVER b_msgraph INTO bench;\n"
        # alibaba
        "CREATE SERVER b_alibaba FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', "
        "endpoint %s, ca_file %s);\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER b_alibaba OPTIONS (access_key_id %s, "
        "access_key_secret %s);\n"
        "IMPORT FOREIGN SCHEMA alibaba FROM SERVER b_alibaba INTO bench;\n"
        # tencent
        "CREATE SERVER b_tencent FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', "
        "endpoint %s, ca_file %s);\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER b_tencent OPTIONS (secret_id %s, secret_key %s);\n"
        "IMPORT FOREIGN SCHEMA tencent FROM SERVER b_tencent INTO bench;\n"
        "ALTER FOREIGN TABLE bench.tel_call_info OPTIONS (ADD sdk_app_ids %s);\n"
        % (sql_literal(srv.endpoint("ucloud")), ca, sql_literal(UCLOUD[0]), sql_literal(UCLOUD[1]),
           sql_literal(srv.endpoint("graph")), sql_literal(srv.endpoint("login")), ca,
           sql_literal(GRAPH[0]), sql_literal(GRAPH[1]), sql_literal(GRAPH[2]),
           sql_literal(srv.endpoint("alibaba") + "/"), ca, sql_literal(ALIBABA[0]), sql_literal(ALIBABA[1]),
           sql_literal(srv.endpoint("tencent") + "/"), ca, sql_literal(TENCENT[0]), sql_literal(TENCENT[1]),
           sql_literal(",".join(str(a) for a in TENCENT_APPS))))


_TIME = re.compile(r"^Time: ([0-9.]+) ms")


def psql_timed(script, timeout=900):
    """Run script in one psql session (\\timing lines are collected).
    Returns (other stdout lines, [statement times in ms, in order]); raises
    on any error."""
    r = psql(script, timeout=timeout)
    if r.rc != 0 or "ERROR:" in r.stderr:
        raise RuntimeError("psql failed (rc %d): %s" % (r.rc, r.stderr.strip()[:2000]))
    lines, times = [], []
    for line in r.lines:
        m = _TIME.match(line)
        if m:
            times.append(float(m.group(1)))
        else:
            lines.append(line)
    return lines, times


_PLAN = re.compile(r"Planning Time: ([0-9.]+) ms")
_EXEC = re.compile(r"Execution Time: ([0-9.]+) ms")
_JIT_FUNCS = re.compile(r"^\s*Functions: ([0-9]+)")
_JIT_TOTAL = re.compile(r"^\s*Timing: Generation.*Total ([0-9.]+) ms")


def explain_runs(lines):
    """One dict per EXPLAIN ANALYZE in lines: plan and exec (ms), jit_functions
    and jit_ms (0 when the statement was not JIT-compiled; jit_ms needs
    TIMING on)."""
    out, cur = [], {"plan": 0.0, "jit_functions": 0, "jit_ms": 0.0}
    for line in lines:
        m = _PLAN.search(line)
        if m:
            cur["plan"] = float(m.group(1))
            continue
        m = _JIT_FUNCS.match(line)
        if m:
            cur["jit_functions"] = int(m.group(1))
            continue
        m = _JIT_TOTAL.match(line)
        if m:
            cur["jit_ms"] = float(m.group(1))
            continue
        m = _EXEC.search(line)
        if m:
            cur["exec"] = float(m.group(1))
            out.append(cur)
            cur = {"plan": 0.0, "jit_functions": 0, "jit_ms": 0.0}
    return out


def explain_ms(lines):
    """[(planning ms, execution ms), ...] of every EXPLAIN ANALYZE in lines."""
    return [(r["plan"], r["exec"]) for r in explain_runs(lines)]


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[k]


def table(headers, rows, title=None):
    """Aligned text table; numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(r, header=False):
        out = []
        for i, c in enumerate(r):
            num = not header and re.match(r"^[-+]?[0-9.,]+( ?[a-z%]+)?$", c) is not None
            out.append(c.rjust(widths[i]) if num else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = []
    if title:
        lines.append(title)
    lines.append(fmt(cells[0], True))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(fmt(r) for r in cells[1:])
    return "\n".join(lines)
