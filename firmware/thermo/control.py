"""The thermostat: its memory, its commands, and one control tick.

A shell (the board's main loop, the replay tool, a test) owns one
:class:`Thermostat`, feeds it readings and commands, and calls
:meth:`Thermostat.tick` every control period with the monotonic clock in
``ticks_ms`` units. The tick advances the timers (:mod:`thermo.timers`),
asks :mod:`thermo.decide` what it would like (a :class:`thermo.decide.Wish`:
an action and terminals), passes that through the safety gate
(:mod:`thermo.gate`), commits the result to ``outputs``, and names what
now runs in ``action`` (a :data:`thermo.modes.ACTIONS` index).

The thermostat is the only writer of its state: the decision proposes the
call's memory in the wish, the gate only reads, and the commit fires the
timer events of each change of the outputs. The state is updated in place
rather than returned anew, so that a tick allocates nothing on the board;
every field is an int, a bool, a constant string or None. Time is only ever
elapsed counters (see :mod:`thermo.ticks`), so a ``ticks_ms`` wrap cannot
confuse a timer.
"""

from thermo import modes as M
from thermo import schema
from thermo import terminals as T
from thermo import timers as EV
from thermo.decide import Wish, action_of, decide
from thermo.detect import ALERT_NAMES as DETECTOR_ALERT_NAMES
from thermo.detect import Detectors
from thermo.duty import Duty
from thermo.gate import enforce
from thermo.learn import Model
from thermo.recovery import RECOVERY_RATE_DEFAULT_DF_H, follow_schedule, learn_recovery
from thermo.schema import NO_BACKUP
from thermo.ticks import step_ms
from thermo.values import SettingError, is_number, show, show_tenths, tenths

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


# The control period: the board ticks the core this often, a scenario's
# tick_s defaults to it, and the simulator steps the house by it. A command
# does not wait for it: every shell ticks at once after a command.
CONTROL_PERIOD_MS = const(1000)

# Alerts, as bits: the core's own, then the detectors' (thermo.detect) from
# bit _DETECTOR_SHIFT on; alert_names() gives them sorted.
_ALERT_INDOOR_SENSOR = const(1)
_ALERT_OUTDOOR_SENSOR = const(2)
_ALERT_SHORT_CYCLE_BLOCKED = const(4)
_DETECTOR_SHIFT = const(3)
ALERT_NAMES = ("indoor_sensor", "outdoor_sensor", "short_cycle_blocked") + DETECTOR_ALERT_NAMES

# Setpoint ranges (°F) of the contract, and the defaults of a new thermostat.
HEAT_SETPOINT_RANGE = (40, 90)
COOL_SETPOINT_RANGE = (50, 99)
_DEFAULT_HEAT_SETPOINT_DF = const(680)
_DEFAULT_COOL_SETPOINT_DF = const(760)
# A reading outside this span (tenths of °F) is a sensor fault, not weather.
_READING_MIN_DF = const(-600)
_READING_MAX_DF = const(1500)

COMMAND_KEYS = ("mode", "fan", "heat_setpoint_f", "cool_setpoint_f")
# Settings that say what the terminals drive: changing one is a re-wiring.
WIRING_KEYS = ("reversing_valve", "compressor_stages", "backup_heat")


def _index(names, key, value):
    if isinstance(value, str):
        for index in range(len(names)):
            if names[index] == value:
                return index
    raise SettingError(key, "%s is not allowed (allowed: %s)" % (
        show(value), ", ".join(show(name) for name in names)))


def _plausible(value_dF):
    return value_dF is not None and _READING_MIN_DF <= value_dF <= _READING_MAX_DF


def _setpoint_dF(key, value, allowed):
    low, high = allowed
    if not is_number(value) or value != value or not low <= value <= high:
        raise SettingError(key, "%s is out of range (allowed: %d to %d °F)" % (show(value), low, high))
    return tenths(value)


