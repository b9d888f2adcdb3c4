#!/usr/bin/env python3
"""Local HTTPS emulation of the vendor call-record APIs, for callrecord_fdw tests.

    python3 test/vendor_server.py --cert-dir DIR --port 0 --port-file FILE
                                  [--log-file FILE] [--extra-tls NAME=PORTFILE ...]

The contract (routes, control API, faults, log format) is test/SERVER_CONTRACT.md.
Python 3 standard library only; certificates come from test/make_certs.sh.

Layout of this file:
  * shared machinery: Reply, RateLimiter, State (config, fault queue, request
    log), the fault validator and the generic fault delivery in Handler;
  * one class per vendor, registered in VENDORS under its path prefix (the
    first path segment).  A vendor class provides handle() (request -> Reply,
    consuming a fault with state.take_fault() once authentication passed),
    truth(), config keys, and hooks for the faults that edit the real
    response document (fault_retcode, mutate_doc, rows_in).  /graph, /login,
    /alibaba and /tencent plug in the same way;
  * the HTTPS server (threaded, TLS per connection in the worker thread) and main().
"""

import argparse
import hashlib
import hmac
import http
import http.server
import importlib
import io
import json
import os
import re
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ucloud_data  # noqa: E402  (after the sys.path tweak)
from vendor_base import (Reply, RateLimiter, json_bytes, now_ms,  # noqa: E402,F401
                         _validate_choice, _validate_int, _validate_latency)

MAX_REQUEST_BODY = 1 << 20          # bytes; a vendor request is a few hundred
HANDSHAKE_TIMEOUT_S = 10
IDLE_TIMEOUT_S = 120                 # keep-alive connection idle limit
DEFAULT_HANG_S = 30
DEFAULT_BIG_BYTES = 10 * 1024 * 1024

FAULT_KINDS = ("status", "retcode", "hang", "hang_body", "malformed", "truncated",
               "wrong_types", "short_page", "reset", "redirect", "big")
# Faults that edit the real response document (done by the vendor class).
DOC_FAULTS = ("wrong_types", "short_page", "big")
# Where a vendor's response carries its request id, for the log's "request_id":
# ("doc", key path into the JSON document) or ("header", response header name).
# UCloud (X-UCLOUD-REQUEST-UUID) is left out: its log entries keep their
# original fields (test/test_vendor_server.py checks them exactly).
REQUEST_ID_SOURCES = {
    "alibaba": ("doc", ("RequestId",)),
    "tencent": ("doc", ("Response", "RequestId")),
    "graph": ("header", "request-id"),
    "login": ("header", "x-ms-request-id"),
}


def doc_request_id(vendor_name, doc):
    """The request id inside a vendor's JSON document, or None."""
    src = REQUEST_ID_SOURCES.get(vendor_name)
    if src is None or src[0] != "doc":
        return None
    for key in src[1]:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc if isinstance(doc, str) else None


def header_request_id(vendor_name, headers):
    """The request id in a vendor's response headers ((name, value) pairs), or None."""
    src = REQUEST_ID_SOURCES.get(vendor_name)
    if src is None or src[0] != "header":
        return None
    for k, v in headers:
        if k.lower() == src[1]:
            return v
    return None


def _str_value(v):
    return v if isinstance(v, str) else json.dumps(v)


