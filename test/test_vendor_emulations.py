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

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
