"""Deterministic synthetic Microsoft Graph pstnCallLogRow records for the
test vendor server (/graph, test/vendor_graph.py).  Python 3 standard
library only, no randomness: every value comes from a fixed 64-bit hash of
(day, index).

Times are integer 100 ns units since the Unix epoch ("t100"), the precision
Graph writes (7 fractional digits).  T_PER_S t100 make one second.

Records exist on every UTC day from 2025-01-01 (EPOCH_S) on, 30 a day:
- fixed starts, exactly: 00:00:00 (written with no fraction),
  00:00:00.0000004Z, 06:00:00, 12:00:00 (twice: a pair sharing a start,
  written "12:00:00.0000000Z" and "12:00:00Z"), 18:00:00, 23:59:59 (no
  fraction) and 23:59:59.9999996Z (7 digits: PostgreSQL rounds it to the next
  second, i.e. onto the next day's midnight);
- 22 more at hashed instants with 0 to 7 fractional digits, about one in
  four written with "+00:00" instead of "Z".

Every record has exactly the 23 properties of pstnCallLogRow v1.0
(shared vendors/msgraph.md section 4), consistent with each other:
- callType user_in/user_out (a Teams user; userId, userPrincipalName and
  userDisplayName set), ucap_in/ucap_out (audio conferencing: the three user
  properties null, conferenceId set, licenseCapability MCOMEETADV,
  inventoryType Service) and emergency_out;
- inbound calls: callerNumber external, calleeNumber the tenant's number,
  destinationContext null, charge 0; outbound: callerNumber the tenant's
  number, calleeNumber in the destination country, destinationContext
  "Domestic" when that is the usage country, else "International";
- charge and connectionCharge are Python floats whose repr is the exact
  decimal text (e.g. 0.0567, 1.2, 12.75, 0.004512, 0): json.dumps writes
  exactly that text, never an exponent;
- operator "Microsoft" with callDurationSource "microsoft", or an Operator
  Connect carrier with "operator";
- endDateTime = start + duration s + a sub-second part (rounded up to the
  0-7 fractional digits it is written with, Z), so end - start >= duration.

API:
    parse_iso(text) -> t100          Graph literal forms (see the function)
    format_t100(t, digits, zone)     t100 -> ISO text
    records(from_t100, to_t100)      from <= start <= to (both inclusive),
                                     sorted by (start t100, id), as sent on
                                     the wire (dicts, property order fixed)
    day_records(day)                 one UTC day's (t100, id, record) list
"""

import datetime
import functools
import re

T_PER_S = 10000000                  # t100 units per second
DAY_S = 86400
EPOCH_S = 1735689600                 # 2025-01-01T00:00:00Z, the first day with records
PER_DAY = 30
_M64 = (1 << 64) - 1

CALL_TYPES = ("user_in", "user_out", "user_out", "ucap_in", "ucap_out", "emergency_out", "user_in",
              "user_out")
# usage country -> (currency, dial code)
COUNTRIES = {"US": ("USD", "1"), "GB": ("GBP", "44"), "DE": ("EUR", "49"), "FR": ("EUR", "33"),
             "JP": ("JPY", "81")}
COUNTRY_CODES = ("US", "GB", "DE", "FR", "JP")
DESTINATIONS = {"US": "United States", "GB": "United Kingdom", "DE": "Germany", "FR": "France", "JP": "Japan"}
USER_LICENSES = ("MCOPSTN1", "MCOPSTN2", "MCOPSTNU", "MCOPSTNEAU")
OPERATORS = ("Microsoft", "Microsoft", "Operator Connect Contoso Telecom")
# repr() of each float is exactly the decimal text written here
CHARGES = (0, 0.0567, 1.2, 0.35, 2.5, 0.0123, 0.9, 12.75, 0.004512, 3.14159, 0.1, 27)
CONNECTION_CHARGES = (0, 0, 0.015, 0.0299, 0.1, 1.05)

_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?(Z|[+-]\d\d:\d\d))?$")


