"""What the thermostat would like to run this tick, before any interlock.

Read top to bottom like the contract's behaviour section: calls with their
differentials, then the heat source (heat pump, strips, furnace, emergency),
staging and backup escalation, the reversing valve, the fan. Nothing here
enforces a timer or a lockout: :mod:`thermo.gate` does, on whatever this
asks for. The decision keeps only the memory of the current call (is there
a call, has Y2 or W2 joined it) on the thermostat object, so that a tick
allocates nothing.

Where it does not ask for a terminal that a user might expect on, it notes
why in ``t.noted`` (a code of :mod:`thermo.reasons`): strips waiting for
droop, a stage waiting for its timer, a pulled sensor stopping every call.
It may ask, without side effects, why the compressor cannot start now
(:func:`start_hold`, built from the same predicates the gate enforces rule 3,
4 and 6 with): that is what strips on droop wait for.
"""

from thermo import terminals as T
from thermo.schema import DUAL_FUEL, ELECTRIC, NO_BACKUP

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


OFF = const(0)
HEAT = const(1)
COOL = const(2)
AUTO = const(3)
EMERGENCY = const(4)
MODES = ("off", "heat", "cool", "auto", "emergency")

FAN_AUTO = const(0)
FAN_ON = const(1)
FAN_CIRCULATE = const(2)
FANS = ("auto", "on", "circulate")

HOUR_MS = const(3_600_000)


def decide(t):
    """Outputs wanted by the control logic for thermostat ``t`` this tick."""
    noted = t.noted
    for index in range(6):
        noted[index] = None
    update_calls(t)
    wanted = fan_wanted(t)
    if t.heat_call:
        if t.mode == EMERGENCY:
            wanted |= emergency_heat(t)
        else:
            wanted |= heat_sources(t)
    elif t.cool_call:
        wanted |= compressor(t, True)
    return wanted | valve_position(t, wanted)


def update_calls(t):
    """Heat and cool calls with their differentials; a new call starts afresh."""
    heat_call = cool_call = False
    if t.indoor_ok:
        s = t.settings
        indoor = t.indoor_dF
        mode = t.mode
        if mode == HEAT or mode == AUTO or mode == EMERGENCY:
            if t.heat_call:
                heat_call = indoor < t.heat_setpoint_dF + s.cycle_overshoot_dF
            else:
                heat_call = indoor <= t.heat_setpoint_dF - s.heat_differential_dF
        if (mode == COOL or mode == AUTO) and not heat_call:
            if t.cool_call:
                cool_call = indoor > t.cool_setpoint_dF - s.cycle_overshoot_dF
            else:
                cool_call = indoor >= t.cool_setpoint_dF + s.cool_differential_dF
    elif t.mode != OFF:
        # Rule 10: no call can be judged; every source of heat or cold this
        # mode could run is off for that reason.
        note_all(t, expected_sources(t), "indoor_sensor")
    if heat_call != t.heat_call or cool_call != t.cool_call:
        t.start_call(heat_call, cool_call)


def note(t, bit, code):
    """Why the decision does not ask for the terminal ``bit`` this tick."""
    t.noted[T.index_of(bit)] = code


def note_all(t, bits, code):
    for index in range(6):
        if bits & T.BITS[index]:
            t.noted[index] = code


def expected_sources(t):
    """The terminals that make heat or cold which a user could expect on in
    this mode with this equipment (for telling why they are off)."""
    s = t.settings
    mode = t.mode
    if mode == EMERGENCY:
        bits = T.E | (T.W2 if s.em_heat_w2 else 0)
    else:
        bits = T.Y1 | (T.Y2 if s.two_stage else 0)
        if mode != COOL and s.backup != NO_BACKUP:
            bits |= T.W2
    return bits


def compressor_locked_out(t):
    """Outdoor too cold for the compressor (never with a failed outdoor sensor)."""
    if not t.outdoor_ok:
        return False
    s = t.settings
    if s.compressor_min_outdoor_dF is not None and t.outdoor_dF < s.compressor_min_outdoor_dF:
        return True
    return s.backup == DUAL_FUEL and t.outdoor_dF < s.balance_point_dF


def start_hold(t, cooling):
    """Why Y1 could not start this tick for a run in this direction (cooling
    or heating): the code of the gate's rule that holds it back, or None
    when it runs or could start. Asks the predicates below, which the gate
    enforces rules 3, 4 and 6 with, and changes nothing. min_off comes last,
    so ``min_off`` means min_off alone; a valve that may move this tick
    holds Y1 for that tick only, so it is not a reason. (Mode, sensor and
    emergency holds are left out: the decision asks only while it serves a
    call.)"""
    if t.rewired:
        return "rewiring"
    if t.outputs & T.Y1:
        return None
    if compressor_locked_out(t):
        return "outdoor_lockout"
    if furnace_hands_over(t):
        return "dual_fuel"
    cool_energizes = not t.settings.reversing_valve_b
    valve_cool = bool(t.outputs & T.OB) == cool_energizes
    if valve_cool != bool(cooling) and valve_must_wait(t):
        return "changeover"
    if starts_used_up(t):
        return "max_starts"
    if min_off_running(t):
        return "min_off"
    return None


def min_off_running(t):
    """Rule 4: Y1 has been off less than min_off_s (a boot counts as a turn-off)."""
    return t.y1_state_ms < t.y1_min_off_ms


def starts_used_up(t):
    """Rule 4: max_starts_per_hour starts in the last 60 minutes."""
    return t.starts_in_last_hour() >= t.starts_limit()


def valve_must_wait(t):
    """Rule 6: the compressor runs, or ran since boot and stopped less than
    changeover_delay_s ago."""
    return t.outputs & T.Y1 or (t.y1_ran and t.y1_state_ms < t.changeover_ms)


