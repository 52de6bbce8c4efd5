"""Installer settings: one table of names, units, defaults and ranges.

The same :func:`validate` serves config files, scenarios and commands. It
checks a whole change before anything is applied and raises
:class:`SettingError` naming the key, the value and what is allowed.
:class:`Settings` is the integer view the control core reads: tenths of a
degree (``_dF``) and milliseconds (``_ms``), converted once, here.
"""

from thermo.schedule import compile_entries
from thermo.schedule import validate as validate_schedule
from thermo.values import SettingError, show, tenths

# Kinds of value.
CHOICE = "choice"  # one of a tuple of strings
WHOLE = "whole"  # integer count or seconds
DEGREES = "degrees"  # °F, any number, kept as tenths
DEGREES_OR_NULL = "degrees or null"
WHOLE_OR_NULL = "whole or null"
FLAG = "flag"  # true / false
FLAG_OR_NULL = "flag or null"
SCHEDULE = "schedule"  # null, or a list of entries (see thermo.schedule)

# key, kind, default, allowed (choices, or (low, high)), unit. What each one
# means is in thermo/meanings.py, for people (a board never loads it).
SCHEMA = (
    ("reversing_valve", CHOICE, "O", ("O", "B"), ""),
    ("compressor_stages", WHOLE, 1, (1, 2), ""),
    ("backup_heat", CHOICE, "electric", ("electric", "dual_fuel", "none"), ""),
    ("heat_differential_f", DEGREES, 1.0, (0.5, 5.0), "°F"),
    ("cool_differential_f", DEGREES, 1.0, (0.5, 5.0), "°F"),
    ("min_off_s", WHOLE, 300, (30, 3600), "s"),
    ("min_on_s", WHOLE, 180, (30, 3600), "s"),
    ("max_starts_per_hour", WHOLE, 4, (1, 12), ""),
    ("cycle_overshoot_f", DEGREES, 0.0, (0.0, 2.0), "°F"),
    ("stage2_delta_f", DEGREES, 2.0, (0.5, 10.0), "°F"),
    ("stage2_delay_s", WHOLE, 600, (0, 7200), "s"),
    ("aux_droop_f", DEGREES, 3.0, (1.0, 10.0), "°F"),
    ("aux_delay_s", WHOLE, 1800, (0, 7200), "s"),
    ("aux_min_on_s", WHOLE, 240, (0, 1800), "s"),
    ("aux_max_starts_per_hour", WHOLE, 6, (1, 12), ""),
    ("aux_max_outdoor_f", DEGREES, 35.0, (-20.0, 70.0), "°F"),
    ("compressor_min_outdoor_f", DEGREES_OR_NULL, None, (-40.0, 70.0), "°F"),
    ("balance_point_f", DEGREES, 35.0, (-20.0, 70.0), "°F"),
    ("dual_fuel_switch_delay_s", WHOLE, 60, (0, 1800), "s"),
    ("changeover_delay_s", WHOLE, 600, (0, 3600), "s"),
    ("auto_deadband_f", DEGREES, 3.0, (1.0, 10.0), "°F"),
    ("em_heat_w2", FLAG, True, None, ""),
    ("fan_with_backup", FLAG_OR_NULL, None, None, ""),
    ("circulate_min_per_hour", WHOLE, 15, (0, 60), "min"),
    ("sensor_timeout_s", WHOLE, 120, (10, 3600), "s"),
    ("indoor_offset_f", DEGREES, 0.0, (-10.0, 10.0), "°F"),
    ("outdoor_offset_f", DEGREES, 0.0, (-10.0, 10.0), "°F"),
    ("schedule", SCHEDULE, None, None, ""),
    ("smart_recovery", FLAG, True, None, ""),
    ("electricity_price_cents_per_kwh", WHOLE_OR_NULL, None, (1, 200), "¢/kWh"),
    ("gas_price_cents_per_therm", WHOLE_OR_NULL, None, (10, 1000), "¢/therm"),
)

KEYS = tuple(entry[0] for entry in SCHEMA)

# The settings for people, in groups: the web page's settings form and the
# README's table (tools/settings_table.py). Every key but the schedule (its
# own page) once; a host test checks it.
GROUPS = (
    ("Equipment", ("reversing_valve", "compressor_stages", "backup_heat", "em_heat_w2", "fan_with_backup")),
    ("Comfort", ("heat_differential_f", "cool_differential_f", "auto_deadband_f", "cycle_overshoot_f",
                 "smart_recovery")),
    ("Compressor protection", ("min_off_s", "min_on_s", "max_starts_per_hour", "changeover_delay_s")),
    ("Second stage", ("stage2_delta_f", "stage2_delay_s")),
    ("Backup heat", ("aux_droop_f", "aux_delay_s", "aux_min_on_s", "aux_max_starts_per_hour", "aux_max_outdoor_f",
                     "compressor_min_outdoor_f", "balance_point_f", "dual_fuel_switch_delay_s")),
    ("Fan", ("circulate_min_per_hour",)),
    ("Sensors", ("sensor_timeout_s", "indoor_offset_f", "outdoor_offset_f")),
    ("Energy prices", ("electricity_price_cents_per_kwh", "gas_price_cents_per_therm")),
)


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
    if value is None and (kind == DEGREES_OR_NULL or kind == WHOLE_OR_NULL):
        return None
    low, high = allowed
    span = "%s to %s%s" % (show(low), show(high), (" " + unit) if unit else "")
    if kind == DEGREES_OR_NULL or kind == WHOLE_OR_NULL:
        span += ", or null"
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SettingError(key, "%s is not a number (allowed: %s)" % (show(value), span))
    if value != value or not low <= value <= high:  # NaN compares false
        raise SettingError(key, "%s is out of range (allowed: %s)" % (show(value), span))
    if (kind == WHOLE or kind == WHOLE_OR_NULL) and isinstance(value, float):
        if value != int(value):
            raise SettingError(key, "%s is not a whole number (allowed: %s)" % (show(value), span))
        value = int(value)
    if isinstance(value, float) and ("%.4f" % value)[-3:] != "000":
        # The core keeps tenths of a degree: 1.25 would silently act as 1.3,
        # and 1.001 as 1.0. Read to four decimals, which a board's single
        # floats and CPython's doubles print alike.
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
    for key, kind, _default, allowed, unit in SCHEMA:
        if key in changes:
            result[key] = _check(key, kind, allowed, unit, changes[key])
    if "schedule" in changes or "auto_deadband_f" in changes:
        validate_schedule(result["schedule"], result["auto_deadband_f"])
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
        self.aux_min_on_ms = values["aux_min_on_s"] * 1000
        self.aux_max_starts_per_hour = values["aux_max_starts_per_hour"]
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
        self.schedule = compile_entries(values["schedule"])
        self.smart_recovery = values["smart_recovery"]
        self.electricity_price_cents_per_kwh = values["electricity_price_cents_per_kwh"]
        self.gas_price_cents_per_therm = values["gas_price_cents_per_therm"]
