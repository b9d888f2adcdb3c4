#!/usr/bin/env python3
"""Extension overhead at startup: what a query costs when its answer needs no
request, or exactly one.

Cases (the local vendor server at latency_ms 0):
- no request: a contradiction on the time column, and LIMIT 0 (ucloud);
- one request each: ucloud with a 1-day range, msgraph with a 1-day range
  (one page), alibaba one number and one window, tencent one day and one id;
- for scale, count(*) over an empty local table (PostgreSQL alone);
- labelled "jit = off": a case again in sessions with SET jit = off, when
  the planner's cost estimate made PostgreSQL JIT-compile it (so the
  reader sees what the compilation costs).

Each is measured as EXPLAIN ANALYZE's "Planning Time" + "Execution Time"
(plain EXPLAIN (ANALYZE): PostgreSQL reports a JIT compilation only with
costs on, and its time only with per-node timing on, which costs next to
nothing for these few rows).  The JIT column is the "Total" EXPLAIN reports;
the first JIT compilation of a backend also loads LLVM, which that total
leaves out, so compare with the "(jit = off)" row:
- first in session: the first statement of a fresh session (it pays the
  catalog look-ups, a full TLS handshake, and for msgraph the OAuth token
  request); median of FIRST_SESSIONS sessions;
- warm: the same statement again in one session (one unmeasured run first),
  median of WARM_RUNS runs.
For the one-request cases the server's own handling time (from the request's
arrival to the response's departure, in the request log of
test/bench/timed_vendor_server.py) is subtracted: "net" is what PostgreSQL,
the extension, libcurl, TLS and the loopback took.  msgraph's token request
is server time too and is subtracted with it.  Target: net under 5 ms.

Runs of a provider are spaced by 1.5 x its request spacing (1.02 /
requests_per_second): the account's rate slot carries over from query to
query and session to session, and a query that must wait for it measures
the rate limit, not startup.

Also printed, for reference: what a Python client pays the same local server
for a full TLS handshake, and for a fresh connection with one small request
(the part of "net" that is the loopback, TLS and the emulation's HTTP
handling rather than the extension).

Run inside a throwaway cluster (test/bench/run.sh does this):
    pg_virtualenv -t -v 15 -o shared_preload_libraries=callrecord_fdw -- python3 test/bench/startup.py [case-substring ...]
"""

import datetime
import http.client
import socket
import ssl
import sys
import time

import benchlib
from benchlib import DEFAULTS, LOG_VENDOR, TABLE, median, sql_literal

FIRST_SESSIONS = 11
WARM_RUNS = 21
TARGET_MS = 5.0
SRV = None


def day_iso(days_ago):
    d = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=days_ago)
    return d.isoformat()


def cases():
    d0, d1 = day_iso(3), day_iso(2)
    return [
        # name, provider (None: local table), requests per run, query
        ("local empty table", None, 0, "SELECT count(*) FROM bench.local_empty"),
        ("contradiction", "ucloud", 0,
         "SELECT count(*) FROM %s WHERE call_start_time > '2026-02-01' AND call_start_time < '2026-01-01'"
         % TABLE["ucloud"]),
        ("LIMIT 0", "ucloud", 0, "SELECT * FROM %s LIMIT 0" % TABLE["ucloud"]),
        ("ucloud 1 day", "ucloud", 1,
         "SELECT count(*) FROM %s WHERE call_start_time >= %s AND call_start_time < %s"
         % (TABLE["ucloud"], sql_literal(d0 + "T00:00:00Z"), sql_literal(d1 + "T00:00:00Z"))),
        ("msgraph 1 day", "msgraph", 1,
         "SELECT count(*) FROM %s WHERE start_date_time >= %s AND start_date_time < %s"
         % (TABLE["msgraph"], sql_literal(d0 + "T00:00:00Z"), sql_literal(d1 + "T00:00:00Z"))),
        ("alibaba 1 number, 1 window", "alibaba", 1,
         "SELECT count(*) FROM %s WHERE phone_number = '8613800000007' AND start_time >= %s AND start_time < %s"
         % (TABLE["alibaba"], sql_literal(day_iso(8) + "T00:00:00Z"), sql_literal(d1 + "T00:00:00Z"))),
        ("tencent 1 day, 1 id", "tencent", 1,
         "SELECT count(*) FROM %s WHERE day = %s AND sdk_app_id = 1400000001" % (TABLE["tencent"], sql_literal(d0))),
    ]


def explain(q):
    return "EXPLAIN (ANALYZE) %s;\n" % q


def pause_s(prov):
    return 0.0 if prov is None else 1.5 * 1.02 / DEFAULTS[prov]["rps"]


def server_time(entries):
    """Server handling of each request: arrival to response sent (s)."""
    return [e["t_sent"] - e["t"] for e in entries if "t_sent" in e]


def run_first(case, prefix):
    """FIRST_SESSIONS fresh sessions, one measured statement each."""
    name, prov, nreq, q = case
    out = {"total": [], "net": [], "srv": [], "jit": [], "jit_functions": 0, "sent": []}
    for _ in range(FIRST_SESSIONS):
        SRV.reset()
        time.sleep(pause_s(prov))
        lines, _t = benchlib.psql_timed(prefix + explain(q))
        (r,) = benchlib.explain_runs(lines)
        log = SRV.log()
        srv_ms = sum(server_time(log)) * 1000.0          # the token request too
        out["total"].append(r["plan"] + r["exec"])
        out["net"].append(r["plan"] + r["exec"] - srv_ms)
        out["srv"].append(srv_ms)
        out["jit"].append(r["jit_ms"])
        out["jit_functions"] = max(out["jit_functions"], r["jit_functions"])
        out["sent"].append(sum(1 for e in log if prov and e["vendor"] == LOG_VENDOR[prov]))
    return {k: (median(v) if k in ("total", "net", "srv", "jit") else v) for k, v in out.items()}


