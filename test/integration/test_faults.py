#!/usr/bin/env python3
"""Fault matrix of callrecord_fdw: every provider (ucloud, msgraph, alibaba,
tencent) against every fault of the project's standard, each case one small
query (a request or two) run in its own psql session.

Run inside a throwaway cluster (the extension installed by `make install`):

    pg_virtualenv -v 15 -- python3 test/integration/test_faults.py [name-substring ...]

Last line: "N passed, N failed".  Lines starting with "# " are measured
figures; the total is "# fault matrix: N cases, R right rows after retries,
E errors, 0 crashes".

Each case injects one fault and runs the provider's query; the outcome must be
one of
  (a) RIGHT ROWS: exactly the rows of the same query without a fault (computed
      once per provider, test ref_<provider>), or, where the contract says a
      null or missing field is a NULL column, those rows with that one cell
      NULL (a 10 MB string: that one cell 10 MB long);
  (b) an ERROR naming the provider and the cause (and, when a retryable fault
      outlasts max_retries, the HINT naming "max_retries"), with no row
      printed;
and in both cases the backend answers a SELECT afterwards in the same psql
session (no crash, no lost connection).  The server log (or the proxy's count)
is checked to make sure the fault really happened.

Where the vendor server's fault kinds cannot express a case, the file brings
its own pieces:
  * a TLS man-in-the-middle proxy (MitmProxy) in front of the vendor server:
    invalid UTF-8 bytes inside a string of a real response (the server's
    `malformed` body is a str sent as UTF-8, so it cannot carry invalid
    bytes), an RST in the middle of the body (the server's `reset` drops the
    connection before the response), and a Content-Length shorter than the
    body;
  * a second vendor_server.py with --extra-tls expired/wronghost listeners
    (the harness's VendorServer does not start them);
  * a closed port for "connection refused".

Secrets (issue 7 item 4) over the whole matrix: the file runs with
log_min_messages = debug5, log_statement = all and log_error_verbosity =
verbose (ALTER SYSTEM in its setup, reset at the end), keeps every psql
session's stderr, counts what reached the foreign listener before each
reset of the vendor server, and its last test, zz_secrets, scans the
server log from the start of the run and every stderr for the secrets of
the user mappings and the markers of a request's credentials (Authorization,
Bearer, signatures: secrets_scan.FORBIDDEN).

Servers made here use max_retries '2', timeout_ms '2000' and
connect_timeout_ms '2000', so hangs and retries are quick (HTTP-date and
Retry-After waits are 1-2 s).  About 2 minutes in all.
"""
import atexit
import datetime
import email.utils
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter, OrderedDict
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TEST_DIR, error_text, info, sql_literal, test  # noqa: E402
import secrets_scan  # noqa: E402

SRV = None                      # the harness's VendorServer, set in setup()
PROXY = None                    # MitmProxy in front of SRV
EXTRA = None                    # ExtraTls: the expired / wronghost listeners
REFUSED_PORT = None             # a port nothing listens on

MAX_RETRIES = 2
TIMEOUT_MS = 2000
HANG_S = 10                     # longer than TIMEOUT_MS
BIG_BYTES = 10 * 1024 * 1024
DEPTH = 10000
SEP = "\x1f"                    # psql field separator (never in the data)
ALIVE = "--alive--"
PSQL_TIMEOUT_S = 120
PREAMBLE = harness.SESSION_PREAMBLE + "SET statement_timeout = '90s';\n"
CRASH_SIGNS = ("server closed the connection", "connection to server was lost",
               "terminated abnormally", "PANIC:", "the database system is in recovery mode")
UTC = datetime.timezone.utc
VERBOSE = bool(os.environ.get("FAULTS_VERBOSE"))

# Where a case shows an FDW bug: (provider, case) -> note.  The case still
# runs and still counts as a failure.
# (provider, case) -> a note printed with a failure; empty when no FDW bug is known
KNOWN_BUGS = {}

# --------------------------------------------------------------------- helpers


def closed_port():
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_psql(script, label="?"):
    """One psql session, ON_ERROR_STOP=0, output as bytes decoded leniently (so
    invalid UTF-8 in a result would show up as a difference, not as a crash of
    this script).  Returns (rc, stdout lines, stderr).  The stderr is kept
    in CLIENT_STDERR (label, stderr) for zz_secrets; the stdout (up to 10 MB
    a case) is scanned here, its leaks kept in STDOUT_LEAKS."""
    cmd = ["psql", "-X", "-q", "-A", "-t", "-F", SEP, "-v", "ON_ERROR_STOP=0"]
    p = subprocess.run(cmd, input=(PREAMBLE + script).encode("utf-8"), capture_output=True,
                       timeout=PSQL_TIMEOUT_S)
    out = p.stdout.decode("utf-8", "backslashreplace")
    err = p.stderr.decode("utf-8", "backslashreplace")
    CLIENT_STDERR.append((label, err))
    SCANNED["stdout_bytes"] += len(out)
    leaks = secrets_scan.find_leaks(out, SECRETS)
    if leaks:
        STDOUT_LEAKS.append((label, leaks))
    return p.returncode, [l for l in out.split("\n") if l != ""], err


# the secrets of every user mapping the matrix makes (set in setup())
SECRETS = {}
CLIENT_STDERR = []              # (label, stderr) of every psql session
STDOUT_LEAKS = []               # (label, leaks) found in a session's stdout
SCANNED = Counter()             # stdout_bytes
FOREIGN = {"connections": 0, "requests": []}     # what reached the foreign listener, summed over resets
LOG = {}                        # path, start: the server log of this run


def midnight(days_ago):
    today = datetime.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - datetime.timedelta(days=days_ago)


def ms(dt):
    return int(dt.timestamp()) * 1000


