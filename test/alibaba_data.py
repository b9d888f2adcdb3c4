"""Deterministic synthetic CAMS phone-number metrics for the test vendor server
(test/vendor_alibaba.py; contract in test/SERVER_CONTRACT.md).

Python 3 standard library only, no randomness: every count is a pure function
of (phone number, half-hour index) through a fixed 64-bit mix.

- 120 phone numbers, PHONES = "8613800000000" .. "8613800000119" (every test
  account sees the same numbers).
- Data starts at 2025-01-01T00:00:00+08:00 = 2024-12-31T16:00:00Z (FIRST_MS)
  for both granularities; nothing before it.
- HALF_HOUR buckets start every 30 minutes (on :00 and :30 UTC);
  End = Start + 1800000 (exclusive end, epoch milliseconds).
- DAILY buckets are days of UTC+8: Start at 16:00:00Z of the previous UTC day,
  End = Start + 86400000 (exclusive).  A DAILY bucket's counts are exactly the
  sums of its 48 HALF_HOUR buckets.
- DeliveredCount <= SentCount; about one half hour in seven is all zero.

buckets(phone_or_None, granularity, start_ms, end_ms, now_ms=None) returns the
buckets whose Start lies in [start_ms, end_ms] (both inclusive) and is not
after now_ms (default: the real clock), sorted by (PhoneNumber, Start), each a
new dict exactly as sent on the wire.  None means every phone number; an
unknown number gives no bucket.
"""

import functools
import time

EPOCH_MS = 1735689600000            # 2025-01-01T00:00:00Z: half-hour index 0 of the hash
HALF_MS = 1800000
DAY_MS = 86400000
DAILY_OFFSET_MS = 16 * 3600000      # UTC+8 midnight is 16:00 UTC
FIRST_MS = EPOCH_MS - 8 * 3600000   # 2025-01-01T00:00:00+08:00, the first bucket of both kinds
GRANULARITIES = ("DAILY", "HALF_HOUR")
STEP_MS = {"DAILY": DAY_MS, "HALF_HOUR": HALF_MS}
PHONES = ["86138%08d" % i for i in range(120)]
PHONE_SET = frozenset(PHONES)
_FIRST_HALF = (FIRST_MS - EPOCH_MS) // HALF_MS      # -16
_M64 = (1 << 64) - 1


def _mix(x):
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def half_hour_counts(phone, k):
    """(SentCount, DeliveredCount) of half hour k (0 = 2025-01-01T00:00Z;
    the first bucket, at FIRST_MS, is k = -16)."""
    if k < _FIRST_HALF:
        return (0, 0)
    x = _mix((int(phone) << 20) ^ k)
    if x % 7 == 0:
        return (0, 0)
    sent = (x >> 8) % 23
    delivered = sent - ((x >> 20) % 4 if sent >= 3 else 0)
    return (sent, delivered)


@functools.lru_cache(maxsize=1 << 18)
def daily_counts(phone, start_ms):
    """(SentCount, DeliveredCount) of the DAILY bucket starting at start_ms:
    the sums of its 48 half hours."""
    k0 = (start_ms - EPOCH_MS) // HALF_MS
    sent = delivered = 0
    for k in range(k0, k0 + 48):
        s, d = half_hour_counts(phone, k)
        sent += s
        delivered += d
    return (sent, delivered)


def first_start(granularity, start_ms):
    """The first bucket Start >= max(start_ms, FIRST_MS) (bucket Starts are
    FIRST_MS + n * step)."""
    step = STEP_MS[granularity]
    k = max(0, -(-(start_ms - FIRST_MS) // step))
    return FIRST_MS + k * step


def bucket(phone, granularity, start):
    """The wire dict of one bucket (start must be a bucket Start)."""
    if granularity == "HALF_HOUR":
        sent, delivered = half_hour_counts(phone, (start - EPOCH_MS) // HALF_MS)
    else:
        sent, delivered = daily_counts(phone, start)
    return {"Start": start, "End": start + STEP_MS[granularity], "PhoneNumber": phone,
            "Granularity": granularity, "SentCount": sent, "DeliveredCount": delivered}


def buckets(phone, granularity, start_ms, end_ms, now_ms=None):
    if granularity not in STEP_MS:
        raise ValueError("granularity must be DAILY or HALF_HOUR")
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    phones = PHONES if phone is None else ([phone] if phone in PHONE_SET else [])
    step = STEP_MS[granularity]
    first = first_start(granularity, start_ms)
    last = min(end_ms, now_ms)
    out = []
    for p in phones:
        t = first
        while t <= last:
            out.append(bucket(p, granularity, t))
            t += step
    return out