def validate_fault(f):
    """Check one fault object from POST /_control/faults; return it normalised."""
    if not isinstance(f, dict):
        raise ValueError("a fault must be a JSON object")
    vendor = f.get("vendor")
    if vendor not in VENDORS:
        raise ValueError("fault vendor must be one of %s" % ", ".join(sorted(VENDORS)))
    kind = f.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
    out = dict(f)
    count = f.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError("fault count must be a positive integer")
    match = f.get("match") or {}
    if not isinstance(match, dict):
        raise ValueError("fault match must be an object")
    out["count"] = count
    out["match"] = {str(k): _str_value(v) for k, v in match.items()}

    def number(name, default, minimum=0):
        v = f.get(name, default)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < minimum:
            raise ValueError("fault %s: %s must be a number >= %s" % (kind, name, minimum))
        return v

    if kind == "status":
        status = number("status", 503, 100)
        if not isinstance(status, int) or status > 599:
            raise ValueError("fault status: status must be an HTTP status code")
        out["status"] = status
        if "retry_after" in f:
            out["retry_after"] = str(f["retry_after"])
    elif kind == "retcode":
        code = f.get("code")
        if not ((isinstance(code, int) and not isinstance(code, bool)) or (isinstance(code, str) and code)):
            raise ValueError("fault retcode: code (the vendor's integer or string code) is required")
        if "message" in f and not isinstance(f["message"], str):
            raise ValueError("fault retcode: message must be a string")
    elif kind in ("hang", "hang_body"):
        out["seconds"] = number("seconds", DEFAULT_HANG_S)
    elif kind == "big":
        n = number("bytes", DEFAULT_BIG_BYTES)
        if not isinstance(n, int):
            raise ValueError("fault big: bytes must be an integer")
        out["bytes"] = n
    elif kind == "redirect":
        out["location"] = str(f.get("location", "https://example.invalid/elsewhere"))
    elif kind == "wrong_types":
        out.setdefault("value", "abc")
    elif kind == "malformed" and "body" in f and not isinstance(f["body"], str):
        raise ValueError("fault malformed: body must be a string")
    return out


class State:
    """Everything shared by the request threads: config, fault queue, log, limiter."""

    def __init__(self, log_file=None):
        self.lock = threading.Lock()
        self.stop = threading.Event()   # set at exit; hangs and latency wait on it
        self.limiter = RateLimiter()
        self.log_file = log_file
        self.defaults = {"latency_ms": 0}
        self.validators = {"latency_ms": _validate_latency}
        for v in VENDORS.values():
            self.defaults.update(v.config_defaults)
            self.validators.update(v.config_validators)
        self.reset()

    def reset(self):
        with self.lock:
            self.config = dict(self.defaults)
            self.faults = []
            self.log = []
            self.seq = 0
            self.foreign_connections = 0
            self.foreign_requests = []
        self.limiter.clear()

    def set_config(self, updates):
        if not isinstance(updates, dict):
            raise ValueError("config must be a JSON object")
        clean = {}
        for k, v in updates.items():
            if k not in self.validators:
                raise ValueError("unknown config key %r; valid keys: %s" % (k, ", ".join(sorted(self.validators))))
            clean[k] = self.validators[k](v)
        with self.lock:
            self.config.update(clean)
            return dict(self.config)

    def get_config(self):
        with self.lock:
            return dict(self.config)

    def add_faults(self, faults):
        if isinstance(faults, dict):
            faults = [faults]
        if not isinstance(faults, list):
            raise ValueError("faults must be a JSON list of fault objects")
        clean = [validate_fault(f) for f in faults]
        with self.lock:
            for f in clean:
                f["remaining"] = f["count"]
                self.faults.append(f)
            return len(self.faults)

    def pending_faults(self):
        with self.lock:
            return [dict(f) for f in self.faults]

    def take_fault(self, vendor, params):
        """The first queued fault of `vendor` whose match pairs are all in
        `params`; consumes one of its `count` uses.  None when none applies."""
        with self.lock:
            for f in self.faults:
                if f["vendor"] == vendor and all(params.get(k) == v for k, v in f["match"].items()):
                    f["remaining"] -= 1
                    if f["remaining"] <= 0:
                        self.faults.remove(f)
                    return dict(f)
        return None

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)
            if self.log_file is not None:
                self.log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log_file.flush()

    def get_log(self):
        with self.lock:
            return list(self.log)

    def record_foreign(self, entry):
        """What reached the foreign listener: a connection (entry None) or a request."""
        with self.lock:
            if entry is None:
                self.foreign_connections += 1
            else:
                self.foreign_requests.append(entry)

    def get_foreign(self):
        with self.lock:
            return {"connections": self.foreign_connections, "requests": list(self.foreign_requests)}


