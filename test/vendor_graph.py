"""Microsoft Graph getPstnCalls (/graph) and Microsoft identity platform
token endpoint (/login) emulations for the local vendor API server
(test/vendor_server.py; contract in test/SERVER_CONTRACT.md).

Strict as the vendors (shared vendors/msgraph.md): the token endpoint checks
tenant, client id, secret, grant type and scope and issues expiring opaque
tokens bound to an audience; Graph rejects a missing, unknown, expired,
revoked or foreign-audience token with 401, ranges over 90 days with 400,
pages 1000 rows with @odata.nextLink, and throttles per application and
tenant with 429 and Retry-After.
"""

import datetime
import re
import secrets
import threading
import time
import urllib.parse
import uuid

import graph_data
from vendor_base import Reply, _validate_int

TENANTS = {"contoso.onmicrosoft.com": "72f988bf-86f1-41af-91ab-2d7cd011db47",
           "72f988bf-86f1-41af-91ab-2d7cd011db47": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
APPS = {"11111111-2222-3333-4444-555555555555": "graph-test-secret~0001",
        "66666666-7777-8888-9999-000000000000": "graph-test-secret~0002"}
MAX_RANGE_T100 = 90 * 86400 * graph_data.T_PER_S
_PATH = re.compile(r"^/v1\.0/communications/callRecords/(?:microsoft\.graph\.callRecords\.)?getPstnCalls\((.*)\)$")


class _Tokens:
    """Issued tokens: token -> (audience, tenant, client, expires_at, issued_at)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}
        self.revoked_before = 0.0

    def issue(self, audience, tenant, client, lifetime):
        tok = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(32)
        now = time.time()
        with self.lock:
            self.tokens[tok] = (audience, tenant, client, now + lifetime, now)
        return tok

    def get(self, tok):
        with self.lock:
            return self.tokens.get(tok), self.revoked_before


TOKENS = _Tokens()


def _validate_revoke(v):
    """Setting graph_revoke_tokens true invalidates every token issued so far;
    the key itself stays false."""
    if not isinstance(v, bool):
        raise ValueError("graph_revoke_tokens must be a boolean")
    if v:
        with TOKENS.lock:
            TOKENS.revoked_before = time.time()
    return False


def _validate_origin(v):
    if v is not None and not (isinstance(v, str) and re.match(r"^https?://[^/]+$", v)):
        raise ValueError("graph_next_link_origin must be null or scheme://host[:port]")
    return v


def _validate_opt_int(name):
    return lambda v: v if v is None else _validate_int(v, name, 1)


def _now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


class LoginVendor:
    name = "login"
    config_defaults = {"graph_token_lifetime_s": 3599, "graph_token_expires_in": None,
                       "graph_revoke_tokens": False}
    config_validators = {"graph_token_lifetime_s": lambda v: _validate_int(v, "graph_token_lifetime_s", 1),
                         "graph_token_expires_in": _validate_opt_int("graph_token_expires_in"),
                         "graph_revoke_tokens": _validate_revoke}

    @staticmethod
    def _error(status, error, code, text, params):
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        desc = "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
            code, text, trace, corr, _now_text())
        doc = {"error": error, "error_description": desc, "error_codes": [code], "timestamp": _now_text(),
               "trace_id": trace, "correlation_id": corr,
               "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}
        return Reply(status=status, doc=doc, params=params)

    def handle(self, req, state):
        m = re.match(r"^/([^/]+)/oauth2/v2\.0/token$", req.subpath)
        if not m:
            return Reply(status=404, body=b"404 Not Found\n", content_type="text/plain; charset=utf-8")
        tenant = urllib.parse.unquote(m.group(1))
        try:
            pairs = urllib.parse.parse_qsl(req.body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (ValueError, UnicodeDecodeError):
            pairs = None
        form = dict(pairs or [])
        logged = {k: v for k, v in form.items() if k != "client_secret"}
        logged["tenant"] = tenant
        if req.method != "POST":
            return self._error(405, "invalid_request", 900561, "The endpoint only accepts POST requests.", logged)
        if pairs is None or req.headers.get("Content-Type", "").split(";")[0].strip() != \
                "application/x-www-form-urlencoded":
            return self._error(400, "invalid_request", 900144,
                               "The request body must contain the following parameter: 'grant_type'.", logged)
        if tenant.lower() in ("common", "consumers"):
            return self._error(400, "invalid_request", 9001023,
                               "The grant type isn't supported over the /common or /consumers endpoints.", logged)
        if tenant not in TENANTS:
            return self._error(400, "invalid_request", 90002, "Tenant '%s' not found." % tenant, logged)
        for p in ("grant_type", "client_id", "scope", "client_secret"):
            if not form.get(p):
                return self._error(400, "invalid_request", 900144 if p != "client_secret" else 7000218,
                                   "The request body must contain the following parameter: '%s'." % p, logged)
        if form["grant_type"] != "client_credentials":
            return self._error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.",
                               logged)
        secret = APPS.get(form["client_id"])
        if secret is None:
            return self._error(400, "unauthorized_client", 700016,
                               "Application with identifier '%s' was not found in the directory." % form["client_id"],
                               logged)
        if not secrets.compare_digest(form["client_secret"], secret):
            return self._error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret "
                               "being sent in the request is the client secret value, not the client secret ID.",
                               logged)
        port = req.headers.get("Host", "").rpartition(":")[2]
        scope = form["scope"]
        sm = re.match(r"^(https://(?:127\.0\.0\.1|localhost):(\d+))/\.default$", scope)
        if not sm or sm.group(2) != port:
            return self._error(400, "invalid_scope", 70011,
                               "The provided value for the input parameter 'scope' is not valid.", logged)
        config = state.get_config()
        lifetime = config["graph_token_lifetime_s"]
        expires_in = config["graph_token_expires_in"] or lifetime
        tok = TOKENS.issue(sm.group(1), TENANTS[tenant], form["client_id"], lifetime)
        return Reply(doc={"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in,
                          "access_token": tok}, params=logged, sig_ok=True)

    def truth(self, query):
        raise ValueError("the login emulation has no ground truth")

    def fault_retcode(self, fault):
        return (400, self._error(400, "invalid_request", int(fault["code"]) if str(fault["code"]).isdigit() else 0,
                                 fault.get("message", "Injected error"), {}).doc)

    def mutate_doc(self, kind, fault, doc):
        pass

    @staticmethod
    def rows_in(doc):
        return 0

    @staticmethod
    def code_of(doc):
        return doc.get("error") if isinstance(doc, dict) else None


class GraphVendor:
    name = "graph"
    config_defaults = {"graph_page_size": 1000, "graph_next_link_origin": None, "graph_rate_limit": 200,
                       "graph_rate_window_s": 60, "graph_retry_after_s": 2}
    config_validators = {"graph_page_size": lambda v: _validate_int(v, "graph_page_size", 1),
                         "graph_next_link_origin": _validate_origin,
                         "graph_rate_limit": lambda v: _validate_int(v, "graph_rate_limit", 0),
                         "graph_rate_window_s": lambda v: _validate_int(v, "graph_rate_window_s", 1),
                         "graph_retry_after_s": lambda v: _validate_int(v, "graph_retry_after_s", 0)}

    @staticmethod
    def _headers():
        return [("request-id", str(uuid.uuid4())), ("client-request-id", str(uuid.uuid4()))]

    def _error(self, status, code, message, params=None, headers=None, throttled=False, sig_ok=False):
        h = headers or self._headers()
        doc = {"error": {"code": code, "message": message,
                         "innerError": {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S"),
                                        "request-id": h[0][1], "client-request-id": h[1][1]}}}
        return Reply(status=status, doc=doc, headers=h, params=params, throttled=throttled, sig_ok=sig_ok)

    def handle(self, req, state):
        headers = self._headers()
        path = urllib.parse.unquote(req.subpath)
        m = _PATH.match(path)
        if not m:
            return self._error(400, "BadRequest", "Resource not found for the segment '%s'." % path, headers=headers)
        args = {}
        for part in m.group(1).split(","):
            k, eq, v = part.partition("=")
            args[k.strip()] = v.strip()
        logged = {"fromDateTime": args.get("fromDateTime", ""), "toDateTime": args.get("toDateTime", "")}
        try:
            q = urllib.parse.parse_qsl(req.query, keep_blank_values=True, strict_parsing=bool(req.query))
        except ValueError:
            return self._error(400, "BadRequest", "Invalid query string.", logged, headers)
        skip = "0"
        for k, v in q:
            if k != "$skip":
                return self._error(400, "BadRequest", "Query option '%s' is not allowed." % k, logged, headers)
            skip = v
        logged["skip"] = skip
        if req.method != "GET":
            return self._error(405, "Request_BadRequest", "Method not allowed.", logged, headers)

        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty.", logged, headers)
        info, revoked_before = TOKENS.get(auth[7:].strip())
        if info is None:
            return self._error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.", logged, headers)
        audience, tenant, client, expires_at, issued_at = info
        logged.update({"tenant": tenant, "client_id": client})
        if time.time() >= expires_at or issued_at <= revoked_before:
            return self._error(401, "InvalidAuthenticationToken",
                               "Lifetime validation failed, the token is expired.", logged, headers)
        if audience != "https://" + req.headers.get("Host", ""):
            return self._error(401, "InvalidAuthenticationToken", "Invalid audience.", logged, headers)

        config = state.get_config()
        if not state.limiter.allow((self.name, tenant, client), config["graph_rate_limit"],
                                   config["graph_rate_window_s"]):
            headers.append(("Retry-After", str(config["graph_retry_after_s"])))
            return self._error(429, "TooManyRequests", "Too many requests.", logged, headers, throttled=True,
                               sig_ok=True)

        if set(args) != {"fromDateTime", "toDateTime"} or not args["fromDateTime"] or not args["toDateTime"]:
            return self._error(400, "BadRequest", "Expression expected at position 13 in '%s'." % m.group(1),
                               logged, headers, sig_ok=True)
        try:
            lo = graph_data.parse_iso(args["fromDateTime"])
            hi = graph_data.parse_iso(args["toDateTime"])
        except ValueError as e:
            return self._error(400, "BadRequest", str(e), logged, headers, sig_ok=True)
        if hi < lo:
            return self._error(400, "BadRequest", "fromDateTime must not be after toDateTime.", logged, headers,
                               sig_ok=True)
        if hi - lo > MAX_RANGE_T100:
            return self._error(400, "BadRequest", "The fromDateTime and toDateTime range exceeds 90 days.",
                               logged, headers, sig_ok=True)
        if not re.match(r"^\d{1,9}$", skip):
            return self._error(400, "BadRequest", "Invalid $skip value.", logged, headers, sig_ok=True)

        fault = state.take_fault(self.name, logged)
        now_t = int(time.time() * graph_data.T_PER_S)
        rows = graph_data.records(lo, min(hi, now_t))
        n, size = int(skip), config["graph_page_size"]
        host = req.headers.get("Host", "")
        doc = {"@odata.context": "https://%s/graph/v1.0/$metadata#Collection(microsoft.graph.callRecords."
                                 "pstnCallLogRow)" % host,
               "@odata.count": len(rows[n:n + size]), "value": rows[n:n + size]}
        if n + size < len(rows):
            origin = config["graph_next_link_origin"] or "https://" + host
            doc["@odata.nextLink"] = ("%s/graph/v1.0/communications/callRecords/getPstnCalls(fromDateTime=%s,"
                                      "toDateTime=%s)?$skip=%d" % (origin, args["fromDateTime"],
                                                                    args["toDateTime"], n + size))
        return Reply(doc=doc, headers=headers, params=logged, sig_ok=True, fault=fault)

    def truth(self, query):
        try:
            lo = graph_data.parse_iso(query["from"][0])
            hi = graph_data.parse_iso(query["to"][0])
        except (KeyError, ValueError):
            raise ValueError("from and to (ISO 8601) are required")
        return graph_data.records(lo, min(hi, int(time.time() * graph_data.T_PER_S)))

    def fault_retcode(self, fault):
        code = str(fault["code"])
        status = fault.get("http_status", 429 if code == "TooManyRequests" else 400)
        return (status, self._error(status, code, fault.get("message", "Injected error %s" % code)).doc)

    def mutate_doc(self, kind, fault, doc):
        data = doc.get("value")
        if not isinstance(data, list) or not data:
            return
        if kind == "wrong_types":
            data[0]["duration"] = fault["value"]
        elif kind == "short_page":
            data.pop()
        elif kind == "big":
            data[0]["destinationName"] = "x" * fault["bytes"]

    @staticmethod
    def rows_in(doc):
        data = doc.get("value") if isinstance(doc, dict) else None
        return len(data) if isinstance(data, list) else 0

    @staticmethod
    def code_of(doc):
        err = doc.get("error") if isinstance(doc, dict) else None
        return err.get("code") if isinstance(err, dict) else None


VENDORS = [GraphVendor(), LoginVendor()]
