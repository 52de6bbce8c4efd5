"""The serial console: one line per event, stamped with the time since start-up."""

import sys

from app import age


def log(text):
    seconds, ms = age.uptime()
    print("[%6d.%03d] %s" % (seconds, ms, text))


def print_exception(exc):
    printer = getattr(sys, "print_exception", None)
    if printer is not None:
        printer(exc)
    else:
        print("%s: %s" % (type(exc).__name__, exc))
