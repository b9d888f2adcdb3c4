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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import info, psql, psql_ok, sql_literal, test  # noqa: E402
import secrets_scan  # noqa: E402
from secrets_scan import FORBIDDEN, server_log_path  # noqa: E402,F401  (FORBIDDEN: what find_leaks looks for)

SRV = None
SECRETS = {
    "ucloud private key": "46f09bb9fab4f12dfc160dae12273d5332b5debe",
    "graph client secret": "graph-test-secret~0001",
    "alibaba secret": "AlibabaTestSecret0001",
    "tencent secret key": "TencentTestKey0000000001",
    "a wrong secret": "wrong-secret-zz9",
    # temporary credentials: Alibaba STS (security_token) and Tencent (token)
    "alibaba sts secret": "AlibabaStsSecret01",
    "alibaba security token": "CAIS+token/test==",
    "tencent temporary secret key": "TencentTmpKey0001",
    "tencent token": "tencent-sts-token+/=",
}
AL_STS_ID = "STS.NTestAlibabaSts01"
TC_TMP_ID = "AKIDTmpTencentTest0001"


def find_leaks(text):
    return secrets_scan.find_leaks(text, SECRETS)


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
    # temporary credentials: the token goes with every request
    ("alibaba sts wrong secret", [],
     "SELECT count(*) FROM sec.bad_sts_al WHERE start_time >= now() - interval '2 days' "
     "AND phone_number = '8613800000001'"),
    ("alibaba sts (rpc) wrong secret", [],
     "SELECT count(*) FROM sec.bad_sts_al_rpc WHERE start_time >= now() - interval '2 days' "
     "AND phone_number = '8613800000001'"),
    ("alibaba sts throttled", [{"vendor": "alibaba", "kind": "retcode", "code": "Throttling.User", "count": 3}],
     "SELECT count(*) FROM sec.sts_al WHERE start_time >= now() - interval '2 days' "
     "AND phone_number = '8613800000001'"),
    ("alibaba sts (rpc) 503", [{"vendor": "alibaba", "kind": "status", "status": 503, "count": 3}],
     "SELECT count(*) FROM sec.sts_al_rpc WHERE start_time >= now() - interval '2 days' "
     "AND phone_number = '8613800000001'"),
    ("tencent token wrong secret", [],
     "SELECT * FROM sec.bad_tmp_tc WHERE day = current_date - 2 AND sdk_app_id = 1400000001"),
    ("tencent token throttled", [{"vendor": "tencent", "kind": "retcode", "code": "RequestLimitExceeded",
                                  "count": 3}],
     "SELECT * FROM sec.tmp_tc WHERE day = current_date - 2 AND sdk_app_id = 1400000001"),
]


# EXPLAIN (VERBOSE, ANALYZE) of a good scan per provider, and with the temporary credentials
EXPLAINS = (("uvms_send_records", "call_start_time >= now() - interval '1 day'"),
            ("pstn_calls", "start_date_time >= now() - interval '2 days'"),
            ("chatapp_phone_number_metrics", "start_time >= now() - interval '2 days'"),
            ("tel_call_info", "day = current_date - 3"),
            ("sts_al", "start_time >= now() - interval '2 days' AND phone_number = '8613800000001'"),
            ("sts_al_rpc", "start_time >= now() - interval '2 days' AND phone_number = '8613800000001'"),
            ("tmp_tc", "day = current_date - 3 AND sdk_app_id = 1400000001"))


# the cause each error path must give (those added with the temporary credentials)
CAUSES = {
    "alibaba sts wrong secret": "SignatureDoesNotMatch",
    "alibaba sts (rpc) wrong secret": "SignatureDoesNotMatch",
    "alibaba sts throttled": "Throttling.User",
    "alibaba sts (rpc) 503": "HTTP 503",
    "tencent token wrong secret": "AuthFailure.SignatureFailure",
    "tencent token throttled": "RequestLimitExceeded",
}


