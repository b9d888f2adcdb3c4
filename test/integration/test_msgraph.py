#!/usr/bin/env python3
"""Integration tests of callrecord_fdw's Microsoft Graph provider (pstn_calls)
against the local Graph and login emulation, compared row by row with the
server's ground truth (test/graph_data.py through GET /_control/truth/graph)
and with its request log (windows, pages, tokens, the foreign listener).

Run inside a throwaway cluster (the extension installed by `make install`):

    pg_virtualenv -v 15 -- python3 test/integration/test_msgraph.py [name-substring ...]

Last line: "N passed, N failed".  Lines starting with "# " are measured figures.
"""
import datetime
import os
import re
import sys
import time
from collections import Counter
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (info, psql_error, psql_ok,  # noqa: E402
                     sql_literal, test)

TENANT = "contoso.onmicrosoft.com"
CLIENT = "11111111-2222-3333-4444-555555555555"
SECRET = "graph-test-secret~0001"
UTC = datetime.timezone.utc

SRV = None

# (column, JSON property, kind): kind "ts" compares as microseconds, "num" as Decimal
COLUMNS = [
    ("id", "id", "txt"), ("call_id", "callId", "txt"), ("user_id", "userId", "txt"),
    ("user_principal_name", "userPrincipalName", "txt"), ("user_display_name", "userDisplayName", "txt"),
    ("start_date_time", "startDateTime", "ts"), ("end_date_time", "endDateTime", "ts"),
    ("duration", "duration", "txt"), ("charge", "charge", "num"), ("call_type", "callType", "txt"),
    ("currency", "currency", "txt"), ("callee_number", "calleeNumber", "txt"),
    ("usage_country_code", "usageCountryCode", "txt"), ("tenant_country_code", "tenantCountryCode", "txt"),
    ("connection_charge", "connectionCharge", "num"), ("caller_number", "callerNumber", "txt"),
    ("destination_context", "destinationContext", "txt"), ("destination_name", "destinationName", "txt"),
    ("conference_id", "conferenceId", "txt"), ("license_capability", "licenseCapability", "txt"),
    ("inventory_type", "inventoryType", "txt"), ("operator", "operator", "txt"),
    ("call_duration_source", "callDurationSource", "txt"),
]


def cols_sql():
    out = []
    for col, _, kind in COLUMNS:
        if kind == "ts":
            out.append("coalesce((extract(epoch from %s) * 1000000)::bigint::text, '<null>')" % col)
        else:
            out.append("coalesce(%s::text, '<null>')" % col)
    return ", ".join(out)


COLS = cols_sql()

_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def iso_100ns(s):
    """An ISO 8601 value as integer 100 ns units since the epoch (exact)."""
    m = _ISO.match(s)
    assert m, "unexpected time format %r" % s
    y, mo, d, h, mi, sec, frac, zone = m.groups()
    base = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec), tzinfo=UTC)
    off = 0
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        off = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    whole = int(base.timestamp()) - off
    frac = (frac or "").ljust(7, "0")[:7]
    return whole * 10000000 + int(frac)


def pg_us(s):
    """What PostgreSQL makes of a Graph time: microseconds, the fraction read
    as a double and rounded with rint(frac * 1000000), as datetime.c does
    (Python's round() is the same round-half-even on the same double)."""
    t = iso_100ns(s)
    m = _ISO.match(s)
    frac = m.group(7) or ""
    whole = (t - int(frac.ljust(7, "0")[:7] or 0)) // 10
    return whole + (round(float("0." + frac) * 1000000) if frac else 0)


def expected_line(r):
    out = []
    for _, prop, kind in COLUMNS:
        v = r.get(prop)
        if v is None:
            out.append("<null>")
        elif kind == "ts":
            out.append(str(pg_us(v)))
        elif kind == "num":
            out.append(str(Decimal(str(v))))
        else:
            out.append(str(v))
    return "|".join(out)


