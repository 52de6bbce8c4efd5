"""The learned model on the board: restored at boot, saved at most hourly,
and what it learned told in the log.

The core learns its house and heat pump (:mod:`thermo.learn`); this shell
keeps that learning across power cuts in its own record, ``model.json``,
through the crash-safe :class:`app.store.Store` (header, CRC, two files:
old or new after a power cut, never torn). It is written at most once an
hour, and only when something was learned since the last write, so the
flash is not worn by a model that has nothing new. A missing or unreadable
record is logged once and the thermostat learns afresh: a bad save costs
the learning, never the control, and never a boot.

What is "new" is a stamp of small ints (clean samples taken since boot
plus every strip duty learned), compared each tick without allocating;
the balance point is worked out again only when the stamp moves.
"""

from app.age import Age
from app.console import log
from app.store import Store

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

MODEL_FILE = "model.json"
SAVE_EVERY_MS = const(3_600_000)  # at most one write an hour
TELL_MOVE_DF = const(10)  # a balance point is told again once it moved 1 °F


def stamp(model):
    """A number that grows whenever the model learns something."""
    total = model.samples
    for count in model.duty_counts:
        total += count
    return total


def degrees(dF):
    """Tenths of °F as text with one decimal: -35 -> "-3.5"."""
    sign = "-" if dF < 0 else ""
    dF = -dF if dF < 0 else dF
    return "%s%d.%d" % (sign, dF // 10, dF % 10)


class Learning:
    def __init__(self, flash, alerts):
        self.store = Store(MODEL_FILE, flash)
        self.alerts = alerts
        self.since_save = Age(0)  # the boot counts as a save: the flash holds what was restored
        self.saved_stamp = 0
        self.seen_stamp = -1
        self.seen_settings = None
        self.told_balance_dF = None
        self.told_lockout_dF = None
        self.writes = 0  # records written since boot

    # -- boot ------------------------------------------------------------------

    def load(self):
        """The saved model (a list, for ``retained["model"]``), or None with
        one log line saying why."""
        try:
            data, status = self.store.load()
        except Exception as exc:  # Store.load raises nothing it knows of; a model never stops a boot
            data, status = None, "corrupt (%r)" % (exc,)
        if data is None:
            if status == "missing":
                log("model: none saved")
            else:
                log("model: saved copy unreadable, learning afresh (%s %s)" % (MODEL_FILE, status))
        return data

    def restored(self, thermostat, data):
        """After the core has been built with ``data``: say whether it took
        the model back, and count it as what the flash holds."""
        if data is not None:
            if thermostat.learned() == data:
                log("model: restored from %s" % MODEL_FILE)
            else:
                log("model: saved copy unreadable, learning afresh (%s: another version or out of range)"
                    % MODEL_FILE)
        self.saved_stamp = stamp(thermostat.model)
        self.since_save.restart()

    # -- the control tick --------------------------------------------------------

    def tick(self, thermostat):
        """Tell what changed in the model, and save it when it is due."""
        model = thermostat.model
        now = stamp(model)
        if now != self.seen_stamp or thermostat.settings is not self.seen_settings:
            self.seen_stamp = now
            self.seen_settings = thermostat.settings
            self.tell(thermostat)
        if now != self.saved_stamp and self.since_save.read() >= SAVE_EVERY_MS:
            self.save(thermostat, now)

    def tell(self, thermostat):
        """Log the balance point when it is first known or has moved 1 °F,
        and the dual-fuel lockout it suggests when both prices are set."""
        model = thermostat.model
        balance = model.balance_point_dF()
        told = self.told_balance_dF
        if balance is not None and (told is None or abs(balance - told) >= TELL_MOVE_DF):
            self.told_balance_dF = balance
            log("learned: thermal balance point %s °F" % degrees(balance))
        settings = thermostat.settings
        lockout = model.economic_lockout_dF(settings)
        told = self.told_lockout_dF
        if lockout is not None and (told is None or abs(lockout - told) >= TELL_MOVE_DF):
            self.told_lockout_dF = lockout
            log("suggested dual-fuel lockout: %s °F (balance_point_f is %s; not applied)"
                % (degrees(lockout), degrees(settings.balance_point_dF)))
        elif lockout is None:
            self.told_lockout_dF = None  # a price removed: tell again when both are back

    def save(self, thermostat, now):
        """Write the model (the hour's one allocation). A failing flash is
        tried again an hour later, with an alert: never a write every tick."""
        self.since_save.restart()
        try:
            self.store.save(thermostat.learned())
        except OSError as exc:
            self.alerts.alert("model_write", "%s not saved (%s); next try in an hour" % (MODEL_FILE, exc))
            return
        self.saved_stamp = now
        self.writes += 1
        self.alerts.clear_alert("model_write")
