"""The control clock: ``time.ticks_ms`` itself, or sped up for bench tests.

With ``speed`` 60 a 5-minute min-off passes in 5 real seconds. The virtual
value wraps at 2**30 exactly as ``ticks_ms`` does, and grows by the
wraparound-safe step between two real readings (:func:`thermo.ticks.step_ms`:
never negative, at most an hour) times ``speed``, again capped at an hour
(the core caps steps at that anyway), so no product ever reaches half the
wrap period and reads as going backwards. The control task reads it every
tick, so no step is ever near the cap.
"""

import time

from thermo.ticks import step_ms

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

TICKS_MASK = const((1 << 30) - 1)
MAX_STEP_MS = const(3_600_000)


class ControlClock:
    def __init__(self, speed=1):
        self.speed = speed
        self.real_ms = time.ticks_ms()
        self.now_ms = self.real_ms

    def read(self):
        """The control clock now, in ticks_ms units."""
        real = time.ticks_ms()
        if self.speed == 1:
            self.real_ms = self.now_ms = real
            return real
        step = step_ms(real, self.real_ms)
        self.real_ms = real
        if step > 0:
            step = min(step * self.speed, MAX_STEP_MS)
            self.now_ms = (self.now_ms + step) & TICKS_MASK
        return self.now_ms
