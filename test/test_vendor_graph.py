#!/usr/bin/env python3
"""Self-test of the Microsoft Graph and login emulations (test/vendor_graph.py,
test/graph_data.py) against test/SERVER_CONTRACT.md, section "Microsoft Graph
and login emulation".

    python3 test/test_vendor_graph.py

Python 3 standard library only.  Makes certificates in a temp directory with
make_certs.sh, starts vendor_server.py (with a foreign listener and a log
file) on an ephemeral port, runs every check, stops the server and removes
the temp directory.  Prints a FAIL line per failed check; the last line is
"N passed, N failed"; the exit status is 1 when any check failed.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import graph_data  # noqa: E402

TENANT = "contoso.onmicrosoft.com"
TENANT_GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
C1, S1 = "11111111-2222-3333-4444-555555555555", "graph-test-secret~0001"
C2, S2 = "66666666-7777-8888-9999-000000000000", "graph-test-secret~0002"
T = graph_data.T_PER_S
DAY = 86400 * T
D0 = graph_data.parse_iso("2026-01-01")            # a UTC midnight well in the past
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PROPERTIES = {"id", "callId", "userId", "userPrincipalName", "userDisplayName", "startDateTime", "endDateTime",
              "duration", "charge", "connectionCharge", "currency", "callType", "calleeNumber", "callerNumber",
              "usageCountryCode", "tenantCountryCode", "destinationContext", "destinationName", "conferenceId",
              "licenseCapability", "inventoryType", "operator", "callDurationSource"}

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
    foreign_port = None
    ctx = None
    proc = None
    tmp = None
    bodies = []         # every raw response body seen (the secret must be in none)


# ---------------------------------------------------------------- HTTP helpers

def connect(timeout=10):
    import ssl
    if Env.ctx is None:
        Env.ctx = ssl.create_default_context(cafile=os.path.join(Env.tmp, "certs", "ca.pem"))
    return http.client.HTTPSConnection("127.0.0.1", Env.port, context=Env.ctx, timeout=timeout)


class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.raw = raw
        try:
            self.doc = json.loads(raw)
        except ValueError:
            self.doc = None

    def err(self):
        """(error.code, error.message) of a Graph error document."""
        e = (self.doc or {}).get("error") if isinstance(self.doc, dict) else None
        return (e.get("code"), e.get("message")) if isinstance(e, dict) else (None, None)


def request(method, path, body=None, headers=None, timeout=10):
    c = connect(timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        raw = r.read()
        Env.bodies.append(raw)
        return Resp(r.status, r.getheaders(), raw)
    finally:
        c.close()


def control(method, path, doc=None):
    body = json.dumps(doc).encode() if doc is not None else None
    r = request(method, path, body, {"Content-Type": "application/json"} if body is not None else {})
    return r.status, r.doc


def config(**kw):
    st, doc = control("POST", "/_control/config", kw)
    if not check("config %s accepted" % sorted(kw), st == 200, doc):
        raise RuntimeError("config refused")


def faults(*fs):
    st, doc = control("POST", "/_control/faults", list(fs))
    if not check("faults queued", st == 200, doc):
        raise RuntimeError("could not queue faults")


def reset():
    control("POST", "/_control/reset")


def own_scope(host="127.0.0.1"):
    return "https://%s:%d/.default" % (host, Env.port)


def login_raw(form, tenant=TENANT, method="POST", ctype="application/x-www-form-urlencoded", headers=None):
    h = {"Content-Type": ctype} if ctype else {}
    h.update(headers or {})
    body = form if form is None or isinstance(form, (bytes, str)) else urllib.parse.urlencode(form)
    return request(method, "/login/%s/oauth2/v2.0/token" % tenant, body=body, headers=h)


def login(client=C1, secret=S1, scope=None, tenant=TENANT, grant="client_credentials", omit=()):
    form = {"client_id": client, "client_secret": secret, "scope": scope or own_scope(),
            "grant_type": grant}
    for k in omit:
        form.pop(k)
    return login_raw(form, tenant)


def token(client=C1, secret=S1, scope=None):
    r = login(client, secret, scope)
    if not check("token issued", r.status == 200 and "access_token" in (r.doc or {}), r.raw[:300]):
        raise RuntimeError("no token")
    return r.doc["access_token"]


def iso(t, digits=7, zone="Z"):
    return graph_data.format_t100(t, digits, zone)


def gpath(frm, to, skip=None, qualified=False, extra=""):
    fn = "microsoft.graph.callRecords.getPstnCalls" if qualified else "getPstnCalls"
    p = "/graph/v1.0/communications/callRecords/%s(fromDateTime=%s,toDateTime=%s)" % (fn, frm, to)
    if skip is not None:
        p += "?$skip=%s" % skip
    return p + extra


def graph(path, tok, headers=None, method="GET"):
    h = {"Authorization": "Bearer " + tok} if tok is not None else {}
    h.update(headers or {})
    return request(method, path, headers=h)


def follow(path, tok, headers=None):
    """GET path and every @odata.nextLink after it; (rows, pages)."""
    rows, pages = [], []
    while path:
        r = graph(path, tok, headers)
        if r.status != 200:
            raise RuntimeError("page %s: HTTP %d %s" % (path, r.status, r.raw[:300]))
        pages.append(r)
        rows.extend(r.doc["value"])
        link = r.doc.get("@odata.nextLink")
        path = None
        if link:
            u = urllib.parse.urlsplit(link)
            path = u.path + "?" + u.query
    return rows, pages


def truth(frm, to):
    st, doc = control("GET", "/_control/truth/graph?" + urllib.parse.urlencode({"from": frm, "to": to}))
    if st != 200:
        raise RuntimeError("truth: %s" % doc)
    return doc


def graph_log():
    return [e for e in control("GET", "/_control/log")[1] if e["vendor"] == "graph"]


def login_log():
    return [e for e in control("GET", "/_control/log")[1] if e["vendor"] == "login"]


# ---------------------------------------------------------------- checks

def test_data():
    day = graph_data.records(D0, D0 + DAY - 1)
    check("data: 30 records a UTC day", len(day) == 30, len(day))
    check("data: every record has exactly the 23 v1.0 properties",
          all(set(r) == PROPERTIES for r in day), [sorted(set(r) ^ PROPERTIES) for r in day][:1])
    ninety = graph_data.records(D0, D0 + 90 * DAY)
    check("data: > 2 pages of 1000 in 90 days", len(ninety) > 2000, len(ninety))
    check("data: ids unique and GUID-shaped", len({r["id"] for r in ninety}) == len(ninety) and
          all(re.fullmatch(UUID, r["id"]) for r in ninety))
    starts = [graph_data.parse_iso(r["startDateTime"]) for r in ninety]
    check("data: sorted by (start, id)",
          [(s, r["id"]) for s, r in zip(starts, ninety)] == sorted((s, r["id"]) for s, r in zip(starts, ninety)))
    ok = True
    for d in range(0, 90, 7):
        b = D0 + d * DAY
        texts = {r["startDateTime"] for r in graph_data.records(b, b + DAY - 1)}
        for off in (0, 4, 6 * 3600 * T, 12 * 3600 * T, 18 * 3600 * T, DAY - T, DAY - 4):
            ok = ok and (b + off) in set(starts)
        ok = ok and iso(b, 0) in texts and iso(b + DAY - T, 0) in texts and iso(b + DAY - 4) in texts \
            and iso(b + 4) in texts
    check("data: the fixed instants on every day, exact texts", ok)
    check("data: a shared start every day", all(
        len({graph_data.parse_iso(r["startDateTime"]) for r in graph_data.records(D0 + d * DAY, D0 + d * DAY
                                                                                  + DAY - 1)}) < 30
        for d in range(5)))
    digits = {len(m.group(1)) if m.group(1) else 0 for m in
              (re.search(r"T\d\d:\d\d:\d\d(?:\.(\d+))?", r["startDateTime"]) for r in ninety)}
    check("data: 0 to 7 fractional digits", digits == set(range(8)), digits)
    check("data: some +00:00", any(r["startDateTime"].endswith("+00:00") for r in ninety))
    check("data: ucap calls have no user", all(r["userId"] is None and r["userPrincipalName"] is None
                                               for r in ninety if r["callType"].startswith("ucap")) and
          all(r["userId"] for r in ninety if r["callType"].startswith("user")))
    kinds = {r["callType"] for r in ninety}
    check("data: call types", {"user_in", "user_out", "ucap_in", "ucap_out", "emergency_out"} <= kinds, kinds)
    texts = {json.dumps(r["charge"]) for r in ninety} | {json.dumps(r["connectionCharge"]) for r in ninety}
    check("data: charges exact decimal text, several decimals, no exponent",
          "0.0567" in texts and "1.2" in texts and "0" in texts and not any("e" in t.lower() for t in texts) and
          all(Decimal(t) == Decimal(repr(v)) for t, v in ((json.dumps(v), v) for v in
                                                          (r["charge"] for r in ninety))), texts)
    check("data: enums", {r["callDurationSource"] for r in ninety} == {"microsoft", "operator"} and
          {r["destinationContext"] for r in ninety} == {None, "Domestic", "International"})
    check("data: E.164 numbers", all(re.fullmatch(r"\+[1-9]\d{6,14}", r["calleeNumber"]) and
                                     re.fullmatch(r"\+[1-9]\d{6,14}", r["callerNumber"]) for r in ninety))
    check("data: inclusive ends", [r["startDateTime"] for r in graph_data.records(D0 + 4, D0 + 4)] ==
          ["2026-01-01T00:00:00.0000004Z"] and graph_data.records(D0 + 5, D0 + 6 * 3600 * T - 1)[0][
              "startDateTime"] != "2026-01-01T00:00:00.0000004Z")
    check("data: end >= start + duration", all(graph_data.parse_iso(r["endDateTime"]) >=
                                               graph_data.parse_iso(r["startDateTime"]) + r["duration"] * T
                                               for r in ninety))
    p = graph_data.parse_iso
    check("data: parse forms", p("2026-01-01") == D0 and p("2026-01-01T00:00:00Z") == D0 and
          p("2026-01-01T01:00:00+01:00") == D0 and p("2025-12-31T19:00:00.0000004-05:00") == D0 + 4 and
          p("2026-01-01T00:00:00.5Z") == D0 + T // 2)
    bad = 0
    for s in ("2026-01-01T00:00:00", "2026-13-01", "x", "2026-01-01T00:00:00.12345678Z", "2026-01-01 00:00:00Z",
              "2026-01-01t00:00:00z", "'2026-01-01'"):
        try:
            p(s)
        except ValueError:
            bad += 1
    check("data: parse refuses other forms", bad == 7, bad)
    check("data: deterministic", graph_data.records(D0, D0 + DAY) == graph_data.records(D0, D0 + DAY) and
          graph_data.records(D0, D0 + 2 * DAY - 1)[30:] == graph_data.records(D0 + DAY, D0 + 2 * DAY - 1))


def aad_shape(r, status, error, code):
    """An AAD error document of `status`, `error` and AADSTS `code`."""
    d = r.doc if isinstance(r.doc, dict) else {}
    desc = d.get("error_description", "")
    m = re.fullmatch(r"AADSTS(\d+): .+\r\nTrace ID: (%s)\r\nCorrelation ID: (%s)\r\nTimestamp: "
                     r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)" % (UUID, UUID), desc, re.S)
    return (r.status == status and d.get("error") == error and d.get("error_codes") == [code] and m is not None
            and int(m.group(1)) == code and d.get("trace_id") == m.group(2) and d.get("correlation_id") == m.group(3)
            and d.get("timestamp") == m.group(4)
            and d.get("error_uri") == "https://login.microsoftonline.com/error?code=%d" % code
            and r.headers.get("x-ms-request-id") == d.get("trace_id"))


def test_login():
    reset()
    r = login()
    d = r.doc or {}
    check("login: 200 Bearer", r.status == 200 and d.get("token_type") == "Bearer", r.raw[:300])
    check("login: expires_in/ext_expires_in 3599", d.get("expires_in") == 3599 and d.get("ext_expires_in") == 3599)
    check("login: exactly the four fields", set(d) == {"token_type", "expires_in", "ext_expires_in", "access_token"})
    check("login: opaque long token", isinstance(d.get("access_token"), str) and len(d["access_token"]) > 500 and
          d["access_token"].count(".") == 2)
    check("login: no-store and x-ms-request-id", "no-store" in r.headers.get("cache-control", "") and
          re.fullmatch(UUID, r.headers.get("x-ms-request-id", "")))
    check("login: a new token each time", token() != token())
    check("login: tenant GUID", login(tenant=TENANT_GUID).status == 200)
    check("login: tenant name case-insensitive", login(tenant=TENANT.upper()).status == 200)
    check("login: second app", login(C2, S2).status == 200)
    check("login: localhost scope", login(scope=own_scope("localhost")).status == 200)

    cases = [
        ("unknown tenant", login(tenant="fabrikam.onmicrosoft.com"), 400, "invalid_request", 90002),
        ("common", login(tenant="common"), 400, "invalid_request", 9001023),
        ("consumers", login(tenant="consumers"), 400, "invalid_request", 9001023),
        ("unknown client", login(client="99999999-2222-3333-4444-555555555555"), 400, "unauthorized_client",
         700016),
        ("wrong secret", login(secret="graph-test-secret~0002"), 401, "invalid_client", 7000215),
        ("secret of another app", login(C2, S1), 401, "invalid_client", 7000215),
        ("no secret", login(omit=("client_secret",)), 401, "invalid_client", 7000218),
        ("password grant", login(grant="password"), 400, "unsupported_grant_type", 70003),
        ("graph.microsoft.com scope", login(scope="https://graph.microsoft.com/.default"), 400, "invalid_scope",
         70011),
        ("scope on another port", login(scope="https://127.0.0.1:%d/.default" % (Env.port ^ 1)), 400,
         "invalid_scope", 70011),
        ("scope on the foreign port", login(scope="https://127.0.0.1:%d/.default" % Env.foreign_port), 400,
         "invalid_scope", 70011),
        ("http scope", login(scope="http://127.0.0.1:%d/.default" % Env.port), 400, "invalid_scope", 70011),
        ("scope without /.default", login(scope="https://127.0.0.1:%d/" % Env.port), 400, "invalid_scope",
         1002012),
        ("two scopes", login(scope=own_scope() + " " + own_scope("localhost")), 400, "invalid_scope", 70011),
        ("GET", login_raw(None, method="GET", ctype=None), 405, "invalid_request", 900561),
        ("JSON body", login_raw(json.dumps({"client_id": C1}), ctype="application/json"), 400, "invalid_request",
         900144),
        ("duplicate parameter", login_raw("client_id=%s&client_id=%s&client_secret=%s&scope=%s&grant_type="
                                          "client_credentials" % (C1, C1, urllib.parse.quote(S1),
                                                                  urllib.parse.quote(own_scope()))),
         400, "invalid_request", 9002313),
    ]
    for p in ("grant_type", "client_id", "scope"):
        r = login(omit=(p,))
        cases.append(("missing " + p, r, 400, "invalid_request", 900144))
        check("login: missing %s named" % p, "'%s'" % p in (r.doc or {}).get("error_description", ""))
    for name, r, status, error, code in cases:
        check("login: %s -> %d %s AADSTS%d" % (name, status, error, code), aad_shape(r, status, error, code),
              (r.status, r.raw[:400]))
    r = login(secret="my-wrong-secret~zz")
    check("login: a wrong secret is not echoed", b"my-wrong-secret" not in r.raw)

    log = login_log()
    check("login: every token request logged", len(log) == len(cases) + 8, len(log))
    check("login: log params without the secret", all("client_secret" not in e["params"] or
                                                      e["params"]["client_secret"] == "(not logged)" for e in log)
          and "graph-test-secret" not in json.dumps(log) and "my-wrong-secret" not in json.dumps(log))
    ok_entry = [e for e in log if e["status"] == 200][0]
    check("login: log params", ok_entry["params"] == {"tenant": TENANT, "client_id": C1, "scope": own_scope(),
                                                      "grant_type": "client_credentials",
                                                      "client_secret": "(not logged)"} and ok_entry["sig_ok"],
          ok_entry)
    check("login: log retcode is the error", [e["retcode"] for e in log if e["status"] == 401][:1] ==
          ["invalid_client"])

    # config: lifetime and what is announced
    config(graph_token_lifetime_s=1)
    r = login()
    check("login: lifetime 1 s announced", r.doc["expires_in"] == 1 and r.doc["ext_expires_in"] == 1)
    config(graph_token_lifetime_s=60, graph_token_expires_in=3599)
    check("login: expires_in announced independently", login().doc["expires_in"] == 3599)
    for bad in ({"graph_token_lifetime_s": 0}, {"graph_token_lifetime_s": "60"},
                {"graph_token_lifetime_s": True}, {"graph_token_expires_in": 0},
                {"graph_revoke_tokens": "yes"}, {"graph_next_link_origin": "ftp://127.0.0.1:1"},
                {"graph_next_link_origin": "https://127.0.0.1:1/graph"}, {"graph_page_size": 0},
                {"graph_rate_limit": -1}, {"graph_rate_window_s": 0}, {"graph_retry_after_s": 1.5},
                {"graph_no_such_key": 1}):
        check("config refused: %s" % bad, control("POST", "/_control/config", bad)[0] == 400)
    reset()
    cfg = control("GET", "/_control/config")[1]
    check("config: graph defaults after reset", {k: cfg.get(k) for k in (
        "graph_token_lifetime_s", "graph_token_expires_in", "graph_revoke_tokens", "graph_page_size",
        "graph_next_link_origin", "graph_rate_limit", "graph_rate_window_s", "graph_retry_after_s")} == {
        "graph_token_lifetime_s": 3599, "graph_token_expires_in": None, "graph_revoke_tokens": False,
        "graph_page_size": 1000, "graph_next_link_origin": None, "graph_rate_limit": 200,
        "graph_rate_window_s": 60, "graph_retry_after_s": 2}, cfg)


def test_graph_auth():
    reset()
    p = gpath("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    tok = token()
    r = graph(p, tok)
    check("graph: 200 with a token", r.status == 200 and len(r.doc["value"]) == 31, (r.status, r.raw[:200]))
    check("graph: token reused", all(graph(p, tok).status == 200 for _ in range(3)))
    check("graph: request-id headers", re.fullmatch(UUID, r.headers.get("request-id", "")) and
          re.fullmatch(UUID, r.headers.get("client-request-id", "")))
    check("graph: OData content type",
          r.headers.get("content-type", "").startswith("application/json;odata.metadata=minimal"))
    r2 = graph(p, tok, {"client-request-id": "0f0e0d0c-1111-2222-3333-444455556666"})
    check("graph: client-request-id echoed", r2.headers.get("client-request-id") ==
          "0f0e0d0c-1111-2222-3333-444455556666")
    check("graph: lower-case bearer accepted", graph(p, None, {"Authorization": "bearer " + tok}).status == 200)

    def unauthorized(r, message_start):
        code, msg = r.err()
        inner = (r.doc or {}).get("error", {}).get("innerError", {}) if isinstance(r.doc, dict) else {}
        return (r.status == 401 and code == "InvalidAuthenticationToken" and (msg or "").startswith(message_start)
                and inner.get("request-id") == r.headers.get("request-id") and
                inner.get("client-request-id") == r.headers.get("client-request-id") and
                re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner.get("date", "")) and
                r.headers.get("www-authenticate", "").startswith("Bearer"))

    check("graph: no token -> 401 empty", unauthorized(graph(p, None), "Access token is empty."))
    check("graph: 'Bearer ' -> 401 empty", unauthorized(graph(p, None, {"Authorization": "Bearer "}),
                                                        "Access token is empty."))
    check("graph: Basic -> 401 empty", unauthorized(graph(p, None, {"Authorization": "Basic " + tok}),
                                                    "Access token is empty."))
    check("graph: garbage token -> 401 IDX14100", unauthorized(graph(p, "notatoken"), "IDX14100: JWT is not well"))
    check("graph: forged JWT-shaped token -> 401", unauthorized(graph(p, tok[:-4] + "AAAA"), "IDX10511"))
    check("graph: secret as token -> 401", unauthorized(graph(p, S1), "IDX14100"))

    # audience: a token for localhost:<port> is not one for 127.0.0.1:<port>
    tok_lh = token(scope=own_scope("localhost"))
    check("graph: foreign audience -> 401", unauthorized(graph(p, tok_lh), "Invalid audience."))
    check("graph: Host localhost accepts the localhost token",
          graph(p, tok_lh, {"Host": "localhost:%d" % Env.port}).status == 200)
    check("graph: Host localhost refuses the 127.0.0.1 token",
          unauthorized(graph(p, tok, {"Host": "localhost:%d" % Env.port}), "Invalid audience."))

    # expiry: real lifetime 1 s although 3599 is announced
    config(graph_token_lifetime_s=1, graph_token_expires_in=3599)
    r = login()
    short = r.doc["access_token"]
    check("graph: short token works at first", r.doc["expires_in"] == 3599 and graph(p, short).status == 200)
    time.sleep(1.1)
    check("graph: expired -> 401 lifetime", unauthorized(graph(p, short),
                                                         "Lifetime validation failed, the token is expired."))
    check("graph: the long token still works", graph(p, tok).status == 200)

    # revocation, and tokens survive a reset
    reset()
    check("graph: tokens survive a reset", graph(p, tok).status == 200)
    config(graph_revoke_tokens=True)
    check("graph: revoked -> 401 lifetime", unauthorized(graph(p, tok), "Lifetime validation failed"))
    check("graph: revoke flag reads back false", control("GET", "/_control/config")[1]["graph_revoke_tokens"]
          is False)
    check("graph: a token issued after the revoke works", graph(p, token()).status == 200)
    check("graph: a revoked token stays revoked after a reset", reset() is None and graph(p, tok).status == 401)

    log = graph_log()
    e401 = [e for e in log if e["status"] == 401]
    check("graph: 401s logged with their code", e401 and all(e["retcode"] == "InvalidAuthenticationToken" and
                                                             not e["sig_ok"] for e in e401), e401[:1])
    check("graph: tenant/client logged once the token is known", e401[-1]["params"].get("tenant") == TENANT_GUID
          and e401[-1]["params"].get("client_id") == C1, e401[-1:])
    check("graph: no token in the log", tok not in json.dumps(control("GET", "/_control/log")[1]))


def test_graph_range():
    reset()
    tok = token()

    def ids_of(r):
        return [x["id"] for x in r.doc["value"]] if r.status == 200 else ("HTTP %d %s" % (r.status, r.raw[:200]))

    def bad_request(r, message_part=""):
        code, msg = r.err()
        return r.status == 400 and code == "BadRequest" and message_part in (msg or "") and \
            re.fullmatch(UUID, r.headers.get("request-id", ""))

    a = D0 + 10 * DAY
    r = graph(gpath(iso(a, 0), iso(a + 90 * DAY, 0)), tok)
    check("range: exactly 90 days OK", r.status == 200 and len(r.doc["value"]) == 1000, r.raw[:200])
    r = graph(gpath(iso(a, 0), iso(a + 90 * DAY + T, 0)), tok)
    check("range: 90 days + 1 s -> 400 '90 days'", bad_request(r, "90 days"), r.raw[:300])
    check("range: 90 days + 100 ns -> 400", bad_request(graph(gpath(iso(a, 0), iso(a + 90 * DAY + 1)), tok),
                                                        "90 days"))
    check("range: from > to -> 400", bad_request(graph(gpath(iso(a + T), iso(a)), tok)))
    check("range: date-only 90 days OK", graph(gpath("2026-01-01", "2026-04-01"), tok).status == 200)
    r = graph(gpath("", ""), tok)
    check("range: empty values -> Expression expected at 13", bad_request(
        r, "Expression expected at position 13 in 'fromDateTime=,toDateTime='."), r.raw[:300])
    r = graph(gpath("2026-01-01", ""), tok)
    check("range: empty toDateTime -> position", bad_request(
        r, "Expression expected at position 35 in 'fromDateTime=2026-01-01,toDateTime='"), r.raw[:300])
    check("range: not a date -> 400", bad_request(graph(gpath("yesterday", "2026-01-01"), tok), "DateTimeOffset"))
    check("range: quoted -> 400", bad_request(graph(gpath("'2026-01-01'", "'2026-01-02'"), tok)))
    check("range: no zone -> 400", bad_request(graph(gpath("2026-01-01T00:00:00", "2026-01-02T00:00:00"), tok)))
    check("range: 8 digits -> 400", bad_request(graph(gpath("2026-01-01T00:00:00.12345678Z", "2026-01-02"), tok)))
    check("range: other names -> 400", bad_request(graph(
        "/graph/v1.0/communications/callRecords/getPstnCalls(from=2026-01-01,to=2026-01-02)", tok)))
    check("range: one parameter -> 400", bad_request(graph(
        "/graph/v1.0/communications/callRecords/getPstnCalls(fromDateTime=2026-01-01)", tok)))
    check("range: duplicate parameter -> 400", bad_request(graph(
        "/graph/v1.0/communications/callRecords/getPstnCalls(fromDateTime=2026-01-01,fromDateTime=2026-01-02)",
        tok)))
    check("range: unknown function -> 400", bad_request(graph(
        "/graph/v1.0/communications/callRecords/getDirectRoutingCalls(fromDateTime=2026-01-01,"
        "toDateTime=2026-01-02)", tok), "Resource not found"))
    check("range: beta -> 400", bad_request(graph(gpath("2026-01-01", "2026-01-02").replace("v1.0", "beta"), tok)))
    check("range: POST -> 405", graph(gpath("2026-01-01", "2026-01-02"), tok, method="POST").status == 405)
    for q in ("?$top=5", "?foo=1", "?$skip=-1", "?$skip=abc", "?$skip=", "?$skip=1&$skip=2", "?$count=true"):
        check("range: query %s -> 400" % q, bad_request(graph(gpath("2026-01-01", "2026-01-02") + q, tok)))
    check("range: $skip=0 OK", graph(gpath("2026-01-01", "2026-01-02", skip=0), tok).status == 200)

    # inclusive ends at a record's exact instant, 100 ns precision
    noon = D0 + 12 * 3600 * T
    r = graph(gpath(iso(noon, 0), iso(noon, 0)), tok)
    exp = sorted(x["id"] for x in graph_data.records(noon, noon))
    check("ends: from = to = 12:00:00 gives the pair, by id", len(exp) == 2 and ids_of(r) == exp, ids_of(r))
    six, eighteen = D0 + 6 * 3600 * T, D0 + 18 * 3600 * T
    r = graph(gpath(iso(six, 0), iso(eighteen, 0)), tok)
    starts = [graph_data.parse_iso(x["startDateTime"]) for x in r.doc["value"]]
    check("ends: both ends inclusive", starts[0] == six and starts[-1] == eighteen and
          ids_of(r) == [x["id"] for x in graph_data.records(six, eighteen)])
    r = graph(gpath(iso(six + 1), iso(eighteen - 1)), tok)
    starts = [graph_data.parse_iso(x["startDateTime"]) for x in r.doc["value"]]
    check("ends: 100 ns inside excludes both", six not in starts and eighteen not in starts and
          len(starts) == len(graph_data.records(six, eighteen)) - 2)
    last = D0 + DAY - 4
    r = graph(gpath(iso(last), iso(last)), tok)
    check("ends: 23:59:59.9999996Z alone", [x["startDateTime"] for x in r.doc["value"]] ==
          ["2026-01-01T23:59:59.9999996Z"], r.raw[:300])
    check("ends: .9999995Z..9999999Z has only it", len(graph(gpath(iso(last - 1), iso(last + 3)),
                                                             tok).doc["value"]) == 1)
    check("ends: .9999997Z..next day 00:00:00.0000003Z has only midnight",
          [x["startDateTime"] for x in graph(gpath(iso(last + 1), iso(D0 + DAY + 3)), tok).doc["value"]] ==
          ["2026-01-02T00:00:00Z"])
    r = graph(gpath("2026-01-01", "2026-01-02"), tok)
    check("ends: date-only values", ids_of(r) == [x["id"] for x in graph_data.records(D0, D0 + DAY)] and
          len(r.doc["value"]) == 31)

    # literal forms give the same rows
    base = ids_of(graph(gpath("2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z"), tok))
    forms = {
        "fraction": gpath("2026-01-01T00:00:00.0000000Z", "2026-01-01T12:00:00.000Z"),
        "+00:00": gpath("2026-01-01T00:00:00+00:00", "2026-01-01T12:00:00+00:00"),
        "other offset": gpath("2026-01-01T01:00:00+01:00", "2026-01-01T07:00:00-05:00"),
        "percent-encoded": gpath("2026-01-01T00%3A00%3A00Z", "2026-01-01T12%3A00%3A00%2B00%3A00"),
        "encoded parentheses": "/graph/v1.0/communications/callRecords/getPstnCalls%28fromDateTime%3D2026-01-01"
                               "T00%3A00%3A00Z%2CtoDateTime%3D2026-01-01T12%3A00%3A00Z%29",
        "qualified name": gpath("2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z", qualified=True),
    }
    for name, path in forms.items():
        check("forms: %s" % name, ids_of(graph(path, tok)) == base, path)

    # page envelope
    r = graph(gpath("2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z"), tok)
    d = r.doc
    check("page: envelope keys", list(d) == ["@odata.context", "@odata.count", "value"], list(d))
    check("page: @odata.context", d["@odata.context"] == "https://127.0.0.1:%d/graph/v1.0/$metadata#Collection("
          "microsoft.graph.callRecords.pstnCallLogRow)" % Env.port, d["@odata.context"])
    check("page: @odata.count is the page's rows", d["@odata.count"] == len(d["value"]) == len(
        graph_data.records(D0, D0 + 12 * 3600 * T)), d["@odata.count"])
    exact = json.loads(r.raw, parse_float=Decimal)
    check("page: charges are the exact decimal text", all(
        Decimal(repr(x["charge"])) == y["charge"] and Decimal(repr(x["connectionCharge"])) == y["connectionCharge"]
        for x, y in zip(d["value"], exact["value"])))
    check("page: rows exactly as the truth", d["value"] == truth("2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z"))
    check("page: rows as the data module", d["value"] == graph_data.records(D0, D0 + 12 * 3600 * T))

    # never newer than the server's now
    now = int(time.time() * T)
    r = graph(gpath(iso(now - 3 * DAY, 0), iso(now + 3 * DAY, 0)), tok)
    starts = [graph_data.parse_iso(x["startDateTime"]) for x in r.doc["value"]]
    check("now: nothing after now", r.status == 200 and starts and max(starts) <= int(time.time() * T))
    check("now: truth agrees up to the same instant",
          [x for x in r.doc["value"] if graph_data.parse_iso(x["startDateTime"]) <= now] ==
          truth(iso(now - 3 * DAY, 0), iso(now)) and len(r.doc["value"]) >= 80)
    check("truth: bad parameters -> 400", control("GET", "/_control/truth/graph?from=x&to=y")[0] == 400 and
          control("GET", "/_control/truth/graph")[0] == 400)
    log = graph_log()
    ok = [e for e in log if e["status"] == 200]
    check("log: params of a Graph request", ok[0]["params"] == {
        "fromDateTime": iso(a, 0), "toDateTime": iso(a + 90 * DAY, 0), "skip": "0", "tenant": TENANT_GUID,
        "client_id": C1} and ok[0]["rows"] == 1000 and ok[0]["retcode"] is None and ok[0]["sig_ok"], ok[0])
    check("log: 400s carry BadRequest", all(e["retcode"] == "BadRequest" for e in log if e["status"] == 400))


def test_paging():
    reset()
    tok = token()
    a = D0 + 20 * DAY
    frm, to = iso(a, 0), iso(a + 90 * DAY, 0)
    rows, pages = follow(gpath(frm, to), tok)
    exp = truth(frm, to)
    check("paging: 90 days, > 2 pages", len(pages) == 3 and len(exp) > 2000, (len(pages), len(exp)))
    check("paging: nextLink pages reproduce the truth exactly", rows == exp)
    check("paging: counts 1000, 1000, rest", [p.doc["@odata.count"] for p in pages] == [1000, 1000, len(exp) - 2000])
    link = pages[0].doc["@odata.nextLink"]
    check("paging: nextLink shape", link == "https://127.0.0.1:%d/graph/v1.0/communications/callRecords/"
          "getPstnCalls(fromDateTime=%s,toDateTime=%s)?$skip=1000" % (Env.port, frm, to), link)
    check("paging: nextLink after value", list(pages[0].doc)[-1] == "@odata.nextLink")
    check("paging: last page has no nextLink", "@odata.nextLink" not in pages[-1].doc)
    check("paging: log skips", [e["params"]["skip"] for e in graph_log()] == ["0", "1000", "2000"])

    config(graph_page_size=7)
    frm, to = "2026-01-01T00:00:00Z", "2026-01-02T23:59:59.9999996Z"
    rows, pages = follow(gpath(frm, to), tok)
    exp = truth(frm, to)
    check("paging: 7-row pages over ties and boundaries", rows == exp and len(pages) == -(-len(exp) // 7),
          (len(rows), len(exp), len(pages)))
    rows_q, _ = follow(gpath(frm, to, qualified=True), tok)
    check("paging: qualified name pages the same", rows_q == exp)
    r = graph(gpath(frm, to, qualified=True), tok)
    check("paging: nextLink uses the short name", "/callRecords/getPstnCalls(" in r.doc["@odata.nextLink"])
    config(graph_page_size=10)
    rows, pages = follow(gpath("2026-01-01T00:00:00Z", "2026-01-01T23:59:59.9999996Z"), tok)
    check("paging: 30 rows in pages of 10: exactly 3 pages, the last without nextLink",
          len(rows) == 30 and [p.doc["@odata.count"] for p in pages] == [10, 10, 10], [p.doc["@odata.count"]
                                                                                    for p in pages])
    config(graph_page_size=7)
    r = graph(gpath(frm, to, skip=len(exp)), tok)
    check("paging: $skip at the end -> empty last page", r.status == 200 and r.doc["value"] == [] and
          r.doc["@odata.count"] == 0 and "@odata.nextLink" not in r.doc)
    r = graph(gpath(frm, to, skip=10 ** 8), tok)
    check("paging: $skip far beyond -> empty", r.status == 200 and r.doc["value"] == [])
    r = graph(gpath("2026-01-01T00%3A00%3A00Z", "2026-01-02T00%3A00%3A00%2B00%3A00"), tok)
    check("paging: nextLink of an encoded request", r.doc["@odata.nextLink"].endswith(
        "getPstnCalls(fromDateTime=2026-01-01T00:00:00Z,toDateTime=2026-01-02T00:00:00+00:00)?$skip=7"))
    check("paging: that link is honoured", follow(gpath("2026-01-01T00%3A00%3A00Z",
                                                        "2026-01-02T00%3A00%3A00%2B00%3A00"), tok)[0] ==
          truth("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"))
    tok_lh = token(scope=own_scope("localhost"))
    r = graph(gpath(frm, to), tok_lh, {"Host": "localhost:%d" % Env.port})
    check("paging: nextLink follows the Host header", r.doc["@odata.nextLink"].startswith(
        "https://localhost:%d/graph/v1.0/" % Env.port) and r.doc["@odata.context"].startswith(
        "https://localhost:%d/" % Env.port))

    origin = "https://127.0.0.1:%d" % Env.foreign_port
    config(graph_next_link_origin=origin)
    r = graph(gpath(frm, to), tok)
    check("paging: nextLink origin override", r.doc["@odata.nextLink"].startswith(origin + "/graph/v1.0/"
                                                                                  "communications/callRecords/"))
    config(graph_next_link_origin="http://127.0.0.1:%d" % Env.port)
    check("paging: http downgrade override", graph(gpath(frm, to), tok).doc["@odata.nextLink"].startswith(
        "http://127.0.0.1:%d/graph/" % Env.port))
    check("paging: the foreign listener was not contacted", control("GET", "/_control/foreign")[1] ==
          {"connections": 0, "requests": []})
    config(graph_next_link_origin=None)
    check("paging: override cleared", graph(gpath(frm, to), tok).doc["@odata.nextLink"].startswith(
        "https://127.0.0.1:%d/" % Env.port))


def test_throttle():
    reset()
    config(graph_rate_limit=3, graph_rate_window_s=1)
    tok, tok2 = token(), token(C2, S2)
    p = gpath("2026-01-01", "2026-01-02")
    statuses = [graph(p, tok).status for _ in range(3)]
    r = graph(p, tok)
    check("throttle: limit then 429", statuses == [200] * 3 and r.status == 429, (statuses, r.status))
    check("throttle: Retry-After 2", r.headers.get("retry-after") == "2")
    check("throttle: TooManyRequests body and ids", r.err()[0] == "TooManyRequests" and
          r.doc["error"]["innerError"]["request-id"] == r.headers.get("request-id"))
    check("throttle: per app: the other app goes on", graph(p, tok2).status == 200)
    log = graph_log()
    check("throttle: logged as throttled", log[3]["throttled"] and log[3]["status"] == 429 and
          log[3]["retcode"] == "TooManyRequests" and not log[0]["throttled"])
    time.sleep(1.05)
    check("throttle: the window slides", graph(p, tok).status == 200)
    reset()
    config(graph_rate_limit=0, graph_retry_after_s=7)
    r = graph(p, token())
    check("throttle: limit 0 and Retry-After config", r.status == 429 and r.headers.get("retry-after") == "7")
    reset()
    tok = token()
    statuses = [graph(p, tok).status for _ in range(40)]
    check("throttle: default 200/60 s does not bite 40 requests", statuses == [200] * 40)


def test_faults():
    reset()
    tok = token()
    frm, to = iso(D0 + 30 * DAY, 0), iso(D0 + 120 * DAY, 0)
    p = gpath(frm, to)
    exp = truth(frm, to)[:1000]

    faults({"vendor": "graph", "kind": "status", "status": 503, "retry_after": "3", "match": {"skip": "1000"}})
    r = graph(p, tok)
    check("fault match: first page untouched", r.status == 200 and r.doc["value"] == exp)
    r = graph(gpath(frm, to, skip=1000), tok)
    check("fault status: 503 + Retry-After + request-id", r.status == 503 and r.headers.get("retry-after") == "3"
          and re.fullmatch(UUID, r.headers.get("request-id", "")))
    check("fault status: consumed", graph(gpath(frm, to, skip=1000), tok).status == 200)
    for code in (500, 502, 504, 429, 401):
        faults({"vendor": "graph", "kind": "status", "status": code})
        check("fault status %d" % code, graph(p, tok).status == code)

    faults({"vendor": "graph", "kind": "retcode", "code": "TooManyRequests"})
    r = graph(p, None)
    check("fault: not consumed without a token", r.status == 401 and len(control("GET", "/_control/faults")[1]) == 1)
    r = graph(p, tok)
    check("fault retcode TooManyRequests: 429 Graph error", r.status == 429 and r.err()[0] == "TooManyRequests")
    check("fault retcode: Retry-After and matching ids", r.headers.get("retry-after") == "2" and
          r.doc["error"]["innerError"]["request-id"] == r.headers.get("request-id") and
          r.headers.get("content-type") == "application/json")
    faults({"vendor": "graph", "kind": "retcode", "code": "serviceNotAvailable", "retry_after": "9"})
    r = graph(p, tok)
    check("fault retcode serviceNotAvailable: 503, own Retry-After", r.status == 503 and
          r.err()[0] == "serviceNotAvailable" and r.headers.get("retry-after") == "9")
    faults({"vendor": "graph", "kind": "retcode", "code": "BadRequest", "message": "Injected.", "http_status": 406})
    r = graph(p, tok)
    check("fault retcode: http_status and message", r.status == 406 and r.err() == ("BadRequest", "Injected."))

    config(graph_rate_limit=1, graph_rate_window_s=60)
    faults({"vendor": "graph", "kind": "malformed"})
    graph(p, tok)
    r = graph(p, tok)
    check("fault: not consumed by a throttled request", r.status == 429 and
          len(control("GET", "/_control/faults")[1]) == 1)
    config(graph_rate_limit=200)
    reset()
    tok = token()
    faults({"vendor": "graph", "kind": "malformed"})
    r = graph(p, tok)
    check("fault malformed: 200, not JSON", r.status == 200 and r.doc is None and len(r.raw) > 0)

    for kind in ("truncated", "hang_body"):
        faults({"vendor": "graph", "kind": kind, "seconds": 1})
        c = connect()
        t0 = time.monotonic()
        try:
            c.request("GET", p, headers={"Authorization": "Bearer " + tok})
            resp = c.getresponse()
            clen = int(resp.getheader("Content-Length"))
            try:
                resp.read()
                err = None
            except (OSError, http.client.HTTPException) as e:
                err = e
            dt = time.monotonic() - t0
            check("fault %s: half the body, then closed" % kind, resp.status == 200 and
                  isinstance(err, http.client.IncompleteRead) and len(err.partial) == clen // 2, err)
            if kind == "hang_body":
                check("fault hang_body: lasted ~1 s", 0.9 <= dt < 5, dt)
        finally:
            c.close()

    faults({"vendor": "graph", "kind": "hang", "seconds": 1})
    t0 = time.monotonic()
    try:
        graph(p, tok)
        err = None
    except (OSError, http.client.HTTPException) as e:
        err = e
    check("fault hang: closed without a response after ~1 s", err is not None and
          0.9 <= time.monotonic() - t0 < 5, (err, time.monotonic() - t0))
    faults({"vendor": "graph", "kind": "reset"})
    try:
        graph(p, tok)
        err = None
    except (OSError, http.client.HTTPException) as e:
        err = e
    check("fault reset: no response", err is not None)
    faults({"vendor": "graph", "kind": "redirect", "location": "https://127.0.0.1:%d/x" % Env.foreign_port})
    r = graph(p, tok)
    check("fault redirect: 302 Location", r.status == 302 and r.headers.get("location") ==
          "https://127.0.0.1:%d/x" % Env.foreign_port)
    faults({"vendor": "graph", "kind": "big", "bytes": 50000})
    r = graph(p, tok)
    check("fault big", r.doc["value"][0]["destinationName"] == "x" * 50000 and r.doc["value"][1:] == exp[1:])
    check("fault big: the next response is clean again", graph(p, tok).doc["value"] == exp)
    faults({"vendor": "graph", "kind": "wrong_types"})
    r = graph(p, tok)
    check("fault wrong_types: duration 'abc'", r.doc["value"][0]["duration"] == "abc" and
          r.doc["value"][1:] == exp[1:])
    faults({"vendor": "graph", "kind": "wrong_types", "value": None})
    check("fault wrong_types value", graph(p, tok).doc["value"][0]["duration"] is None)
    faults({"vendor": "graph", "kind": "short_page"})
    r = graph(p, tok)
    check("fault short_page: one row fewer, count and link kept", r.doc["value"] == exp[:999] and
          r.doc["@odata.count"] == 1000 and "@odata.nextLink" in r.doc, (len(r.doc["value"]), list(r.doc)))
    faults({"vendor": "graph", "kind": "retcode", "code": "TooManyRequests", "match": {"client_id": C2}})
    check("fault match on client_id", graph(p, tok).status == 200 and graph(p, token(C2, S2)).status == 429)
    check("faults: all consumed", control("GET", "/_control/faults")[1] == [])
    kinds = [e["fault"] for e in graph_log() if e["fault"]]
    check("faults: logged by kind", {"malformed", "truncated", "hang_body", "hang", "reset", "redirect", "big",
                                     "wrong_types", "short_page", "retcode"} <= set(kinds), kinds)

    # the token endpoint takes faults too, after the client authenticated
    faults({"vendor": "login", "kind": "retcode", "code": "temporarily_unavailable"})
    r = login(secret="wrong")
    check("login fault: not consumed by a wrong secret", r.status == 401)
    r = login()
    check("login fault retcode: 503 AAD temporarily_unavailable", aad_shape(r, 503, "temporarily_unavailable", 50000),
          r.raw[:300])
    faults({"vendor": "login", "kind": "retcode", "code": 7000222})
    check("login fault retcode by number", aad_shape(login(), 401, "invalid_client", 7000222))
    faults({"vendor": "login", "kind": "short_page"})
    r = login()
    check("login fault short_page: no access_token", r.status == 200 and "access_token" not in r.doc)
    faults({"vendor": "login", "kind": "wrong_types", "value": "3599"})
    check("login fault wrong_types: expires_in", login().doc["expires_in"] == "3599")
    faults({"vendor": "login", "kind": "status", "status": 500})
    check("login fault status", login().status == 500)


def test_log_and_secrets():
    log_text = json.dumps(control("GET", "/_control/log")[1])
    try:
        with open(os.path.join(Env.tmp, "requests.jsonl"), encoding="utf-8") as f:
            file_text = f.read()
    except OSError:
        file_text = ""
    check("secrets: log file written", '"vendor": "login"' in file_text and '"vendor": "graph"' in file_text)
    for s in (S1, S2, "my-wrong-secret"):
        check("secrets: %s... in no log" % s[:8], s not in log_text and s not in file_text)
        check("secrets: %s... in no response body" % s[:8], not any(s.encode() in b for b in Env.bodies))
    check("secrets: no access token in the log file", '"access_token"' not in file_text)


# ---------------------------------------------------------------- driver

def start_server():
    certs = os.path.join(Env.tmp, "certs")
    subprocess.run(["bash", os.path.join(HERE, "make_certs.sh"), certs], check=True, stdout=subprocess.DEVNULL)
    pf, ff = os.path.join(Env.tmp, "port"), os.path.join(Env.tmp, "port.foreign")
    Env.proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "vendor_server.py"), "--cert-dir", certs, "--port", "0",
         "--port-file", pf, "--log-file", os.path.join(Env.tmp, "requests.jsonl"), "--foreign-port-file", ff],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(Env.tmp, "server.stderr"), "wb"))
    deadline = time.monotonic() + 10
    while not os.path.exists(pf):
        if time.monotonic() > deadline or Env.proc.poll() is not None:
            raise RuntimeError("server did not start: %s" % server_stderr())
        time.sleep(0.05)
    Env.port = int(open(pf).read())
    Env.foreign_port = int(open(ff).read())


def server_stderr():
    try:
        with open(os.path.join(Env.tmp, "server.stderr"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def main():
    t_start = time.monotonic()
    Env.tmp = tempfile.mkdtemp(prefix="vendor_graph_test.")
    try:
        start_server()
        for t in (test_data, test_login, test_graph_auth, test_graph_range, test_paging, test_throttle,
                  test_faults, test_log_and_secrets):
            try:
                t()
            except Exception:
                check("%s raised" % t.__name__, False, traceback.format_exc())
    except Exception:
        check("setup", False, traceback.format_exc())
    finally:
        if Env.proc is not None and Env.proc.poll() is None:
            Env.proc.terminate()
            try:
                Env.proc.wait(5)
            except subprocess.TimeoutExpired:
                Env.proc.kill()
                Env.proc.wait()
        if failed and server_stderr().strip():
            print("server stderr:\n" + server_stderr())
        shutil.rmtree(Env.tmp, ignore_errors=True)
    elapsed = time.monotonic() - t_start
    check("whole self-test under 60 s", elapsed < 60, elapsed)
    print("# %.1f s" % elapsed)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
