#!/usr/bin/env python3
"""Integration tests of callrecord_fdw's Tencent provider (tel_call_info)
against the local CCC emulation, compared with the server's ground truth
(test/tencent_data.py through GET /_control/truth/tencent) and with the
server's request log (days, SdkAppIds, rate).

Run inside a throwaway cluster (the extension installed by `make install`):

    pg_virtualenv -v 15 -- python3 test/integration/test_tencent.py [name-substring ...]

Last line: "N passed, N failed".  Lines starting with "# " are measured figures.
"""
import datetime
import os
import sys
import time
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (info, max_in_sliding_window, psql_error, psql_ok,  # noqa: E402
                     sql_literal, test)

SECRET_ID = "AKIDTencentTest0000000001"
SECRET_KEY = "TencentTestKey0000000001"
TMP_ID, TMP_KEY, TMP_TOKEN = "AKIDTmpTencentTest0001", "TencentTmpKey0001", "tencent-sts-token+/="
APPS = (1400000001, 1400000002)
FIELDS = ("TelCallOutCount", "TelCallInCount", "SeatUsedCount", "VOIPCallInCount",
          "AsrOfflineCount", "AsrRealtimeCount")
COLS = ("day, sdk_app_id, tel_call_out_count, tel_call_in_count, seat_used_count, "
        "voip_call_in_count, asr_offline_count, asr_realtime_count")

SRV = None


def day_bounds(day, zone):
    """StartTimeStamp/EndTimeStamp of a whole day in a zone: local midnight to
    the next local midnight minus one second."""
    tz = ZoneInfo(zone)
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + datetime.timedelta(days=1)
    end = datetime.datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return int(start.timestamp()), int(end.timestamp()) - 1


def expected_line(day, app, zone="Asia/Shanghai"):
    s, e = day_bounds(day, zone)
    t = SRV.truth("tencent", sdk_app_ids=app, start=s, end=e)
    voip = t.get("VOIPCallInCount", t.get("VoipCallInCount"))
    vals = [t["TelCallOutCount"], t["TelCallInCount"], t["SeatUsedCount"], voip,
            t["AsrOfflineCount"], t["AsrRealtimeCount"]]
    return "|".join([day.isoformat(), str(app)] + [str(v) for v in vals])


def shanghai_today():
    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def log_ok():
    return [e for e in SRV.log("tencent") if e["retcode"] is None and e["status"] == 200]


def before_each():
    SRV.reset()


def setup_sql(server="tc", extra_opts="", um=None):
    um = um or "secret_id %s, secret_key %s" % (sql_literal(SECRET_ID), sql_literal(SECRET_KEY))
    return ("DROP SERVER IF EXISTS %s CASCADE;\n"
            "CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', "
            "endpoint %s, ca_file %s%s);\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (%s);\n"
            % (server, server, sql_literal(SRV.endpoint("tencent") + "/"), sql_literal(SRV.ca),
               extra_opts, server, um))


# ===================================================================== tests

@test
def t01_120_days_two_apps_rate_and_values():
    """120 days x 2 SdkAppIds = 240 requests at the default 20/s; every row equals
    the server's sums for that Shanghai day and id; the log never shows more than
    20 requests in any second."""
    last = shanghai_today() - datetime.timedelta(days=1)
    first = last - datetime.timedelta(days=119)
    t0 = time.monotonic()
    got = psql_ok("SELECT %s FROM reports.tel_call_info WHERE day BETWEEN %s AND %s "
                  "AND sdk_app_id IN (1400000001, 1400000002) ORDER BY 1, 2;"
                  % (COLS, sql_literal(first.isoformat()), sql_literal(last.isoformat())))
    elapsed = time.monotonic() - t0
    exp = [expected_line(first + datetime.timedelta(days=d), app)
           for d in range(120) for app in APPS]
    assert len(got) == 240, "got %d rows" % len(got)
    bad = [(g, e) for g, e in zip(got, exp) if g != e]
    assert not bad, "%d rows differ, first: %s" % (len(bad), bad[0])
    log = SRV.log("tencent")
    assert len(log) == 240, "%d requests, expected 240" % len(log)
    assert all(e["retcode"] is None for e in log), "a request failed: %s" % [e for e in log if e["retcode"]][:1]
    pairs = {(e["params"]["StartTimeStamp"], e["params"]["SdkAppIdList"]) for e in log}
    assert len(pairs) == 240, "requests repeat a (day, id)"
    peak = max_in_sliding_window([e["t"] for e in log], 1.0)
    assert peak <= 20, "%d requests within one second" % peak
    info("tencent 120 days x 2 ids: 240 rows, 240 requests, %.1f s, peak %d requests in any 1 s"
         % (elapsed, peak))


