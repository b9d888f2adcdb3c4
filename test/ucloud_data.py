"""Deterministic synthetic UCloud UVMS call records for the test vendor server.

Importable by the server (test/vendor_server.py) and by tests.  Python 3
standard library only, no randomness: every attribute of a record is a pure
function of its index, through a fixed 64-bit integer mix (splitmix64).

Layout
------
Records start on 2025-01-01T00:00:00Z (EPOCH_MS) and go on for ever, 36 per
UTC day.  Record index ``i`` (also its ``Seq``) lives on day ``d = i // 36`` in
slot ``k = i % 36``; each slot is a 40-minute span (SLOT_MS), so slots 0, 9,
18 and 27 begin exactly on 00:00, 06:00, 12:00 and 18:00 UTC.  Its
CallStartTime is ``EPOCH_MS + d*DAY_MS + k*SLOT_MS + jitter`` where, by
``r = k % 9``:

    r == 0     jitter 0                      -> exactly on midnight / 6-hourly marks
    r == 8     jitter SLOT_MS - 1            -> 1 ms before the next 6-hour mark
                                                (05:59:59.999, ..., 23:59:59.999)
    r == 3     whole seconds in the slot     -> CallStartTime % 1000 == 0
    r == 1     guaranteed sub-second part    -> CallStartTime % 1000 != 0
    otherwise  any millisecond in the slot
    k == 14    same CallStartTime as slot 13 -> one tied pair per day

Every jitter stays inside its slot, so CallStartTime never decreases with the
index: the order by (CallStartTime, Seq) is the index order, and the records
of any time range are one contiguous index range computed arithmetically.

Wire quirks (all by index): every 7th record (i % 7 == 0) carries
CallStartTime as a JSON float (``1767225600123.0``); every 5th ReceiveTime and
every 3rd SubmitTime is in seconds instead of milliseconds; every 4th record
names its operator ``CalledIspCode`` instead of ``CalledOperatorCode``.
"""

import math

EPOCH_MS = 1735689600000          # 2025-01-01T00:00:00Z
DAY_MS = 86400000
PER_DAY = 36
SLOT_MS = DAY_MS // PER_DAY       # 2,400,000 ms = 40 minutes
REACH_MS = 183 * DAY_MS           # the vendor's "half a year" reach
MAX_SPAN_S = 604800               # the vendor's 7-day window limit

_M64 = (1 << 64) - 1

TASKS = ("T-2026-01", "T-2026-02", "T-2026-03", "T-2026-04", "T-2026-05")
PHONES = tuple("+86135000000%02d" % n for n in range(20))
BREVITY = ("B01", "B02", "B03", "B04")
TEMPLATES = ("TPL-1", "TPL-2", "TPL-3")
CITIES = ("010", "021", "020", "0755", "0571", "028")
OPERATORS = ("cmcc", "cucc", "ctcc")
# ReceiptResult -> possible ReceiptDesc texts (some non-ASCII, one with JSON
# characters that need escaping).
DESCRIPTIONS = {
    1: ("接通", "answered", "用户已接听"),
    2: ("未接通", "busy", "用户拒接", 'rejected: "busy" \\ retry'),
    3: ("unknown", "状态未知"),
}

# Request parameter -> record field for the exact-match filters.  The
# operator filter is special (see _operator) and ExcludeBrevityCode negates.
FILTER_FIELDS = {
    "TaskNo": "TaskNo",
    "PhoneNumber": "Phone",
    "Purpose": "Purpose",
    "BrevityCode": "BrevityCode",
    "TemplateId": "TemplateId",
    "CallingCityCode": "CallingCityCode",
    "CalledCityCode": "CalledCityCode",
}