def _mix(x):
    """splitmix64 finaliser: a fixed, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def parse_iso(s):
    """A Graph Edm.DateTimeOffset literal as t100: date only (YYYY-MM-DD,
    midnight UTC), or YYYY-MM-DDTHH:MM:SS with 0-7 fractional digits and `Z`
    or a +HH:MM/-HH:MM offset.  ValueError for anything else (no zone, 8
    digits, lower-case t/z, a space, an impossible date)."""
    m = _ISO.match(s)
    if not m:
        raise ValueError("not an ISO 8601 date or date-time: %r" % s)
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    dt = datetime.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0),
                           tzinfo=datetime.timezone.utc)
    off = 0
    if zone and zone != "Z":
        if int(zone[1:3]) > 14 or int(zone[4:6]) > 59:
            raise ValueError("offset out of range: %r" % s)
        off = (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    secs = int(dt.timestamp()) - off
    return secs * T_PER_S + int((frac or "").ljust(7, "0"))


def format_t100(t, digits=7, zone="Z"):
    """t100 as YYYY-MM-DDTHH:MM:SS[.f{digits}]<zone>; the fraction is cut
    (not rounded) to `digits` digits, so pass a t that has no more."""
    secs, frac = divmod(t, T_PER_S)
    base = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        base += "." + ("%07d" % frac)[:digits]
    return base + zone


def _guid(x):
    h = "%032x" % ((_mix(x) << 64) | _mix(x ^ 0x5151))
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:32])


def _record(day, i, t, text):
    """Record i of UTC day `day`, starting at t (t100) written as `text`."""
    x = _mix(day * 64 + i)
    y = _mix(x ^ 0xA5A5A5A5)
    call_type = CALL_TYPES[x % len(CALL_TYPES)]
    usage = COUNTRY_CODES[(x >> 4) % len(COUNTRY_CODES)]
    currency, dial = COUNTRIES[usage]
    inbound = call_type.endswith("_in")
    bot = call_type.startswith("ucap")
    emergency = call_type == "emergency_out"
    user = (x >> 8) % 40
    duration = 0 if (y % 23 == 0) else (x >> 14) % 3600
    end = t + duration * T_PER_S + (y >> 8) % T_PER_S
    end_digits = (y >> 40) % 8
    end += -end % (10 ** (7 - end_digits))      # round up to what is written
    tenant_number = "+1425555%04d" % ((x >> 26) % 10000)
    if emergency:
        dest = usage
    else:
        dest = COUNTRY_CODES[(x >> 36) % len(COUNTRY_CODES)] if (x >> 34) % 3 == 0 else usage
    other_number = "+%s%09d" % (COUNTRIES[dest][1], (y >> 12) % 1000000000)
    operator = OPERATORS[(x >> 40) % len(OPERATORS)]
    return {
        "id": _guid(day * 64 + i),
        "callId": _guid(day * 64 + i + (1 << 40)),
        "userId": None if bot else _guid(1000003 + user),
        "userPrincipalName": None if bot else "user%02d@contoso.onmicrosoft.com" % user,
        "userDisplayName": None if bot else "Test User %02d" % user,
        "startDateTime": text,
        "endDateTime": format_t100(end, end_digits),
        "duration": duration,
        "charge": 0 if (inbound or emergency) else CHARGES[(y >> 44) % len(CHARGES)],
        "callType": call_type,
        "currency": currency,
        "calleeNumber": tenant_number if inbound else other_number,
        "usageCountryCode": usage,
        "tenantCountryCode": "US",
        "connectionCharge": 0 if inbound else CONNECTION_CHARGES[(y >> 50) % len(CONNECTION_CHARGES)],
        "callerNumber": other_number if inbound else tenant_number,
        "destinationContext": None if inbound else ("Domestic" if dest == usage else "International"),
        "destinationName": DESTINATIONS[usage if inbound else dest],
        "conferenceId": "%d%04d" % (100000 + (x >> 44) % 900000, (y >> 24) % 10000) if bot else None,
        "licenseCapability": "MCOMEETADV" if bot else USER_LICENSES[(x >> 48) % len(USER_LICENSES)],
        "inventoryType": "Service" if bot else ("Subscriber", "Subscriber", "User")[(x >> 52) % 3],
        "operator": operator,
        "callDurationSource": "microsoft" if operator == "Microsoft" else "operator",
    }


# (offset in the day in t100, fractional digits written): the fixed instants
_FIXED = (
    (0, 0),                                  # 00:00:00Z
    (6 * 3600 * T_PER_S, 7),                 # 06:00:00.0000000Z
    (12 * 3600 * T_PER_S, 7),                # 12:00:00.0000000Z  } same start
    (12 * 3600 * T_PER_S, 0),                # 12:00:00Z          }
    (18 * 3600 * T_PER_S, 7),                # 18:00:00.0000000Z
    ((DAY_S - 1) * T_PER_S, 0),              # 23:59:59Z
    (DAY_S * T_PER_S - 4, 7),                # 23:59:59.9999996Z
    (4, 7),                                  # 00:00:00.0000004Z
)


@functools.lru_cache(maxsize=4096)
def day_records(day):
    """The PER_DAY records starting on UTC day `day` (0 = 2025-01-01), as
    (t100, id, record) tuples in no particular order."""
    base = (EPOCH_S + day * DAY_S) * T_PER_S
    starts = [(base + off, format_t100(base + off, digits)) for off, digits in _FIXED]
    for i in range(PER_DAY - len(_FIXED)):
        x = _mix(day * 1000 + i)
        digits = x % 8
        step = 10 ** (7 - digits)
        t = base + (x >> 8) % (DAY_S * T_PER_S) // step * step
        zone = "+00:00" if (x >> 60) % 4 == 0 else "Z"
        starts.append((t, format_t100(t, digits, zone)))
    out = []
    for i, (t, text) in enumerate(starts):
        rec = _record(day, i, t, text)
        out.append((t, rec["id"], rec))
    return out


def records(from_t100, to_t100):
    """Every record with from_t100 <= start <= to_t100 (both inclusive, at
    100 ns precision), sorted by (start, id).  The caller applies the
    server's "not after now" cut by passing min(to, now).  The dicts are
    new on every call (the caller may edit them)."""
    if to_t100 < from_t100:
        return []
    lo_day = max(0, (from_t100 // T_PER_S - EPOCH_S) // DAY_S)
    hi_day = (to_t100 // T_PER_S - EPOCH_S) // DAY_S
    out = []
    for day in range(lo_day, hi_day + 1):
        out.extend(x for x in day_records(day) if from_t100 <= x[0] <= to_t100)
    out.sort(key=lambda x: (x[0], x[1]))
    # fresh dicts: day_records() is cached, and the server's faults edit rows
    return [dict(x[2]) for x in out]
