#!/usr/bin/env python3
"""UCloud uvms_send_records against the local vendor API server, compared
row by row with the server's ground truth (test/ucloud_data.py).

Run inside a throwaway cluster:  pg_virtualenv -v 15 -- python3 test/integration/test_ucloud_core.py
Ends with "N passed, N failed".
"""
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test"))
import ucloud_data  # noqa: E402

PUB = "ucloudsomeone@example.com1296235120854146120"
PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
DAY_MS = 86400000
results = {"passed": 0, "failed": 0}


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="crfdw-it.")
        os.chmod(self.dir, 0o755)
        certs = os.path.join(self.dir, "certs")
        subprocess.run(["bash", os.path.join(ROOT, "test/make_certs.sh"), certs],
                       check=True, capture_output=True)
        for dp, dn, fn in os.walk(certs):
            os.chmod(dp, 0o755)
            for f in fn:
                os.chmod(os.path.join(dp, f), 0o644)
        self.ca = os.path.join(certs, "ca.pem")
        portfile = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "test/vendor_server.py"), "--cert-dir", certs,
             "--port", "0", "--port-file", portfile],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(portfile).read().strip())
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}", data=data,
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def reset(self):
        self.call("/_control/reset", {})

    def faults(self, *faults):
        self.call("/_control/faults", list(faults))

    def log(self):
        return self.call("/_control/log")

    def stop(self):
        self.proc.kill()


