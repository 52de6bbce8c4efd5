"""What the thermostat would like to run this tick, before any interlock.

Read top to bottom like the contract's behaviour section: calls with their
differentials, then the heat source (heat pump, strips, furnace, emergency),
staging and backup escalation, the reversing valve, the fan. Nothing here
enforces a timer or a lockout: :mod:`thermo.gate` does, on whatever this
asks for, with its own predicates (:mod:`thermo.lockout`); nothing here is
shared with it.

:func:`decide` reads the thermostat and fills a :class:`Wish`, reused every
tick so that a tick allocates nothing: the action it wants, the terminals,
and the memory of the call that the thermostat keeps once the tick is done
(is there a call, has Y2 or W2 joined it, has the furnace taken it over).
It writes nothing else; the thermostat applies that memory after the gate.

Where it does not ask for a terminal that a user might expect on, it notes
why in ``wish.noted`` (a code of :mod:`thermo.reasons`): strips waiting for
droop, a stage waiting for its timer, a pulled sensor stopping every call.
It asks, without side effects, why the compressor cannot start now
(:func:`start_hold`): electric strips on droop wait for a compressor held
by min_off alone, and for nothing else.
"""

from thermo import modes as M
from thermo import terminals as T
from thermo.schema import DUAL_FUEL, ELECTRIC, NO_BACKUP

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731

# While strips pulse (thermo.duty), a heat call ends on the house's 10-minute
# mean, or once the air itself is this far past the end of the call.
_PULSE_CEILING_DF = const(20)


class Wish:
    """What the decision wants this tick, and the call's memory it proposes."""

    def __init__(self):
        self.action = M.OFF
        self.terminals = 0
        self.heat_call = False
        self.cool_call = False
        self.fresh = False  # the call began or ended this tick: its timers restart
        self.stage2 = False
        self.aux = False
        self.aux_left = False  # strips let go (or kept off): their upstage timer restarts
        self.furnace_backup = False
        self.noted = [None] * 6


def decide(t, w):
    """Fill ``w`` with what the control logic wants for thermostat ``t``."""
    noted = w.noted
    for index in range(6):
        noted[index] = None
    calls(t, w)
    fresh = w.fresh
    w.stage2 = t.stage2_on and not fresh
    w.aux = t.aux_on and not fresh
    w.aux_left = False
    w.furnace_backup = t.furnace_backup and not fresh
    wanted = fan_wanted(t)
    if w.heat_call:
        if t.mode == M.EMERGENCY:
            wanted |= emergency_heat(w, t)
        else:
            wanted |= heat_sources(t, w)
    elif w.cool_call:
        wanted |= compressor(t, w, True)
    wanted |= valve_position(t, w.cool_call, wanted)
    w.terminals = wanted
    w.action = action_of(t, wanted)


def calls(t, w):
    """Heat and cool calls with their differentials; a new call starts afresh."""
    heat_call = cool_call = False
    if t.indoor_ok:
        s = t.settings
        indoor = t.indoor_dF
        mode = t.mode
        if mode == M.HEAT or mode == M.AUTO or mode == M.EMERGENCY:
            if t.heat_call:
                end_dF = t.heat_setpoint_dF + s.cycle_overshoot_dF
                heat_call = indoor < end_dF
                if t.duty.governs:
                    # Strips pulse: the house, not the air's peak, ends the call.
                    heat_call = t.duty.house_cF < end_dF * 10 and indoor < end_dF + _PULSE_CEILING_DF
            else:
                heat_call = indoor <= t.heat_setpoint_dF - s.heat_differential_dF
        if (mode == M.COOL or mode == M.AUTO) and not heat_call:
            if t.cool_call:
                cool_call = indoor > t.cool_setpoint_dF - s.cycle_overshoot_dF
            else:
                cool_call = indoor >= t.cool_setpoint_dF + s.cool_differential_dF
    elif t.mode != M.OFF:
        # Rule 10: no call can be judged; every source of heat or cold this
        # mode could run is off for that reason.
        note_all(w, expected_sources(t), "indoor_sensor")
    w.heat_call = heat_call
    w.cool_call = cool_call
    w.fresh = heat_call != t.heat_call or cool_call != t.cool_call


def note(w, bit, code):
    """Why the decision does not ask for the terminal ``bit`` this tick."""
    w.noted[T.index_of(bit)] = code


def note_all(w, bits, code):
    for index in range(6):
        if bits & T.BITS[index]:
            w.noted[index] = code