# ---------------------------------------------------------------- UCloud

def ucloud_string_to_sign(params, private_key):
    """UCloud's published algorithm (vendors/ucloud.md section 2): every
    parameter except Signature, sorted by name in byte order (strcmp, so
    "CPU" < "ChargeType" and "Backends.10" < "Backends.2"), name + value
    concatenated with no separator and no escaping, then the PrivateKey."""
    items = sorted(((k, v) for k, v in params.items() if k != "Signature"),
                   key=lambda kv: kv[0].encode("utf-8"))
    return "".join(k + v for k, v in items) + private_key


def ucloud_sign(params, private_key):
    """Signature = lowercase hex SHA-1 of the raw UTF-8 bytes of the string to sign."""
    return hashlib.sha1(ucloud_string_to_sign(params, private_key).encode("utf-8")).hexdigest()


def _parse_form(body):
    """Decode an application/x-www-form-urlencoded body into (name, value)
    pairs, keeping duplicates and empty values (so they can be refused)."""
    if not body:
        return []
    text = body.decode("utf-8")     # UnicodeDecodeError is a ValueError
    return urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=True,
                                  encoding="utf-8", errors="strict")


_DIGITS = re.compile(r"[0-9]+")


class UCloudVendor:
    """UCloud UVMS GetUVMSSendRecord (POST https://api.ucloud.cn/, form body,
    SHA-1 signature), strict as described in SERVER_CONTRACT.md."""

    name = "ucloud"
    ACTION = "GetUVMSSendRecord"
    RESPONSE_ACTION = "GetUVMSSendRecordResponse"
    ACCOUNTS = {        # PublicKey -> PrivateKey
        "ucloudsomeone@example.com1296235120854146120": "46f09bb9fab4f12dfc160dae12273d5332b5debe",
        "test-public-2": "test-private-2",
    }
    # Every parameter the emulation accepts; anything else is refused (230).
    PARAMS = frozenset([
        "Action", "PublicKey", "Signature", "ProjectId", "Region",
        "StartTime", "EndTime", "Page", "NumPerPage", "OrderBy", "OrderType",
        "TaskNo", "PhoneNumber", "Purpose", "BrevityCode", "ExcludeBrevityCode",
        "TemplateId", "CallingCityCode", "CalledCityCode", "CalledOperatorCode",
    ])
    ORDER_BY = ("call_start_time", "receive_time")
    ORDER_TYPE = ("asc", "desc")
    MAX_PER_PAGE = 1000

    config_defaults = {"ucloud_rate_limit": 20, "total_field": "Total"}
    config_validators = {"ucloud_rate_limit": lambda v: _validate_int(v, "ucloud_rate_limit", 0),
                         "total_field": lambda v: _validate_choice(v, "total_field", ("Total", "Count"))}

    # -- request handling

    def handle(self, req, state):
        headers = [("X-UCLOUD-REQUEST-UUID", str(uuid.uuid4()))]   # on every response

        def error(code, message, params=None, sig_ok=False, throttled=False):
            doc = {"RetCode": code, "Message": message, "Action": self.RESPONSE_ACTION}
            return Reply(doc=doc, headers=headers, params=params, sig_ok=sig_ok, throttled=throttled)

        if req.subpath not in ("", "/"):
            return Reply(status=404, body=b"404 Not Found\n", content_type="text/plain; charset=utf-8",
                         headers=headers)
        if req.method != "POST":
            return error(230, "Method %s not allowed; send POST" % req.method)
        ctype = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return error(230, "Content-Type must be application/x-www-form-urlencoded")
        if req.query:
            return error(230, "Parameters must be sent in the form body, not in the URL")
        try:
            pairs = _parse_form(req.body)
        except ValueError as e:
            return error(230, "Malformed form body: %s" % e)

        params, dups = {}, []
        for k, v in pairs:
            if k in params:
                dups.append(k)
            else:
                params[k] = v
        logged = {k: v for k, v in params.items() if k != "Signature"}   # never log the signature
        for k in dups:      # show every value of a repeated parameter in the log
            if k != "Signature":
                logged[k] = [v for n, v in pairs if n == k]
        if dups:
            return error(230, "Params [%s] given more than once" % dups[0], logged)
        empty = [k for k, v in params.items() if v == ""]
        if empty:
            return error(230, "Params [%s] is empty" % empty[0], logged)

        action = params.get("Action")
        if action is None:
            return error(160, "Missing Action", logged)
        if action != self.ACTION:
            return error(161, "Action [%s] not exist" % action, logged)
        signature = params.get("Signature")
        if signature is None:
            return error(170, "Missing signature", logged)
        private_key = self.ACCOUNTS.get(params.get("PublicKey"))
        if private_key is None:
            return error(172, "User not exist", logged)
        # The vendor compares the lowercase hex digest as a string.
        if not hmac.compare_digest(signature, ucloud_sign(params, private_key)):
            return error(171, "Signature VerifyAC Error", logged)

        config = state.get_config()
        if not state.limiter.allow((self.name, params["PublicKey"]), config["ucloud_rate_limit"]):
            return error(153, "Request Throttled", logged, sig_ok=True, throttled=True)

        fault = state.take_fault(self.name, logged)     # after the signature checks passed
        reply = self._send_record(params, config)
        reply.headers = headers
        reply.params = logged
        reply.sig_ok = True
        reply.fault = fault
        return reply

    def _send_record(self, params, config):
        def error(code, message):
            return Reply(doc={"RetCode": code, "Message": message, "Action": self.RESPONSE_ACTION})

        unknown = sorted(k for k in params if k not in self.PARAMS)
        if unknown:
            return error(230, "Params [%s] not available: unknown parameter" % ", ".join(unknown))
        project = params.get("ProjectId")
        if project is not None and not project.startswith("org-"):
            return error(292, "Project [%s] not exist" % project)
        for name in ("StartTime", "EndTime"):
            if name not in params:
                return error(230, "Missing params [%s]" % name)
            if not _DIGITS.fullmatch(params[name]):
                return error(230, "Params [%s] not available: must be integer Unix seconds" % name)
        start, end = int(params["StartTime"]), int(params["EndTime"])
        if end < start:
            return error(230, "Params [EndTime] not available: EndTime is before StartTime")
        # Vendor note: "跨度为7天" -- one request may span at most 7 days.
        if end - start > ucloud_data.MAX_SPAN_S:
            return error(230, "Params [EndTime] not available: the time span of %d s exceeds 7 days "
                              "(%d s)" % (end - start, ucloud_data.MAX_SPAN_S))
        if "Page" in params and not _DIGITS.fullmatch(params["Page"]):
            return error(230, "Params [Page] not available: must be an integer >= 0")
        if "NumPerPage" in params and not (_DIGITS.fullmatch(params["NumPerPage"])
                                           and 1 <= int(params["NumPerPage"]) <= self.MAX_PER_PAGE):
            return error(230, "Params [NumPerPage] not available: must be an integer 1..%d" % self.MAX_PER_PAGE)
        if params.get("OrderBy", self.ORDER_BY[0]) not in self.ORDER_BY:
            return error(230, "Params [OrderBy] not available: use %s" % " or ".join(self.ORDER_BY))
        if params.get("OrderType", self.ORDER_TYPE[0]) not in self.ORDER_TYPE:
            return error(230, "Params [OrderType] not available: use asc or desc")

        total, rows = ucloud_data.query(params, now_ms())
        doc = {"RetCode": 0, "Action": self.RESPONSE_ACTION, config["total_field"]: total, "Data": rows}
        return Reply(doc=doc)

    # -- control API and fault hooks

    def truth(self, query):
        """GET /_control/truth/ucloud?start_ms=A&end_ms=B: records(A, B) up to now."""
        try:
            start = int(query["start_ms"][0])
            end = int(query["end_ms"][0])
        except (KeyError, ValueError):
            raise ValueError("start_ms and end_ms (integer epoch ms) are required")
        return ucloud_data.records(start, min(end, now_ms()))

    def fault_retcode(self, fault):
        code = fault["code"]
        default = {150: "Service Temporarily Unavailable", 153: "Request Throttled",
                   171: "Signature VerifyAC Error", 172: "User not exist"}.get(code, "Injected error %d" % code)
        return {"RetCode": code, "Message": fault.get("message", default), "Action": self.RESPONSE_ACTION}

    def mutate_doc(self, kind, fault, doc):
        data = doc.get("Data")
        if doc.get("RetCode") != 0 or not isinstance(data, list) or not data:
            return      # nothing to edit in an error or an empty page
        if kind == "wrong_types":
            data[0]["Duration"] = fault["value"]
        elif kind == "short_page":
            data.pop()          # Total stays as it was
        elif kind == "big":
            data[0]["ReceiptDesc"] = "x" * fault["bytes"]

    @staticmethod
    def rows_in(doc):
        data = doc.get("Data") if isinstance(doc, dict) else None
        return len(data) if isinstance(data, list) else 0

    @staticmethod
    def code_of(doc):
        """The vendor's own result code in a response document (for the log)."""
        return doc.get("RetCode") if isinstance(doc, dict) else None


