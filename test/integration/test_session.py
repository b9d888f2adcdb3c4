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

STATS = ("SELECT server_name, provider, scans, requests, retries, throttle_waits, rows, errors, bytes > 0 "
         "FROM callrecord_fdw_stats ORDER BY server_name;")


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=1000)


@test
def t01_stats_match_the_server_log():
    """Two scans and a failed one in one session: the statistics count what the
    server saw; reset zeroes them."""
    SRV.faults({"vendor": "ucloud", "kind": "status", "status": 503, "count": 1},
               {"vendor": "ucloud", "kind": "retcode", "code": 171, "match": {"TaskNo": "T-fail"}})
    r = psql(
        "SELECT count(*) FROM st.uvms_send_records WHERE call_start_time >= now() - interval '20 days';\n"
        "SELECT count(*) FROM st.uvms_send_records WHERE call_start_time >= now() - interval '3 days';\n"
        "\\set ON_ERROR_STOP 0\n"
        "SELECT count(*) FROM st.uvms_send_records WHERE task_no = 'T-fail' AND call_start_time >= now() - interval '1 day';\n"
        "\\set ON_ERROR_STOP 1\n" + STATS +
        "SELECT callrecord_fdw_stats_reset();\n" + STATS, stop_on_error=False)
    lines = r.lines
    assert "RetCode 171" in r.stderr, r.stderr[-300:]
    rows = int(lines[0]) + int(lines[1])
    log = SRV.log("ucloud")
    name, provider, scans, requests, retries, throttled, nrows, errors, bytes_ok = lines[2].split("|")
    assert (name, provider) == ("st_uc", "ucloud"), lines[2]
    assert int(scans) == 3 and int(requests) == len(log), (lines[2], len(log))
    assert int(retries) == 1 and int(errors) == 1 and int(nrows) == rows and bytes_ok == "t", lines[2]
    assert lines[-1].split("|")[2:8] == ["0"] * 6, lines[-1]
    info("stats after 3 scans: %s (server log: %d requests)" % (lines[2], len(log)))


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
            % (sql_literal(srv.endpoint("ucloud")), sql_literal(srv.ca), sql_literal(PUB), sql_literal(PRIV)))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
