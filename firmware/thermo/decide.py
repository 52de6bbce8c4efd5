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
It may ask the gate, without side effects, why the compressor cannot start
now (``t.compressor_hold``): that is what strips on droop wait for.
"""

from thermo import reasons as R
from thermo import terminals as T
from thermo.schema import DUAL_FUEL, ELECTRIC

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
        # Rule 10: no call can be judged; the gate would hold what it asked.
        note(t, T.E if t.mode == EMERGENCY else T.Y1, R.INDOOR_SENSOR)
    if heat_call != t.heat_call or cool_call != t.cool_call:
        t.start_call(heat_call, cool_call)


def note(t, bit, code):
    """Why the decision does not ask for the terminal ``bit`` this tick."""
    t.noted[T.index_of(bit)] = code


def compressor_locked_out(t):
    """Outdoor too cold for the compressor (never with a failed outdoor sensor)."""
    if not t.outdoor_ok:
        return False
    s = t.settings
    if s.compressor_min_outdoor_dF is not None and t.outdoor_dF < s.compressor_min_outdoor_dF:
        return True
    return s.backup == DUAL_FUEL and t.outdoor_dF < s.balance_point_dF


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
            note(t, T.Y1, R.OUTDOOR_SENSOR)
            return T.W2
        if compressor_locked_out(t):
            note(t, T.Y1, R.OUTDOOR_LOCKOUT)
            return T.W2
        if not t.furnace_backup and behind_dF >= s.aux_droop_dF:
            t.furnace_backup = t.call_run_ms >= s.min_on_ms or compressor_cannot_come(t)
        if t.furnace_backup:
            note(t, T.Y1, R.FURNACE_BACKUP)
            return T.W2
        note(t, T.W2, R.WAIT_DROOP)
        return compressor(t, False)
    if compressor_locked_out(t):
        note(t, T.Y1, R.OUTDOOR_LOCKOUT)
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
    hold = t.compressor_hold(False)
    return hold is not None and hold != R.MIN_OFF and hold != R.REWIRING and hold != R.DUAL_FUEL


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
        note(t, T.W2, R.RECOVERY)
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
            note(t, T.W2, R.WAIT_COMPRESSOR)
            return False
    elif s.aux_delay_ms and t.aux_run_ms >= s.aux_delay_ms and behind_dF > droop_dF // 2:
        t.aux_on = True
    if not t.aux_on:
        note(t, T.W2, R.WAIT_DROOP)
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
            note(t, T.Y2, R.WAIT_STAGE2)
    return wanted


def emergency_heat(t):
    """Emergency mode: E, with W2 when em_heat_w2; the compressor never runs."""
    note(t, T.Y1, R.EMERGENCY)
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
