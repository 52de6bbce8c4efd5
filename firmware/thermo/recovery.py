"""Following the weekly schedule, and smart recovery before a scheduled rise.

Once a minute (when the shell's wall clock moves on) the thermostat applies
the schedule entry in force, and looks ahead: if the next entry raises the
heat setpoint, it starts early, by the time the heat pump needs at the rate
it has learned (plus a quarter and 10 minutes, at most 4 hours), so the
house is warm when the occupied period begins. During that recovery the
decision keeps electric strips off (ASHRAE 90.1 §6.4.3.5) unless the learned
rate says the heat pump would be more than 30 minutes late. Once allowed,
strips stay allowed until the recovery ends or the heat pump alone would be
an hour early: the estimate moves every minute (strips warm the house
fast, the time left shrinks), and a single threshold made the strips
chatter.

The rate is learned from the house itself: each recovery that the heat pump
made alone, lasting at least 20 minutes, yields degrees gained per hour, and
the rate moves halfway towards it.
"""

from thermo.learn import HEAT_PUMP
from thermo.modes import AUTO, HEAT
from thermo.schedule import NO_SETPOINT, active, minutes_until, next_entry
from thermo.timers import RECOVERY_START

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda value: value  # noqa: E731


# The learned heating rate starts at 3 °F/h and stays within
# 0.5 to 15 °F/h; an early start begins at most 4 h ahead, and the heat pump
# is judged unable to make it when it would be over 30 min late, and able
# again only once it would be an hour early.
RECOVERY_RATE_DEFAULT_DF_H = const(30)
_RECOVERY_RATE_MIN_DF_H = const(5)
_RECOVERY_RATE_MAX_DF_H = const(150)
_RECOVERY_MAX_LEAD_MIN = const(240)
_RECOVERY_GRACE_MIN = const(30)
_RECOVERY_AHEAD_MIN = const(60)


def follow_schedule(t):
    """Apply the entry in force; start, or re-judge, an early start."""
    entries = t.settings.schedule
    if not entries or t.wall_minute < 0:
        t.recovering = False
        return
    index = active(entries, t.wall_minute)
    if index != t.schedule_index:
        if t.recovering:
            learn_recovery(t)
        t.recovering = False
        t.schedule_index = index
        apply_entry(t, entries[index])
    following = entries[next_entry(entries, t.wall_minute)]
    minutes = minutes_until(following, t.wall_minute)
    target_dF = following[2]
    heating = t.mode == HEAT or t.mode == AUTO
    if t.recovering:
        needed = recovery_minutes(t, target_dF)
        if t.recovery_aux_ok:
            t.recovery_aux_ok = needed + _RECOVERY_AHEAD_MIN > minutes
        else:
            t.recovery_aux_ok = needed > minutes + _RECOVERY_GRACE_MIN
        t.recovery_aux_ok = t.recovery_aux_ok or cannot_hold(t)
    elif (t.settings.smart_recovery and heating and t.indoor_ok
          and target_dF > t.heat_setpoint_dF and target_dF > t.indoor_dF):
        needed = recovery_minutes(t, target_dF)
        if minutes <= min(needed * 5 // 4 + 10, _RECOVERY_MAX_LEAD_MIN):
            t.recovering = True
            t.recovery_learned = False
            t.recovery_strips = False
            t.timers.fire(RECOVERY_START, t.settings)
            t.recovery_from_dF = t.indoor_dF
            t.recovery_aux_ok = needed > minutes + _RECOVERY_GRACE_MIN or cannot_hold(t)
            apply_heat_setpoint(t, target_dF)


def cannot_hold(t):
    """The learned model says the heat pump alone cannot even hold the
    setpoint at this outdoor temperature: no recovery without strips."""
    return t.outdoor_ok and t.model.needs_strips(t.outdoor_dF)


def recovery_minutes(t, target_dF):
    """Minutes the heat pump needs to reach ``target_dF``: at the rate learned
    from past recoveries, or the learned model's heat-pump rate at this
    outdoor temperature if that is slower (a colder night than the last
    recovery's); where the model says it cannot hold at all, the longest
    lead."""
    rate = t.recovery_rate_dF_h
    if t.outdoor_ok:
        model_rate_cF_h = t.model.rate_at(HEAT_PUMP, t.outdoor_dF)
        if model_rate_cF_h is not None:
            if model_rate_cF_h < _RECOVERY_RATE_MIN_DF_H * 10:
                return _RECOVERY_MAX_LEAD_MIN
            if model_rate_cF_h // 10 < rate:
                rate = model_rate_cF_h // 10
    return max(0, target_dF - t.indoor_dF) * 60 // rate

def learn_recovery(t):
    """Fold the recovery just ended into the learned rate: only heat-pump
    recoveries count (strips would flatter it), and only after 20 min."""
    elapsed_ms = t.timers.recovery.elapsed_ms
    if t.recovery_learned or t.recovery_strips or elapsed_ms < 1_200_000:
        return
    t.recovery_learned = True
    minutes = elapsed_ms // 60_000
    observed = (t.indoor_dF - t.recovery_from_dF) * 60 // minutes
    rate = (t.recovery_rate_dF_h + observed) // 2
    t.recovery_rate_dF_h = min(_RECOVERY_RATE_MAX_DF_H, max(_RECOVERY_RATE_MIN_DF_H, rate))

def apply_entry(t, entry):
    """The setpoints of a schedule entry; in auto the other setpoint yields."""
    if entry[2] != NO_SETPOINT:
        apply_heat_setpoint(t, entry[2])
    if entry[3] != NO_SETPOINT:
        t.cool_setpoint_dF = entry[3]
        if t.mode == AUTO and t.cool_setpoint_dF - t.heat_setpoint_dF < t.settings.auto_deadband_dF:
            t.heat_setpoint_dF = t.cool_setpoint_dF - t.settings.auto_deadband_dF

def apply_heat_setpoint(t, heat_dF):
    """A scheduled heat setpoint; in auto the cool one yields to keep the deadband."""
    t.heat_setpoint_dF = heat_dF
    if t.mode == AUTO and t.cool_setpoint_dF - heat_dF < t.settings.auto_deadband_dF:
        t.cool_setpoint_dF = heat_dF + t.settings.auto_deadband_dF
