"""The safety gate: the last step of every tick, the only way to the outputs.

Whatever :mod:`thermo.decide` asks for, :func:`enforce` passes it through
one function per interlock of the control contract, each named after its
rule, and records in ``held`` which rule held each terminal back (or, for
``min_on``, held it on), so the user can be told why the compressor waits.

Order matters and is part of the design:
- the minimum runs (rule 5, and the strips' aux_min_on_s) first, because
  only the rules after them (a re-wiring, mode off, a failed sensor,
  emergency, cooling, a lockout) may cut a run short;
- the rules that force terminals off next;
- then the timers that decide whether a terminal may *start* (dual fuel
  hand-over, reversing valve, anti-short-cycle), which look at the previous
  tick's outputs in ``t.outputs``;
- last, the rules that only derive one terminal from others (Y2 needs Y1,
  the blower follows the heat).

The gate reads the thermostat's state, its timers and the decision's wish,
and nothing of the decision's code: its lockouts and start holds are its
own (:mod:`thermo.lockout`), so a slip in the decision is not repeated
here. It returns the outputs and fills ``held``, one reason per terminal
(named by the terminal's constant, a code of :mod:`thermo.reasons`).
"""

from thermo import terminals as T
from thermo.lockout import (
    aux_locked_out,
    compressor_locked_out,
    cooling,
    furnace_must_wait,
    heat_pump_must_wait,
    min_off_running,
    starts_used_up,
    strip_starts_used_up,
    valve_must_wait,
)
from thermo.modes import EMERGENCY, HEAT, OFF
from thermo.schema import DUAL_FUEL, ELECTRIC, NO_BACKUP

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

_COMPRESSOR = const(3)  # Y1 | Y2


def enforce(t, timers, wanted, held):
    """The outputs allowed this tick for the decision's wish ``wanted``;
    ``held`` gets, per terminal, the reason a rule held it back (or on)."""
    for index in range(6):
        held[index] = None
    out = wiring(t, held, wanted.terminals)
    out = r5_min_on(t, timers, held, out)
    out = aux_min_on(t, timers, held, out)
    out = r11_mode_off(t, held, out)
    out = r10_indoor_sensor_failed(t, held, out)
    out = r1_emergency_locks_out_compressor(t, held, out)
    out = r7_cooling_never_heats(t, wanted, held, out)
    out = r8_compressor_outdoor_lockout(t, held, out)
    out = r9_aux_outdoor_lockout(t, held, out)
    out = r3_dual_fuel_never_together(t, timers, held, out)
    out = r6_reversing_valve_moves_when_equalized(t, timers, held, out)
    out = r4_compressor_anti_short_cycle(t, timers, held, out)
    out = aux_max_starts(t, timers, held, out)
    out = r2_stage2_needs_stage1(held, out)
    return r13_blower_with_heat(t, out)


def hold(held, out, bits, reason):
    """Clear ``bits`` from ``out``, recording ``reason`` for each one still
    on: the rule that turns a terminal off names it, even over an earlier
    rule that held it on (a minimum run that a failed sensor ends)."""
    for index in range(6):
        bit = T.BITS[index]
        if bits & bit and out & bit:
            held[index] = reason
    return out & ~bits


def mark(held, bit, reason):
    """Record ``reason`` for the terminal ``bit`` (held on, or kept where it is)."""
    held[T.index_of(bit)] = reason


def wiring(t, held, out):
    """Only terminals the installed equipment has: Y2 with two stages, W2 and
    E with a backup, E only in emergency mode."""
    s = t.settings
    if not s.two_stage:
        out = hold(held, out, T.Y2, "single_stage")
    if s.backup == NO_BACKUP:
        out = hold(held, out, T.W2 | T.E, "no_backup")
    if t.mode != EMERGENCY:
        out = hold(held, out, T.E, "not_emergency")
    return out


def r5_min_on(t, timers, held, out):
    """5. Y1 stops only after min_on_s when a call is satisfied; a mode
    change, a failed sensor, a lockout, a re-wiring or a reboot ends a call
    at once.

    A re-wiring (reversing_valve, compressor_stages or backup_heat changed)
    ends it here: Y1, Y2, W2, E off for this tick; from then on every timer
    counts as after a boot (Thermostat.apply_settings). Otherwise a young
    run is held on, in the direction it started, unless the mode has
    changed; the rules after this one end it at once for the other causes.
    """
    if t.rewired:
        return hold(held, out, T.CONDITIONING, "rewiring")
    running = t.outputs
    if not running & T.Y1 or timers.min_on.done() or t.mode != t.y1_mode:
        return out
    if out & T.Y1 and (out ^ running) & T.OB == 0:
        return out
    mark(held, T.Y1, "min_on")
    if (out ^ running) & T.OB:
        out &= ~(T.OB | T.Y2)
    return out | T.Y1 | (running & T.OB)


def aux_min_on(t, timers, held, out):
    """Aux: electric W2, once on, stays on at least aux_min_on_s unless a
    rule ends it (a re-wiring, mode off, a failed sensor, cooling, the aux
    lockout: the rules after this one) or the mode changes. Sequencers and
    contactors are not made to chatter."""
    running = t.outputs
    if (t.rewired or t.settings.backup != ELECTRIC or not running & T.W2 or out & T.W2
            or timers.aux_min_on.done() or t.mode != t.w2_mode):
        return out
    mark(held, T.W2, "aux_min_on")
    return out | T.W2


