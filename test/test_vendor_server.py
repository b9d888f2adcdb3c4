#!/usr/bin/env python3
"""Self-test of test/vendor_server.py against test/SERVER_CONTRACT.md.

Python 3 standard library only.  Makes certificates in a temp directory with
make_certs.sh, starts the server on an ephemeral port, runs every check, stops
the server and removes the temp directory.  The last line of output is
"N passed, N failed"; the exit status is 1 when any check failed.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ucloud_data  # noqa: E402
import vendor_server  # noqa: E402

VECTORS = os.environ.get("CALLRECORD_VECTORS",
                         os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit", "vectors.json"))
PK = "ucloudsomeone@example.com1296235120854146120"
PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
PK2, PRIV2 = "test-public-2", "test-private-2"
DAY_S = 86400

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s%s" % (name, (" -- " + str(detail)) if detail != "" else ""))
    return cond


class Env:
    port = None
    ctx = None
    proc = None
    tmp = None


def connect(host="127.0.0.1", port=None, ctx=None, timeout=10):
    return http.client.HTTPSConnection(host, port or Env.port, context=ctx or Env.ctx, timeout=timeout)


def control(method, path, doc=None):
    c = connect()
    try:
        body = json.dumps(doc).encode() if doc is not None else None
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        return r.status, json.loads(data)
    finally:
        c.close()


def unthrottle():
    """Lift the per-key rate limit: the checks below send far more than 20/s."""
    control("POST", "/_control/config", {"ucloud_rate_limit": 1000000})


def signed(params, pk=PK, priv=PRIV):
    p = dict(params)
    p.setdefault("Action", "GetUVMSSendRecord")
    p["PublicKey"] = pk
    p["Signature"] = vendor_server.ucloud_sign(p, priv)
    return p


def post(params, conn=None, body=None, headers=None, path="/ucloud", method="POST"):
    """POST a form to /ucloud; returns (status, headers, raw body, doc or None)."""
    own = conn is None
    c = conn or connect()
    try:
        if body is None:
            body = urllib.parse.urlencode(params).encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers or {})
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        return r.status, r, raw, doc
    finally:
        if own:
            c.close()


def retcode_of(params, **kw):
    st, r, raw, doc = post(params, **kw)
    return doc.get("RetCode") if isinstance(doc, dict) else ("HTTP %s" % st), (doc or {}).get("Message", "")


def base_window():
    """A 7-day window starting on a UTC midnight 20 days ago."""
    start = (int(time.time()) // DAY_S - 20) * DAY_S
    return start, start + 604800


def expected_rows(start_s, end_s, pred=lambda r: True):
    """Independent expectation: rows with floor(CST/1000) in [start_s, end_s]."""
    return [ucloud_data.wire(r) for r in ucloud_data.records(start_s * 1000, end_s * 1000 + 999) if pred(r)]


# ---------------------------------------------------------------- checks

def test_vectors():
    with open(VECTORS, encoding="utf-8") as f:
        vectors = json.load(f)["ucloud"]
    check("vectors: some present", len(vectors) >= 7, len(vectors))
    names = {v["name"] for v in vectors}
    for n in ("U1", "U2", "U3", "U4", "U5a", "U5b", "U6", "U7"):
        check("vector %s present" % n, n in names)
    for v in vectors:
        if "string_to_sign" in v:
            check("vector %s string_to_sign" % v["name"],
                  vendor_server.ucloud_string_to_sign(v["params"], v["private_key"]) == v["string_to_sign"])
        check("vector %s signature" % v["name"],
              vendor_server.ucloud_sign(v["params"], v["private_key"]) == v["signature"])


def test_basic():
    unthrottle()
    st_s, en_s = base_window()
    params = {"StartTime": str(st_s), "EndTime": str(en_s), "Page": "0", "NumPerPage": "100",
              "OrderBy": "call_start_time", "OrderType": "asc", "Region": "cn-zj", "ProjectId": "org-abc123"}
    status, r, raw, doc = post(signed(params))
    check("basic: HTTP 200", status == 200, status)
    check("basic: RetCode 0", doc and doc.get("RetCode") == 0, doc and doc.get("Message"))
    check("basic: Action", doc and doc.get("Action") == "GetUVMSSendRecordResponse")
    rid = r.getheader("X-UCLOUD-REQUEST-UUID", "")
    try:
        check("basic: request uuid4 header", uuid.UUID(rid).version == 4, rid)
    except ValueError:
        check("basic: request uuid4 header", False, rid)
    check("basic: Content-Type json", r.getheader("Content-Type", "").startswith("application/json"))
    total, rows = ucloud_data.query(params, vendor_server.now_ms())
    check("basic: Total vs query()", doc["Total"] == total, (doc["Total"], total))
    check("basic: Data vs query()", doc["Data"] == rows)
    exp = expected_rows(st_s, en_s)
    check("basic: Total = 7 days x 36 + the end midnight", doc["Total"] == len(exp) == 7 * 36 + 1, doc["Total"])
    check("basic: Data vs records()", doc["Data"] == exp[:100])
    check("basic: more than 200 rows in a 7-day window", doc["Total"] > 200)
    check("basic: no Seq on the wire", all("Seq" not in x for x in doc["Data"]))
    check("basic: float CallStartTime on the wire", b"0.0," in raw and any(isinstance(x["CallStartTime"], float)
                                                                          for x in doc["Data"]))
    check("basic: CalledIspCode rows present", any("CalledIspCode" in x for x in doc["Data"]))
    check("basic: seconds ReceiveTime present", any(x["ReceiveTime"] < 10 ** 11 for x in doc["Data"]))
    check("basic: seconds SubmitTime present", any(x["SubmitTime"] < 10 ** 11 for x in doc["Data"]))
    check("basic: empty ShowNumber present", any(x["ShowNumber"] == "" for x in doc["Data"]))
    # trailing slash route, default paging (Page 0, NumPerPage 10)
    p2 = {"StartTime": str(st_s), "EndTime": str(en_s)}
    status, r, raw, doc = post(signed(p2), path="/ucloud/")
    check("route /ucloud/ and default NumPerPage 10", doc and doc.get("RetCode") == 0 and doc["Data"] == exp[:10])


def test_keepalive():
    unthrottle()
    st_s, en_s = base_window()
    c = connect()
    try:
        p = signed({"StartTime": str(st_s), "EndTime": str(st_s + 3600)})
        s1 = post(p, conn=c)
        sock1 = c.sock
        s2 = post(p, conn=c)
        check("keep-alive: two requests on one connection", s1[3]["RetCode"] == 0 and s2[3]["RetCode"] == 0
              and sock1 is not None and c.sock is sock1)
        s3 = post(p, conn=c, headers={"Expect": "100-continue"})
        check("keep-alive: Expect 100-continue handled", s3[0] == 200 and s3[3]["RetCode"] == 0)
    finally:
        c.close()


def test_auth_and_params():
    unthrottle()
    st_s, en_s = base_window()
    base = {"StartTime": str(st_s), "EndTime": str(st_s + 3600)}

    p = signed(base)
    p["Signature"] = "0" * 40
    code, msg = retcode_of(p)
    check("wrong signature -> 171", code == 171 and msg == "Signature VerifyAC Error", (code, msg))
    p = signed(base)
    p["Signature"] = p["Signature"].upper()
    check("uppercase signature -> 171", retcode_of(p)[0] == 171)
    p = signed(base)
    del p["Signature"]
    check("missing signature -> 170", retcode_of(p)[0] == 170)
    code, msg = retcode_of(signed(base, pk="nobody", priv="x"))
    check("unknown PublicKey -> 172", code == 172 and msg == "User not exist", (code, msg))
    p = signed(base)
    p["StartTime"] = str(st_s - 1)      # tampered after signing
    check("tampered parameter -> 171", retcode_of(p)[0] == 171)
    check("second account works", retcode_of(signed(base, PK2, PRIV2))[0] == 0)
    check("second account's key is not the first's", retcode_of(signed(base, PK2, PRIV))[0] == 171)
    p = dict(base, PublicKey=PK)
    p["Signature"] = vendor_server.ucloud_sign(p, PRIV)
    check("missing Action -> 160", retcode_of(p)[0] == 160)
    check("other Action -> 161", retcode_of(signed(dict(base, Action="DescribeUHostInstance")))[0] == 161)

    # span
    code, msg = retcode_of(signed({"StartTime": str(st_s), "EndTime": str(st_s + 604801)}))
    check("span 604801 s -> 230, says 7 days", code == 230 and "7 days" in msg, (code, msg))
    check("span 604800 s accepted", retcode_of(signed({"StartTime": str(st_s), "EndTime": str(st_s + 604800)}))[0] == 0)
    check("EndTime < StartTime -> 230",
          retcode_of(signed({"StartTime": str(st_s), "EndTime": str(st_s - 1)}))[0] == 230)
    check("float StartTime -> 230", retcode_of(signed(dict(base, StartTime="%d.5" % st_s)))[0] == 230)
    check("missing EndTime -> 230", retcode_of(signed({"StartTime": str(st_s)}))[0] == 230)

    code, msg = retcode_of(signed(dict(base, Foo="bar")))
    check("unknown parameter -> 230 naming it", code == 230 and "Foo" in msg, (code, msg))
    code, msg = retcode_of(signed(dict(base, FuzzySearch="135")))
    check("FuzzySearch refused -> 230", code == 230 and "FuzzySearch" in msg, (code, msg))
    code, msg = retcode_of(signed(dict(base, CalledIspCode="cmcc")))
    check("CalledIspCode as a request parameter refused", code == 230 and "CalledIspCode" in msg, (code, msg))
    code, msg = retcode_of(signed(dict(base, TaskNo="")))
    check("empty value -> 230 naming it", code == 230 and "TaskNo" in msg, (code, msg))
    p = signed(dict(base, TaskNo="T-2026-01"))
    body = (urllib.parse.urlencode(p) + "&TaskNo=T-2026-02").encode()
    code, msg = retcode_of(None, body=body)
    check("repeated parameter -> 230", code == 230 and "TaskNo" in msg, (code, msg))
    check("ProjectId without org- -> 292", retcode_of(signed(dict(base, ProjectId="abc")))[0] == 292)
    check("ProjectId org-... accepted", retcode_of(signed(dict(base, ProjectId="org-x")))[0] == 0)
    check("Region accepted", retcode_of(signed(dict(base, Region="cn-zj")))[0] == 0)
    check("NumPerPage 1001 -> 230", retcode_of(signed(dict(base, NumPerPage="1001")))[0] == 230)
    check("NumPerPage 0 -> 230", retcode_of(signed(dict(base, NumPerPage="0")))[0] == 230)
    check("NumPerPage 1000 accepted", retcode_of(signed(dict(base, NumPerPage="1000")))[0] == 0)
    check("Page -1 -> 230", retcode_of(signed(dict(base, Page="-1")))[0] == 230)
    check("bad OrderBy -> 230", retcode_of(signed(dict(base, OrderBy="ndPxrXsy")))[0] == 230)
    check("bad OrderType -> 230", retcode_of(signed(dict(base, OrderType="ASC")))[0] == 230)
    p = signed(base)
    check("JSON content type -> 230",
          retcode_of(None, body=json.dumps(p).encode(), headers={"Content-Type": "application/json"})[0] == 230)
    check("GET -> 230", retcode_of(None, body=b"", method="GET", path="/ucloud?" + urllib.parse.urlencode(p))[0] == 230)
    check("charset in Content-Type accepted",
          retcode_of(p, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})[0] == 0)

    # '+' must travel as %2B; a raw '+' decodes to a space and breaks the signature
    phone = "+8613500000005"
    p = signed(dict(base, EndTime=str(st_s + 604800), PhoneNumber=phone, NumPerPage="1000"))
    st, r, raw, doc = post(p)
    check("PhoneNumber with %2B matches", doc["RetCode"] == 0 and doc["Total"] > 0
          and all(x["Phone"] == phone for x in doc["Data"]), doc.get("Message"))
    body = urllib.parse.urlencode(p).replace("%2B", "+").encode()
    check("raw '+' in form -> 171", retcode_of(None, body=body)[0] == 171)

    status, r, raw, doc = post(None, body=b"", path="/nowhere")
    check("unknown route -> 404", status == 404)
    status, r, raw, doc = post(signed(base), path="/ucloud/extra")
    check("unknown ucloud sub-path -> 404 with request id",
          status == 404 and r.getheader("X-UCLOUD-REQUEST-UUID"))
    p = signed(base)
    p["Signature"] = "x" * 40
    st, r, raw, doc = post(p)
    check("request id header on errors", bool(r.getheader("X-UCLOUD-REQUEST-UUID")))


def fetch_all(params, per_page=100):
    pages, page = [], 0
    total = None
    while True:
        p = dict(params, Page=str(page), NumPerPage=str(per_page))
        doc = post(signed(p))[3]
        if doc.get("RetCode") != 0:
            return None, None, doc
        total = doc["Total"]
        pages.append(doc["Data"])
        if sum(len(x) for x in pages) >= total or not doc["Data"]:
            return total, pages, doc
        page += 1


def test_paging_order():
    unthrottle()
    st_s, en_s = base_window()
    exp = expected_rows(st_s, en_s)
    base = {"StartTime": str(st_s), "EndTime": str(en_s), "OrderBy": "call_start_time", "OrderType": "asc"}
    total, pages, _ = fetch_all(base)
    check("paging: 3 pages of 100", [len(p) for p in pages] == [100, 100, len(exp) - 200], [len(p) for p in pages])
    flat = [x for p in pages for x in p]
    check("paging: pages cover exactly Total rows", len(flat) == total == len(exp))
    check("paging: concatenation = all rows, no overlap", flat == exp)
    keys = [json.dumps(x, sort_keys=True) for x in flat]
    check("paging: all rows distinct", len(set(keys)) == len(keys))
    doc = post(signed(dict(base, Page="3", NumPerPage="100")))[3]
    check("paging: page past the end empty, Total kept", doc["Data"] == [] and doc["Total"] == total)

    total_d, pages_d, _ = fetch_all(dict(base, OrderType="desc"))
    flat_d = [x for p in pages_d for x in p]
    check("desc: reverse of asc", flat_d == list(reversed(exp)) and total_d == total)

    doc = post(signed(dict(base, OrderBy="receive_time", NumPerPage="1000")))[3]
    rts = [ucloud_data.epoch_ms(x["ReceiveTime"]) for x in doc["Data"]]
    check("receive_time order", doc["RetCode"] == 0 and rts == sorted(rts) and len(rts) == len(exp))

    # inclusive bounds at second resolution: the midnight second alone
    doc = post(signed({"StartTime": str(st_s), "EndTime": str(st_s), "NumPerPage": "100"}))[3]
    check("bounds: StartTime = EndTime = midnight returns the midnight row",
          doc["Total"] == 1 and int(doc["Data"][0]["CallStartTime"]) == st_s * 1000, doc)
    doc = post(signed({"StartTime": str(st_s - 1), "EndTime": str(st_s - 1)}))[3]
    check("bounds: the second before midnight has the 23:59:59.999 row",
          doc["Total"] == 1 and int(doc["Data"][0]["CallStartTime"]) == st_s * 1000 - 1, doc)

    # the data layout promises
    day = ucloud_data.records(st_s * 1000, st_s * 1000 + DAY_S * 1000 - 1)
    csts = [int(x["CallStartTime"]) for x in day]
    check("data: 36 records per day", len(day) == 36)
    check("data: rows on every 6-hourly mark", all(st_s * 1000 + h * 3600000 in csts for h in (0, 6, 12, 18)))
    check("data: sub-second rows", any(c % 1000 for c in csts))
    check("data: a tied pair", len(set(csts)) < len(csts))
    check("data: sorted by (CallStartTime, Seq)",
          [(int(x["CallStartTime"]), x["Seq"]) for x in day] == sorted((int(x["CallStartTime"]), x["Seq"]) for x in day))
    t0 = time.perf_counter()
    big = ucloud_data.records(st_s * 1000 - 200 * DAY_S * 1000, st_s * 1000)
    dt = time.perf_counter() - t0
    check("data: 200-day records() under 0.2 s", dt < 0.2 and len(big) == 200 * 36 + 1, (dt, len(big)))
    check("data: starts 2025-01-01", ucloud_data.records(0, ucloud_data.EPOCH_MS)[0]["CallStartTime"]
          == ucloud_data.EPOCH_MS and len(ucloud_data.records(0, ucloud_data.EPOCH_MS - 1)) == 0)


def test_filters():
    unthrottle()
    st_s, en_s = base_window()
    base = {"StartTime": str(st_s), "EndTime": str(en_s), "NumPerPage": "1000"}
    cases = [
        ("TaskNo", "T-2026-03", lambda r: r["TaskNo"] == "T-2026-03"),
        ("PhoneNumber", "+8613500000007", lambda r: r["Phone"] == "+8613500000007"),
        ("Purpose", "2", lambda r: r["Purpose"] == 2),
        ("BrevityCode", "B02", lambda r: r["BrevityCode"] == "B02"),
        ("ExcludeBrevityCode", "B02", lambda r: r["BrevityCode"] != "B02"),
        ("TemplateId", "TPL-3", lambda r: r["TemplateId"] == "TPL-3"),
        ("CallingCityCode", "0571", lambda r: r["CallingCityCode"] == "0571"),
        ("CalledCityCode", "010", lambda r: r["CalledCityCode"] == "010"),
        ("CalledOperatorCode", "ctcc",
         lambda r: r.get("CalledOperatorCode") == "ctcc" or r.get("CalledIspCode") == "ctcc"),
    ]
    all_rows = expected_rows(st_s, en_s)
    for name, value, pred in cases:
        exp = expected_rows(st_s, en_s, pred)
        doc = post(signed(dict(base, **{name: value})))[3]
        check("filter %s: rows" % name, doc.get("RetCode") == 0 and doc["Data"] == exp and doc["Total"] == len(exp),
              doc.get("Message"))
        check("filter %s: selective" % name, 0 < len(exp) < len(all_rows), len(exp))
        total, rows = ucloud_data.query(dict(base, **{name: value}), vendor_server.now_ms())
        check("filter %s: query() agrees" % name, rows == exp and total == len(exp))
    doc = post(signed(dict(base, CalledOperatorCode="ctcc")))[3]
    check("filter CalledOperatorCode matches CalledIspCode rows",
          any(x.get("CalledIspCode") == "ctcc" for x in doc["Data"])
          and any(x.get("CalledOperatorCode") == "ctcc" for x in doc["Data"]))
    doc = post(signed(dict(base, TaskNo="T-2026-01", Purpose="1")))[3]
    exp = expected_rows(st_s, en_s, lambda r: r["TaskNo"] == "T-2026-01" and r["Purpose"] == 1)
    check("filters combine (AND)", doc["Data"] == exp)
    doc = post(signed(dict(base, TaskNo="T-2026-99")))[3]
    check("filter with no match: Total 0, Data []", doc["RetCode"] == 0 and doc["Total"] == 0 and doc["Data"] == [])


def test_reach_and_now():
    unthrottle()
    now = int(time.time())
    st_s = (now // DAY_S - 186) * DAY_S
    doc = post(signed({"StartTime": str(st_s), "EndTime": str(st_s + 604800), "NumPerPage": "1000"}))[3]
    limit = (time.time() - 183 * DAY_S) * 1000
    check("half-year reach: older rows dropped",
          doc["RetCode"] == 0 and 0 < doc["Total"] < 7 * 36 and all(x["CallStartTime"] >= limit - 5000
                                                                     for x in doc["Data"]), doc.get("Total"))
    st_s = now - DAY_S
    doc = post(signed({"StartTime": str(st_s), "EndTime": str(st_s + 604800), "NumPerPage": "1000"}))[3]
    t_after = time.time() * 1000
    check("no rows after now", doc["RetCode"] == 0 and 30 <= doc["Total"] <= 38
          and all(x["CallStartTime"] <= t_after for x in doc["Data"]), doc.get("Total"))


def test_rate_limit():
    control("POST", "/_control/reset")
    st, cfg = control("POST", "/_control/config", {"ucloud_rate_limit": 3})
    check("config: rate limit set", st == 200 and cfg.get("ucloud_rate_limit") == 3, cfg)
    st_s, _ = base_window()
    p = signed({"StartTime": str(st_s), "EndTime": str(st_s)}, PK2, PRIV2)
    c = connect()
    try:
        t0 = time.monotonic()
        results = [retcode_of(p, conn=c) for _ in range(6)]
        elapsed = time.monotonic() - t0
    finally:
        c.close()
    codes = [x[0] for x in results]
    check("rate limit: ran inside one second", elapsed < 0.9, elapsed)
    check("rate limit: 3 pass then 153", codes == [0, 0, 0, 153, 153, 153], codes)
    check("rate limit: message", results[-1][1] == "Request Throttled", results[-1])
    check("rate limit: per PublicKey", retcode_of(signed({"StartTime": str(st_s), "EndTime": str(st_s)}))[0] == 0)
    log = control("GET", "/_control/log")[1]
    thr = [e for e in log if e["throttled"]]
    check("rate limit: logged as throttled", len(thr) == 3 and all(e["retcode"] == 153 and e["sig_ok"] for e in thr))
    time.sleep(1.05)
    check("rate limit: window slides", retcode_of(p)[0] == 0)
    control("POST", "/_control/reset")
    check("reset restores the rate limit", control("GET", "/_control/config")[1]["ucloud_rate_limit"] == 20)
    c = connect()
    try:
        t0 = time.monotonic()
        codes = [retcode_of(p, conn=c)[0] for _ in range(21)]
        elapsed = time.monotonic() - t0
    finally:
        c.close()
    check("rate limit: default 20 per second", elapsed >= 0.9 or codes == [0] * 20 + [153], (codes, elapsed))


def faults(*fs):
    st, doc = control("POST", "/_control/faults", list(fs))
    if not check("faults queued", st == 200, doc):
        raise RuntimeError("could not queue faults")


def test_faults():
    control("POST", "/_control/reset")
    unthrottle()
    st_s, en_s = base_window()
    base = {"StartTime": str(st_s), "EndTime": str(en_s), "NumPerPage": "100"}
    exp = expected_rows(st_s, en_s)

    # status with match and Retry-After
    faults({"vendor": "ucloud", "kind": "status", "status": 503, "retry_after": "2", "match": {"Page": "1"}})
    doc = post(signed(dict(base, Page="0")))[3]
    check("fault match: Page 0 untouched", doc and doc["RetCode"] == 0)
    status, r, raw, doc = post(signed(dict(base, Page="1")))
    check("fault status: 503", status == 503 and doc is None, status)
    check("fault status: Retry-After", r.getheader("Retry-After") == "2")
    check("fault status: request id", bool(r.getheader("X-UCLOUD-REQUEST-UUID")))
    check("fault status: consumed", post(signed(dict(base, Page="1")))[3]["RetCode"] == 0)
    for code in (500, 502, 504, 429):
        faults({"vendor": "ucloud", "kind": "status", "status": code})
        check("fault status %d" % code, post(signed(base))[0] == code)

    # retcode, count 2, not consumed by a failing signature
    faults({"vendor": "ucloud", "kind": "retcode", "code": 2001, "message": "backend busy", "count": 2})
    bad = signed(base)
    bad["Signature"] = "1" * 40
    check("fault not consumed by a bad signature", retcode_of(bad)[0] == 171)
    r1, r2, r3 = retcode_of(signed(base)), retcode_of(signed(base)), retcode_of(signed(base))
    check("fault retcode: count 2", r1 == (2001, "backend busy") and r2[0] == 2001 and r3[0] == 0, (r1, r2, r3))
    faults({"vendor": "ucloud", "kind": "retcode", "code": 153})
    check("fault retcode 153 default message", retcode_of(signed(base)) == (153, "Request Throttled"))
    faults({"vendor": "ucloud", "kind": "retcode", "code": 150}, {"vendor": "ucloud", "kind": "retcode", "code": 171})
    check("faults apply in queue order",
          [retcode_of(signed(base))[0] for _ in range(3)] == [150, 171, 0])

    # hang: the connection closes after `seconds`, other requests go on meanwhile
    faults({"vendor": "ucloud", "kind": "hang", "seconds": 1})
    outcome = {}

    def hung():
        t0 = time.monotonic()
        try:
            post(signed(base))
            outcome["err"] = None
        except (OSError, http.client.HTTPException) as e:
            outcome["err"] = e
        outcome["dt"] = time.monotonic() - t0

    th = threading.Thread(target=hung)
    th.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    other = retcode_of(signed(base))
    other_dt = time.monotonic() - t0
    th.join(10)
    check("fault hang: other requests served meanwhile", other[0] == 0 and other_dt < 0.7, other_dt)
    check("fault hang: no response, closed", outcome.get("err") is not None, outcome)
    check("fault hang: lasted ~seconds", 0.9 <= outcome.get("dt", 0) < 5, outcome.get("dt"))

    # hang_body: headers and half the body, then a pause and close
    faults({"vendor": "ucloud", "kind": "hang_body", "seconds": 1})
    c = connect()
    t0 = time.monotonic()
    try:
        c.request("POST", "/ucloud", body=urllib.parse.urlencode(signed(base)),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        headers_dt = time.monotonic() - t0
        clen = int(r.getheader("Content-Length"))
        try:
            r.read()
            err = None
        except (OSError, http.client.HTTPException) as e:
            err = e
        dt = time.monotonic() - t0
        check("fault hang_body: headers at once", r.status == 200 and headers_dt < 0.7, headers_dt)
        check("fault hang_body: incomplete after ~seconds", err is not None and 0.9 <= dt < 5, (err, dt))
        if isinstance(err, http.client.IncompleteRead):
            check("fault hang_body: half the body", len(err.partial) == clen // 2, (len(err.partial), clen))
    finally:
        c.close()

    faults({"vendor": "ucloud", "kind": "malformed"})
    status, r, raw, doc = post(signed(base))
    check("fault malformed: 200, not JSON", status == 200 and doc is None and len(raw) > 0)
    faults({"vendor": "ucloud", "kind": "malformed", "body": "<html>oops</html>"})
    status, r, raw, doc = post(signed(base))
    check("fault malformed: custom body", raw == b"<html>oops</html>")

    faults({"vendor": "ucloud", "kind": "truncated"})
    c = connect()
    try:
        c.request("POST", "/ucloud", body=urllib.parse.urlencode(signed(base)),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        clen = int(r.getheader("Content-Length"))
        try:
            r.read()
            err = None
        except (OSError, http.client.HTTPException) as e:
            err = e
        check("fault truncated: short body", r.status == 200 and err is not None, err)
        if isinstance(err, http.client.IncompleteRead):
            check("fault truncated: exactly half sent", len(err.partial) == clen // 2 and err.expected == clen - clen // 2)
    finally:
        c.close()

    faults({"vendor": "ucloud", "kind": "wrong_types"})
    doc = post(signed(base))[3]
    check("fault wrong_types default", doc["Data"][0]["Duration"] == "abc" and doc["Data"][1:] == exp[1:100])
    faults({"vendor": "ucloud", "kind": "wrong_types", "value": {"x": [1]}})
    doc = post(signed(base))[3]
    check("fault wrong_types value", doc["Data"][0]["Duration"] == {"x": [1]})

    faults({"vendor": "ucloud", "kind": "short_page"})
    doc = post(signed(base))[3]
    check("fault short_page", len(doc["Data"]) == 99 and doc["Total"] == len(exp) and doc["Data"] == exp[:99])

    faults({"vendor": "ucloud", "kind": "reset"})
    try:
        post(signed(base))
        err = None
    except (OSError, http.client.HTTPException) as e:
        err = e
    check("fault reset: no response", err is not None)

    faults({"vendor": "ucloud", "kind": "redirect", "location": "https://127.0.0.1:1/elsewhere"})
    status, r, raw, doc = post(signed(base))
    check("fault redirect", status == 302 and r.getheader("Location") == "https://127.0.0.1:1/elsewhere")

    faults({"vendor": "ucloud", "kind": "big"})
    status, r, raw, doc = post(signed(base))
    check("fault big default 10 MB", doc and len(doc["Data"][0]["ReceiptDesc"]) == 10 * 1024 * 1024
          and doc["Data"][1:] == exp[1:100])
    faults({"vendor": "ucloud", "kind": "big", "bytes": 1000})
    doc = post(signed(base))[3]
    check("fault big bytes", len(doc["Data"][0]["ReceiptDesc"]) == 1000)

    check("all faults consumed", control("GET", "/_control/faults")[1] == [])
    st, doc = control("POST", "/_control/faults", [{"vendor": "ucloud", "kind": "nope"}])
    check("bad fault kind -> 400", st == 400)
    st, doc = control("POST", "/_control/faults", [{"vendor": "nobody", "kind": "reset"}])
    check("bad fault vendor -> 400", st == 400)
    faults({"vendor": "ucloud", "kind": "reset", "count": 5})
    control("POST", "/_control/reset")
    check("reset clears faults", control("GET", "/_control/faults")[1] == [] and retcode_of(signed(base))[0] == 0)

    log = control("GET", "/_control/log")[1]
    check("reset clears the log", len(log) == 1 and log[0]["seq"] == 1, len(log))


def test_log():
    control("POST", "/_control/reset")
    unthrottle()
    st_s, _ = base_window()
    base = {"StartTime": str(st_s), "EndTime": str(st_s + 7200), "NumPerPage": "2"}
    post(signed(base))
    bad = signed(base)
    bad["Signature"] = "2" * 40
    post(bad)
    faults({"vendor": "ucloud", "kind": "short_page"})
    post(signed(base))
    faults({"vendor": "ucloud", "kind": "status", "status": 502})
    post(signed(base))
    control("GET", "/_control/config")      # control calls are not logged
    log = control("GET", "/_control/log")[1]
    keys = {"seq", "t", "vendor", "method", "path", "params", "status", "retcode", "fault", "throttled", "rows", "sig_ok"}
    check("log: 4 entries", len(log) == 4, len(log))
    check("log: fields", all(set(e) == keys for e in log), log[:1])
    check("log: no Signature anywhere", all("Signature" not in e["params"] for e in log)
          and all(bad["Signature"] not in json.dumps(e) for e in log))
    check("log: params kept", log[0]["params"].get("StartTime") == str(st_s) and log[0]["params"]["PublicKey"] == PK)
    check("log: success entry", log[0]["status"] == 200 and log[0]["retcode"] == 0 and log[0]["rows"] == 2
          and log[0]["sig_ok"] is True and log[0]["fault"] is None and log[0]["throttled"] is False)
    check("log: bad signature entry", log[1]["sig_ok"] is False and log[1]["retcode"] == 171)
    check("log: fault entry", log[2]["fault"] == "short_page" and log[2]["rows"] == 1)
    check("log: status fault entry", log[3]["status"] == 502 and log[3]["fault"] == "status")
    check("log: seq and method", [e["seq"] for e in log] == [1, 2, 3, 4] and log[0]["method"] == "POST"
          and log[0]["vendor"] == "ucloud" and log[0]["path"] == "/ucloud")
    check("log: t is now", abs(log[0]["t"] - time.time()) < 30)
    with open(os.path.join(Env.tmp, "requests.jsonl"), encoding="utf-8") as f:
        lines = [json.loads(x) for x in f if x.strip()]
    check("log file: one JSON line per entry", lines[-4:] == log, len(lines))


def test_truth_unicode_count_latency():
    unthrottle()
    st_s, en_s = base_window()
    st, doc = control("GET", "/_control/truth/ucloud?start_ms=%d&end_ms=%d" % (st_s * 1000, en_s * 1000))
    exp = ucloud_data.records(st_s * 1000, en_s * 1000)
    check("truth: records(A, B)", st == 200 and doc == exp and len(doc) == 7 * 36 + 1)
    check("truth: includes Seq", all("Seq" in x for x in doc))
    now_ms = time.time() * 1000
    st, doc = control("GET", "/_control/truth/ucloud?start_ms=%d&end_ms=%d" % (now_ms - 86400000, now_ms + 7 * 86400000))
    check("truth: limited to now", st == 200 and 30 <= len(doc) <= 38
          and all(x["CallStartTime"] <= time.time() * 1000 for x in doc), len(doc))
    st, doc = control("GET", "/_control/truth/ucloud?start_ms=x")
    check("truth: bad arguments -> 400", st == 400)

    params = {"StartTime": str(st_s), "EndTime": str(en_s), "NumPerPage": "1000"}
    status, r, raw, doc = post(signed(params))
    descs = {x["ReceiptDesc"] for x in doc["Data"]}
    check("non-ASCII: sent as raw UTF-8", "接通".encode("utf-8") in raw)
    check("non-ASCII: round-trips", "接通" in descs and doc["Data"] == expected_rows(st_s, en_s))
    check("escapes: quote and backslash round-trip", 'rejected: "busy" \\ retry' in descs)

    st, cfg = control("POST", "/_control/config", {"total_field": "Count"})
    doc = post(signed(params))[3]
    check("config Count", st == 200 and "Count" in doc and "Total" not in doc and doc["Count"] == 7 * 36 + 1)
    st, _ = control("POST", "/_control/config", {"total_field": "Sum"})
    check("config bad total_field -> 400", st == 400)
    st, _ = control("POST", "/_control/config", {"nope": 1})
    check("config unknown key -> 400", st == 400)
    control("POST", "/_control/config", {"latency_ms": 300})
    t0 = time.monotonic()
    code = retcode_of(signed(params))[0]
    dt = time.monotonic() - t0
    check("config latency_ms", code == 0 and dt >= 0.3, dt)
    control("POST", "/_control/reset")
    doc = post(signed(params))[3]
    check("reset restores Total", "Total" in doc and "Count" not in doc)


def tls_error(host, port, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=host):
                return None
    except ssl.SSLCertVerificationError as e:
        return e.verify_message or str(e)
    except (OSError, ssl.SSLError) as e:
        return "other: %s" % e


def test_tls():
    ca = os.path.join(Env.tmp, "certs", "ca.pem")
    other = os.path.join(Env.tmp, "certs", "other-ca.pem")
    check("tls: localhost verifies", tls_error("localhost", Env.port, ca) is None)
    check("tls: 127.0.0.1 verifies", tls_error("127.0.0.1", Env.port, ca) is None)
    e = tls_error("localhost", Env.port, other)
    check("tls: unrelated CA refused", e is not None and "other:" not in e, e)
    e = tls_error("localhost", Env.expired_port, ca)
    check("tls: expired listener refused as expired", e is not None and "expired" in e, e)
    e = tls_error("localhost", Env.wronghost_port, ca)
    check("tls: wronghost listener refused on the name", e is not None and "mismatch" in e.lower(), e)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        with socket.create_connection(("127.0.0.1", Env.port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="localhost"):
                ok = False
    except (OSError, ssl.SSLError, ValueError):
        ok = True
    check("tls: TLS 1.1 refused", ok)
    # extra listeners share the routes (and the state)
    c = connect(port=Env.expired_port, ctx=ssl._create_unverified_context())
    try:
        c.request("GET", "/_control/config")
        check("tls: extra listener has the routes", c.getresponse().status == 200)
    finally:
        c.close()
    # a plain-TCP client that never handshakes must not block the server
    s = socket.create_connection(("127.0.0.1", Env.port), timeout=5)
    try:
        check("tls: idle raw connection does not block", control("GET", "/_control/config")[0] == 200)
    finally:
        s.close()


def test_sigterm():
    faults({"vendor": "ucloud", "kind": "hang", "seconds": 30})
    st_s, _ = base_window()
    th = threading.Thread(target=lambda: _swallow(lambda: post(signed({"StartTime": str(st_s), "EndTime": str(st_s)}))),
                          daemon=True)
    th.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    Env.proc.send_signal(signal.SIGTERM)
    try:
        Env.proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    dt = time.monotonic() - t0
    check("SIGTERM stops at once despite a hang", Env.proc.poll() is not None and dt < 1.5, dt)


def _swallow(fn):
    try:
        fn()
    except Exception:
        pass


# ---------------------------------------------------------------- driver

def start_server():
    certs = os.path.join(Env.tmp, "certs")
    subprocess.run(["bash", os.path.join(HERE, "make_certs.sh"), certs], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["bash", os.path.join(HERE, "make_certs.sh"), certs], check=True,
                   stdout=subprocess.DEVNULL)     # idempotent second run
    pf = os.path.join(Env.tmp, "port")
    pf_e = os.path.join(Env.tmp, "port.expired")
    pf_w = os.path.join(Env.tmp, "port.wronghost")
    Env.proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "vendor_server.py"), "--cert-dir", certs, "--port", "0",
         "--port-file", pf, "--log-file", os.path.join(Env.tmp, "requests.jsonl"),
         "--extra-tls", "expired=" + pf_e, "--extra-tls", "wronghost=" + pf_w],
        stdout=subprocess.PIPE, stderr=open(os.path.join(Env.tmp, "server.stderr"), "wb"))
    deadline = time.monotonic() + 10
    while not os.path.exists(pf):
        if time.monotonic() > deadline or Env.proc.poll() is not None:
            raise RuntimeError("server did not start: %s" % server_stderr())
        time.sleep(0.05)
    line = Env.proc.stdout.readline().decode().strip()
    Env.port = int(open(pf).read())
    Env.expired_port = int(open(pf_e).read())
    Env.wronghost_port = int(open(pf_w).read())
    check("startup: LISTENING line", line == "LISTENING %d" % Env.port, line)
    Env.ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))


def server_stderr():
    try:
        with open(os.path.join(Env.tmp, "server.stderr"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def main():
    t_start = time.monotonic()
    Env.tmp = tempfile.mkdtemp(prefix="vendor_server_test.")
    try:
        start_server()
        for t in (test_vectors, test_basic, test_keepalive, test_auth_and_params, test_paging_order,
                  test_filters, test_reach_and_now, test_rate_limit, test_faults, test_log,
                  test_truth_unicode_count_latency, test_tls, test_sigterm):
            try:
                t()
            except Exception:
                check("%s raised" % t.__name__, False, traceback.format_exc())
    except Exception:
        check("setup", False, traceback.format_exc())
    finally:
        if Env.proc is not None and Env.proc.poll() is None:
            Env.proc.kill()
        if Env.proc is not None:
            Env.proc.wait()
            Env.proc.stdout.close()
        if failed and server_stderr().strip():
            print("server stderr:\n" + server_stderr())
        shutil.rmtree(Env.tmp, ignore_errors=True)
    elapsed = time.monotonic() - t_start
    check("whole self-test under 30 s", elapsed < 30, elapsed)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
