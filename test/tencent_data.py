"""Deterministic synthetic Tencent Cloud CCC usage counts for the test vendor server.

Importable by the server (test/vendor_tencent.py) and by tests.  Python 3
standard library only, no randomness: every count is a pure function of
(SdkAppId, hour index) through a fixed 64-bit integer mix (splitmix64).

Layout
------
Counts exist per (SdkAppId, UTC hour) from 2025-01-01T00:00:00Z (EPOCH_S) on;
hour index ``h`` covers ``[EPOCH_S + 3600*h, EPOCH_S + 3600*(h+1))``.  Each
hour has the six fields of DescribeTelCallInfo (FIELDS).  The values follow
the working day in Asia/Shanghai (UTC+8): busy 09:00-20:59, quieter
07:00-08:59 and 21:00-22:59, mostly zero at night; about one hour in eleven
is all zero whatever the time of day.  Any 24-hour span has a nonzero value
in every field.

The sum rule (the server's, see sums()): a request [start_s, end_s] over a
list of SdkAppIds adds, for every id, every hour whose START lies in
[start_s, end_s] (both ends inclusive, seconds) and that is complete at the
server's now (hour start + 3600 <= now_s).  Hours before EPOCH_S count 0.
Hours partition time, so sums add up exactly: the sum over two adjacent
ranges equals the sum over their union, and the sum over an id list equals
the sum of the per-id sums.  A whole day in any whole-hour time zone
(00:00:00 .. 23:59:59 local) holds exactly its 24 hours.
"""

import functools

EPOCH_S = 1735689600              # 2025-01-01T00:00:00Z
HOUR_S = 3600
DAY_S = 86400
MAX_RANGE_S = 90 * DAY_S - 1      # EndTimeStamp - StartTimeStamp: 90 whole days, both ends inclusive

FIELDS = ("TelCallOutCount", "TelCallInCount", "SeatUsedCount",
          "VOIPCallInCount", "AsrOfflineCount", "AsrRealtimeCount")

_M64 = (1 << 64) - 1


def _mix(x):
    """splitmix64 finaliser: a fixed, seed-free 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def hour_counts(app_id, h):
    """The six counts (a tuple in FIELDS order) of SdkAppId app_id in hour
    index h (0 = 2025-01-01T00:00Z).  Negative h (before the data starts): zeros."""
    if h < 0:
        return (0, 0, 0, 0, 0, 0)
    x = _mix(((app_id & 0xFFFFFFFFFF) << 24) ^ (h & 0xFFFFFF) ^ 0x7E4C3A)
    if x % 11 == 0:
        return (0, 0, 0, 0, 0, 0)        # an idle hour, any time of day
    x //= 11
    local = (h % 24 + 8) % 24          # hour of the day in Asia/Shanghai
    if 9 <= local <= 20:
        weight = 3
    elif 7 <= local <= 22:
        weight = 1
    else:
        weight = 1 if x % 6 == 0 else 0   # night: mostly nothing
    x //= 6
    x, out = divmod(x, 13)
    x, inc = divmod(x, 9)
    x, seats = divmod(x, 4)
    x, voip = divmod(x, 5)
    x, asr_off = divmod(x, 3)
    x, asr_rt = divmod(x, 4)
    if weight == 0:
        return (0, 0, 0, 0, 0, 0)
    return (weight * out, weight * inc, 1 + seats, weight * voip, asr_off, asr_rt)


@functools.lru_cache(maxsize=1 << 16)
def _day_counts(app_id, d):
    """Sum of the 24 hours of UTC day d (0 = 2025-01-01) for one id."""
    acc = [0] * len(FIELDS)
    for h in range(24 * d, 24 * d + 24):
        for i, v in enumerate(hour_counts(app_id, h)):
            acc[i] += v
    return tuple(acc)


def hour_range(start_s, end_s, now_s):
    """(first, last) hour index counted by a request [start_s, end_s] at now_s
    (see the module doc); first > last when no hour counts."""
    first = max(0, -((EPOCH_S - start_s) // HOUR_S))        # ceil((start - EPOCH) / 3600)
    last = min((end_s - EPOCH_S) // HOUR_S, (now_s - EPOCH_S) // HOUR_S - 1)
    return first, last


def sums(app_ids, start_s, end_s, now_s):
    """The DescribeTelCallInfo values (dict, FIELDS order) for the ids, the
    range [start_s, end_s] (integer seconds) and the server's now (seconds)."""
    first, last = hour_range(int(start_s), int(end_s), int(now_s))
    acc = [0] * len(FIELDS)
    for app in app_ids:
        h = first
        while h <= last:
            if h % 24 == 0 and h + 23 <= last:
                counts = _day_counts(app, h // 24)
                h += 24
            else:
                counts = hour_counts(app, h)
                h += 1
            for i, v in enumerate(counts):
                acc[i] += v
    return dict(zip(FIELDS, acc))
