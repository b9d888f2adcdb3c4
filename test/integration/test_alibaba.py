#!/usr/bin/env python3
"""Integration tests of callrecord_fdw's Alibaba provider
(chatapp_phone_number_metrics) against the local CAMS emulation, compared row
by row with the server's ground truth (test/alibaba_data.py through
GET /_control/truth/alibaba) and with its request log (windows, fan-out,
nonces, rate).

Run inside a throwaway cluster (the extension installed by `make install`):

    pg_virtualenv -v 15 -- python3 test/integration/test_alibaba.py [name-substring ...]

Last line: "N passed, N failed".  Lines starting with "# " are measured figures.
"""
import datetime
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (info, max_in_sliding_window, psql_error, psql_ok,  # noqa: E402
                     sql_literal, test)

KEY_ID, KEY_SECRET = "LTAI5tAlibabaTest0001", "AlibabaTestSecret0001"
STS_ID, STS_SECRET, STS_TOKEN = "STS.NTestAlibabaSts01", "AlibabaStsSecret01", "CAIS+token/test=="
PHONES = ["86138%08d" % i for i in range(120)]
COLS = ("(extract(epoch from start_time) * 1000)::bigint, (extract(epoch from end_time) * 1000)::bigint, "
        "phone_number, granularity, sent_count, delivered_count")
UTC = datetime.timezone.utc
DAY_MS = 86400000

SRV = None


def line(b):
    return "|".join(str(x) for x in (b["Start"], b["End"], b["PhoneNumber"], b["Granularity"],
                                     b["SentCount"], b["DeliveredCount"]))


def truth(lo_ms, hi_ms, granularity="DAILY", phone=None):
    """Buckets with lo_ms <= Start < hi_ms, as lines sorted by (phone, start)."""
    q = {"granularity": granularity, "start_ms": lo_ms, "end_ms": hi_ms}
    if phone:
        q["phone"] = phone
    out = [b for b in SRV.truth("alibaba", **q) if lo_ms <= b["Start"] < hi_ms]
    return sorted((line(b) for b in out), key=lambda l: (l.split("|")[2], int(l.split("|")[0])))


def sort_rows(rows):
    return sorted(rows, key=lambda l: (l.split("|")[2], int(l.split("|")[0])))


def midnight_ms(days_ago, hour=0):
    today = datetime.datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return int((today - datetime.timedelta(days=days_ago)).timestamp()) * 1000


