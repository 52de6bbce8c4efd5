"""Injected faults: mis-wiring and failing equipment, one switch each, for the detectors' tests.

Each fault is one small, physical deviation of the equipment or the house
from the reference (``docs/reference-house.md``); the controller is never
told. The thermostat's terminals (its relays) are the *outputs*; what the
equipment receives downstream of the wires is the *downstream* state; a
24 VAC sense input on a thermostat terminal (issue 13's optional
optocouplers) reads the wire at the thermostat: the ``sensed`` bitmask of
:class:`equipment.Flows`, which the loop hands to a controller that has a
``sense_reading(bits)`` method.

    ob_reversed          the reversing valve is energized the other way: the O/B terminal means the
                         opposite of the setting (heat mode's compressor cools, cool mode's heats),
                         same capacity and power (the reference document's wrong O/B polarity)
    valve_stuck_heat     the reversing valve stays in the heating position whatever O/B says
    valve_stuck_cool     the reversing valve stays in the cooling position whatever O/B says
                         (in heat mode the compressor cools; cool mode is normal)
    w2_open              the W2 wire is open: the strips (electric) or the furnace (dual fuel) never
                         run on W2; E alone still runs them, as a real air handler does
    y2_open              the Y2 wire is open: a two-stage unit stays on stage 1 (72 %); a single-stage
                         unit does not use Y2, so nothing changes there
    compressor_dead      the outdoor unit does nothing on Y1/Y2 (no heat, no cooling, no power: a failed
                         contactor or compressor); the indoor blower still runs on G
    compressor_trips     short cycling caused by equipment: the outdoor unit's safety (high-pressure or
                         overload switch: a dirty coil, a failing fan motor, a bad capacitor) opens after
                         6 min of each compressor run; then no heat, no cooling, no compressor power
                         while Y1 stays energized and the blower runs on G; it closes again after 10 min
                         open (auto-reset) and the compressor restarts if Y1 is still on, to trip again
                         6 min later; a Y1 drop resets the run timer
    low_charge           refrigerant loss: heat-pump capacity x 0.6 and COP x 0.8 (power x 0.75),
                         heating and cooling
    e_not_suppressing_y  the air handler does not inhibit Y on E and feeds the outdoor unit's Y1 from
                         E: whenever E is energized the compressor runs (valve per O/B) beside the
                         strips, and the Y1 wire carries 24 VAC, so a sense input on Y1 reads it on
                         while the thermostat's Y1 relay is open
    door_open            a window open from 12:00 to 13:00 every day: the envelope UA rises by
                         1,000 BTU/h·°F for that hour (a false-alarm test for the detectors)

A fault acts from ``start_s`` (seconds since the run's first step, 00:00 of
its first day) until ``end_s`` (None: to the end). On the command line,
``NAME@HH:MM`` starts it at that time of the *measured* day (after the
warm-up days); ``NAME`` alone acts from the run's start, warm-up included
(the house was installed that way). ``door_open`` opens the window in
each 12:00-13:00 hour while it is active.
"""

import re
from dataclasses import dataclass, replace

FAULTS = ("ob_reversed", "valve_stuck_heat", "valve_stuck_cool", "w2_open", "y2_open", "compressor_dead",
          "compressor_trips", "low_charge", "e_not_suppressing_y", "door_open")
VALVE_FAULTS = ("ob_reversed", "valve_stuck_heat", "valve_stuck_cool")  # one valve: at most one of these
HOUSE_FAULTS = ("door_open",)

DOOR_OPEN_UA_BTUH_F = 1000.0  # an open window or door: about 900 CFM of outdoor air
DOOR_OPEN_FROM_H = 12.0
DOOR_OPEN_UNTIL_H = 13.0

SECONDS_PER_DAY = 86400
_AT = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


class FaultError(ValueError):
    """A fault name, time or combination the simulator refuses; the message names it and what is allowed."""


@dataclass(frozen=True)
class Fault:
    name: str
    start_s: float = 0.0
    end_s: float = None

    def __post_init__(self):
        if self.name not in FAULTS:
            raise FaultError("fault: %r is not a fault (allowed: %s)" % (self.name, ", ".join(FAULTS)))
        if not self.start_s >= 0:
            raise FaultError("fault %s: start_s %r is below 0 (allowed: 0 or later)" % (self.name, self.start_s))
        if self.end_s is not None and not self.end_s > self.start_s:
            raise FaultError("fault %s: end_s %r is not after start_s %r" % (self.name, self.end_s, self.start_s))

    def active(self, t_s):
        return self.start_s <= t_s and (self.end_s is None or t_s < self.end_s)


def parse(spec, day_start_s=0):
    """A :class:`Fault` from ``NAME`` (from the run's start) or ``NAME@HH:MM`` (that time of the day
    starting at ``day_start_s``); a :class:`Fault` is returned as it is."""
    if isinstance(spec, Fault):
        return spec
    name, at, clock = str(spec).partition("@")
    if name not in FAULTS:
        raise FaultError("fault: %r is not a fault (allowed: %s)" % (name, ", ".join(FAULTS)))
    if not at:
        return Fault(name)
    match = _AT.match(clock)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise FaultError("fault %s: start %r is not a time of day HH:MM (allowed: 00:00 to 23:59)" % (name, clock))
    return Fault(name, day_start_s + int(match.group(1)) * 3600 + int(match.group(2)) * 60)


def check(specs, day_start_s=0):
    """The faults of ``specs`` (names, ``NAME@HH:MM`` or :class:`Fault`), checked whole:
    each name at most once, at most one of the valve faults (the unit has one valve)."""
    faults = tuple(parse(spec, day_start_s) for spec in specs or ())
    names = [fault.name for fault in faults]
    for name in names:
        if names.count(name) > 1:
            raise FaultError("fault %s: given twice (give each fault once)" % name)
    valves = [name for name in names if name in VALVE_FAULTS]
    if len(valves) > 1:
        raise FaultError("fault %s: the unit has one reversing valve (allowed: at most one of %s)" % (
            " with ".join(valves), ", ".join(VALVE_FAULTS)))
    return faults


def label(fault, day_start_s=0):
    """``NAME`` or ``NAME@HH:MM`` (the start on the day from ``day_start_s``; ``+Nd`` for a later day)."""
    if not fault.start_s:
        return fault.name
    since = int(fault.start_s - day_start_s)
    days, in_day = divmod(since, SECONDS_PER_DAY)
    text = "%s@%02d:%02d" % (fault.name, in_day // 3600, in_day // 60 % 60)
    return text + ("%+dd" % days if days else "")


def door_is_open(t_s):
    hour = (t_s / 3600.0) % 24.0
    return DOOR_OPEN_FROM_H <= hour < DOOR_OPEN_UNTIL_H


class Injector:
    """Applies the faults active at each step to the equipment (its ``faults``) and the house (its UA)."""

    def __init__(self, faults, house_params):
        self.faults = tuple(faults)
        self.closed = house_params
        self.open = replace(house_params, ua_btuh_f=house_params.ua_btuh_f + DOOR_OPEN_UA_BTUH_F)

    def __bool__(self):
        return bool(self.faults)

    def apply(self, t_s, equipment, house):
        active = [fault.name for fault in self.faults if fault.active(t_s)]
        equipment.faults = frozenset(name for name in active if name not in HOUSE_FAULTS)
        params = self.open if "door_open" in active and door_is_open(t_s) else self.closed
        if house.params is not params:
            house.set_params(params)
