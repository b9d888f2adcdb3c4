"""Microsoft Graph getPstnCalls (/graph) and Microsoft identity platform
token endpoint (/login) emulations for the local vendor API server
(test/vendor_server.py; contract in test/SERVER_CONTRACT.md, section
"Microsoft Graph and login emulation").

Strict, as the vendors (shared vendors/msgraph.md):

* /login: POST /login/{tenant}/oauth2/v2.0/token, client credentials in a
  form body.  Checks tenant, client id, secret, grant type and scope in the
  order Azure AD does and answers every refusal in the AAD error shape
  (error, error_description "AADSTSnnnn: ...\\r\\nTrace ID: ...", error_codes,
  timestamp, trace_id, correlation_id, error_uri).  Issues opaque JWT-shaped
  tokens bound to an audience (the scope's origin), a tenant, a client and
  an expiry.
* /graph: GET /graph/v1.0/communications/callRecords/getPstnCalls(fromDateTime=
  ...,toDateTime=...) (also the microsoft.graph.callRecords.-qualified name).
  Refuses a missing, unknown, expired, revoked or foreign-audience token with
  401, throttles per (tenant, client) with 429 + Retry-After, refuses ranges
  over 90 days, pages graph_page_size (1000) rows with an offset
  @odata.nextLink ($skip) and honours that link.

Tokens live in the module-level TOKENS store (thread-safe) shared by both
vendors.  They survive POST /_control/reset on purpose (resetting the
emulator's faults and log logs nobody out); config graph_revoke_tokens ends
every token issued so far, graph_token_lifetime_s bounds new ones.
"""

import base64
import datetime
import re
import secrets
import threading
import time
import urllib.parse
import uuid

import graph_data
from vendor_base import Reply, _validate_int

TENANT_GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
# tenant as written in the URL (compared case-insensitively) -> tenant id
TENANTS = {"contoso.onmicrosoft.com": TENANT_GUID, TENANT_GUID: TENANT_GUID}
# client_id -> client_secret
APPS = {"11111111-2222-3333-4444-555555555555": "graph-test-secret~0001",
        "66666666-7777-8888-9999-000000000000": "graph-test-secret~0002"}
MAX_RANGE_T100 = 90 * 86400 * graph_data.T_PER_S       # to - from may be exactly this, not more

GRAPH_PATH = re.compile(r"^/v1\.0/communications/callRecords/(microsoft\.graph\.callRecords\.)?"
                        r"getPstnCalls\((.*)\)$", re.S)
LOGIN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
SCOPE = re.compile(r"^https://(127\.0\.0\.1|localhost):(\d{1,5})/\.default$")
ODATA_JSON = ("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
              "charset=utf-8")
ERROR_JSON = "application/json"
AGS_DIAGNOSTIC = ('{"ServerInfo":{"DataCenter":"Local Test","Slice":"E","Ring":"5","ScaleUnit":"000",'
                  '"RoleInstance":"CALLRECORD-FDW-TEST"}}')
WWW_AUTHENTICATE = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/'
                    'authorize", client_id="00000003-0000-0000-c000-000000000000"')
LOGGED_LOGIN_PARAMS = ("client_id", "scope", "grant_type")   # logged as sent; never client_secret
_JWT_HEADER = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"RS256","x5t":"callrecord-fdw-test"}') \
    .decode().rstrip("=")


# ---------------------------------------------------------------- tokens

class TokenStore:
    """Tokens issued by /login and checked by /graph:
    token -> (audience, tenant id, client id, expires_at, issued_at), unix s.
    revoke_all() ends every token issued so far.  Tokens expired for more than
    KEEP_EXPIRED_S are forgotten (then reported as unknown)."""

    KEEP_EXPIRED_S = 6 * 3600

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}
        self._revoked_before = 0.0

    def issue(self, audience, tenant, client, lifetime_s):
        # JWT-shaped and about as long as a real one (~1.3 KB); opaque: the
        # payload is random bytes, as a client must never decode it anyway
        token = "%s.%s.%s" % (_JWT_HEADER, base64.urlsafe_b64encode(secrets.token_bytes(660)).decode().rstrip("="),
                              base64.urlsafe_b64encode(secrets.token_bytes(256)).decode().rstrip("="))
        now = time.time()
        with self._lock:
            for k in [k for k, v in self._tokens.items() if v[3] < now - self.KEEP_EXPIRED_S]:
                del self._tokens[k]
            self._tokens[token] = (audience, tenant, client, now + lifetime_s, now)
        return token

    def check(self, token):
        """(info, state): state is "unknown", "expired", "revoked" or "ok"."""
        now = time.time()
        with self._lock:
            info = self._tokens.get(token)
            revoked_before = self._revoked_before
        if info is None:
            return None, "unknown"
        if info[4] <= revoked_before:
            return info, "revoked"
        if now >= info[3]:
            return info, "expired"
        return info, "ok"

    def revoke_all(self):
        with self._lock:
            self._revoked_before = time.time()