def furnace_hands_over(t):
    """Dual fuel: the furnace runs, or stopped less than the switch delay ago."""
    return t.settings.backup == DUAL_FUEL and (
        t.outputs & T.W2 or t.w2_state_ms < t.dual_fuel_delay_ms)


def heat_sources(t):
    """Heat pump, strips or furnace for a heat call in heat or auto mode."""
    s = t.settings
    behind_dF = t.heat_setpoint_dF - t.indoor_dF
    if s.backup == DUAL_FUEL:
        # Below the balance point, with a failed outdoor sensor, or once the
        # heat pump has fallen behind by the droop after a full minimum run
        # (or cannot start for anything but min_off), the furnace serves the
        # rest of the call alone; interlock 3 sequences the hand-over.
        if not t.outdoor_ok:
            note(t, T.Y1, "outdoor_sensor")
            return T.W2
        if compressor_locked_out(t):
            note(t, T.Y1, "outdoor_lockout")
            return T.W2
        if not t.furnace_backup and behind_dF >= s.aux_droop_dF:
            t.furnace_backup = t.call_run_ms >= s.min_on_ms or compressor_cannot_come(t)
        if t.furnace_backup:
            note(t, T.Y1, "furnace_backup")
            return T.W2
        note(t, T.W2, "wait_droop")
        return compressor(t, False)
    if compressor_locked_out(t):
        note(t, T.Y1, "outdoor_lockout")
        return T.W2 if s.backup == ELECTRIC else 0
    wanted = compressor(t, False)
    if s.backup == ELECTRIC and aux_wanted(t, behind_dF):
        wanted |= T.W2
    return wanted


def compressor_cannot_come(t):
    """The compressor is held back by more than min_off: max_starts, the
    changeover delay, a lockout. Held by min_off alone (a re-wiring counts
    as a boot), or by a dual-fuel hand-over, it starts within that timer,
    and backup heat may wait for it."""
    hold = start_hold(t, False)
    return hold is not None and hold != "min_off" and hold != "rewiring" and hold != "dual_fuel"


def aux_wanted(t, behind_dF):
    """Electric W2 beside the compressor: joins on droop or on the upstage timer.

    On droop it joins a running compressor, or serves the call when the
    compressor cannot come (see :func:`compressor_cannot_come`); it waits
    for one held by min_off alone, so that strips do not burn at every boot
    in a cold house (contract, behaviour "Aux"). It leaves once indoor is
    back within droop/2 of the setpoint; leaving restarts the upstage timer,
    so strips return only on a new droop or after another full
    ``aux_delay_s`` of compressor run in this call.
    """
    s = t.settings
    if t.recovering and not t.recovery_aux_ok:
        # ASHRAE 90.1 6.4.3.5: no strips during a recovery the heat pump can make.
        t.aux_on = False
        t.aux_run_ms = 0
        note(t, T.W2, "recovery")
        return False
    droop_dF = s.aux_droop_dF
    if t.aux_on:
        if behind_dF <= droop_dF // 2:
            t.aux_on = False
            t.aux_run_ms = 0
    elif behind_dF >= droop_dF:
        running = t.outputs & (T.Y1 | T.W2) != 0 and not t.rewired
        t.aux_on = running or compressor_cannot_come(t)
        if not t.aux_on:
            note(t, T.W2, "wait_compressor")
            return False
    elif s.aux_delay_ms and t.aux_run_ms >= s.aux_delay_ms and behind_dF > droop_dF // 2:
        t.aux_on = True
    if not t.aux_on:
        note(t, T.W2, "wait_droop")
    return t.aux_on


def compressor(t, cooling):
    """Y1, and Y2 once the call is far from setpoint or has run stage2_delay_s."""
    s = t.settings
    wanted = T.Y1
    if s.two_stage:
        if not t.stage2_on:
            if cooling:
                away_dF = t.indoor_dF - t.cool_setpoint_dF
            else:
                away_dF = t.heat_setpoint_dF - t.indoor_dF
            if away_dF >= s.stage2_delta_dF:
                t.stage2_on = True
            elif s.stage2_delay_ms and t.call_run_ms >= s.stage2_delay_ms:
                t.stage2_on = True
        if t.stage2_on:
            wanted |= T.Y2
        else:
            note(t, T.Y2, "wait_stage2")
    return wanted


def emergency_heat(t):
    """Emergency mode: E, with W2 when em_heat_w2; the compressor never runs."""
    note(t, T.Y1, "emergency")
    wanted = T.E
    if t.settings.em_heat_w2:
        wanted |= T.W2
    return wanted


def valve_position(t, wanted):
    """OB bit for the direction the compressor is asked to run.

    Idle, the valve holds its position (no needless shifts); mode off asks for
    it de-energized, which interlock 6 allows once pressures have equalized.
    """
    cool_energizes = not t.settings.reversing_valve_b
    if wanted & T.Y1:
        energize = t.cool_call == cool_energizes
    elif t.mode == OFF:
        energize = False
    else:
        return t.outputs & T.OB
    return T.OB if energize else 0


def fan_wanted(t):
    """G for fan mode on, and for circulate at least N minutes every hour.

    Circulate extends any blower run to N minutes and starts one when the
    blower has been off for 60 - N minutes, so every 60-minute window holds
    at least N minutes of air, whatever else ran the blower.
    """
    if t.fan == FAN_ON:
        return T.G
    if t.fan != FAN_CIRCULATE:
        return 0
    need_ms = t.settings.circulate_ms
    if need_ms <= 0:
        return 0
    if need_ms >= HOUR_MS:
        return T.G
    if t.outputs & T.G:
        return T.G if t.fan_state_ms < need_ms else 0
    return T.G if t.fan_state_ms >= HOUR_MS - need_ms else 0
