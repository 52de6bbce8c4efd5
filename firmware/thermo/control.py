"""The thermostat: its memory, its commands, and one control tick.

A shell (the board's main loop, the replay tool, a test) owns one
:class:`Thermostat`, feeds it readings and commands, and calls
:meth:`Thermostat.tick` every control period with the monotonic clock in
``ticks_ms`` units. The tick advances the timers, asks :mod:`thermo.decide`
what it would like, passes that through the safety gate
(:mod:`thermo.gate`) and commits the result to ``outputs``.

The state is updated in place rather than returned anew, so that a steady
tick allocates nothing on the board; every field is an int, a bool, a
constant string or None. Time is only ever elapsed counters (see
:mod:`thermo.ticks`), so a ``ticks_ms`` wrap cannot confuse a timer.
"""

from thermo import schema
from thermo import terminals as T
from thermo.decide import (
    AUTO,
    EMERGENCY,
    FANS,
    HOUR_MS,
    MODES,
    OFF,
    decide,
)
from thermo.gate import enforce
from thermo.recovery import RECOVERY_RATE_DEFAULT_DF_H, follow_schedule, learn_recovery
from thermo.schema import NO_BACKUP, SettingError, show, show_tenths, tenths
from thermo.ticks import ELAPSED_CAP_MS, grow, step_ms

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


# The control period: the board ticks the core this often, a scenario's
# tick_s defaults to it, and the simulator steps the house by it. A command
# does not wait for it: every shell ticks at once after a command.
CONTROL_PERIOD_MS = const(1000)

# Alerts, as bits; the names sort alphabetically so a list of them is sorted.
ALERT_INDOOR_SENSOR = const(1)
ALERT_OUTDOOR_SENSOR = const(2)
ALERT_SHORT_CYCLE_BLOCKED = const(4)
ALERT_NAMES = ("indoor_sensor", "outdoor_sensor", "short_cycle_blocked")

# Setpoint ranges (°F) of the contract, and the defaults of a new thermostat.
HEAT_SETPOINT_RANGE = (40, 90)
COOL_SETPOINT_RANGE = (50, 99)
DEFAULT_HEAT_SETPOINT_DF = const(680)
DEFAULT_COOL_SETPOINT_DF = const(760)
# A reading outside this span (tenths of °F) is a sensor fault, not weather.
READING_MIN_DF = const(-600)
READING_MAX_DF = const(1500)
# Slots for recent compressor starts: the largest max_starts_per_hour.
START_SLOTS = const(12)

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


def _setpoint_dF(key, value, allowed):
    low, high = allowed
    if not schema.is_number(value) or value != value or not low <= value <= high:
        raise SettingError(key, "%s is out of range (allowed: %d to %d °F)" % (show(value), low, high))
    return tenths(value)


class Sensor:
    """One temperature sensor as the core sees it: failed from boot until a
    first valid reading, and again once no valid reading has come for the
    timeout. A reading counts from the tick it is taken for."""

    def __init__(self):
        self.raw_dF = 0
        self.age_ms = 0
        self.seen = False
        self.fresh = False

    def reading(self, value_dF):
        """A reading in tenths of °F; None, or a value no sensor could mean,
        is no reading."""
        if value_dF is not None and READING_MIN_DF <= value_dF <= READING_MAX_DF:
            self.raw_dF = value_dF
            self.fresh = True

    def advance(self, step):
        if self.fresh:
            self.age_ms = 0
            self.seen = True
            self.fresh = False
        else:
            self.age_ms = grow(self.age_ms, step)

    def ok(self, timeout_ms):
        return self.seen and self.age_ms < timeout_ms


