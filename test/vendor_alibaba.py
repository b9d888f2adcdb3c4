"""Alibaba Cloud CAMS GetChatappPhoneNumberMetric emulation (/alibaba) for
the local vendor API server (test/vendor_server.py; contract in
test/SERVER_CONTRACT.md).

Strict as the vendor (shared vendors/alibaba.md): POST with every parameter
in the query string and an empty body, signed either with ACS3-HMAC-SHA256
(Authorization header) or the RPC form (HMAC-SHA1, SignatureVersion=1.0);
nonces are never reused, timestamps within 15 minutes, 50 requests per
second per AccessKeyId.  The verifier functions are pure and reproduce the
published vectors.
"""

import base64
import datetime
import hashlib
import hmac
import re
import threading
import time
import urllib.parse
import uuid

import alibaba_data
from vendor_base import Reply, _validate_int, now_ms

ACTION = "GetChatappPhoneNumberMetric"
VERSION = "2020-06-06"
HOST_ID = "cams.ap-southeast-1.aliyuncs.com"
ACCOUNTS = {                     # AccessKeyId -> (secret, security token or None)
    "LTAI5tAlibabaTest0001": ("AlibabaTestSecret0001", None),
    "LTAI5tAlibabaTest0002": ("AlibabaTestSecret0002", None),
    "STS.NTestAlibabaSts01": ("AlibabaStsSecret01", "CAIS+token/test=="),
}
BUSINESS = ("Start", "End", "Granularity", "PhoneNumber", "CustSpaceId", "IsvCode")
RPC_COMMON = ("Action", "Version", "Format", "AccessKeyId", "SignatureMethod", "SignatureVersion",
              "SignatureNonce", "Timestamp", "SecurityToken", "Signature")
V3_REQUIRED_SIGNED = ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce",
                      "x-acs-content-sha256")
SKEW_S = 900
NONCE_TTL_S = 1800
_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_INT = re.compile(r"^-?\d{1,15}$")


# ---------------------------------------------------------------- signatures

def enc(s):
    """RFC 3986 percent-encoding of UTF-8, uppercase hex (vendor's 'enc')."""
    return urllib.parse.quote(s, safe="-_.~")


def canonical_query(params):
    return "&".join("%s=%s" % (enc(k), enc(v)) for k, v in sorted(params.items(), key=lambda kv: kv[0].encode()))


def rpc_string_to_sign(method, params):
    return "%s&%s&%s" % (method, enc("/"), enc(canonical_query({k: v for k, v in params.items() if k != "Signature"})))


def rpc_signature(method, params, secret):
    mac = hmac.new((secret + "&").encode(), rpc_string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def acs3_canonical_request(method, path, params, headers, signed, hashed_payload):
    """headers: {lower name: [values]}; signed: the lower-case names in order."""
    lines = "".join("%s:%s\n" % (n, ",".join(sorted(v.strip() for v in headers[n]))) for n in signed)
    return "\n".join([method, path, canonical_query(params), lines, ";".join(signed), hashed_payload])


def acs3_signature(canonical_request, secret):
    sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    return hmac.new(secret.encode(), sts.encode(), hashlib.sha256).hexdigest()


_AUTH = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;\-]+),Signature=([0-9a-f]{64})$")


# ---------------------------------------------------------------- the vendor

