"""Decode cost: the FDW against PostgreSQL's own JSON path, on the same bytes.

Pre-rendered Microsoft Graph getPstnCalls pages (1000 pstnCallLogRow records
each, all 23 properties, 7-digit fractional seconds, linked by
@odata.nextLink) are served by nginx over HTTPS from static files, so the
server costs next to nothing.  The same files are loaded into a table
(storage EXTERNAL: no compression) and turned into rows by
jsonb_to_recordset / json_to_recordset.  One run, one session, each query
run REPEAT times; the best time of each is printed with the ratios.

Two pairs are compared:
- all columns: count(t.*) over the foreign table (every column converted)
  against count(r.*) over json[b]_to_recordset with the 23 columns typed as
  the foreign table types them;
- count(*): the FDW converts only the time column (it decides the window of
  each row); the in-database path is given that one column.

Also printed: the peak RSS (VmHWM) of a fresh backend scanning every row,
over its idle RSS, with the same rows cut in pages of 100, 1000 and 10000.

Run inside a throwaway cluster (test/bench/run.sh does this):
    pg_virtualenv -t -v 15 -- python3 test/bench/decode.py [--rows N] [--repeat K]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import benchlib
from benchlib import ROOT, psql_ok, sql_literal

import graph_data  # noqa: E402  (test/ is on sys.path through benchlib)

PAGE_ROWS = 1000                    # what Graph sends
T_PER_S = graph_data.T_PER_S

# (column, type) as IMPORT FOREIGN SCHEMA msgraph declares them, and the
# Graph property each comes from
COLUMNS = [
    ("id", "text", "id"), ("call_id", "text", "callId"), ("user_id", "text", "userId"),
    ("user_principal_name", "text", "userPrincipalName"),
    ("user_display_name", "text", "userDisplayName"),
    ("start_date_time", "timestamptz", "startDateTime"),
    ("end_date_time", "timestamptz", "endDateTime"), ("duration", "integer", "duration"),
    ("charge", "numeric", "charge"), ("call_type", "text", "callType"),
    ("currency", "text", "currency"), ("callee_number", "text", "calleeNumber"),
    ("usage_country_code", "text", "usageCountryCode"),
    ("tenant_country_code", "text", "tenantCountryCode"),
    ("connection_charge", "numeric", "connectionCharge"),
    ("caller_number", "text", "callerNumber"),
    ("destination_context", "text", "destinationContext"),
    ("destination_name", "text", "destinationName"), ("conference_id", "text", "conferenceId"),
    ("license_capability", "text", "licenseCapability"),
    ("inventory_type", "text", "inventoryType"), ("operator", "text", "operator"),
    ("call_duration_source", "text", "callDurationSource"),
]


def render_rows(path, nrows, start_s, span_s):
    """Write nrows pstnCallLogRow records, one JSON object a line, their
    starts spread evenly over [start_s, start_s + span_s)."""
    step = span_s * T_PER_S // nrows
    with open(path, "w") as f:
        for n in range(nrows):
            t = start_s * T_PER_S + n * step
            rec = graph_data._record(n // 1000, n % 1000, t, graph_data.format_t100(t, 7))
            f.write(json.dumps(rec, separators=(",", ":")))
            f.write("\n")


def render_pages(rows_path, outdir, page_rows, origin):
    """Cut the rows into pages of page_rows records, files p0.json, p1.json,
    ... under outdir, linked by @odata.nextLink; returns (pages, bytes)."""
    os.makedirs(outdir)
    name = os.path.basename(outdir)
    with open(rows_path) as f:
        lines = f.read().splitlines()
    npages = -(-len(lines) // page_rows)
    total = 0
    for p in range(npages):
        chunk = lines[p * page_rows:(p + 1) * page_rows]
        head = ('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#Collection('
                'microsoft.graph.callRecords.pstnCallLogRow)","@odata.count":%d,' % len(chunk))
        if p + 1 < npages:
            head += '"@odata.nextLink":"%s/%s/p%d.json",' % (origin, name, p + 1)
        body = (head + '"value":[' + ",".join(chunk) + "]}").encode()
        total += len(body)
        with open(os.path.join(outdir, "p%d.json" % p), "wb") as out:
            out.write(body)
    return npages, total


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
user root;
events {{ worker_connections 256; }}
http {{
    log_format reuse '$connection $connection_requests $ssl_session_reused';
    access_log {dir}/access.log reuse;
    default_type application/json;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    sendfile on;
    client_body_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certs}/server.pem;
        ssl_certificate_key {certs}/server.key;
        ssl_session_cache shared:SSL:1m;
        location ~ ^/pages\d+/ {{ root {dir}; }}
        # endpoint https://host:port/s<N>: the first page of the N-row pages
        location ~ ^/s(\d+)/v1\.0/communications/callRecords/ {{
            rewrite ^/s(\d+)/ /pages$1/p0.json last;
        }}
        location ~ /oauth2/v2.0/token$ {{
            return 200 '{{"token_type":"Bearer","expires_in":3599,"access_token":"bench-token"}}';
        }}
    }}
}}
"""


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx(work, certs):
    port = free_port()
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=work, port=port, certs=certs))
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            import socket
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("nginx did not start: %s" % proc.stderr.read().decode())
            time.sleep(0.05)
    raise SystemExit("nginx did not listen on %d" % port)


