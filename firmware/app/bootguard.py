"""Boot-loop guard: several crashes in a row stop the board in a safe state.

A crash is an exception the application caught (recorded before the
watchdog is left to reset the board) or a watchdog reset nobody recorded (a
hang). A run that lasts :data:`STABLE_MS` clears the count. When
:data:`CRASH_LIMIT` crashes follow each other with no stable run between
them, the next boot does not start the thermostat: relays off, no watchdog,
an alert on the console and a fast-blinking LED, until someone fixes the
cause and clears the record (``import app.bootguard as g; g.clear()`` at the
REPL, or ``make deploy``). A power cut is not a crash and clears nothing.
"""

from app.store import Store

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

CRASH_LIMIT = const(3)
STABLE_MS = const(600_000)
FILE = "crashes.json"


class BootGuard:
    def __init__(self, flash=None):
        self.store = Store(FILE, flash)
        data, _status = self.store.load()
        self.record = data if isinstance(data, dict) else {}
        self.count = self.record.get("count", 0) if isinstance(self.record.get("count"), int) else 0

    def boot(self, reset_by_watchdog):
        """Account for the reset that led here; True if the board may run."""
        awaited = self.record.get("awaiting_watchdog", False)
        if reset_by_watchdog and not awaited:
            self._write(self.count + 1, "watchdog reset (the loop hung)")
        elif awaited:
            self._write(self.count, self.record.get("last", ""))
        return self.count < CRASH_LIMIT

    def crashed(self, reason):
        """Record a crash; the watchdog reset that follows is this crash."""
        self._write(self.count + 1, reason, awaiting_watchdog=True)

    def stable(self):
        if self.count:
            self._write(0, "")

    def last(self):
        return self.record.get("last", "")

    def _write(self, count, last, awaiting_watchdog=False):
        self.count = count
        self.record = {"count": count, "last": last[:120], "awaiting_watchdog": awaiting_watchdog}
        try:
            self.store.save(self.record)
        except OSError:
            pass  # a full or failing flash must not turn a crash into a hang


def clear(flash=None):
    """Forget past crashes (after fixing their cause), then reset the board."""
    Store(FILE, flash).erase()
