"""Tencent Cloud CCC DescribeTelCallInfo emulation for test/vendor_server.py.

POST https://ccc.tencentcloudapi.com/ becomes POST /tencent/ here (also
/tencent).  JSON body, headers X-TC-Action / X-TC-Version / X-TC-Timestamp,
TC3-HMAC-SHA256 Authorization (shared vendors/tencent.md section 2), errors
as HTTP 200 with Response.Error.  Strict as the vendor; the contract is the
"Tencent Cloud CCC emulation" section of test/SERVER_CONTRACT.md.

The TC3 functions (tc3_*) are pure and checked against the "tencent" vectors
of test/unit/vectors.json by test/test_vendor_tencent.py; tests may use
tc3_sign() to sign their requests.
"""

import datetime
import hashlib
import hmac
import json
import re
import time
import uuid

import tencent_data
from vendor_base import Reply, _validate_int

ALGORITHM = "TC3-HMAC-SHA256"
SERVICE = "ccc"
ACTION = "DescribeTelCallInfo"
VERSION = "2020-02-10"
MAX_SKEW_S = 300                    # X-TC-Timestamp vs the server's clock
CONTENT_TYPE = "application/json"
MAX_CLOCK_OFFSET_S = 50 * 366 * 86400


# ---------------------------------------------------------------- TC3-HMAC-SHA256

def sha256_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _hmac256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_canonical_headers(header_values, signed_headers):
    """`name:value\\n` for each signed header, in the given order; the name and
    the value lower-cased and trimmed (T1c: x-tc-action:describeinstances).
    header_values maps lower-case names to the values as sent."""
    return "".join("%s:%s\n" % (name, header_values[name].strip().lower()) for name in signed_headers)


def tc3_canonical_request(method, uri, query, header_values, signed_headers, body):
    """method \\n URI \\n query \\n canonical headers \\n signed headers \\n hex sha256(body).
    The canonical headers end in \\n, so a blank line precedes the signed headers."""
    return "\n".join([method, uri, query, tc3_canonical_headers(header_values, signed_headers),
                      ";".join(signed_headers), sha256_hex(body)])


def tc3_scope(date, service=SERVICE):
    return "%s/%s/tc3_request" % (date, service)


def tc3_string_to_sign(timestamp, date, service, canonical_request):
    return "\n".join([ALGORITHM, str(timestamp), tc3_scope(date, service), sha256_hex(canonical_request)])


