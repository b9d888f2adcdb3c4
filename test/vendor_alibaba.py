"""Alibaba Cloud CAMS GetChatappPhoneNumberMetric emulation (/alibaba) for
the local vendor API server (test/vendor_server.py; contract in the "Alibaba
Cloud CAMS emulation" section of test/SERVER_CONTRACT.md).

POST https://cams.ap-southeast-1.aliyuncs.com/ becomes POST /alibaba/ here
(also /alibaba).  Strict as the vendor (shared vendors/alibaba.md): every
parameter in the query string, an empty body, signed either with
ACS3-HMAC-SHA256 (V3, Authorization header) or the RPC form (HMAC-SHA1,
SignatureVersion=1.0, Signature in the query); nonces are never reused,
timestamps must be within 15 minutes of the server's clock, at most
alibaba_rate_limit (50) requests per second per AccessKeyId.

The signature functions (enc, canonical_query, rpc_*, acs3_*) are pure and
reproduce every "alibaba" vector of test/unit/vectors.json
(test/test_vendor_alibaba.py checks them).
"""

import base64
import calendar
import hashlib
import hmac
import re
import threading
import time
import urllib.parse
import uuid
from collections import deque

import alibaba_data
from vendor_base import Reply, _validate_int, now_ms

ACTION = "GetChatappPhoneNumberMetric"
VERSION = "2020-06-06"
HOST_ID = "cams.ap-southeast-1.aliyuncs.com"
ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ACCOUNTS = {                     # AccessKeyId -> (AccessKeySecret, security token or None)
    "LTAI5tAlibabaTest0001": ("AlibabaTestSecret0001", None),
    "LTAI5tAlibabaTest0002": ("AlibabaTestSecret0002", None),
    "STS.NTestAlibabaSts01": ("AlibabaStsSecret01", "CAIS+token/test=="),
}
BUSINESS = ("Start", "End", "Granularity", "PhoneNumber", "CustSpaceId", "IsvCode")
# RPC common parameters, required ones in the order they are checked.
RPC_REQUIRED = ("AccessKeyId", "Action", "Version", "Format", "SignatureMethod", "SignatureVersion",
                "SignatureNonce", "Timestamp")
RPC_COMMON = RPC_REQUIRED + ("SecurityToken", "Signature", "RegionId")   # RegionId: accepted, ignored
V3_REQUIRED_SIGNED = ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce",
                      "x-acs-version")
SKEW_S = 900                    # |Timestamp - now| > 900 s -> InvalidTimeStamp.Expired
NONCE_TTL_S = 1800              # a nonce is remembered (per AccessKeyId) for 30 minutes
THROTTLE_MESSAGE = "Request was denied due to user flow control."
# HTTP status of the errors this emulation sends; every other error code is 400.
STATUS = {"InvalidAccessKeyId.NotFound": 404, "Forbidden.RAM": 403, "ServiceUnavailable": 503,
          "InternalError": 500}
# Gateway codes that arrive with HTTP 400 when injected by a retcode fault
# (any other injected code is a product error in an HTTP 200).
GATEWAY_400 = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidTimeStamp.Expired",
               "InvalidTimeStamp.Format", "SignatureNonceUsed", "InvalidParameter", "MissingStart", "MissingEnd",
               "InvalidStart", "InvalidEnd", "InvalidGranularity", "InvalidCustSpaceId",
               "InvalidSecurityToken.MismatchWithAccessKey", "UnsupportedHTTPMethod", "InvalidAction.NotFound",
               "InvalidVersion", "System.LimitControl")