@test
def t02_day_crossing_utc_midnight():
    """A Shanghai day runs from 16:00 UTC the day before: the request asks for
    exactly that day, and the sums are those of its 24 hours."""
    day = shanghai_today() - datetime.timedelta(days=10)
    got = psql_ok("SELECT %s FROM reports.tel_call_info WHERE day = %s AND sdk_app_id = 1400000001;"
                  % (COLS, sql_literal(day.isoformat())))
    assert got == [expected_line(day, 1400000001)], got
    (e,) = SRV.log("tencent")
    s, end = day_bounds(day, "Asia/Shanghai")
    assert e["params"]["StartTimeStamp"] == str(s) and e["params"]["EndTimeStamp"] == str(end), e["params"]
    start_utc = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    assert start_utc.hour == 16 and start_utc.date() == day - datetime.timedelta(days=1), start_utc
    # a timestamptz bound is read in the session's zone, as a date comparison does
    got2 = psql_ok("SET timezone = 'Asia/Shanghai';\nSELECT %s FROM reports.tel_call_info "
                   "WHERE day >= %s::timestamptz AND day < %s::timestamptz + interval '1 day' "
                   "AND sdk_app_id = 1400000001;"
                   % (COLS, sql_literal(day.isoformat() + " 00:00+08"), sql_literal(day.isoformat() + " 00:00+08")))
    assert got2 == got, got2
    assert len(SRV.log("tencent")) == 2, "the timestamptz bounds asked for more than one day"


