"""What the console says at each control tick: every change of outputs
(with the reason each terminal went off), of the rules holding terminals
back, and of the core's alerts."""

from app.console import log
from thermo import terminals as T


def names(bits):
    return " ".join(T.NAMES[i] for i in range(6) if bits & T.BITS[i]) or "none"


def off_reason(name, held):
    """Why a terminal went off: the core's reason (a rule of the gate, or
    the decision's, such as a failed indoor sensor), else the call ended."""
    return held.get(name, "call ended")


class Report:
    def __init__(self):
        self.outputs = 0
        self.held = {}
        self.alerts = []

    def tick(self, th, outputs):
        """Log what this tick changed."""
        held = th.held_reasons()
        changed = outputs ^ self.outputs
        alerts = th.alert_names()
        if changed:
            parts = []
            for i in range(6):
                bit = T.BITS[i]
                if changed & bit:
                    name = T.NAMES[i]
                    if outputs & bit:
                        parts.append("+" + name)
                    else:
                        parts.append("-%s (%s)" % (name, off_reason(name, held)))
            log("outputs %s: %s" % (names(outputs), " ".join(parts)))
        if held != self.held:
            log("held: %s" % (" ".join("%s=%s" % (k, held[k]) for k in T.NAMES if k in held) or "nothing"))
            self.held = held
        if alerts != self.alerts:
            for name in alerts:
                if name not in self.alerts:
                    reasons = " ".join("%s=%s" % (k, held[k]) for k in T.NAMES if k in held)
                    log("ALERT %s (gate holds: %s)" % (name, reasons or "nothing"))
            for name in self.alerts:
                if name not in alerts:
                    log("alert cleared: %s" % name)
            self.alerts = alerts
        self.outputs = outputs