# First path segment -> vendor.  The other vendors live in their own modules
# (vendor_graph.py: /graph and /login; vendor_alibaba.py; vendor_tencent.py),
# each exporting a list VENDORS of objects with the interface of UCloudVendor.
VENDORS = {}


def register_vendor(vendor):
    VENDORS[vendor.name] = vendor


register_vendor(UCloudVendor())
for _module in ("vendor_graph", "vendor_alibaba", "vendor_tencent"):
    for _vendor in importlib.import_module(_module).VENDORS:
        register_vendor(_vendor)


# ---------------------------------------------------------------- HTTP

class VendorRequest:
    def __init__(self, method, path, subpath, query, headers, body, t):
        self.method = method
        self.path = path
        self.subpath = subpath
        self.query = query
        self.headers = headers
        self.body = body
        self.t = t


class BadRequest(Exception):
    pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"           # keep-alive; every response has Content-Length
    server_version = "callrecord-fdw-test-vendor/1.0"

    def version_string(self):
        return self.server_version
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True

    def log_message(self, format, *args):    # noqa: A002 - the request log is the record
        pass

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    # -- plumbing

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadRequest("bad chunk size")
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass    # trailers
                    return b"".join(chunks)
                size += n
                if size > MAX_REQUEST_BODY:
                    raise BadRequest("request body too large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(1024)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not _DIGITS.fullmatch(length.strip()):
            raise BadRequest("bad Content-Length")
        n = int(length)
        if n > MAX_REQUEST_BODY:
            raise BadRequest("request body too large")
        body = self.rfile.read(n)
        if len(body) != n:
            raise ConnectionError("client sent a short body")
        return body

    def _send(self, status, headers, body, content_type=None, close=False):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, doc):
        self._send(status, [], json_bytes(doc), "application/json; charset=utf-8")

    def _drop(self, rst):
        """Close the connection without (more of) a response: a FIN after a
        TCP shutdown, or with rst=True an RST (SO_LINGER 0).  No TLS
        close_notify is sent either way."""
        sock = self.connection
        try:
            if rst:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        # The socket closes for real only once rfile (a makefile) is closed too.
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        try:
            sock.close()
        except OSError:
            pass
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()   # for the base class's flush/close
        self.close_connection = True

    def _dispatch(self):
        t = time.time()
        url = urllib.parse.urlsplit(self.path)
        try:
            body = self._read_body()
        except BadRequest as e:
            self._send(400, [], ("%s\n" % e).encode(), "text/plain; charset=utf-8", close=True)
            return
        path = url.path
        if self.server.name == "foreign":
            # A host the FDW must never talk to: record everything, serve nothing.
            self.server.state.record_foreign({"t": t, "method": self.command, "path": self.path,
                                              "headers": dict(self.headers.items()),
                                              "body_bytes": len(body)})
            self._send(404, [], b"404 Not Found\n", "text/plain; charset=utf-8")
            return
        if path == "/_control" or path.startswith("/_control/"):
            self._control(path, url.query, body)
            return
        segment, slash, rest = path[1:].partition("/")
        vendor = VENDORS.get(segment)
        if vendor is None:
            self._send(404, [], b"404 Not Found\n", "text/plain; charset=utf-8")
            return
        req = VendorRequest(self.command, path, ("/" + rest) if slash else "", url.query, self.headers, body, t)
        reply = vendor.handle(req, self.server.state)
        self._deliver(vendor, req, reply)

    # -- vendor responses and faults

    def _deliver(self, vendor, req, reply):
        state = self.server.state
        fault = reply.fault
        kind = fault["kind"] if fault else None

        # the id the emulation chose, before a DOC fault may overwrite it (big)
        doc_rid = doc_request_id(vendor.name, reply.doc)
        if kind in DOC_FAULTS and reply.doc is not None:
            vendor.mutate_doc(kind, fault, reply.doc)
        if kind == "retcode":
            # the vendor's own error document; a (status, doc) pair when the
            # vendor sends that code with another status than 200
            injected = vendor.fault_retcode(fault)
            if isinstance(injected, tuple):
                reply.status, reply.doc = injected
            else:
                reply.status, reply.doc = 200, injected
            doc_rid = doc_request_id(vendor.name, reply.doc)
        doc_sent = reply.doc is not None and kind not in ("status", "redirect", "malformed", "hang", "reset")
        body = json_bytes(reply.doc) if reply.doc is not None else reply.body
        status, headers, ctype = reply.status, list(reply.headers), reply.content_type

        if kind == "status":
            status = fault["status"]
            try:
                phrase = http.HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            body, ctype = ("%d %s\n" % (status, phrase)).encode(), "text/plain; charset=utf-8"
            if "retry_after" in fault:
                headers.append(("Retry-After", fault["retry_after"]))
        elif kind == "redirect":
            status, body, ctype = 302, b"302 Found\n", "text/plain; charset=utf-8"
            headers.append(("Location", fault["location"]))
        elif kind == "malformed":
            # Default: the first half of the real JSON, which is never valid JSON.
            status = 200
            body = fault["body"].encode("utf-8") if "body" in fault else body[:len(body) // 2]
        elif kind in ("hang", "reset"):
            status = None

        entry = {
            "seq": None,
            "t": req.t,
            "vendor": vendor.name,
            "method": req.method,
            "path": req.path,
            "params": reply.params,
            "status": status,
            "retcode": vendor.code_of(reply.doc) if doc_sent else None,
            "fault": kind,
            "throttled": reply.throttled,
            "rows": vendor.rows_in(reply.doc) if doc_sent else 0,
            "sig_ok": reply.sig_ok,
        }
        if vendor.name in REQUEST_ID_SOURCES:
            # the request id this response carries (document or header); None
            # when nothing is sent (hang, reset) or the document is not
            rid = None
            if status is not None:
                rid = header_request_id(vendor.name, headers) or (doc_rid if doc_sent else None)
            entry["request_id"] = rid
        state.record(entry)

        latency = state.get_config()["latency_ms"]
        if latency:
            state.stop.wait(latency / 1000.0)

        if kind == "hang":
            state.stop.wait(fault["seconds"])
            self._drop(rst=False)
        elif kind == "reset":
            self._drop(rst=True)
        elif kind in ("hang_body", "truncated"):
            # Headers announce the full length; only the first half follows.
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            if kind == "hang_body":
                state.stop.wait(fault["seconds"])
            self._drop(rst=False)
        else:
            self._send(status, headers, body, ctype)

    # -- control API

    def _control(self, path, query, body):
        state = self.server.state
        method = self.command
        try:
            doc = json.loads(body.decode("utf-8")) if body.strip() else None
        except ValueError as e:
            self._send_json(400, {"error": "body is not JSON: %s" % e})
            return
        try:
            if path == "/_control/reset" and method == "POST":
                state.reset()
                result = {"ok": True}
            elif path == "/_control/config" and method == "POST":
                result = state.set_config(doc if doc is not None else {})
            elif path == "/_control/config" and method == "GET":
                result = state.get_config()
            elif path == "/_control/faults" and method == "POST":
                result = {"ok": True, "pending": state.add_faults(doc if doc is not None else [])}
            elif path == "/_control/faults" and method == "GET":
                result = state.pending_faults()
            elif path == "/_control/log" and method == "GET":
                result = state.get_log()
            elif path == "/_control/foreign" and method == "GET":
                result = state.get_foreign()
            elif path.startswith("/_control/truth/") and method == "GET":
                vendor = VENDORS.get(path[len("/_control/truth/"):])
                if vendor is None:
                    self._send_json(404, {"error": "no such vendor"})
                    return
                result = vendor.truth(urllib.parse.parse_qs(query))
            else:
                self._send_json(404, {"error": "no such control call: %s %s" % (method, path)})
                return
        except ValueError as e:
            self._send_json(400, {"error": str(e)})
            return
        self._send_json(200, result)


class TLSServer(http.server.ThreadingHTTPServer):
    """Threaded HTTPS server.  The TLS handshake runs in the connection's own
    (daemon) thread, so a slow or failing client never blocks accept()."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, ssl_context, state, name="main"):
        self.ssl_context = ssl_context
        self.state = state
        self.name = name
        super().__init__(address, Handler)

    def server_bind(self):
        # HTTPServer.server_bind would do a reverse DNS lookup; not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        if self.name == "foreign":
            self.state.record_foreign(None)     # a TCP connection, before any byte
        request.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            conn = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return          # handshake failed (e.g. the client refused our certificate)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ValueError)):
            return          # client went away, TLS error, connection dropped by a fault
        super().handle_error(request, client_address)


def make_ssl_context(cert_dir, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(cert_dir, name + ".pem"), os.path.join(cert_dir, name + ".key"))
    return ctx


def write_port_file(path, port):
    """Write atomically, so a reader never sees a partial file."""
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Local HTTPS vendor API emulation for callrecord_fdw tests")
    ap.add_argument("--cert-dir", required=True, help="directory made by test/make_certs.sh")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: ephemeral)")
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--log-file", help="append every vendor request as one JSON line")
    ap.add_argument("--extra-tls", action="append", default=[], metavar="NAME=PORTFILE",
                    help="another HTTPS listener with certificate NAME (expired, wronghost)")
    ap.add_argument("--foreign-port-file", metavar="FILE",
                    help="start the foreign listener (valid certificate; records every connection "
                         "and request, serves nothing) and write its port here")
    args = ap.parse_args(argv)

    log_file = open(args.log_file, "a", encoding="utf-8") if args.log_file else None
    state = State(log_file)

    def stop_now(signum, frame):
        state.stop.set()
        if log_file is not None:
            log_file.flush()
        os._exit(0)     # daemon threads (hung handlers included) die with the process

    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)

    extras = []
    for spec in args.extra_tls:
        name, sep, port_file = spec.partition("=")
        if not sep or not name or not port_file:
            ap.error("--extra-tls wants NAME=PORTFILE, got %r" % spec)
        server = TLSServer(("127.0.0.1", 0), make_ssl_context(args.cert_dir, name), state, name=name)
        extras.append((server, port_file))
    if args.foreign_port_file:
        server = TLSServer(("127.0.0.1", 0), make_ssl_context(args.cert_dir, "server"), state, name="foreign")
        extras.append((server, args.foreign_port_file))
    main_server = TLSServer(("127.0.0.1", args.port), make_ssl_context(args.cert_dir, "server"), state)

    for server, port_file in extras:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        write_port_file(port_file, server.server_address[1])
    port = main_server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    print("LISTENING %d" % port, flush=True)
    main_server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
