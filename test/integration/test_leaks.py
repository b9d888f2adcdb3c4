#!/usr/bin/env python3
"""1,000 failing and cancelled queries in one session leave the backend's
memory and open file descriptors flat.

The session goes round every provider's failures: UCloud (a vendor error,
a malformed body, a connection reset, HTTP 500), Microsoft Graph (the token
endpoint refusing a wrong secret, answering 503 and a malformed body; Graph
itself answering 403, a malformed body and 500), Alibaba (403 Forbidden.RAM,
a malformed body, 503, a wrong secret) and Tencent (InternalError.DBError, a
malformed body, HTTP 500, a wrong secret), with, between them, hangs cut by
statement_timeout (UCloud, Alibaba) and hangs cancelled by pg_cancel_backend
from a second connection (UCloud, Graph, Tencent).  Every server has
max_retries '0', so each failing query is one request (two for Graph when
the token is fetched).

    pg_virtualenv -t -v 15 -o shared_preload_libraries=callrecord_fdw -- \\
        python3 test/integration/test_leaks.py

Last line: "N passed, N failed".  The figures are printed as "# ..." lines.
"""
import os
import re
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import error_text, info, psql, psql_spawn, sql_literal, test  # noqa: E402

SRV = None
FAILING = 800                   # measured: failing queries
TIMEOUTS = 100                  # measured: hangs cut by statement_timeout
USER_CANCELS = 100              # measured: hangs cancelled by pg_cancel_backend
WARM = 100                      # before the first measure, same mix (80 / 10 / 10)
HANG_S = 30                     # a hang lasts longer than any query here
APP = "lk_main"                 # application_name of the measured session
MARK = "lk_cancel_me"           # in the text of the queries the second connection cancels

UC_PUB = "ucloudsomeone@example.com1296235120854146120"
UC_PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
MG_TENANT, MG_TENANT_GUID = "contoso.onmicrosoft.com", "72f988bf-86f1-41af-91ab-2d7cd011db47"
MG_CLIENT, MG_SECRET = "11111111-2222-3333-4444-555555555555", "graph-test-secret~0001"
MG_CLIENT2, MG_SECRET2 = "66666666-7777-8888-9999-000000000000", "graph-test-secret~0002"
AL_ID, AL_SECRET = "LTAI5tAlibabaTest0001", "AlibabaTestSecret0001"
TC_ID, TC_KEY = "AKIDTencentTest0000000001", "TencentTestKey0000000001"
WRONG = "wrong-secret-lk"

MEASURE = ("SELECT 'M', (SELECT sum(total_bytes) FROM pg_backend_memory_contexts), "
           "(SELECT count(*) FROM pg_ls_dir('/proc/self/fd')), "
           "(SELECT regexp_replace(l, '\\D', '', 'g') FROM regexp_split_to_table("
           "pg_read_file('/proc/self/status'), E'\\n') l WHERE l LIKE 'VmRSS:%');\n")


def uc(task, cols="count(*)"):
    return ("SELECT %s FROM lk.uvms_send_records WHERE task_no = '%s' "
            "AND call_start_time >= now() - interval '1 hour';\n" % (cols, task))


def mg(table, day, cols="count(*)"):
    """Graph: one day, `day` days ago (UTC), 00:00-06:00 (one request)."""
    return ("SELECT %s FROM lk.%s WHERE start_date_time >= date_trunc('day', now()) - interval '%d days' "
            "AND start_date_time < date_trunc('day', now()) - interval '%d days' + interval '6 hours';\n"
            % (cols, table, day, day))


def al(table, phone, cols="count(*)"):
    return ("SELECT %s FROM lk.%s WHERE start_time >= now() - interval '2 days' "
            "AND phone_number = '%s';\n" % (cols, table, phone))


def tc(table, app, day, cols="count(*)"):
    return ("SELECT %s FROM lk.%s WHERE day = current_date - %d AND sdk_app_id = %d;\n"
            % (cols, table, day, app))


