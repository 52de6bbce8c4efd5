"""Installer settings: one table of names, units, defaults and ranges.

The same :func:`validate` serves config files, scenarios and commands. It
checks a whole change before anything is applied and raises
:class:`SettingError` naming the key, the value and what is allowed.
:class:`Settings` is the integer view the control core reads: tenths of a
degree (``_dF``) and milliseconds (``_ms``), converted once, here.
"""

import json

# Kinds of value.
CHOICE = "choice"  # one of a tuple of strings
WHOLE = "whole"  # integer count or seconds
DEGREES = "degrees"  # °F, any number, kept as tenths
DEGREES_OR_NULL = "degrees or null"
FLAG = "flag"  # true / false
FLAG_OR_NULL = "flag or null"
SCHEDULE = "schedule"  # null, or a list of entries (see thermo.schedule)

# key, kind, default, allowed (choices, or (low, high)), unit, meaning
SCHEMA = (
    ("reversing_valve", CHOICE, "O", ("O", "B"), "",
     "O: valve energized in cool; B: energized in heat"),
    ("compressor_stages", WHOLE, 1, (1, 2), "",
     "compressor stages wired (Y2 used only with 2)"),
    ("backup_heat", CHOICE, "electric", ("electric", "dual_fuel", "none"), "",
     "what W2 drives: electric strips, a furnace (dual fuel), or nothing"),
    ("heat_differential_f", DEGREES, 1.0, (0.5, 5.0), "°F",
     "heat call starts at setpoint - differential, ends at setpoint"),
    ("cool_differential_f", DEGREES, 1.0, (0.5, 5.0), "°F",
     "cool call starts at setpoint + differential, ends at setpoint"),
    ("min_off_s", WHOLE, 300, (30, 3600), "s",
     "Y1 stays off this long after it turns off, and after every boot"),
    ("min_on_s", WHOLE, 180, (30, 3600), "s",
     "Y1 stays on at least this long unless a safety rule ends the call"),
    ("max_starts_per_hour", WHOLE, 4, (1, 12), "",
     "at most this many Y1 starts in any 60 minutes"),
    ("cycle_overshoot_f", DEGREES, 0.0, (0.0, 2.0), "°F",
     "a compressor call ends this far past setpoint (0: at setpoint), for fewer, longer cycles "
     "inside the comfort band"),
    ("stage2_delta_f", DEGREES, 2.0, (0.5, 10.0), "°F",
     "Y2 joins when indoor is this far from setpoint (2-stage only)"),
    ("stage2_delay_s", WHOLE, 600, (0, 7200), "s",
     "Y2 joins after Y1 has run this long in one call; 0 disables the timer"),
    ("aux_droop_f", DEGREES, 3.0, (1.0, 10.0), "°F",
     "electric W2 joins when indoor <= heat setpoint - droop"),
    ("aux_delay_s", WHOLE, 1800, (0, 7200), "s",
     "electric W2 joins after the compressor has run this long in one heat "
     "call; 0 disables the timer"),
    ("aux_max_outdoor_f", DEGREES, 35.0, (-20.0, 70.0), "°F",
     "electric W2 locked out when outdoor is above this"),
    ("compressor_min_outdoor_f", DEGREES_OR_NULL, None, (-40.0, 70.0), "°F",
     "compressor locked out below this outdoor temperature; null: never"),
    ("balance_point_f", DEGREES, 35.0, (-20.0, 70.0), "°F",
     "dual fuel: furnace below, heat pump above"),
    ("dual_fuel_switch_delay_s", WHOLE, 60, (0, 1800), "s",
     "dual fuel: W2 and Y1 both off at least this long at a hand-over"),
    ("changeover_delay_s", WHOLE, 600, (0, 3600), "s",
     "compressor off this long before the reversing valve changes direction"),
    ("auto_deadband_f", DEGREES, 3.0, (1.0, 10.0), "°F",
     "auto: cool setpoint - heat setpoint must be at least this"),
    ("em_heat_w2", FLAG, True, None, "",
     "emergency heat energizes W2 together with E"),
    ("fan_with_backup", FLAG_OR_NULL, None, None, "",
     "G runs with W2 and E; null: true for electric, false for dual fuel"),
    ("circulate_min_per_hour", WHOLE, 15, (0, 60), "min",
     "fan circulate: G runs at least this many minutes each hour"),
    ("sensor_timeout_s", WHOLE, 120, (10, 3600), "s",
     "a sensor with no valid reading this long is failed"),
    ("indoor_offset_f", DEGREES, 0.0, (-10.0, 10.0), "°F",
     "calibration offset added to indoor readings"),
    ("outdoor_offset_f", DEGREES, 0.0, (-10.0, 10.0), "°F",
     "calibration offset added to outdoor readings"),
    ("schedule", SCHEDULE, None, None, "",
     'weekly setpoints: a list of {"days", "at", "heat_setpoint_f", "cool_setpoint_f"}; null: none'),
    ("smart_recovery", FLAG, True, None, "",
     "heat early enough to reach the next scheduled setpoint on time, without strips if the "
     "heat pump can make it"),
)