def psql(sql, expect_error=False):
    """Run a script in one session; return (rows, stderr)."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v",
                        "ON_ERROR_STOP=0" if expect_error else "ON_ERROR_STOP=1"],
                       input="SET timezone='UTC';\n" + sql, capture_output=True, text=True)
    if p.returncode != 0 and not expect_error:
        raise AssertionError(f"psql failed: {p.stderr.strip()}")
    return [l for l in p.stdout.splitlines() if l != ""], p.stderr


def test(fn):
    def run(*a):
        try:
            fn(*a)
            results["passed"] += 1
            print(f"ok   {fn.__name__}")
        except Exception as e:  # an assertion or a harness problem: both fail
            results["failed"] += 1
            print(f"FAIL {fn.__name__}: {e}")
    run.__name__ = fn.__name__
    TESTS.append(run)
    return run


TESTS = []
COLS = ("(extract(epoch from call_start_time)*1000)::bigint, phone, task_no, duration, "
        "called_operator_code, (extract(epoch from receive_time)*1000)::bigint, receipt_desc")


def expected_row(r):
    op = r.get("CalledOperatorCode", r.get("CalledIspCode"))
    return "|".join([str(ucloud_data.epoch_ms(r["CallStartTime"])), r["Phone"], r["TaskNo"],
                     str(r["Duration"]), op, str(ucloud_data.epoch_ms(r["ReceiveTime"])),
                     r["ReceiptDesc"]])


def truth(start_ms, end_ms, pred=lambda r: True):
    """Expected rows for [start_ms, end_ms] (both inclusive), sorted as the query sorts."""
    rows = [r for r in ucloud_data.records(start_ms, end_ms) if pred(r)]
    out = [expected_row(r) for r in rows]
    return sorted(out)


def now_us_and_rows(select):
    rows, _ = psql(f"BEGIN;\nSELECT (extract(epoch from now())*1000000)::bigint;\n{select};\nCOMMIT;\n")
    return int(rows[0]), sorted(rows[1:])


def windows_in(log):
    return sorted({(int(e["params"]["StartTime"]), int(e["params"]["EndTime"])) for e in log})


@test
def full_history_scan(s):
    s.reset()
    now_us, rows = now_us_and_rows(f"SELECT {COLS} FROM reports.uvms_send_records")
    lo_ms = -(-(now_us - 180 * DAY_MS * 1000) // 1000)   # ceil to ms
    exp = truth(lo_ms, now_us // 1000)
    assert rows == exp, f"{len(rows)} rows, expected {len(exp)}; first difference " \
        f"{next(((a, b) for a, b in zip(rows, exp) if a != b), None)}"
    log = s.log()
    wins = windows_in(log)
    assert len(wins) == 26, f"{len(wins)} windows"
    assert all(e - b <= 604800 for b, e in wins), "a window over 7 days"
    assert all(wins[i][1] + 1 == wins[i + 1][0] for i in range(len(wins) - 1)), "windows not contiguous"
    # exactly the pages each window needs, each once
    for b, e in wins:
        reqs = [x for x in log if (int(x["params"]["StartTime"]), int(x["params"]["EndTime"])) == (b, e)]
        pages = sorted(int(x["params"]["Page"]) for x in reqs)
        total = ucloud_data.query({"StartTime": str(b), "EndTime": str(e), "Page": "0",
                                   "NumPerPage": "100"}, now_us // 1000)[0]
        need = max(1, -(-total // 100))
        assert pages == list(range(need)), f"window {b}: pages {pages}, need {need}"
    print(f"# full history: {len(rows)} rows, {len(log)} requests, {len(wins)} windows")


@test
def boundaries_on_windows_and_rows(s):
    d = (int(time.time() * 1000) // DAY_MS - 21) * DAY_MS   # a UTC midnight; a record sits on it
    D = f"to_timestamp({d // 1000})"
    cases = [
        (f"call_start_time >= {D} AND call_start_time < {D} + interval '7 days'", d, d + 7 * DAY_MS - 1),
        (f"call_start_time > {D} AND call_start_time <= {D} + interval '7 days'", d + 1, d + 7 * DAY_MS),
        (f"call_start_time >= {D} - interval '7 days' AND call_start_time <= {D} + interval '7 days'",
         d - 7 * DAY_MS, d + 7 * DAY_MS),
        (f"call_start_time BETWEEN {D} AND {D} + interval '14 days'", d, d + 14 * DAY_MS),
        (f"call_start_time > {D} + interval '500 milliseconds' AND call_start_time < {D} + interval '1 day 0.5 seconds'",
         d + 501, d + DAY_MS + 499),
    ]
    for where, lo, hi in cases:
        s.reset()
        rows, _ = psql(f"SELECT {COLS} FROM reports.uvms_send_records WHERE {where}")
        exp = truth(lo, hi)
        assert sorted(rows) == exp, f"{where}: {len(rows)} rows, expected {len(exp)}"
    assert any(ucloud_data.epoch_ms(r["CallStartTime"]) == d for r in ucloud_data.records(d, d)), \
        "no record on the boundary"


@test
def in_fanout(s):
    s.reset()
    phones = ["+8613500000001", "+8613500000002", "+8613500000003"]
    now_us, rows = now_us_and_rows(
        f"SELECT {COLS} FROM reports.uvms_send_records WHERE call_start_time >= now() - interval '10 days' "
        f"AND phone IN ('{phones[0]}', '{phones[1]}', '{phones[2]}')")
    lo = -(-(now_us - 10 * DAY_MS * 1000) // 1000)
    assert rows == truth(lo, now_us // 1000, lambda r: r["Phone"] in phones)
    sent = sorted({e["params"].get("PhoneNumber") for e in s.log()})
    assert sent == phones, f"PhoneNumber sent: {sent}"


@test
def nested_loop_join(s):
    s.reset()
    psql("DROP TABLE IF EXISTS local_phones; CREATE TABLE local_phones (phone text PRIMARY KEY);"
         "INSERT INTO local_phones VALUES ('+8613500000004'), ('+8613500000005'); ANALYZE local_phones;")
    q = ("SELECT (extract(epoch from r.call_start_time)*1000)::bigint, r.phone FROM local_phones l "
         "JOIN reports.uvms_send_records r ON r.phone = l.phone WHERE r.call_start_time >= now() - interval '5 days'")
    plan, _ = psql("EXPLAIN (COSTS OFF) " + q)
    assert "Nested Loop" in plan[0], plan
    now_us, rows = now_us_and_rows(q)
    lo = -(-(now_us - 5 * DAY_MS * 1000) // 1000)
    exp = sorted(f"{ucloud_data.epoch_ms(r['CallStartTime'])}|{r['Phone']}"
                 for r in ucloud_data.records(lo, now_us // 1000)
                 if r["Phone"] in ("+8613500000004", "+8613500000005"))
    assert rows == exp, f"{len(rows)} rows, expected {len(exp)}"
    assert all("PhoneNumber" in e["params"] for e in s.log()), "a request without PhoneNumber"


@test
def prepared_generic_plan_and_initplan(s):
    s.reset()
    rows, _ = psql("SET plan_cache_mode = force_generic_plan;\n"
                   "PREPARE q(text) AS SELECT count(*) FROM reports.uvms_send_records WHERE phone = $1 "
                   "AND call_start_time >= now() - interval '3 days';\n"
                   "BEGIN; SELECT (extract(epoch from now())*1000000)::bigint;\n"
                   "EXECUTE q('+8613500000006'); EXECUTE q('+8613500000007'); COMMIT;\n"
                   "SELECT count(*) FROM reports.uvms_send_records "
                   "WHERE call_start_time >= (SELECT now() - interval '3 days');")
    now_us = int(rows[0])
    lo = -(-(now_us - 3 * DAY_MS * 1000) // 1000)
    recs = ucloud_data.records(lo, now_us // 1000)
    assert int(rows[1]) == sum(r["Phone"] == "+8613500000006" for r in recs)
    assert int(rows[2]) == sum(r["Phone"] == "+8613500000007" for r in recs)
    assert abs(int(rows[3]) - len(recs)) <= 2, (rows[3], len(recs))   # its own now(): a few ms later
    log = s.log()
    assert {e["params"].get("PhoneNumber") for e in log[:2]} == {"+8613500000006", "+8613500000007"}
    assert len(windows_in(log[2:])) == 1, "the InitPlan bound did not narrow the windows"


@test
def order_desc_limit_few_requests(s):
    s.reset()
    now_us, _ = now_us_and_rows("SELECT 1")
    rows, _ = psql(f"SELECT {COLS} FROM reports.uvms_send_records ORDER BY call_start_time DESC LIMIT 5")
    recs = ucloud_data.records(now_us // 1000 - DAY_MS, int(time.time() * 1000))
    latest = [expected_row(r) for r in sorted(recs, key=lambda r: (ucloud_data.epoch_ms(r["CallStartTime"]), r["Seq"]))[-5:]]
    assert rows[0] == latest[-1], (rows[0], latest[-1])
    assert len(s.log()) == 1, f"{len(s.log())} requests"
    assert s.log()[0]["params"]["OrderType"] == "desc"


@test
def contradiction_sends_nothing(s):
    s.reset()
    rows, _ = psql("SELECT count(*) FROM reports.uvms_send_records WHERE call_start_time > now() - "
                   "interval '1 day' AND call_start_time < now() - interval '2 days'")
    assert rows == ["0"] and s.log() == [], (rows, len(s.log()))


@test
def materialized_view_refreshed_twice(s):
    d = (int(time.time() * 1000) // DAY_MS - 30) * DAY_MS
    psql(f"DROP MATERIALIZED VIEW IF EXISTS mv; CREATE MATERIALIZED VIEW mv AS SELECT call_start_time, phone, "
         f"channel_id, duration FROM reports.uvms_send_records WHERE call_start_time >= to_timestamp({d // 1000}) "
         f"AND call_start_time < to_timestamp({d // 1000}) + interval '10 days';"
         "CREATE UNIQUE INDEX ON mv (call_start_time, phone, channel_id);")
    exp = len(ucloud_data.records(d, d + 10 * DAY_MS - 1))
    for refresh in ("", "REFRESH MATERIALIZED VIEW mv;", "REFRESH MATERIALIZED VIEW CONCURRENTLY mv;"):
        rows, _ = psql(refresh + "SELECT count(*) FROM mv;")
        assert int(rows[0]) == exp, (refresh, rows, exp)


def failing(s, sql, *faults):
    s.reset()
    if faults:
        s.faults(*faults)
    rows, err = psql(sql + ";\nSELECT 'alive';", expect_error=True)
    return rows, err


@test
def bad_signature(s):
    psql("CREATE SERVER IF NOT EXISTS uc_bad FOREIGN DATA WRAPPER callrecord_fdw OPTIONS "
         f"(provider 'ucloud', endpoint 'https://127.0.0.1:{s.port}/ucloud', ca_file '{s.ca}');"
         "DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER uc_bad;"
         f"CREATE USER MAPPING FOR CURRENT_USER SERVER uc_bad OPTIONS (public_key '{PUB}', private_key 'not-the-key-42');"
         "DROP FOREIGN TABLE IF EXISTS bad_t; CREATE FOREIGN TABLE bad_t (phone text) SERVER uc_bad "
         "OPTIONS (resource 'uvms_send_records');")
    rows, err = failing(s, "SELECT * FROM bad_t WHERE call_start_time IS NULL OR true LIMIT 1")
    if "column" in err:
        rows, err = failing(s, "SELECT * FROM bad_t LIMIT 1")
    assert "ucloud" in err and "RetCode 171" in err and "Signature VerifyAC Error" in err, err
    assert "Request id:" in err and "not-the-key-42" not in err, err
    assert rows == ["alive"], rows


@test
def retry_5xx_then_success(s):
    s.reset()
    s.faults({"vendor": "ucloud", "kind": "status", "status": 503, "count": 2})
    now_us, rows = now_us_and_rows(f"SELECT {COLS} FROM reports.uvms_send_records "
                                   "WHERE call_start_time >= now() - interval '1 day'")
    lo = -(-(now_us - DAY_MS * 1000) // 1000)
    assert rows == truth(lo, now_us // 1000)
    assert len(s.log()) == 3, len(s.log())


@test
def retries_exhausted(s):
    psql("ALTER SERVER uc OPTIONS (ADD max_retries '2')")
    try:
        rows, err = failing(s, "SELECT phone FROM reports.uvms_send_records WHERE call_start_time >= now() - interval '1 day'",
                            {"vendor": "ucloud", "kind": "status", "status": 503, "count": 20})
        assert "HTTP 503" in err and "Gave up after 2 retries" in err, err
        assert rows == ["alive"], rows[:3]
        assert len(s.log()) == 3, len(s.log())
    finally:
        psql("ALTER SERVER uc OPTIONS (DROP max_retries)")


@test
def throttled_then_success(s):
    s.reset()
    s.faults({"vendor": "ucloud", "kind": "retcode", "code": 153, "count": 2})
    rows, _ = psql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM reports.uvms_send_records "
                   "WHERE call_start_time >= now() - interval '1 day'")
    assert any("Throttle Waits: 2" in r for r in rows), rows


@test
def malformed_and_truncated(s):
    rows, err = failing(s, "SELECT phone FROM reports.uvms_send_records WHERE call_start_time >= now() - interval '1 day'",
                        {"vendor": "ucloud", "kind": "malformed", "count": 20})
    assert "malformed" in err and rows == ["alive"], (err, rows)
    psql("ALTER SERVER uc OPTIONS (ADD max_retries '1')")
    try:
        rows, err = failing(s, "SELECT phone FROM reports.uvms_send_records WHERE call_start_time >= now() - interval '1 day'",
                            {"vendor": "ucloud", "kind": "truncated", "count": 20})
        assert "could not complete ucloud" in err and rows == ["alive"], (err, rows)
    finally:
        psql("ALTER SERVER uc OPTIONS (DROP max_retries)")


@test
def wrong_type_and_short_page(s):
    rows, err = failing(s, "SELECT duration FROM reports.uvms_send_records WHERE call_start_time >= now() - interval '1 day'",
                        {"vendor": "ucloud", "kind": "wrong_types", "count": 1})
    assert 'invalid input syntax for type integer: "abc"' in err and 'column "duration"' in err, err
    assert rows == ["alive"], rows
    rows, err = failing(s, "SELECT phone FROM reports.uvms_send_records WHERE call_start_time >= now() - interval '3 days'",
                        {"vendor": "ucloud", "kind": "short_page", "count": 1})
    assert "promised" in err and rows == ["alive"], (err, rows)


@test
def hang_stopped_by_statement_timeout_and_cancel(s):
    s.reset()
    s.faults({"vendor": "ucloud", "kind": "hang", "seconds": 30, "count": 5})
    t0 = time.monotonic()
    rows, err = psql("SET statement_timeout = '500ms'; SELECT count(*) FROM reports.uvms_send_records; SELECT 'alive';",
                     expect_error=True)
    took = time.monotonic() - t0
    assert "canceling statement due to statement timeout" in err and rows == ["alive"], (err, rows)
    assert took < 1.5, took
    print(f"# statement_timeout 500ms: psql returned after {took:.3f} s")

    s.reset()
    s.faults({"vendor": "ucloud", "kind": "hang", "seconds": 30, "count": 5})
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-c",
                          "SELECT count(*) FROM reports.uvms_send_records /* hangme */"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.7)
    t0 = time.monotonic()
    psql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%hangme%' AND pid <> pg_backend_pid()")
    _, err = p.communicate(timeout=10)
    took = time.monotonic() - t0
    assert "canceling statement due to user request" in err, err
    assert took < 1.0, took
    print(f"# cancel: error {took:.3f} s after pg_cancel_backend")


@test
def hand_written_table_and_raw_record(s):
    s.reset()
    psql("DROP FOREIGN TABLE IF EXISTS hw; CREATE FOREIGN TABLE hw (rec jsonb OPTIONS (field '*'), "
         "no_such_column text, caller text OPTIONS (field 'Phone'), call_start_time timestamptz) "
         "SERVER uc OPTIONS (resource 'uvms_send_records');")
    now_us, rows = now_us_and_rows("SELECT rec->>'TaskNo', no_such_column IS NULL, caller, "
                                   "(extract(epoch from call_start_time)*1000)::bigint FROM hw "
                                   "WHERE call_start_time >= now() - interval '1 day'")
    lo = -(-(now_us - DAY_MS * 1000) // 1000)
    exp = sorted(f"{r['TaskNo']}|t|{r['Phone']}|{ucloud_data.epoch_ms(r['CallStartTime'])}"
                 for r in ucloud_data.records(lo, now_us // 1000))
    assert rows == exp, (len(rows), len(exp))


def main():
    s = Server()
    try:
        psql("CREATE EXTENSION IF NOT EXISTS callrecord_fdw;"
             "DROP SERVER IF EXISTS uc CASCADE;"
             f"CREATE SERVER uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', "
             f"endpoint 'https://127.0.0.1:{s.port}/ucloud', ca_file '{s.ca}', region 'cn-zj');"
             f"CREATE USER MAPPING FOR CURRENT_USER SERVER uc OPTIONS (public_key '{PUB}', private_key '{PRIV}');"
             "DROP SCHEMA IF EXISTS reports CASCADE; CREATE SCHEMA reports;"
             "IMPORT FOREIGN SCHEMA ucloud FROM SERVER uc INTO reports;")
        for t in TESTS:
            t(s)
    finally:
        s.stop()
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
