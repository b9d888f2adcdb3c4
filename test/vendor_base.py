"""Pieces shared by the local vendor API server and its vendor emulations.

Each vendor emulation (vendor_<name>.py, or the UCloud class inside
vendor_server.py) builds Reply objects, limits rates with RateLimiter and
validates its config keys with the _validate_* helpers; test/vendor_server.py
owns the HTTP plumbing, the fault queue and the request log.
"""

import json
import threading
import time
from collections import deque


def now_ms():
    """The server's "now" (UTC epoch milliseconds)."""
    return int(time.time() * 1000)


def json_bytes(doc):
    """Compact JSON, UTF-8 left as is (non-ASCII text is sent raw, not \\u-escaped)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------- shared state

class Reply:
    """A vendor's answer before fault delivery, plus what the log needs."""

    def __init__(self, status=200, doc=None, body=b"", content_type="application/json; charset=utf-8",
                 headers=None, params=None, sig_ok=False, throttled=False, fault=None):
        self.status = status
        self.doc = doc                  # JSON document, serialised at send time
        self.body = body                # raw body when doc is None
        self.content_type = content_type
        self.headers = list(headers or [])
        self.params = params if params is not None else {}
        self.sig_ok = sig_ok
        self.throttled = throttled
        self.fault = fault


class RateLimiter:
    """Sliding-window limiter: at most `limit` accepted hits per key within any
    `window` seconds.  A refused hit is not counted."""

    def __init__(self):
        self._lock = threading.Lock()
        self._hits = {}

    def allow(self, key, limit, window=1.0):
        t = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= t - window:
                q.popleft()
            if len(q) >= limit:
                return False
            q.append(t)
            return True

    def clear(self):
        with self._lock:
            self._hits.clear()


def _validate_latency(v):
    if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
        raise ValueError("latency_ms must be a number >= 0")
    return v


def _validate_int(v, name, minimum):
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise ValueError("%s must be an integer >= %d" % (name, minimum))
    return v


def _validate_choice(v, name, choices):
    if v not in choices:
        raise ValueError("%s must be one of %s" % (name, ", ".join(choices)))
    return v