def _mix(x):
    """splitmix64 finaliser: a fixed, seed-free 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def call_start_ms(i):
    """CallStartTime (integer ms) of record index i (see the module doc)."""
    day, k = divmod(i, PER_DAY)
    if k == 14:                     # the tied pair: same instant as slot 13
        return call_start_ms(i - 1)
    base = EPOCH_MS + day * DAY_MS + k * SLOT_MS
    r = k % 9
    if r == 0:
        return base
    if r == 8:
        return base + SLOT_MS - 1
    h = _mix(i ^ 0x5DEECE66D)
    if r == 3:
        return base + (h % (SLOT_MS // 1000)) * 1000
    if r == 1:
        return base + (h % (SLOT_MS // 1000 - 1)) * 1000 + 1 + (h >> 40) % 999
    return base + h % SLOT_MS


def first_index_at_or_after(t_ms):
    """Smallest record index whose CallStartTime is >= t_ms."""
    if t_ms <= EPOCH_MS:
        return 0
    day, rest = divmod(t_ms - EPOCH_MS, DAY_MS)
    i = day * PER_DAY + rest // SLOT_MS
    # Slots before i end before t_ms; slot i+1 starts after it.  Slot i, and
    # slot i+1 when it is the tied twin of slot i, may still lie before t_ms.
    while call_start_ms(i) < t_ms:
        i += 1
    return i


def record(i):
    """Record index i as a dict of the wire fields plus "Seq" (= i)."""
    cst = call_start_ms(i)
    h = _mix(i)
    g = _mix(i ^ 0xA5A5A5A5A5A5A5A5)

    # Independent attributes from successive digits of h (no shared bits).
    h, phone = divmod(h, 20)
    h, task = divmod(h, 5)
    h, purpose = divmod(h, 3)
    h, brevity = divmod(h, 4)
    h, template = divmod(h, 3)
    h, calling = divmod(h, 6)
    h, called = divmod(h, 6)
    h, operator = divmod(h, 3)
    h, group = divmod(h, 3)
    h, period = divmod(h, 2)
    h, precost = divmod(h, 3)
    h, show = divmod(h, 5)
    h, show_no = divmod(h, 10000)
    h, submit_lead = divmod(h, 59000)

    g, result_pick = divmod(g, 10)
    g, desc_pick = divmod(g, 12)
    g, duration_pick = divmod(g, 176)
    g, ring_ms = divmod(g, 28000)
    g, receive_lag = divmod(g, 4500)
    channel = _mix(i ^ 0x3C3C3C3C3C3C3C3C) & 0xFFFFFFFFFFFF    # 48 bits

    result = 1 if result_pick < 6 else (2 if result_pick < 9 else 3)
    descs = DESCRIPTIONS[result]
    duration = 5 + duration_pick if result == 1 else 0
    bill_period = 6 if period else 60
    end = cst + 2000 + ring_ms + duration * 1000
    receive = end + 500 + receive_lag
    submit = cst - 1000 - submit_lead

    rec = {
        "TaskNo": TASKS[task],
        "Phone": PHONES[phone],
        "ShowNumber": "" if show == 0 else "05718888%04d" % show_no,
        "PreCost": 1 + precost,
        "Purpose": 1 + purpose,
        "BrevityCode": BREVITY[brevity],
        "CountryCode": "86",
        "TemplateId": TEMPLATES[template],
        "CallStartTime": float(cst) if i % 7 == 0 else cst,
        "CallEndTime": end,
        "Duration": duration,
        "ChannelId": "uvms-%012x" % channel,
        "ReceiptResult": result,
        "ReceiptDesc": descs[desc_pick % len(descs)],
        "ReceiveTime": receive // 1000 if i % 5 == 0 else receive,
        "CallingCityCode": CITIES[calling],
        "CalledCityCode": CITIES[called],
        ("CalledIspCode" if i % 4 == 0 else "CalledOperatorCode"): OPERATORS[operator],
        "SubmitTime": submit // 1000 if i % 3 == 0 else submit,
        "GroupType": group,
        "BillSecond": math.ceil(duration / bill_period) * bill_period,
        "BillPeriod": bill_period,
        "Seq": i,
    }
    return rec


def records(start_ms, end_ms):
    """Every record with start_ms <= CallStartTime <= end_ms, sorted by
    (CallStartTime, Seq); each a dict of the wire fields plus "Seq"."""
    start_ms = int(start_ms)
    end_ms = int(end_ms)
    if end_ms < start_ms or end_ms < EPOCH_MS:
        return []
    lo = first_index_at_or_after(start_ms)
    hi = first_index_at_or_after(end_ms + 1)
    return [record(i) for i in range(lo, hi)]


def wire(rec):
    """A record as sent on the wire (without Seq)."""
    out = dict(rec)
    out.pop("Seq", None)
    return out


def epoch_ms(value):
    """An epoch number as milliseconds: >= 10^11 is ms, smaller is seconds
    (the SPEC's rule for ReceiveTime/SubmitTime)."""
    value = int(value)
    return value if value >= 10 ** 11 else value * 1000


def operator(rec):
    """The record's operator, whichever name it is sent under."""
    return rec.get("CalledOperatorCode", rec.get("CalledIspCode"))


def _matches(rec, params):
    for name, field in FILTER_FIELDS.items():
        if name in params and str(rec[field]) != params[name]:
            return False
    if "ExcludeBrevityCode" in params and rec["BrevityCode"] == params["ExcludeBrevityCode"]:
        return False
    if "CalledOperatorCode" in params and operator(rec) != params["CalledOperatorCode"]:
        return False
    return True


def query(params, now_ms):
    """Apply the server's filters, order and paging to already validated wire
    parameters (a dict of strings; other keys such as Action are ignored).

    Returns (total, page_rows): the number of matching rows over all pages,
    and the requested page as wire dicts (without Seq).

    Rules: a row matches when floor(CallStartTime/1000) lies in
    [StartTime, EndTime] (inclusive, seconds), CallStartTime <= now_ms, and
    CallStartTime >= now_ms - 183 days; filters are exact string matches.
    Order is by OrderBy (call_start_time, or receive_time normalised to ms)
    then Seq, both reversed for OrderType=desc.  Page is 0-based.
    """
    start_s = int(params["StartTime"])
    end_s = int(params["EndTime"])
    lo = max(start_s * 1000, now_ms - REACH_MS)
    hi = min(end_s * 1000 + 999, now_ms)
    rows = [r for r in records(lo, hi) if _matches(r, params)]

    if params.get("OrderBy", "call_start_time") == "receive_time":
        rows.sort(key=lambda r: (epoch_ms(r["ReceiveTime"]), r["Seq"]))
    # else: records() is already in (CallStartTime, Seq) order
    if params.get("OrderType", "asc") == "desc":
        rows.reverse()

    page = int(params.get("Page", "0"))
    per_page = int(params.get("NumPerPage", "10"))
    chunk = rows[page * per_page:(page + 1) * per_page]
    return len(rows), [wire(r) for r in chunk]