def norm_line(line):
    """Numeric columns compare by value (0.50 == 0.5)."""
    f = line.split("|")
    for i, (_, _, kind) in enumerate(COLUMNS):
        if kind == "num" and f[i] != "<null>":
            f[i] = str(Decimal(f[i]).normalize())
    return "|".join(f)


def compare(got, recs, what=""):
    exp = sorted(norm_line(expected_line(r)) for r in recs)
    got = sorted(norm_line(g) for g in got)
    if got == exp:
        return len(got)
    gi, ei = Counter(g.split("|")[0] for g in got), Counter(e.split("|")[0] for e in exp)
    missing, extra = sorted((ei - gi).elements()), sorted((gi - ei).elements())
    dup = [k for k, n in gi.items() if n > 1]
    msg = "%s: %d rows, expected %d; missing %s, extra %s, duplicated %s" % (
        what, len(got), len(exp), missing[:3], extra[:3], dup[:3])
    if not missing and not extra and not dup:
        for a, b in zip(got, exp):
            if a != b:
                msg += "\n got %s\n exp %s" % (a, b)
                break
    raise AssertionError(msg)


def iso(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def truth(lo, hi, lo_incl=True, hi_incl=False):
    """Records with lo <(=) start <(=) hi, in PostgreSQL's (rounded) terms."""
    recs = SRV.truth("graph", **{"from": iso(lo - datetime.timedelta(seconds=2)),
                                 "to": iso(hi + datetime.timedelta(seconds=2))})
    lo_us = int(lo.timestamp()) * 1000000 + lo.microsecond
    hi_us = int(hi.timestamp()) * 1000000 + hi.microsecond
    out = []
    for r in recs:
        t = pg_us(r["startDateTime"])
        if (t > lo_us or (lo_incl and t == lo_us)) and (t < hi_us or (hi_incl and t == hi_us)):
            out.append(r)
    return out


def ts_lit(dt):
    return sql_literal(dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00"))


def graph_log(kind=None):
    return [e for e in SRV.log("graph")]


def utc_midnight(days_ago):
    today = datetime.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - datetime.timedelta(days=days_ago)


def before_each():
    SRV.reset()


def server_sql(name, endpoint=None, extra="", secret=SECRET):
    return ("DROP SERVER IF EXISTS %s CASCADE;\n"
            "CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', "
            "endpoint %s, token_endpoint %s, ca_file %s%s);\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (tenant_id %s, client_id %s, "
            "client_secret %s);\n"
            % (name, name, sql_literal(endpoint or SRV.endpoint("graph")), sql_literal(SRV.endpoint("login")),
               sql_literal(SRV.ca), extra, name, sql_literal(TENANT), sql_literal(CLIENT), sql_literal(secret)))


# ===================================================================== tests

@test
def t01_multi_window_multi_page_scan():
    """300 days: 4 windows of at most 90 days, more than two pages in a window,
    row by row against the truth; every request's range within 90 days."""
    lo, hi = utc_midnight(320), utc_midnight(20)
    t0 = time.monotonic()
    got = psql_ok("SELECT %s FROM reports.pstn_calls WHERE start_date_time >= %s AND start_date_time < %s;"
                  % (COLS, ts_lit(lo), ts_lit(hi)))
    elapsed = time.monotonic() - t0
    n = compare(got, truth(lo, hi), "300 days")
    log = SRV.log("graph")
    firsts = [e for e in log if e["params"].get("skip", "0") == "0"]
    assert len(firsts) == 4, "%d windows" % len(firsts)
    for e in firsts:
        span = iso_100ns(e["params"]["toDateTime"]) - iso_100ns(e["params"]["fromDateTime"])
        assert 0 < span <= 90 * 86400 * 10000000, e["params"]
    pages = Counter(e["params"]["fromDateTime"] for e in log)
    assert max(pages.values()) > 2, pages
    assert all(e["status"] == 200 for e in log), [e["status"] for e in log]
    logins = SRV.log("login")
    assert len(logins) == 1, "%d token requests" % len(logins)
    info("msgraph 300 days: %d rows, %d windows, %d requests, 1 token, %.1f s"
         % (n, len(firsts), len(log), elapsed))


@test
def t02_window_boundaries():
    """Rows exactly on window boundaries come out once, with >=/< and >/<= ends.
    The outer range is widened by one second, so the internal boundaries sit at
    lo - 1 s + k * 90 days: 23:59:59, where the data has rows."""
    lo, hi = utc_midnight(200), utc_midnight(10)
    for lo_op, hi_op in ((">=", "<"), (">", "<=")):
        SRV.reset()
        got = psql_ok("SELECT %s FROM reports.pstn_calls WHERE start_date_time %s %s AND start_date_time %s %s;"
                      % (COLS, lo_op, ts_lit(lo), hi_op, ts_lit(hi)))
        recs = truth(lo, hi, lo_incl=(lo_op == ">="), hi_incl=(hi_op == "<="))
        compare(got, recs, "%s/%s" % (lo_op, hi_op))
        firsts = sorted(e["params"]["fromDateTime"] for e in SRV.log("graph") if e["params"].get("skip", "0") == "0")
        assert len(firsts) >= 3, firsts
        inner = [iso_100ns(f) for f in firsts[1:]]
        on_boundary = [r for r in recs if iso_100ns(r["startDateTime"]) in inner]
        assert on_boundary, "no row on an internal boundary: %s" % firsts
        # and a row that PostgreSQL rounds onto the user's bound
        rounded = [r for r in recs if pg_us(r["startDateTime"]) in
                   (int(lo.timestamp()) * 1000000, int(hi.timestamp()) * 1000000)
                   and iso_100ns(r["startDateTime"]) % 10000000 != 0]
        info("msgraph %s/%s: %d rows, %d on internal window boundaries, %d rounded onto a bound"
             % (lo_op, hi_op, len(recs), len(on_boundary), len(rounded)))


@test
def t03_token_expires_mid_scan():
    """The server revokes every token after the first pages: one 401, one new
    token, the same rows."""
    lo, hi = utc_midnight(150), utc_midnight(60)
    psql_ok("SELECT count(*) FROM reports.pstn_calls WHERE start_date_time >= now() - interval '1 day';")
    SRV.reset()
    # 100-row pages at 100 ms each: the scan runs for seconds, pages in sequence
    SRV.config(graph_token_lifetime_s=3599, latency_ms=100, graph_page_size=100)
    proc_t0 = time.monotonic()
    import threading

    def revoke_later():
        time.sleep(1.0)
        SRV.config(graph_revoke_tokens=True)
    th = threading.Thread(target=revoke_later)
    th.start()
    got = psql_ok("SELECT %s FROM reports.pstn_calls WHERE start_date_time >= %s AND start_date_time < %s;"
                  % (COLS, ts_lit(lo), ts_lit(hi)))
    th.join()
    compare(got, truth(lo, hi), "after a revoked token")
    log = SRV.log("graph")
    unauthorized = [e for e in log if e["status"] == 401]
    logins = SRV.log("login")
    assert len(unauthorized) >= 1, "no 401 seen (the scan took %.1f s)" % (time.monotonic() - proc_t0)
    assert len(logins) == 2, "%d token requests, expected 2 (one refresh)" % len(logins)
    # Only one window pages for seconds (the other is the 2-second widening
    # tail, done at once), and its pages go one at a time: exactly one request
    # carries the revoked token, and it is retried once, with the new token.
    assert len(unauthorized) == 1, "%d x 401, expected exactly 1: %s" % (
        len(unauthorized), [(e["params"]["fromDateTime"], e["params"]["skip"]) for e in unauthorized])
    (bad,) = unauthorized
    key = (bad["params"]["fromDateTime"], bad["params"]["toDateTime"], bad["params"]["skip"])
    same = [e for e in log if (e["params"]["fromDateTime"], e["params"]["toDateTime"], e["params"]["skip"]) == key]
    assert [e["status"] for e in same] == [401, 200], [e["status"] for e in same]
    assert logins[0]["t"] < bad["t"] <= logins[1]["t"] <= same[1]["t"], "the refresh is not between the 401 and its retry"
    before = [e for e in log if e["t"] < bad["t"] and e["status"] == 200]
    assert before, "the 401 came before any page: not mid-scan"
    assert all(e["status"] == 200 for e in log if e is not bad), [e["status"] for e in log]
    info("msgraph revoked token mid-scan: %d x 401 (after %d pages, at $skip=%s), %d token requests, "
         "%d requests, rows right" % (len(unauthorized), len(before), bad["params"]["skip"], len(logins), len(log)))


@test
def t04_token_reused_and_refreshed_before_expiry():
    """expires_in 4 s: the token is reused for 2 s (half of it), then renewed
    before it expires, without any 401."""
    SRV.config(graph_token_lifetime_s=4)
    q = "SELECT count(*) FROM reports.pstn_calls WHERE start_date_time >= now() - interval '2 days';\n"
    psql_ok(q + q + "SELECT pg_sleep(2.5);\n" + q)
    assert len(SRV.log("login")) == 2, "%d token requests" % len(SRV.log("login"))
    assert not [e for e in SRV.log("graph") if e["status"] == 401]


@test
def t05_throttled_retry_after_honoured():
    """429 with Retry-After: 2: the next request comes at least 2 s later."""
    SRV.faults({"vendor": "graph", "kind": "status", "status": 429, "retry_after": "2"})
    lo, hi = utc_midnight(5), utc_midnight(3)
    got = psql_ok("SELECT %s FROM reports.pstn_calls WHERE start_date_time >= %s AND start_date_time < %s;"
                  % (COLS, ts_lit(lo), ts_lit(hi)))
    compare(got, truth(lo, hi), "after 429")
    log = SRV.log("graph")
    assert [e["status"] for e in log][:2] == [429, 200], [e["status"] for e in log]
    gap = log[1]["t"] - log[0]["t"]
    assert gap >= 2.0, "retried after %.3f s" % gap
    info("msgraph 429 Retry-After 2: retried after %.2f s" % gap)
    # the server's own limiter, in 429 with a Graph error body
    SRV.reset()
    SRV.config(graph_rate_limit=2, graph_rate_window_s=1, graph_retry_after_s=1)
    lo = utc_midnight(100)
    got = psql_ok("SELECT %s FROM reports.pstn_calls WHERE start_date_time >= %s AND start_date_time < %s;"
                  % (COLS, ts_lit(lo), ts_lit(hi)))
    compare(got, truth(lo, hi), "under the server's limiter")


@test
def t06_foreign_next_link():
    """A nextLink to another port: ERROR, and nothing at all reaches that host."""
    SRV.config(graph_next_link_origin="https://127.0.0.1:%d" % SRV.foreign_port)
    lo, hi = utc_midnight(120), utc_midnight(40)
    _, err, r = psql_error("SELECT count(*) FROM reports.pstn_calls WHERE start_date_time >= %s "
                           "AND start_date_time < %s;" % (ts_lit(lo), ts_lit(hi)))
    assert "msgraph" in err and "nextLink" in err and "not followed" in err, err
    f = SRV.foreign()
    assert f["connections"] == 0 and f["requests"] == [], f
    # an http:// link on the same host and port is a downgrade: refused too
    SRV.reset()
    SRV.config(graph_next_link_origin="http://127.0.0.1:%d" % SRV.port)
    _, err, _ = psql_error("SELECT count(*) FROM reports.pstn_calls WHERE start_date_time >= %s "
                           "AND start_date_time < %s;" % (ts_lit(lo), ts_lit(hi)))
    assert "nextLink" in err and "http://" in err, err
    assert SRV.foreign()["connections"] == 0
    info("msgraph foreign nextLink: ERROR, %d bytes/connections at the foreign listener"
         % SRV.foreign()["connections"])


@test
def t07_wrong_secret():
    psql_ok(server_sql("mg_bad", secret="wrong-secret-value-77") +
            "IMPORT FOREIGN SCHEMA msgraph FROM SERVER mg_bad INTO bad;")
    _, err, r = psql_error("SELECT count(*) FROM bad.pstn_calls WHERE start_date_time >= now() - interval '1 day';")
    assert "AADSTS7000215" in err and "trace id" in err.lower() and "correlation id" in err.lower(), err
    assert "wrong-secret-value-77" not in r.stderr and SECRET not in r.stderr
    graph_requests = SRV.log("graph")
    assert graph_requests == [], "a Graph request was sent without a token"
    logins = SRV.log("login")
    assert len(logins) == 1 and logins[0]["status"] == 401 and logins[0]["retcode"] == "invalid_client", \
        [(e["status"], e["retcode"]) for e in logins]
    assert logins[0]["request_id"] and logins[0]["request_id"] in err, (logins[0]["request_id"], err)
    codes = re.findall(r"AADSTS\d+", err)
    info("msgraph wrong secret: ERROR shows %s (trace id of the token response included), %d token request, "
         "%d Graph requests sent" % ("/".join(sorted(set(codes))), len(logins), len(graph_requests)))
    psql_ok("DROP SERVER mg_bad CASCADE;")


@test
def t08_truncated_and_malformed_pages():
    """A page cut short (JSON that ends early) or a body that lies about its
    length: ERROR, never a short result."""
    lo, hi = utc_midnight(60), utc_midnight(20)
    q = ("SELECT count(*) FROM reports.pstn_calls WHERE start_date_time >= %s AND start_date_time < %s;"
         % (ts_lit(lo), ts_lit(hi)))
    SRV.faults({"vendor": "graph", "kind": "malformed", "match": {"skip": "1000"}})
    _, err, _ = psql_error(q)
    assert "msgraph getPstnCalls returned a malformed response" in err, err
    SRV.reset()
    SRV.faults({"vendor": "graph", "kind": "truncated", "count": 10})
    t0 = time.monotonic()
    _, err, _ = psql_error(q)
    elapsed = time.monotonic() - t0
    assert "msgraph" in err, err
    # what happened (libcurl's CURLE_PARTIAL_FILE text) and that the retries ran out
    assert "could not complete msgraph getPstnCalls request" in err, err
    m = re.search(r"Transferred a partial file: transfer closed with (\d+) bytes remaining to read", err)
    assert m and int(m.group(1)) > 0, err
    m_hint = re.search(r'HINT:  Gave up after (\d+) retries \(server option "max_retries"\)', err)
    assert m_hint and int(m_hint.group(1)) == 5, err     # max_retries defaults to 5
    log = SRV.log("graph")
    assert len(log) == 1 + 5 and all(e["fault"] == "truncated" for e in log), [e["fault"] for e in log]
    assert len({(e["params"]["fromDateTime"], e["params"]["skip"]) for e in log}) == 1, "retried another page"
    assert SRV.call("/_control/faults")[0]["remaining"] == 10 - 6
    info("msgraph truncated page: ERROR after %d attempts (HINT: gave up after %s retries), "
         "'transfer closed with %s bytes remaining', %.1f s"
         % (len(log), m_hint.group(1), m.group(1), elapsed))
    SRV.reset()
    SRV.faults({"vendor": "graph", "kind": "status", "status": 400})
    _, err, _ = psql_error(q)
    assert "HTTP 400" in err, err


@test
def t09_limit_stops_paging_and_explain():
    out = psql_ok("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                  "SELECT * FROM reports.pstn_calls WHERE start_date_time >= now() - interval '100 days' LIMIT 5;")
    text = "\n".join(out)
    assert "Requests: 1" in text and "Provider: msgraph" in text, text
    assert SECRET not in text
    assert len(SRV.log("graph")) == 1


def setup(srv):
    global SRV
    SRV = srv
    return ("CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
            "DROP SCHEMA IF EXISTS reports, bad CASCADE;\n"
            "CREATE SCHEMA reports; CREATE SCHEMA bad;\n" +
            server_sql("mg", extra=", requests_per_second '20', history_days '400'") +
            "IMPORT FOREIGN SCHEMA msgraph FROM SERVER mg INTO reports;\n")


def main():
    harness.main(globals(), setup, before_each)


if __name__ == "__main__":
    main()
