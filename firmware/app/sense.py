"""The optional 24 VAC sense inputs: did each relay do what it was told,
does E keep Y off, is there 24 VAC at all.

The mission's boards drive the relays blind; a user who adds optocouplers
(board file ``"sense"``, :mod:`board.boardfile`) closes the loop. Each
check is a shell alert (:meth:`app.report.Report.alert`: a code and a plain
sentence with the fix), shown on the console, the screen's menu, the web
page and Home Assistant like every shell alert:

- ``relay_open_<T>``: terminal T is switched on but its wire has no 24 VAC;
- ``relay_stuck_<T>``: T is switched off but its wire carries 24 VAC;
- ``e_not_suppressing_y``: E is energized and the Y1 wire carries 24 VAC
  although the Y1 relay is open (the air handler feeds Y from E; this is
  said instead of ``relay_stuck_Y1``);
- ``no_24vac``: R-C has no 24 VAC, so no relay can switch anything: that
  one alert, and no relay alert while it lasts.

Reading AC. An optocoupler's LED lights on one (or both) half-waves of the
24 VAC, so its output is a 50/60 Hz pulse train, off near each zero
crossing: one read can fall in a gap, and a read once a second slides
slowly along the wave (1 s is 60 cycles less a few microseconds) and can
miss for minutes. So once every :data:`PERIOD_MS` the task reads every
input each :data:`SAMPLE_MS` for at least :data:`WINDOW_MS` (a whole cycle
at 50 Hz, more than one at 60 Hz): an input is "on" in that window if any
read found it active. A pulse longer than the sample spacing cannot be
missed; a filtered input (an RC after the optocoupler) reads steadily and
works the same. A window during which the relays were rewritten says
nothing about them (it only delays a verdict by a window).

Debounce: each check trips once its condition has held for
:data:`TRIP_MS` and clears once it has been absent for :data:`CLEAR_MS`,
each measured by an :class:`app.age.Age` (no ``ticks_ms`` stamp). All the
state is made at start-up; a window allocates nothing, and neither does
a check that does not change.
"""

from app.age import Age
from thermo import terminals as T

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

PERIOD_MS = const(1000)  # one window a second
SAMPLE_MS = const(1)  # between two reads of the inputs in a window
WINDOW_MS = const(20)  # from the first read to the last: one 50 Hz cycle, 1.2 at 60 Hz
TRIP_MS = const(10_000)  # a condition held this long raises its alert
CLEAR_MS = const(10_000)  # an alert's condition gone this long clears it
DEADLINE_MS = const(3000)  # the task's check-in deadline (app.tasks)

Y1_BIT = T.Y1
E_BIT = T.E
R_BIT = const(64)  # board.hw.SENSE_R_BIT: R-C present, beside the terminals' bits

WHAT = {"Y1": "Y1 (compressor)", "Y2": "Y2 (compressor stage 2)", "G": "G (blower fan)", "W2": "W2 (aux heat)",
        "OB": "O/B (reversing valve)", "E": "E (emergency heat)"}
OPEN_TEXT = ("%s is switched on but its wire has no 24 VAC: the relay did not close. Check the relay "
             "module's power and its IN pin, and the wire from the relay's NO contact to the terminal")
STUCK_TEXT = ("%s is switched off but its wire still carries 24 VAC: the relay is stuck closed, or the "
              "wire is fed from elsewhere. Turn the equipment off at its switch and replace the relay "
              "module before it runs unattended")
E_Y_TEXT = ("E (emergency heat) is on and the Y1 wire carries 24 VAC although the Y1 relay is open: the "
            "air handler feeds Y from E, so the compressor runs beside the strips. Check that E reaches "
            "the air handler's E terminal and that its board's 'Y inhibit on E' is enabled or wired "
            "(the wiring guide: E must suppress Y)")
NO_24VAC_TEXT = ("no 24 VAC between R and C: the relays switch nothing, so their checks are suspended. "
                 "Check the transformer and its fuse, the air handler's door switch and the "
                 "condensate float switch")


