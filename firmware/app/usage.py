"""Today's counters: compressor starts, minutes each terminal ran, strip energy.

What a user reads on a utility bill, kept per local day: the counters start
again at local midnight once the wall clock is known, and every 24 hours of
running until then. The control tick calls :meth:`Usage.tick` with the
outputs it wrote and the control clock; everything is a small int (run time
in milliseconds, capped well inside the small-int range), so the tick path
allocates nothing. The strip energy is an estimate: W2's run time times the
nameplate ``strip_watts`` of the device options; the board has no meter.
"""

from thermo import terminals as T
from thermo.ticks import step_ms

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

DAY_MS = const(86_400_000)
_MINUTES_PER_DAY = const(1440)
_MS_PER_MINUTE = const(60_000)
_MS_PER_HOUR = const(3_600_000)


class Usage:
    def __init__(self, strip_watts=0):
        self.strip_watts = strip_watts
        self.starts = 0  # compressor (Y1) starts today
        self.runtime_ms = [0] * 6  # per terminal, thermo.terminals order
        self.day_ms = 0  # how long this count has run, while the day is unknown
        self.day = -1  # the local day of the week being counted, -1: not known
        self.outputs = 0
        self.last_ms = None

    def tick(self, now_ms, outputs, minute_of_week=None):
        """Account for the time since the last tick (the outputs before it
        ran for it), then note ``outputs``, written now."""
        step = 0 if self.last_ms is None else step_ms(now_ms, self.last_ms)
        self.last_ms = now_ms
        running = self.outputs
        runtime = self.runtime_ms
        for i in range(6):
            if running & T.BITS[i]:
                runtime[i] += step
        self._roll(step, minute_of_week)
        if outputs & T.Y1 and not running & T.Y1:
            self.starts += 1
        self.outputs = outputs

    def _roll(self, step, minute_of_week):
        """Start the day again at local midnight, or after 24 hours when the
        wall clock is not known."""
        if minute_of_week is not None and minute_of_week >= 0:
            day = minute_of_week // _MINUTES_PER_DAY
            if self.day != day:
                if self.day >= 0:
                    self.restart()
                self.day = day
            return
        self.day = -1
        self.day_ms += step
        if self.day_ms >= DAY_MS:
            self.restart()

    def restart(self):
        self.starts = 0
        self.day_ms = 0
        for i in range(6):
            self.runtime_ms[i] = 0

    def minutes(self, i):
        """Whole minutes terminal ``i`` ran today."""
        return self.runtime_ms[i] // _MS_PER_MINUTE

    def strip_wh(self):
        """Strip energy today, in watt-hours: W2's run time at strip_watts."""
        return self.runtime_ms[3] // 1000 * self.strip_watts // 3600