class Thermostat:
    """One thermostat from power-up: all outputs off, the compressor's
    minimum off time counting from now (rules 4 and 12)."""

    def __init__(self, settings=None, now_ms=0, retained=None):
        self.settings = schema.Settings(schema.validate(settings or {}))
        self.mode = OFF
        self.fan = 0
        self.heat_setpoint_dF = DEFAULT_HEAT_SETPOINT_DF
        self.cool_setpoint_dF = DEFAULT_COOL_SETPOINT_DF
        # Sensors, and what decide and gate read of them each tick.
        self.indoor = Sensor()
        self.outdoor = Sensor()
        self.indoor_ok = False
        self.indoor_dF = 0
        self.outdoor_ok = False
        self.outdoor_dF = 0
        # Outputs, and why a terminal is off: the gate's rule that held it
        # back (``held``) or the decision's own reason (``noted``); codes
        # from thermo.reasons.
        self.outputs = 0
        self.held = [None] * 6
        self.noted = [None] * 6
        self.alerts = 0
        self.last_tick_ms = now_ms
        # Compressor and backup timers; boot is a turn-off of everything.
        self.rewired = False
        self._timers_from_boot()
        self.fan_state_ms = ELAPSED_CAP_MS
        self.start_ages_ms = [ELAPSED_CAP_MS] * START_SLOTS
        # For each max_starts_per_hour value (1..12): how long ago it was
        # last in force, so that the limit is the smallest value of the hour.
        self.limit_ages_ms = [ELAPSED_CAP_MS] * START_SLOTS
        # The schedule, and smart recovery with its learned heating rate.
        self.wall_minute = -1
        self.seen_minute = -1
        self.schedule_index = -1
        self.recovering = False
        self.recovery_aux_ok = False
        self.recovery_learned = False
        self.recovery_from_dF = 0
        self.recovery_ms = 0
        self.recovery_strips = False
        self.recovery_rate_dF_h = RECOVERY_RATE_DEFAULT_DF_H
        # The current call and its escalation (Y2, W2, furnace backup): none.
        self.heat_call = False
        self.start_call(False, False)
        if retained:
            self._restore(retained)

    # -- commands ---------------------------------------------------------

    def command(self, changes):
        """Apply a user command (mode, fan, setpoints) whole, or raise
        SettingError naming the field; a command never touches a timer."""
        mode, fan = self.mode, self.fan
        heat_dF, cool_dF = self.heat_setpoint_dF, self.cool_setpoint_dF
        for key in changes:
            if key not in COMMAND_KEYS:
                raise SettingError(key, "unknown command (known: %s)" % ", ".join(COMMAND_KEYS))
        if "mode" in changes:
            mode = _index(MODES, "mode", changes["mode"])
        if "fan" in changes:
            fan = _index(FANS, "fan", changes["fan"])
        if "heat_setpoint_f" in changes:
            heat_dF = _setpoint_dF("heat_setpoint_f", changes["heat_setpoint_f"], HEAT_SETPOINT_RANGE)
        if "cool_setpoint_f" in changes:
            cool_dF = _setpoint_dF("cool_setpoint_f", changes["cool_setpoint_f"], COOL_SETPOINT_RANGE)
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
        every timer. Any other change keeps a running timer at the longer
        of its old and new length: no settings change shortens a protection
        already under way.
        """
        new = self.check_settings(changes)
        values = new.values
        old = self.settings
        rewired = False
        for key in WIRING_KEYS:
            if values[key] != old.values[key]:
                rewired = True
        if new.max_starts_per_hour != old.max_starts_per_hour:
            self.limit_ages_ms[old.max_starts_per_hour - 1] = 0  # in force until now
        self.settings = new
        if rewired:
            self.rewired = True  # the next tick ends the call and restarts the timers
            self._cut_call()
        else:
            self.y1_min_off_ms = max(self.y1_min_off_ms, new.min_off_ms)
            self.y1_min_on_ms = max(self.y1_min_on_ms, new.min_on_ms)
            self.changeover_ms = max(self.changeover_ms, new.changeover_delay_ms)
            self.dual_fuel_delay_ms = max(self.dual_fuel_delay_ms, new.dual_fuel_switch_delay_ms)

    def check_settings(self, changes):
        """The Settings that ``changes`` would give, checked whole against
        the schema and against the user's mode and setpoints; SettingError
        naming the field otherwise. Changes nothing."""
        new = schema.Settings(schema.validate(changes, self.settings.values))
        self._check_user_state(new, self.mode, self.heat_setpoint_dF, self.cool_setpoint_dF)
        return new

    @staticmethod
    def _check_user_state(settings, mode, heat_dF, cool_dF):
        if mode == EMERGENCY and settings.backup == NO_BACKUP:
            raise SettingError("mode", '"emergency" is refused with backup_heat "none" (nothing to run)')
        if mode == AUTO and cool_dF - heat_dF < settings.auto_deadband_dF:
            raise SettingError("cool_setpoint_f", "%s is closer than auto_deadband_f %s to heat_setpoint_f %s" % (
                show_tenths(cool_dF), show_tenths(settings.auto_deadband_dF), show_tenths(heat_dF)))

    # -- readings ---------------------------------------------------------

    def indoor_reading(self, value_dF):
        """An indoor reading in tenths of °F for the next tick (see Sensor)."""
        self.indoor.reading(value_dF)

    def outdoor_reading(self, value_dF):
        """An outdoor reading in tenths of °F for the next tick (see Sensor)."""
        self.outdoor.reading(value_dF)

    # -- the tick ---------------------------------------------------------

    def set_wall_clock(self, minute_of_week):
        """Local time as minutes since Monday 00:00 (None: unknown), for the
        schedule; the shell calls this before each tick."""
        self.wall_minute = -1 if minute_of_week is None else minute_of_week

    def tick(self, now_ms):
        """Run one control period at monotonic time ``now_ms``; return outputs."""
        self._advance(step_ms(now_ms, self.last_tick_ms))
        self.last_tick_ms = now_ms
        if self.rewired:
            self._timers_from_rewiring()
        self._judge_sensors()
        if self.wall_minute != self.seen_minute:
            self.seen_minute = self.wall_minute
            follow_schedule(self)
        out = enforce(self, decide(self))
        self._commit(out)
        self.rewired = False  # the re-wiring's call has ended
        self._raise_alerts()
        return out

    def _advance(self, step):
        self.y1_state_ms = grow(self.y1_state_ms, step)
        self.w2_state_ms = grow(self.w2_state_ms, step)
        self.fan_state_ms = grow(self.fan_state_ms, step)
        self.indoor.advance(step)
        self.outdoor.advance(step)
        ages = self.start_ages_ms
        limit_ages = self.limit_ages_ms
        for index in range(START_SLOTS):
            ages[index] = grow(ages[index], step)
            limit_ages[index] = grow(limit_ages[index], step)
        if self.recovering:
            self.recovery_ms = grow(self.recovery_ms, step)
            if self.outputs & T.W2:
                self.recovery_strips = True
        if self.outputs & T.Y1:
            if self.heat_call or self.cool_call:
                self.call_run_ms = grow(self.call_run_ms, step)
            if self.heat_call:
                self.aux_run_ms = grow(self.aux_run_ms, step)

    def _judge_sensors(self):
        s = self.settings
        self.indoor_ok = self.indoor.ok(s.sensor_timeout_ms)
        self.indoor_dF = self.indoor.raw_dF + s.indoor_offset_dF
        self.outdoor_ok = self.outdoor.ok(s.sensor_timeout_ms)
        self.outdoor_dF = self.outdoor.raw_dF + s.outdoor_offset_dF

    def _commit(self, out):
        s = self.settings
        changed = out ^ self.outputs
        if changed & T.Y1:
            self.y1_state_ms = 0
            if out & T.Y1:
                self._record_start()
                self.y1_min_on_ms = s.min_on_ms
                self.y1_mode = self.mode
                self.y1_ran = True
            else:
                self.y1_min_off_ms = s.min_off_ms
                self.changeover_ms = s.changeover_delay_ms
                self.dual_fuel_delay_ms = s.dual_fuel_switch_delay_ms
        if changed & T.W2:
            self.w2_state_ms = 0
            if not out & T.W2:
                self.dual_fuel_delay_ms = s.dual_fuel_switch_delay_ms
        if changed & T.G:
            self.fan_state_ms = 0
        self.outputs = out

    def _raise_alerts(self):
        alerts = 0
        if not self.indoor_ok:
            alerts |= ALERT_INDOOR_SENSOR
        if not self.outdoor_ok:
            alerts |= ALERT_OUTDOOR_SENSOR
        if self.held[0] == "max_starts":
            alerts |= ALERT_SHORT_CYCLE_BLOCKED
        self.alerts = alerts

    # -- call and start bookkeeping (used by decide and gate) -------------

    def _timers_from_boot(self):
        """Every timer as at power-up: Y1 and W2 have just turned off, the
        compressor has not run (rule 6 then lets the valve move freely), and
        min_off, the changeover and the dual-fuel delay count from now. A
        boot does this, and so does a re-wiring."""
        s = self.settings
        self.y1_state_ms = 0
        self.y1_min_off_ms = s.min_off_ms
        self.y1_min_on_ms = s.min_on_ms
        self.changeover_ms = s.changeover_delay_ms
        self.dual_fuel_delay_ms = s.dual_fuel_switch_delay_ms
        self.y1_ran = False
        self.y1_mode = OFF
        self.w2_state_ms = 0

    def _timers_from_rewiring(self):
        """A re-wiring counts as a boot for every timer, at the tick that
        ends its call (so no time from before the change counts), yet it
        shortens no protection already running: a min_off or a dual-fuel
        delay under way keeps what it had left if that is longer (no
        settings change bypasses a timer)."""
        running = self.outputs
        min_off_left = 0 if running & T.Y1 else self.y1_min_off_ms - self.y1_state_ms
        dual_fuel_left = 0
        if not running & T.Y1:
            dual_fuel_left = self.dual_fuel_delay_ms - self.y1_state_ms
        if not running & T.W2:
            dual_fuel_left = max(dual_fuel_left, self.dual_fuel_delay_ms - self.w2_state_ms)
        self._timers_from_boot()
        self.y1_min_off_ms = max(self.y1_min_off_ms, min_off_left)
        self.dual_fuel_delay_ms = max(self.dual_fuel_delay_ms, dual_fuel_left)

    def _cut_call(self):
        """End the call before it is satisfied (a mode change, a re-wiring):
        its escalation starts afresh, and a recovery under way is not learned
        from, since it has not reached its setpoint."""
        self.recovery_learned = True
        self.start_call(False, False)

    def start_call(self, heat_call, cool_call):
        """A call begins or ends: its escalation starts afresh."""
        if self.recovering and self.heat_call and not heat_call and self.indoor_ok:
            learn_recovery(self)  # the early start has reached its setpoint
        self.heat_call = heat_call
        self.cool_call = cool_call
        self.call_run_ms = 0
        self.aux_run_ms = 0
        self.stage2_on = False
        self.aux_on = False
        self.furnace_backup = False

    def _record_start(self):
        ages = self.start_ages_ms
        oldest = 0
        for index in range(1, START_SLOTS):
            if ages[index] > ages[oldest]:
                oldest = index
        ages[oldest] = 0

    def starts_in_last_hour(self):
        count = 0
        for age_ms in self.start_ages_ms:
            if age_ms < HOUR_MS:
                count += 1
        return count

    def starts_limit(self):
        """max_starts_per_hour: the smallest value in force in the last 60
        minutes, so a raise takes effect an hour after it is made (no
        command bypasses the limit) and a lowering at once."""
        ages = self.limit_ages_ms
        for index in range(self.settings.max_starts_per_hour - 1):
            if ages[index] < HOUR_MS:
                return index + 1
        return self.settings.max_starts_per_hour

    # -- what survives a power cycle --------------------------------------

    def retained(self):
        """User state worth saving to flash: mode, fan, setpoints, and the
        ages of recent compressor starts (so a reboot cannot reset the
        starts-per-hour count; time spent powered off counts as zero)."""
        return {
            "mode": MODES[self.mode],
            "fan": FANS[self.fan],
            "heat_setpoint_dF": self.heat_setpoint_dF,
            "cool_setpoint_dF": self.cool_setpoint_dF,
            "start_ages_ms": [age for age in self.start_ages_ms if age < HOUR_MS],
        }

    def _restore(self, retained):
        try:
            self.command({
                "mode": retained["mode"],
                "fan": retained["fan"],
                "heat_setpoint_f": retained["heat_setpoint_dF"] / 10,
                "cool_setpoint_f": retained["cool_setpoint_dF"] / 10,
            })
        except (KeyError, TypeError, ValueError):
            pass  # unreadable user state: keep the power-up defaults
        ages = retained.get("start_ages_ms")
        if isinstance(ages, list):
            slot = 0
            for age in ages[:START_SLOTS]:
                if isinstance(age, int) and 0 <= age < HOUR_MS:
                    self.start_ages_ms[slot] = age
                    slot += 1

    # -- for people -------------------------------------------------------

    def alert_names(self):
        return [ALERT_NAMES[i] for i in range(len(ALERT_NAMES)) if self.alerts & (1 << i)]

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
