"""What the board tells people: the console at each control tick, the
shell's own alerts, and the status LED.

At each control tick the console gets every change of outputs (with the
reason each terminal went off), of the action that runs (heat_pump,
cooling, idle...: thermo.modes.ACTIONS), of the rules holding terminals
back, of the core's alerts, and of the strips' time-proportioned duty. A
tick that changes none of them allocates nothing: the reasons and alerts
are compared with copies kept from the tick before, element by element,
and a line is built only when something changed.
"""

from app.console import log
from thermo import terminals as T

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

LED_FAILED_MS = const(100)
LED_ALERT_MS = const(250)
LED_NORMAL_MS = const(1000)
DUTY_TELL_PM = const(100)  # a governing duty is told again once it moved 10 points


def names(bits):
    return " ".join(T.NAMES[i] for i in range(6) if bits & T.BITS[i]) or "none"


def reason(th, i):
    """Why terminal ``i`` is held back (or held on) this tick, or None: the
    gate's rule when it overrode the decision, else the decision's reason
    for a terminal that is off. As ``th.held_reasons()``, for one terminal."""
    code = th.held[i]
    if code is None and not th.outputs & T.BITS[i]:
        code = th.noted[i]
    return code


class Report:
    def __init__(self):
        self.alerts = {}  # the shell's own alerts: name -> reason
        self.outputs = 0
        self.action = 0  # the core's action at the last tick: "off" at power-up
        self.reasons = [None] * 6  # reason(th, i) at the last tick, by terminal
        self.core_alerts = 0  # the core's alert bits at the last tick
        self.core_alert_names = []
        self.duty_governs = False  # the strips' duty governed at the last tick
        self.duty_told_pm = 0

    # -- the shell's alerts ----------------------------------------------------

    def alert(self, name, reason):
        if self.alerts.get(name) != reason:
            self.alerts[name] = reason
            log("ALERT %s: %s" % (name, reason))

    def clear_alert(self, name):
        if self.alerts.pop(name, None) is not None:
            log("alert cleared: %s" % name)

    # -- the control tick --------------------------------------------------------

    def tick(self, th, outputs):
        """Log what this tick changed."""
        reasons = self.reasons
        held_changed = False
        for i in range(6):
            code = reason(th, i)
            if code != reasons[i]:
                reasons[i] = code
                held_changed = True
        changed = outputs ^ self.outputs
        if changed:
            parts = []
            for i in range(6):
                bit = T.BITS[i]
                if changed & bit:
                    name = T.NAMES[i]
                    if outputs & bit:
                        parts.append("+" + name)
                    else:
                        parts.append("-%s (%s)" % (name, reasons[i] or "call ended"))
            log("outputs %s: %s" % (names(outputs), " ".join(parts)))
        if th.action != self.action:
            self.action = th.action
            log("action: %s" % th.action_name())
        if held_changed:
            log("held: %s" % (self.holds() or "nothing"))
        if th.alerts != self.core_alerts:
            self.core_alerts = th.alerts
            alerts = th.alert_names()
            for name in alerts:
                if name not in self.core_alert_names:
                    log("ALERT %s (gate holds: %s)" % (name, self.holds() or "nothing"))
            for name in self.core_alert_names:
                if name not in alerts:
                    log("alert cleared: %s" % name)
            self.core_alert_names = alerts
        self.tell_duty(th.duty)
        self.outputs = outputs

    def tell_duty(self, duty):
        """Time-proportioned strips (:mod:`thermo.duty`): when the duty
        starts and ends governing, and a duty that moved 10 points (it
        changes only when a period starts, so at most once a period)."""
        if duty.governs:
            duty_pm = duty.duty_pm
            if not self.duty_governs or abs(duty_pm - self.duty_told_pm) >= DUTY_TELL_PM:
                self.duty_told_pm = duty_pm
                log("strips: time-proportioned at %d %%" % ((duty_pm + 5) // 10))
        elif self.duty_governs:
            log("strips: duty ended")
        self.duty_governs = duty.governs

    def holds(self):
        """``Y1=min_off W2=wait_droop``: every terminal held back, in terminal order."""
        return " ".join("%s=%s" % (T.NAMES[i], self.reasons[i]) for i in range(6) if self.reasons[i] is not None)

    # -- the status LED ------------------------------------------------------------

    async def blink(self, task, hw, supervisor, thermostat):
        """The LED's task: slow while all is well, faster with an alert,
        fast after a crash."""
        on = False
        while True:
            on = not on
            hw.set_led(on)
            if supervisor.failed:
                period = LED_FAILED_MS
            elif self.alerts or thermostat.alerts:
                period = LED_ALERT_MS
            else:
                period = LED_NORMAL_MS
            await task.pause(period)