# name -> (provider, query); every one fails (faults queued in the test)
FAIL_KINDS = [
    ("ucloud vendor error 171", "ucloud", uc("E1")),
    ("ucloud malformed", "ucloud", uc("E2")),
    ("ucloud reset", "ucloud", uc("E3")),
    ("ucloud HTTP 500", "ucloud", uc("E4")),
    ("msgraph token: wrong secret", "msgraph", mg("bad_pstn", 2)),
    ("msgraph token: HTTP 503", "msgraph", mg("t503_pstn", 2)),
    ("msgraph token: malformed", "msgraph", mg("tmal_pstn", 2)),
    ("msgraph Graph 403 Forbidden", "msgraph", mg("pstn_calls", 2)),
    ("msgraph Graph malformed", "msgraph", mg("pstn_calls", 3)),
    ("msgraph Graph HTTP 500", "msgraph", mg("pstn_calls", 4)),
    ("alibaba 403 Forbidden.RAM", "alibaba", al("chatapp_phone_number_metrics", "8613800000001")),
    ("alibaba malformed", "alibaba", al("chatapp_phone_number_metrics", "8613800000002")),
    ("alibaba HTTP 503", "alibaba", al("chatapp_phone_number_metrics", "8613800000003")),
    ("alibaba wrong secret", "alibaba", al("bad_al", "8613800000001")),
    ("tencent InternalError.DBError", "tencent", tc("tel_call_info", 1400000001, 2)),
    ("tencent malformed", "tencent", tc("tel_call_info", 1400000002, 2)),
    ("tencent HTTP 500", "tencent", tc("tel_call_info", 1400000003, 2)),
    ("tencent wrong secret", "tencent", tc("bad_tc", 1400000001, 2)),
]
# hangs cut by statement_timeout
TIMEOUT_KINDS = [
    ("ucloud hang, statement_timeout", "ucloud", uc("H")),
    ("alibaba hang, statement_timeout", "alibaba", al("chatapp_phone_number_metrics", "8613800000004")),
]
# hangs cancelled by pg_cancel_backend (the marker in the select list)
CANCEL_KINDS = [
    ("ucloud hang, pg_cancel_backend", "ucloud", uc("C", "count(*) AS " + MARK)),
    ("msgraph hang, pg_cancel_backend", "msgraph", mg("pstn_calls", 5, "count(*) AS " + MARK)),
    ("tencent hang, pg_cancel_backend", "tencent", tc("tel_call_info", 1400000001, 5, "count(*) AS " + MARK)),
]


PROVIDERS = ("ucloud", "msgraph", "alibaba", "tencent")
WORDS = {"ucloud": ("ucloud", "UCloud"), "msgraph": ("msgraph", "Graph"), "alibaba": ("alibaba", "Alibaba"),
         "tencent": ("tencent", "Tencent")}
_ERROR_LINE = re.compile(r"^(?:psql:[^:]*:\d+: )?ERROR:")


def names(text, prov):
    return any(w in text for w in WORDS[prov])


def error_blocks(stderr):
    """Each ERROR of a psql stderr with the DETAIL/HINT/CONTEXT lines after it."""
    blocks = []
    for line in stderr.splitlines():
        if _ERROR_LINE.match(line):
            blocks.append(line)
        elif blocks and not line.startswith("psql:"):
            blocks[-1] += "\n" + line
    return blocks


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=10 ** 6, alibaba_rate_limit=10 ** 6, tencent_rate_limit=10 ** 6,
               graph_rate_limit=10 ** 6)


def probe_param(sql, vendor, key):
    """Run a query that succeeds, return `key` of its (one) request in the log."""
    n = len(SRV.log(vendor))
    r = psql(sql)
    assert r.rc == 0 and "ERROR" not in r.stderr, "probe failed: %s" % r.stderr[-300:]
    entries = SRV.log(vendor)[n:]
    vals = {str((e.get("params") or {}).get(key)) for e in entries}
    assert len(vals) == 1, "probe: %s requests %s, expected one value of %s" % (vendor, vals, key)
    return vals.pop()


