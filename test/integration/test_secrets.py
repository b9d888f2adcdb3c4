#!/usr/bin/env python3
"""Secrets stay secret: with log_min_messages = debug5 and log_statement =
all, every provider's error paths (wrong key, throttling, 5xx, malformed
answers, foreign nextLink, token errors) leave no credential, signature or
bearer token in the server log, in any ERROR/NOTICE, in EXPLAIN (VERBOSE,
ANALYZE), or at the foreign listener; a non-superuser cannot read another
role's credentials through the extension.

    pg_virtualenv -v 15 -- python3 test/integration/test_secrets.py

Last line: "N passed, N failed".
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import info, psql, psql_ok, sql_literal, test  # noqa: E402

SRV = None
SECRETS = {
    "ucloud private key": "46f09bb9fab4f12dfc160dae12273d5332b5debe",
    "graph client secret": "graph-test-secret~0001",
    "alibaba secret": "AlibabaTestSecret0001",
    "tencent secret key": "TencentTestKey0000000001",
    "a wrong secret": "wrong-secret-zz9",
}
# what only a request's credentials produce
FORBIDDEN = ("Authorization", "Bearer ", "eyJ0eXAiOiJKV1QifQ.", "Signature=", "TC3-HMAC-SHA256 Credential",
             "ACS3-HMAC-SHA256 Credential")


def server_log_path():
    """The log file of the cluster this test runs in (pg_lsclusters, by port)."""
    port = os.environ.get("PGPORT", "5432")
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 7 and f[2] == port:
            return f[6]
    raise AssertionError("no cluster on port %s in pg_lsclusters:\n%s" % (port, out))


def find_leaks(text):
    leaks = [name for name, s in SECRETS.items() if s in text]
    leaks += [s for s in FORBIDDEN if s in text]
    return leaks


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=1000)


ERROR_PATHS = [
    # (what, faults, query)
    ("ucloud 503 x3", [{"vendor": "ucloud", "kind": "status", "status": 503, "count": 3}],
     "SELECT count(*) FROM sec.uvms_send_records WHERE call_start_time >= now() - interval '1 day'"),
    ("ucloud throttled", [{"vendor": "ucloud", "kind": "retcode", "code": 153, "count": 3}],
     "SELECT count(*) FROM sec.uvms_send_records WHERE call_start_time >= now() - interval '1 day'"),
    ("ucloud malformed", [{"vendor": "ucloud", "kind": "malformed"}],
     "SELECT count(*) FROM sec.uvms_send_records WHERE call_start_time >= now() - interval '1 day'"),
    ("ucloud wrong key", [], "SELECT count(*) FROM sec.bad_uvms WHERE call_start_time >= now() - interval '1 day'"),
    ("graph 429", [{"vendor": "graph", "kind": "status", "status": 429, "retry_after": "0", "count": 3}],
     "SELECT count(*) FROM sec.pstn_calls WHERE start_date_time >= now() - interval '2 days'"),
    ("graph 401 twice", [{"vendor": "graph", "kind": "status", "status": 401, "count": 2}],
     "SELECT count(*) FROM sec.pstn_calls WHERE start_date_time >= now() - interval '2 days'"),
    ("graph wrong secret", [], "SELECT count(*) FROM sec.bad_pstn WHERE start_date_time >= now() - interval '2 days'"),
    ("alibaba throttled", [{"vendor": "alibaba", "kind": "retcode", "code": "Throttling.User", "count": 3}],
     "SELECT count(*) FROM sec.chatapp_phone_number_metrics WHERE start_time >= now() - interval '2 days' "
     "AND phone_number = '8613800000001'"),
    ("alibaba malformed", [{"vendor": "alibaba", "kind": "malformed"}],
     "SELECT count(*) FROM sec.chatapp_phone_number_metrics WHERE start_time >= now() - interval '2 days' "
     "AND phone_number = '8613800000001'"),
    ("tencent throttled", [{"vendor": "tencent", "kind": "retcode", "code": "RequestLimitExceeded", "count": 3}],
     "SELECT * FROM sec.tel_call_info WHERE day = current_date - 2"),
    ("tencent 500", [{"vendor": "tencent", "kind": "status", "status": 500, "count": 3}],
     "SELECT * FROM sec.tel_call_info WHERE day = current_date - 2"),
]


@test
def t01_error_paths_leave_no_secret():
    log_path = server_log_path()
    start = os.path.getsize(log_path)
    psql_ok("ALTER SYSTEM SET log_min_messages = 'debug5';\nALTER SYSTEM SET log_statement = 'all';\n"
            "ALTER SYSTEM SET log_error_verbosity = 'verbose';\nSELECT pg_reload_conf();")
    outputs = []
    try:
        for what, faults, q in ERROR_PATHS:
            SRV.reset()
            SRV.config(ucloud_rate_limit=1000)
            if faults:
                SRV.faults(*faults)
            r = psql("SET client_min_messages = 'debug5';\n%s;\n" % q, stop_on_error=False)
            assert "ERROR" in r.stderr, "%s: no error: %s" % (what, r.stderr[-200:])
            assert "server closed the connection" not in r.stderr, what
            outputs.append((what, "\n".join(r.lines) + r.stderr))
        # EXPLAIN (VERBOSE, ANALYZE) of a good scan per provider
        SRV.reset()
        SRV.config(ucloud_rate_limit=1000)
        for t, cond in (("uvms_send_records", "call_start_time >= now() - interval '1 day'"),
                        ("pstn_calls", "start_date_time >= now() - interval '2 days'"),
                        ("chatapp_phone_number_metrics", "start_time >= now() - interval '2 days'"),
                        ("tel_call_info", "day = current_date - 3")):
            r = psql("SET client_min_messages = 'debug5';\nEXPLAIN (VERBOSE, ANALYZE) SELECT * FROM sec.%s "
                     "WHERE %s;\n" % (t, cond))
            assert r.rc == 0, r.stderr[-300:]
            outputs.append(("explain " + t, "\n".join(r.lines) + r.stderr))
        # a foreign nextLink
        SRV.reset()
        SRV.config(graph_next_link_origin="https://127.0.0.1:%d" % SRV.foreign_port, graph_page_size=10)
        r = psql("SELECT count(*) FROM sec.pstn_calls WHERE start_date_time >= now() - interval '2 days';\n",
                 stop_on_error=False)
        assert "nextLink" in r.stderr, r.stderr[-300:]
        outputs.append(("foreign nextLink", "\n".join(r.lines) + r.stderr))
        foreign = SRV.foreign()
        assert foreign["connections"] == 0 and not foreign["requests"], foreign
    finally:
        psql_ok("ALTER SYSTEM RESET log_min_messages;\nALTER SYSTEM RESET log_statement;\n"
                "ALTER SYSTEM RESET log_error_verbosity;\nSELECT pg_reload_conf();")
    with open(log_path, errors="replace") as f:
        f.seek(start)
        server_log = f.read()
    for what, text in outputs:
        leaks = find_leaks(text)
        assert not leaks, "%s: the client saw %s" % (what, leaks)
    leaks = find_leaks(server_log)
    assert not leaks, "the server log holds %s" % leaks
    assert "DEBUG" in server_log and "statement:" in server_log, "debug5 logging did not take effect"
    info("secrets: %d error paths and 4 EXPLAIN (VERBOSE, ANALYZE) at debug5/log_statement=all: "
         "%d bytes of server log, 0 secrets, 0 Authorization headers, 0 bytes to the foreign listener"
         % (len(ERROR_PATHS), len(server_log)))


@test
def t02_other_roles_credentials():
    """A role without superuser cannot read another role's user mapping
    options, and scanning uses only its own mapping."""
    r = psql("DROP ROLE IF EXISTS sec_user;\nCREATE ROLE sec_user;\n"
             "GRANT USAGE ON SCHEMA sec TO sec_user;\nGRANT SELECT ON ALL TABLES IN SCHEMA sec TO sec_user;\n"
             "GRANT USAGE ON FOREIGN SERVER sec_uc TO sec_user;\n"
             "SET ROLE sec_user;\n"
             "SELECT umoptions FROM pg_user_mappings WHERE srvname = 'sec_uc';\n"
             "SELECT count(*) FROM sec.uvms_send_records WHERE call_start_time >= now() - interval '1 day';\n",
             stop_on_error=False)
    assert SECRETS["ucloud private key"] not in "\n".join(r.lines) + r.stderr
    assert all(l in ("", "|") or "private_key" not in l for l in r.lines), r.lines
    assert 'user mapping not found for "sec_user"' in r.stderr, r.stderr[-300:]
    psql_ok("REVOKE ALL ON ALL TABLES IN SCHEMA sec FROM sec_user;\nREVOKE ALL ON SCHEMA sec FROM sec_user;\n"
            "REVOKE ALL ON FOREIGN SERVER sec_uc FROM sec_user;\nDROP ROLE sec_user;")


def setup(srv):
    global SRV
    SRV = srv
    ca = sql_literal(srv.ca)
    s = SECRETS
    return (
        "SET log_statement = 'none';\n"      # the DDL below carries secrets in its text
        "CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
        "DROP SCHEMA IF EXISTS sec CASCADE; CREATE SCHEMA sec;\n"
        "DROP SERVER IF EXISTS sec_uc, sec_uc_bad, sec_mg, sec_mg_bad, sec_al, sec_tc CASCADE;\n"
        "CREATE SERVER sec_uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', endpoint %s, "
        "ca_file %s, max_retries '2', requests_per_second '50');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_uc OPTIONS (public_key %s, private_key %s);\n"
        "IMPORT FOREIGN SCHEMA ucloud FROM SERVER sec_uc INTO sec;\n"
        "CREATE SERVER sec_uc_bad FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', endpoint %s, "
        "ca_file %s);\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_uc_bad OPTIONS (public_key %s, private_key %s);\n"
        "CREATE FOREIGN TABLE sec.bad_uvms (call_start_time timestamptz) SERVER sec_uc_bad "
        "OPTIONS (resource 'uvms_send_records');\n"
        "CREATE SERVER sec_mg FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', endpoint %s, "
        "token_endpoint %s, ca_file %s, max_retries '2', requests_per_second '20');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_mg OPTIONS (tenant_id 'contoso.onmicrosoft.com', "
        "client_id '11111111-2222-3333-4444-555555555555', client_secret %s);\n"
        "IMPORT FOREIGN SCHEMA msgraph FROM SERVER sec_mg INTO sec;\n"
        "CREATE SERVER sec_mg_bad FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', endpoint %s, "
        "token_endpoint %s, ca_file %s);\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_mg_bad OPTIONS (tenant_id 'contoso.onmicrosoft.com', "
        "client_id '11111111-2222-3333-4444-555555555555', client_secret %s);\n"
        "CREATE FOREIGN TABLE sec.bad_pstn (start_date_time timestamptz) SERVER sec_mg_bad "
        "OPTIONS (resource 'pstn_calls');\n"
        "CREATE SERVER sec_al FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', endpoint %s, "
        "ca_file %s, max_retries '2');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_al OPTIONS (access_key_id 'LTAI5tAlibabaTest0001', "
        "access_key_secret %s);\n"
        "IMPORT FOREIGN SCHEMA alibaba FROM SERVER sec_al INTO sec;\n"
        "CREATE SERVER sec_tc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', endpoint %s, "
        "ca_file %s, max_retries '2');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_tc OPTIONS (secret_id 'AKIDTencentTest0000000001', "
        "secret_key %s);\n"
        "IMPORT FOREIGN SCHEMA tencent FROM SERVER sec_tc INTO sec;\n"
        "ALTER FOREIGN TABLE sec.tel_call_info OPTIONS (ADD sdk_app_ids '1400000001');\n"
        % (sql_literal(srv.endpoint("ucloud")), ca, sql_literal("ucloudsomeone@example.com1296235120854146120"),
           sql_literal(s["ucloud private key"]),
           sql_literal(srv.endpoint("ucloud")), ca, sql_literal("ucloudsomeone@example.com1296235120854146120"),
           sql_literal(s["a wrong secret"]),
           sql_literal(srv.endpoint("graph")), sql_literal(srv.endpoint("login")), ca,
           sql_literal(s["graph client secret"]),
           sql_literal(srv.endpoint("graph")), sql_literal(srv.endpoint("login")), ca,
           sql_literal(s["a wrong secret"]),
           sql_literal(srv.endpoint("alibaba") + "/"), ca, sql_literal(s["alibaba secret"]),
           sql_literal(srv.endpoint("tencent") + "/"), ca, sql_literal(s["tencent secret key"])))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