def r11_mode_off(t, held, out):
    """11. Mode off: Y1, Y2, W2, E off at once; G only by the fan mode; OB
    returns to de-energized when rule 6 allows (decide asks for that)."""
    if t.mode == OFF:
        return hold(held, out, T.CONDITIONING, "mode_off")
    return out


def r10_indoor_sensor_failed(t, held, out):
    """10. Indoor sensor failed: Y1, Y2, W2, E off; the fan keeps its mode.
    (Outdoor sensor failed: the lockouts below stop applying.)"""
    if not t.indoor_ok:
        return hold(held, out, T.CONDITIONING, "indoor_sensor")
    return out


def r1_emergency_locks_out_compressor(t, held, out):
    """1. E energized, or mode emergency, means Y1 and Y2 off."""
    if t.mode == EMERGENCY or out & T.E:
        return hold(held, out, _COMPRESSOR, "emergency")
    return out


def r7_cooling_never_heats(t, wanted, held, out):
    """7. Cooling never energizes W2 or E; heating never energizes OB in the
    cool polarity while Y1 runs."""
    mode = t.mode
    valve_cool = bool(out & T.OB) != t.settings.reversing_valve_b
    if (mode == HEAT or mode == EMERGENCY) and out & T.Y1 and valve_cool:
        out = hold(held, out, _COMPRESSOR, "valve_in_cool")
    if cooling(t, wanted, out):
        out = hold(held, out, T.W2 | T.E, "cooling")
    return out


def r8_compressor_outdoor_lockout(t, held, out):
    """8. Y1 never runs while outdoor < compressor_min_outdoor_f (dual fuel:
    while outdoor < balance_point_f); a lockout ends a call at once."""
    if compressor_locked_out(t):
        return hold(held, out, _COMPRESSOR, "outdoor_lockout")
    return out


def r9_aux_outdoor_lockout(t, held, out):
    """9. Electric W2 never runs while outdoor > aux_max_outdoor_f, unless the
    compressor is locked out (outdoor, or emergency mode) or the outdoor
    sensor has failed."""
    if aux_locked_out(t):
        return hold(held, out, T.W2, "aux_lockout")
    return out


def r3_dual_fuel_never_together(t, timers, held, out):
    """3. Dual fuel: never Y1 (or Y2) with W2, and each hand-over leaves both
    off for dual_fuel_switch_delay_s."""
    if t.settings.backup != DUAL_FUEL:
        return out
    running = t.outputs
    if out & T.W2 and out & _COMPRESSOR:
        if running & T.Y1:
            out = hold(held, out, T.W2, "dual_fuel")
        else:
            out = hold(held, out, _COMPRESSOR, "dual_fuel")
    if out & T.W2 and not running & T.W2 and furnace_must_wait(t, timers):
        out = hold(held, out, T.W2, "dual_fuel")
    if out & T.Y1 and not running & T.Y1 and heat_pump_must_wait(t, timers):
        out = hold(held, out, _COMPRESSOR, "dual_fuel")
    return out


def r6_reversing_valve_moves_when_equalized(t, timers, held, out):
    """6. OB changes only while Y1 is off; once Y1 has run since boot, only
    after Y1 has been off for changeover_delay_s.

    The valve moves in a tick of its own: the compressor starts, in the new
    direction, on a later tick.
    """
    running = t.outputs
    if (out ^ running) & T.OB == 0:
        return out
    if valve_must_wait(t, timers):
        out = hold(held, out, _COMPRESSOR, "changeover")
        mark(held, T.OB, "changeover")
        return (out & ~T.OB) | (running & T.OB)
    return hold(held, out, _COMPRESSOR, "valve_moving")


def r4_compressor_anti_short_cycle(t, timers, held, out):
    """4. Y1 starts only after min_off_s off (every boot counts as a turn-off)
    and at most max_starts_per_hour times in any 60 minutes."""
    if not out & T.Y1 or t.outputs & T.Y1:
        return out
    if min_off_running(timers):
        return hold(held, out, _COMPRESSOR, "min_off")
    if starts_used_up(t, timers):
        return hold(held, out, _COMPRESSOR, "max_starts")
    return out


def aux_max_starts(t, timers, held, out):
    """Aux: electric W2 starts at most aux_max_starts_per_hour times in any
    60 minutes (a run under way goes on)."""
    if out & T.W2 and not t.outputs & T.W2 and strip_starts_used_up(t, timers):
        return hold(held, out, T.W2, "aux_max_starts")
    return out


def r2_stage2_needs_stage1(held, out):
    """2. Y2 only with Y1."""
    if not out & T.Y1:
        return hold(held, out, T.Y2, "stage1_off")
    return out


def r13_blower_with_heat(t, out):
    """13. G runs whenever Y1 runs, and with W2 (and E) when fan_with_backup."""
    if out & T.Y1:
        out |= T.G
    if out & (T.W2 | T.E) and t.settings.fan_with_backup:
        out |= T.G
    return out
