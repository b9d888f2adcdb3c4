#!/usr/bin/env python3
"""Eight sessions scanning one vendor account at once: every session gets
exactly the right rows, and with the library in shared_preload_libraries
(as the suite runs it) the account's rate ceiling holds for all backends
together, as measured in the local server's request log.

    pg_virtualenv -v 15 -o shared_preload_libraries=callrecord_fdw -- \\
        python3 test/integration/test_load.py

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


def shared():
    return "callrecord_fdw" in "".join(psql_ok("SHOW shared_preload_libraries;"))


@test
def t01_eight_sessions_one_account():
    """8 sessions, each scanning 21 days (3 windows x 3 pages) of the same
    account through two user mappings' worth of servers: right rows in each,
    and the account's rate in the server log."""
    now_ms = int(time.time() * 1000)
    lo_ms = (now_ms // 86400000 - 22) * 86400000
    hi_ms = lo_ms + 21 * 86400000
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
    if shared():
        assert peak <= RPS, "%d requests in one second, ceiling %d" % (peak, RPS)
        info("load, shared ceiling: %d sessions, %d rows each, %d requests in %.1f s, %.2f/s overall, "
             "peak %d in any 1 s (requests_per_second %d)" % (SESSIONS, len(exp), len(log), elapsed, rate, peak, RPS))
    else:
        assert peak <= RPS * SESSIONS, peak
        info("load, per-backend ceilings (library not preloaded): %d requests, peak %d in any 1 s"
             % (len(log), peak))


def setup(srv):
    global SRV
    SRV = srv
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
