"""Deterministic synthetic CAMS phone-number metrics for the test vendor server.

Python 3 standard library only, no randomness: every count is a pure function
of (phone number, half-hour index) through a fixed 64-bit mix.

- 120 phone numbers, PHONES = "8613800000000" .. "8613800000119".
- HALF_HOUR buckets start every 30 minutes from 2025-01-01T00:00:00Z;
  Start/End are epoch milliseconds, End = Start + 1800000 (exclusive).
- DAILY buckets are days of UTC+8: Start at 16:00:00Z of the previous UTC
  day, End = Start + 86400000.  A DAILY bucket's counts are the sums of its
  48 HALF_HOUR buckets.
- DeliveredCount <= SentCount; some buckets are all zero.

buckets(phone_or_None, granularity, start_ms, end_ms, now_ms) returns the
buckets whose Start lies in [start_ms, end_ms] (both inclusive) and is not
after now_ms, sorted by (PhoneNumber, Start), each a dict as sent on the wire.
"""

import functools

EPOCH_MS = 1735689600000            # 2025-01-01T00:00:00Z
HALF_MS = 1800000
DAY_MS = 86400000
DAILY_OFFSET_MS = 16 * 3600000      # UTC+8 midnight is 16:00 UTC
PHONES = ["86138%08d" % i for i in range(120)]
PHONE_SET = frozenset(PHONES)
_M64 = (1 << 64) - 1


def _mix(x):
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def half_hour_counts(phone, k):
    """(SentCount, DeliveredCount) of half hour k (0 = 2025-01-01T00:00Z)."""
    if k < 0:
        return (0, 0)
    x = _mix((int(phone) << 20) ^ k)
    if x % 7 == 0:
        return (0, 0)
    sent = (x >> 8) % 23
    delivered = sent - ((x >> 20) % 4 if sent >= 3 else 0)
    return (sent, delivered)


@functools.lru_cache(maxsize=65536)
def daily_counts(phone, start_ms):
    k0 = (start_ms - EPOCH_MS) // HALF_MS
    sent = delivered = 0
    for k in range(k0, k0 + 48):
        s, d = half_hour_counts(phone, k)
        sent += s
        delivered += d
    return (sent, delivered)


def _first_start(granularity, start_ms):
    """The first bucket Start >= start_ms."""
    if granularity == "HALF_HOUR":
        base, step = EPOCH_MS, HALF_MS
    else:
        base, step = EPOCH_MS - DAY_MS + DAILY_OFFSET_MS, DAY_MS
    k = max(0, -(-(start_ms - base) // step))
    return base + k * step, step


def buckets(phone, granularity, start_ms, end_ms, now_ms):
    phones = [phone] if phone is not None else PHONES
    out = []
    first, step = _first_start(granularity, start_ms)
    last = min(end_ms, now_ms)
    for p in phones:
        if p not in PHONE_SET:
            continue
        t = first
        while t <= last:
            if granularity == "HALF_HOUR":
                sent, delivered = half_hour_counts(p, (t - EPOCH_MS) // HALF_MS)
            else:
                sent, delivered = daily_counts(p, t)
            out.append({"Start": t, "End": t + step, "PhoneNumber": p, "Granularity": granularity,
                        "SentCount": sent, "DeliveredCount": delivered})
            t += step
    return out