def expected_sources(t):
    """The terminals that make heat or cold which a user could expect on in
    this mode with this equipment (for telling why they are off)."""
    s = t.settings
    if t.mode == M.EMERGENCY:
        return T.E | (T.W2 if s.em_heat_w2 else 0)
    bits = T.Y1 | (T.Y2 if s.two_stage else 0)
    if t.mode != M.COOL and s.backup != NO_BACKUP:
        bits |= T.W2
    return bits


def action_of(t, bits):
    """The action these terminals make (thermo.modes.ACTIONS): what the
    decision wants, and, for the outputs after the gate, what runs."""
    if bits & T.E:
        return M.EMERGENCY_HEAT
    if bits & (T.Y1 | T.W2):
        if bits & T.Y1 and bool(bits & T.OB) != t.settings.reversing_valve_b:
            return M.COOLING
        if t.recovering:
            return M.RECOVERY
        if bits & T.Y1:
            return M.HEAT_PUMP_AND_STRIPS if bits & T.W2 else M.HEAT_PUMP
        return M.FURNACE if t.settings.backup == DUAL_FUEL else M.STRIPS
    if bits & T.G:
        return M.FAN
    return M.IDLE if t.mode != M.OFF else M.OFF


def too_cold_for_heat_pump(t):
    """Outdoor below the lowest temperature the compressor may run at: the
    compressor_min_outdoor_f floor or, with dual fuel, the balance point if
    higher. Never judged without a valid outdoor reading."""
    s = t.settings
    if not t.outdoor_ok:
        return False
    floor = s.compressor_min_outdoor_dF
    if s.backup == DUAL_FUEL and (floor is None or floor < s.balance_point_dF):
        floor = s.balance_point_dF
    return floor is not None and t.outdoor_dF < floor


def start_hold(t, cooling):
    """Why Y1 could not start this tick for a run in this direction (cooling
    or heating): the code of the interlock that would hold it, or None when
    it runs or could start. Reads the timers and changes nothing. min_off
    comes last, so ``min_off`` means min_off alone; a valve that may move
    this tick holds Y1 for that tick only, so it is not a reason. (Mode,
    sensor and emergency holds are left out: the decision asks only while it
    serves a call.)"""
    if t.rewired:
        return "rewiring"
    running = t.outputs
    if running & T.Y1:
        return None
    if too_cold_for_heat_pump(t):
        return "outdoor_lockout"
    s = t.settings
    timers = t.timers
    if s.backup == DUAL_FUEL and (running & T.W2 or timers.heat_pump_wait.running()):
        return "dual_fuel"
    valve_says_cool = bool(running & T.OB) != s.reversing_valve_b
    if valve_says_cool != bool(cooling) and timers.changeover.running():
        return "changeover"
    starts = timers.compressor_starts
    if starts.in_last_hour() >= starts.limit(s.max_starts_per_hour):
        return "max_starts"
    if timers.min_off.running():
        return "min_off"
    return None


def compressor_cannot_come(t):
    """The compressor is held back by more than min_off: max_starts, the
    changeover delay, a lockout. Held by min_off alone (a re-wiring counts
    as a boot), or by a dual-fuel hand-over, it starts within that timer,
    and backup heat may wait for it."""
    hold = start_hold(t, False)
    return hold is not None and hold != "min_off" and hold != "rewiring" and hold != "dual_fuel"


def upstaged(w, timer):
    """An upstage timer of this call (a length of 0 disables it) has run out."""
    return not w.fresh and timer.length_ms and timer.done()


def heat_sources(t, w):
    """Heat pump, strips or furnace for a heat call in heat or auto mode."""
    s = t.settings
    behind_dF = t.heat_setpoint_dF - t.indoor_dF
    if s.backup == DUAL_FUEL:
        # Below the balance point, with a failed outdoor sensor, or once the
        # heat pump has fallen behind by the droop after a full minimum run
        # (or cannot start for anything but min_off), the furnace serves the
        # rest of the call alone; interlock 3 sequences the hand-over.
        if not t.outdoor_ok:
            note(w, T.Y1, "outdoor_sensor")
            return T.W2
        if too_cold_for_heat_pump(t):
            note(w, T.Y1, "outdoor_lockout")
            return T.W2
        if not w.furnace_backup and behind_dF >= s.aux_droop_dF:
            trial_over = not w.fresh and t.timers.heat_pump_trial.done()
            w.furnace_backup = trial_over or compressor_cannot_come(t)
        if w.furnace_backup:
            note(w, T.Y1, "furnace_backup")
            return T.W2
        note(w, T.W2, "wait_droop")
        return compressor(t, w, False)
    if too_cold_for_heat_pump(t):
        note(w, T.Y1, "outdoor_lockout")
        return T.W2 if s.backup == ELECTRIC else 0
    wanted = compressor(t, w, False)
    if s.backup == ELECTRIC and choose_strips(t, w, behind_dF):
        wanted |= T.W2
    return wanted