def queue_faults():
    many = 10 ** 6
    # the Graph days and the Tencent day the faults single out (as the FDW sends them)
    g = {d: probe_param(mg("pstn_calls", d), "graph", "fromDateTime") for d in (2, 3, 4, 5)}
    assert len(set(g.values())) == 4, g
    tc_day5 = probe_param(tc("tel_call_info", 1400000001, 5), "tencent", "StartTimeStamp")
    tc_day2 = probe_param(tc("tel_call_info", 1400000001, 2), "tencent", "StartTimeStamp")
    assert tc_day5 != tc_day2
    SRV.reset()
    before_each()
    SRV.faults(
        {"vendor": "ucloud", "kind": "retcode", "code": 171, "count": many, "match": {"TaskNo": "E1"}},
        {"vendor": "ucloud", "kind": "malformed", "count": many, "match": {"TaskNo": "E2"}},
        {"vendor": "ucloud", "kind": "reset", "count": many, "match": {"TaskNo": "E3"}},
        {"vendor": "ucloud", "kind": "status", "status": 500, "count": many, "match": {"TaskNo": "E4"}},
        {"vendor": "ucloud", "kind": "hang", "seconds": HANG_S, "count": many, "match": {"TaskNo": "H"}},
        {"vendor": "ucloud", "kind": "hang", "seconds": HANG_S, "count": many, "match": {"TaskNo": "C"}},
        {"vendor": "login", "kind": "status", "status": 503, "count": many,
         "match": {"client_id": MG_CLIENT2, "tenant": MG_TENANT}},
        {"vendor": "login", "kind": "malformed", "count": many,
         "match": {"client_id": MG_CLIENT2, "tenant": MG_TENANT_GUID}},
        {"vendor": "graph", "kind": "retcode", "code": "Forbidden", "count": many,
         "match": {"fromDateTime": g[2]}},
        {"vendor": "graph", "kind": "malformed", "count": many, "match": {"fromDateTime": g[3]}},
        {"vendor": "graph", "kind": "status", "status": 500, "count": many, "match": {"fromDateTime": g[4]}},
        {"vendor": "graph", "kind": "hang", "seconds": HANG_S, "count": many, "match": {"fromDateTime": g[5]}},
        {"vendor": "alibaba", "kind": "retcode", "code": "Forbidden.RAM", "count": many,
         "match": {"PhoneNumber": "8613800000001"}},
        {"vendor": "alibaba", "kind": "malformed", "count": many, "match": {"PhoneNumber": "8613800000002"}},
        {"vendor": "alibaba", "kind": "status", "status": 503, "count": many,
         "match": {"PhoneNumber": "8613800000003"}},
        {"vendor": "alibaba", "kind": "hang", "seconds": HANG_S, "count": many,
         "match": {"PhoneNumber": "8613800000004"}},
        # the hang first: its day is the only thing that singles it out
        {"vendor": "tencent", "kind": "hang", "seconds": HANG_S, "count": many,
         "match": {"StartTimeStamp": tc_day5}},
        {"vendor": "tencent", "kind": "retcode", "code": "InternalError.DBError", "count": many,
         "match": {"SdkAppIdList": "1400000001"}},
        {"vendor": "tencent", "kind": "malformed", "count": many, "match": {"SdkAppIdList": "1400000002"}},
        {"vendor": "tencent", "kind": "status", "status": 500, "count": many,
         "match": {"SdkAppIdList": "1400000003"}})


def mix(n):
    """n queries: 8 of 10 failing (round the FAIL_KINDS), 1 of 10 cut by
    statement_timeout, 1 of 10 cancelled from the second connection.
    Returns (script, Counter of kind names)."""
    out, kinds = [], Counter()
    f = t = c = 0
    for i in range(n):
        if i % 10 == 4:
            name, _p, q = TIMEOUT_KINDS[t % len(TIMEOUT_KINDS)]
            t += 1
            out.append("SET statement_timeout = '50ms';\n" + q + "RESET statement_timeout;\n")
        elif i % 10 == 9:
            name, _p, q = CANCEL_KINDS[c % len(CANCEL_KINDS)]
            c += 1
            out.append(q)
        else:
            name, _p, q = FAIL_KINDS[f % len(FAIL_KINDS)]
            f += 1
            out.append(q)
        kinds[name] += 1
    return "".join(out), kinds


def canceller(expected):
    """A second connection: cancel each query of session APP whose text
    carries MARK once it has run 30 ms, `expected` times; gives up when the
    session has gone or after 10 minutes.  Prints NOTICE 'cancelled N'."""
    return ("DO $$\nDECLARE n int := 0; p int; qs timestamptz; last timestamptz := '-infinity';\n"
            "  seen bool := false; deadline timestamptz := clock_timestamp() + interval '600 s';\n"
            "BEGIN\n"
            "  WHILE n < %d AND clock_timestamp() < deadline LOOP\n"
            "    PERFORM pg_stat_clear_snapshot();\n"
            "    p := NULL;\n"
            "    SELECT a.pid, a.query_start INTO p, qs FROM pg_stat_activity a\n"
            "      WHERE a.application_name = %s AND a.state = 'active' AND a.query LIKE %s;\n"
            "    IF p IS NOT NULL AND qs > last AND clock_timestamp() - qs > interval '30 ms' THEN\n"
            "      IF pg_cancel_backend(p) THEN n := n + 1; last := qs; END IF;\n"
            "    END IF;\n"
            "    IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = %s) THEN\n"
            "      seen := true;\n"
            "    ELSIF seen THEN\n"
            "      EXIT;\n"
            "    END IF;\n"
            "    PERFORM pg_sleep(0.005);\n"
            "  END LOOP;\n"
            "  RAISE NOTICE 'cancelled %%', n;\n"
            "END $$;\n" % (expected, sql_literal(APP), sql_literal("%" + MARK + "%"), sql_literal(APP)))