KEYS = tuple(entry[0] for entry in SCHEMA)


# A value or key quoted in a message is cut to this many characters, so that
# hostile input cannot turn an alert into a megabyte console line.
SHOW_MAX_CHARS = 40


class SettingError(ValueError):
    """A rejected value; ``key`` names the field, the message says what fits."""

    def __init__(self, key, message):
        if isinstance(key, str) and len(key) > SHOW_MAX_CHARS:
            key = show(key)
        super().__init__("%s: %s" % (key, message))
        self.key = key


def show(value):
    """A value as it is written in JSON, for error messages: on one line, and
    the same text on the board's single floats as on CPython's doubles."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        text = ("%.4f" % value).rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, str) and len(value) > SHOW_MAX_CHARS:
        return json.dumps(value[:SHOW_MAX_CHARS]) + "... (%d characters)" % len(value)
    if isinstance(value, (str, int)):
        return json.dumps(value)
    return "a " + type(value).__name__


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def tenths(value):
    """°F (int or float) to integer tenths, rounding half away from zero.

    Goes through a two-decimal string so that a single-precision board and
    double-precision CPython round the same reading the same way.
    """
    if isinstance(value, int):
        return value * 10
    text = "%.2f" % value
    negative = text[0] == "-"
    if negative:
        text = text[1:]
    whole, fraction = text.split(".")
    hundredths = int(whole) * 100 + int(fraction)
    result = (hundredths + 5) // 10
    return -result if negative else result


def show_tenths(value_dF):
    """Tenths of a degree as a decimal string, e.g. 705 -> '70.5'."""
    sign = "-" if value_dF < 0 else ""
    value_dF = abs(value_dF)
    return "%s%d.%d" % (sign, value_dF // 10, value_dF % 10)


def _check(key, kind, allowed, unit, value):
    """Raise SettingError unless ``value`` fits; return it normalised."""
    if kind == SCHEDULE:
        return value  # checked whole in validate(), against the deadband
    if kind == CHOICE:
        if value not in allowed or not isinstance(value, str):
            raise SettingError(key, "%s is not allowed (allowed: %s)" % (
                show(value), ", ".join(show(choice) for choice in allowed)))
        return value
    if kind in (FLAG, FLAG_OR_NULL):
        if value is None and kind == FLAG_OR_NULL:
            return None
        if not isinstance(value, bool):
            raise SettingError(key, "%s is not allowed (allowed: true, false%s)" % (
                show(value), ", null" if kind == FLAG_OR_NULL else ""))
        return value
    if value is None and kind == DEGREES_OR_NULL:
        return None
    low, high = allowed
    span = "%s to %s%s" % (show(low), show(high), (" " + unit) if unit else "")
    if kind == DEGREES_OR_NULL:
        span += ", or null"
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SettingError(key, "%s is not a number (allowed: %s)" % (show(value), span))
    if value != value or not low <= value <= high:  # NaN compares false
        raise SettingError(key, "%s is out of range (allowed: %s)" % (show(value), span))
    if kind == WHOLE and isinstance(value, float):
        if value != int(value):
            raise SettingError(key, "%s is not a whole number (allowed: %s)" % (show(value), span))
        value = int(value)
    if isinstance(value, float) and ("%.2f" % value)[-1] != "0":
        # The core keeps tenths of a degree: 1.25 would silently act as 1.3.
        raise SettingError(key, "%s is finer than 0.1 °F (allowed: %s, in steps of 0.1)" % (show(value), span))
    return value


def defaults():
    """Every setting at its default, as a new dict."""
    return {entry[0]: entry[2] for entry in SCHEMA}


def validate(changes, base=None):
    """``base`` (default: the defaults) with ``changes`` applied, all checked.

    Returns a new dict; raises SettingError on the first bad key and leaves
    ``base`` untouched, so a change is applied whole or not at all.
    """
    if not isinstance(changes, dict):
        raise SettingError("config", "must be an object of settings, not %s" % show(changes))
    result = dict(base) if base is not None else defaults()
    for key in changes:
        if key not in KEYS:
            raise SettingError(key if isinstance(key, str) else show(key),
                               "unknown setting (known: %s)" % ", ".join(KEYS))
    for key, kind, _default, allowed, unit, _doc in SCHEMA:
        if key in changes:
            result[key] = _check(key, kind, allowed, unit, changes[key])
    if "schedule" in changes or "auto_deadband_f" in changes:
        from thermo import schedule

        schedule.validate(result["schedule"], result["auto_deadband_f"])
    return result


ELECTRIC = 0
DUAL_FUEL = 1
NO_BACKUP = 2
_BACKUPS = {"electric": ELECTRIC, "dual_fuel": DUAL_FUEL, "none": NO_BACKUP}


def _optional_tenths(value):
    return None if value is None else tenths(value)


class Settings:
    """Integer view of a validated settings dict, as the control core reads it."""

    def __init__(self, values):
        self.values = values
        self.reversing_valve_b = values["reversing_valve"] == "B"
        self.two_stage = values["compressor_stages"] == 2
        self.backup = _BACKUPS[values["backup_heat"]]
        self.heat_differential_dF = tenths(values["heat_differential_f"])
        self.cool_differential_dF = tenths(values["cool_differential_f"])
        self.cycle_overshoot_dF = tenths(values["cycle_overshoot_f"])
        self.min_off_ms = values["min_off_s"] * 1000
        self.min_on_ms = values["min_on_s"] * 1000
        self.max_starts_per_hour = values["max_starts_per_hour"]
        self.stage2_delta_dF = tenths(values["stage2_delta_f"])
        self.stage2_delay_ms = values["stage2_delay_s"] * 1000
        self.aux_droop_dF = tenths(values["aux_droop_f"])
        self.aux_delay_ms = values["aux_delay_s"] * 1000
        self.aux_max_outdoor_dF = tenths(values["aux_max_outdoor_f"])
        self.compressor_min_outdoor_dF = _optional_tenths(values["compressor_min_outdoor_f"])
        self.balance_point_dF = tenths(values["balance_point_f"])
        self.dual_fuel_switch_delay_ms = values["dual_fuel_switch_delay_s"] * 1000
        self.changeover_delay_ms = values["changeover_delay_s"] * 1000
        self.auto_deadband_dF = tenths(values["auto_deadband_f"])
        self.em_heat_w2 = values["em_heat_w2"]
        fan_with_backup = values["fan_with_backup"]
        if fan_with_backup is None:
            fan_with_backup = self.backup != DUAL_FUEL
        self.fan_with_backup = fan_with_backup
        self.circulate_ms = values["circulate_min_per_hour"] * 60_000
        self.sensor_timeout_ms = values["sensor_timeout_s"] * 1000
        self.indoor_offset_dF = tenths(values["indoor_offset_f"])
        self.outdoor_offset_dF = tenths(values["outdoor_offset_f"])
        from thermo.schedule import compile_entries

        self.schedule = compile_entries(values["schedule"])
        self.smart_recovery = values["smart_recovery"]
