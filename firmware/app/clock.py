"""The board's wall clock: UTC from NTP, local time for the core's schedule.

The clock task (:meth:`WallClock.keep`, on boards with Wi-Fi) joins the
network (and joins it again within a minute of losing it) and sets the RTC
from NTP every hour (every minute until NTP first answers). Until then there is no wall clock: :meth:`WallClock.minute` is
None, schedules wait, and ``ALERT clock`` says so. The offset and the
daylight-saving rule are the device options' (:mod:`app.wallclock` does the
arithmetic).

The control tick asks for the minute every 5 s, so that path allocates
nothing: the RTC is read once per NTP answer (``time.time()`` is a big int
on a 32-bit board, ``gmtime`` a tuple), and from then on the clock is that
UTC minute plus the milliseconds elapsed since, taken from an
:class:`app.age.Age` (the same wrap-safe, saturating counter as every other
"how long ago" of the application: no ``ticks_ms`` wrap can fool it). The
local offset (daylight saving included) is worked out again only at an
answer, when the options change, and when the hour changes, in UTC or in
local standard time: the only instants a daylight-saving rule can switch.
"""

import time

from app.age import Age
from app.console import log
from app.wallclock import dst_minutes, local_minute_of_week, utc_minutes

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

NTP_PERIOD_MS = const(3_600_000)
NTP_RETRY_MS = const(60_000)
_MS_PER_MINUTE = const(60_000)


class WallClock:
    """The wall clock of ``app`` (a runner.App: its ``options``, and its
    ``report`` for the ``clock`` alert)."""

    def __init__(self, app):
        self.app = app
        self.synced = False
        self.utc_min = 0  # UTC minutes (app.wallclock) at the last reading
        self.utc_ms = 0  # and the milliseconds into that minute
        self.since = Age(0)  # milliseconds not yet added to them
        # The local offset in force, and what it was worked out for.
        self.offset_min = 0
        self.zone_offset_min = 0
        self.zone_rule = None  # None: work it out at the next reading
        self.utc_hour = 0
        self.standard_hour = 0

    def set_utc(self, t):
        """NTP has answered: the clock is ``t`` (a ``time.gmtime`` tuple) now."""
        self.since.restart()
        self.utc_min = utc_minutes(t)
        self.utc_ms = t[5] * 1000
        self.zone_rule = None
        self.synced = True

    def minute(self):
        """The local minute of the week, or None before NTP has answered."""
        if not self.synced:
            return None
        self._advance()
        options = self.app.options
        offset_min = options["utc_offset_min"]
        rule = options["dst"]
        utc_min = self.utc_min
        if (rule != self.zone_rule or offset_min != self.zone_offset_min or utc_min // 60 != self.utc_hour
                or (utc_min + offset_min) // 60 != self.standard_hour):
            self.offset_min = offset_min + dst_minutes(rule, utc_min, offset_min)
            self.zone_rule = rule
            self.zone_offset_min = offset_min
            self.utc_hour = utc_min // 60
            self.standard_hour = (utc_min + offset_min) // 60
        return local_minute_of_week(utc_min, self.offset_min)

    def _advance(self):
        """Add the milliseconds elapsed since the last reading. The Age is
        emptied right after it is read, with no clock reading in between,
        so not a millisecond is lost (``restart()`` would read the clock
        again). Read every control tick, it never comes near its cap."""
        elapsed_ms = self.since.read()
        self.since.ms = 0
        ms = self.utc_ms + elapsed_ms
        if ms >= _MS_PER_MINUTE:
            self.utc_min += ms // _MS_PER_MINUTE
            ms %= _MS_PER_MINUTE
        self.utc_ms = ms

    async def keep(self, task):
        """The clock task: keep Wi-Fi joined (looked at every minute: the
        MQTT link needs it too), and ask NTP every hour (every minute until
        it first answers), waiting only through the task's pause."""
        from board import net

        app = self.app
        wlan = net.station()
        answered = Age()  # since NTP last answered: never
        while True:
            options = app.options
            try:
                if wlan.isconnected() or await net.connect_wifi(options["wifi_ssid"], options["wifi_password"],
                                                               task.pause):
                    if not self.synced or answered.read() >= NTP_PERIOD_MS:
                        if await net.sync_clock(options["ntp_host"], task.pause):
                            self.set_utc(time.gmtime(time.time()))  # the RTC, just set
                            answered.restart()
            except OSError as exc:
                log("ntp: %r" % (exc,))
            if self.synced:
                app.report.clear_alert("clock")
            else:
                app.report.alert("clock", "no NTP time yet: schedules wait")
            await task.pause(NTP_RETRY_MS)