@test
def t03_other_time_zone_and_dst():
    """time_zone 'America/New_York': days cut at New York midnights, including a
    23-hour and a 25-hour day."""
    # the latest past 23-hour (DST start) and 25-hour (DST end) New York days,
    # and a 24-hour day; up to 371 days back (2nd Sunday of March drifts), so
    # history_days 400 on this server keeps them inside the history
    ny = "America/New_York"

    def hours(d):
        s, e = day_bounds(d, ny)
        return (e - s + 1) // 3600
    newest = shanghai_today() - datetime.timedelta(days=2)
    back = [newest - datetime.timedelta(days=k) for k in range(380)]
    short = next(d for d in back if hours(d) == 23)
    long_ = next(d for d in back if hours(d) == 25)
    normal = next(d for d in back if hours(d) == 24 and d.month == 6)
    days = [short, long_, normal]
    days = [d for d in days if d < shanghai_today() - datetime.timedelta(days=1)]
    assert len(days) == 3, days
    assert sorted(hours(d) for d in days) == [23, 24, 25], [(d, hours(d)) for d in days]
    psql_ok(setup_sql("tc_ny", ", time_zone 'America/New_York', history_days '400'") +
            "CREATE FOREIGN TABLE reports.tel_ny (day date, sdk_app_id bigint, tel_call_out_count int, "
            "tel_call_in_count int, seat_used_count int, voip_call_in_count int, asr_offline_count int, "
            "asr_realtime_count int) SERVER tc_ny OPTIONS (resource 'tel_call_info', sdk_app_ids '1400000002');")
    for d in days:
        got = psql_ok("SELECT %s FROM reports.tel_ny WHERE day = %s;" % (COLS, sql_literal(d.isoformat())))
        assert got == [expected_line(d, 1400000002, "America/New_York")], (d, got)
    spans = sorted(int(e["params"]["EndTimeStamp"]) - int(e["params"]["StartTimeStamp"]) + 1
                   for e in SRV.log("tencent"))
    expect = sorted(day_bounds(d, "America/New_York")[1] - day_bounds(d, "America/New_York")[0] + 1
                    for d in days)
    assert spans == expect, (spans, expect)
    assert len(spans) == 3 and [s // 3600 for s in spans] == [23, 24, 25], spans
    info("tencent America/New_York day lengths seen: %s hours (%s)"
         % ([s // 3600 for s in spans], ", ".join(d.isoformat() for d in days)))
    psql_ok("DROP SERVER tc_ny CASCADE;")


@test
def t04_default_ids_history_and_no_ids():
    """No sdk_app_id condition: the table option sdk_app_ids; no condition on day:
    the last history_days days ending today; neither ids nor option: ERROR."""
    psql_ok("ALTER SERVER tc OPTIONS (ADD history_days '3');")
    try:
        got = psql_ok("SELECT day, sdk_app_id FROM reports.tel_call_info_ids ORDER BY 1, 2;")
        today = shanghai_today()
        exp = ["%s|%d" % ((today - datetime.timedelta(days=k)).isoformat(), app)
               for k in (2, 1, 0) for app in (1400000001, 1400000003)]
        assert got == exp, got
        assert len(SRV.log("tencent")) == 6
    finally:
        psql_ok("ALTER SERVER tc OPTIONS (DROP history_days);")
    _, err, _ = psql_error("SELECT * FROM reports.tel_call_info WHERE day = current_date - 5;")
    assert "needs at least one SdkAppId" in err and "sdk_app_ids" in err, err


@test
def t05_throttled_then_rows():
    """The vendor's RequestLimitExceeded (a 200 body), then rows; and the real
    limiter: the server allows 5/s while the FDW asks 20/s."""
    day = shanghai_today() - datetime.timedelta(days=3)
    SRV.faults({"vendor": "tencent", "kind": "retcode", "code": "RequestLimitExceeded", "count": 2})
    got = psql_ok("SELECT %s FROM reports.tel_call_info WHERE day = %s AND sdk_app_id = 1400000002;"
                  % (COLS, sql_literal(day.isoformat())))
    assert got == [expected_line(day, 1400000002)], got
    codes = [e["retcode"] for e in SRV.log("tencent")]
    assert codes == ["RequestLimitExceeded", "RequestLimitExceeded", None], codes
    SRV.reset()
    SRV.config(tencent_rate_limit=5)
    first = day - datetime.timedelta(days=14)
    got = psql_ok("SELECT %s FROM reports.tel_call_info WHERE day BETWEEN %s AND %s AND sdk_app_id = 1400000001 "
                  "ORDER BY 1;" % (COLS, sql_literal(first.isoformat()), sql_literal(day.isoformat())))
    exp = [expected_line(first + datetime.timedelta(days=k), 1400000001) for k in range(15)]
    assert got == exp, "rows differ after throttling"
    throttled = sum(1 for e in SRV.log("tencent") if e["throttled"])
    assert throttled > 0, "the server never throttled"
    SRV.reset()
    out = psql_ok("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM reports.tel_call_info "
                  "WHERE day = %s AND sdk_app_id = 1400000001;" % sql_literal(day.isoformat()))
    assert any("Requests: 1" in l for l in out), out
    info("tencent: 15 days at the FDW's 20/s against a 5/s limit: %d throttled answers, rows right" % throttled)


@test
def t06_wrong_secret():
    """A wrong SecretKey: ERROR naming tencent, AuthFailure.SignatureFailure and the
    request id; the secret is in no message."""
    psql_ok(setup_sql("tc_bad", um="secret_id %s, secret_key 'not-the-key-42'" % sql_literal(SECRET_ID)) +
            "IMPORT FOREIGN SCHEMA tencent FROM SERVER tc_bad INTO bad;")
    _, err, r = psql_error("SELECT * FROM bad.tel_call_info WHERE day = current_date - 2 AND sdk_app_id = 1400000001;")
    assert "tencent" in err and "AuthFailure.SignatureFailure" in err, err
    (e,) = SRV.log("tencent")
    assert "Request id: " in err and len(err.split("Request id: ")[1].split(".")[0]) >= 32, err
    assert "not-the-key-42" not in r.stderr
    assert e["retcode"] == "AuthFailure.SignatureFailure"
    assert e["request_id"] and "Request id: %s." % e["request_id"] in err, \
        "the ERROR lacks the response's RequestId %s: %s" % (e["request_id"], err)
    info("tencent wrong secret: ERROR with AuthFailure.SignatureFailure and the response's RequestId %s, "
         "1 request" % e["request_id"])
    psql_ok("DROP SERVER tc_bad CASCADE;")


@test
def t07_temporary_credentials_region_legacy_field():
    """STS credentials send X-TC-Token; region is sent as X-TC-Region; the
    deprecated VoipCallInCount is read when VOIPCallInCount is absent."""
    day = shanghai_today() - datetime.timedelta(days=4)
    psql_ok(setup_sql("tc_tmp", ", region 'ap-guangzhou'",
                      um="secret_id %s, secret_key %s, token %s"
                      % (sql_literal(TMP_ID), sql_literal(TMP_KEY), sql_literal(TMP_TOKEN))) +
            "IMPORT FOREIGN SCHEMA tencent FROM SERVER tc_tmp INTO tmp;")
    SRV.config(tencent_legacy_voip_field=True)
    got = psql_ok("SELECT %s FROM tmp.tel_call_info WHERE day = %s AND sdk_app_id = 1400000003;"
                  % (COLS, sql_literal(day.isoformat())))
    assert got == [expected_line(day, 1400000003)], got
    assert got[0].split("|")[5] != "", "voip_call_in_count is NULL"
    (e,) = SRV.log("tencent")
    assert e["params"].get("region") == "ap-guangzhou", e["params"]
    psql_ok("DROP SERVER tc_tmp CASCADE;")


@test
def t08_errors_and_faults():
    """A 5xx is retried; InternalError.* is retried; a malformed body and a
    non-retryable vendor code are ERRORs naming tencent; nothing partial."""
    day = shanghai_today() - datetime.timedelta(days=5)
    q = ("SELECT %s FROM reports.tel_call_info WHERE day BETWEEN %s AND %s AND sdk_app_id = 1400000001 ORDER BY 1;"
         % (COLS, sql_literal((day - datetime.timedelta(days=1)).isoformat()), sql_literal(day.isoformat())))
    exp = [expected_line(day - datetime.timedelta(days=1), 1400000001), expected_line(day, 1400000001)]
    SRV.faults({"vendor": "tencent", "kind": "status", "status": 503},
               {"vendor": "tencent", "kind": "retcode", "code": "InternalError.DBError"})
    assert psql_ok(q) == exp
    SRV.reset()
    SRV.faults({"vendor": "tencent", "kind": "malformed"})
    _, err, _ = psql_error(q)
    assert "tencent DescribeTelCallInfo returned a malformed response" in err, err
    SRV.reset()
    SRV.faults({"vendor": "tencent", "kind": "retcode", "code": "FailedOperation.PermissionDenied",
                "message": "no permission"})
    _, err, _ = psql_error(q)
    assert "FailedOperation.PermissionDenied" in err and "no permission" in err, err
    SRV.reset()
    SRV.faults({"vendor": "tencent", "kind": "short_page"})
    _, err, _ = psql_error(q)
    assert "malformed response: the response has no SeatUsedCount" in err, err
    SRV.reset()
    SRV.faults({"vendor": "tencent", "kind": "wrong_types", "value": "many"})
    _, err, _ = psql_error(q)
    assert "invalid input syntax for type integer" in err and "tel_call_out_count" in err, err


@test
def t09_explain():
    day = shanghai_today() - datetime.timedelta(days=6)
    out = psql_ok("EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM reports.tel_call_info "
                  "WHERE day BETWEEN %s AND %s AND sdk_app_id IN (1400000001, 1400000002);"
                  % (sql_literal((day - datetime.timedelta(days=2)).isoformat()), sql_literal(day.isoformat())))
    text = "\n".join(out)
    for want in ("Provider: tencent", "Action: DescribeTelCallInfo", "Windows: 3", "Fan-out Values: 2",
                 "Requests: 6", "Pushed Parameters: SdkAppIdList"):
        assert want in text, (want, text)
    assert SECRET_KEY not in text


def setup(srv):
    global SRV
    SRV = srv
    return ("DROP EXTENSION IF EXISTS callrecord_fdw CASCADE;\n"
            "DROP SCHEMA IF EXISTS reports, bad, tmp CASCADE;\n"
            "CREATE EXTENSION callrecord_fdw;\n"
            "CREATE SCHEMA reports; CREATE SCHEMA bad; CREATE SCHEMA tmp;\n" +
            setup_sql() +
            "IMPORT FOREIGN SCHEMA tencent FROM SERVER tc INTO reports;\n"
            "CREATE FOREIGN TABLE reports.tel_call_info_ids (day date, sdk_app_id bigint) SERVER tc "
            "OPTIONS (resource 'tel_call_info', sdk_app_ids '1400000003,1400000001');\n")


def main():
    harness.main(globals(), setup, before_each)


if __name__ == "__main__":
    main()
