#!/usr/bin/env python3
"""pg_dump / pg_restore round trip of servers, user mappings and foreign
tables of all four providers: the restored definitions equal the originals,
and the restored tables answer the same queries with the same rows.

    pg_virtualenv -v 15 -- python3 test/integration/test_dump.py

Last line: "N passed, N failed".
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import info, psql_ok, sql_literal, test  # noqa: E402

SRV = None
DB2 = "crfdw_restored"

QUERIES = [
    "SELECT call_start_time, phone, duration, rec->>'TaskNo' FROM dumpme.uvms_send_records "
    "WHERE call_start_time >= now() - interval '2 days' ORDER BY 1, 2",
    "SELECT id, start_date_time, charge FROM dumpme.pstn_calls "
    "WHERE start_date_time >= date_trunc('day', now()) - interval '3 days' "
    "AND start_date_time < date_trunc('day', now()) ORDER BY 2, 1",
    "SELECT start_time, phone_number, sent_count FROM dumpme.chatapp_phone_number_metrics "
    "WHERE start_time >= date_trunc('day', now()) - interval '5 days' AND phone_number = '8613800000004' ORDER BY 1",
    "SELECT * FROM dumpme.tel_call_info WHERE day BETWEEN current_date - 4 AND current_date - 2 ORDER BY 1, 2",
]

# options compare as sets: pg_dump may write them in another order
OPTS = "(SELECT string_agg(o, ',' ORDER BY o) FROM unnest(%s) o)"
CATALOG = ("SELECT s.srvname, " + OPTS % "s.srvoptions" + ", " + OPTS % "um.umoptions" + " "
           "FROM pg_foreign_server s LEFT JOIN pg_user_mappings um ON um.srvid = s.oid "
           "WHERE s.srvname LIKE 'd\\_%' ORDER BY 1;\n"
           "SELECT c.relname, " + OPTS % "ft.ftoptions" + ", "
           "(SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || "
           "coalesce(" + OPTS % "a.attfdwoptions" + ", ''), ';' ORDER BY a.attnum) "
           "FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) "
           "FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid "
           "WHERE c.relnamespace = 'dumpme'::regnamespace ORDER BY 1;\n")


def psql_db(db, script):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", db],
                       input="SET timezone = 'UTC';\n" + script, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError("psql -d %s failed: %s" % (db, p.stderr[-500:]))
    return [l for l in p.stdout.splitlines() if l]


def before_each():
    SRV.reset()
    SRV.config(ucloud_rate_limit=1000)


@test
def t01_dump_restore_round_trip():
    src_db = psql_ok("SELECT current_database();")[0]
    before = psql_ok(CATALOG)
    rows_before = [psql_ok("BEGIN;\n%s;\nCOMMIT;" % q) for q in QUERIES]
    assert all(rows_before), [len(r) for r in rows_before]
    with tempfile.TemporaryDirectory() as d:
        dump = os.path.join(d, "db.dump")
        subprocess.run(["pg_dump", "-Fc", "-f", dump, src_db], check=True, capture_output=True)
        subprocess.run(["dropdb", "--if-exists", DB2], check=True, capture_output=True)
        subprocess.run(["createdb", DB2], check=True, capture_output=True)
        p = subprocess.run(["pg_restore", "--exit-on-error", "-d", DB2, dump], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr[-800:]
    after = psql_db(DB2, CATALOG)
    assert after == before, "catalog differs after restore:\n%s\n%s" % (before, after)
    for q, exp in zip(QUERIES, rows_before):
        got = psql_db(DB2, "%s;" % q)
        assert got == exp, "%s: %d rows after restore, %d before" % (q[:60], len(got), len(exp))
    info("dump/restore: %d servers with user mappings, %d foreign tables, %s rows equal after restore"
         % (len([l for l in before if l.count("|") == 2 and "provider=" in l]),
            len(before) - 4, "/".join(str(len(r)) for r in rows_before)))


def setup(srv):
    global SRV
    SRV = srv
    ca = sql_literal(srv.ca)
    return (
        "CREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
        "DROP SCHEMA IF EXISTS dumpme CASCADE; CREATE SCHEMA dumpme;\n"
        "DROP SERVER IF EXISTS d_uc, d_mg, d_al, d_tc CASCADE;\n"
        "CREATE SERVER d_uc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'ucloud', endpoint %s, "
        "ca_file %s, region 'cn-zj', requests_per_second '40');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER d_uc OPTIONS (public_key %s, private_key %s);\n"
        "CREATE FOREIGN TABLE dumpme.uvms_send_records (call_start_time timestamptz, phone text, "
        "duration integer, rec jsonb OPTIONS (field '*')) SERVER d_uc "
        "OPTIONS (resource 'uvms_send_records', page_size '50');\n"
        "CREATE SERVER d_mg FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'msgraph', endpoint %s, "
        "token_endpoint %s, ca_file %s, requests_per_second '20');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER d_mg OPTIONS (tenant_id 'contoso.onmicrosoft.com', "
        "client_id '11111111-2222-3333-4444-555555555555', client_secret 'graph-test-secret~0001');\n"
        "IMPORT FOREIGN SCHEMA msgraph FROM SERVER d_mg INTO dumpme;\n"
        "CREATE SERVER d_al FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'alibaba', endpoint %s, "
        "ca_file %s, signature_version 'rpc');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER d_al OPTIONS (access_key_id 'LTAI5tAlibabaTest0001', "
        "access_key_secret 'AlibabaTestSecret0001');\n"
        "IMPORT FOREIGN SCHEMA alibaba FROM SERVER d_al INTO dumpme;\n"
        "ALTER FOREIGN TABLE dumpme.chatapp_phone_number_metrics OPTIONS (ADD cust_space_id 'cams-abc123');\n"
        "CREATE SERVER d_tc FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider 'tencent', endpoint %s, "
        "ca_file %s, time_zone 'Asia/Shanghai');\n"
        "CREATE USER MAPPING FOR CURRENT_USER SERVER d_tc OPTIONS (secret_id 'AKIDTencentTest0000000001', "
        "secret_key 'TencentTestKey0000000001');\n"
        "IMPORT FOREIGN SCHEMA tencent FROM SERVER d_tc INTO dumpme;\n"
        "ALTER FOREIGN TABLE dumpme.tel_call_info OPTIONS (ADD sdk_app_ids '1400000001,1400000002');\n"
        % (sql_literal(srv.endpoint("ucloud")), ca,
           sql_literal("ucloudsomeone@example.com1296235120854146120"),
           sql_literal("46f09bb9fab4f12dfc160dae12273d5332b5debe"),
           sql_literal(srv.endpoint("graph")), sql_literal(srv.endpoint("login")), ca,
           sql_literal(srv.endpoint("alibaba") + "/"), ca,
           sql_literal(srv.endpoint("tencent") + "/"), ca))


if __name__ == "__main__":
    harness.main(globals(), setup, before_each)