def choose_strips(t, w, behind_dF):
    """Electric W2 beside the compressor: joins on droop or on the upstage
    timer. Records the choice in the wish (``w.aux``, and ``w.aux_left``
    when the strips go), and returns it; touches nothing of ``t``.

    On droop it joins a running compressor, or serves the call when the
    compressor cannot come (see :func:`compressor_cannot_come`); it waits
    for one held by min_off alone, so that strips do not burn at every boot
    in a cold house (contract, behaviour "Aux"). It leaves once indoor is
    back within droop/2 of the setpoint; leaving restarts the upstage timer,
    so strips return only on a new droop or after another full
    ``aux_delay_s`` of compressor run in this call.

    While the strips' duty governs (:mod:`thermo.duty`: the learned model
    says the heat pump alone cannot hold, or this call has drooped once),
    the duty decides instead of the droop/2 rule and the upstage timer;
    droop still brings them at once.
    """
    if t.recovering and not t.recovery_aux_ok:
        # ASHRAE 90.1 6.4.3.5: no strips during a recovery the heat pump can make.
        w.aux = False
        w.aux_left = True
        note(w, T.W2, "recovery")
        return False
    droop_dF = t.settings.aux_droop_dF
    if t.duty.governs and not w.fresh:
        # Time-proportioned (thermo.duty); droop stays the backstop.
        w.aux = t.duty.strips or behind_dF >= droop_dF
        if not w.aux:
            note(w, T.W2, "duty_rest")
        return w.aux
    if w.aux:
        if behind_dF <= droop_dF // 2:
            w.aux = False
            w.aux_left = True
    elif behind_dF >= droop_dF:
        running = t.outputs & (T.Y1 | T.W2) != 0 and not t.rewired
        w.aux = running or compressor_cannot_come(t)
        if not w.aux:
            note(w, T.W2, "wait_compressor")
            return False
    elif upstaged(w, t.timers.aux) and behind_dF > droop_dF // 2:
        w.aux = True
    if not w.aux:
        note(w, T.W2, "wait_droop")
    return w.aux


def compressor(t, w, cooling):
    """Y1, and Y2 once the call is far from setpoint or has run stage2_delay_s."""
    s = t.settings
    if not s.two_stage:
        return T.Y1
    if not w.stage2:
        if cooling:
            away_dF = t.indoor_dF - t.cool_setpoint_dF
        else:
            away_dF = t.heat_setpoint_dF - t.indoor_dF
        w.stage2 = away_dF >= s.stage2_delta_dF or upstaged(w, t.timers.stage2)
    if w.stage2:
        return T.Y1 | T.Y2
    note(w, T.Y2, "wait_stage2")
    return T.Y1


def emergency_heat(w, t):
    """Emergency mode: E, with W2 when em_heat_w2; the compressor never runs."""
    note(w, T.Y1, "emergency")
    if t.settings.em_heat_w2:
        return T.E | T.W2
    return T.E


def valve_position(t, cool_call, wanted):
    """OB bit for the direction the compressor is asked to run.

    Idle, the valve holds its position (no needless shifts); mode off asks for
    it de-energized, which interlock 6 allows once pressures have equalized.
    """
    if wanted & T.Y1:
        energize = cool_call != t.settings.reversing_valve_b
    elif t.mode == M.OFF:
        energize = False
    else:
        return t.outputs & T.OB
    return T.OB if energize else 0


def fan_wanted(t):
    """G for fan mode on, and for circulate at least N minutes every hour.

    Circulate extends any blower run to N minutes and starts one when the
    blower has rested 60 - N minutes, so every 60-minute window holds at
    least N minutes of air, whatever else ran the blower.
    """
    if t.fan == M.FAN_ON:
        return T.G
    if t.fan != M.FAN_CIRCULATE:
        return 0
    need_ms = t.settings.circulate_ms
    if need_ms <= 0:
        return 0
    if need_ms >= M.HOUR_MS:
        return T.G
    blower_ms = t.timers.blower.elapsed_ms  # since G last changed
    if t.outputs & T.G:
        return T.G if blower_ms < need_ms else 0
    return T.G if blower_ms >= M.HOUR_MS - need_ms else 0