def ts_lit(dt):
    return sql_literal(dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00"))


def iso_z(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cols_sql(cols):
    return ", ".join("coalesce(%s::text, '<null>')" % c for c in cols)


def deep_json(depth):
    return "[" * depth + "]" * depth


def doc_with_deep(doc, put):
    """json text of doc after put(doc, marker) placed a marker string, the
    marker replaced by an array nested DEPTH levels deep."""
    marker = "__DEEP_%s__" % uuid.uuid4().hex
    put(doc, marker)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace(
        json.dumps(marker), deep_json(DEPTH))


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------- extra TLS listeners

class ExtraTls:
    """A second vendor_server.py with the expired and wronghost listeners
    (same certificate directory, same routes)."""

    def __init__(self, cert_dir, timeout=20.0):
        self.dir = tempfile.mkdtemp(prefix="crfdw-faults.")
        pf = os.path.join(self.dir, "port")
        self.files = {n: os.path.join(self.dir, n) for n in ("expired", "wronghost")}
        self.out = open(os.path.join(self.dir, "server.out"), "w")
        cmd = [sys.executable, os.path.join(TEST_DIR, "vendor_server.py"), "--cert-dir", cert_dir,
               "--port", "0", "--port-file", pf]
        for n, f in self.files.items():
            cmd += ["--extra-tls", "%s=%s" % (n, f)]
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("extra vendor server exited with %s" % self.proc.returncode)
            if os.path.exists(pf):      # extra listeners' port files come first
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("extra vendor server wrote no port file")
        self.port = {}
        for n, f in self.files.items():
            with open(f) as fh:
                self.port[n] = int(fh.read().strip())
        with open(pf) as fh:
            self.main_port = int(fh.read().strip())

    def log(self):
        ctx = ssl.create_default_context(cafile=SRV.ca)
        with urllib.request.urlopen("https://127.0.0.1:%d/_control/log" % self.main_port,
                                    context=ctx, timeout=15) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None
        if self.out is not None:
            self.out.close()
            self.out = None
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------- TLS man in the middle

def _read_head(f):
    """Lines up to the blank one; None at EOF before any byte."""
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            if lines:
                raise ConnectionError("EOF inside a message head")
            return None
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)


def _content_length(head):
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    return int(m.group(1)) if m else 0


def _set_content_length(head, n):
    return re.sub(rb"(?im)^(content-length:\s*)\d+", lambda m: m.group(1) + str(n).encode(), head, count=1)


class MitmProxy:
    """HTTPS on 127.0.0.1 with the test server certificate; passes every
    request unchanged (Host header included, so signatures, token scopes and
    nextLinks stay consistent) to the vendor server and its response back,
    except for the next `count` responses to a path under `prefix` while armed:

      invalid_utf8          bytes C3 28 FF inserted after `marker` (the opening
                            quote of a string value); Content-Length fixed
      reset_mid_body        headers and half the body, then a TCP RST
      short_content_length  the whole body, but a Content-Length of half of it
    """

    def __init__(self, cert_dir, upstream_port):
        self.upstream_port = upstream_port
        self.sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.sctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.sctx.load_cert_chain(os.path.join(cert_dir, "server.pem"), os.path.join(cert_dir, "server.key"))
        self.cctx = ssl.create_default_context(cafile=os.path.join(cert_dir, "ca.pem"))
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.plan = None
        self.applied = 0
        self.requests = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, mode, prefix, count=1, marker=None):
        with self.lock:
            self.plan = {"mode": mode, "prefix": prefix, "remaining": count, "marker": marker}
            self.applied = 0
            self.requests = 0

    def disarm(self):
        with self.lock:
            n = self.applied
            self.plan = None
            return n

    def _take(self, path):
        with self.lock:
            self.requests += 1
            p = self.plan
            if p and p["remaining"] > 0 and path.startswith(p["prefix"]):
                p["remaining"] -= 1
                return dict(p)
        return None

    def _done(self):
        with self.lock:
            self.applied += 1

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            threading.Thread(target=self._conn, args=(c,), daemon=True).start()

    def _forward(self, request):
        s = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        u = self.cctx.wrap_socket(s, server_hostname="127.0.0.1")
        try:
            u.sendall(request)
            f = u.makefile("rb")
            head = _read_head(f)
            if head is None:
                raise ConnectionError("upstream closed without a response")
            body = f.read(_content_length(head))
            f.close()
            return head, body
        finally:
            u.close()

    def _conn(self, raw):
        raw.settimeout(30)
        try:
            tls = self.sctx.wrap_socket(raw, server_side=True)
        except (OSError, ValueError):
            raw.close()
            return
        f = tls.makefile("rb")
        try:
            while True:
                head = _read_head(f)
                if head is None:
                    break
                n = _content_length(head)
                body = f.read(n) if n else b""
                path = head.split(b" ", 2)[1].decode("latin-1")
                rhead, rbody = self._forward(head + body)
                plan = self._take(path)
                close_after = b"connection: close" in rhead.lower()
                if plan and plan["mode"] == "reset_mid_body":
                    tls.sendall(rhead + rbody[:len(rbody) // 2])
                    self._done()
                    tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                if plan and plan["mode"] == "invalid_utf8":
                    i = rbody.find(plan["marker"])
                    if i >= 0:
                        i += len(plan["marker"])
                        rbody = rbody[:i] + b"\xc3\x28\xff" + rbody[i:]
                        rhead = _set_content_length(rhead, len(rbody))
                        self._done()
                if plan and plan["mode"] == "short_content_length":
                    rhead = _set_content_length(rhead, len(rbody) // 2)
                    self._done()
                    close_after = True
                tls.sendall(rhead + rbody)
                if close_after:
                    break
        except (OSError, ValueError):
            pass
        finally:
            for c in (f, tls):
                try:
                    c.close()
                except OSError:
                    pass


# --------------------------------------------------------------------- providers

class Provider:
    """One provider: how its servers are made, its query, its fault targets."""

    name = vendor = path = None
    cols = ()
    words = ()                  # how an error may name the provider
    wrong_col = None            # the column wrong_types changes
    big_col = None              # the column `big` fills (None: no column)
    utf8_marker = None          # where the proxy puts invalid UTF-8
    throttle = None             # the vendor's throttle code (retcode fault)
    throttle_extra = {}

    def __init__(self):
        self.ref = None

    # -- SQL

    def server(self, variant):
        return "f_%s_%s" % (self.name, variant)

    def base(self, variant):
        if variant in ("main", "otherca"):
            return SRV.base
        if variant == "proxy":
            return "https://127.0.0.1:%d" % PROXY.port
        if variant == "refused":
            return "https://127.0.0.1:%d" % REFUSED_PORT
        return "https://127.0.0.1:%d" % EXTRA.port[variant]

    def ca(self, variant):
        return os.path.join(SRV.cert_dir, "other-ca.pem") if variant == "otherca" else SRV.ca

    def common_opts(self, variant):
        return ("ca_file %s, max_retries '%d', timeout_ms '%d', connect_timeout_ms '2000'"
                % (sql_literal(self.ca(variant)), MAX_RETRIES, TIMEOUT_MS))

    def setup_sql(self, variant):
        n = self.server(variant)
        return ("DROP SERVER IF EXISTS %s CASCADE;\nDROP SCHEMA IF EXISTS %s CASCADE;\n"
                "CREATE SERVER %s FOREIGN DATA WRAPPER callrecord_fdw OPTIONS (provider '%s', %s, %s);\n"
                "CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (%s);\n"
                "CREATE SCHEMA %s;\nIMPORT FOREIGN SCHEMA %s FROM SERVER %s INTO %s;\n"
                % (n, n, n, self.name, self.server_opts(variant), self.common_opts(variant),
                   n, self.mapping(), n, self.name, n, n))

    def query(self, variant):
        return "SELECT %s FROM %s.%s WHERE %s;" % (cols_sql(self.cols), self.server(variant), self.table,
                                                    self.where())

    # -- faults

    def fault(self, kind, **kw):
        f = {"vendor": self.vendor, "kind": kind, "match": dict(self.match())}
        f.update(kw)
        return f

    def log(self):
        """The server log of this provider's faulted request (its match)."""
        m = self.match()
        return [e for e in SRV.log(self.vendor)
                if all(str((e.get("params") or {}).get(k)) == v for k, v in m.items())]

    def col(self, name):
        return self.cols.index(name)


class UCloud(Provider):
    name, vendor, path, table = "ucloud", "ucloud", "/ucloud", "uvms_send_records"
    words = ("ucloud",)
    cols = ("call_start_time", "call_end_time", "task_no", "phone", "show_number", "pre_cost", "purpose",
            "brevity_code", "country_code", "template_id", "duration", "channel_id", "receipt_result",
            "receipt_desc", "receive_time", "calling_city_code", "called_city_code", "called_operator_code",
            "submit_time", "group_type", "bill_second", "bill_period")
    wrong_col, big_col = "duration", "receipt_desc"
    utf8_marker = b'"ReceiptDesc":"'
    throttle = 153
    PUB = "ucloudsomeone@example.com1296235120854146120"
    PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"

    def __init__(self):
        super().__init__()
        self.lo, self.hi = midnight(3), midnight(1)
        recs = SRV.truth("ucloud", start_ms=ms(self.lo), end_ms=ms(self.hi) - 1)
        by_phone = Counter(r["Phone"] for r in recs)
        self.phone = sorted(by_phone.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    def server_opts(self, variant):
        return "endpoint %s" % sql_literal(self.base(variant) + self.path)

    def mapping(self):
        return "public_key %s, private_key %s" % (sql_literal(self.PUB), sql_literal(self.PRIV))

    def where(self):
        return ("call_start_time >= %s AND call_start_time < %s AND phone = %s"
                % (ts_lit(self.lo), ts_lit(self.hi), sql_literal(self.phone)))

    def match(self):
        return {"Page": "0"}

    def records(self):
        recs = SRV.truth("ucloud", start_ms=ms(self.lo), end_ms=ms(self.hi) - 1)
        out = []
        for r in recs:
            if r["Phone"] == self.phone:
                r = dict(r)
                r.pop("Seq", None)
                out.append(r)
        return out

    def doc(self, edit=None):
        recs = self.records()
        if edit:
            edit(recs[0])
        return {"RetCode": 0, "Action": "GetUVMSSendRecordResponse", "Total": len(recs), "Data": recs}

    def deep_doc(self):
        return doc_with_deep(self.doc(), lambda d, m: d["Data"][0].__setitem__("Deep", m))

    def time_field(self):
        return "CallStartTime"

    def optional_field(self):
        return "Duration"


class MsGraph(Provider):
    name, vendor, path, table = "msgraph", "graph", "/graph", "pstn_calls"
    words = ("msgraph", "Microsoft Graph")
    cols = ("id", "call_id", "user_id", "user_principal_name", "user_display_name", "start_date_time",
            "end_date_time", "duration", "charge", "call_type", "currency", "callee_number",
            "usage_country_code", "tenant_country_code", "connection_charge", "caller_number",
            "destination_context", "destination_name", "conference_id", "license_capability",
            "inventory_type", "operator", "call_duration_source")
    wrong_col, big_col = "duration", "destination_name"
    utf8_marker = b'"callId":"'
    throttle = "TooManyRequests"
    throttle_extra = {"retry_after": "1"}
    TENANT = "contoso.onmicrosoft.com"
    CLIENT = "11111111-2222-3333-4444-555555555555"
    SECRET = "graph-test-secret~0001"

    def __init__(self):
        super().__init__()
        # 00:00-05:00: the page's last row is one the query returns (a row at
        # exactly 06:00 would be fetched by the 1 s widening and then dropped
        # by PostgreSQL's recheck, hiding a lost row)
        self.lo = midnight(2)
        self.hi = self.lo + datetime.timedelta(hours=5)

    def server_opts(self, variant):
        return "endpoint %s, token_endpoint %s, requests_per_second '50'" % (
            sql_literal(self.base(variant) + "/graph"), sql_literal(self.base(variant) + "/login"))

    def mapping(self):
        return "tenant_id %s, client_id %s, client_secret %s" % (
            sql_literal(self.TENANT), sql_literal(self.CLIENT), sql_literal(self.SECRET))

    def where(self):
        return "start_date_time >= %s AND start_date_time < %s" % (ts_lit(self.lo), ts_lit(self.hi))

    def match(self):
        return {"skip": "0"}

    def doc(self, edit=None):
        recs = SRV.truth("graph", **{"from": iso_z(self.lo - datetime.timedelta(seconds=2)),
                                     "to": iso_z(self.hi + datetime.timedelta(seconds=2))})
        if edit:
            edit(recs[0])
        return {"@odata.context": SRV.base + "/graph/v1.0/$metadata#Collection(microsoft.graph.callRecords.pstnCallLogRow)",
                "@odata.count": len(recs), "value": recs}

    def deep_doc(self):
        return doc_with_deep(self.doc(), lambda d, m: d["value"][0].__setitem__("deep", m))

    def time_field(self):
        return "startDateTime"

    def optional_field(self):
        return "duration"


class Alibaba(Provider):
    name, vendor, path, table = "alibaba", "alibaba", "/alibaba/", "chatapp_phone_number_metrics"
    words = ("alibaba",)
    cols = ("start_time", "end_time", "phone_number", "granularity", "sent_count", "delivered_count")
    wrong_col, big_col = "sent_count", "phone_number"
    utf8_marker = b'"Granularity":"'
    throttle = "Throttling.User"
    KEY_ID, KEY_SECRET = "LTAI5tAlibabaTest0001", "AlibabaTestSecret0001"
    PHONE = "8613800000007"

    def __init__(self):
        super().__init__()
        self.lo, self.hi = midnight(5), midnight(1)

    def server_opts(self, variant):
        return "endpoint %s" % sql_literal(self.base(variant) + self.path)

    def mapping(self):
        return "access_key_id %s, access_key_secret %s" % (sql_literal(self.KEY_ID), sql_literal(self.KEY_SECRET))

    def where(self):
        return ("start_time >= %s AND start_time < %s AND phone_number = %s"
                % (ts_lit(self.lo), ts_lit(self.hi), sql_literal(self.PHONE)))

    def match(self):
        return {"PhoneNumber": self.PHONE}

    def doc(self, edit=None):
        data = SRV.truth("alibaba", phone=self.PHONE, granularity="DAILY", start_ms=ms(self.lo), end_ms=ms(self.hi))
        if edit:
            edit(data[0])
        return {"RequestId": str(uuid.uuid4()).upper(), "Code": "OK", "Message": "SUCCESS", "Data": data,
                "AccessDeniedDetail": None}

    def deep_doc(self):
        return doc_with_deep(self.doc(), lambda d, m: d["Data"][0].__setitem__("Deep", m))

    def time_field(self):
        return "Start"

    def optional_field(self):
        return "SentCount"


class Tencent(Provider):
    name, vendor, path, table = "tencent", "tencent", "/tencent/", "tel_call_info"
    words = ("tencent",)
    cols = ("day", "sdk_app_id", "tel_call_out_count", "tel_call_in_count", "seat_used_count",
            "voip_call_in_count", "asr_offline_count", "asr_realtime_count")
    wrong_col, big_col = "tel_call_out_count", None
    utf8_marker = b'"RequestId":"'
    throttle = "RequestLimitExceeded"
    SECRET_ID, SECRET_KEY = "AKIDTencentTest0000000001", "TencentTestKey0000000001"
    APP = 1400000001
    FIELDS = ("TelCallOutCount", "TelCallInCount", "SeatUsedCount", "VOIPCallInCount",
              "AsrOfflineCount", "AsrRealtimeCount")

    def __init__(self):
        super().__init__()
        tz = ZoneInfo("Asia/Shanghai")
        today = datetime.datetime.now(tz).date()
        self.first, self.last = today - datetime.timedelta(days=4), today - datetime.timedelta(days=3)
        # the faulted request: the last day's
        start = datetime.datetime(self.last.year, self.last.month, self.last.day, tzinfo=tz)
        self.day_start = int(start.timestamp())
        self.day_end = int((start + datetime.timedelta(days=1)).timestamp()) - 1

    def server_opts(self, variant):
        return "endpoint %s" % sql_literal(self.base(variant) + self.path)

    def mapping(self):
        return "secret_id %s, secret_key %s" % (sql_literal(self.SECRET_ID), sql_literal(self.SECRET_KEY))

    def where(self):
        return ("day BETWEEN %s AND %s AND sdk_app_id = %d"
                % (sql_literal(self.first.isoformat()), sql_literal(self.last.isoformat()), self.APP))

    def match(self):
        return {"StartTimeStamp": str(self.day_start)}

    def doc(self, edit=None):
        t = SRV.truth("tencent", sdk_app_ids=self.APP, start=self.day_start, end=self.day_end)
        resp = {k: t[k] for k in self.FIELDS}
        resp["RequestId"] = str(uuid.uuid4())
        if edit:
            edit(resp)
        return {"Response": resp}

    def deep_doc(self):
        return doc_with_deep(self.doc(), lambda d, m: d["Response"].__setitem__("Deep", m))

    def time_field(self):
        return None

    def optional_field(self):
        return "TelCallOutCount"


PROVIDERS = OrderedDict()
VARIANTS = ("main", "proxy", "refused", "expired", "wronghost", "otherca")

# --------------------------------------------------------------------- outcome checks


def cell_variant(got, ref, col, value):
    """got equals ref except for exactly one row, which differs from its
    reference row only in column col, where it holds value."""
    g, r = Counter(got), Counter(ref)
    extra, missing = list((g - r).elements()), list((r - g).elements())
    if len(extra) != 1 or len(missing) != 1 or len(got) != len(ref):
        return False
    a, b = extra[0].split(SEP), missing[0].split(SEP)
    return (len(a) == len(b) and a[col] == value
            and all(x == y for i, (x, y) in enumerate(zip(a, b)) if i != col))


def one_row_dropped(got, ref):
    g, r = Counter(got), Counter(ref)
    return not (g - r) and sum((r - g).values()) == 1


def describe_rows(got, ref):
    g, r = Counter(got), Counter(ref)
    extra, missing = list((g - r).elements()), list((r - g).elements())

    def short(l):
        return l if len(l) < 300 else l[:150] + "...(%d chars)...%s" % (len(l), l[-60:])
    return "%d rows, reference %d; %d not in the reference %s; %d missing %s" % (
        len(got), len(ref), len(extra), [short(x) for x in extra[:2]], len(missing), [short(x) for x in missing[:2]])


TALLY = OrderedDict()           # provider -> Counter(cases, rows, errors, crashes, wrong)
DETAILS = []                    # (provider, case, outcome, text) for FAULTS_VERBOSE


class Case:
    """One fault case.

    inject(p)   queue the fault (server faults, or arm the proxy); may return a
                dict of facts for check()
    variant     which server of the provider the query goes to
    expect      "rows", "error" or "either"
    cause       regex the error text must match
    retries     the error must carry the max_retries HINT
    rows_ok     extra acceptable row sets: f(p, got, ref) -> bool
    check       f(p, facts, outcome) -> None, asserts on the server log etc.
    """

    def __init__(self, name, inject=None, variant="main", expect="error", cause=None, retries=False,
                 rows_ok=None, check=None, only=None):
        self.name, self.inject, self.variant, self.expect = name, inject, variant, expect
        self.cause, self.retries, self.rows_ok, self.check, self.only = cause, retries, rows_ok, check, only


def run_case(p, case):
    if p.ref is None:                   # ref_<provider> failed or was not selected
        SRV.reset()
        make_ref_test(p)()
        SRV.reset()                     # the case's log starts after the reference
    facts = (case.inject(p) if case.inject else None) or {}
    t0 = time.monotonic()
    rc, lines, stderr = run_psql("%s\nSELECT '%s' || '%s' || pg_backend_pid();\n"
                                 % (p.query(case.variant), ALIVE, SEP), label="%s_%s" % (p.name, case.name))
    facts["elapsed"] = time.monotonic() - t0
    if case.variant == "proxy":
        facts["proxy_applied"] = PROXY.disarm()
    tally = TALLY.setdefault(p.name, Counter())
    tally["cases"] += 1

    alive = [l for l in lines if l.startswith(ALIVE + SEP)]
    rows = [l for l in lines if not l.startswith(ALIVE + SEP)]
    crash = [s for s in CRASH_SIGNS if s in stderr]
    if crash or rc != 0 or len(alive) != 1:
        tally["crashes"] += 1
        DETAILS.append((p.name, case.name, "crash", stderr.strip()[:500]))
        raise AssertionError("CRASH or lost session: rc %d, alive %r, stderr %r"
                             % (rc, alive, stderr.strip()[:800]))
    err = error_text(stderr)
    try:
        if err:
            outcome = "error"
            first = err.splitlines()[0]
            assert case.expect in ("error", "either"), "expected rows, got %s" % err.replace("\n", " | ")[:600]
            assert not rows, "an ERROR, but %d rows were printed too" % len(rows)
            assert any(w in err for w in p.words), "the error does not name %s: %s" % (p.name, err[:600])
            if case.cause:
                assert re.search(case.cause, err), "the error does not give the cause /%s/: %s" % (
                    case.cause, err.replace("\n", " | ")[:600])
            if case.retries:
                assert "max_retries" in err, "retries ran out, but the error does not mention max_retries: %s" % (
                    err.replace("\n", " | ")[:600])
            facts["error"] = err
            DETAILS.append((p.name, case.name, "error", first[:300] +
                            ("" if any(w in first for w in p.words) else "   [provider only in CONTEXT]")))
        else:
            outcome = "rows"
            assert case.expect in ("rows", "either"), "expected an ERROR, got %s" % describe_rows(rows, p.ref)
            ok = sorted(rows) == p.ref or (case.rows_ok is not None and case.rows_ok(p, rows, p.ref))
            assert ok, "wrong rows (partial or changed, returned as complete): %s" % describe_rows(rows, p.ref)
            DETAILS.append((p.name, case.name, "rows", "%d rows" % len(rows)))
        if case.check:
            case.check(p, facts, outcome)
    except AssertionError:
        tally["wrong"] += 1
        raise
    tally["rows" if outcome == "rows" else "errors"] += 1


# --------------------------------------------------------------------- fault builders and log checks

def faults(*make):
    """inject: queue server faults made by make(p) -> fault dict(s)."""
    def inject(p):
        fs = []
        for m in make:
            f = m(p)
            fs += f if isinstance(f, list) else [f]
        SRV.faults(*fs)
        return {"t_injected": time.time()}
    return inject


def taken(kind, n, then_ok=None):
    """check: the faulted request's log shows n faults of `kind` and (then_ok)
    a success after them."""
    def check(p, facts, outcome):
        log = p.log()
        got = [e["fault"] for e in log]
        ok = got.count(kind) in n if isinstance(n, tuple) else got.count(kind) == n
        assert ok, "the log shows %d %r faults, expected %s: %s" % (got.count(kind), kind, n, got)
        if then_ok:
            assert log and log[-1]["fault"] is None and log[-1]["status"] == 200, \
                "no successful attempt after the fault: %s" % [(e["fault"], e["status"]) for e in log]
    return check


def taken_with_gap(kind, min_gap, max_gap=None):
    """check: one fault then a success, the retry at least min_gap s later."""
    base = taken(kind, 1, then_ok=True)

    def check(p, facts, outcome):
        base(p, facts, outcome)
        log = p.log()
        gap = log[1]["t"] - log[0]["t"]
        lo = min_gap(facts) if callable(min_gap) else min_gap
        assert gap >= lo, "retried after %.2f s, Retry-After asked for at least %.2f s" % (gap, lo)
        if max_gap is not None:
            assert gap <= max_gap, "retried after %.2f s, expected the backoff (< %.1f s)" % (gap, max_gap)
        GAPS.setdefault(p.name, {})[facts.get("gap_name", "")] = gap
    return check


GAPS = {}


def nothing_reached(p, facts, outcome):
    assert SRV.log(p.vendor) == [] and SRV.log("login") == [], \
        "requests reached the main vendor server: %d" % len(SRV.log(p.vendor))


def extra_untouched(p, facts, outcome):
    """No request got through the TLS handshake of the expired / wronghost listeners."""
    log = EXTRA.log()
    assert log == [], "%d requests passed the TLS handshake: %s" % (len(log), log[:1])


def foreign_untouched(p, facts, outcome):
    taken("redirect", 1)(p, facts, outcome)
    f = SRV.foreign()
    assert f["connections"] == 0 and f["requests"] == [], "the redirect target was contacted: %s" % f


def proxy_applied(n):
    def check(p, facts, outcome):
        assert facts.get("proxy_applied") == n, "the proxy changed %s responses, expected %d" % (
            facts.get("proxy_applied"), n)
    return check


def proxy(mode, count=1):
    def inject(p):
        PROXY.arm(mode, p.path.rstrip("/") if p.vendor != "graph" else "/graph", count, p.utf8_marker)
    return inject


def custom(body_of):
    """inject: a `malformed` fault whose body is a whole document (str)."""
    return faults(lambda p: p.fault("malformed", body=body_of(p)))


def http_date(seconds_ahead):
    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


def null_cell(p, got, ref):
    """The contract: a JSON null or a missing field is a NULL column (the
    optional field removed is the one wrong_types changes)."""
    return cell_variant(got, ref, p.col(p.wrong_col), "<null>")


def big_cell(p, got, ref):
    if p.big_col is None:
        return False
    fill = "9" if p.name == "alibaba" else "x"
    if cell_variant(got, ref, p.col(p.big_col), fill * BIG_BYTES):
        return True
    # alibaba: the big value is the PhoneNumber, which PostgreSQL's recheck of
    # phone_number = '...' then filters out
    return p.name == "alibaba" and one_row_dropped(got, ref)


def del_field(name):
    def edit(rec):
        rec.pop(name, None)
    return edit


MAXR = r"max_retries"
RETRYABLE_STATUS = [500, 502, 503, 504]

CASES = []
for st in RETRYABLE_STATUS:
    CASES.append(Case("http_%d" % st, faults(lambda p, st=st: p.fault("status", status=st)),
                      expect="rows", check=taken("status", 1, then_ok=True)))
CASES += [
    Case("http_429_retry_after_seconds",
         lambda p: dict(faults(lambda p: p.fault("status", status=429, retry_after="1"))(p), gap_name="1 s"),
         expect="rows",
         check=taken_with_gap("status", 0.95)),
    Case("http_429_retry_after_http_date",
         lambda p: dict(faults(lambda p: p.fault("status", status=429, retry_after=http_date(2)))(p),
                        gap_name="HTTP-date"),
         expect="rows",
         # an HTTP-date has whole seconds: 2 s ahead of the injection is 1-2 s at the retry
         check=taken_with_gap("status", 0.9)),
    Case("http_429_no_retry_after",
         lambda p: dict(faults(lambda p: p.fault("status", status=429))(p), gap_name="none"), expect="rows",
         check=taken_with_gap("status", 0.0, max_gap=2.0)),
    Case("vendor_throttle_code",
         faults(lambda p: p.fault("retcode", code=p.throttle, **p.throttle_extra)), expect="rows",
         check=taken("retcode", 1, then_ok=True)),
    Case("reset_before_response", faults(lambda p: p.fault("reset")), expect="rows",
         check=taken("reset", 1, then_ok=True)),
    Case("reset_mid_body", proxy("reset_mid_body"), variant="proxy", expect="rows", check=proxy_applied(1)),
    Case("hang_before_headers", faults(lambda p: p.fault("hang", seconds=HANG_S)), expect="rows",
         check=taken("hang", 1, then_ok=True)),
    Case("hang_mid_body", faults(lambda p: p.fault("hang_body", seconds=HANG_S)), expect="rows",
         check=taken("hang_body", 1, then_ok=True)),
    Case("truncated_content_length_lies", faults(lambda p: p.fault("truncated")), expect="rows",
         check=taken("truncated", 1, then_ok=True)),
    # the same, more times than max_retries allows
    Case("http_503_exhausted", faults(lambda p: p.fault("status", status=503, count=MAX_RETRIES + 1)),
         cause=r"HTTP 503", retries=True, check=taken("status", MAX_RETRIES + 1)),
    Case("http_429_exhausted",
         faults(lambda p: p.fault("status", status=429, retry_after="1", count=MAX_RETRIES + 1)),
         cause=r"HTTP 429", retries=True, check=taken("status", MAX_RETRIES + 1)),
    Case("vendor_throttle_code_exhausted",
         faults(lambda p: p.fault("retcode", code=p.throttle, count=MAX_RETRIES + 1, **p.throttle_extra)),
         cause=r"Throttl|RequestLimitExceeded|TooManyRequests|RetCode 153", retries=True,
         check=taken("retcode", MAX_RETRIES + 1)),
    # one more reset than the others: when a reused keep-alive connection dies
    # before any reply, libcurl itself resends the request once on a fresh
    # connection (seen with tencent, whose faulted request follows another on
    # the same connection), and that resend is not one of the FDW's retries
    Case("reset_exhausted", faults(lambda p: p.fault("reset", count=MAX_RETRIES + 2)),
         cause=r"could not complete .* request: .*(nothing|reset|Recv|receiv)", retries=True,
         check=taken("reset", (MAX_RETRIES + 1, MAX_RETRIES + 2))),
    Case("hang_exhausted", faults(lambda p: p.fault("hang", seconds=HANG_S, count=MAX_RETRIES + 1)),
         cause=r"[Tt]ime(d)? ?out", retries=True, check=taken("hang", MAX_RETRIES + 1)),
    Case("truncated_exhausted", faults(lambda p: p.fault("truncated", count=MAX_RETRIES + 1)),
         cause=r"partial|closed|bytes remaining", retries=True, check=taken("truncated", MAX_RETRIES + 1)),
    # bodies that are not the vendor's JSON
    Case("malformed_half_document", faults(lambda p: p.fault("malformed")),
         cause=r"malformed response", check=taken("malformed", 1)),
    Case("invalid_json_html", faults(lambda p: p.fault("malformed", body="<html><body>502 Bad Gateway</body></html>")),
         cause=r"malformed response: invalid JSON", check=taken("malformed", 1)),
    Case("empty_body", faults(lambda p: p.fault("malformed", body="")),
         cause=r"malformed response", check=taken("malformed", 1)),
    Case("content_length_shorter_than_body", proxy("short_content_length"), variant="proxy",
         cause=r"malformed response|partial|Excess", check=proxy_applied(1)),
    Case("invalid_utf8", proxy("invalid_utf8"), variant="proxy",
         cause=r"invalid byte sequence|UTF-?8", check=proxy_applied(1)),
    Case("nested_10000_bare", faults(lambda p: p.fault("malformed", body=deep_json(DEPTH))),
         cause=r"malformed response", check=taken("malformed", 1)),
    Case("nested_10000_in_record", custom(lambda p: p.deep_doc()),
         cause=r"malformed response: .*(nested|deep)", check=taken("malformed", 1)),
    # valid JSON, wrong types (in the vendor's own document)
    Case("wrong_type_string_for_number", faults(lambda p: p.fault("wrong_types", value="abc")),
         cause=r"invalid input syntax for type integer", check=taken("wrong_types", 1)),
    Case("wrong_type_float_for_integer", faults(lambda p: p.fault("wrong_types", value=1.5)),
         cause=r"invalid input syntax for type integer", check=taken("wrong_types", 1)),
    Case("wrong_type_number_out_of_range", faults(lambda p: p.fault("wrong_types", value=2147483648)),
         cause=r"out of range for type integer", check=taken("wrong_types", 1)),
    Case("wrong_type_null", faults(lambda p: p.fault("wrong_types", value=None)),
         expect="either", rows_ok=null_cell, check=taken("wrong_types", 1)),
    Case("wrong_type_object_for_scalar", faults(lambda p: p.fault("wrong_types", value={"a": 1})),
         cause=r"is a JSON object, not a scalar", check=taken("wrong_types", 1)),
    # missing fields
    Case("missing_optional_field", custom(lambda p: dumps(p.doc(del_field(p.optional_field())))),
         expect="either", rows_ok=null_cell, cause=r"malformed response: .*has no",
         check=taken("malformed", 1)),
    Case("missing_time_field", custom(lambda p: dumps(p.doc(del_field(p.time_field())))),
         cause=r"malformed response: .*has no", check=taken("malformed", 1),
         only=("ucloud", "msgraph")),
    Case("short_page", faults(lambda p: p.fault("short_page")),
         cause=r"promised|incomplete|malformed response: .*has no|records", check=taken("short_page", 1)),
    # a 10 MB string
    Case("big_10mb_string", faults(lambda p: p.fault("big", bytes=BIG_BYTES)),
         expect="either", rows_ok=big_cell, cause=r"larger than|too large", check=taken("big", 1)),
    # where the connection goes
    Case("redirect_to_another_host",
         faults(lambda p: p.fault("redirect", location="https://localhost:%d%s?x=1" % (SRV.foreign_port, p.path))),
         cause=r"HTTP 302", check=foreign_untouched),
    Case("connection_refused", variant="refused", cause=r"[Cc]ouldn't connect|[Cc]onnection refused|connect",
         retries=True),
    Case("tls_wrong_ca", variant="otherca", cause=r"certificate|SSL", check=nothing_reached),
    Case("tls_expired_certificate", variant="expired", cause=r"expired", check=extra_untouched),
    Case("tls_host_name_mismatch", variant="wronghost", cause=r"subject name|host ?name|does not match",
         check=extra_untouched),
]

# Graph's token endpoint (/login), for msgraph only
LOGIN_CASES = [
    Case("token_http_503", faults(lambda p: {"vendor": "login", "kind": "status", "status": 503}),
         expect="rows"),
    Case("token_http_503_exhausted",
         faults(lambda p: {"vendor": "login", "kind": "status", "status": 503, "count": MAX_RETRIES + 1}),
         cause=r"HTTP 503|503", retries=True),
    Case("token_malformed", faults(lambda p: {"vendor": "login", "kind": "malformed"}),
         cause=r"malformed response"),
    Case("token_hang", faults(lambda p: {"vendor": "login", "kind": "hang", "seconds": HANG_S}),
         expect="rows"),
]


# --------------------------------------------------------------------- tests

def before_each():
    collect_foreign()
    SRV.reset()
    if PROXY is not None:
        PROXY.disarm()


def collect_foreign():
    """Add what reached the foreign listener since the last reset to FOREIGN."""
    f = SRV.foreign()
    FOREIGN["connections"] += f["connections"]
    FOREIGN["requests"] += f["requests"]


def make_ref_test(p):
    def ref():
        rc, lines, err = run_psql(p.query("main") + "\n", label="ref_%s" % p.name)
        assert rc == 0 and not error_text(err), "reference query failed: %s" % err.strip()[:800]
        assert lines, "the reference query returned no rows"
        p.ref = sorted(lines)
        ok = [e for e in SRV.log(p.vendor) if e["status"] == 200 and not e["fault"]]
        assert ok, "no successful request in the log"
        # the proxy is transparent
        rc, lines2, err = run_psql(p.query("proxy") + "\n", label="ref_%s (proxy)" % p.name)
        assert rc == 0 and not error_text(err), "query through the proxy failed: %s" % err.strip()[:800]
        assert sorted(lines2) == p.ref, "the proxy changed the rows: %s" % describe_rows(lines2, p.ref)
        info("%s reference: %d rows in %d requests" % (p.name, len(p.ref), len(ok)))
    ref.__name__ = "ref_%s" % p.name
    return ref


def make_case_test(p, case):
    def t():
        run_case(p, case)
    t.__name__ = "%s_%s" % (p.name, case.name)
    return t


def register():
    for pname in ("ucloud", "msgraph", "alibaba", "tencent"):
        holder = PROVIDERS[pname]
        test(make_ref_test(holder))
        cases = [c for c in CASES if c.only is None or pname in c.only]
        if pname == "msgraph":
            cases += LOGIN_CASES
        for c in cases:
            test(known_bug=KNOWN_BUGS.get((pname, c.name)))(make_case_test(holder, c))
    test(zz_summary)
    test(zz_secrets)


def zz_summary():
    total = Counter()
    for name, t in TALLY.items():
        info("%s: %d cases, %d right rows, %d errors, %d crashes%s"
             % (name, t["cases"], t["rows"], t["errors"], t["crashes"],
                ", %d wrong outcomes" % t["wrong"] if t["wrong"] else ""))
        total.update(t)
    if GAPS:
        info("429 retried after (Retry-After: wait): %s" % "; ".join(
            "%s %s" % (k, ", ".join("%s: %.2f s" % (n, g) for n, g in v.items())) for k, v in GAPS.items()))
    info("fault matrix: %d cases, %d right rows after retries, %d errors, %d crashes%s"
         % (total["cases"], total["rows"], total["errors"], total["crashes"],
            "; %d wrong outcomes (FAIL lines above)" % total["wrong"] if total["wrong"] else ""))
    if VERBOSE:
        for d in DETAILS:
            print("#   %-8s %-34s %-5s %s" % d, flush=True)
    assert total["crashes"] == 0, "%d crashes" % total["crashes"]


def zz_secrets():
    """No secret anywhere, after every case of the matrix ran with
    log_min_messages = debug5, log_statement = all, log_error_verbosity =
    verbose: not in the server log since the start of the run, not in any
    session's stderr (ERROR, DETAIL, HINT, CONTEXT, NOTICE) or stdout, and
    nothing at the foreign listener."""
    try:
        collect_foreign()
    finally:
        stop_debug_logging()
    log = secrets_scan.read_log(LOG["path"], LOG["start"])
    assert secrets_scan.debug_logging_seen(log), "debug5 / log_statement = all logging did not take effect"
    leaks = secrets_scan.find_leaks(log, SECRETS)
    where = []
    if leaks:
        for line in log.splitlines():
            found = secrets_scan.find_leaks(line, SECRETS)
            if found:
                where.append("%s: %s" % (found, line[:300]))
                if len(where) >= 5:
                    break
    assert not leaks, "the server log holds %s:\n%s" % (leaks, "\n".join(where))
    client = [(label, secrets_scan.find_leaks(err, SECRETS)) for label, err in CLIENT_STDERR]
    client = [(label, l) for label, l in client if l]
    assert not client, "the client saw (stderr) %s" % client[:10]
    assert not STDOUT_LEAKS, "the client saw (stdout) %s" % STDOUT_LEAKS[:10]
    assert FOREIGN["connections"] == 0 and not FOREIGN["requests"], \
        "the foreign listener was reached: %d connections, %s" % (FOREIGN["connections"], FOREIGN["requests"][:3])
    total = Counter()
    for t in TALLY.values():
        total.update(t)
    stderr_bytes = sum(len(e) for _l, e in CLIENT_STDERR)
    errors_seen = sum(1 for _l, e in CLIENT_STDERR if "ERROR:" in e)
    info("secrets over the fault matrix (log_min_messages = debug5, log_statement = all, log_error_verbosity "
         "= verbose): %d cases run (%d error paths ending in an ERROR, %d recovering after retries), "
         "%d psql sessions (%d with an ERROR); scanned %d bytes of server log + %d bytes of stderr + %d bytes "
         "of stdout for %d secrets and %d credential markers: 0 found; 0 connections to the foreign listener"
         % (total["cases"], total["errors"], total["rows"], len(CLIENT_STDERR), errors_seen, len(log),
            stderr_bytes, SCANNED["stdout_bytes"], len(SECRETS), len(secrets_scan.FORBIDDEN)))


def start_debug_logging():
    LOG["path"] = secrets_scan.server_log_path()
    LOG["start"] = secrets_scan.log_offset(LOG["path"])
    secrets_scan.enable_debug_logging()
    LOG["on"] = True
    atexit.register(stop_debug_logging)


def stop_debug_logging():
    """Reset the logging settings (once; also at exit, when zz_secrets did not run)."""
    if LOG.pop("on", False):
        secrets_scan.reset_debug_logging()


def setup(srv):
    global SRV, PROXY, EXTRA, REFUSED_PORT
    SRV = srv
    PROXY = MitmProxy(srv.cert_dir, srv.port)
    EXTRA = ExtraTls(srv.cert_dir)
    REFUSED_PORT = closed_port()
    for cls in (UCloud, MsGraph, Alibaba, Tencent):
        p = cls()
        PROVIDERS[p.name] = p
    register()
    SECRETS.update({"ucloud private key": UCloud.PRIV, "graph client secret": MsGraph.SECRET,
                    "alibaba access key secret": Alibaba.KEY_SECRET, "tencent secret key": Tencent.SECRET_KEY})
    start_debug_logging()
    # the user mappings below carry the secrets in the statement text
    sql = "SET log_statement = 'none';\nCREATE EXTENSION IF NOT EXISTS callrecord_fdw;\n"
    for p in PROVIDERS.values():
        for v in VARIANTS:
            sql += p.setup_sql(v)
    return sql


def main():
    # harness.main starts the vendor server, runs setup(srv)'s SQL, then the
    # registered tests; they are registered inside setup() because the
    # providers' queries depend on the server's data (UCloud's phone number).
    harness.main(globals(), setup, before_each)


if __name__ == "__main__":
    main()