def connection_reuse(log_path):
    """Keep-alive and TLS resumption seen by nginx so far."""
    conns, resumed, requests = set(), set(), 0
    with open(log_path) as f:
        for line in f:
            conn, _, reused = line.split()
            requests += 1
            conns.add(conn)
            if reused == "r":
                resumed.add(conn)
    return ("connections: %d requests over %d TLS connections (%.0f requests a connection), "
            "%d of them resumed a TLS session" % (requests, len(conns), requests / max(len(conns), 1),
                                                 len(resumed)))


def timed(session_sql, queries, repeat):
    """Run each query `repeat` times in one session, interleaved; return the
    best milliseconds of each (psql \\timing)."""
    script = [session_sql, "\\timing on"]
    for _ in range(repeat):
        for q in queries:
            script.append(q + ";")
    values, times = benchlib.psql_timed("\n".join(script) + "\n", timeout=3600)
    if len(times) != repeat * len(queries):
        raise SystemExit("expected %d timings, got %r" % (repeat * len(queries), values[-10:]))
    best = []
    for i in range(len(queries)):
        best.append(min(times[k * len(queries) + i] for k in range(repeat)))
    return best, values


def profile(query, perf_data):
    """Run query once in a backend recorded by perf (call graphs)."""
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    p.stdin.write("SELECT pg_backend_pid();\n")
    p.stdin.flush()
    pid = int(p.stdout.readline())
    perf = subprocess.Popen(["perf", "record", "-g", "-F", "1999", "-o", perf_data, "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    p.stdin.write("SET timezone = 'UTC';\n" + query + ";\n")
    p.stdin.flush()
    print("# rows: %s" % p.stdout.readline().strip())
    perf.send_signal(signal.SIGINT)
    perf.wait()
    p.stdin.close()
    p.wait()
    print("# perf data in %s" % perf_data)


MEMORY_PAGE_ROWS = (100, 1000, 10000)

RSS_SCRIPT = """
SET timezone = 'UTC';
CREATE TEMP TABLE rss(label text, kb bigint);
CREATE FUNCTION pg_temp.vm(field text) RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                       field || ':\\s+(\\d+) kB'))[1]::bigint $$;
INSERT INTO rss VALUES ('idle', pg_temp.vm('VmRSS'));
SELECT count(t.*) FROM %s t WHERE %s;
INSERT INTO rss VALUES ('peak', pg_temp.vm('VmHWM'));
SELECT label || '=' || kb FROM rss;
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", metavar="PERF_DATA",
                    help="only record the FDW scan with perf into this file")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="crfdw-bench-decode.")
    os.chmod(work, 0o755)
    nginx = None
    try:
        certs = os.path.join(work, "certs")
        subprocess.run(["bash", os.path.join(ROOT, "test", "make_certs.sh"), certs],
                       check=True, stdout=subprocess.DEVNULL)
        for f in os.listdir(certs):
            os.chmod(os.path.join(certs, f), 0o644)

        now = int(time.time())
        start_s = (now // 86400 - 40) * 86400           # 40 days ago, a UTC midnight
        span_s = 30 * 86400                              # one Graph window (< 90 days)
        nginx, port = start_nginx(work, certs)
        origin = "https://127.0.0.1:%d" % port
        t0 = time.monotonic()
        rows_path = os.path.join(work, "rows.jsonl")
        render_rows(rows_path, args.rows, start_s, span_s)
        sizes = {}
        for n in sorted(set(MEMORY_PAGE_ROWS) | {PAGE_ROWS}):
            sizes[n] = render_pages(rows_path, os.path.join(work, "pages%d" % n), n, origin)
        os.unlink(rows_path)
        npages, nbytes = sizes[PAGE_ROWS]
        print("# %d rows, %.1f MB of JSON in %d pages of %d (also cut in pages of %s), rendered in %.1f s"
              % (args.rows, nbytes / 1e6, npages, PAGE_ROWS,
                 ", ".join(str(n) for n in sizes if n != PAGE_ROWS), time.monotonic() - t0),
              flush=True)

        lo = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(start_s))
        hi = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(start_s + span_s))
        ca = os.path.join(certs, "ca.pem")
        cols = ", ".join('"%s" %s' % (prop, typ) for _, typ, prop in COLUMNS)
        setup = ["""
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE EXTENSION IF NOT EXISTS callrecord_fdw;
CREATE SCHEMA bench;
CREATE TABLE bench.pages (n int PRIMARY KEY, body text);
ALTER TABLE bench.pages ALTER body SET STORAGE EXTERNAL;
INSERT INTO bench.pages
  SELECT n, pg_read_file(%(dir)s || '/p' || n || '.json') FROM generate_series(0, %(last)d) n;
CREATE TABLE bench.pages_jsonb AS SELECT n, body::jsonb AS body FROM bench.pages;
VACUUM ANALYZE bench.pages;
VACUUM ANALYZE bench.pages_jsonb;
""" % {"dir": sql_literal(os.path.join(work, "pages%d" % PAGE_ROWS)), "last": npages - 1}]
        for n in sizes:
            # one server per page size: the endpoint's path picks the pages
            setup.append("""
DROP SERVER IF EXISTS bench_graph%(n)d CASCADE;
CREATE SERVER bench_graph%(n)d FOREIGN DATA WRAPPER callrecord_fdw
  OPTIONS (provider 'msgraph', endpoint %(ep)s, token_endpoint %(tep)s, ca_file %(ca)s,
           requests_per_second '100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench_graph%(n)d
  OPTIONS (tenant_id 'contoso.onmicrosoft.com', client_id 'bench', client_secret 'bench');
CREATE SCHEMA bench%(n)d;
IMPORT FOREIGN SCHEMA msgraph FROM SERVER bench_graph%(n)d INTO bench%(n)d;
""" % {"n": n, "ep": sql_literal("%s/s%d" % (origin, n)), "tep": sql_literal(origin),
                "ca": sql_literal(ca)})
        psql_ok("".join(setup), timeout=3600)

        where = "start_date_time >= %s AND start_date_time < %s" % (sql_literal(lo), sql_literal(hi))
        table = "bench%d.pstn_calls" % PAGE_ROWS
        if args.profile:
            profile("SELECT count(t.*) FROM %s t WHERE %s" % (table, where), args.profile)
            return
        queries = [
            ("fdw, all 23 columns", "SELECT count(t.*) FROM %s t WHERE %s" % (table, where)),
            ("jsonb_to_recordset, all 23 columns",
             "SELECT count(r.*) FROM bench.pages p, jsonb_to_recordset(p.body::jsonb -> 'value') AS r(%s)" % cols),
            ("json_to_recordset, all 23 columns",
             "SELECT count(r.*) FROM bench.pages p, json_to_recordset(p.body::json -> 'value') AS r(%s)" % cols),
            ("jsonb_to_recordset over stored jsonb, all 23 columns",
             "SELECT count(r.*) FROM bench.pages_jsonb p, jsonb_to_recordset(p.body -> 'value') AS r(%s)" % cols),
            ("fdw, count(*)", "SELECT count(*) FROM %s t WHERE %s" % (table, where)),
            ("jsonb_to_recordset, count(*) (startDateTime only)",
             "SELECT count(*) FROM bench.pages p, jsonb_to_recordset(p.body::jsonb -> 'value') AS r(\"startDateTime\" timestamptz)"),
            ("json_to_recordset, count(*) (startDateTime only)",
             "SELECT count(*) FROM bench.pages p, json_to_recordset(p.body::json -> 'value') AS r(\"startDateTime\" timestamptz)"),
        ]
        best, values = timed("SET timezone = 'UTC';", [q for _, q in queries], args.repeat)
        for (label, _), c in zip(queries, values[:len(queries)]):
            if int(c) != args.rows:
                raise SystemExit("%s counted %s rows, not %d" % (label, c, args.rows))

        print("")
        print("%-55s %10s %12s" % ("query (%d rows, best of %d)" % (args.rows, args.repeat),
                                   "ms", "rows/s"))
        for (label, _), ms in zip(queries, best):
            print("%-55s %10.0f %12.0f" % (label, ms, args.rows / (ms / 1000.0)))
        print("")
        print("ratio fdw / fastest in-database path, all columns: %.2f  (target <= 1.50)"
              % (best[0] / min(best[1], best[2])))
        print("ratio fdw / fastest in-database path, count(*):    %.2f  (target <= 1.50)"
              % (best[4] / min(best[5], best[6])))
        print("ratio fdw / jsonb already stored, all columns:     %.2f  (its JSON text was parsed beforehand)"
              % (best[0] / best[3]))

        print("")
        print(connection_reuse(os.path.join(work, "access.log")))

        # memory: a fresh backend per page size, peak RSS over its idle RSS
        print("")
        print("%-34s %10s %10s %10s" % ("backend memory, %d rows" % args.rows, "idle MB", "peak MB",
                                        "growth MB"))
        for n in sorted(sizes):
            out = psql_ok(RSS_SCRIPT % ("bench%d.pstn_calls" % n, where), timeout=3600)
            kv = dict(l.split("=") for l in out if "=" in l)
            idle, peak = int(kv["idle"]), int(kv["peak"])
            print("%-34s %10.1f %10.1f %10.1f   (target < 32 MB)"
                  % ("pages of %d rows" % n, idle / 1024.0, peak / 1024.0, (peak - idle) / 1024.0))
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