_TS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_INT = re.compile(r"-?[0-9]{1,15}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


# ---------------------------------------------------------------- signatures

def enc(s):
    """RFC 3986 percent-encoding of UTF-8: keep A-Z a-z 0-9 - _ . ~, every
    other byte %XX with uppercase hex (vendors/alibaba.md 2a step 2)."""
    return urllib.parse.quote(s, safe="-_.~")


def canonical_query(params):
    """Parameters sorted by name (byte order), enc(name)=enc(value) joined by &."""
    return "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(params.items(), key=lambda kv: kv[0].encode()))


def rpc_string_to_sign(method, params):
    """method & %2F & enc(canonicalized query without Signature)."""
    return "%s&%s&%s" % (method, enc("/"), enc(canonical_query({k: v for k, v in params.items() if k != "Signature"})))


def rpc_signature(method, params, secret):
    """Base64 HMAC-SHA1(secret + "&", string to sign)."""
    mac = hmac.new((secret + "&").encode(), rpc_string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def acs3_canonical_headers(headers, signed):
    """`name:value\\n` per signed name, in the order given; headers maps
    lower-case names to lists of values (values of one name trimmed, sorted and
    comma-joined, as the SDK merges them: vector A7b)."""
    return "".join("%s:%s\n" % (n, ",".join(sorted(v.strip() for v in headers[n]))) for n in signed)


def acs3_canonical_request(method, path, params, headers, signed, hashed_payload):
    """method \\n path \\n canonical query \\n canonical headers \\n signed
    headers \\n hashed payload.  headers: {lower name: [values]}; signed: the
    lower-case names in order (sorted for a real request)."""
    return "\n".join([method, path, canonical_query(params), acs3_canonical_headers(headers, signed),
                      ";".join(signed), hashed_payload])


def acs3_string_to_sign(canonical_request):
    return ALGORITHM + "\n" + hashlib.sha256(canonical_request.encode()).hexdigest()


def acs3_signature(canonical_request, secret):
    """Lowercase hex HMAC-SHA256(secret, string to sign)."""
    return hmac.new(secret.encode(), acs3_string_to_sign(canonical_request).encode(), hashlib.sha256).hexdigest()


def acs3_authorization(key_id, signed, signature):
    return "%s Credential=%s,SignedHeaders=%s,Signature=%s" % (ALGORITHM, key_id, ";".join(signed), signature)


def parse_authorization(value):
    """(key id, [signed names], signature) of an ACS3 Authorization header,
    or raise ValueError with what is wrong."""
    if not value.startswith(ALGORITHM + " "):
        raise ValueError("The Authorization header must start with \"%s \"." % ALGORITHM)
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(","):
        name, eq, v = part.partition("=")
        if not eq or name not in ("Credential", "SignedHeaders", "Signature") or name in fields or not v:
            raise ValueError("The Authorization header must be Credential=<id>,SignedHeaders=<names>,"
                             "Signature=<hex>, comma-separated with no spaces.")
        fields[name] = v
    if len(fields) != 3:
        raise ValueError("The Authorization header must carry Credential, SignedHeaders and Signature.")
    signed = fields["SignedHeaders"].split(";")
    if any(not n or n != n.lower() for n in signed):
        raise ValueError("SignedHeaders must list lower-case header names separated by \";\".")
    return fields["Credential"], signed, fields["Signature"]


def parse_timestamp(ts):
    """Unix seconds of a UTC yyyy-MM-ddTHH:mm:ssZ text, or None."""
    if ts is None or not _TS.fullmatch(ts):
        return None
    try:
        return calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None


def _equal(a, b):
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------- the vendor

def error_doc(code, message):
    return {"RequestId": str(uuid.uuid4()).upper(), "HostId": HOST_ID, "Code": code, "Message": message,
            "Recommend": "https://api.aliyun.com/troubleshoot?q=%s" % urllib.parse.quote(code, safe="")}


class _Refusal(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, code)
        self.code = code
        self.message = message


class AlibabaVendor:
    """GetChatappPhoneNumberMetric, strict as described in SERVER_CONTRACT.md."""

    name = "alibaba"
    config_defaults = {"alibaba_rate_limit": 50, "alibaba_retry_after_ms": None}
    config_validators = {
        "alibaba_rate_limit": lambda v: _validate_int(v, "alibaba_rate_limit", 0),
        "alibaba_retry_after_ms": lambda v: v if v is None else _validate_int(v, "alibaba_retry_after_ms", 0),
    }

    def __init__(self):
        self._lock = threading.Lock()
        self._nonces = set()            # (AccessKeyId, nonce) seen in the last NONCE_TTL_S
        self._nonce_order = deque()     # (time seen, (AccessKeyId, nonce)), oldest first

    def _nonce_used(self, key_id, nonce):
        """True when the key used this nonce in the last NONCE_TTL_S seconds;
        otherwise remember it.  Survives /_control/reset, as at the vendor."""
        t = time.monotonic()
        entry = (key_id, nonce)
        with self._lock:
            while self._nonce_order and self._nonce_order[0][0] < t - NONCE_TTL_S:
                self._nonces.discard(self._nonce_order.popleft()[1])
            if entry in self._nonces:
                return True
            self._nonces.add(entry)
            self._nonce_order.append((t, entry))
            return False

    @staticmethod
    def _error(code, message, params, sig_ok=False, throttled=False, headers=None):
        return Reply(status=STATUS.get(code, 400), doc=error_doc(code, message), params=params, sig_ok=sig_ok,
                     throttled=throttled, headers=headers)

    def handle(self, req, state):
        if req.subpath not in ("", "/"):
            return Reply(status=404, body=b"404 Not Found\n", content_type="text/plain; charset=utf-8")
        try:
            pairs = urllib.parse.parse_qsl(req.query, keep_blank_values=True, strict_parsing=bool(req.query),
                                           encoding="utf-8", errors="strict")
        except ValueError:
            return self._error("InvalidParameter", "The query string is malformed.", {})
        multi = {}
        for k, v in pairs:
            multi.setdefault(k, []).append(v)
        params = {k: vs[0] for k, vs in multi.items()}
        h = {}
        for k, v in req.headers.items():
            h.setdefault(k.lower(), []).append(v)

        scheme = "rpc" if "Signature" in params else "v3"
        auth = None
        if scheme == "rpc":
            key_id, nonce = params.get("AccessKeyId"), params.get("SignatureNonce")
        else:
            try:
                auth = parse_authorization(h["authorization"][0]) if len(h.get("authorization", [])) == 1 else None
            except ValueError as e:
                auth = e
            key_id = auth[0] if isinstance(auth, tuple) else None
            nonce = h["x-acs-signature-nonce"][0] if len(h.get("x-acs-signature-nonce", [])) == 1 else None
        # What the log (and a fault's match) sees: never a secret, token or signature.
        logged = {k: ",".join(vs) for k, vs in multi.items() if k in BUSINESS}
        logged.update({"scheme": scheme, "AccessKeyId": key_id or "", "nonce": nonce or ""})

        try:
            self._check_shape(req, multi, h, scheme, auth)
            if key_id not in ACCOUNTS:
                return self._error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", logged)
            secret, sts_token = ACCOUNTS[key_id]
            if scheme == "rpc":
                self._verify_rpc(req, params, secret)
                token, ts = params.get("SecurityToken"), params["Timestamp"]
            else:
                self._verify_v3(req, params, h, auth, secret)
                token, ts = (h.get("x-acs-security-token") or [None])[0], h["x-acs-date"][0]
            if sts_token is None and token is not None:
                raise _Refusal("InvalidSecurityToken.MismatchWithAccessKey",
                               "A SecurityToken was sent with a permanent AccessKey.")
            if sts_token is not None and (token is None or not _equal(token, sts_token)):
                raise _Refusal("InvalidSecurityToken.MismatchWithAccessKey",
                               "Specified SecurityToken mismatch with the AccessKey." if token is not None else
                               "SecurityToken is mandatory for this AccessKey.")
            t = parse_timestamp(ts)
            if t is None:
                raise _Refusal("InvalidTimeStamp.Format",
                               "Specified time stamp or date value is not well formatted.")
            if abs(t - time.time()) > SKEW_S:
                raise _Refusal("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
            if self._nonce_used(key_id, nonce):
                raise _Refusal("SignatureNonceUsed", "Specified signature nonce was used already.")
        except _Refusal as r:
            return self._error(r.code, r.message, logged)

        # Authenticated from here on.
        config = state.get_config()
        if not state.limiter.allow((self.name, key_id), config["alibaba_rate_limit"]):
            extra = []
            if config["alibaba_retry_after_ms"] is not None:
                extra = [("x-acs-retry-after", str(config["alibaba_retry_after_ms"]))]
            return self._error("Throttling.User", THROTTLE_MESSAGE, logged, sig_ok=True, throttled=True,
                               headers=extra)
        fault = state.take_fault(self.name, logged)
        try:
            doc = self._metrics(params)
            reply = Reply(doc=doc)
        except _Refusal as r:
            reply = self._error(r.code, r.message, logged)
        reply.params = logged
        reply.sig_ok = True
        reply.fault = fault
        return reply

    # -- checks before the key is looked up

    @staticmethod
    def _check_shape(req, multi, h, scheme, auth):
        if req.method != "POST":
            raise _Refusal("UnsupportedHTTPMethod", "This http method is not supported; send POST.")
        for k, vs in sorted(multi.items()):
            if len(vs) > 1:
                raise _Refusal("InvalidParameter", "The parameter %s is given more than once." % k)
            if vs[0] == "":
                raise _Refusal("InvalidParameter", "The parameter %s is empty." % k)
        if req.body:
            raise _Refusal("InvalidParameter", "The request body must be empty: send every parameter in the query.")
        if scheme == "rpc":
            if "authorization" in h:
                raise _Refusal("IncompleteSignature",
                               "The request carries both a Signature parameter and an Authorization header.")
            for k in RPC_REQUIRED:
                if k not in multi:
                    raise _Refusal("Missing%s" % k, "%s is mandatory for this action." % k)
            return
        if "authorization" not in h:
            raise _Refusal("IncompleteSignature", "The request is not signed: send an Authorization header "
                           "(ACS3-HMAC-SHA256) or the RPC Signature parameter.")
        if len(h["authorization"]) > 1:
            raise _Refusal("IncompleteSignature", "The Authorization header is given more than once.")
        if isinstance(auth, ValueError):
            raise _Refusal("IncompleteSignature", str(auth))

    # -- signatures

    @staticmethod
    def _verify_rpc(req, params, secret):
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise _Refusal("InvalidParameter", "Specified parameter SignatureMethod is not valid; use HMAC-SHA1.")
        if params["SignatureVersion"] != "1.0":
            raise _Refusal("InvalidParameter", "Specified parameter SignatureVersion is not valid; use 1.0.")
        if params["Action"] != ACTION:
            raise _Refusal("InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        if params["Version"] != VERSION:
            raise _Refusal("InvalidVersion", "Specified parameter Version is not valid.")
        if params["Format"] != "JSON":
            raise _Refusal("InvalidParameter", "Specified parameter Format is not valid; use JSON.")
        for k in params:
            if k not in BUSINESS and k not in RPC_COMMON:
                raise _Refusal("InvalidParameter", "The parameter %s is not valid." % k)
        if not _equal(params["Signature"], rpc_signature("POST", params, secret)):
            shown = dict(params)
            if "SecurityToken" in shown:
                shown["SecurityToken"] = "(hidden)"
            raise _Refusal("SignatureDoesNotMatch", "Specified signature does not match our calculation. "
                           "The server string to sign is: %s" % rpc_string_to_sign("POST", shown))

    @staticmethod
    def _verify_v3(req, params, h, auth, secret):
        key_id, signed, signature = auth
        if signed != sorted(set(signed)):
            raise _Refusal("IncompleteSignature", "SignedHeaders must be sorted and list each name once.")
        for n in V3_REQUIRED_SIGNED + tuple(n for n in ("x-acs-security-token", "x-acs-accesskey-id") if n in h):
            if n not in signed:
                raise _Refusal("IncompleteSignature", "The header %s must be signed." % n)
        for n in signed:
            if n not in h:
                raise _Refusal("IncompleteSignature", "The signed header %s is missing." % n)
            if len(h[n]) > 1:
                raise _Refusal("IncompleteSignature", "The signed header %s is given more than once." % n)
        if h["x-acs-action"][0] != ACTION:
            raise _Refusal("InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        if h["x-acs-version"][0] != VERSION:
            raise _Refusal("InvalidVersion", "Specified parameter Version is not valid.")
        if "x-acs-accesskey-id" in h and h["x-acs-accesskey-id"][0] != key_id:
            raise _Refusal("IncompleteSignature", "The header x-acs-accesskey-id is not the Credential's key.")
        payload = hashlib.sha256(req.body).hexdigest()
        if h["x-acs-content-sha256"][0] != payload:
            raise _Refusal("InvalidParameter", "The header x-acs-content-sha256 is not the SHA-256 of the body.")
        for k in params:
            if k not in BUSINESS:
                raise _Refusal("InvalidParameter", "The parameter %s is not valid." % k)
        creq = acs3_canonical_request(req.method, req.path, params, h, signed, payload)
        if not (_HEX64.fullmatch(signature) and _equal(signature, acs3_signature(creq, secret))):
            raise _Refusal("SignatureDoesNotMatch", "Specified signature does not match our calculation. "
                           "The server string to sign is: %s" % acs3_string_to_sign(creq))

    # -- the API itself (after authentication, throttling and fault selection)

    @staticmethod
    def _metrics(params):
        for k in ("Start", "End"):
            if k not in params:
                raise _Refusal("Missing%s" % k, "%s is mandatory for this action." % k)
            if not _INT.fullmatch(params[k]):
                raise _Refusal("Invalid%s" % k, "Specified parameter %s is not valid." % k)
        start, end = int(params["Start"]), int(params["End"])
        if end < start:
            raise _Refusal("InvalidParameter", "Specified parameter End is earlier than Start.")
        gran = params.get("Granularity", "DAILY")
        if gran not in alibaba_data.GRANULARITIES:
            raise _Refusal("InvalidGranularity", "Specified parameter Granularity is not valid; "
                           "use DAILY or HALF_HOUR.")
        cust = params.get("CustSpaceId")
        if cust is not None and not cust.startswith("cams-"):
            raise _Refusal("InvalidCustSpaceId", "Specified parameter CustSpaceId is not valid.")
        data = alibaba_data.buckets(params.get("PhoneNumber"), gran, start, end, now_ms())
        return {"RequestId": str(uuid.uuid4()).upper(), "Code": "OK", "Message": "SUCCESS", "Data": data,
                "AccessDeniedDetail": None}

    def truth(self, query):
        try:
            start = int(query["start_ms"][0])
            end = int(query["end_ms"][0])
        except (KeyError, ValueError):
            raise ValueError("start_ms and end_ms (integer epoch ms) are required")
        gran = query.get("granularity", ["DAILY"])[0]
        if gran not in alibaba_data.GRANULARITIES:
            raise ValueError("granularity must be DAILY or HALF_HOUR")
        phone = query.get("phone", [None])[0] or None
        return alibaba_data.buckets(phone, gran, start, end, now_ms())

    # -- fault hooks

    def fault_retcode(self, fault):
        """(status, error document) with Code = the fault's code: the fault's
        http_status, else 400 for Throttling* and the gateway codes, 404/403/
        503/500 as STATUS says, else 200 (a product error in a 2xx)."""
        code = str(fault["code"])
        default = THROTTLE_MESSAGE if code.startswith("Throttling") else {
            "ServiceUnavailable": "The request has failed due to a temporary failure of the server.",
            "InternalError": "The request processing has failed due to some unknown error, exception or failure.",
        }.get(code, "Injected error %s" % code)
        doc = error_doc(code, fault.get("message", default))
        status = fault.get("http_status")
        if not (isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599):
            if code.startswith("Throttling") or code in GATEWAY_400:
                status = 400
            else:
                status = STATUS.get(code, 200)
        return (status, doc)

    def mutate_doc(self, kind, fault, doc):
        data = doc.get("Data")
        if doc.get("Code") != "OK" or not isinstance(data, list) or not data:
            return      # nothing to edit in an error or an empty Data
        if kind == "wrong_types":
            data[0]["SentCount"] = fault["value"]
        elif kind == "short_page":
            del data[0]["Start"]        # no paging here: a bucket that lost a required field
        elif kind == "big":
            data[0]["PhoneNumber"] = "9" * fault["bytes"]

    @staticmethod
    def rows_in(doc):
        data = doc.get("Data") if isinstance(doc, dict) else None
        return len(data) if isinstance(data, list) else 0

    @staticmethod
    def code_of(doc):
        return doc.get("Code") if isinstance(doc, dict) else None


VENDORS = [AlibabaVendor()]
