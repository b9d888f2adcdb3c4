#!/usr/bin/env python3
"""Session statistics (callrecord_fdw_stats) and progress NOTICEs
(callrecord_fdw.progress) against the local vendor API server.

    pg_virtualenv -v 15 -- python3 test/integration/test_session.py

Last line: "N passed, N failed".
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import info, psql, sql_literal, test  # noqa: E402

PUB = "ucloudsomeone@example.com1296235120854146120"
PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
SRV = None

TASK2 = "T-2026-02"
STATS = ("SELECT server_name, provider, scans, requests, retries, throttle_waits, throttle_wait_ms, rows, errors, "
         "bytes > 0 FROM callrecord_fdw_stats ORDER BY server_name;")


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=1000)


@test
def t01_stats_match_the_server_log():
    """Two scans (one 503 and one 429 with Retry-After 1 retried) and a failed
    one on one server, and a scan of a second server, in one session: each
    server has its own row, counting what the server saw; reset zeroes them."""
    SRV.faults({"vendor": "ucloud", "kind": "status", "status": 503, "count": 1},
               {"vendor": "ucloud", "kind": "status", "status": 429, "retry_after": "1", "count": 1},
               {"vendor": "ucloud", "kind": "retcode", "code": 171, "match": {"TaskNo": "T-fail"}})
    r = psql(
        "SELECT count(*) FROM st.uvms_send_records WHERE call_start_time >= now() - interval '20 days';\n"
        "SELECT count(*) FROM st.uvms_send_records WHERE call_start_time >= now() - interval '3 days';\n"
        "\\set ON_ERROR_STOP 0\n"
        "SELECT count(*) FROM st.uvms_send_records WHERE task_no = 'T-fail' AND call_start_time >= now() - interval '1 day';\n"
        "\\set ON_ERROR_STOP 1\n"
        "SELECT count(*) FROM st2.uvms_send_records WHERE task_no = %s AND call_start_time >= now() - interval '15 days';\n"
        % sql_literal(TASK2) + STATS +
        "SELECT callrecord_fdw_stats_reset();\n" + STATS, stop_on_error=False)
    lines = r.lines
    assert "RetCode 171" in r.stderr, r.stderr[-300:]
    assert len(lines) == 7, (lines, r.stderr[-300:])
    rows = int(lines[0]) + int(lines[1])
    rows2 = int(lines[2])
    log = SRV.log("ucloud")
    log2 = [e for e in log if e["params"].get("TaskNo") == TASK2]
    log1 = [e for e in log if e["params"].get("TaskNo") != TASK2]
    assert sum(1 for e in log1 if e["status"] == 429) == 1 and not any(e["status"] == 429 for e in log2), \
        [(e["status"], e["fault"]) for e in log if e["fault"]]
    # the first server: 3 scans, 2 retries (503, 429), 1 of them a throttle wait of 1 s
    name, provider, scans, requests, retries, throttled, wait_ms, nrows, errors, bytes_ok = lines[3].split("|")
    assert (name, provider) == ("st_uc", "ucloud"), lines[3]
    assert int(scans) == 3 and int(requests) == len(log1), (lines[3], len(log1))
    assert int(retries) == 2 and int(errors) == 1 and int(nrows) == rows and bytes_ok == "t", lines[3]
    assert int(throttled) == 1 and float(wait_ms) > 0, lines[3]
    assert 950 <= float(wait_ms) < 1500, "Retry-After 1 but throttle_wait_ms %s" % wait_ms
    # the second server: its own row, its own counts
    name, provider, scans, requests, retries, throttled, wait_ms, nrows, errors, bytes_ok = lines[4].split("|")
    assert (name, provider) == ("st_uc2", "ucloud"), lines[4]
    assert rows2 > 0 and len(log2) > 0, (rows2, len(log2))
    assert int(scans) == 1 and int(requests) == len(log2), (lines[4], len(log2))
    assert (int(retries), int(throttled), float(wait_ms), int(errors)) == (0, 0, 0.0, 0), lines[4]
    assert int(nrows) == rows2 and bytes_ok == "t", lines[4]
    # reset zeroes both rows
    assert [l.split("|")[0] for l in lines[5:7]] == ["st_uc", "st_uc2"], lines[5:7]
    for l in lines[5:7]:
        assert l.split("|")[2:9] == ["0"] * 7 and l.split("|")[9] == "f", l
    info("stats after 4 scans: %s and %s (server log: %d + %d requests)"
         % (lines[3], lines[4], len(log1), len(log2)))


@test
def t02_progress_notices():
    """A scan of several seconds reports its progress at most once a second;
    with the setting off, nothing."""
    SRV.config(latency_ms=250)
    r = psql("SET callrecord_fdw.progress = on;\n"
             "SELECT count(*) FROM st.uvms_send_records WHERE call_start_time >= now() - interval '120 days';\n")
    notices = [l for l in r.stderr.splitlines() if "NOTICE:" in l and "windows done" in l]
    assert r.rc == 0 and len(notices) >= 2, r.stderr[-500:]
    secs = [float(n.rsplit(", ", 1)[1].split()[0]) for n in notices]
    assert secs[0] >= 1.0 and all(b - a >= 0.99 for a, b in zip(secs, secs[1:])), secs
    assert all("ucloud GetUVMSSendRecord on \"uvms_send_records\"" in n for n in notices), notices[:2]
    info("progress: %d NOTICEs for a %d-line scan, last: %s" % (len(notices), len(r.lines), notices[-1][:160]))
    r2 = psql("SELECT count(*) FROM st.uvms_send_records WHERE call_start_time >= now() - interval '30 days';\n")
    assert "windows done" not in r2.stderr, r2.stderr[-300:]


def setup(srv):
    global SRV
    SRV = srv
    return ("CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
            "ALTER EXTENSION callrecord_fdw UPDATE;\n"
            "DROP SCHEMA IF EXISTS st CASCADE;\n"
            "DROP SERVER IF EXISTS st_uc CASCADE;\n"
            "CREATE SCHEMA st;\n"
            "CREATE SERVER st_uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', "
            "endpoint %s, ca_file %s, requests_per_second '50', max_retries '2');\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER st_uc OPTIONS (public_key %s, private_key %s);\n"
            "IMPORT FOREIGN SCHEMA ucloud FROM SERVER st_uc INTO st;\n"
            # a second server (same account): its own row in callrecord_fdw_stats
            "DROP SCHEMA IF EXISTS st2 CASCADE;\n"
            "DROP SERVER IF EXISTS st_uc2 CASCADE;\n"
            "CREATE SCHEMA st2;\n"
            "CREATE SERVER st_uc2 FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', "
            "endpoint %s, ca_file %s, requests_per_second '50', max_retries '2');\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER st_uc2 OPTIONS (public_key %s, private_key %s);\n"
            "IMPORT FOREIGN SCHEMA ucloud FROM SERVER st_uc2 INTO st2;\n"
            % ((sql_literal(srv.endpoint("ucloud")), sql_literal(srv.ca), sql_literal(PUB), sql_literal(PRIV)) * 2))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
