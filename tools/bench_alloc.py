"""`alloc_bytes_in_measured_ticks`: the heap bytes the control core's tick
allocates, summed over a scripted run of steady states and transitions.

Runs on MicroPython only (``tools/bench.py`` runs it on the WebAssembly port
with the mpy-cross-compiled firmware; ``mpremote run tools/bench_alloc.py``
on a board with the firmware installed). It is a run of its own, apart from
``tools/bench_core.py``, because that script's own size is part of its
``heap_after_import_bytes``.

The figure is a total, not an average per tick: one allocation anywhere
shows, and the target is 0. A run that allocates names the phases that did.
"""

import gc
import sys

from thermo import terminals as T

TICK_MS = 5000
MASK = (1 << 30) - 1  # ticks_ms wraps at 2**30 on the 32-bit ports

# The allocation run: (what happens, the change made before its first tick:
# None or (Thermostat method, argument), indoor dF or None (no reading: the
# sensor goes stale), outdoor dF or None, ticks). Outdoor 30 °F lets the
# strips join (aux lockout above 35 °F). The wall clock starts on a Monday at
# 00:00 and runs with the ticks, as on a board with NTP.
ALLOC_PHASES = (
    ("boot, idle in heat", ("command", {"mode": "heat", "fan": "auto", "heat_setpoint_f": 70,
                                        "cool_setpoint_f": 76}), 705, 300, 80),
    ("steady idle", None, 705, 300, 10000),
    ("a heat call starts: Y1", None, 690, 300, 40),
    ("Y2 and W2 join on droop", None, 660, 300, 80),
    ("W2 leaves within droop/2", None, 686, 300, 80),
    ("steady heating", None, 686, 300, 10000),
    ("the call ends at setpoint", None, 705, 300, 80),
    ("indoor sensor stale: alert raised", None, None, 300, 40),
    ("indoor sensor back: alert cleared", None, 705, 300, 20),
    ("outdoor sensor stale: alert raised", None, 705, None, 40),
    ("outdoor sensor back: alert cleared", None, 705, 300, 20),
    ("mode cool by command: changeover, OB and a cool call", ("command", {"mode": "cool"}), 790, 300, 200),
    ("the cool call ends", None, 750, 300, 80),
    ("fan on by command", ("command", {"fan": "on"}), 750, 300, 20),
    ("fan circulate by command", ("command", {"fan": "circulate"}), 750, 300, 20),
    ("mode off by command: G off, OB back after the changeover delay", ("command", {"mode": "off", "fan": "auto"}),
     750, 300, 160),
    ("mode emergency by command: E and W2", ("command", {"mode": "emergency"}), 680, 300, 60),
    ("mode heat by command: E leaves", ("command", {"mode": "heat"}), 705, 300, 80),
    ("a schedule (Tuesday 05:18): setback, then smart recovery and the 07:00 entry",
     ("apply_settings", {"schedule": [{"days": "daily", "at": "00:00", "heat_setpoint_f": 62},
                                      {"days": "daily", "at": "07:00", "heat_setpoint_f": 70}]}), 640, 300, 1500),
)
# What the run must have seen, so that no transition is measured vacuously.
ALLOC_TERMINALS = T.Y1 | T.Y2 | T.W2 | T.G | T.OB | T.E
ALLOC_ALERTS = 3  # indoor_sensor and outdoor_sensor
MINUTES_PER_WEEK = 10080


def alloc_in_measured_ticks():
    """Heap bytes allocated inside ``Thermostat.tick`` over ALLOC_PHASES,
    summed (not averaged: a single allocation shows), with the collector
    disabled throughout; and the phases that allocated.

    Only the tick calls are measured: the commands, settings, readings and
    wall-clock minute fed before a tick are not counted (a command's dict or
    a settings check may allocate there). The run covers steady idle and
    heating and the transitions: a call starting and ending, Y2 and W2
    joining and leaving, a sensor going stale and coming back (an alert
    raised and cleared), mode and fan changes by command, emergency heat, a
    schedule entry and a smart recovery. It fails if one of them did not
    happen.
    """
    from thermo.control import Thermostat

    thermostat = Thermostat({"compressor_stages": 2}, 0)
    now_ms, elapsed_ms, total, allocating = 0, 0, 0, []
    rose = fell = raised = cleared = 0
    recovered = False
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    assert gc.mem_alloc() - before == 0, "gc.mem_alloc() itself allocates: the figure would mean nothing"
    for name, change, indoor_dF, outdoor_dF, ticks in ALLOC_PHASES:
        if change is not None:
            getattr(thermostat, change[0])(change[1])
        phase_total = 0
        for _ in range(ticks):
            now_ms = (now_ms + TICK_MS) & MASK
            elapsed_ms += TICK_MS
            if indoor_dF is not None:
                thermostat.indoor_reading(indoor_dF)
            if outdoor_dF is not None:
                thermostat.outdoor_reading(outdoor_dF)
            thermostat.set_wall_clock(elapsed_ms // 60000 % MINUTES_PER_WEEK)
            outputs, alerts = thermostat.outputs, thermostat.alerts
            before = gc.mem_alloc()
            thermostat.tick(now_ms)
            phase_total += gc.mem_alloc() - before
            rose |= thermostat.outputs & ~outputs
            fell |= outputs & ~thermostat.outputs
            raised |= thermostat.alerts & ~alerts
            cleared |= alerts & ~thermostat.alerts
            recovered = recovered or thermostat.recovering
        if phase_total:
            allocating.append("%s: %d" % (name, phase_total))
        total += phase_total
    gc.enable()
    assert rose & fell & ALLOC_TERMINALS == ALLOC_TERMINALS, "a terminal never switched both ways: %d %d" % (
        rose, fell)
    assert raised & cleared & ALLOC_ALERTS == ALLOC_ALERTS, "an alert was never raised and cleared"
    assert recovered and thermostat.heat_setpoint_dF == 700, "the schedule's recovery never ran"
    return total, allocating


def main():
    if sys.implementation.name != "micropython":
        sys.exit("bench_alloc: gc.mem_alloc() is MicroPython's; run it there")
    total, allocating = alloc_in_measured_ticks()
    ticks = 0
    for phase in ALLOC_PHASES:
        ticks += phase[4]
    print("alloc_bytes_in_measured_ticks: %d bytes (over %d ticks%s)" % (
        total, ticks, "; " + ", ".join(allocating) if allocating else ""))


main()