TOKENS = TokenStore()


# ---------------------------------------------------------------- helpers

def _validate_revoke(v):
    """graph_revoke_tokens: true revokes every token issued so far (at once,
    while the config call is handled); the key itself stays false."""
    if not isinstance(v, bool):
        raise ValueError("graph_revoke_tokens must be a boolean")
    if v:
        TOKENS.revoke_all()
    return False


def _validate_origin(v):
    if v is not None and not (isinstance(v, str) and re.match(r"^https?://[^/?#\s@]+$", v)):
        raise ValueError("graph_next_link_origin must be null or scheme://host[:port] (http or https, no path)")
    return v


def _validate_opt_int(name, minimum):
    return lambda v: v if v is None else _validate_int(v, name, minimum)


def _host_port(host):
    """The port a Host header value names (443 when it names none)."""
    m = re.match(r"^(?:\[[^\]]*\]|[^:]*)(?::(\d+))?$", host or "")
    return int(m.group(1)) if m and m.group(1) else 443


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def _status_of(fault, default):
    s = fault.get("http_status")
    return s if isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 else default


# ---------------------------------------------------------------- /login

class LoginVendor:
    """Microsoft identity platform v2.0 token endpoint, client credentials
    grant only (form body; client_secret_basic is not emulated)."""

    name = "login"
    config_defaults = {"graph_token_lifetime_s": 3599, "graph_token_expires_in": None,
                       "graph_revoke_tokens": False}
    config_validators = {"graph_token_lifetime_s": lambda v: _validate_int(v, "graph_token_lifetime_s", 1),
                         "graph_token_expires_in": _validate_opt_int("graph_token_expires_in", 1),
                         "graph_revoke_tokens": _validate_revoke}

    # error -> default HTTP status, for injected errors
    ERROR_STATUS = {"invalid_client": 401, "temporarily_unavailable": 503, "server_error": 500}
    # AADSTS code -> error, for injected errors given by number
    AADSTS_ERROR = {7000215: "invalid_client", 7000222: "invalid_client", 7000218: "invalid_client",
                    700016: "unauthorized_client", 70011: "invalid_scope", 1002012: "invalid_scope",
                    70003: "unsupported_grant_type", 90055: "temporarily_unavailable",
                    50000: "temporarily_unavailable"}

    @staticmethod
    def _headers(trace_id):
        return [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"), ("x-ms-request-id", trace_id)]

    @staticmethod
    def error_doc(error, code, text, trace_id):
        """An AAD error document (vendors/msgraph.md section 2)."""
        corr = str(uuid.uuid4())
        stamp = _utc_now().strftime("%Y-%m-%d %H:%M:%SZ")
        desc = "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
            code, text, trace_id, corr, stamp)
        return {"error": error, "error_description": desc, "error_codes": [code], "timestamp": stamp,
                "trace_id": trace_id, "correlation_id": corr,
                "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}

    def _error(self, status, error, code, text, params, sig_ok=False, fault=None):
        trace = str(uuid.uuid4())
        return Reply(status=status, doc=self.error_doc(error, code, text, trace), headers=self._headers(trace),
                     params=params, sig_ok=sig_ok, fault=fault)

    def handle(self, req, state):
        m = LOGIN_PATH.match(req.subpath)
        if not m:
            return Reply(status=404, body=b"404 Not Found\n", content_type="text/plain; charset=utf-8",
                         headers=self._headers(str(uuid.uuid4())))
        tenant = urllib.parse.unquote(m.group(1))
        logged = {"tenant": tenant}
        if req.method != "POST":
            return self._error(405, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS "
                               "requests. Received a %s request." % req.method, logged)
        ctype = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            pairs = urllib.parse.parse_qsl(req.body.decode("utf-8"), keep_blank_values=True,
                                           strict_parsing=bool(req.body), errors="strict")
        except ValueError:          # UnicodeDecodeError is one
            pairs = None
        form, dups = {}, []
        for k, v in pairs or []:
            if k in form:
                dups.append(k)
            form.setdefault(k, v)
            # the log never sees client_secret, nor the value of anything unexpected
            logged[k] = v if k in LOGGED_LOGIN_PARAMS else "(not logged)"
        if ctype != "application/x-www-form-urlencoded" or pairs is None:
            return self._error(400, "invalid_request", 900144, "The request body must contain the following "
                               "parameter: 'grant_type'.", logged)
        if dups:
            return self._error(400, "invalid_request", 9002313, "Invalid request. Request is malformed or "
                               "invalid: parameter '%s' was given more than once." % dups[0], logged)
        if tenant.lower() in ("common", "consumers"):
            return self._error(400, "invalid_request", 9001023, "The grant type isn't supported over the "
                               "/common or /consumers endpoints. Please use the /organizations or "
                               "tenant-specific endpoint.", logged)
        tenant_id = TENANTS.get(tenant.lower())
        if tenant_id is None:
            return self._error(400, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you "
                               "have the correct tenant ID and are signing into the correct cloud. Check "
                               "with your subscription administrator, this may happen if there are no "
                               "active subscriptions for the tenant." % tenant, logged)
        for p in ("grant_type", "client_id", "scope"):
            if not form.get(p):
                return self._error(400, "invalid_request", 900144, "The request body must contain the "
                                   "following parameter: '%s'." % p, logged)
        if form["grant_type"] != "client_credentials":
            return self._error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant "
                               "type '%s'." % form["grant_type"], logged)
        secret = APPS.get(form["client_id"])
        if secret is None:
            return self._error(400, "unauthorized_client", 700016, "Application with identifier '%s' was not "
                               "found in the directory '%s'. This can happen if the application has not "
                               "been installed by the administrator of the tenant or consented to by any "
                               "user in the tenant. You may have sent your authentication request to the "
                               "wrong tenant." % (form["client_id"], tenant), logged)
        if not form.get("client_secret"):
            return self._error(401, "invalid_client", 7000218, "The request body must contain the following "
                               "parameter: 'client_assertion' or 'client_secret'.", logged)
        if not secrets.compare_digest(form["client_secret"].encode("utf-8"), secret.encode("utf-8")):
            return self._error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the "
                               "secret being sent in the request is the client secret value, not the client "
                               "secret ID, for a secret added to app '%s'." % form["client_id"], logged)

        fault = state.take_fault(self.name, logged)      # the client has authenticated
        scope = form["scope"]
        if " " in scope.strip() or "://" not in scope:
            return self._error(400, "invalid_scope", 70011, "The provided value for the input parameter "
                               "'scope' is not valid. The scope %s is not valid." % scope, logged, True, fault)
        if not scope.endswith("/.default"):
            return self._error(400, "invalid_scope", 1002012, "The provided value for scope %s is not valid. "
                               "Client credential flows must have a scope value with /.default suffixed to "
                               "the resource identifier (application ID URI)." % scope, logged, True, fault)
        sm = SCOPE.match(scope)
        if not sm or int(sm.group(2)) != _host_port(req.headers.get("Host")):
            return self._error(400, "invalid_scope", 70011, "The provided value for the input parameter "
                               "'scope' is not valid. The scope %s is not valid: no such resource for "
                               "this authority." % scope, logged, True, fault)

        config = state.get_config()
        lifetime = config["graph_token_lifetime_s"]
        announced = config["graph_token_expires_in"] or lifetime
        token = TOKENS.issue("https://%s:%s" % (sm.group(1), sm.group(2)), tenant_id, form["client_id"], lifetime)
        trace = str(uuid.uuid4())
        if fault is not None and fault["kind"] == "retcode":
            fault["_trace_id"] = trace
        return Reply(doc={"token_type": "Bearer", "expires_in": announced, "ext_expires_in": announced,
                          "access_token": token},
                     headers=self._headers(trace), params=logged, sig_ok=True, fault=fault)

    def truth(self, query):
        raise ValueError("the login emulation has no ground truth")

    def fault_retcode(self, fault):
        """An AAD error document for an injected error: `code` is either the
        error string (e.g. "temporarily_unavailable", "invalid_client") with
        optional `aadsts` (default 50000), or an AADSTS number (the error
        string then follows from it, default invalid_request).  Status:
        `http_status`, else 401 invalid_client, 503 temporarily_unavailable,
        500 server_error, 400 otherwise."""
        code = fault["code"]
        if isinstance(code, int):
            aadsts, error = code, self.AADSTS_ERROR.get(code, "invalid_request")
        else:
            aadsts, error = fault.get("aadsts", 50000), code
            aadsts = aadsts if isinstance(aadsts, int) and not isinstance(aadsts, bool) else 50000
        status = _status_of(fault, self.ERROR_STATUS.get(error, 400))
        text = fault.get("message", "Injected error %s." % error)
        return status, self.error_doc(error, aadsts, text, fault.get("_trace_id") or str(uuid.uuid4()))

    def mutate_doc(self, kind, fault, doc):
        """On a token response only: wrong_types sets expires_in to `value`,
        short_page drops access_token, big makes access_token `bytes` long."""
        if "access_token" not in doc:
            return
        if kind == "wrong_types":
            doc["expires_in"] = fault["value"]
        elif kind == "short_page":
            del doc["access_token"]
        elif kind == "big":
            doc["access_token"] = "x" * fault["bytes"]

    @staticmethod
    def rows_in(doc):
        return 0

    @staticmethod
    def code_of(doc):
        """The AAD `error` string of an error document, else None."""
        err = doc.get("error") if isinstance(doc, dict) else None
        return err if isinstance(err, str) else None


