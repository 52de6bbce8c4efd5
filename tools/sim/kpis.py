"""The figures of docs/reference-house.md, each by its definition, on plain series.

Every function takes lists sampled once per step of ``dt_s`` seconds: a
temperature is the value at the start of the step, a power or a terminal
state holds over the step. So each can be checked on a hand-made series.

Definitions and the choices made where the document leaves room:
- ``discomfort_degf_h``: ∫ max(0, |air - setpoint| - 1 °F) dt over occupied
  time: the degree-hours *beyond* the 1 °F band (a house sitting 1.5 °F low
  for an hour scores 0.5).
- ``unavoidable_aux_kwh`` and ``ideal_kwh`` use the steady-state load of the
  house held at the setpoint, UA × (setpoint - outdoor) - gains (the mass
  node in equilibrium), step by step, clipped at zero.
  ``unavoidable_aux_kwh`` holds the run's own active setpoint; ``ideal_kwh``
  always the constant schedule's 70 °F (a setback run reports the constant
  schedule's ideal, as the document says).
- Starts and runs are those of Y1 (the compressor). A run going on at the
  start (from the warm-up day) or at the end of the measured day has no known
  length and is never a short cycle.
- Strip starts and runs are those of W2. ``short_strip_runs`` counts the
  finished runs shorter than 3 min (issue 10's target) that no safety rule
  ended: the controller's reason for W2 at the step it went off, if one of
  ``SAFETY_STOPS``, excuses the run (the contract lets those rules cut
  ``aux_min_on_s``); a run at either edge of the measured span is excused as
  for Y1.
  ``max_starts_in_an_hour``: the most starts in any window [s, s + 60 min)
  that begins at a start.
"""

from .equipment import (
    BLOWER_KW,
    STAGE1_CAPACITY,
    STAGE1_COP,
    heating_capacity_btuh,
    heating_cop,
)
from .house import BTU_PER_KWH, REFERENCE

HOUR_S = 3600.0
BAND_F = 1.0

# name -> unit, in the order simulate.py prints them
UNITS = {
    "energy_kwh": "kWh",
    "gas_kwh": "kWh",
    "aux_kwh": "kWh",
    "unavoidable_aux_kwh": "kWh",
    "ideal_kwh": "kWh",
    "discomfort_degf_h": "degF·h",
    "starts_per_h": "1/h",
    "max_starts_in_an_hour": "starts",
    "short_cycles": "runs",
    "strip_starts": "starts",
    "max_strip_starts_in_an_hour": "starts",
    "short_strip_runs": "runs",
    "short_cycle_alert_minutes": "min",
    "min_indoor_f": "degF",
    "max_indoor_f": "degF",
    "indoor_at_0630_f": "degF",
    "recovery_aux_kwh": "kWh",
}


def integrate_kwh(power_kw, dt_s):
    return sum(power_kw) * dt_s / HOUR_S


def discomfort_degf_h(indoor_f, setpoint_f, occupied, dt_s):
    total = 0.0
    for air, setpoint, occ in zip(indoor_f, setpoint_f, occupied, strict=True):
        if occ:
            total += max(0.0, abs(air - setpoint) - BAND_F)
    return total * dt_s / HOUR_S


def runs(on, dt_s, was_on=False):
    """[(start_s, length_s, completed)] of every run of a boolean series; a run
    already going when the series begins (``was_on``) is incomplete too."""
    result, start = [], None
    for index, value in enumerate(on):
        if value and start is None:
            start = index
        elif not value and start is not None:
            result.append((start * dt_s, (index - start) * dt_s, not (start == 0 and was_on)))
            start = None
    if start is not None:
        result.append((start * dt_s, (len(on) - start) * dt_s, False))
    return result


def start_times_s(on, dt_s, was_on=False):
    """Times of every off→on edge (a series that begins on counts only if it was off before)."""
    times, previous = [], was_on
    for index, value in enumerate(on):
        if value and not previous:
            times.append(index * dt_s)
        previous = value
    return times


