#!/usr/bin/env python3
"""Self-test of the Alibaba and Graph emulations' pure parts: the Alibaba
verifier against every published vector (both signature forms), and the
synthetic data (graph_data, alibaba_data) against the properties the
integration tests rely on.  The HTTP behaviour of both emulations is
exercised end to end by test/integration/test_alibaba.py and test_msgraph.py.

    python3 test/test_vendor_emulations.py      # last line: "N passed, N failed"
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import alibaba_data  # noqa: E402
import graph_data  # noqa: E402
import vendor_alibaba as A  # noqa: E402

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


vectors = json.load(open(os.path.join(HERE, "unit", "vectors.json")))["alibaba"]
for v in vectors:
    name, method = v["name"], v.get("method", "")
    if v["algorithm"].startswith("RPC"):
        check(name + " rpc string to sign", A.rpc_string_to_sign(method, v["params"]) == v["string_to_sign"])
        check(name + " rpc signature", A.rpc_signature(method, v["params"], v["access_key_secret"]) == v["signature"])
    else:
        hdrs = {}
        for k, val in v.get("headers", {}).items() if isinstance(v.get("headers"), dict) else v.get("headers", []):
            hdrs.setdefault(k.lower(), []).append(val)
        signed = v["signed_headers"].split(";")
        path = v.get("canonical_uri", "/")
        if name == "A7b":
            method, path = "undefined", ""
        creq = A.acs3_canonical_request(method, path, v["query"], hdrs, signed, v["hashed_payload"])
        check(name + " acs3 canonical request", creq == v["canonical_request"], repr(creq))
        check(name + " acs3 signature", A.acs3_signature(creq, v["access_key_secret"]) == v["signature"])

# alibaba data: DAILY = sum of its 48 half hours; delivered <= sent; inclusive ends
day = alibaba_data.buckets("8613800000007", "DAILY", 1767196800000, 1767196800000,
                           10 ** 15)
check("one DAILY bucket at 16:00Z", len(day) == 1 and day[0]["Start"] % 86400000 == 16 * 3600000, day)
halves = alibaba_data.buckets("8613800000007", "HALF_HOUR", day[0]["Start"], day[0]["End"] - 1, 10 ** 15)
check("48 half hours", len(halves) == 48)
check("DAILY sums its half hours", day[0]["SentCount"] == sum(h["SentCount"] for h in halves) and
      day[0]["DeliveredCount"] == sum(h["DeliveredCount"] for h in halves))
allb = alibaba_data.buckets(None, "HALF_HOUR", 1767196800000, 1767196800000 + 86400000, 10 ** 15)
check("delivered <= sent", all(b["DeliveredCount"] <= b["SentCount"] for b in allb))
check("some zero buckets", any(b["SentCount"] == 0 for b in allb))
check("every phone present", len({b["PhoneNumber"] for b in allb}) == 120)
check("unknown phone: nothing", alibaba_data.buckets("1", "DAILY", 0, 10 ** 13, 10 ** 15) == [])

# graph data
T = graph_data.T_PER_S
d0 = (1767225600) * T          # 2026-01-01T00:00:00Z
recs = graph_data.records(d0, d0 + 86400 * T - 1)
check("30 records a day", len(recs) == 30, len(recs))
check("ids unique", len({r["id"] for r in graph_data.records(d0, d0 + 30 * 86400 * T - 1)}) == 900)
starts = [graph_data.parse_iso(r["startDateTime"]) for r in recs]
check("sorted by start", starts == sorted(starts))
for t in (0, 6 * 3600 * T, 12 * 3600 * T, (86400 - 1) * T, 86400 * T - 4, 4):
    check("a record at +%d" % t, d0 + t in starts)
check("a shared start", len(starts) != len(set(starts)))
check("7-digit and +00:00 forms", any(r["startDateTime"].endswith("+00:00") for r in
                                      graph_data.records(d0, d0 + 5 * 86400 * T)))
check("inclusive ends", graph_data.records(d0, d0) and graph_data.records(d0, d0)[0]["startDateTime"]
      == "2026-01-01T00:00:00Z")
check("parse date only", graph_data.parse_iso("2026-01-01") == d0)
check("parse offset", graph_data.parse_iso("2026-01-01T01:00:00+01:00") == d0)
check("parse 7 digits", graph_data.parse_iso("2026-01-01T00:00:00.0000004Z") == d0 + 4)
for bad in ("2026-01-01T00:00:00", "2026-13-01", "x", "2026-01-01T00:00:00.12345678Z"):
    try:
        graph_data.parse_iso(bad)
        check("refuses %r" % bad, False)
    except ValueError:
        check("refuses %r" % bad, True)
check("bots have no user", all(r["userId"] is None for r in recs if r["callType"].startswith("ucap")))


# ---------------------------------------------------------------- over HTTPS

import datetime  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import secrets as pysecrets  # noqa: E402
import shutil  # noqa: E402
import ssl  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402

tmp = tempfile.mkdtemp(prefix="crfdw-emu.")
subprocess.run(["bash", os.path.join(HERE, "make_certs.sh"), os.path.join(tmp, "c")], check=True,
               capture_output=True)
proc = subprocess.Popen([sys.executable, os.path.join(HERE, "vendor_server.py"), "--cert-dir",
                         os.path.join(tmp, "c"), "--port", "0", "--port-file", os.path.join(tmp, "port")],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(200):
        if os.path.exists(os.path.join(tmp, "port")) and open(os.path.join(tmp, "port")).read().strip():
            break
        time.sleep(0.05)
    PORT = int(open(os.path.join(tmp, "port")).read())
    CTX = ssl.create_default_context(cafile=os.path.join(tmp, "c", "ca.pem"))

    def call(method, path, body=b"", headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", PORT, context=CTX, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), json.loads(r.read() or b"null")
        finally:
            c.close()

    def ali_v3(params, key="LTAI5tAlibabaTest0001", secret="AlibabaTestSecret0001", nonce=None, date=None,
               token=None):
        date = date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        h = {"host": "127.0.0.1:%d" % PORT, "x-acs-action": A.ACTION, "x-acs-version": A.VERSION,
             "x-acs-date": date, "x-acs-signature-nonce": nonce or pysecrets.token_hex(16),
             "x-acs-content-sha256": hashlib.sha256(b"").hexdigest()}
        if token:
            h["x-acs-security-token"] = token
        signed = sorted(h)
        creq = A.acs3_canonical_request("POST", "/alibaba/", params, {k: [v] for k, v in h.items()}, signed,
                                        h["x-acs-content-sha256"])
        h["Authorization"] = "ACS3-HMAC-SHA256 Credential=%s,SignedHeaders=%s,Signature=%s" % (
            key, ";".join(signed), A.acs3_signature(creq, secret))
        del h["host"]
        return call("POST", "/alibaba/?" + A.canonical_query(params), headers=h)

    now_ms = int(time.time() * 1000)
    biz = {"Start": str(now_ms - 5 * 86400000), "End": str(now_ms), "PhoneNumber": "8613800000001"}
    st, _, doc = ali_v3(biz)
    check("alibaba v3 ok", st == 200 and doc["Code"] == "OK" and len(doc["Data"]) >= 4, doc)
    st, _, doc = ali_v3(biz, secret="wrong")
    check("alibaba wrong secret", st == 400 and doc["Code"] == "SignatureDoesNotMatch" and "wrong" not in
          json.dumps(doc) and doc["RequestId"], doc)
    st, _, doc = ali_v3(biz, nonce="fixed-nonce-1")
    st, _, doc = ali_v3(biz, nonce="fixed-nonce-1")
    check("alibaba nonce reuse", doc["Code"] == "SignatureNonceUsed", doc)
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=16)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    st, _, doc = ali_v3(biz, date=old)
    check("alibaba clock skew", doc["Code"] == "InvalidTimeStamp.Expired", doc)
    st, _, doc = ali_v3({"Start": biz["Start"]})
    check("alibaba End required", doc["Code"] == "MissingEnd", doc)
    st, _, doc = ali_v3(dict(biz, Granularity="WEEKLY"))
    check("alibaba granularity", doc["Code"] == "InvalidGranularity", doc)
    st, _, doc = ali_v3(biz, key="STS.NTestAlibabaSts01", secret="AlibabaStsSecret01")
    check("alibaba STS needs its token", doc["Code"].startswith("InvalidSecurityToken"), doc)
    st, _, doc = ali_v3(biz, key="STS.NTestAlibabaSts01", secret="AlibabaStsSecret01", token="CAIS+token/test==")
    check("alibaba STS ok", doc["Code"] == "OK", doc)
    call("POST", "/_control/reset", b"{}", {"Content-Type": "application/json"})
    call("POST", "/_control/config", json.dumps({"alibaba_rate_limit": 3}).encode(),
         {"Content-Type": "application/json"})
    codes = [ali_v3(biz)[2]["Code"] for _ in range(5)]
    check("alibaba throttles past the limit", codes[:3] == ["OK"] * 3 and codes[3] == "Throttling.User", codes)
    call("POST", "/_control/reset", b"{}", {"Content-Type": "application/json"})
    rpc = dict(biz, Action=A.ACTION, Version=A.VERSION, Format="JSON", AccessKeyId="LTAI5tAlibabaTest0001",
               SignatureMethod="HMAC-SHA1", SignatureVersion="1.0", SignatureNonce=pysecrets.token_hex(8),
               Timestamp=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    rpc["Signature"] = A.rpc_signature("POST", rpc, "AlibabaTestSecret0001")
    st, _, doc = call("POST", "/alibaba/?" + urllib.parse.urlencode(rpc, quote_via=urllib.parse.quote))
    check("alibaba rpc ok", doc["Code"] == "OK", doc)

    # Graph and login
    def token(secret="graph-test-secret~0001", tenant="contoso.onmicrosoft.com",
              scope="https://127.0.0.1:%d/.default" % PORT):
        body = urllib.parse.urlencode({"client_id": "11111111-2222-3333-4444-555555555555",
                                       "client_secret": secret, "scope": scope,
                                       "grant_type": "client_credentials"}).encode()
        return call("POST", "/login/%s/oauth2/v2.0/token" % tenant, body,
                    {"Content-Type": "application/x-www-form-urlencoded"})

    st, _, doc = token()
    check("login ok", st == 200 and doc["token_type"] == "Bearer" and doc["expires_in"] == 3599, doc)
    tok = doc["access_token"]
    st, _, doc = token(secret="nope")
    check("login wrong secret", st == 401 and doc["error_codes"] == [7000215] and "nope" not in json.dumps(doc)
          and "Trace ID" in doc["error_description"], doc)
    check("login unknown tenant", token(tenant="fabrikam.example")[2]["error_codes"] == [90002])
    check("login common", token(tenant="common")[2]["error_codes"] == [9001023])
    check("login foreign scope", token(scope="https://graph.microsoft.com/.default")[2]["error_codes"] == [70011])
    day = "2026-01-0%dT00:00:00Z"
    path = "/graph/v1.0/communications/callRecords/getPstnCalls(fromDateTime=%s,toDateTime=%s)"
    st, hd, doc = call("GET", path % (day % 1, day % 2), headers={"Authorization": "Bearer " + tok})
    check("graph ok, both ends inclusive", st == 200 and len(doc["value"]) == 31 and "request-id" in hd, st)
    st, _, doc = call("GET", path % (day % 1, day % 2))
    check("graph no token", st == 401 and doc["error"]["code"] == "InvalidAuthenticationToken", doc)
    st, _, doc = call("GET", path % ("2025-01-01T00:00:00Z", "2025-04-01T00:00:01Z"),
                      headers={"Authorization": "Bearer " + tok})
    check("graph over 90 days", st == 400 and "90 days" in doc["error"]["message"], doc)
    st, _, doc = call("GET", path % ("2025-01-01T00:00:00Z", "2025-04-01T00:00:00Z"),
                      headers={"Authorization": "Bearer " + tok})
    check("graph exactly 90 days, paged", st == 200 and len(doc["value"]) == 1000 and
          doc["@odata.nextLink"].startswith("https://127.0.0.1:%d/graph/" % PORT), st)
    link = urllib.parse.urlsplit(doc["@odata.nextLink"])
    st, _, doc2 = call("GET", link.path + "?" + link.query, headers={"Authorization": "Bearer " + tok})
    check("graph nextLink honoured", st == 200 and doc2["value"][0]["id"] != doc["value"][0]["id"], st)
    call("POST", "/_control/config", json.dumps({"graph_revoke_tokens": True}).encode(),
         {"Content-Type": "application/json"})
    st, _, doc = call("GET", path % (day % 1, day % 2), headers={"Authorization": "Bearer " + tok})
    check("graph revoked token", st == 401 and "expired" in doc["error"]["message"], doc)
    call("POST", "/_control/config", json.dumps({"graph_rate_limit": 1}).encode(),
         {"Content-Type": "application/json"})
    tok = token()[2]["access_token"]
    call("GET", path % (day % 1, day % 2), headers={"Authorization": "Bearer " + tok})
    st, hd, doc = call("GET", path % (day % 1, day % 2), headers={"Authorization": "Bearer " + tok})
    check("graph 429 with Retry-After", st == 429 and hd.get("Retry-After") == "2", (st, hd))
    log = call("GET", "/_control/log")[2]
    check("no secret in the log", "graph-test-secret" not in json.dumps(log) and
          "AlibabaTestSecret" not in json.dumps(log))
finally:
    proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
