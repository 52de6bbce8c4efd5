"""Bench mode: what you type at the ``-->`` prompt while the thermostat runs.

With ``"device": {"bench": true}`` the control clock runs ``bench_speed``
times real time (60: a 5-minute min-off takes 5 s), every terminal is lit
alone at boot with its name on the console, and, when micropython-lib's
``aiorepl`` is installed (``make deploy`` installs it), an asyncio REPL runs
beside the loop with ``bench`` in scope:

    --> bench.indoor("65.5")      # simulated indoor reading, °F, as a string
    --> bench.indoor(655)         # the same in tenths of °F, as an int
    --> bench.outdoor(None)       # simulate a lost outdoor sensor
    --> bench.real("indoor")      # back to the real sensor
    --> bench.command(mode="heat", heat_setpoint_f=70)   # acts at once
    --> bench.settings(min_off_s=600)  # checked whole, saved, then applied
    --> bench.status()
    --> await bench.selftest()
    --> bench.commission()             # the commissioning test (about 1.5 h); brand="Trane", run_s=...
    --> bench.commission_status()      # the step under way, what it waits for, then the verdict
    --> bench.commission_abort()       # stop it: the user's mode, fan and setpoints come back

A simulated reading is exact, as a sensor's is (an integer from the
chip): an int of tenths of °F, or a string of °F with at most one decimal,
read with integer arithmetic. A float is refused: a board's single-precision
float rounds differently from the host's double (67.545 is 67.5 °F on a
board, 67.6 on CPython), so the same test would not act the same. Any value is passed on as a sensor's would be; one the core finds
implausible counts as a faulty reading.

This module is imported only in bench mode: the self-test costs a
production board no heap.
"""

from app.console import log
from app.tasks import UNSUPERVISED
from thermo import terminals as T
from thermo.values import SettingError, show, show_tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

SELFTEST_ON_MS = const(1000)
SELFTEST_DEADLINE_MS = const(3000)

READING_FORMS = ('allowed: an int of tenths of °F, e.g. 655 for 65.5 °F; a string of °F with at most one '
                 'decimal, e.g. "65.5" or "-3"; None for a lost sensor')


def _digits(text):
    """ASCII digits only (CPython's isdigit also takes other scripts' digits)."""
    for char in text:
        if char not in "0123456789":
            return False
    return text != ""


def exact_tenths(field, value):
    """A reading typed at the REPL, in tenths of °F, without a float on the
    way; SettingError naming ``field`` and the allowed forms otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        raise SettingError(field, "%s is a float, which a board rounds differently (%s)" % (show(value), READING_FORMS))
    if not isinstance(value, str):
        raise SettingError(field, "%s is not allowed (%s)" % (show(value), READING_FORMS))
    text = value.strip()
    sign = -1 if text[:1] == "-" else 1
    if text[:1] in ("-", "+"):
        text = text[1:]
    whole, point, fraction = text.partition(".")
    if not (_digits(whole) and (not point or (len(fraction) == 1 and _digits(fraction)))):
        raise SettingError(field, "%s is not a number of °F with at most one decimal (%s)" % (
            show(value), READING_FORMS))
    return sign * (int(whole) * 10 + (int(fraction) if point else 0))


class Bench:
    def __init__(self, app):
        self.app = app

    def start(self):
        """At boot in bench mode: the self-test, then the REPL."""
        self.start_selftest()
        self.start_repl()

    def indoor(self, value):
        """A simulated indoor reading: tenths of °F (int), °F (string), or None."""
        self._simulate("indoor", value)

    def outdoor(self, value):
        """A simulated outdoor reading: tenths of °F (int), °F (string), or None."""
        self._simulate("outdoor", value)

    def _simulate(self, role, value):
        try:
            value_dF = None if value is None else exact_tenths("bench." + role, value)
        except SettingError as exc:
            print("refused:", exc)
            return
        self.app.readings.simulated[role] = value_dF
        print("bench: %s %s" % (role, "lost" if value_dF is None else "%s °F (simulated)" % show_tenths(value_dF)))

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
        print("sources:", self.app.readings.sources)
        link = self.app.link
        if link is not None:
            print("mqtt:", "connected" if link.connected else "not connected", link.base, link.last_error)

    def commission(self, brand=None, **options):
        """Start the commissioning test (app.commission): each terminal in
        turn through user commands, every rule of the gate applying."""
        from app import commission

        try:
            commission.start(self.app, brand, **options)
        except SettingError as exc:
            print("refused:", exc)
            return
        self.commission_status()

    def commission_status(self):
        from app import commission

        test = commission.current
        print("\n".join(test.lines()) if test is not None else "commissioning: not run since boot")

    def commission_abort(self):
        from app import commission

        commission.abort()
        self.commission_status()

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