def run_warm(case, prefix):
    """One session: one unmeasured run, then WARM_RUNS measured ones."""
    name, prov, nreq, q = case
    SRV.reset()
    time.sleep(pause_s(prov))
    pause = "SELECT pg_sleep(%.3f);\n" % pause_s(prov) if prov else ""
    lines, _t = benchlib.psql_timed(prefix + (explain(q) + pause) * (WARM_RUNS + 1))
    runs = benchlib.explain_runs(lines)[1:]
    log = SRV.log()
    vendor = [e for e in log if prov and e["vendor"] == LOG_VENDOR[prov]]
    per_req = server_time(vendor)[1:]           # the measured runs' requests
    totals = [r["plan"] + r["exec"] for r in runs]
    srv_ms = median(per_req) * 1000.0 if nreq and per_req else 0.0
    return {"plan": median([r["plan"] for r in runs]), "exec": median([r["exec"] for r in runs]),
            "total": median(totals), "srv": srv_ms, "net": median(totals) - srv_ms,
            "jit": median([r["jit_ms"] for r in runs]),
            "sent": len(vendor), "expected": nreq * (WARM_RUNS + 1)}


def reference_ms(n=15):
    """What the local server and the loopback cost a client that is not the
    extension, medians in ms: a full TLS handshake (TCP connect included);
    a fresh connection, handshake and one GET /_control/config; and that GET
    again on the open connection."""
    hs, fresh, again = [], [], []
    for _ in range(n):
        ctx = ssl.create_default_context(cafile=SRV.ca)    # fresh context: no session reuse
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", SRV.port)) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1") as tls:
                tls.do_handshake()
        hs.append((time.perf_counter() - t0) * 1000.0)
        ctx = ssl.create_default_context(cafile=SRV.ca)
        t0 = time.perf_counter()
        c = http.client.HTTPSConnection("127.0.0.1", SRV.port, context=ctx)
        c.request("GET", "/_control/config")
        c.getresponse().read()
        t1 = time.perf_counter()
        c.request("GET", "/_control/config")
        c.getresponse().read()
        t2 = time.perf_counter()
        c.close()
        fresh.append((t1 - t0) * 1000.0)
        again.append((t2 - t1) * 1000.0)
    return median(hs), median(fresh), median(again)


def measure(case, prefix=""):
    f = run_first(case, prefix)
    w = run_warm(case, prefix)
    return f, w


def main():
    global SRV
    only = sys.argv[1:]
    SRV = benchlib.start_server()
    benchlib.psql_ok(benchlib.setup_sql(SRV) + "CREATE TABLE bench.local_empty (x int);\n")
    SRV.reset()
    rows, notes = [], []

    def add(label, case, f, w):
        name, prov, nreq, q = case
        ok = "-" if prov is None else "%s/%s" % ("yes" if f["net"] < TARGET_MS else "NO",
                                                 "yes" if w["net"] < TARGET_MS else "NO")
        rows.append([label, prov or "-", nreq,
                     "%.2f" % f["total"], "%.2f" % f["srv"], "%.2f" % f["net"],
                     "%.2f" % w["plan"], "%.2f" % w["exec"], "%.2f" % w["total"], "%.2f" % w["srv"],
                     "%.2f" % w["net"],
                     ("%.1f/%.1f" % (f["jit"], w["jit"])) if f["jit_functions"] else "-",
                     ok])
        if any(s != nreq for s in f["sent"]) or w["sent"] != w["expected"]:
            notes.append("%s: requests sent %s in the first runs and %d in %d warm runs, expected %d each"
                         % (label, f["sent"], w["sent"], WARM_RUNS + 1, nreq))

    for case in cases():
        if only and not any(o in case[0] for o in only):
            continue
        f, w = measure(case)
        add(case[0], case, f, w)
        print("# %s done" % case[0], flush=True)
        if f["jit_functions"]:
            # the same without JIT, to show what the compilation cost
            f2, w2 = measure(case, "SET jit = off;\n")
            add(case[0] + " (jit = off)", case, f2, w2)
            notes.append("%s: PostgreSQL JIT-compiled %d functions (first %.1f ms, warm %.1f ms): the "
                         "plan's estimated cost is above jit_above_cost; see EXPLAIN" %
                         (case[0], f["jit_functions"], f["jit"], w["jit"]))
    hs, fresh, again = reference_ms()
    SRV.stop()

    print()
    print("startup.py: EXPLAIN ANALYZE Planning + Execution Time in ms, local server at latency_ms 0; "
          "first = median of %d fresh sessions, warm = median of %d runs in one session"
          % (FIRST_SESSIONS, WARM_RUNS))
    print(benchlib.table(
        ["case", "provider", "requests", "first total", "first server", "first net",
         "warm plan", "warm exec", "warm total", "warm server", "warm net", "JIT ms first/warm",
         "net < %g ms first/warm" % TARGET_MS],
        rows))
    print("# server = the vendor server's handling (arrival to response sent) of the run's requests, "
          "msgraph's token request included; net = total - server")
    print("# reference, a Python client and the same local server: full TLS handshake (TCP connect "
          "included) %.2f ms; new connection + handshake + one GET /_control/config %.2f ms; "
          "the same GET on the open connection %.2f ms" % (hs, fresh, again))
    for n in notes:
        print("# " + n)


if __name__ == "__main__":
    main()
