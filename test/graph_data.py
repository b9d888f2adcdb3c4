"""Deterministic synthetic Microsoft Graph pstnCallLogRow records for the
test vendor server.  Python 3 standard library only, no randomness.

Records exist on every UTC day from 2025-01-01, 30 a day:
- fixed starts, exactly: 00:00:00 (written with no fraction), 06:00:00,
  12:00:00 (twice: a pair sharing a start), 18:00:00, 23:59:59 (no fraction),
  23:59:59.9999996Z (7 digits: PostgreSQL rounds it to the next second) and
  00:00:00.0000004Z;
- 22 more at hashed times with 0 to 7 fractional digits, some written with
  "+00:00" instead of "Z".

Times are handled as integer 100 ns units since the epoch ("t100").
records(from_t100, to_t100) returns the records with from <= start <= to
(both inclusive), sorted by (start, id), as dicts sent on the wire.
parse_iso() turns Graph's literal forms into t100.
"""

import datetime
import functools
import re

T_PER_S = 10000000
DAY_S = 86400
EPOCH_S = 1735689600                 # 2025-01-01T00:00:00Z
_M64 = (1 << 64) - 1
CALL_TYPES = ("user_in", "user_out", "user_out", "ucap_in", "ucap_out", "emergency_out", "user_in")
COUNTRIES = ("US", "GB", "DE", "FR", "JP")
CURRENCY = {"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "JP": "JPY"}
LICENSES = ("MCOPSTNU", "MCOPSTN1", "MCOPSTN2", "MCOPSTNEAU")
CHARGES = (0, 0.0567, 1.2, 0.35, 2.5, 0.0123, 0.9, 12.75)

_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?(Z|[+-]\d\d:\d\d))?$")


def _mix(x):
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def parse_iso(s):
    """A Graph date/time literal (date only, or date-time with 0-7 fraction
    digits and Z or an offset) as t100; ValueError when it is none."""
    m = _ISO.match(s)
    if not m:
        raise ValueError("not an ISO 8601 date or date-time: %r" % s)
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    dt = datetime.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0),
                           tzinfo=datetime.timezone.utc)
    off = 0
    if zone and zone != "Z":
        off = (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    secs = int(dt.timestamp()) - off
    return secs * T_PER_S + int((frac or "").ljust(7, "0"))


def format_t100(t, digits=7, zone="Z"):
    secs, frac = divmod(t, T_PER_S)
    base = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        base += "." + ("%07d" % frac)[:digits]
    return base + zone


def _guid(x):
    h = "%032x" % ((_mix(x) << 64) | _mix(x ^ 0x5151))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:32])


def _record(day, i, t, text):
    x = _mix(day * 64 + i)
    call_type = CALL_TYPES[x % len(CALL_TYPES)]
    country = COUNTRIES[(x >> 5) % len(COUNTRIES)]
    duration = (x >> 9) % 1800
    bot = call_type.startswith("ucap")
    user = (x >> 20) % 40
    end = t + duration * T_PER_S + (x >> 30) % T_PER_S
    rec = {
        "id": _guid(day * 64 + i),
        "callId": "%d-%d-%s" % (day, i, "%x" % ((x >> 11) & 0xfffff)),
        "userId": None if bot else _guid(1000003 + user),
        "userPrincipalName": None if bot else "user%02d@contoso.com" % user,
        "userDisplayName": None if bot else "User %02d" % user,
        "startDateTime": text,
        "endDateTime": format_t100(end, digits=(x >> 40) % 8),
        "duration": duration,
        "charge": CHARGES[(x >> 14) % len(CHARGES)],
        "callType": call_type,
        "currency": CURRENCY[country],
        "calleeNumber": "+%d%09d" % (1 + (x >> 17) % 80, (x >> 23) % 1000000000),
        "usageCountryCode": country,
        "tenantCountryCode": "US",
        "connectionCharge": CHARGES[(x >> 27) % len(CHARGES)],
        "callerNumber": "+1425555%04d" % ((x >> 33) % 10000),
        "destinationContext": (None, "International", "Domestic")[(x >> 36) % 3],
        "destinationName": ("United States", "United Kingdom", "Germany", "France", "Japan")[(x >> 38) % 5],
        "conferenceId": None if (x >> 41) % 3 else "conf-%06d" % ((x >> 44) % 1000000),
        "licenseCapability": LICENSES[(x >> 47) % len(LICENSES)],
        "inventoryType": ("Subscriber", "Service")[(x >> 50) % 2],
        "operator": ("Microsoft", "Operator Connect Contoso")[(x >> 52) % 2],
        "callDurationSource": ("microsoft", "operator")[(x >> 53) % 2],
    }
    return rec


@functools.lru_cache(maxsize=4096)
def day_records(day):
    """The records starting on UTC day `day` (0 = 2025-01-01), as (t100, id, record)."""
    base = (EPOCH_S + day * DAY_S) * T_PER_S
    fixed = [
        (0, 0), (6 * 3600 * T_PER_S, 7), (12 * 3600 * T_PER_S, 7), (12 * 3600 * T_PER_S, 0),
        (18 * 3600 * T_PER_S, 7), ((DAY_S - 1) * T_PER_S, 0), (DAY_S * T_PER_S - 4, 7), (4, 7),
    ]
    out = []
    for i, (off, digits) in enumerate(fixed):
        t = base + off
        out.append((t, format_t100(t, digits)))
    for i in range(22):
        x = _mix(day * 1000 + i)
        digits = x % 8
        step = 10 ** (7 - digits)
        t = base + (x >> 8) % (DAY_S * T_PER_S) // step * step
        zone = "+00:00" if (x >> 60) % 4 == 0 else "Z"
        out.append((t, format_t100(t, digits, zone)))
    recs = [(t, _record(day, i, t, text)) for i, (t, text) in enumerate(out)]
    return [(t, r["id"], r) for t, r in recs]


def records(from_t100, to_t100):
    lo_day = max(0, (from_t100 // T_PER_S - EPOCH_S) // DAY_S)
    hi_day = (to_t100 // T_PER_S - EPOCH_S) // DAY_S
    out = []
    for day in range(lo_day, hi_day + 1):
        out.extend(x for x in day_records(day) if from_t100 <= x[0] <= to_t100)
    out.sort(key=lambda x: (x[0], x[1]))
    return [x[2] for x in out]
