#!/usr/bin/env python3
"""callrecord_fdw through a real driver: the PostgreSQL JDBC driver (Debian's
libpostgresql-jdbc-java, /usr/share/java/postgresql.jar) drives the UCloud
foreign table over the extended query protocol the way BI tools do:

- prepared statements (prepareThreshold=1: named server-side statements) with
  parameters bound to the pushed columns call_start_time and task_no,
  executed under plan_cache_mode auto (7 executions), force_generic_plan and
  force_custom_plan; rows compared with the vendor server's ground truth, the
  request log showing StartTime/EndTime inside the bound range and TaskNo
  equal to the bound value in every request, pg_prepared_statements showing
  the generic and custom plans;
- introspection: DatabaseMetaData.getTables/getColumns, ResultSetMetaData and
  ParameterMetaData of the prepared query, information_schema.tables /
  foreign_tables / columns, pg_class (relkind 'f') / pg_foreign_table /
  pg_attribute;
- cursors: setFetchSize(50) with autocommit off (a protocol portal, seen in
  pg_cursors while it is read) and DECLARE ... CURSOR with bound parameters
  plus FETCH FORWARD 50 until empty; totals and row sets against the truth;
- EXPLAIN with bound parameters through the driver, of the custom plan and
  (EXPLAIN EXECUTE of an SQL-level PREPARE under force_generic_plan) of the
  generic plan: Pushed Conditions with the values, and with $1..$3.

The client is test/clients/BiClient.java, compiled with javac into a
temporary directory at test time; it prints one JSON object per line and all
comparisons are made here.

Run inside a throwaway cluster (the extension installed by `make install`):

    pg_virtualenv -v 15 -- python3 test/integration/test_clients.py [name-substring ...]

Needs: the Java 17 JDK (java, javac) and libpostgresql-jdbc-java.
Last line: "N passed, N failed".  Lines starting with "# " are measured figures.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DAY_MS, info, sql_literal, test  # noqa: E402
import ucloud_data as U  # noqa: E402

PUB = "ucloudsomeone@example.com1296235120854146120"
PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
FAST_SERVER_LIMIT = 1000
SCHEMA = "bi"
HOUR_MS = 3600000

CLIENT_DIR = os.path.join(harness.TEST_DIR, "clients")
CLIENT_SRC = os.path.join(CLIENT_DIR, "BiClient.java")
JDBC_JAR = os.environ.get("PGJDBC_JAR", "/usr/share/java/postgresql.jar")

SRV = None
CLASSES = None                   # the temporary directory javac wrote into

# the columns of uvms_send_records as the README lists them: (name, SQL type)
UCLOUD_COLUMNS = [
    ("call_start_time", "timestamptz"), ("call_end_time", "timestamptz"), ("task_no", "text"),
    ("phone", "text"), ("show_number", "text"), ("pre_cost", "integer"), ("purpose", "integer"),
    ("brevity_code", "text"), ("country_code", "text"), ("template_id", "text"),
    ("duration", "integer"), ("channel_id", "text"), ("receipt_result", "integer"),
    ("receipt_desc", "text"), ("receive_time", "timestamptz"), ("calling_city_code", "text"),
    ("called_city_code", "text"), ("called_operator_code", "text"), ("submit_time", "timestamptz"),
    ("group_type", "integer"), ("bill_second", "integer"), ("bill_period", "integer"),
]
# SQL type -> (information_schema data_type, udt_name / pg_type.typname, format_type,
#               JDBC TYPE_NAME, allowed java.sql.Types codes)
TYPES = {
    "timestamptz": ("timestamp with time zone", "timestamptz", "timestamp with time zone",
                    "timestamptz", {93, 2014}),        # TIMESTAMP, TIMESTAMP_WITH_TIMEZONE
    "text": ("text", "text", "text", "text", {12}),      # VARCHAR
    "integer": ("integer", "int4", "integer", "int4", {4}),  # INTEGER
}


# ------------------------------------------------------------------ disjoint ranges

class Ranges:
    """Hands out disjoint time ranges going back from 5 days ago (whole UTC
    days per range, plus one spare day), so every vendor request in the log
    belongs to exactly one bound range."""

    def __init__(self):
        self.next_day = (int(time.time() * 1000) // DAY_MS - 5) * DAY_MS

    def take(self, span_ms, offset_ms=0):
        days = (offset_ms + span_ms) // DAY_MS + 2
        day0 = self.next_day - days * DAY_MS
        self.next_day = day0
        lo = day0 + offset_ms
        return lo, lo + span_ms


RANGES = None


# ------------------------------------------------------------------ the client

def compile_client():
    global CLASSES
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            raise RuntimeError("%s not found (the Java 17 JDK is needed)" % tool)
    if not os.path.exists(JDBC_JAR):
        raise RuntimeError("%s not found: apt-get install libpostgresql-jdbc-java" % JDBC_JAR)
    CLASSES = tempfile.mkdtemp(prefix="crfdw-jdbc.")
    p = subprocess.run(["javac", "-Xlint:all", "-Werror", "-d", CLASSES, "-cp", JDBC_JAR, CLIENT_SRC],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("javac failed: %s" % (p.stderr.strip() or p.stdout.strip())[:2000])


def run_client(*commands):
    """Run BiClient with the commands (lists of fields); returns its JSON
    objects.  Any 'error' object from the client is a failure."""
    stdin = "".join("\t".join(str(f) for f in c) + "\n" for c in commands)
    t0 = time.monotonic()
    p = subprocess.run(["java", "-Duser.timezone=UTC", "-cp", CLASSES + os.pathsep + JDBC_JAR,
                        "BiClient", SCHEMA], input=stdin, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - t0
    out = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    errors = [o for o in out if o["kind"] == "error"]
    assert p.returncode == 0 and out and out[-1]["kind"] == "done", \
        "client exited %d: %s %s" % (p.returncode, p.stderr.strip()[-1500:], errors)
    assert not errors, "client errors: %s" % errors
    conn = out[0]
    assert conn["kind"] == "connected", conn
    return out, took


def of_kind(out, kind):
    return [o for o in out if o["kind"] == kind]


# ------------------------------------------------------------------ truth and log checks

def truth(lo, hi, task=None):
    """The records with lo <= CallStartTime < hi (ms), optionally of one task,
    as (phone, call_start_ms, duration, channel_id) tuples."""
    recs = SRV.truth("ucloud", start_ms=lo, end_ms=hi - 1)
    return [(r["Phone"], U.epoch_ms(r["CallStartTime"]), r["Duration"], r["ChannelId"])
            for r in recs if task is None or r["TaskNo"] == task]


def compare(got_rows, exp, what):
    got = [tuple(r) for r in got_rows]
    if sorted(got) == sorted(exp):
        return len(got)
    g, e = Counter(got), Counter(exp)
    raise AssertionError("%s: %d rows, expected %d; missing %s; extra %s"
                         % (what, len(got), len(exp), list((e - g).elements())[:3],
                            list((g - e).elements())[:3]))


def check_requests(log, ranges):
    """Every request succeeded and lies inside exactly one of the bound ranges
    `ranges` [(lo_ms, hi_ms exclusive, params that every request of it must
    carry (None: must be absent))]; per range, the windows cover exactly its
    seconds, contiguously.  Returns {range index: requests}."""
    bad = [(e["params"].get("StartTime"), e["status"], e["retcode"], e["throttled"]) for e in log
           if e["status"] != 200 or e["retcode"] != 0 or e["throttled"] or not e["sig_ok"]]
    assert not bad, "%d failed requests: %s" % (len(bad), bad[:5])
    per = {i: [] for i in range(len(ranges))}
    for e in log:
        p = e["params"]
        s, t = int(p["StartTime"]), int(p["EndTime"])
        hits = [i for i, (lo, hi, _) in enumerate(ranges) if lo // 1000 <= s <= t <= (hi - 1) // 1000]
        assert len(hits) == 1, "request StartTime %d EndTime %d (params %s) is inside %d of the bound ranges %s" % (
            s, t, {k: v for k, v in p.items() if k not in ("PublicKey",)}, len(hits),
            [(lo // 1000, (hi - 1) // 1000) for lo, hi, _ in ranges])
        i = hits[0]
        for k, v in ranges[i][2].items():
            assert p.get(k) == v, "request %s..%s of range %d: %s=%r, bound %r" % (s, t, i, k, p.get(k), v)
        per[i].append(e)
    for i, (lo, hi, _) in enumerate(ranges):
        if hi <= lo:
            assert not per[i], "the empty range %d made %d requests" % (i, len(per[i]))
            continue
        wins = sorted({(int(e["params"]["StartTime"]), int(e["params"]["EndTime"])) for e in per[i]})
        assert wins, "range %d (%d..%d) made no request" % (i, lo, hi)
        lo_s, hi_s = lo // 1000, (hi - 1) // 1000
        assert wins[0][0] == lo_s and wins[-1][1] == hi_s, \
            "range %d: windows cover %s..%s, the bound range is %s..%s" % (i, wins[0][0], wins[-1][1], lo_s, hi_s)
        gaps = [(a, b) for a, b in zip(wins, wins[1:]) if not (a[1] <= b[0] <= a[1] + 1)]
        assert not gaps, "range %d: windows not contiguous: %s" % (i, gaps[:3])
        assert all(e - s <= 604800 for s, e in wins), "range %d: a window over 7 days: %s" % (i, wins)
    return per


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=FAST_SERVER_LIMIT)


# ------------------------------------------------------------------ prepared statements

def prepared_case(label, mode, execs):
    """Run one PreparedStatement over `execs` [(lo, hi, task)] under
    plan_cache_mode `mode`; check rows, request log and the statement's row in
    pg_prepared_statements, which is returned."""
    cmd = ["prepared", label, mode]
    for lo, hi, task in execs:
        cmd += [lo, hi, task]
    out, took = run_client(cmd)
    got = of_kind(out, "exec")
    assert len(got) == len(execs), "%d executions reported, %d run" % (len(got), len(execs))
    total = 0
    for o, (lo, hi, task) in zip(got, execs):
        assert (o["lo"], o["hi"], o["task"]) == (lo, hi, task), o
        total += compare(o["rows"], truth(lo, hi, task) if hi > lo else [],
                         "%s execution %d (%d..%d, %s)" % (label, o["n"], lo, hi, task))
    cols = got[0]["columns"]
    assert [c[:2] for c in cols] == [["phone", "text"], ["call_start_time", "timestamptz"],
                                     ["duration", "int4"], ["channel_id", "text"]], cols
    assert cols[2][2] == "java.lang.Integer", cols
    log = SRV.log("ucloud")
    check_requests(log, [(lo, hi, {"TaskNo": task}) for lo, hi, task in execs])
    (stats,) = of_kind(out, "prepared_stats")
    assert len(stats["statements"]) == 1, "pg_prepared_statements: %s" % stats["statements"]
    name, from_sql, generic, custom, ptypes = stats["statements"][0]
    assert from_sql == "false" and name, "not a protocol-level prepared statement: %s" % stats["statements"]
    assert ptypes.split(",")[:2] == ["timestamp with time zone"] * 2, "parameter types %s" % ptypes
    generic, custom = int(generic), int(custom)
    assert generic + custom == len(execs), "%d generic + %d custom plans for %d executions" % (
        generic, custom, len(execs))
    info("%s (plan_cache_mode %s): statement %s, parameter types %s, %d executions, %d rows, "
         "%d requests, %d generic / %d custom plans, client %.2f s"
         % (label, mode, name, ptypes, len(execs), total, len(log), generic, custom, took))
    return generic, custom


@test
def t01_prepared_auto_plan_cache():
    tasks = list(U.TASKS)
    execs = []
    # on a record (midnight) to the next midnight: the first record is in, the last out
    lo, hi = RANGES.take(DAY_MS)
    execs.append((lo, hi, tasks[0]))
    # sub-second bounds, 30 hours
    lo, hi = RANGES.take(30 * HOUR_MS + 456, offset_ms=6 * HOUR_MS + 123)
    execs.append((lo, hi, tasks[1]))
    # eight and a half days: two vendor windows
    lo, hi = RANGES.take(8 * DAY_MS + 12 * HOUR_MS, offset_ms=HOUR_MS)
    execs.append((lo, hi, tasks[2]))
    # a task nobody has: no rows, but still asked with that TaskNo
    lo, hi = RANGES.take(2 * DAY_MS)
    execs.append((lo, hi, "T-none"))
    # three more, so the plan cache has seen more than five executions
    for k in range(3):
        lo, hi = RANGES.take((20 + k) * HOUR_MS, offset_ms=k * 7 * 60000 + 999)
        execs.append((lo, hi, tasks[(3 + k) % len(tasks)]))
    prepared_case("auto", "auto", execs)


@test
def t02_prepared_force_generic_plan():
    execs = []
    for k, task in enumerate(U.TASKS[:4]):
        lo, hi = RANGES.take(DAY_MS + k * 5 * HOUR_MS, offset_ms=k * HOUR_MS + 17)
        execs.append((lo, hi, task))
    lo, _ = RANGES.take(HOUR_MS)
    execs.append((lo, lo, U.TASKS[0]))          # an empty range: no rows, no request
    generic, custom = prepared_case("force_generic", "force_generic_plan", execs)
    assert generic == len(execs) and custom == 0, "%d generic, %d custom plans" % (generic, custom)


@test
def t03_prepared_force_custom_plan():
    execs = []
    for k, task in enumerate(U.TASKS[2:]):
        lo, hi = RANGES.take(DAY_MS + 3 * HOUR_MS, offset_ms=k * 2 * HOUR_MS + 501)
        execs.append((lo, hi, task))
    generic, custom = prepared_case("force_custom", "force_custom_plan", execs)
    assert generic == 0 and custom == len(execs), "%d generic, %d custom plans" % (generic, custom)


# ------------------------------------------------------------------ introspection

@test
def t04_introspection():
    out, took = run_client(["meta"])
    (drv,) = of_kind(out, "driver")
    want = [(n, t) for n, t in UCLOUD_COLUMNS]
    names = [n for n, _ in want]

    (jt,) = of_kind(out, "jdbc_tables")
    assert ["bi", "uvms_send_records", "FOREIGN TABLE"] in jt["rows"], "getTables: %s" % jt["rows"]

    (jc,) = of_kind(out, "jdbc_columns")
    assert [r[0] for r in jc["rows"]] == names, "getColumns names: %s" % [r[0] for r in jc["rows"]]
    for (name, typ), (cname, tname, dtype, pos, _nullable) in zip(want, jc["rows"]):
        assert tname == TYPES[typ][3] and dtype in TYPES[typ][4], \
            "getColumns %s: TYPE_NAME %s DATA_TYPE %s, expected %s %s" % (name, tname, dtype, TYPES[typ][3], TYPES[typ][4])
    assert [r[3] for r in jc["rows"]] == list(range(1, len(names) + 1)), "ORDINAL_POSITION %s" % [r[3] for r in jc["rows"]]

    (ds,) = of_kind(out, "describe")
    assert [c[:2] for c in ds["columns"]] == [["phone", "text"], ["call_start_time", "timestamptz"],
                                              ["duration", "int4"], ["channel_id", "text"]], ds["columns"]
    assert [p[0] for p in ds["params"]][:2] == ["timestamptz", "timestamptz"] and len(ds["params"]) == 3, \
        "ParameterMetaData: %s" % ds["params"]

    (it,) = of_kind(out, "is_tables")
    assert ["uvms_send_records", "FOREIGN"] in it["rows"], "information_schema.tables: %s" % it["rows"]
    (ift,) = of_kind(out, "is_foreign_tables")
    assert ["uvms_send_records", "uc"] in ift["rows"], "information_schema.foreign_tables: %s" % ift["rows"]

    (ic,) = of_kind(out, "is_columns")
    rows = [r for r in ic["rows"] if r[0] == "uvms_send_records"]
    assert [r[1] for r in rows] == names, "information_schema.columns: %s" % [r[1] for r in rows]
    for (name, typ), r in zip(want, rows):
        assert (r[2], r[3]) == TYPES[typ][:2], "information_schema.columns %s: %s %s, expected %s" % (
            name, r[2], r[3], TYPES[typ][:2])
    assert [int(r[4]) for r in rows] == list(range(1, len(names) + 1)), [r[4] for r in rows]

    (pf,) = of_kind(out, "pg_foreign")
    rel = [r for r in pf["rows"] if r[0] == "uvms_send_records"]
    assert len(rel) == 1 and rel[0][1:4] == ["f", "uc", "callrecord_fdw"], "pg_class/pg_foreign_table: %s" % pf["rows"]

    (pa,) = of_kind(out, "pg_attribute")
    rows = [r for r in pa["rows"] if r[0] == "uvms_send_records"]
    assert [(r[1], r[2], r[3]) for r in rows] == [(n, TYPES[t][2], TYPES[t][1]) for n, t in want], \
        "pg_attribute: %s" % [(r[1], r[2], r[3]) for r in rows]
    assert not SRV.log("ucloud"), "introspection sent %d vendor requests" % len(SRV.log("ucloud"))
    info("introspection via %s %s (server %s): %d foreign table(s), %d columns checked in getColumns, "
         "information_schema and pg_attribute; client %.2f s"
         % (drv["name"], drv["version"], drv["server"], len(pf["rows"]), len(names), took))


# ------------------------------------------------------------------ cursors

@test
def t05_fetch_size_portal():
    lo, hi = RANGES.take(9 * DAY_MS + 5 * HOUR_MS, offset_ms=3 * HOUR_MS + 250)
    out, took = run_client(["fetchsize", "fs", lo, hi, 50])
    (o,) = of_kind(out, "fetchsize")
    exp = truth(lo, hi)
    assert len(exp) > 300, len(exp)
    n = compare(o["rows"], exp, "setFetchSize(50) query")
    times = [r[1] for r in o["rows"]]
    assert times == sorted(times, reverse=True), "not in call_start_time DESC order"
    assert o["fetch_size"] == 50, o["fetch_size"]
    portals = [c for c in o["portals"] or [] if c[0] and "ORDER BY call_start_time DESC" in c[1]]
    assert portals, "no named portal of the query in pg_cursors while its rows were read: %s" % o["portals"]
    log = SRV.log("ucloud")
    check_requests(log, [(lo, hi, {"TaskNo": None, "OrderType": "desc"})])
    info("setFetchSize(50), autocommit off: %d rows (truth %d) in call_start_time DESC order, "
         "%d requests (OrderType desc); open portal %s; client %.2f s"
         % (n, len(exp), len(log), [c[0] for c in portals], took))


@test
def t06_declare_cursor_fetch_batches():
    lo, hi = RANGES.take(10 * DAY_MS + 7 * HOUR_MS, offset_ms=2 * HOUR_MS + 1)
    out, took = run_client(["declare", "dc", lo, hi, 50])
    (o,) = of_kind(out, "declare")
    exp = truth(lo, hi)
    n = compare(o["rows"], exp, "DECLARE CURSOR / FETCH 50")
    b = o["batches"]
    full, rest = divmod(len(exp), 50)
    want = [50] * full + ([rest] if rest else []) + [0]
    assert b == want, "batch sizes %s, expected %s" % (b, want)
    log = SRV.log("ucloud")
    check_requests(log, [(lo, hi, {"TaskNo": None})])
    info("DECLARE CURSOR with bound parameters + FETCH FORWARD 50: %d rows (truth %d) in %d batches, "
         "%d requests; client %.2f s" % (n, len(exp), len(b) - 1, len(log), took))


# ------------------------------------------------------------------ EXPLAIN

@test
def t07_explain_bound_parameters():
    lo, hi = RANGES.take(DAY_MS)
    out, took = run_client(["explain", lo, hi, U.TASKS[1]])
    (o,) = of_kind(out, "explain")
    plan = "\n".join(o["plan"])
    pushed = [l.strip() for l in o["plan"] if "Pushed Conditions" in l]
    assert len(pushed) == 1, "no Pushed Conditions:\n" + plan
    for part in ("call_start_time >= ", "call_start_time < ", "task_no = "):
        assert part in pushed[0], "%r not pushed: %s" % (part, pushed[0])
    assert U.TASKS[1] in pushed[0], "the bound task_no value is not in the pushed conditions: " + pushed[0]
    assert "Pushed Parameters: TaskNo" in plan, plan
    gplan = "\n".join(o["generic_plan"])
    gpushed = [l.strip() for l in o["generic_plan"] if "Pushed Conditions" in l]
    assert len(gpushed) == 1, "generic plan: no Pushed Conditions:\n" + gplan
    for part in ("call_start_time >= $1", "call_start_time < $2", "task_no = $3"):
        assert part in gpushed[0], "generic plan: %r not pushed: %s" % (part, gpushed[0])
    assert "Pushed Parameters: TaskNo" in gplan, gplan
    assert not SRV.log("ucloud"), "EXPLAIN sent vendor requests"
    info("EXPLAIN through the driver, custom plan: %s" % pushed[0])
    info("EXPLAIN EXECUTE through the driver, generic plan: %s" % gpushed[0])


# ------------------------------------------------------------------ main

def setup(srv):
    return ("DROP SCHEMA IF EXISTS %s CASCADE; DROP SERVER IF EXISTS uc CASCADE;\n"
            "CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
            "CREATE SERVER uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', "
            "endpoint %s, ca_file %s, region 'cn-zj', requests_per_second '50');\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER uc OPTIONS (public_key %s, private_key %s);\n"
            "CREATE SCHEMA %s;\n"
            "IMPORT FOREIGN SCHEMA ucloud FROM SERVER uc INTO %s;\n"
            % (SCHEMA, sql_literal(srv.endpoint("ucloud")), sql_literal(srv.ca), sql_literal(PUB),
               sql_literal(PRIV), SCHEMA, SCHEMA))


def main():
    global RANGES
    RANGES = Ranges()
    try:
        compile_client()
    except Exception as e:
        print("FAIL setup: %s" % e)
        print("0 passed, 1 failed")
        sys.exit(1)
    try:
        harness.main(globals(), setup, before_each)
    finally:
        shutil.rmtree(CLASSES, ignore_errors=True)


if __name__ == "__main__":
    main()
