"""Bench mode: what you type at the ``-->`` prompt while the thermostat runs.

With ``"device": {"bench": true}`` the control clock runs ``bench_speed``
times real time (60: a 5-minute min-off takes 5 s), every terminal is lit
alone at boot with its name on the console, and, when micropython-lib's
``aiorepl`` is installed (``make deploy`` installs it), an asyncio REPL runs
beside the loop with ``bench`` in scope:

    --> bench.indoor(65)          # simulated indoor reading, °F
    --> bench.outdoor(None)       # simulate a lost outdoor sensor
    --> bench.real("indoor")      # back to the real sensor
    --> bench.command(mode="heat", heat_setpoint_f=70)   # acts at once
    --> bench.settings(min_off_s=600)  # checked whole, saved, then applied
    --> bench.status()
    --> await bench.selftest()

This module is imported only in bench mode: the self-test costs a
production board no heap.
"""

from app.console import log
from app.tasks import UNSUPERVISED
from thermo import terminals as T
from thermo.schema import SettingError, tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

SELFTEST_ON_MS = const(1000)
SELFTEST_DEADLINE_MS = const(3000)


class Bench:
    def __init__(self, app):
        self.app = app

    def start(self):
        """At boot in bench mode: the self-test, then the REPL."""
        self.start_selftest()
        self.start_repl()

    def indoor(self, value_f):
        self._simulate("indoor", value_f)

    def outdoor(self, value_f):
        self._simulate("outdoor", value_f)

    def _simulate(self, role, value_f):
        self.app.readings.simulated[role] = None if value_f is None else tenths(value_f)
        print("bench: %s %s" % (role, "lost" if value_f is None else "%s °F (simulated)" % value_f))

    def real(self, role):
        self.app.readings.simulated.pop(role, None)

    def command(self, **changes):
        try:
            self.app.command(changes)
        except SettingError as exc:
            print("refused:", exc)

    def settings(self, **changes):
        try:
            self.app.save_settings(changes)
        except (SettingError, OSError) as exc:
            print("refused:", exc)

    def status(self):
        th = self.app.thermostat
        print("outputs:", " ".join(T.NAMES[i] for i in range(6) if th.outputs & T.BITS[i]) or "none")
        print("held:", th.held_reasons())
        print("alerts:", th.alert_names() + sorted(self.app.report.alerts))
        print("user:", th.retained())
        print("humidity_dpct:", self.app.readings.humidity_dpct)

    def selftest(self):
        """Run the self-test again (a supervised task; await it)."""
        return self.start_selftest().handle

    def start_selftest(self):
        return self.app.supervisor.spawn("selftest", SELFTEST_DEADLINE_MS, self._selftest, ends=True)

    async def _selftest(self, task):
        """Each wired terminal on alone for a second, named; it stops at
        once if the thermostat has crashed (relays stay off). The control
        tick leaves the relays alone meanwhile (``app.selftest_running``)."""
        app = self.app
        app.selftest_running = True
        relays = app.hw.relays
        try:
            relays.all_off()
            for bit, name, pin in relays.pins:
                if app.supervisor.failed:
                    return
                log("self-test: %s on (pin %s)" % (name, pin))
                relays.write(bit)
                await task.pause(SELFTEST_ON_MS)
                relays.all_off()
                await task.pause(SELFTEST_ON_MS // 4)
            log("self-test done")
        finally:
            relays.all_off()
            app.selftest_running = False

    def start_repl(self):
        try:
            aiorepl = __import__("aiorepl")
        except ImportError:
            print("bench: aiorepl not installed; no REPL beside the loop")
            return
        # The prompt waits for typing, for ever: declared unsupervised.
        self.app.supervisor.spawn("repl", UNSUPERVISED, lambda _task: aiorepl.task({"bench": self, "app": self.app}))