def _utc(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


class AlibabaVendor:
    name = "alibaba"
    config_defaults = {"alibaba_rate_limit": 50, "alibaba_retry_after_ms": None}
    config_validators = {
        "alibaba_rate_limit": lambda v: _validate_int(v, "alibaba_rate_limit", 0),
        "alibaba_retry_after_ms": lambda v: v if v is None else _validate_int(v, "alibaba_retry_after_ms", 0),
    }
    STATUS = {"InvalidAccessKeyId.NotFound": 404, "Forbidden.RAM": 403, "ServiceUnavailable": 503,
              "InternalError": 500}

    def __init__(self):
        self._nonces = {}
        self._lock = threading.Lock()

    def _error(self, code, message, params=None, sig_ok=False, throttled=False, headers=None):
        doc = {"RequestId": str(uuid.uuid4()).upper(), "HostId": HOST_ID, "Code": code, "Message": message,
               "Recommend": "https://api.aliyun.com/troubleshoot?q=%s" % code}
        return Reply(status=self.STATUS.get(code, 400), doc=doc, params=params, sig_ok=sig_ok,
                     throttled=throttled, headers=headers)

    def _nonce_used(self, key_id, nonce):
        t = time.time()
        with self._lock:
            for k in [k for k, seen in self._nonces.items() if seen < t - NONCE_TTL_S]:
                del self._nonces[k]
            if (key_id, nonce) in self._nonces:
                return True
            self._nonces[(key_id, nonce)] = t
            return False

    def handle(self, req, state):
        if req.subpath not in ("", "/"):
            return Reply(status=404, body=b"404 Not Found\n", content_type="text/plain; charset=utf-8")
        if req.method != "POST":
            return self._error("UnsupportedHTTPMethod", "This http method is not supported.")
        try:
            pairs = urllib.parse.parse_qsl(req.query, keep_blank_values=True, strict_parsing=bool(req.query),
                                           encoding="utf-8", errors="strict")
        except ValueError as e:
            return self._error("InvalidParameter", "The query string is malformed: %s" % e)
        params = {}
        for k, v in pairs:
            if k in params:
                return self._error("InvalidParameter", "The parameter %s is given more than once." % k)
            if v == "":
                return self._error("InvalidParameter", "The parameter %s is empty." % k)
            params[k] = v
        if req.body:
            return self._error("InvalidParameter", "The request body must be empty.")
        h = {}
        for k, v in req.headers.items():
            h.setdefault(k.lower(), []).append(v)

        if "Signature" in params:
            scheme = "rpc"
            key_id = params.get("AccessKeyId")
            nonce = params.get("SignatureNonce")
            ts = params.get("Timestamp")
            token = params.get("SecurityToken")
        else:
            scheme = "v3"
            m = _AUTH.match((h.get("authorization") or [""])[0])
            if not m:
                return self._error("IncompleteSignature", "The request signature does not conform to Aliyun standards.")
            key_id = m.group(1)
            nonce = (h.get("x-acs-signature-nonce") or [None])[0]
            ts = (h.get("x-acs-date") or [None])[0]
            token = (h.get("x-acs-security-token") or [None])[0]
        logged = {k: v for k, v in params.items() if k in BUSINESS}
        logged.update({"scheme": scheme, "AccessKeyId": key_id or "", "nonce": nonce or ""})

        account = ACCOUNTS.get(key_id)
        if account is None:
            return self._error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", logged)
        secret, sts_token = account

        if scheme == "rpc":
            missing = [k for k in ("Action", "Version", "Format", "SignatureMethod", "SignatureVersion",
                                   "SignatureNonce", "Timestamp") if k not in params]
            if missing:
                return self._error("Missing%s" % missing[0], "%s is mandatory for this action." % missing[0], logged)
            if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
                return self._error("InvalidParameter", "SignatureMethod/SignatureVersion not supported.", logged)
            if params["Action"] != ACTION:
                return self._error("InvalidAction.NotFound", "Specified api is not found.", logged)
            if params["Version"] != VERSION:
                return self._error("InvalidVersion", "Specified parameter Version is not valid.", logged)
            want = rpc_signature(req.method, params, secret)
            if not hmac.compare_digest(params["Signature"], want):
                return self._error("SignatureDoesNotMatch",
                                   "Specified signature does not match our calculation. The server string to "
                                   "sign is: %s" % rpc_string_to_sign(req.method, params), logged)
        else:
            signed = m.group(2).split(";")
            if signed != sorted(set(signed)):
                return self._error("IncompleteSignature", "SignedHeaders must be sorted and distinct.", logged)
            for n in V3_REQUIRED_SIGNED:
                if n not in signed:
                    return self._error("IncompleteSignature", "The header %s must be signed." % n, logged)
            for n in signed:
                if n not in h:
                    return self._error("IncompleteSignature", "The signed header %s is missing." % n, logged)
            if h["x-acs-action"][0] != ACTION:
                return self._error("InvalidAction.NotFound", "Specified api is not found.", logged)
            if h["x-acs-version"][0] != VERSION:
                return self._error("InvalidVersion", "Specified parameter Version is not valid.", logged)
            payload = hashlib.sha256(req.body).hexdigest()
            if h["x-acs-content-sha256"][0] != payload:
                return self._error("InvalidParameter", "x-acs-content-sha256 is not the body's hash.", logged)
            extra = [k for k in params if k not in BUSINESS]
            if extra:
                return self._error("InvalidParameter", "The parameter %s is not valid." % extra[0], logged)
            creq = acs3_canonical_request(req.method, req.path, params, h, signed, payload)
            if not hmac.compare_digest(m.group(3), acs3_signature(creq, secret)):
                return self._error("SignatureDoesNotMatch",
                                   "Specified signature does not match our calculation. The server string to "
                                   "sign is: ACS3-HMAC-SHA256\n%s" % hashlib.sha256(creq.encode()).hexdigest(),
                                   logged)
        if sts_token is not None and token != sts_token:
            return self._error("InvalidSecurityToken.Mismatch", "Specified SecurityToken is not valid.", logged)
        if sts_token is None and token is not None:
            return self._error("InvalidSecurityToken.Malformed", "A SecurityToken was sent for a permanent key.",
                               logged)
        if not ts or not _TS.match(ts):
            return self._error("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.",
                               logged)
        if abs(_utc(ts) - time.time()) > SKEW_S:
            return self._error("InvalidTimeStamp.Expired",
                               "Specified time stamp or date value is expired.", logged)
        if self._nonce_used(key_id, nonce):
            return self._error("SignatureNonceUsed", "Specified signature nonce was used already.", logged)

        config = state.get_config()
        if not state.limiter.allow((self.name, key_id), config["alibaba_rate_limit"]):
            extra = []
            if config["alibaba_retry_after_ms"] is not None:
                extra = [("x-acs-retry-after", str(config["alibaba_retry_after_ms"]))]
            return self._error("Throttling.User", "Request was denied due to user flow control.", logged,
                               sig_ok=True, throttled=True, headers=extra)

        fault = state.take_fault(self.name, logged)
        reply = self._metrics(params)
        reply.params = logged
        reply.sig_ok = True
        reply.fault = fault
        return reply

    def _metrics(self, params):
        unknown = [k for k in params if k not in BUSINESS and k not in RPC_COMMON]
        if unknown:
            return self._error("InvalidParameter", "The parameter %s is not valid." % unknown[0])
        for k in ("Start", "End"):
            if k not in params:
                return self._error("Missing%s" % k, "%s is mandatory for this action." % k)
            if not _INT.match(params[k]):
                return self._error("Invalid%s" % k, "Specified parameter %s is not valid." % k)
        start, end = int(params["Start"]), int(params["End"])
        if end < start:
            return self._error("InvalidParameter", "End must not be before Start.")
        gran = params.get("Granularity", "DAILY")
        if gran not in ("DAILY", "HALF_HOUR"):
            return self._error("InvalidGranularity", "Specified parameter Granularity is not valid.")
        cust = params.get("CustSpaceId")
        if cust is not None and not cust.startswith("cams-"):
            return self._error("InvalidCustSpaceId", "Specified parameter CustSpaceId is not valid.")
        data = alibaba_data.buckets(params.get("PhoneNumber"), gran, start, end, now_ms())
        return Reply(doc={"RequestId": str(uuid.uuid4()).upper(), "Code": "OK", "Message": "SUCCESS",
                          "Data": data, "AccessDeniedDetail": None})

    def truth(self, query):
        try:
            start = int(query["start_ms"][0])
            end = int(query["end_ms"][0])
        except (KeyError, ValueError):
            raise ValueError("start_ms and end_ms (integer epoch ms) are required")
        gran = query.get("granularity", ["DAILY"])[0]
        phone = query.get("phone", [None])[0]
        return alibaba_data.buckets(phone, gran, start, end, now_ms())

    def fault_retcode(self, fault):
        code = str(fault["code"])
        doc = {"RequestId": str(uuid.uuid4()).upper(), "HostId": HOST_ID, "Code": code,
               "Message": fault.get("message", "Injected error %s" % code)}
        status = fault.get("http_status", 400 if code.startswith("Throttling") else self.STATUS.get(code, 200))
        return (status, doc)

    def mutate_doc(self, kind, fault, doc):
        data = doc.get("Data")
        if doc.get("Code") != "OK" or not isinstance(data, list) or not data:
            return
        if kind == "wrong_types":
            data[0]["SentCount"] = fault["value"]
        elif kind == "short_page":
            del data[0]["Start"]
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