# ---------------------------------------------------------------- /graph

class GraphVendor:
    """Microsoft Graph v1.0 callRecords getPstnCalls, strict as described in
    SERVER_CONTRACT.md."""

    name = "graph"
    config_defaults = {"graph_page_size": 1000, "graph_next_link_origin": None, "graph_rate_limit": 200,
                       "graph_rate_window_s": 60, "graph_retry_after_s": 2}
    config_validators = {"graph_page_size": lambda v: _validate_int(v, "graph_page_size", 1),
                         "graph_next_link_origin": _validate_origin,
                         "graph_rate_limit": lambda v: _validate_int(v, "graph_rate_limit", 0),
                         "graph_rate_window_s": lambda v: _validate_int(v, "graph_rate_window_s", 1),
                         "graph_retry_after_s": lambda v: _validate_int(v, "graph_retry_after_s", 0)}

    # error code -> HTTP status, for injected errors (fault_retcode)
    CODE_STATUS = {"TooManyRequests": 429, "activityLimitReached": 429, "serviceNotAvailable": 503,
                   "ServiceUnavailable": 503, "generalException": 500, "UnknownError": 500,
                   "InternalServerError": 500, "GatewayTimeout": 504, "InvalidAuthenticationToken": 401,
                   "Forbidden": 403, "Authorization_RequestDenied": 403, "accessDenied": 403,
                   "NotFound": 404, "itemNotFound": 404}
    RETRY_AFTER_STATUS = (429, 503)
    DEFAULT_MESSAGES = {"TooManyRequests": "Too many requests.",
                        "serviceNotAvailable": "The service is temporarily unavailable."}

    @staticmethod
    def _ids(req):
        """request-id (new) and client-request-id (the client's own when it
        sent one, as Graph echoes it; else new)."""
        crid = (req.headers.get("client-request-id") or "").strip()
        return str(uuid.uuid4()), (crid if crid and len(crid) <= 200 else str(uuid.uuid4()))

    @staticmethod
    def _headers(ids):
        return [("request-id", ids[0]), ("client-request-id", ids[1]), ("x-ms-ags-diagnostic", AGS_DIAGNOSTIC)]

    @staticmethod
    def error_doc(code, message, ids):
        """A Graph error document (vendors/msgraph.md section 6); innerError
        date has no zone, as Graph writes it."""
        return {"error": {"code": code, "message": message,
                          "innerError": {"date": _utc_now().strftime("%Y-%m-%dT%H:%M:%S"),
                                         "request-id": ids[0], "client-request-id": ids[1]}}}

    def _error(self, status, code, message, ids, params, sig_ok=False, fault=None, throttled=False,
               extra_headers=()):
        return Reply(status=status, doc=self.error_doc(code, message, ids), content_type=ERROR_JSON,
                     headers=self._headers(ids) + list(extra_headers), params=params, sig_ok=sig_ok,
                     throttled=throttled, fault=fault)

    @staticmethod
    def _function_args(text):
        """Parse 'fromDateTime=a,toDateTime=b' into ({name: value}, problem):
        problem is None or (message) for a 400 BadRequest."""
        args, pos = {}, 0
        for part in text.split(","):
            name, eq, value = part.partition("=")
            if not eq or name not in ("fromDateTime", "toDateTime"):
                return args, "Resource not found for the segment 'getPstnCalls'."
            if name in args:
                return args, "Duplicate parameter '%s' in the function call." % name
            if value == "":
                return args, "Expression expected at position %d in '%s'." % (pos + len(name) + 1, text)
            args[name] = value
            pos += len(part) + 1
        if len(args) != 2:
            return args, "Resource not found for the segment 'getPstnCalls'."
        return args, None

    def handle(self, req, state):
        ids = self._ids(req)
        path = urllib.parse.unquote(req.subpath)
        m = GRAPH_PATH.match(path)
        args, arg_problem = self._function_args(m.group(2)) if m else ({}, None)
        try:
            query = urllib.parse.parse_qsl(req.query, keep_blank_values=True, strict_parsing=bool(req.query))
        except ValueError:
            query = None
        skips = [v for k, v in query or [] if k == "$skip"]
        logged = {"fromDateTime": args.get("fromDateTime", ""), "toDateTime": args.get("toDateTime", ""),
                  "skip": skips[0] if skips else "0"}

        if req.method != "GET":
            return self._error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the "
                               "request target.", ids, logged)
        scheme, _, token = req.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        unauthorized = [("WWW-Authenticate", WWW_AUTHENTICATE)]
        if scheme.lower() != "bearer" or not token:
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty.", ids, logged,
                               extra_headers=unauthorized)
        info, token_state = TOKENS.check(token)
        if token_state == "unknown":
            message = ("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS "
                       "or JWE Compact Serialization Format." if "." not in token
                       else "IDX10511: Signature validation failed. The token was not issued by this "
                            "authority.")
            return self._error(401, "InvalidAuthenticationToken", message, ids, logged,
                               extra_headers=unauthorized)
        audience, tenant, client = info[0], info[1], info[2]
        logged.update({"tenant": tenant, "client_id": client})
        if token_state != "ok":         # expired or revoked: Graph says the same
            return self._error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is "
                               "expired.", ids, logged, extra_headers=unauthorized)
        host = req.headers.get("Host", "")
        if audience != "https://" + host:
            return self._error(401, "InvalidAuthenticationToken", "Invalid audience.", ids, logged,
                               extra_headers=unauthorized)

        config = state.get_config()
        if not state.limiter.allow((self.name, tenant, client), config["graph_rate_limit"],
                                   config["graph_rate_window_s"]):
            return self._error(429, "TooManyRequests", "Too many requests.", ids, logged, sig_ok=True,
                               throttled=True,
                               extra_headers=[("Retry-After", str(config["graph_retry_after_s"]))])

        fault = state.take_fault(self.name, logged)     # after authentication and throttling passed
        reply = self._answer(path, m, args, arg_problem, query, skips, ids, logged, host, config)
        reply.sig_ok = True
        reply.fault = fault
        if fault is not None and fault["kind"] == "retcode":
            # fault_retcode only returns (status, doc): headers and ids go here
            fault["_ids"] = ids
            reply.content_type = ERROR_JSON
            status = self._retcode_status(fault)
            if status in self.RETRY_AFTER_STATUS:
                reply.headers.append(("Retry-After", str(fault.get("retry_after",
                                                                   config["graph_retry_after_s"]))))
        return reply

    def _answer(self, path, m, args, arg_problem, query, skips, ids, logged, host, config):
        """The response to an authenticated, unthrottled request."""
        def bad(message):
            return self._error(400, "BadRequest", message, ids, logged)

        if not m:
            segment = path.rstrip("/").rpartition("/")[2] or "v1.0"
            return bad("Resource not found for the segment '%s'." % segment)
        if query is None:
            return bad("The query string is malformed.")
        for k, _ in query:
            if k != "$skip":
                return bad("Query option '%s' is not allowed. To allow it, set the 'AllowedQueryOptions' "
                           "property on EnableQueryAttribute or QueryValidationSettings." % k)
        if len(skips) > 1:
            return bad("Query option '$skip' was specified more than once, but it must be specified at most "
                       "once.")
        skip = logged["skip"]
        if not re.fullmatch(r"[0-9]{1,9}", skip):
            return bad("Invalid value '%s' for $skip query option found. The $skip query option requires a "
                       "non-negative integer value." % skip)
        if arg_problem:
            return bad(arg_problem)
        bounds = []
        for name in ("fromDateTime", "toDateTime"):
            try:
                bounds.append(graph_data.parse_iso(args[name]))
            except ValueError:
                return bad("The DateTimeOffset text '%s' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?"
                           "(zzzzzz)?' and each field value is within valid range." % args[name])
        lo, hi = bounds
        if hi < lo:
            return bad("fromDateTime (%s) must not be later than toDateTime (%s)." % (args["fromDateTime"],
                                                                                   args["toDateTime"]))
        if hi - lo > MAX_RANGE_T100:
            return bad("The requested date range from %s to %s exceeds 90 days; fromDateTime and toDateTime "
                       "cannot be more than a date range of 90 days." % (args["fromDateTime"],
                                                                          args["toDateTime"]))

        now_t100 = int(time.time() * graph_data.T_PER_S)
        rows = graph_data.records(lo, min(hi, now_t100))
        n, size = int(skip), config["graph_page_size"]
        page = rows[n:n + size]
        doc = {"@odata.context": "https://%s/graph/v1.0/$metadata#Collection(microsoft.graph.callRecords."
                                 "pstnCallLogRow)" % host,
               "@odata.count": len(page), "value": page}
        if n + size < len(rows):
            origin = config["graph_next_link_origin"] or "https://" + host
            doc["@odata.nextLink"] = ("%s/graph/v1.0/communications/callRecords/getPstnCalls(fromDateTime=%s,"
                                      "toDateTime=%s)?$skip=%d" % (origin, args["fromDateTime"],
                                                                    args["toDateTime"], n + size))
        return Reply(doc=doc, content_type=ODATA_JSON, headers=self._headers(ids), params=logged)

    def truth(self, query):
        """GET /_control/truth/graph?from=<ISO>&to=<ISO>: every record with
        from <= startDateTime <= to and not after now, sorted by (start, id),
        as sent on the wire.  (URL-encode a '+' in an offset as %2B.)"""
        try:
            lo = graph_data.parse_iso(query["from"][0])
            hi = graph_data.parse_iso(query["to"][0])
        except (KeyError, ValueError):
            raise ValueError("from and to (ISO 8601 date or date-time, e.g. 2026-01-01T00:00:00Z) are required")
        return graph_data.records(lo, min(hi, int(time.time() * graph_data.T_PER_S)))

    def _retcode_status(self, fault):
        return _status_of(fault, self.CODE_STATUS.get(str(fault["code"]), 400))

    def fault_retcode(self, fault):
        """A Graph error document with error.code = the fault's `code`
        (e.g. "TooManyRequests"), delivered with status `http_status`, else
        CODE_STATUS (429 TooManyRequests, 503 serviceNotAvailable, ...), else
        400.  handle() has already put the response's request ids into the
        fault and added Retry-After (the fault's `retry_after`, else config
        graph_retry_after_s) for 429 and 503."""
        code = str(fault["code"])
        ids = fault.get("_ids") or (str(uuid.uuid4()), str(uuid.uuid4()))
        message = fault.get("message", self.DEFAULT_MESSAGES.get(code, "Injected error %s." % code))
        return self._retcode_status(fault), self.error_doc(code, message, ids)

    def mutate_doc(self, kind, fault, doc):
        """On a page only (not an error document): wrong_types sets the first
        row's duration to `value`, short_page drops the last row (@odata.count
        and @odata.nextLink unchanged), big makes the first row's
        destinationName `bytes` long."""
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
        """error.code of a Graph error document, else None."""
        err = doc.get("error") if isinstance(doc, dict) else None
        return err.get("code") if isinstance(err, dict) else None


VENDORS = [GraphVendor(), LoginVendor()]