def max_starts_in_an_hour(starts_s):
    best, first = 0, 0
    for last in range(len(starts_s)):
        while starts_s[last] - starts_s[first] >= HOUR_S:
            first += 1
        best = max(best, last - first + 1)
    return best


def short_cycles(run_list, min_on_s):
    return sum(1 for _, length, done in run_list if done and length < min_on_s)


# The firmware's reason codes (thermo.reasons) of the rules that may end a strip run at once.
SAFETY_STOPS = frozenset({"aux_lockout", "indoor_sensor", "mode_off", "rewiring", "cooling", "outdoor_lockout",
                          "emergency", "no_backup", "not_emergency"})
STRIP_MIN_RUN_S = 180.0


def short_strip_runs(on, off_reasons, dt_s, was_on=False, min_s=STRIP_MIN_RUN_S):
    """Finished runs of ``on`` shorter than ``min_s`` whose end no safety rule
    forced; ``off_reasons[i]`` is the controller's reason at step i (read
    where the run went off, the step after its last on step)."""
    count = 0
    for start_s, length_s, done in runs(on, dt_s, was_on):
        end = int(round((start_s + length_s) / dt_s))
        if done and length_s < min_s and off_reasons[end] not in SAFETY_STOPS:
            count += 1
    return count


def minutes_on(flags, dt_s):
    """Minutes a boolean series is true."""
    return sum(1 for flag in flags if flag) * dt_s / 60.0


def load_btuh(setpoint_f, outdoor_f, gains, params=REFERENCE):
    """Steady-state heat the house needs to stay at ``setpoint_f``."""
    return max(0.0, params.ua_btuh_f * (setpoint_f - outdoor_f) - gains)


def unavoidable_aux_kwh(setpoint_f, outdoor_f, gains, dt_s, params=REFERENCE):
    """Heat beyond the heat pump's full steady capacity, at COP 1 (strips)."""
    total_btu_h = 0.0
    for setpoint, outdoor, gain in zip(setpoint_f, outdoor_f, gains, strict=True):
        total_btu_h += max(0.0, load_btuh(setpoint, outdoor, gain, params) - heating_capacity_btuh(outdoor))
    return total_btu_h / BTU_PER_KWH * dt_s / HOUR_S


def ideal_kw(load, outdoor_f, stages=1):
    """Electric power holding a steady load: heat pump at steady COP up to its
    capacity (a two-stage unit uses stage 1 alone while it suffices, then
    shares time between the stages), strips for the rest; the blower for the
    fraction of time the heat pump runs, all the time once strips are needed."""
    if load <= 0.0:
        return 0.0
    capacity = heating_capacity_btuh(outdoor_f)
    full_kw = capacity / heating_cop(outdoor_f) / BTU_PER_KWH
    if load >= capacity:
        return full_kw + (load - capacity) / BTU_PER_KWH + BLOWER_KW
    if stages == 2:
        low = capacity * STAGE1_CAPACITY
        low_kw = full_kw * STAGE1_CAPACITY / STAGE1_COP
        if load <= low:
            return load / low * (low_kw + BLOWER_KW)
        share = (load - low) / (capacity - low)  # time at stage 2, the rest at stage 1
        return share * full_kw + (1.0 - share) * low_kw + BLOWER_KW
    return load / capacity * (full_kw + BLOWER_KW)


def ideal_kwh(setpoint_f, outdoor_f, gains, dt_s, stages=1, params=REFERENCE):
    total_kw = 0.0
    for setpoint, outdoor, gain in zip(setpoint_f, outdoor_f, gains, strict=True):
        total_kw += ideal_kw(load_btuh(setpoint, outdoor, gain, params), outdoor, stages)
    return total_kw * dt_s / HOUR_S


def value_at(series, dt_s, t_s):
    return series[min(len(series) - 1, int(round(t_s / dt_s)))]


def window_kwh(power_kw, dt_s, start_s, end_s):
    first, last = int(round(start_s / dt_s)), int(round(end_s / dt_s))
    return sum(power_kw[first:last]) * dt_s / HOUR_S
