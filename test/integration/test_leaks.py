#!/usr/bin/env python3
"""1,000 failing and cancelled queries in one session leave the backend's
memory and open file descriptors flat.

    pg_virtualenv -v 15 -- python3 test/integration/test_leaks.py

Last line: "N passed, N failed".  The figures are printed as "# ..." lines.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import info, psql, sql_literal, test  # noqa: E402

SRV = None
FAILING = 800
CANCELLED = 200

MEASURE = ("SELECT 'M', (SELECT sum(total_bytes) FROM pg_backend_memory_contexts), "
           "(SELECT count(*) FROM pg_ls_dir('/proc/self/fd')), "
           "(SELECT regexp_replace(l, '\\D', '', 'g') FROM regexp_split_to_table("
           "pg_read_file('/proc/self/status'), E'\\n') l WHERE l LIKE 'VmRSS:%');\n")


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=1000000)


@test
def t01_failures_and_cancels_leave_memory_and_fds_flat():
    # every request fails: vendor errors, malformed bodies, resets, 5xx beyond
    # max_retries, and hangs cut by statement_timeout
    SRV.faults({"vendor": "ucloud", "kind": "retcode", "code": 171, "count": 10 ** 6,
                "match": {"TaskNo": "E1"}},
               {"vendor": "ucloud", "kind": "malformed", "count": 10 ** 6, "match": {"TaskNo": "E2"}},
               {"vendor": "ucloud", "kind": "reset", "count": 10 ** 6, "match": {"TaskNo": "E3"}},
               {"vendor": "ucloud", "kind": "status", "status": 500, "count": 10 ** 6, "match": {"TaskNo": "E4"}},
               {"vendor": "ucloud", "kind": "hang", "seconds": 5, "count": 10 ** 6, "match": {"TaskNo": "H"}})
    q = "SELECT count(*) FROM lk.uvms_send_records WHERE task_no = '%s' AND call_start_time >= now() - interval '1 hour';\n"
    warm = "".join(q % ("E%d" % (1 + i % 4)) for i in range(40))
    warm += "SET statement_timeout = '50ms';\n" + "".join(q % "H" for i in range(10)) + "RESET statement_timeout;\n"
    body = "".join(q % ("E%d" % (1 + i % 4)) for i in range(FAILING))
    body += "SET statement_timeout = '50ms';\n" + "".join(q % "H" for i in range(CANCELLED)) + "RESET statement_timeout;\n"
    r = psql(warm + MEASURE + body + MEASURE, stop_on_error=False, timeout=600)
    m = [l.split("|") for l in r.lines if l.startswith("M|")]
    assert len(m) == 2, (r.lines[-5:], r.stderr[-500:])
    errors = r.stderr.count("ERROR:")
    cancels = r.stderr.count("canceling statement due to statement timeout")
    assert errors == 40 + 10 + FAILING + CANCELLED, "%d errors" % errors
    assert cancels == 10 + CANCELLED, "%d cancels" % cancels
    assert "server closed the connection" not in r.stderr
    (mem0, fd0, rss0), (mem1, fd1, rss1) = [tuple(int(x) for x in row[1:]) for row in m]
    info("leaks: %d failing + %d cancelled queries: memory contexts %d -> %d bytes (%+d), open fds %d -> %d, "
         "VmRSS %d -> %d kB (%+d)" % (FAILING, CANCELLED, mem0, mem1, mem1 - mem0, fd0, fd1, rss0, rss1, rss1 - rss0))
    assert fd1 <= fd0, "file descriptors grew: %d -> %d" % (fd0, fd1)
    assert mem1 - mem0 < 256 * 1024, "memory contexts grew by %d bytes" % (mem1 - mem0)
    assert rss1 - rss0 < 4096, "RSS grew by %d kB" % (rss1 - rss0)


def setup(srv):
    global SRV
    SRV = srv
    return ("CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
            "DROP SCHEMA IF EXISTS lk CASCADE; CREATE SCHEMA lk;\n"
            "DROP SERVER IF EXISTS lk_uc CASCADE;\n"
            "CREATE SERVER lk_uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', endpoint %s, "
            "ca_file %s, max_retries '0', requests_per_second '1000');\n"
            "CREATE USER MAPPING FOR CURRENT_USER SERVER lk_uc OPTIONS (public_key %s, private_key %s);\n"
            "IMPORT FOREIGN SCHEMA ucloud FROM SERVER lk_uc INTO lk;\n"
            % (sql_literal(srv.endpoint("ucloud")), sql_literal(srv.ca),
               sql_literal("ucloudsomeone@example.com1296235120854146120"),
               sql_literal("46f09bb9fab4f12dfc160dae12273d5332b5debe")))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