class Thermostat:
    """One thermostat from power-up: all outputs off, the compressor's
    minimum off time counting from now (rules 4 and 12)."""

    def __init__(self, settings=None, now_ms=0, retained=None):
        self.settings = schema.Settings(schema.validate(settings or {}))
        self.mode = M.OFF
        self.fan = 0
        self.heat_setpoint_dF = _DEFAULT_HEAT_SETPOINT_DF
        self.cool_setpoint_dF = _DEFAULT_COOL_SETPOINT_DF
        # Every timer and the rings of recent starts; a boot starts min_off.
        self.timers = EV.Timers()
        self.timers.fire(EV.BOOT, self.settings)
        # Sensors: the last valid reading, one given for the next tick (or
        # None), and what decide and gate read of them each tick. A sensor
        # is failed from boot until a first valid reading, and again once
        # none has come for sensor_timeout_s (the value in force now: a
        # shorter timeout acts at once, trusting a stale reading being the
        # unsafe way); its timer counts from the tick a reading is taken for.
        self.indoor_raw_dF = 0
        self.indoor_new_dF = None
        self.outdoor_raw_dF = 0
        self.outdoor_new_dF = None
        self.indoor_ok = False
        self.indoor_dF = 0
        self.outdoor_ok = False
        self.outdoor_dF = 0
        # What the decision wants (reused every tick), the outputs, what now
        # runs, and why a terminal is off: the gate's rule that held it back
        # (``held``) or the decision's own reason (``noted``); codes from
        # thermo.reasons, one per terminal in thermo.terminals order.
        self.wish = Wish()
        self.outputs = 0
        self.action = M.OFF
        self.held = [None] * 6
        self.noted = self.wish.noted
        self.alerts = 0
        self.last_tick_ms = now_ms
        self.rewired = False
        self.y1_mode = M.OFF  # the mode a compressor run started in (rule 5)
        self.w2_mode = M.OFF  # and a run of the strips (aux_min_on_s)
        # The schedule, and smart recovery with its learned heating rate.
        self.wall_minute = -1
        self.seen_minute = -1
        self.schedule_index = -1
        self.recovering = False
        self.recovery_aux_ok = False
        self.recovery_learned = False
        self.recovery_from_dF = 0
        self.recovery_strips = False
        self.recovery_rate_dF_h = RECOVERY_RATE_DEFAULT_DF_H
        # What it learns of the house and heat pump, and the strips' duty
        # when the heat pump alone cannot hold (thermo.learn, thermo.duty).
        self.model = Model()
        self.duty = Duty()
        # What tells mis-wiring and failing equipment (alerts only: it never
        # moves a relay).
        self.detectors = Detectors()
        # The current call and its escalation (Y2, W2, furnace backup): none.
        self.heat_call = False
        self.cool_call = False
        self.stage2_on = False
        self.aux_on = False
        self.furnace_backup = False
        if retained:
            self._restore(retained)

    # -- commands ---------------------------------------------------------

    def command(self, changes):
        """Apply a user command (mode, fan, setpoints) whole, or raise
        SettingError naming the field; a command never touches a timer."""
        self._set_user_state(*self._commanded(changes))

    def check_command(self, changes):
        """Raise SettingError as :meth:`command` would, changing nothing
        (a button asks before it offers a mode the thermostat would refuse)."""
        mode, _fan, heat_dF, cool_dF = self._commanded(changes)
        self._check_user_state(self.settings, mode, heat_dF, cool_dF)

    def _commanded(self, changes):
        """The mode, fan and setpoints ``changes`` asks for, each checked on its own."""
        mode, fan = self.mode, self.fan
        heat_dF, cool_dF = self.heat_setpoint_dF, self.cool_setpoint_dF
        for key in changes:
            if key not in COMMAND_KEYS:
                raise SettingError(key, "unknown command (known: %s)" % ", ".join(COMMAND_KEYS))
        if "mode" in changes:
            mode = _index(M.MODES, "mode", changes["mode"])
        if "fan" in changes:
            fan = _index(M.FANS, "fan", changes["fan"])
        if "heat_setpoint_f" in changes:
            heat_dF = _setpoint_dF("heat_setpoint_f", changes["heat_setpoint_f"], HEAT_SETPOINT_RANGE)
        if "cool_setpoint_f" in changes:
            cool_dF = _setpoint_dF("cool_setpoint_f", changes["cool_setpoint_f"], COOL_SETPOINT_RANGE)
        return mode, fan, heat_dF, cool_dF

    def _set_user_state(self, mode, fan, heat_dF, cool_dF):
        self._check_user_state(self.settings, mode, heat_dF, cool_dF)
        if mode != self.mode:
            self._cut_call()
        if heat_dF != self.heat_setpoint_dF or mode != self.mode:
            self.recovering = False  # the user has taken over until the next entry
        self.mode, self.fan = mode, fan
        self.heat_setpoint_dF, self.cool_setpoint_dF = heat_dF, cool_dF

    def apply_settings(self, changes):
        """Change installer settings whole, or raise SettingError and change
        nothing.

        A re-wiring (a change of reversing_valve, compressor_stages or
        backup_heat: the terminals now drive other equipment) ends the call
        at the next tick, min_on_s or not, and then counts as a boot for
        every timer. Any other change leaves running timers as they are:
        each fixed its length when it started (thermo.timers), so no
        settings change shortens a protection already under way.
        """
        new = self.check_settings(changes)
        values = new.values
        old = self.settings
        rewired = False
        for key in WIRING_KEYS:
            if values[key] != old.values[key]:
                rewired = True
        if new.max_starts_per_hour != old.max_starts_per_hour:
            self.timers.compressor_starts.limit_replaced(old.max_starts_per_hour)
        if new.aux_max_starts_per_hour != old.aux_max_starts_per_hour:
            self.timers.strip_starts.limit_replaced(old.aux_max_starts_per_hour)
        self.settings = new
        if rewired:
            self.rewired = True  # the next tick ends the call and restarts the timers
            self._cut_call()

    def check_settings(self, changes):
        """The Settings that ``changes`` would give, checked whole against
        the schema and against the user's mode and setpoints; SettingError
        naming the field otherwise. Changes nothing."""
        new = schema.Settings(schema.validate(changes, self.settings.values))
        self._check_user_state(new, self.mode, self.heat_setpoint_dF, self.cool_setpoint_dF)
        return new

    @staticmethod
    def _check_user_state(settings, mode, heat_dF, cool_dF):
        if mode == M.EMERGENCY and settings.backup == NO_BACKUP:
            raise SettingError("mode", '"emergency" is refused with backup_heat "none" (nothing to run)')
        if mode == M.AUTO and cool_dF - heat_dF < settings.auto_deadband_dF:
            raise SettingError("cool_setpoint_f", "%s is closer than auto_deadband_f %s to heat_setpoint_f %s" % (
                show_tenths(cool_dF), show_tenths(settings.auto_deadband_dF), show_tenths(heat_dF)))

    # -- readings ---------------------------------------------------------

    def indoor_reading(self, value_dF):
        """An indoor reading in tenths of °F for the next tick; None, or a
        value no sensor could mean, is no reading."""
        if _plausible(value_dF):
            self.indoor_new_dF = value_dF

    def outdoor_reading(self, value_dF):
        """An outdoor reading in tenths of °F for the next tick (as indoor)."""
        if _plausible(value_dF):
            self.outdoor_new_dF = value_dF

    # -- the tick ---------------------------------------------------------

    def set_wall_clock(self, minute_of_week):
        """Local time as minutes since Monday 00:00 (None: unknown), for the
        schedule; the shell calls this before each tick."""
        self.wall_minute = -1 if minute_of_week is None else minute_of_week

    def tick(self, now_ms):
        """Run one control period at monotonic time ``now_ms``; return outputs."""
        step = step_ms(now_ms, self.last_tick_ms)
        self._advance(step)
        self.last_tick_ms = now_ms
        if self.rewired:
            self.timers.fire(EV.BOOT, self.settings)  # a re-wiring counts as a boot
        self._judge_sensors()
        if self.wall_minute != self.seen_minute:
            self.seen_minute = self.wall_minute
            follow_schedule(self)
        self.duty.update(self, step)
        wish = self.wish
        decide(self, wish)
        out = enforce(self, self.timers, wish, self.held)
        self._follow(wish)
        self._commit(out)
        if self.rewired:
            # The re-wiring's call has ended at this tick: that stop is the
            # boot, so the valve is free as after one (rule 6).
            self.timers.fire(EV.BOOT, self.settings)
            self.rewired = False
        self.action = action_of(self, out)
        self.model.observe(self, step)
        self.detectors.observe(self, step)
        self._raise_alerts()
        return out

    def _advance(self, step):
        """Count time: every timer, the upstage ones while Y1 ran in a call."""
        running = self.outputs & T.Y1 != 0
        self.timers.advance(step, running and (self.heat_call or self.cool_call), running and self.heat_call)
        if self.recovering and self.outputs & T.W2:
            self.recovery_strips = True

    def _judge_sensors(self):
        s = self.settings
        events = 0
        if self.indoor_new_dF is not None:
            self.indoor_raw_dF = self.indoor_new_dF
            self.indoor_new_dF = None
            events |= EV.INDOOR_READ
        if self.outdoor_new_dF is not None:
            self.outdoor_raw_dF = self.outdoor_new_dF
            self.outdoor_new_dF = None
            events |= EV.OUTDOOR_READ
        if events:
            self.timers.fire(events, s)
        timers = self.timers
        self.indoor_ok = timers.indoor_fresh.elapsed_ms < s.sensor_timeout_ms  # never read: elapsed is capped
        self.indoor_dF = self.indoor_raw_dF + s.indoor_offset_dF
        self.outdoor_ok = timers.outdoor_fresh.elapsed_ms < s.sensor_timeout_ms
        self.outdoor_dF = self.outdoor_raw_dF + s.outdoor_offset_dF

    def _follow(self, wish):
        """Keep the call's memory that the decision proposed."""
        if wish.fresh:
            self._start_call(wish.heat_call, wish.cool_call)
        self.stage2_on = wish.stage2
        self.aux_on = wish.aux
        self.furnace_backup = wish.furnace_backup
        if wish.aux_left:
            self.timers.fire(EV.AUX_LEFT, self.settings)

    def _commit(self, out):
        """The outputs change: each change fires its timer events."""
        changed = out ^ self.outputs
        events = 0
        if changed & T.Y1:
            if out & T.Y1:
                events |= EV.Y1_ON
                self.timers.compressor_starts.record()
                self.y1_mode = self.mode
            else:
                events |= EV.Y1_OFF
        if changed & T.W2:
            if out & T.W2:
                events |= EV.W2_ON
                self.timers.strip_starts.record()
                self.w2_mode = self.mode
            else:
                events |= EV.W2_OFF
        if changed & T.G:
            events |= EV.G_ON if out & T.G else EV.G_OFF
        if events:
            self.timers.fire(events, self.settings)
        self.outputs = out

    def _raise_alerts(self):
        alerts = 0
        if not self.indoor_ok:
            alerts |= _ALERT_INDOOR_SENSOR
        if not self.outdoor_ok:
            alerts |= _ALERT_OUTDOOR_SENSOR
        if self.held[T.index_of(T.Y1)] == "max_starts":
            alerts |= _ALERT_SHORT_CYCLE_BLOCKED
        self.alerts = alerts | self.detectors.alerts << _DETECTOR_SHIFT

    # -- the call ---------------------------------------------------------

    def _cut_call(self):
        """End the call before it is satisfied (a mode change, a re-wiring):
        its escalation starts afresh, and a recovery under way is not learned
        from, since it has not reached its setpoint."""
        self.recovery_learned = True
        self._start_call(False, False)

    def _start_call(self, heat_call, cool_call):
        """A call begins or ends: its escalation and upstage timers start afresh."""
        if self.recovering and self.heat_call and not heat_call and self.indoor_ok:
            learn_recovery(self)  # the early start has reached its setpoint
        self.heat_call = heat_call
        self.cool_call = cool_call
        self.stage2_on = False
        self.aux_on = False
        self.furnace_backup = False
        self.timers.fire(EV.CALL, self.settings)

    # -- what survives a power cycle --------------------------------------

    def retained(self):
        """User state worth saving to flash: mode, fan, setpoints, and the
        ages of recent compressor and strip starts (so a reboot cannot reset
        the starts-per-hour counts; time spent powered off counts as zero).
        The learned model is saved apart, at most hourly: :meth:`learned`."""
        return {
            "mode": M.MODES[self.mode],
            "fan": M.FANS[self.fan],
            "heat_setpoint_dF": self.heat_setpoint_dF,
            "cool_setpoint_dF": self.cool_setpoint_dF,
            "start_ages_ms": self.timers.compressor_starts.recent(),
            "strip_start_ages_ms": self.timers.strip_starts.recent(),
        }

    def _restore(self, retained):
        """Saved user state, checked like a command (in integer tenths, no
        float on the way); anything unreadable keeps the power-up defaults."""
        try:
            mode = _index(M.MODES, "mode", retained["mode"])
            fan = _index(M.FANS, "fan", retained["fan"])
            heat_dF = retained["heat_setpoint_dF"]
            cool_dF = retained["cool_setpoint_dF"]
            for value, (low, high) in ((heat_dF, HEAT_SETPOINT_RANGE), (cool_dF, COOL_SETPOINT_RANGE)):
                if not isinstance(value, int) or isinstance(value, bool) or not low * 10 <= value <= high * 10:
                    raise ValueError("setpoint")
            self._set_user_state(mode, fan, heat_dF, cool_dF)
        except (KeyError, TypeError, ValueError):
            pass  # unreadable user state: keep the power-up defaults
        ages = retained.get("start_ages_ms")
        if isinstance(ages, list):
            self.timers.compressor_starts.restore(ages)
        ages = retained.get("strip_start_ages_ms")
        if isinstance(ages, list):
            self.timers.strip_starts.restore(ages)
        self.model.restore(retained.get("model"))

    def learned(self):
        """The learned model, for flash (give it back as ``retained["model"]``)."""
        return self.model.saved()

    # -- for people -------------------------------------------------------

    def action_name(self):
        """What runs now, as a name of :data:`thermo.modes.ACTIONS`."""
        return M.ACTIONS[self.action]

    def alert_names(self):
        names = [ALERT_NAMES[i] for i in range(len(ALERT_NAMES)) if self.alerts & (1 << i)]
        names.sort()
        return names

    def held_reasons(self):
        """{terminal: code} for every terminal held back this tick: the gate's
        rule when it held back what the decision wanted (or, ``min_on``, held
        a run on), else the decision's reason for a terminal that is off.
        The codes are the table of :mod:`thermo.reasons`."""
        reasons = {}
        for i in range(6):
            code = self.held[i]
            if code is None and not self.outputs & T.BITS[i]:
                code = self.noted[i]
            if code is not None:
                reasons[T.NAMES[i]] = code
        return reasons
