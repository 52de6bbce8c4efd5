"""How long ago things happened, in a way no ``ticks_ms`` wrap can fool.

``time.ticks_diff`` is only meaningful for two stamps less than 2**29 ms
(6.2 days) apart, and a stamp kept for an unbounded time (the last reading
of a sensor that is gone, a task's last check-in, the boot) will one day be
further apart than that: the difference then wraps negative and a stale
thing reads as new. So the application keeps no ``ticks_ms`` stamps at all.
This module is the one place that reads the clock for it:

- an :class:`Age` is an elapsed counter in milliseconds that saturates at
  :data:`thermo.ticks.ELAPSED_CAP_MS`, as the core's timers do;
- :func:`advance` reads ``ticks_ms`` once, takes the wrap-safe, capped step
  since its previous reading (:func:`thermo.ticks.step_ms`) and adds it to
  every Age and to the uptime. Every read of an Age advances first, so an
  Age is exact when read, and the supervisor advances every second, so no
  step ever comes near the wrap (or the one-hour cap on a step).

Ages are made once, at start-up (one per task, per sensor, ...): each one
is advanced for the life of the board.
"""

import time

from thermo.ticks import ELAPSED_CAP_MS, grow, step_ms

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

# Save retries: the first after a minute, then twice as long each time, at
# most an hour apart, so a failing flash is not worn out by a retry every tick.
RETRY_FIRST_MS = const(60_000)
RETRY_LONGEST_MS = const(3_600_000)

_ages = []
_last_ms = time.ticks_ms()
_uptime_s = 0
_uptime_ms = 0  # below 1000


def advance():
    """Bring every Age and the uptime up to now."""
    global _last_ms, _uptime_s, _uptime_ms
    now = time.ticks_ms()
    step = step_ms(now, _last_ms)
    _last_ms = now
    if step:
        for age in _ages:
            age.ms = grow(age.ms, step)
        _uptime_ms += step
        if _uptime_ms >= 1000:
            _uptime_s += _uptime_ms // 1000
            _uptime_ms %= 1000


def uptime():
    """(seconds, milliseconds) since start-up: whole seconds do not saturate."""
    advance()
    return _uptime_s, _uptime_ms


class Age:
    """Milliseconds since something happened; starts at ``ms``, by default
    "long ago" (the cap), so a thing never seen reads as stale."""

    def __init__(self, ms=ELAPSED_CAP_MS):
        advance()
        self.ms = ms
        _ages.append(self)

    def restart(self):
        """It happens now."""
        advance()
        self.ms = 0

    def read(self):
        advance()
        return self.ms


class Backoff:
    """When to retry something that failed: at once the first time, then
    after :data:`RETRY_FIRST_MS`, doubling up to :data:`RETRY_LONGEST_MS`;
    a success starts over."""

    def __init__(self):
        self.wait_ms = 0
        self.since = Age()

    def ready(self):
        return self.wait_ms == 0 or self.since.read() >= self.wait_ms

    def failed(self):
        """Count a failure; return the milliseconds until the next try."""
        self.wait_ms = min(max(self.wait_ms * 2, RETRY_FIRST_MS), RETRY_LONGEST_MS)
        self.since.restart()
        return self.wait_ms

    def succeeded(self):
        self.wait_ms = 0