@test
def t01_failures_and_cancels_leave_memory_and_fds_flat():
    queue_faults()
    # each kind once on its own: it fails, and how
    for name, prov, q in FAIL_KINDS:
        r = psql(q, stop_on_error=False)
        err = error_text(r.stderr)
        assert err, "%s: no error: %s" % (name, r.lines[:3])
        assert names(err, prov), "%s: the error does not name %s: %s" % (name, prov, err[:300])
        info("leaks: %-30s %s" % (name, err.splitlines()[0][:150]))
    warm, warm_kinds = mix(WARM)
    n = FAILING + TIMEOUTS + USER_CANCELS
    body, body_kinds = mix(n)
    assert (sum(v for k, v in body_kinds.items() if "statement_timeout" in k) == TIMEOUTS
            and sum(v for k, v in body_kinds.items() if "pg_cancel" in k) == USER_CANCELS), body_kinds
    kinds = warm_kinds + body_kinds
    user_cancels = sum(v for k, v in kinds.items() if "pg_cancel" in k)
    timeouts = sum(v for k, v in kinds.items() if "statement_timeout" in k)
    log0 = Counter(e["vendor"] for e in SRV.log())

    killer = psql_spawn(canceller(user_cancels))
    time.sleep(0.3)                 # the canceller is connected and looking
    t0 = time.monotonic()
    r = psql("SET application_name = %s;\n" % sql_literal(APP) + warm + MEASURE + body + MEASURE,
             stop_on_error=False, timeout=900)
    elapsed = time.monotonic() - t0
    kout, kerr = killer.communicate(timeout=60)
    m = [l.split("|") for l in r.lines if l.startswith("M|")]
    assert len(m) == 2, (r.lines[-5:], r.stderr[-500:])
    cancelled = re.findall(r"cancelled (\d+)", kerr)
    assert cancelled and int(cancelled[-1]) == user_cancels, "the second connection cancelled %s of %d: %s" % (
        cancelled, user_cancels, kerr[-300:])
    errors = r.stderr.count("ERROR:")
    st = r.stderr.count("canceling statement due to statement timeout")
    uc_ = r.stderr.count("canceling statement due to user request")
    assert "server closed the connection" not in r.stderr and "terminated abnormally" not in r.stderr
    assert st == timeouts, "%d statement_timeout cancels, expected %d" % (st, timeouts)
    assert uc_ == user_cancels, "%d pg_cancel_backend cancels, expected %d" % (uc_, user_cancels)
    assert errors == WARM + n, "%d errors, expected %d" % (errors, WARM + n)
    # every provider's failures really happened, in the number expected
    blocks = error_blocks(r.stderr)
    assert len(blocks) == errors, (len(blocks), errors)
    for prov in PROVIDERS:
        failing = sum(kinds[name] for name, p, _q in FAIL_KINDS if p == prov)
        named = sum(1 for b in blocks if "canceling statement" not in b and names(b, prov))
        assert named == failing, "%s: %d errors name the provider, %d failing queries" % (prov, named, failing)
    assert all("canceling statement" in b or any(names(b, p) for p in PROVIDERS) for b in blocks)
    # each failing query reached the vendor server (a request at least; the
    # token endpoint for the three token failures)
    log = Counter(e["vendor"] for e in SRV.log())
    reqs = {v: log[v] - log0[v] for v in ("ucloud", "login", "graph", "alibaba", "tencent")}
    need = Counter()
    for name, prov, _q in FAIL_KINDS:
        need["login" if name.startswith("msgraph token") else "graph" if prov == "msgraph" else prov] += kinds[name]
    for v, k in need.items():
        assert reqs[v] >= k, "%s: %d requests for %d failing queries" % (v, reqs[v], k)

    (mem0, fd0, rss0), (mem1, fd1, rss1) = [tuple(int(x) for x in row[1:]) for row in m]
    info("leaks: %d failing (%s) + %d cut by statement_timeout + %d cancelled by pg_cancel_backend, "
         "%d warm-up queries before: %.1f s"
         % (FAILING, ", ".join("%s %d" % (p, sum(body_kinds[k] for k, pp, _ in FAIL_KINDS if pp == p))
                                for p in ("ucloud", "msgraph", "alibaba", "tencent")),
            TIMEOUTS, USER_CANCELS, WARM, elapsed))
    info("leaks: requests seen by the vendor server: %s" % ", ".join("%s %d" % kv for kv in reqs.items()))
    info("leaks: memory contexts %d -> %d bytes (%+d), open fds %d -> %d, VmRSS %d -> %d kB (%+d)"
         % (mem0, mem1, mem1 - mem0, fd0, fd1, rss0, rss1, rss1 - rss0))
    assert fd1 <= fd0, "file descriptors grew: %d -> %d" % (fd0, fd1)
    assert mem1 - mem0 < 256 * 1024, "memory contexts grew by %d bytes" % (mem1 - mem0)
    assert rss1 - rss0 < 4096, "RSS grew by %d kB" % (rss1 - rss0)


