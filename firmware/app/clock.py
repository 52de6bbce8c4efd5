"""The board's wall clock: UTC from NTP, local time for the core's schedule.

The clock task (:meth:`WallClock.keep`, on boards with Wi-Fi) joins the
network and sets the RTC from NTP every hour (every minute until NTP first
answers). Until then there is no wall clock: :meth:`WallClock.minute` is
None, schedules wait, and ``ALERT clock`` says so. The offset and the
daylight-saving rule are the device options' (:mod:`app.wallclock` does the
arithmetic).
"""

import time

from app.console import log
from app.wallclock import minute_of_week

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

NTP_PERIOD_MS = const(3_600_000)
NTP_RETRY_MS = const(60_000)


class WallClock:
    """The wall clock of ``app`` (a runner.App: its ``options``, and its
    ``report`` for the ``clock`` alert)."""

    def __init__(self, app):
        self.app = app
        self.synced = False

    def minute(self):
        """The local minute of the week, or None before NTP has answered."""
        if not self.synced:
            return None
        options = self.app.options
        return minute_of_week(time.time(), options["utc_offset_min"], options["dst"])

    async def keep(self, task):
        """The clock task: join Wi-Fi and ask NTP, waiting only through the
        task's pause."""
        from board import net

        app = self.app
        while True:
            options = app.options
            try:
                if await net.connect_wifi(options["wifi_ssid"], options["wifi_password"], task.pause):
                    self.synced = await net.sync_clock(options["ntp_host"], task.pause) or self.synced
            except OSError as exc:
                log("ntp: %r" % (exc,))
            if self.synced:
                app.report.clear_alert("clock")
            else:
                app.report.alert("clock", "no NTP time yet: schedules wait")
            await task.pause(NTP_PERIOD_MS if self.synced else NTP_RETRY_MS)
