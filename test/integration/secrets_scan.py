"""What test_secrets.py and test_faults.py share to show that no secret
leaves a user mapping: where the cluster's server log is, the logging that
says everything (log_min_messages = debug5, log_statement = all,
log_error_verbosity = verbose) switched on and off with ALTER SYSTEM, and
the scan of a text for the secrets and for what only a request's
credentials produce (FORBIDDEN).

The DDL that creates user mappings carries the secrets in its text: run it
after SET log_statement = 'none' in its session.
"""
import os
import subprocess
import time

from harness import psql_ok
import vendor_graph

# what only a request's credentials produce: its headers, its signature, a
# bearer token of the local token endpoint (every one starts with the same
# JWT header)
FORBIDDEN = ("Authorization", "Bearer ", "eyJ0eXAiOiJKV1QifQ.", "Signature=", "TC3-HMAC-SHA256 Credential",
             "ACS3-HMAC-SHA256 Credential", vendor_graph._JWT_HEADER + ".", "SecurityToken=",
             "x-acs-security-token:", "X-TC-Token:")

DEBUG_LOGGING = (("log_min_messages", "debug5"), ("log_statement", "all"), ("log_error_verbosity", "verbose"))


def server_log_path():
    """The log file of the cluster this test runs in (pg_lsclusters, by port)."""
    port = os.environ.get("PGPORT", "5432")
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 7 and f[2] == port:
            return f[6]
    raise AssertionError("no cluster on port %s in pg_lsclusters:\n%s" % (port, out))


def log_offset(path):
    return os.path.getsize(path)


def read_log(path, start):
    """The server log from byte `start` on."""
    with open(path, errors="replace") as f:
        f.seek(start)
        return f.read()


def enable_debug_logging(timeout=10.0):
    """ALTER SYSTEM the DEBUG_LOGGING settings, reload, and wait until a new
    session sees them (pg_reload_conf only signals the postmaster)."""
    psql_ok("".join("ALTER SYSTEM SET %s = '%s';\n" % kv for kv in DEBUG_LOGGING) + "SELECT pg_reload_conf();")
    want = [v for _k, v in DEBUG_LOGGING]
    deadline = time.monotonic() + timeout
    while True:
        got = psql_ok("SELECT %s;" % ", ".join("current_setting('%s')" % k for k, _v in DEBUG_LOGGING))
        if got and got[0].split("|") == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the logging settings did not take effect: %s" % got)
        time.sleep(0.05)


def reset_debug_logging():
    psql_ok("".join("ALTER SYSTEM RESET %s;\n" % k for k, _v in DEBUG_LOGGING) + "SELECT pg_reload_conf();")


def find_leaks(text, secrets):
    """Names of the secrets ({name: value}) and the FORBIDDEN markers found in text."""
    leaks = [name for name, s in secrets.items() if s in text]
    leaks += [s for s in FORBIDDEN if s in text]
    return leaks


def debug_logging_seen(log):
    """Did the log segment come from debug5 with log_statement = all?"""
    return "DEBUG" in log and "statement:" in log