def ts_lit(ms):
    return sql_literal(datetime.datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00"))


def query(lo_ms, hi_ms, extra="", table="reports.chatapp_phone_number_metrics"):
    return ("SELECT %s FROM %s WHERE start_time >= %s AND start_time < %s %s;"
            % (COLS, table, ts_lit(lo_ms), ts_lit(hi_ms), extra))


def before_each():
    SRV.reset()


def server_sql(name, extra="", um=None):
    um = um or "access_key_id %s, access_key_secret %s" % (sql_literal(KEY_ID), sql_literal(KEY_SECRET))
    return ("DROP SERVER IF EXISTS %s CASCADE;\n"
            "CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', "
            "endpoint %s, ca_file %s%s);\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (%s);\n"
            % (name, name, sql_literal(SRV.endpoint("alibaba") + "/"), sql_literal(SRV.ca), extra, name, um))


def requests():
    return SRV.log("alibaba")


# ===================================================================== tests

@test
def t01_daily_across_windows_and_buckets():
    """70 days of DAILY buckets for two numbers: three 31-day windows, bounds
    inside buckets (DAILY buckets start at 16:00 UTC), each bucket once."""
    lo, hi = midnight_ms(80, hour=3), midnight_ms(10, hour=20)
    got = psql_ok(query(lo, hi, "AND phone_number IN ('8613800000001', '8613800000002')"))
    exp = truth(lo, hi, phone="8613800000001") + truth(lo, hi, phone="8613800000002")
    assert sort_rows(got) == sort_rows(exp), "%d rows, expected %d" % (len(got), len(exp))
    log = requests()
    assert len(log) == 6, "%d requests, expected 2 numbers x 3 windows" % len(log)
    for e in log:
        span = int(e["params"]["End"]) - int(e["params"]["Start"])
        assert span <= 31 * DAY_MS, e["params"]
        assert e["params"].get("Granularity") == "DAILY", e["params"]
    info("alibaba DAILY 70 days x 2 numbers: %d buckets, %d requests" % (len(got), len(log)))


@test
def t02_half_hour_across_windows():
    """HALF_HOUR over 10 days: 7-day windows; a window edge inside a half hour."""
    lo, hi = midnight_ms(12) + 17 * 60000, midnight_ms(2) + 5 * 60000
    got = psql_ok(query(lo, hi, "AND granularity = 'HALF_HOUR' AND phone_number = '8613800000007'"))
    exp = truth(lo, hi, "HALF_HOUR", "8613800000007")
    assert sort_rows(got) == exp, "%d rows, expected %d" % (len(got), len(exp))
    assert len(got) == 10 * 48, len(got)
    log = requests()
    assert len(log) == 2 and all(int(e["params"]["End"]) - int(e["params"]["Start"]) <= 7 * DAY_MS for e in log), \
        [e["params"] for e in log]
    # windows meeting inside a bucket: both return it, it comes out once
    starts = sorted(int(e["params"]["Start"]) for e in log)
    assert starts[1] % 1800000 != 0, "the window edge fell on a bucket edge: %d" % starts[1]


@test
def t03_hundred_numbers_rate():
    """IN with 100 numbers over 39 days (two 31-day DAILY windows): numbers x
    windows requests, each (number, window) once, never above 50 in a second."""
    phones = PHONES[:100]
    lo, hi = midnight_ms(40), midnight_ms(1)
    windows = -(-(hi - lo) // (31 * DAY_MS))        # 31-day windows for DAILY (README)
    assert windows == 2, windows
    t0 = time.monotonic()
    got = psql_ok(query(lo, hi, "AND phone_number IN (%s)" % ", ".join(sql_literal(p) for p in phones)))
    elapsed = time.monotonic() - t0
    log = requests()
    assert len(log) == 100 * windows, "%d requests, expected 100 numbers x %d windows" % (len(log), windows)
    assert sorted(set(e["params"]["PhoneNumber"] for e in log)) == phones
    seen = {(e["params"]["Start"], e["params"]["End"]) for e in log}
    assert len(seen) == windows, "%d distinct windows, expected %d: %s" % (len(seen), windows, sorted(seen))
    for s, e in seen:
        assert 0 < int(e) - int(s) <= 31 * DAY_MS, (s, e)
    pairs = Counter((e["params"]["PhoneNumber"], e["params"]["Start"], e["params"]["End"]) for e in log)
    assert len(pairs) == 100 * windows and set(pairs.values()) == {1}, \
        "a (number, window) was requested more than once: %s" % [k for k, n in pairs.items() if n > 1][:3]
    assert all(e["status"] == 200 and e["retcode"] == "OK" for e in log), \
        [(e["status"], e["retcode"]) for e in log if e["retcode"] != "OK"][:3]
    peak = max_in_sliding_window([e["t"] for e in log], 1.0)
    assert peak <= 50, "%d requests in one second" % peak
    assert not [e for e in log if e["throttled"]], "the server throttled"
    exp = []
    for p in phones:
        exp += truth(lo, hi, phone=p)
    assert sort_rows(got) == sort_rows(exp), "%d rows, expected %d" % (len(got), len(exp))
    info("alibaba 100 numbers x %d windows (39 days DAILY): %d requests in %.2f s, peak %d in any 1 s, %d rows"
         % (windows, len(log), elapsed, peak, len(got)))


@test
def t04_throttled_then_rows_new_nonces():
    """Throttling.User twice, then rows; every attempt carries a new nonce."""
    lo, hi = midnight_ms(9), midnight_ms(2)
    SRV.faults({"vendor": "alibaba", "kind": "retcode", "code": "Throttling.User", "count": 2})
    got = psql_ok(query(lo, hi, "AND phone_number = '8613800000003'"))
    assert sort_rows(got) == truth(lo, hi, phone="8613800000003")
    log = requests()
    assert [e["retcode"] for e in log] == ["Throttling.User", "Throttling.User", "OK"], [e["retcode"] for e in log]
    nonces = [e["params"]["nonce"] for e in log]
    assert len(set(nonces)) == 3, nonces
    # the real limiter: 10/s against the FDW's 50/s
    SRV.reset()
    SRV.config(alibaba_rate_limit=10)
    got = psql_ok(query(lo, hi, "AND phone_number IN (%s)" % ", ".join(sql_literal(p) for p in PHONES[:30])))
    exp = []
    for p in PHONES[:30]:
        exp += truth(lo, hi, phone=p)
    assert sort_rows(got) == sort_rows(exp)
    throttled = [e for e in requests() if e["throttled"]]
    assert throttled, "the server never throttled"
    nonces = [e["params"]["nonce"] for e in requests()]
    assert len(set(nonces)) == len(nonces), "a nonce was reused"
    info("alibaba 30 numbers at 50/s against a 10/s limit: %d throttled, %d requests, all nonces distinct"
         % (len(throttled), len(nonces)))


@test
def t05_wrong_secret():
    psql_ok(server_sql("al_bad", um="access_key_id %s, access_key_secret 'wrong-secret-31'" % sql_literal(KEY_ID)) +
            "IMPORT FOREIGN SCHEMA alibaba FROM SERVER al_bad INTO bad;")
    _, err, r = psql_error("SELECT * FROM bad.chatapp_phone_number_metrics WHERE start_time >= now() - interval '3 days';")
    assert "alibaba" in err and "SignatureDoesNotMatch" in err and "Request id: " in err, err
    assert "wrong-secret-31" not in r.stderr
    assert len(requests()) == 1, "a signature error was retried"
    (e,) = requests()
    assert e["retcode"] == "SignatureDoesNotMatch" and e["request_id"], e
    assert "Request id: %s." % e["request_id"] in err, "the ERROR lacks the response's RequestId %s: %s" % (
        e["request_id"], err)
    info("alibaba wrong secret: ERROR with SignatureDoesNotMatch and the response's RequestId %s, 1 request"
         % e["request_id"])
    psql_ok("DROP SERVER al_bad CASCADE;")


@test
def t06_rpc_signature_and_sts():
    """signature_version 'rpc', and STS credentials in both forms."""
    lo, hi = midnight_ms(6), midnight_ms(3)
    for name, extra, um in (
            ("al_rpc", ", signature_version 'rpc'", None),
            ("al_sts", "", "access_key_id %s, access_key_secret %s, security_token %s"
             % (sql_literal(STS_ID), sql_literal(STS_SECRET), sql_literal(STS_TOKEN))),
            ("al_sts_rpc", ", signature_version 'rpc'", "access_key_id %s, access_key_secret %s, security_token %s"
             % (sql_literal(STS_ID), sql_literal(STS_SECRET), sql_literal(STS_TOKEN)))):
        SRV.reset()
        psql_ok(server_sql(name, extra, um) +
                "CREATE FOREIGN TABLE bad.m_%s (start_time timestamptz, end_time timestamptz, phone_number text, "
                "granularity text, sent_count int, delivered_count int) SERVER %s "
                "OPTIONS (resource 'chatapp_phone_number_metrics', cust_space_id 'cams-abc123', isv_code 'isv-1');"
                % (name, name))
        got = psql_ok(query(lo, hi, "AND phone_number = '8613800000005'", table="bad.m_%s" % name))
        assert sort_rows(got) == truth(lo, hi, phone="8613800000005"), name
        (e,) = requests()
        assert e["params"]["scheme"] == ("rpc" if "rpc" in name else "v3"), e["params"]
        assert e["params"].get("CustSpaceId") == "cams-abc123" and e["params"].get("IsvCode") == "isv-1", e["params"]
        psql_ok("DROP SERVER %s CASCADE;" % name)


@test
def t07_history_default_and_errors():
    """No time condition: the last 90 days; a 503 is retried; a malformed page and
    a non-retryable code are ERRORs naming alibaba."""
    got = psql_ok("SELECT count(*) FROM reports.chatapp_phone_number_metrics WHERE phone_number = '8613800000009';")
    log = requests()
    assert len(log) == 3, "%d requests for 90 days of DAILY (31-day windows)" % len(log)
    first = min(int(e["params"]["Start"]) for e in log)
    now_ms = int(time.time() * 1000)
    assert abs(now_ms - first - 90 * DAY_MS) < 120000, (now_ms - first) / DAY_MS
    assert int(got[0]) in (89, 90, 91), got
    lo, hi = midnight_ms(5), midnight_ms(2)
    q = query(lo, hi, "AND phone_number = '8613800000009'")
    SRV.reset()
    SRV.faults({"vendor": "alibaba", "kind": "status", "status": 503})
    assert sort_rows(psql_ok(q)) == truth(lo, hi, phone="8613800000009")
    assert len(set(e["params"]["nonce"] for e in requests())) == 2
    SRV.reset()
    SRV.faults({"vendor": "alibaba", "kind": "malformed"})
    _, err, _ = psql_error(q)
    assert "alibaba GetChatappPhoneNumberMetric returned a malformed response" in err, err
    SRV.reset()
    SRV.faults({"vendor": "alibaba", "kind": "retcode", "code": "Forbidden.RAM", "message": "denied"})
    _, err, _ = psql_error(q)
    assert "Forbidden.RAM" in err and "denied" in err, err


def setup(srv):
    global SRV
    SRV = srv
    return ("CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
            "DROP SCHEMA IF EXISTS reports, bad CASCADE;\n"
            "CREATE SCHEMA reports; CREATE SCHEMA bad;\n" +
            server_sql("al") +
            "IMPORT FOREIGN SCHEMA alibaba FROM SERVER al INTO reports;\n")


def main():
    harness.main(globals(), setup, before_each)


if __name__ == "__main__":
    main()
