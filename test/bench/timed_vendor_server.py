#!/usr/bin/env python3
"""test/vendor_server.py with two more timestamps in every request-log entry,
for the benchmarks (same arguments, same routes, same behaviour otherwise):

- "t_handled": unix seconds when the vendor emulation had its reply ready
  (signature checked, data computed), i.e. before the configured latency_ms;
- "t_sent": unix seconds when the last byte of the response was handed to the
  socket (after latency_ms).  Missing for hang/reset faults.

"t" (when the request's headers had been read) is the server's own field.
So t_handled - t is the emulation's handling time and t_sent the moment the
response left: a scan's first request to its last response is
min(t) .. max(t_sent).

The server itself is left alone because its self-test pins the exact set of
log fields (test/SERVER_CONTRACT.md); this wrapper only patches the running
copy.
"""

import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_DIR = os.path.dirname(HERE)
sys.path.insert(0, TEST_DIR)

import vendor_server  # noqa: E402

_current = threading.local()        # one request at a time per connection thread

_orig_record = vendor_server.State.record
_orig_deliver = vendor_server.Handler._deliver


def _record(self, entry):
    entry["t_handled"] = time.time()
    _orig_record(self, entry)
    _current.entry = entry


def _deliver(self, vendor, req, reply):
    _current.entry = None
    try:
        _orig_deliver(self, vendor, req, reply)
    finally:
        entry = getattr(_current, "entry", None)
        kind = reply.fault["kind"] if reply.fault else None
        if entry is not None and kind not in ("hang", "reset"):
            entry["t_sent"] = time.time()
        _current.entry = None


vendor_server.State.record = _record
vendor_server.Handler._deliver = _deliver

if __name__ == "__main__":
    vendor_server.main()
