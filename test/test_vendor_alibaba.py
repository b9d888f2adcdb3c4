#!/usr/bin/env python3
"""Self-test of the Alibaba Cloud CAMS emulation (/alibaba) of
test/vendor_server.py against the "Alibaba Cloud CAMS emulation" section of
test/SERVER_CONTRACT.md.

    python3 test/test_vendor_alibaba.py

Python 3 standard library only.  Checks the pure signature functions of
vendor_alibaba.py against every "alibaba" vector of test/unit/vectors.json and
the synthetic data of alibaba_data.py, then makes certificates in a temp
directory with make_certs.sh, starts the server on an ephemeral port and
exercises the emulation over HTTPS with its own, independent signer.  Prints a
FAIL line per failed check; the last line is "N passed, N failed"; the exit
status is 1 when any check failed.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets as pysecrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import alibaba_data  # noqa: E402
import vendor_alibaba as A  # noqa: E402

VECTORS = os.environ.get("CALLRECORD_VECTORS", os.path.join(HERE, "unit", "vectors.json"))
KEY1, SECRET1 = "LTAI5tAlibabaTest0001", "AlibabaTestSecret0001"
KEY2, SECRET2 = "LTAI5tAlibabaTest0002", "AlibabaTestSecret0002"
STS_KEY, STS_SECRET, STS_TOKEN = "STS.NTestAlibabaSts01", "AlibabaStsSecret01", "CAIS+token/test=="
SECRETS = (SECRET1, SECRET2, STS_SECRET, STS_TOKEN)
PHONE = "8613800000007"
DAY = 86400000
HALF = 1800000
UUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (" -- " + str(detail)[:600]) if detail != "" else ""))
    return cond


class Env:
    port = None
    ctx = None
    proc = None
    tmp = None
    seen = []           # every raw response (status line, headers, body) for the secret scan
    sent_signatures = []


# ---------------------------------------------------------------- an independent signer

def enc(s):
    """RFC 3986 over UTF-8, uppercase hex (written out, not urllib's)."""
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        out.append(c if (c.isascii() and c.isalnum()) or c in "-_.~" else "%%%02X" % b)
    return "".join(out)


def canon(params):
    return "&".join(enc(k) + "=" + enc(v) for k, v in sorted(params.items(), key=lambda kv: kv[0].encode()))


def v3_sign(method, path, query, headers, secret):
    """headers: lower-case name -> value; every one of them is signed.
    Returns (signed names, signature)."""
    names = sorted(headers)
    creq = "\n".join([method, path, canon(query), "".join("%s:%s\n" % (n, headers[n].strip()) for n in names),
                      ";".join(names), headers["x-acs-content-sha256"]])
    sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(creq.encode()).hexdigest()
    return names, hmac.new(secret.encode(), sts.encode(), hashlib.sha256).hexdigest()


def rpc_sign(method, params, secret):
    sts = method + "&%2F&" + enc(canon({k: v for k, v in params.items() if k != "Signature"}))
    return base64.b64encode(hmac.new((secret + "&").encode(), sts.encode(), hashlib.sha1).digest()).decode()


def utc(offset_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- HTTP

def connect(timeout=10):
    return http.client.HTTPSConnection("127.0.0.1", Env.port, context=Env.ctx, timeout=timeout)


def send(method, target, headers=None, body=b"", conn=None):
    """One request; returns (status, headers dict (lower-case names), doc or None, raw body)."""
    own = conn is None
    c = conn or connect()
    try:
        c.request(method, target, body=body, headers=headers or {})
        r = c.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        Env.seen.append("%d %r %r" % (r.status, r.getheaders(), raw))
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        return r.status, hdrs, doc, raw
    finally:
        if own:
            c.close()


def v3(params, key=KEY1, secret=SECRET1, path="/alibaba/", date=None, nonce=None, token=None, conn=None,
       sign_path=None, sign_host=None, sign_params=None, drop=(), extra=None, unsigned=None, body=b"",
       method="POST", query=None, action="GetChatappPhoneNumberMetric", version="2020-06-06",
       content_sha=None, auth=None):
    """A V3 request; every argument bends one part of it."""
    h = {"host": sign_host or "127.0.0.1:%d" % Env.port, "x-acs-action": action, "x-acs-version": version,
         "x-acs-date": date or utc(), "x-acs-signature-nonce": nonce or pysecrets.token_hex(16),
         "x-acs-content-sha256": content_sha or hashlib.sha256(body).hexdigest()}
    if token is not None:
        h["x-acs-security-token"] = token
        h["x-acs-accesskey-id"] = key
    h.update(extra or {})
    for n in drop:
        h.pop(n, None)
    names, sig = v3_sign(method, sign_path or path, sign_params if sign_params is not None else params, h, secret)
    Env.sent_signatures.append(sig)
    out = {k: v for k, v in h.items() if k != "host"}       # http.client sends Host itself
    out.update(unsigned or {})
    out["Authorization"] = auth or "ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s" % (
        key, ";".join(names), sig)
    q = query if query is not None else canon(params)
    return send(method, path + ("?" + q if q else ""), out, body, conn)


def rpc_params(params, key=KEY1, nonce=None, ts=None, token=None):
    p = dict(params, Action="GetChatappPhoneNumberMetric", Version="2020-06-06", Format="JSON", AccessKeyId=key,
             SignatureMethod="HMAC-SHA1", SignatureVersion="1.0", SignatureNonce=nonce or pysecrets.token_hex(16),
             Timestamp=ts or utc())
    if token is not None:
        p["SecurityToken"] = token
    return p


def rpc(params, key=KEY1, secret=SECRET1, nonce=None, ts=None, token=None, path="/alibaba/", conn=None,
        edit=None, query=None):
    """An RPC request; edit(p) may change the parameters after signing."""
    p = rpc_params(params, key, nonce, ts, token)
    p["Signature"] = rpc_sign("POST", p, secret)
    Env.sent_signatures.append(p["Signature"])
    if edit:
        edit(p)
    q = query if query is not None else canon({k: v for k, v in p.items() if k != "Signature"}) + \
        "&Signature=" + enc(p["Signature"])
    return send("POST", path + "?" + q, {}, b"", conn)


def control(method, path, doc=None):
    c = connect()
    try:
        body = json.dumps(doc).encode() if doc is not None else None
        c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def reset(**config):
    control("POST", "/_control/reset")
    if config:
        control("POST", "/_control/config", config)


def faults(*fs):
    st, doc = control("POST", "/_control/faults", list(fs))
    if not check("faults queued", st == 200, doc):
        raise RuntimeError("could not queue faults")


def truth(phone, gran, start, end):
    q = "granularity=%s&start_ms=%d&end_ms=%d" % (gran, start, end) + ("&phone=%s" % phone if phone else "")
    st, doc = control("GET", "/_control/truth/alibaba?" + q)
    return doc if st == 200 else None


def code(resp):
    st, _, doc, _ = resp
    return doc.get("Code") if isinstance(doc, dict) else "HTTP %d" % st


def day_start(days_ago):
    """Start of the DAILY bucket (UTC+8 day) `days_ago` days before today's."""
    now = int(time.time() * 1000)
    return alibaba_data.FIRST_MS + ((now - alibaba_data.FIRST_MS) // DAY - days_ago) * DAY


def biz(days=5, phone=PHONE, **more):
    end = int(time.time() * 1000)
    p = {"Start": str(end - days * DAY), "End": str(end)}
    if phone:
        p["PhoneNumber"] = phone
    p.update(more)
    return p


# ---------------------------------------------------------------- pure checks

def test_vectors():
    with open(VECTORS, encoding="utf-8") as f:
        vectors = json.load(f)["alibaba"]
    names = {v["name"] for v in vectors}
    for n in ("A1", "A1-POST", "A1-TimeStamp", "A2", "A3", "A4", "A5", "A6", "A7a", "A7b"):
        check("vector %s present" % n, n in names)
    for v in vectors:
        n, method = v["name"], v.get("method", "")
        if v["algorithm"] == "RPC-HMAC-SHA1":
            p = v["params"]
            check("%s canonicalized query" % n, A.canonical_query(p) == v["canonicalized_query_string"])
            check("%s string to sign" % n, A.rpc_string_to_sign(method, p) == v["string_to_sign"])
            check("%s signature" % n, A.rpc_signature(method, p, v["access_key_secret"]) == v["signature"])
            check("%s url-encoded signature" % n, A.enc(v["signature"]) == v["signature_urlencoded"]
                  and enc(v["signature"]) == v["signature_urlencoded"])
            check("%s independent signer" % n, rpc_sign(method, p, v["access_key_secret"]) == v["signature"])
            for frag in v.get("canonical_fragments", []):
                check("%s fragment %s" % (n, frag), frag in A.canonical_query(p))
        else:
            hdrs = {}
            for k, val in v["headers"]:
                hdrs.setdefault(k.lower(), []).append(val)
            signed = v["signed_headers"].split(";")
            creq = A.acs3_canonical_request(method, v["canonical_uri"], v["query"], hdrs, signed,
                                            v["hashed_payload"])
            check("%s canonical query" % n, A.canonical_query(v["query"]) == v["canonical_query_string"])
            check("%s canonical request" % n, creq == v["canonical_request"], repr(creq))
            check("%s hashed canonical request" % n,
                  hashlib.sha256(creq.encode()).hexdigest() == v["hashed_canonical_request"])
            check("%s string to sign" % n, A.acs3_string_to_sign(creq) == v["string_to_sign"])
            sig = A.acs3_signature(creq, v["access_key_secret"])
            check("%s signature" % n, sig == v["signature"], sig)
            check("%s authorization" % n, A.acs3_authorization(v["access_key_id"], signed, sig) == v["authorization"])
            check("%s authorization parsed" % n,
                  A.parse_authorization(v["authorization"]) == (v["access_key_id"], signed, v["signature"]))
            if "body" in v:
                check("%s hashed payload" % n, hashlib.sha256(v["body"].encode()).hexdigest() == v["hashed_payload"])
            if n != "A7b":
                one = {k.lower(): val for k, val in v["headers"]}
                check("%s independent signer" % n,
                      v3_sign(method, v["canonical_uri"], v["query"], one, v["access_key_secret"])
                      == (signed, v["signature"]))

    # The server's verifiers accept the CAMS vectors as they stand (A4, A6: V3 at
    # path "/"; A3: RPC POST), and refuse them with one byte changed.
    by = {v["name"]: v for v in vectors}
    for n in ("A4", "A6"):
        v = by[n]
        h = {}
        for k, val in v["headers"]:
            h.setdefault(k.lower(), []).append(val)
        req = types.SimpleNamespace(method="POST", path="/", body=b"")
        auth = A.parse_authorization(v["authorization"])
        try:
            A.AlibabaVendor._verify_v3(req, v["query"], h, auth, v["access_key_secret"])
            ok = True
        except A._Refusal as e:
            ok = e.code
        check("%s accepted by the V3 verifier" % n, ok is True, ok)
        try:
            A.AlibabaVendor._verify_v3(types.SimpleNamespace(method="POST", path="/alibaba/", body=b""),
                                       v["query"], h, auth, v["access_key_secret"])
            bad = None
        except A._Refusal as e:
            bad = e.code
        check("%s refused at another path" % n, bad == "SignatureDoesNotMatch", bad)
    v = by["A3"]
    req = types.SimpleNamespace(method="POST", path="/alibaba/", body=b"")
    for label, params, want in (("A3 accepted by the RPC verifier", dict(v["params"], Signature=v["signature"]), None),
                                ("A3 refused with End changed", dict(v["params"], End="1762560000001",
                                                                     Signature=v["signature"]),
                                 "SignatureDoesNotMatch")):
        try:
            A.AlibabaVendor._verify_rpc(req, params, v["access_key_secret"])
            got = None
        except A._Refusal as e:
            got = e.code
        check(label, got == want, got)


def test_data():
    d = alibaba_data
    now = int(time.time() * 1000)
    first = d.buckets(PHONE, "DAILY", 0, d.FIRST_MS, now)
    check("data: first DAILY bucket 2025-01-01T00:00+08:00",
          len(first) == 1 and first[0]["Start"] == 1735660800000 and first[0]["End"] == 1735660800000 + DAY, first)
    check("data: nothing before", d.buckets(PHONE, "DAILY", 0, d.FIRST_MS - 1, now) == [] and
          d.buckets(PHONE, "HALF_HOUR", 0, d.FIRST_MS - 1, now) == [])
    check("data: first HALF_HOUR bucket at the same instant",
          [b["Start"] for b in d.buckets(PHONE, "HALF_HOUR", 0, d.FIRST_MS + HALF, now)]
          == [d.FIRST_MS, d.FIRST_MS + HALF])
    ok = True
    for start in (d.FIRST_MS, d.FIRST_MS + 300 * DAY, day_start(3)):
        (daily,) = d.buckets(PHONE, "DAILY", start, start, now)
        halves = d.buckets(PHONE, "HALF_HOUR", start, start + DAY - 1, now)
        ok = ok and len(halves) == 48 and daily["SentCount"] == sum(h["SentCount"] for h in halves) and \
            daily["DeliveredCount"] == sum(h["DeliveredCount"] for h in halves)
    check("data: DAILY = sum of its 48 HALF_HOUR buckets (first day too)", ok)
    allb = d.buckets(None, "HALF_HOUR", day_start(2), day_start(1) - 1, now)
    check("data: 120 numbers x 48 half hours", len(allb) == 120 * 48 and
          sorted({b["PhoneNumber"] for b in allb}) == d.PHONES == ["86138%08d" % i for i in range(120)])
    check("data: DeliveredCount <= SentCount, non-negative ints",
          all(isinstance(b["SentCount"], int) and 0 <= b["DeliveredCount"] <= b["SentCount"] for b in allb))
    check("data: some zero buckets, some delivered < sent",
          any(b["SentCount"] == 0 for b in allb) and any(b["DeliveredCount"] < b["SentCount"] for b in allb))
    check("data: sorted by (PhoneNumber, Start)",
          allb == sorted(allb, key=lambda b: (b["PhoneNumber"], b["Start"])))
    check("data: deterministic", allb == d.buckets(None, "HALF_HOUR", day_start(2), day_start(1) - 1, now))
    check("data: fields as on the wire", set(allb[0]) == {"Start", "End", "PhoneNumber", "Granularity",
                                                          "SentCount", "DeliveredCount"}
          and allb[0]["End"] - allb[0]["Start"] == HALF and allb[0]["Granularity"] == "HALF_HOUR")
    check("data: cut at now", d.buckets(PHONE, "HALF_HOUR", now - 3 * HALF, now + DAY, now)[-1]["Start"] <= now
          and d.buckets(PHONE, "HALF_HOUR", now + 1, now + DAY, now) == [])
    check("data: unknown number", d.buckets("8613800000120", "DAILY", 0, now, now) == [])
    try:
        d.buckets(PHONE, "WEEKLY", 0, now, now)
        refused = False
    except ValueError:
        refused = True
    check("data: other granularity refused", refused)


# ---------------------------------------------------------------- over HTTPS

def ok_doc(resp):
    st, hd, doc, _ = resp
    return st == 200 and isinstance(doc, dict) and doc.get("Code") == "OK" and doc.get("Message") == "SUCCESS" \
        and doc.get("AccessDeniedDetail", 1) is None and bool(UUID_RE.fullmatch(doc.get("RequestId", ""))) \
        and isinstance(doc.get("Data"), list)


def test_success():
    reset()
    p = biz(10)
    exp = truth(PHONE, "DAILY", int(p["Start"]), int(p["End"]))
    check("truth: 10 DAILY buckets", exp is not None and len(exp) in (10, 11), exp and len(exp))
    for label, resp in (("V3", v3(p)),
                        ("V3 second key", v3(p, KEY2, SECRET2)),
                        ("V3 STS", v3(p, STS_KEY, STS_SECRET, token=STS_TOKEN)),
                        ("RPC", rpc(p)),
                        ("RPC second key", rpc(p, KEY2, SECRET2)),
                        ("RPC STS", rpc(p, STS_KEY, STS_SECRET, token=STS_TOKEN)),
                        ("V3 at /alibaba", v3(p, path="/alibaba")),
                        ("RPC at /alibaba", rpc(p, path="/alibaba"))):
        check("success %s" % label, ok_doc(resp) and resp[2]["Data"] == exp, resp[2])
    st, hd, doc, raw = v3(p)
    check("success: JSON content type", hd.get("content-type", "").startswith("application/json"), hd)
    check("success: Data keys in order", list(doc["Data"][0]) == ["Start", "End", "PhoneNumber", "Granularity",
                                                                  "SentCount", "DeliveredCount"], doc["Data"][0])
    resp = v3(biz(3, phone=None))
    check("no PhoneNumber: every number", ok_doc(resp) and len({b["PhoneNumber"] for b in resp[2]["Data"]}) == 120)
    resp = v3({"Start": p["Start"], "End": p["End"], "PhoneNumber": PHONE})
    check("Granularity absent: DAILY", ok_doc(resp) and all(b["Granularity"] == "DAILY" for b in resp[2]["Data"]))
    resp = v3(dict(p, Granularity="HALF_HOUR", Start=str(int(p["End"]) - DAY)))
    check("HALF_HOUR", ok_doc(resp) and len(resp[2]["Data"]) == 48 and
          all(b["Granularity"] == "HALF_HOUR" and b["End"] - b["Start"] == HALF for b in resp[2]["Data"]))
    resp = v3(dict(p, CustSpaceId="cams-abc123", IsvCode="isv-1"))
    check("CustSpaceId and IsvCode accepted", ok_doc(resp) and resp[2]["Data"] == exp)
    resp = rpc(dict(p, CustSpaceId="cams-abc123", IsvCode="isv 1/é"))
    check("RPC: encoded values accepted", ok_doc(resp) and resp[2]["Data"] == exp)
    resp = rpc(dict(p, RegionId="ap-southeast-1"))
    check("RPC: RegionId accepted and ignored", ok_doc(resp) and resp[2]["Data"] == exp)
    resp = v3(dict(p, PhoneNumber="8613800000120"))
    check("unknown number: empty Data", ok_doc(resp) and resp[2]["Data"] == [])
    resp = v3(p, extra={"x-acs-credentials-provider": "static_ak", "content-type": "application/json"})
    check("V3: more signed headers accepted", ok_doc(resp))
    resp = v3(p, unsigned={"x-trace": "1"})
    check("V3: an unsigned non-acs header is ignored", ok_doc(resp))


def err_ok(resp, want, status=400):
    st, hd, doc, _ = resp
    good = isinstance(doc, dict) and doc.get("Code") == want and st == status and \
        set(doc) == {"RequestId", "HostId", "Code", "Message", "Recommend"} and \
        bool(UUID_RE.fullmatch(doc["RequestId"])) and doc["HostId"] == "cams.ap-southeast-1.aliyuncs.com" and \
        doc["Recommend"] == "https://api.aliyun.com/troubleshoot?q=" + want and bool(doc["Message"])
    return good


def test_errors():
    reset()
    p = biz(3)
    cases = [
        ("unknown key V3", v3(p, key="LTAI5tNobody"), "InvalidAccessKeyId.NotFound", 404),
        ("unknown key RPC", rpc(p, key="LTAI5tNobody"), "InvalidAccessKeyId.NotFound", 404),
        ("wrong secret V3", v3(p, secret="wrong-secret-v3"), "SignatureDoesNotMatch", 400),
        ("wrong secret RPC", rpc(p, secret="wrong-secret-rpc"), "SignatureDoesNotMatch", 400),
        ("V3 signed at path /", v3(p, sign_path="/"), "SignatureDoesNotMatch", 400),
        ("V3 signed for another host", v3(p, sign_host="localhost:%d" % Env.port), "SignatureDoesNotMatch", 400),
        ("V3 query differs from the signed one", v3(p, sign_params=dict(p, End=str(int(p["End"]) - 1))),
         "SignatureDoesNotMatch", 400),
        ("RPC parameter changed after signing", rpc(p, edit=lambda q: q.update(PhoneNumber="8613800000008")),
         "SignatureDoesNotMatch", 400),
        ("RPC non-ASCII signature", rpc(p, edit=lambda q: q.update(Signature="é" * 28)), "SignatureDoesNotMatch", 400),
        ("V3 upper-case hex signature",
         v3(p, auth="ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
                    "x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=%s" % (KEY1, "A" * 64)),
         "SignatureDoesNotMatch", 400),
        ("no signature at all", send("POST", "/alibaba/?" + canon(p)), "IncompleteSignature", 400),
        ("Authorization malformed (spaces)",
         v3(p, auth="ACS3-HMAC-SHA256 Credential=%s, SignedHeaders=host, Signature=%s" % (KEY1, "0" * 64)),
         "IncompleteSignature", 400),
        ("Authorization of another algorithm", v3(p, auth="TC3-HMAC-SHA256 Credential=x"), "IncompleteSignature", 400),
        ("x-acs-date not signed", v3(p, drop=("x-acs-date",), unsigned={"x-acs-date": utc()}),
         "IncompleteSignature", 400),
        ("x-acs-signature-nonce missing", v3(p, drop=("x-acs-signature-nonce",)), "IncompleteSignature", 400),
        ("host not signed", v3(p, drop=("host",)), "IncompleteSignature", 400),
        ("security token sent unsigned", v3(p, STS_KEY, STS_SECRET, unsigned={"x-acs-security-token": STS_TOKEN}),
         "IncompleteSignature", 400),
        ("other x-acs-action", v3(p, action="DescribeRegions"), "InvalidAction.NotFound", 400),
        ("other x-acs-version", v3(p, version="2014-05-26"), "InvalidVersion", 400),
        ("x-acs-content-sha256 not the body's", v3(p, content_sha="0" * 64), "InvalidParameter", 400),
        ("a body", v3(p, body=b"Start=1"), "InvalidParameter", 400),
        ("GET", v3(p, method="GET"), "UnsupportedHTTPMethod", 400),
        ("STS without its token V3", v3(p, STS_KEY, STS_SECRET), "InvalidSecurityToken.MismatchWithAccessKey", 400),
        ("STS with another token V3", v3(p, STS_KEY, STS_SECRET, token="CAIS+other"),
         "InvalidSecurityToken.MismatchWithAccessKey", 400),
        ("STS without its token RPC", rpc(p, STS_KEY, STS_SECRET), "InvalidSecurityToken.MismatchWithAccessKey", 400),
        ("STS with another token RPC", rpc(p, STS_KEY, STS_SECRET, token="CAIS+other"),
         "InvalidSecurityToken.MismatchWithAccessKey", 400),
        ("permanent key with a token", v3(p, token="CAIS+token/test=="),
         "InvalidSecurityToken.MismatchWithAccessKey", 400),
        ("RPC SignatureMethod HMAC-SHA256",
         send("POST", "/alibaba/?" + _rpc_query_with(p, SignatureMethod="HMAC-SHA256")), "InvalidParameter", 400),
        ("RPC SignatureVersion 2.0", send("POST", "/alibaba/?" + _rpc_query_with(p, SignatureVersion="2.0")),
         "InvalidParameter", 400),
        ("RPC other Action", send("POST", "/alibaba/?" + _rpc_query_with(p, Action="DescribeRegions")),
         "InvalidAction.NotFound", 400),
        ("RPC other Version", send("POST", "/alibaba/?" + _rpc_query_with(p, Version="2017-01-01")),
         "InvalidVersion", 400),
        ("RPC Format XML", send("POST", "/alibaba/?" + _rpc_query_with(p, Format="XML")), "InvalidParameter", 400),
        ("RPC SignatureNonce missing", send("POST", "/alibaba/?" + _rpc_query_with(p, SignatureNonce=None)),
         "MissingSignatureNonce", 400),
        ("RPC Timestamp missing", send("POST", "/alibaba/?" + _rpc_query_with(p, Timestamp=None)),
         "MissingTimestamp", 400),
        ("RPC AccessKeyId missing", send("POST", "/alibaba/?" + _rpc_query_with(p, AccessKeyId=None)),
         "MissingAccessKeyId", 400),
        ("RPC and an Authorization header",
         send("POST", "/alibaba/?" + _rpc_query_with(p), {"Authorization": "ACS3-HMAC-SHA256 x"}),
         "IncompleteSignature", 400),
        ("parameter given twice V3", v3(p, query=canon(p) + "&End=" + p["End"]), "InvalidParameter", 400),
        ("parameter given twice RPC", rpc(p, query=_rpc_query_with(p) + "&Start=" + p["Start"]),
         "InvalidParameter", 400),
        ("empty parameter V3", v3(dict(p, IsvCode="")), "InvalidParameter", 400),
        ("empty parameter RPC", rpc(dict(p, CustSpaceId="")), "InvalidParameter", 400),
        ("malformed query", v3(p, query=canon(p) + "&novalue"), "InvalidParameter", 400),
        ("unknown parameter V3", v3(dict(p, PageSize="10")), "InvalidParameter", 400),
        ("common RPC parameter in a V3 query", v3(dict(p, Action="GetChatappPhoneNumberMetric")),
         "InvalidParameter", 400),
        ("unknown parameter RPC", rpc(dict(p, PageSize="10")), "InvalidParameter", 400),
        ("MissingStart", v3({"End": p["End"]}), "MissingStart", 400),
        ("MissingEnd", rpc({"Start": p["Start"]}), "MissingEnd", 400),
        ("InvalidStart", v3(dict(p, Start="2026-11-01")), "InvalidStart", 400),
        ("InvalidEnd (float)", v3(dict(p, End=p["End"] + ".0")), "InvalidEnd", 400),
        ("End before Start", v3(dict(p, End=str(int(p["Start"]) - 1))), "InvalidParameter", 400),
        ("InvalidGranularity", v3(dict(p, Granularity="WEEKLY")), "InvalidGranularity", 400),
        ("granularity is case-sensitive", rpc(dict(p, Granularity="daily")), "InvalidGranularity", 400),
        ("InvalidCustSpaceId", v3(dict(p, CustSpaceId="abc123")), "InvalidCustSpaceId", 400),
    ]
    for label, resp, want, status in cases:
        check("error: %s" % label, err_ok(resp, want, status), (resp[0], resp[2]))
    st, _, doc, raw = send("POST", "/alibaba/other?" + canon(p))
    check("error: other sub-path 404", st == 404 and doc is None, st)

    resp = v3(p, secret="wrong-secret-v3")
    m = resp[2]["Message"]
    check("SignatureDoesNotMatch: message gives the string to sign",
          m.startswith("Specified signature does not match our calculation. The server string to sign is: "
                       "ACS3-HMAC-SHA256\n") and re.search(r"\n[0-9a-f]{64}$", m), m)
    resp = rpc(p, STS_KEY, "wrong-sts-secret", token=STS_TOKEN)
    m = resp[2]["Message"]
    check("SignatureDoesNotMatch RPC: POST&%2F&..., token hidden",
          "The server string to sign is: POST&%2F&AccessKeyId%3DSTS.NTestAlibabaSts01" in m and
          "token" not in m.replace("SecurityToken", "") and "CAIS" not in m, m)


def _rpc_query_with(params, **changes):
    """A correctly signed RPC query with some common parameters changed (None: removed) before signing."""
    p = rpc_params(params)
    for k, v in changes.items():
        if v is None:
            p.pop(k, None)
        else:
            p[k] = v
    p["Signature"] = rpc_sign("POST", p, SECRET1)
    Env.sent_signatures.append(p["Signature"])
    return canon({k: v for k, v in p.items() if k != "Signature"}) + "&Signature=" + enc(p["Signature"])


def test_nonce_and_clock():
    reset()
    p = biz(2)
    n = "nonce-" + pysecrets.token_hex(8)
    check("nonce: first use accepted", ok_doc(v3(p, nonce=n)))
    check("nonce: reuse refused (V3)", err_ok(v3(p, nonce=n), "SignatureNonceUsed"))
    check("nonce: reuse refused across schemes", err_ok(rpc(p, nonce=n), "SignatureNonceUsed"))
    check("nonce: per AccessKeyId", ok_doc(v3(p, KEY2, SECRET2, nonce=n)))
    n2 = "nonce-" + pysecrets.token_hex(8)
    check("nonce: RPC first use", ok_doc(rpc(p, nonce=n2)))
    check("nonce: RPC reuse refused", err_ok(rpc(p, nonce=n2), "SignatureNonceUsed"))
    n3 = "nonce-" + pysecrets.token_hex(8)
    check("nonce: not consumed by a bad signature",
          err_ok(v3(p, nonce=n3, secret="bad"), "SignatureDoesNotMatch") and ok_doc(v3(p, nonce=n3)))
    n4 = "nonce-" + pysecrets.token_hex(8)
    first = v3(p, nonce=n4)
    control("POST", "/_control/reset")
    check("nonce: remembered across /_control/reset", ok_doc(first) and err_ok(v3(p, nonce=n4), "SignatureNonceUsed"))

    for label, off, want in (("16 min behind", -960, "InvalidTimeStamp.Expired"),
                             ("16 min ahead", 960, "InvalidTimeStamp.Expired"),
                             ("a day behind", -86400, "InvalidTimeStamp.Expired")):
        check("clock V3 %s" % label, err_ok(v3(p, date=utc(off)), want))
        check("clock RPC %s" % label, err_ok(rpc(p, ts=utc(off)), want))
    for label, off in (("14 min behind", -840), ("14 min ahead", 840)):
        check("clock V3 %s accepted" % label, ok_doc(v3(p, date=utc(off))))
        check("clock RPC %s accepted" % label, ok_doc(rpc(p, ts=utc(off))))
    for bad in ("2026-11-01 00:00:00", "2026-11-01T00:00:00.000Z", "2026-11-01T00:00:00+00:00", "2026-13-01T00:00:00Z",
                "1762000000", "2026-02-30T00:00:00Z"):
        check("clock V3 unparsable %r" % bad, err_ok(v3(p, date=bad), "InvalidTimeStamp.Format"))
    check("clock RPC unparsable", err_ok(rpc(p, ts="yesterday"), "InvalidTimeStamp.Format"))
    n5 = "nonce-" + pysecrets.token_hex(8)
    check("nonce: not consumed by an expired timestamp",
          err_ok(v3(p, nonce=n5, date=utc(-3600)), "InvalidTimeStamp.Expired") and ok_doc(v3(p, nonce=n5)))


def test_buckets():
    reset()
    D = day_start(10)
    H = D + 7 * HALF

    def starts(gran, s, e, phone=PHONE):
        resp = v3({"Start": str(s), "End": str(e), "Granularity": gran, "PhoneNumber": phone})
        return [b["Start"] for b in resp[2]["Data"]] if ok_doc(resp) else resp[2]

    for gran, B, step in (("DAILY", D, DAY), ("HALF_HOUR", H, HALF)):
        check("%s: Start = End = a bucket's Start -> that bucket" % gran, starts(gran, B, B) == [B])
        check("%s: both ends inclusive" % gran, starts(gran, B, B + step) == [B, B + step])
        check("%s: End one ms before the next bucket" % gran, starts(gran, B, B + step - 1) == [B])
        check("%s: Start one ms after a bucket's Start excludes it" % gran,
              starts(gran, B + 1, B + 2 * step) == [B + step, B + 2 * step])
        check("%s: End one ms before a bucket's Start excludes it" % gran, starts(gran, B - step, B - 1) == [B - step])
        check("%s: inside one bucket -> nothing" % gran, starts(gran, B + 1, B + step - 1) == [])
    check("DAILY starts at 16:00Z", D % DAY == 16 * 3600000)
    now = int(time.time() * 1000)
    got = starts("HALF_HOUR", now - 2 * HALF, now + 10 * DAY)
    check("nothing after the server's now", isinstance(got, list) and got and got[-1] <= now and
          got[-1] > now - HALF - 5000, got)
    check("data from 2025-01-01T00:00+08:00 on", starts("DAILY", 0, alibaba_data.FIRST_MS + DAY) ==
          [alibaba_data.FIRST_MS, alibaba_data.FIRST_MS + DAY])

    (daily,) = v3({"Start": str(D), "End": str(D), "PhoneNumber": PHONE})[2]["Data"]
    halves = v3({"Start": str(D), "End": str(D + DAY - 1), "PhoneNumber": PHONE, "Granularity": "HALF_HOUR"})[2]["Data"]
    check("HTTP: DAILY = sum of its 48 HALF_HOUR buckets",
          len(halves) == 48 and daily["SentCount"] == sum(h["SentCount"] for h in halves) and
          daily["DeliveredCount"] == sum(h["DeliveredCount"] for h in halves) and
          daily["End"] == halves[-1]["End"] == D + DAY, (daily, len(halves)))
    resp = rpc({"Start": str(D), "End": str(D + DAY), "Granularity": "HALF_HOUR"})
    data = resp[2]["Data"]
    check("every number: sorted by (PhoneNumber, Start)", ok_doc(resp) and len(data) == 120 * 49 and
          data == sorted(data, key=lambda b: (b["PhoneNumber"], b["Start"])))
    check("truth = the wire", truth(None, "HALF_HOUR", D, D + DAY) == data and
          truth(PHONE, "DAILY", D, D) == [daily])
    st, doc = control("GET", "/_control/truth/alibaba?granularity=WEEKLY&start_ms=0&end_ms=1")
    check("truth: bad granularity -> 400", st == 400, doc)
    st, doc = control("GET", "/_control/truth/alibaba?granularity=DAILY&end_ms=1")
    check("truth: start_ms required -> 400", st == 400, doc)


def test_throttling():
    reset()
    p = biz(1)
    st, cfg = control("GET", "/_control/config")
    check("config: alibaba_rate_limit default 50, alibaba_retry_after_ms null",
          cfg.get("alibaba_rate_limit") == 50 and "alibaba_retry_after_ms" in cfg
          and cfg["alibaba_retry_after_ms"] is None, cfg)
    for attempt in range(3):
        reset()
        c = connect()
        try:
            t0 = time.monotonic()
            results = [v3(p, KEY2, SECRET2, conn=c) for _ in range(51)]
            elapsed = time.monotonic() - t0
        finally:
            c.close()
        if elapsed < 0.9:
            break
    codes = [code(r) for r in results]
    check("throttle: 51 requests within one second", elapsed < 0.9, elapsed)
    check("throttle: 50 pass, the 51st refused", codes == ["OK"] * 50 + ["Throttling.User"], codes)
    last = results[-1]
    check("throttle: HTTP 400, vendor message", err_ok(last, "Throttling.User", 400) and
          last[2]["Message"] == "Request was denied due to user flow control.", last[2])
    check("throttle: no x-acs-retry-after by default", "x-acs-retry-after" not in last[1], last[1])
    check("throttle: per AccessKeyId", ok_doc(v3(p)))
    check("throttle: STS key counted on its own", ok_doc(rpc(p, STS_KEY, STS_SECRET, token=STS_TOKEN)))
    log = control("GET", "/_control/log")[1]
    thr = [e for e in log if e["throttled"]]
    check("throttle: logged as throttled", len(thr) == 1 and thr[0]["retcode"] == "Throttling.User" and
          thr[0]["sig_ok"] is True and thr[0]["status"] == 400 and thr[0]["params"]["AccessKeyId"] == KEY2, thr)
    time.sleep(1.05)
    check("throttle: the window slides", ok_doc(v3(p, KEY2, SECRET2)))

    reset(alibaba_rate_limit=1, alibaba_retry_after_ms=1500)
    a = rpc(p)
    faults({"vendor": "alibaba", "kind": "retcode", "code": "InternalError"})
    b = rpc(p)
    check("throttle: limit from config", code(a) == "OK" and code(b) == "Throttling.User", (code(a), code(b)))
    check("throttle: x-acs-retry-after from config", b[1].get("x-acs-retry-after") == "1500", b[1])
    check("throttle: a throttled request takes no fault", len(control("GET", "/_control/faults")[1]) == 1)
    time.sleep(1.05)
    check("throttle: the fault goes to the next accepted request", code(rpc(p)) == "InternalError")
    for bad in ({"alibaba_rate_limit": "50"}, {"alibaba_rate_limit": -1}, {"alibaba_rate_limit": True},
                {"alibaba_retry_after_ms": -5}, {"alibaba_retry_after_ms": 1.5}):
        st, doc = control("POST", "/_control/config", bad)
        check("config: %r refused" % bad, st == 400, (st, doc))
    st, doc = control("POST", "/_control/config", {"alibaba_retry_after_ms": None, "alibaba_rate_limit": 0})
    check("config: null retry-after and limit 0 accepted", st == 200 and doc["alibaba_rate_limit"] == 0, doc)
    check("config: limit 0 refuses everything", code(v3(p)) == "Throttling.User")
    reset()
    st, cfg = control("GET", "/_control/config")
    check("reset restores the defaults", cfg["alibaba_rate_limit"] == 50 and cfg["alibaba_retry_after_ms"] is None)


def test_faults():
    reset()
    p = biz(4)
    exp = truth(PHONE, "DAILY", int(p["Start"]), int(p["End"]))

    faults({"vendor": "alibaba", "kind": "status", "status": 503, "retry_after": "2",
            "match": {"PhoneNumber": "8613800000003"}})
    check("fault match: other number untouched", ok_doc(v3(p)))
    st, hd, doc, raw = v3(dict(p, PhoneNumber="8613800000003"))
    check("fault status 503 with Retry-After", st == 503 and doc is None and hd.get("retry-after") == "2", st)
    faults({"vendor": "alibaba", "kind": "status", "status": 502, "match": {"scheme": "rpc"}})
    check("fault match on scheme", ok_doc(v3(p)) and rpc(p)[0] == 502)

    faults({"vendor": "alibaba", "kind": "retcode", "code": "Throttling.User", "count": 2})
    check("fault not consumed by a bad signature", code(v3(p, secret="nope")) == "SignatureDoesNotMatch")
    check("fault not consumed by an unknown key", code(v3(p, key="LTAI5tNobody")) == "InvalidAccessKeyId.NotFound")
    r1, r2, r3 = v3(p), rpc(p), v3(p)
    check("fault retcode Throttling.User: 400, vendor text, count 2",
          err_ok(r1, "Throttling.User", 400) and r1[2]["Message"] == "Request was denied due to user flow control."
          and err_ok(r2, "Throttling.User", 400) and ok_doc(r3), (r1[2], r3[2]))
    for c, status in (("ServiceUnavailable", 503), ("InternalError", 500), ("Forbidden.RAM", 403),
                      ("Throttling.Api", 400), ("System.LimitControl", 400), ("SignatureDoesNotMatch", 400),
                      ("InvalidAccessKeyId.NotFound", 404), ("Product.Unsubscript", 200)):
        faults({"vendor": "alibaba", "kind": "retcode", "code": c, "message": "injected " + c})
        r = v3(p)
        check("fault retcode %s -> HTTP %d" % (c, status), err_ok(r, c, status) and r[2]["Message"] == "injected " + c,
              (r[0], r[2]))
    faults({"vendor": "alibaba", "kind": "retcode", "code": "Throttling.User", "http_status": 429})
    check("fault retcode http_status override", err_ok(v3(p), "Throttling.User", 429))
    faults({"vendor": "alibaba", "kind": "retcode", "code": "InternalError"})
    r = v3(p)
    check("fault retcode default message", err_ok(r, "InternalError", 500) and "unknown error" in r[2]["Message"])

    faults({"vendor": "alibaba", "kind": "hang", "seconds": 1})
    outcome = {}

    def hung():
        t0 = time.monotonic()
        try:
            v3(p)
            outcome["err"] = None
        except (OSError, http.client.HTTPException) as e:
            outcome["err"] = e
        outcome["dt"] = time.monotonic() - t0

    th = threading.Thread(target=hung)
    th.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    other = v3(p)
    other_dt = time.monotonic() - t0
    th.join(10)
    check("fault hang: others served meanwhile", ok_doc(other) and other_dt < 0.7, other_dt)
    check("fault hang: closed without a response after ~1 s", outcome.get("err") is not None and
          0.9 <= outcome.get("dt", 0) < 5, outcome)

    for kind in ("hang_body", "truncated"):
        faults({"vendor": "alibaba", "kind": kind, "seconds": 0.5})
        t0 = time.monotonic()
        try:
            v3(p)
            err = None
        except (OSError, http.client.HTTPException) as e:
            err = e
        check("fault %s: incomplete body" % kind, isinstance(err, http.client.IncompleteRead) and
              len(err.partial) > 0 and err.expected > 0, repr(err))
        if kind == "hang_body":
            check("fault hang_body: paused", time.monotonic() - t0 >= 0.45)

    faults({"vendor": "alibaba", "kind": "malformed"})
    st, _, doc, raw = v3(p)
    check("fault malformed: 200, not JSON", st == 200 and doc is None and raw, raw[:80])
    faults({"vendor": "alibaba", "kind": "wrong_types"})
    doc = v3(p)[2]
    check("fault wrong_types: SentCount \"abc\"", doc["Data"][0]["SentCount"] == "abc" and doc["Data"][1:] == exp[1:])
    faults({"vendor": "alibaba", "kind": "wrong_types", "value": None})
    check("fault wrong_types value", v3(p)[2]["Data"][0]["SentCount"] is None)
    faults({"vendor": "alibaba", "kind": "short_page"})
    doc = v3(p)[2]
    check("fault short_page: first bucket lost Start", "Start" not in doc["Data"][0] and
          len(doc["Data"]) == len(exp) and doc["Data"][1:] == exp[1:])
    faults({"vendor": "alibaba", "kind": "big", "bytes": 5000})
    doc = v3(p)[2]
    check("fault big: long PhoneNumber", doc["Data"][0]["PhoneNumber"] == "9" * 5000 and doc["Data"][1:] == exp[1:])
    faults({"vendor": "alibaba", "kind": "wrong_types"})
    check("doc faults leave an error alone", err_ok(v3(dict(p, Granularity="X")), "InvalidGranularity"))
    faults({"vendor": "alibaba", "kind": "short_page"})
    check("doc faults leave an empty Data alone", v3(dict(p, PhoneNumber="1"))[2]["Data"] == [])
    check("the cached truth is not edited by faults", truth(PHONE, "DAILY", int(p["Start"]), int(p["End"])) == exp)

    faults({"vendor": "alibaba", "kind": "reset"})
    try:
        v3(p)
        err = None
    except (OSError, http.client.HTTPException) as e:
        err = e
    check("fault reset: no response", err is not None)
    faults({"vendor": "alibaba", "kind": "redirect", "location": "https://127.0.0.1:1/x"})
    st, hd, _, _ = v3(p)
    check("fault redirect", st == 302 and hd.get("location") == "https://127.0.0.1:1/x")
    n = "nonce-" + pysecrets.token_hex(6)
    faults({"vendor": "alibaba", "kind": "status", "status": 504, "match": {"nonce": n}})
    check("fault match on nonce", ok_doc(v3(p)) and v3(p, nonce=n)[0] == 504)
    check("all faults consumed", control("GET", "/_control/faults")[1] == [])

    log = control("GET", "/_control/log")[1]
    kinds = {e["fault"] for e in log}
    check("every fault kind logged", {"status", "retcode", "hang", "hang_body", "truncated", "malformed",
                                      "wrong_types", "short_page", "big", "reset", "redirect"} <= kinds, kinds)


def test_log():
    reset()
    p = biz(2, CustSpaceId="cams-abc123", IsvCode="isv-1")
    n1, n2 = "log-nonce-" + pysecrets.token_hex(4), "log-nonce-" + pysecrets.token_hex(4)
    v3(p, nonce=n1)
    rpc(p, STS_KEY, STS_SECRET, nonce=n2, token=STS_TOKEN)
    v3(p, secret="bad-secret")
    v3(dict(p, Start="x"))
    log = control("GET", "/_control/log")[1]
    check("log: 4 entries", len(log) == 4, len(log))
    e1, e2, e3, e4 = log
    check("log: V3 params", e1["params"] == dict(p, scheme="v3", AccessKeyId=KEY1, nonce=n1), e1["params"])
    check("log: RPC params (no common parameter, token or signature)",
          e2["params"] == dict(p, scheme="rpc", AccessKeyId=STS_KEY, nonce=n2), e2["params"])
    check("log: success entries", all(e["status"] == 200 and e["retcode"] == "OK" and e["sig_ok"] is True and
                                      e["rows"] == len(truth(PHONE, "DAILY", int(p["Start"]), int(p["End"])))
                                      and e["fault"] is None and e["throttled"] is False and e["vendor"] == "alibaba"
                                      and e["path"] == "/alibaba/" and e["method"] == "POST" for e in (e1, e2)),
          (e1, e2))
    check("log: bad signature entry", e3["sig_ok"] is False and e3["retcode"] == "SignatureDoesNotMatch" and
          e3["status"] == 400 and e3["rows"] == 0 and e3["params"]["AccessKeyId"] == KEY1)
    check("log: business error after authentication", e4["sig_ok"] is True and e4["retcode"] == "InvalidStart"
          and e4["params"]["Start"] == "x")
    send("POST", "/alibaba/?Start=1&Start=2", {})
    e5 = control("GET", "/_control/log")[1][-1]
    check("log: a repeated parameter shows every value", e5["params"].get("Start") == "1,2" and
          e5["retcode"] == "InvalidParameter", e5)


def test_no_secrets():
    log = control("GET", "/_control/log")[1]
    with open(os.path.join(Env.tmp, "requests.jsonl"), encoding="utf-8") as f:
        logfile = f.read()
    text = "\n".join(Env.seen) + json.dumps(log) + logfile
    forms = set()
    for s in SECRETS:
        forms.update({s, enc(s), enc(enc(s)), json.dumps(s)[1:-1]})
    check("no secret or token in any response or log", not [s for s in forms if s in text],
          [s for s in forms if s in text])
    check("no signature in the log", not [s for s in Env.sent_signatures if s in logfile or s in json.dumps(log)])
    check("secret scan covered many responses", len(Env.seen) > 150, len(Env.seen))


# ---------------------------------------------------------------- driver

def start_server():
    certs = os.path.join(Env.tmp, "certs")
    subprocess.run(["bash", os.path.join(HERE, "make_certs.sh"), certs], check=True, stdout=subprocess.DEVNULL)
    pf = os.path.join(Env.tmp, "port")
    Env.proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "vendor_server.py"), "--cert-dir", certs, "--port", "0",
         "--port-file", pf, "--log-file", os.path.join(Env.tmp, "requests.jsonl")],
        stdout=subprocess.PIPE, stderr=open(os.path.join(Env.tmp, "server.stderr"), "wb"))
    deadline = time.monotonic() + 10
    while not os.path.exists(pf):
        if time.monotonic() > deadline or Env.proc.poll() is not None:
            raise RuntimeError("server did not start: %s" % server_stderr())
        time.sleep(0.05)
    Env.proc.stdout.readline()
    Env.port = int(open(pf).read())
    Env.ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))


def server_stderr():
    try:
        with open(os.path.join(Env.tmp, "server.stderr"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def main():
    t_start = time.monotonic()
    for t in (test_vectors, test_data):
        try:
            t()
        except Exception:
            check("%s raised" % t.__name__, False, traceback.format_exc())
    Env.tmp = tempfile.mkdtemp(prefix="vendor_alibaba_test.")
    try:
        start_server()
        for t in (test_success, test_errors, test_nonce_and_clock, test_buckets, test_throttling, test_faults,
                  test_log, test_no_secrets):
            try:
                t()
            except Exception:
                check("%s raised" % t.__name__, False, traceback.format_exc())
        check("server stderr empty (no handler crashed)", server_stderr().strip() == "", server_stderr()[-2000:])
    except Exception:
        check("setup", False, traceback.format_exc())
    finally:
        if Env.proc is not None and Env.proc.poll() is None:
            Env.proc.kill()
        if Env.proc is not None:
            Env.proc.wait()
            Env.proc.stdout.close()
        shutil.rmtree(Env.tmp, ignore_errors=True)
    elapsed = time.monotonic() - t_start
    check("whole self-test under 60 s", elapsed < 60, elapsed)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