def setup(srv):
    global SRV
    SRV = srv
    ca = sql_literal(srv.ca)
    common = "ca_file %s, max_retries '0', requests_per_second '1000'" % ca

    def server(name, provider, opts, mapping):
        return ("CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider '%s', %s, %s);\n"
                "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (%s);\n"
                % (name, provider, opts, common, name, mapping))

    uc_ep = "endpoint %s" % sql_literal(srv.endpoint("ucloud"))
    mg_ep = "endpoint %s, token_endpoint %s" % (sql_literal(srv.endpoint("graph")), sql_literal(srv.endpoint("login")))
    al_ep = "endpoint %s" % sql_literal(srv.endpoint("alibaba") + "/")
    tc_ep = "endpoint %s" % sql_literal(srv.endpoint("tencent") + "/")

    def mg_map(tenant, client, secret):
        return "tenant_id %s, client_id %s, client_secret %s" % (
            sql_literal(tenant), sql_literal(client), sql_literal(secret))

    return ("SET log_statement = 'none';\n"
            "CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
            "DROP SCHEMA IF EXISTS lk CASCADE; CREATE SCHEMA lk;\n"
            "DROP SERVER IF EXISTS lk_uc, lk_mg, lk_mg_bad, lk_mg_t503, lk_mg_tmal, lk_al, lk_al_bad, lk_tc, "
            "lk_tc_bad CASCADE;\n"
            + server("lk_uc", "ucloud", uc_ep, "public_key %s, private_key %s"
                     % (sql_literal(UC_PUB), sql_literal(UC_PRIV)))
            + "IMPORT FOREIGN SCHEMA ucloud FROM SERVER lk_uc INTO lk;\n"
            + server("lk_mg", "msgraph", mg_ep, mg_map(MG_TENANT, MG_CLIENT, MG_SECRET))
            + "IMPORT FOREIGN SCHEMA msgraph FROM SERVER lk_mg INTO lk;\n"
            + server("lk_mg_bad", "msgraph", mg_ep, mg_map(MG_TENANT, MG_CLIENT, WRONG))
            + server("lk_mg_t503", "msgraph", mg_ep, mg_map(MG_TENANT, MG_CLIENT2, MG_SECRET2))
            + server("lk_mg_tmal", "msgraph", mg_ep, mg_map(MG_TENANT_GUID, MG_CLIENT2, MG_SECRET2))
            + "".join("CREATE FOREIGN TABLE lk.%s (start_date_time timestamptz) SERVER %s "
                      "OPTIONS (resource 'pstn_calls');\n" % (t, s)
                      for t, s in (("bad_pstn", "lk_mg_bad"), ("t503_pstn", "lk_mg_t503"),
                                   ("tmal_pstn", "lk_mg_tmal")))
            + server("lk_al", "alibaba", al_ep, "access_key_id %s, access_key_secret %s"
                     % (sql_literal(AL_ID), sql_literal(AL_SECRET)))
            + "IMPORT FOREIGN SCHEMA alibaba FROM SERVER lk_al INTO lk;\n"
            + server("lk_al_bad", "alibaba", al_ep, "access_key_id %s, access_key_secret %s"
                     % (sql_literal(AL_ID), sql_literal(WRONG)))
            + "CREATE FOREIGN TABLE lk.bad_al (start_time timestamptz, phone_number text) SERVER lk_al_bad "
              "OPTIONS (resource 'chatapp_phone_number_metrics');\n"
            + server("lk_tc", "tencent", tc_ep, "secret_id %s, secret_key %s"
                     % (sql_literal(TC_ID), sql_literal(TC_KEY)))
            + "IMPORT FOREIGN SCHEMA tencent FROM SERVER lk_tc INTO lk;\n"
            + server("lk_tc_bad", "tencent", tc_ep, "secret_id %s, secret_key %s"
                     % (sql_literal(TC_ID), sql_literal(WRONG)))
            + "CREATE FOREIGN TABLE lk.bad_tc (day date, sdk_app_id bigint) SERVER lk_tc_bad "
              "OPTIONS (resource 'tel_call_info');\n")


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