def tc3_signing_key(secret_key, date, service=SERVICE):
    k_date = _hmac256(("TC3" + secret_key).encode("utf-8"), date)
    k_service = hmac.new(k_date, service.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(k_service, b"tc3_request", hashlib.sha256).digest()


def tc3_signature(secret_key, date, service, string_to_sign):
    return hmac.new(tc3_signing_key(secret_key, date, service), string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def tc3_authorization(secret_id, date, service, signed_headers, signature):
    """The header exactly as the vendor's SDKs write it: comma AND space separators."""
    return "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, secret_id, tc3_scope(date, service), ";".join(signed_headers), signature)


def utc_date(timestamp):
    """YYYY-MM-DD of a Unix timestamp in UTC (the credential scope date, T2)."""
    return datetime.datetime.fromtimestamp(int(timestamp), datetime.timezone.utc).strftime("%Y-%m-%d")


def tc3_sign(secret_id, secret_key, timestamp, header_values, body, signed_headers=("content-type", "host"),
             method="POST", uri="/", query="", service=SERVICE, date=None):
    """Authorization header for a request (date: the UTC date of timestamp unless given)."""
    date = date or utc_date(timestamp)
    canonical = tc3_canonical_request(method, uri, query, header_values, list(signed_headers), body)
    sts = tc3_string_to_sign(timestamp, date, service, canonical)
    return tc3_authorization(secret_id, date, service, signed_headers, tc3_signature(secret_key, date, service, sts))


# Strict: "TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/<terminator>, SignedHeaders=<list>,
# Signature=<sig>" with exactly ", " between the parts, as the doc, the demo and every SDK write it.
# The vendor does not document any leniency, so none is granted (see SERVER_CONTRACT.md).
_AUTH_RE = re.compile(r"TC3-HMAC-SHA256 Credential=([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/([^/,\s]+), "
                      r"SignedHeaders=([^,\s]+), Signature=([^,\s]+)")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEADER_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")
_REGION_RE = re.compile(r"[a-z]{2,}-[a-z0-9-]+")


class AuthError(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code
        self.message = message


def parse_authorization(value):
    """(secret_id, date, service, signed_headers list, signature); AuthError
    AuthFailure.InvalidAuthorization when the header is not of the TC3 form."""
    m = _AUTH_RE.fullmatch(value or "")
    if m is None:
        raise AuthError("AuthFailure.InvalidAuthorization",
                        "Authorization header is not of the form `TC3-HMAC-SHA256 Credential=<SecretId>/"
                        "<YYYY-MM-DD>/<service>/tc3_request, SignedHeaders=<names>, Signature=<hex>` "
                        "(comma and one space between the parts).")
    secret_id, date, service, terminator, signed, signature = m.groups()
    if terminator != "tc3_request":
        raise AuthError("AuthFailure.InvalidAuthorization",
                        "Authorization Credential scope must end in `tc3_request`.")
    try:
        if not _DATE_RE.fullmatch(date):
            raise ValueError
        datetime.date.fromisoformat(date)
    except ValueError:
        raise AuthError("AuthFailure.InvalidAuthorization",
                        "Authorization Credential date `%s` is not a YYYY-MM-DD date." % date)
    names = signed.split(";")
    if not all(_HEADER_NAME_RE.fullmatch(n) for n in names):
        raise AuthError("AuthFailure.InvalidAuthorization",
                        "Authorization SignedHeaders must be lower-case header names separated by `;`.")
    return secret_id, date, service, names, signature


def verify_tc3(method, uri, query, get_header, body, timestamp, secret_key, auth, service=SERVICE):
    """Check an already parsed Authorization (parse_authorization) against the
    request; raise AuthError AuthFailure.SignatureFailure on any mismatch.

    get_header(lower-case name) -> list of the values sent under that name.
    Checks, in order: the scope service, the scope date (UTC date of the
    timestamp), SignedHeaders (sorted, no duplicates, content-type and host
    included, each present exactly once), then the recomputed signature."""
    _secret_id, date, scope_service, names, signature = auth
    if scope_service != service:
        raise AuthError("AuthFailure.SignatureFailure",
                        "Credential service `%s` is not `%s`." % (scope_service, service))
    want_date = utc_date(timestamp)
    if date != want_date:
        raise AuthError("AuthFailure.SignatureFailure",
                        "Credential date `%s` is not `%s`, the UTC date of X-TC-Timestamp %s."
                        % (date, want_date, timestamp))
    if names != sorted(set(names)):
        raise AuthError("AuthFailure.SignatureFailure",
                        "SignedHeaders must be sorted and list each header once.")
    for required in ("content-type", "host"):
        if required not in names:
            raise AuthError("AuthFailure.SignatureFailure", "SignedHeaders must include `%s`." % required)
    values = {}
    for name in names:
        got = get_header(name)
        if len(got) != 1:
            raise AuthError("AuthFailure.SignatureFailure",
                            "Signed header `%s` is %s." % (name, "missing" if not got else "given more than once"))
        values[name] = got[0]
    canonical = tc3_canonical_request(method, uri, query, values, names, body)
    expected = tc3_signature(secret_key, date, service, tc3_string_to_sign(timestamp, date, service, canonical))
    if not hmac.compare_digest(signature.encode("utf-8"), expected.encode("utf-8")):
        raise AuthError("AuthFailure.SignatureFailure",
                        "The provided credentials could not be validated. Please check your signature is correct.")


# ---------------------------------------------------------------- the vendor

def _validate_bool(v, name):
    if not isinstance(v, bool):
        raise ValueError("%s must be true or false" % name)
    return v


def _validate_offset(v):
    if not isinstance(v, int) or isinstance(v, bool) or abs(v) > MAX_CLOCK_OFFSET_S:
        raise ValueError("tencent_clock_offset_s must be an integer number of seconds (|v| <= %d)"
                         % MAX_CLOCK_OFFSET_S)
    return v


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise ValueError("duplicate key `%s`" % k)
    return dict(pairs)


def _no_constants(name):
    raise ValueError("%s is not JSON" % name)


def _log_value(v):
    """A body value as a log/fault-match string: integers in decimal, an
    integer list comma-joined, anything else as compact JSON."""
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return ",".join(str(x) for x in v)
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _rate_message(current, limit):
    return ("Your current request times equals to `%d` in a second, which exceeds the frequency limit `%d` "
            "for a second. Please reduce the frequency of calls." % (current, limit))


def error_doc(code, message):
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}


class TencentVendor:
    """Tencent Cloud CCC DescribeTelCallInfo (version 2020-02-10), TC3-HMAC-SHA256."""

    name = "tencent"
    ACCOUNTS = {        # SecretId -> (SecretKey, X-TC-Token or None)
        "AKIDTencentTest0000000001": ("TencentTestKey0000000001", None),
        "AKIDTencentTest0000000002": ("TencentTestKey0000000002", None),
        "AKIDTmpTencentTest0001": ("TencentTmpKey0001", "tencent-sts-token+/="),
    }
    APPS = {            # SecretId -> the SdkAppIds the account owns
        "AKIDTencentTest0000000001": frozenset([1400000001, 1400000002, 1400000003]),
        "AKIDTencentTest0000000002": frozenset([1400000002, 1400000009]),
        "AKIDTmpTencentTest0001": frozenset([1400000001, 1400000002, 1400000003]),
    }
    BODY_KEYS = ("StartTimeStamp", "EndTimeStamp", "SdkAppIdList")

    config_defaults = {"tencent_rate_limit": 20, "tencent_legacy_voip_field": False,
                       "tencent_clock_offset_s": 0}
    config_validators = {
        "tencent_rate_limit": lambda v: _validate_int(v, "tencent_rate_limit", 0),
        "tencent_legacy_voip_field": lambda v: _validate_bool(v, "tencent_legacy_voip_field"),
        "tencent_clock_offset_s": _validate_offset,
    }

    # -- request handling

    def handle(self, req, state):
        if req.subpath not in ("", "/"):
            return Reply(status=404, body=b"404 Not Found\n", content_type="text/plain; charset=utf-8")
        config = state.get_config()
        now = time.time() + config["tencent_clock_offset_s"]
        params = self._log_params(req)

        def error(code, message, sig_ok=False, throttled=False):
            return Reply(doc=error_doc(code, message), content_type=CONTENT_TYPE, params=params,
                         sig_ok=sig_ok, throttled=throttled)

        def header(name):
            return req.headers.get_all(name) or []

        if req.method != "POST":
            return error("UnsupportedProtocol", "Method %s is not supported; send POST." % req.method)
        if req.query:
            return error("InvalidParameter", "The URL must carry no query string; parameters go in the JSON body.")
        ctypes = header("Content-Type")
        if len(ctypes) != 1 or ctypes[0].split(";")[0].strip().lower() != CONTENT_TYPE:
            return error("InvalidParameter", "Content-Type must be application/json.")
        for hname, pname, want, wrong in (("X-TC-Action", "Action", ACTION, "InvalidAction"),
                                          ("X-TC-Version", "Version", VERSION, "NoSuchVersion")):
            got = header(hname)
            if not got:
                return error("MissingParameter", "The request is missing a required parameter `%s`." % pname)
            if len(got) != 1 or got[0] != want:
                if wrong == "InvalidAction":
                    return error(wrong, "The requested action `%s` does not exist." % got[0])
                return error(wrong, "The requested version `%s` of service `%s` does not exist." % (got[0], SERVICE))
        region = header("X-TC-Region")
        if region and (len(region) != 1 or not _REGION_RE.fullmatch(region[0])):
            return error("UnsupportedRegion", "The region `%s` is not supported." % region[0])
        stamp = header("X-TC-Timestamp")
        if not stamp:
            return error("MissingParameter", "The request is missing a required parameter `Timestamp`.")
        if len(stamp) != 1 or not _TIMESTAMP_RE.fullmatch(stamp[0]):
            return error("InvalidParameter", "X-TC-Timestamp must be integer Unix seconds.")
        timestamp = int(stamp[0])
        auth_values = header("Authorization")
        try:
            if len(auth_values) != 1:
                raise AuthError("AuthFailure.InvalidAuthorization",
                                "The Authorization header is %s." % ("missing" if not auth_values
                                                                     else "given more than once"))
            auth = parse_authorization(auth_values[0])
            secret_id = auth[0]
            if secret_id not in self.ACCOUNTS:
                raise AuthError("AuthFailure.SecretIdNotFound",
                                "The SecretId is not found, please ensure that your SecretId is correct.")
            secret_key, token = self.ACCOUNTS[secret_id]
            if abs(timestamp - now) > MAX_SKEW_S:
                raise AuthError("AuthFailure.SignatureExpire",
                                "Signature expired. Timestamp: %d, server time: %d; they may differ by at most "
                                "%d seconds." % (timestamp, int(now), MAX_SKEW_S))
            tokens = header("X-TC-Token")
            if token is None and tokens:
                raise AuthError("AuthFailure.TokenFailure", "X-TC-Token was sent with a permanent SecretId.")
            if token is not None and (len(tokens) != 1 or not hmac.compare_digest(tokens[0].encode("utf-8"),
                                                                                 token.encode("utf-8"))):
                raise AuthError("AuthFailure.TokenFailure",
                                "The X-TC-Token is %s for this temporary SecretId."
                                % ("missing" if not tokens else "invalid"))
            verify_tc3(req.method, req.path, req.query, header, req.body, timestamp, secret_key, auth)
        except AuthError as e:
            return error(e.code, e.message)

        limit = config["tencent_rate_limit"]
        if not state.limiter.allow((self.name, secret_id), limit):
            return error("RequestLimitExceeded", _rate_message(limit + 1, limit), sig_ok=True, throttled=True)

        fault = state.take_fault(self.name, params)     # after authentication passed
        code, message, values = self._tel_call_info(req.body, secret_id, int(now))
        if code is not None:
            reply = error(code, message, sig_ok=True)
        else:
            reply = Reply(doc=self.success_doc(values, config["tencent_legacy_voip_field"]),
                          content_type=CONTENT_TYPE, params=params, sig_ok=True)
        reply.fault = fault
        return reply

    @staticmethod
    def _parse_body(body):
        """The body as a JSON value, or ValueError (also for duplicate keys and NaN)."""
        return json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constants)

    def _log_params(self, req):
        """The log / fault-match params: the body values as
        strings and the non-secret headers.  Never the SecretKey, the token,
        the signature or the Authorization header itself."""
        params = {}
        try:
            doc = self._parse_body(req.body)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            for k in self.BODY_KEYS:
                if k in doc:
                    params[k] = _log_value(doc[k])
        for hname, pname in (("X-TC-Action", "Action"), ("X-TC-Version", "Version"),
                             ("X-TC-Timestamp", "X-TC-Timestamp"), ("X-TC-Region", "region")):
            v = req.headers.get(hname)
            if v is not None:
                params[pname] = v
        auth = req.headers.get("Authorization") or ""
        m = re.match(r"TC3-HMAC-SHA256 Credential=([^/,\s]+)/", auth)
        if m:
            params["SecretId"] = m.group(1)
        return params

    def _tel_call_info(self, body, secret_id, now_s):
        """(error code, message, None) or (None, None, values) for a body
        whose signature has been checked."""
        try:
            doc = self._parse_body(body)
        except ValueError as e:
            return "InvalidParameter", "The request body is not valid JSON: %s." % e, None
        if not isinstance(doc, dict):
            return "InvalidParameter", "The request body must be a JSON object.", None
        unknown = sorted(k for k in doc if k not in self.BODY_KEYS)
        if unknown:
            return "UnknownParameter", "The parameter `%s` is not recognized." % unknown[0], None
        for k in self.BODY_KEYS:
            if k not in doc:
                return "MissingParameter", "The request is missing a required parameter `%s`." % k, None
        for k in ("StartTimeStamp", "EndTimeStamp"):
            if not _is_int(doc[k]) or doc[k] < 0:
                return "InvalidParameter", "The value of parameter `%s` must be an integer (Unix seconds)." % k, None
        ids = doc["SdkAppIdList"]
        if not isinstance(ids, list) or not ids:
            return "InvalidParameter", "The parameter `SdkAppIdList` must be a non-empty array of integers.", None
        if not all(_is_int(x) and x > 0 for x in ids):
            return "InvalidParameter", "Every element of `SdkAppIdList` must be a positive integer.", None
        if len(set(ids)) != len(ids):
            return "InvalidParameter", "`SdkAppIdList` lists an SdkAppId more than once.", None
        start, end = doc["StartTimeStamp"], doc["EndTimeStamp"]
        if end < start:
            return "InvalidParameter", "`EndTimeStamp` must not be before `StartTimeStamp`.", None
        if end - start > tencent_data.MAX_RANGE_S:
            return ("InvalidParameter", "The time range of %d s exceeds 90 days (at most %d s from "
                    "`StartTimeStamp` to `EndTimeStamp`)." % (end - start, tencent_data.MAX_RANGE_S), None)
        owned = self.APPS[secret_id]
        for x in ids:
            if x not in owned:
                return "InvalidParameterValue.InstanceNotExist", "The SdkAppId `%d` does not exist." % x, None
        return None, None, tencent_data.sums(ids, start, end, now_s)

    @staticmethod
    def success_doc(values, legacy=False):
        resp = {}
        for k in tencent_data.FIELDS:
            resp["VoipCallInCount" if legacy and k == "VOIPCallInCount" else k] = values[k]
        resp["RequestId"] = str(uuid.uuid4())
        return {"Response": resp}

    # -- control API and fault hooks

    def truth(self, query):
        """GET /_control/truth/tencent?sdk_app_ids=A,B&start=S&end=E[&now=N][&legacy=1]:
        the Response object the API returns for that body (without RequestId).
        The control API hands truth() only the query, not the config: `now`
        (Unix seconds, default the real clock) and `legacy` stand in for
        tencent_clock_offset_s and tencent_legacy_voip_field."""
        try:
            ids = [int(x) for x in query["sdk_app_ids"][0].split(",")]
            start = int(query["start"][0])
            end = int(query["end"][0])
            now_s = int(query["now"][0]) if "now" in query else int(time.time())
        except (KeyError, ValueError, IndexError):
            raise ValueError("sdk_app_ids (comma-separated integers), start and end (integer Unix seconds) "
                             "are required; now (integer Unix seconds) is optional")
        legacy = query.get("legacy", ["0"])[0] in ("1", "true")
        if end < start or not ids:
            raise ValueError("end must not be before start")
        resp = self.success_doc(tencent_data.sums(ids, start, end, now_s), legacy)["Response"]
        del resp["RequestId"]
        return resp

    def fault_retcode(self, fault):
        """Response.Error with the fault's Code: `code` when it is a string, else
        `error_code` (for the integer-only retcode validator), else InternalError."""
        code = fault.get("code")
        if not isinstance(code, str) or not code:
            code = fault.get("error_code")
        if not isinstance(code, str) or not code:
            code = "InternalError"
        if code.startswith("RequestLimitExceeded"):
            default = _rate_message(21, 20)
        elif code.startswith("InternalError"):
            default = ("An internal error has occurred. Retry your request, but if the problem persists, "
                       "contact us with details by filing a ticket.")
        elif code == "AuthFailure.SignatureFailure":
            default = "The provided credentials could not be validated. Please check your signature is correct."
        else:
            default = "Injected error `%s`." % code
        return error_doc(code, fault.get("message", default))

    def mutate_doc(self, kind, fault, doc):
        resp = doc.get("Response") if isinstance(doc, dict) else None
        if not isinstance(resp, dict) or "Error" in resp:
            return      # nothing to edit in an error
        if kind == "wrong_types":
            resp["TelCallOutCount"] = fault["value"]
        elif kind == "short_page":
            resp.pop("SeatUsedCount", None)
        elif kind == "big":
            resp["RequestId"] = "x" * fault["bytes"]

    @staticmethod
    def rows_in(doc):
        resp = doc.get("Response") if isinstance(doc, dict) else None
        return 1 if isinstance(resp, dict) and "Error" not in resp else 0

    @staticmethod
    def code_of(doc):
        """Response.Error.Code, or None for a success (or a foreign document)."""
        resp = doc.get("Response") if isinstance(doc, dict) else None
        err = resp.get("Error") if isinstance(resp, dict) else None
        return err.get("Code") if isinstance(err, dict) else None


VENDORS = [TencentVendor()]