class Check:
    """One condition and its alert: trips after ``TRIP_MS`` held, clears
    after ``CLEAR_MS`` absent (one Age: since the condition was last false
    while inactive, since it was last true while active)."""

    def __init__(self, code, text):
        self.code = code
        self.text = text
        self.active = False
        self.age = Age(0)

    def update(self, report, holds):
        """``holds``: True, False, or None (this window says nothing: both
        verdicts wait a window longer)."""
        age = self.age
        if holds is None:
            age.restart()
        elif not self.active:
            if not holds:
                age.restart()
            elif age.read() >= TRIP_MS:
                self.active = True
                age.restart()
                report.alert(self.code, self.text)
        elif holds:
            age.restart()
        elif age.read() >= CLEAR_MS:
            self.clear(report)

    def clear(self, report):
        if self.active:
            self.active = False
            report.clear_alert(self.code)
        self.age.restart()


class Sense:
    """The board's sense inputs and their checks. A condition that cannot
    be seen in a window (whether a relay switched off sticks while it is
    switched on; E and Y while E is off) is neither held nor absent: its
    verdict waits (``Check.update(report, None)``)."""

    def __init__(self, inputs, relays, report):
        """``inputs``: :class:`board.hw.SenseInputs`; ``relays``:
        :class:`board.relays.Relays`, whose ``state`` is what was last
        written (1 = energized)."""
        self.inputs = inputs
        self.relays = relays
        self.report = report
        self.relay_checks = []  # (bit, open Check, stuck Check) for each terminal with an input
        self.rc = None
        self.e_y = None
        for name, bit in inputs.names:
            if name == "R":
                self.rc = Check("no_24vac", NO_24VAC_TEXT)
            else:
                self.relay_checks.append((bit, Check("relay_open_" + name, OPEN_TEXT % WHAT[name]),
                                          Check("relay_stuck_" + name, STUCK_TEXT % WHAT[name])))
        if inputs.bits & Y1_BIT and relays.wired & E_BIT:
            self.e_y = Check("e_not_suppressing_y", E_Y_TEXT)
        self.window = Age(0)
        self.sensed = 0  # what the last window read: terminal bits, and R_BIT
        self.windows = 0  # windows read since start-up

    async def run(self, task):
        """The task: a window of reads every PERIOD_MS, then the checks."""
        relays, inputs, window = self.relays, self.inputs, self.window
        while True:
            commanded = relays.state
            window.restart()
            seen = inputs.read()
            while window.read() < WINDOW_MS:
                await task.pause(SAMPLE_MS)
                seen |= inputs.read()
            self.windows += 1
            self.sensed = seen
            self.check(seen, commanded if relays.state == commanded else None)
            await task.pause(PERIOD_MS)

    def raised(self):
        """The codes of the checks whose alert is up (REPL, bench)."""
        checks = [self.rc, self.e_y]
        for _bit, open_check, stuck_check in self.relay_checks:
            checks.append(open_check)
            checks.append(stuck_check)
        return [check.code for check in checks if check is not None and check.active]

    def check(self, sensed, commanded):
        """One window's verdicts. ``commanded``: the relays' state through
        the window, or None if they were rewritten during it."""
        report = self.report
        rc = self.rc
        if rc is not None:
            rc.update(report, not sensed & R_BIT)
            if not sensed & R_BIT:
                commanded = None  # without 24 VAC the terminals say nothing about the relays
                if rc.active:
                    for _bit, open_check, stuck_check in self.relay_checks:
                        open_check.clear(report)
                        stuck_check.clear(report)
                    if self.e_y is not None:
                        self.e_y.clear(report)
        e_y = self.e_y
        e_on = False
        if e_y is not None:
            if commanded is None:
                e_y.update(report, None)
            else:
                e_on = bool(sensed & E_BIT if self.inputs.bits & E_BIT else commanded & E_BIT)
                # Only seen while E is on and the Y1 relay open.
                e_y.update(report, bool(sensed & Y1_BIT) if e_on and not commanded & Y1_BIT else None)
        for bit, open_check, stuck_check in self.relay_checks:
            if commanded is None:
                open_check.update(report, None)
                stuck_check.update(report, None)
            elif commanded & bit:  # switched on: it may have failed to close; whether it sticks cannot be seen
                open_check.update(report, not sensed & bit)
                stuck_check.update(report, None)
            else:  # switched off: it may be stuck closed (Y1 while E is on: the E check's to tell)
                open_check.update(report, None)
                stuck_check.update(report, None if e_on and bit == Y1_BIT else bool(sensed & bit))
