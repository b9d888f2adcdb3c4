#!/usr/bin/env python3
"""Eight sessions scanning one vendor account at once: every session gets
exactly the right rows, and, as measured in the local server's request log:

- with the library in shared_preload_libraries (as the suite runs it), the
  account's rate ceiling holds for all backends together (peak in any 1 s
  <= requests_per_second);
- without it, each backend keeps its own ceiling: the peak in any 1 s is
  above requests_per_second (the backends do not share) and at most
  requests_per_second x sessions.

The file finds out which (SHOW shared_preload_libraries) and prints the mode.

    pg_virtualenv -t -v 15 -o shared_preload_libraries=callrecord_fdw -- \\
        python3 test/integration/test_load.py
    pg_virtualenv -t -v 15 -- python3 test/integration/test_load.py

Last line: "N passed, N failed".
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (info, max_in_sliding_window, psql_ok, psql_spawn, sql_literal,  # noqa: E402
                     test)
import ucloud_data as U  # noqa: E402

PUB = "ucloudsomeone@example.com1296235120854146120"
PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
RPS = 10
SESSIONS = 8
SRV = None


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=1000)


PRELOADED = None                # set by setup(): is callrecord_fdw in shared_preload_libraries?
PRELOAD_SETTING = None


def preloaded():
    """(callrecord_fdw is in shared_preload_libraries, the setting)."""
    setting = "".join(psql_ok("SHOW shared_preload_libraries;")).strip()
    names = [os.path.basename(n.strip().strip('"')) for n in setting.split(",")]
    return any(n in ("callrecord_fdw", "callrecord_fdw.so") for n in names), setting


@test
def t01_eight_sessions_one_account():
    """8 sessions, each scanning 21 days (3 windows x 3 pages) of the same
    account through two user mappings' worth of servers: right rows in each,
    and the account's rate in the server log.  Not preloaded: 42 days (6
    windows x 3 pages), so that each backend sends more than
    requests_per_second requests and its own ceiling is what holds it."""
    days = 21 if PRELOADED else 42
    now_ms = int(time.time() * 1000)
    lo_ms = (now_ms // 86400000 - days - 1) * 86400000
    hi_ms = lo_ms + days * 86400000
    q = ("SET timezone = 'UTC';\nSELECT (extract(epoch from call_start_time) * 1000)::bigint, channel_id "
         "FROM %s.uvms_send_records WHERE call_start_time >= to_timestamp(%d / 1000.0) "
         "AND call_start_time < to_timestamp(%d / 1000.0);\n")
    t0 = time.monotonic()
    procs = [psql_spawn(q % ("ld" if i % 2 == 0 else "ld2", lo_ms, hi_ms)) for i in range(SESSIONS)]
    outs = [p.communicate(timeout=300) for p in procs]
    elapsed = time.monotonic() - t0
    exp = sorted("%d|%s" % (U.epoch_ms(r["CallStartTime"]), r["ChannelId"])
                 for r in U.records(lo_ms, hi_ms - 1))
    for i, (out, err) in enumerate(outs):
        assert procs[i].returncode == 0 and "ERROR" not in err, err[-300:]
        got = sorted(l for l in out.splitlines() if "|" in l)
        assert got == exp, "session %d: %d rows, expected %d" % (i, len(got), len(exp))
    log = SRV.log("ucloud")
    times = [e["t"] for e in log]
    peak = max_in_sliding_window(times, 1.0)
    rate = len(log) / (max(times) - min(times))
    figures = ("%d sessions, %d days, %d rows each (all right), %d requests in %.1f s, %.2f/s overall, "
               "peak %d in any 1 s (requests_per_second %d)"
               % (SESSIONS, days, len(exp), len(log), elapsed, rate, peak, RPS))
    if PRELOADED:
        assert peak <= RPS, "%d requests in one second, ceiling %d" % (peak, RPS)
        info("load, mode: preloaded (shared_preload_libraries = %s), one shared ceiling for the account: %s"
             % (PRELOAD_SETTING, figures))
    else:
        # each backend keeps its own ceiling: together they go above one
        # ceiling (they do not share), but never above one per session
        assert len(log) > RPS * SESSIONS, "%d requests: too few to test a ceiling per backend" % len(log)
        assert peak > RPS, ("%d requests in the busiest second, not above requests_per_second %d: the backends "
                            "seem to share a ceiling without the library preloaded" % (peak, RPS))
        assert peak <= RPS * SESSIONS, "%d requests in one second, above %d x %d sessions" % (peak, RPS, SESSIONS)
        info("load, mode: not preloaded (shared_preload_libraries = %r), a ceiling per backend: %s; "
             "%d < peak <= %d" % (PRELOAD_SETTING, figures, RPS, RPS * SESSIONS))


def setup(srv):
    global SRV, PRELOADED, PRELOAD_SETTING
    SRV = srv
    PRELOADED, PRELOAD_SETTING = preloaded()
    info("load: library %s (shared_preload_libraries = %r)"
         % ("preloaded" if PRELOADED else "not preloaded", PRELOAD_SETTING))
    srvdef = ("DROP SERVER IF EXISTS {n} CASCADE;\n"
              "CREATE SERVER {n} FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', "
              "endpoint %s, ca_file %s, requests_per_second '%d');\n"
              "CREATE USER MAPPING FOR CURRENT_USER SERVER {n} OPTIONS (public_key %s, private_key %s);\n"
              "DROP SCHEMA IF EXISTS {n} CASCADE; CREATE SCHEMA {n};\n"
              "IMPORT FOREIGN SCHEMA ucloud FROM SERVER {n} INTO {n};\n"
              % (sql_literal(srv.endpoint("ucloud")), sql_literal(srv.ca), RPS, sql_literal(PUB), sql_literal(PRIV)))
    # two servers, one account: the ceiling is the account's
    return ("CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n" + srvdef.format(n="ld") + srvdef.format(n="ld2"))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