@test
def t01_error_paths_leave_no_secret():
    log_path = server_log_path()
    start = os.path.getsize(log_path)
    secrets_scan.enable_debug_logging()
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
            if what in CAUSES:
                assert CAUSES[what] in harness.error_text(r.stderr), "%s: not the error expected (%s): %s" % (
                    what, CAUSES[what], harness.error_text(r.stderr)[:300])
            outputs.append((what, "\n".join(r.lines) + r.stderr))
        # EXPLAIN (VERBOSE, ANALYZE) of a good scan per provider
        SRV.reset()
        SRV.config(ucloud_rate_limit=1000)
        for t, cond in EXPLAINS:
            r = psql("SET client_min_messages = 'debug5';\nEXPLAIN (VERBOSE, ANALYZE) SELECT * FROM sec.%s "
                     "WHERE %s;\n" % (t, cond))
            assert r.rc == 0, r.stderr[-300:]
            outputs.append(("explain " + t, "\n".join(r.lines) + r.stderr))
        # the temporary credentials were sent (and accepted by the EXPLAINs)
        ids = {(e["vendor"], (e.get("params") or {}).get("AccessKeyId") or (e.get("params") or {}).get("SecretId"),
                e.get("sig_ok")) for e in SRV.log()}
        for want in (("alibaba", AL_STS_ID, True), ("tencent", TC_TMP_ID, True)):
            assert want in ids, "no accepted request of %s %s: %s" % (want[0], want[1], sorted(map(str, ids)))
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
        secrets_scan.reset_debug_logging()
    server_log = secrets_scan.read_log(log_path, start)
    for what, text in outputs:
        leaks = find_leaks(text)
        assert not leaks, "%s: the client saw %s" % (what, leaks)
    leaks = find_leaks(server_log)
    assert not leaks, "the server log holds %s" % leaks
    assert "DEBUG" in server_log and "statement:" in server_log, "debug5 logging did not take effect"
    info("secrets: %d error paths and %d EXPLAIN (VERBOSE, ANALYZE) at debug5/log_statement=all: "
         "%d bytes of server log, 0 secrets (%d looked for, tokens included), 0 Authorization headers, "
         "0 bytes to the foreign listener"
         % (len(ERROR_PATHS), len(EXPLAINS), len(server_log), len(SECRETS)))


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


def temporary_credentials(srv):
    """Servers, mappings and tables of Alibaba STS (V3 and RPC signatures)
    and Tencent temporary credentials, each right and with a wrong secret."""
    ca = sql_literal(srv.ca)
    s = SECRETS
    sql = ""
    for name, sigver, secret in (("sec_al_sts", "v3", s["alibaba sts secret"]),
                                 ("sec_al_sts_bad", "v3", s["a wrong secret"]),
                                 ("sec_al_sts_rpc", "rpc", s["alibaba sts secret"]),
                                 ("sec_al_sts_rpc_bad", "rpc", s["a wrong secret"])):
        table = {"sec_al_sts": "sts_al", "sec_al_sts_bad": "bad_sts_al", "sec_al_sts_rpc": "sts_al_rpc",
                 "sec_al_sts_rpc_bad": "bad_sts_al_rpc"}[name]
        sql += ("CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', endpoint %s, "
                "ca_file %s, max_retries '2', signature_version '%s');\n"
                "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (access_key_id %s, access_key_secret %s, "
                "security_token %s);\n"
                "CREATE FOREIGN TABLE sec.%s (start_time timestamptz, phone_number text, sent_count bigint) "
                "SERVER %s OPTIONS (resource 'chatapp_phone_number_metrics');\n"
                % (name, sql_literal(srv.endpoint("alibaba") + "/"), ca, sigver, name, sql_literal(AL_STS_ID),
                   sql_literal(secret), sql_literal(s["alibaba security token"]), table, name))
    for name, table, secret in (("sec_tc_tmp", "tmp_tc", s["tencent temporary secret key"]),
                                ("sec_tc_tmp_bad", "bad_tmp_tc", s["a wrong secret"])):
        sql += ("CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', endpoint %s, "
                "ca_file %s, max_retries '2');\n"
                "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (secret_id %s, secret_key %s, token %s);\n"
                "CREATE FOREIGN TABLE sec.%s (day date, sdk_app_id bigint, tel_call_out_count bigint) "
                "SERVER %s OPTIONS (resource 'tel_call_info');\n"
                % (name, sql_literal(srv.endpoint("tencent") + "/"), ca, name, sql_literal(TC_TMP_ID),
                   sql_literal(secret), sql_literal(s["tencent token"]), table, name))
    return sql


def setup(srv):
    global SRV
    SRV = srv
    ca = sql_literal(srv.ca)
    s = SECRETS
    return (
        "SET log_statement = 'none';\n"      # the DDL below carries secrets in its text
        "CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
        "DROP SCHEMA IF EXISTS sec CASCADE; CREATE SCHEMA sec;\n"
        "DROP SERVER IF EXISTS sec_uc, sec_uc_bad, sec_mg, sec_mg_bad, sec_al, sec_tc, sec_al_sts, sec_al_sts_bad, "
        "sec_al_sts_rpc, sec_al_sts_rpc_bad, sec_tc_tmp, sec_tc_tmp_bad CASCADE;\n"
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
           sql_literal(srv.endpoint("tencent") + "/"), ca, sql_literal(s["tencent secret key"]))
        + temporary_credentials(srv))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
