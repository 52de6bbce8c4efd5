"""What the safety gate judges by: lockouts and start holds, for the gate alone.

Each predicate reads the thermostat's state (``t``: settings, sensors, mode,
last tick's outputs) and its timers, and is written from the contract's
interlock it serves. The decision (:mod:`thermo.decide`) keeps its own view
of the same facts and imports nothing from here: the gate checks the
decision, and a slip in one is not repeated in the other.
"""

from thermo import terminals as T
from thermo.modes import COOL, COOLING, EMERGENCY
from thermo.schema import DUAL_FUEL, ELECTRIC


def compressor_locked_out(t):
    """Rule 8: outdoor below compressor_min_outdoor_f, or (dual fuel) below
    balance_point_f. A failed outdoor sensor locks nothing out."""
    if not t.outdoor_ok:
        return False
    s = t.settings
    if s.compressor_min_outdoor_dF is not None and t.outdoor_dF < s.compressor_min_outdoor_dF:
        return True
    return s.backup == DUAL_FUEL and t.outdoor_dF < s.balance_point_dF


def aux_locked_out(t):
    """Rule 9: electric W2 with outdoor above aux_max_outdoor_f, unless the
    compressor is locked out (outdoor, or emergency) or the outdoor sensor
    has failed."""
    s = t.settings
    return (
        s.backup == ELECTRIC
        and t.outdoor_ok
        and t.outdoor_dF > s.aux_max_outdoor_dF
        and t.mode != EMERGENCY
        and not compressor_locked_out(t)
    )


def cooling(t, wanted, out):
    """Rule 7's cooling: mode cool, a cooling action, or the compressor
    running with the valve in the cool position (a run held on by rule 5)."""
    valve_cool = bool(out & T.OB) != t.settings.reversing_valve_b
    return t.mode == COOL or wanted.action == COOLING or (out & T.Y1 and valve_cool)


def min_off_running(timers):
    """Rule 4: Y1 has been off less than min_off_s (a boot counts as a stop)."""
    return timers.min_off.running()


def starts_used_up(t, timers):
    """Rule 4: max_starts_per_hour starts in the last 60 minutes (the
    smallest limit in force in that hour)."""
    starts = timers.compressor_starts
    return starts.in_last_hour() >= starts.limit(t.settings.max_starts_per_hour)


def strip_starts_used_up(t, timers):
    """Aux: electric W2 has started aux_max_starts_per_hour times in the
    last 60 minutes (the smallest limit in force in that hour)."""
    starts = timers.strip_starts
    return (t.settings.backup == ELECTRIC
            and starts.in_last_hour() >= starts.limit(t.settings.aux_max_starts_per_hour))


def valve_must_wait(t, timers):
    """Rule 6: Y1 runs, or stopped less than changeover_delay_s ago."""
    return t.outputs & T.Y1 or timers.changeover.running()


def furnace_must_wait(t, timers):
    """Rule 3: the furnace may not start while Y1 runs or within
    dual_fuel_switch_delay_s of its stop."""
    return t.outputs & T.Y1 or timers.furnace_wait.running()


def heat_pump_must_wait(t, timers):
    """Rule 3: Y1 may not start (dual fuel) while the furnace runs or within
    dual_fuel_switch_delay_s of its stop."""
    return t.settings.backup == DUAL_FUEL and (t.outputs & T.W2 or timers.heat_pump_wait.running())
