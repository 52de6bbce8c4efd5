"""Footprint and speed of the control core, printed as ``name: value unit``.

Runs on MicroPython (``tools/bench.py`` runs it on the WebAssembly port with
the mpy-cross-compiled firmware; ``mpremote run tools/bench_core.py`` runs it
on a board with the firmware installed) and on CPython, where only the tick
time means anything and only ``tick_us_cpython`` is printed.

The workload is integer-only and deterministic: a crude house whose indoor
temperature follows the outputs, a daily outdoor swing, and a weekly round
of modes, fan modes, setpoint changes and sensor dropouts (tick time, heap
growth over 30 days). The allocation figure comes from
``tools/bench_alloc.py``, a separate run, so that its scripted transitions
do not weigh on this script's heap figures.
"""

import gc
import sys

try:
    import asyncio
except ImportError:  # a board without asyncio frozen in
    asyncio = None

from thermo import terminals as T

MICROPYTHON = sys.implementation.name == "micropython"
TICK_MS = 5000
BATCH = 96  # ticks timed together; the house step is included in each batch
TICKS_PER_DAY = 86400000 // TICK_MS
MASK = (1 << 30) - 1
WEEK = (("heat", "auto"), ("heat", "on"), ("auto", "circulate"), ("cool", "auto"),
        ("heat", "circulate"), ("off", "on"), ("emergency", "auto"))

if MICROPYTHON:
    import time

    def now_us():
        return time.ticks_us()

    def elapsed_us(start):
        return time.ticks_diff(time.ticks_us(), start)
else:
    import time

    def now_us():
        return time.perf_counter_ns()

    def elapsed_us(start):
        return (time.perf_counter_ns() - start) // 1000


async def settled_heap():
    """gc.mem_alloc() after a full collection: the lowest of three, each
    followed by a short sleep (the WebAssembly port collects only once
    control returns to its event loop, and its conservative collector can
    keep one stale object alive for a while; real growth stays in all three)."""
    lowest = None
    for _ in range(3):
        gc.collect()
        await asyncio.sleep_ms(5)
        gc.collect()
        await asyncio.sleep_ms(5)
        used = gc.mem_alloc()
        lowest = used if lowest is None or used < lowest else lowest
    return lowest


class House:
    """Indoor temperature in thousandths of a tenth of a degree, driven by the
    outputs; outdoor swings between 20 and 60 °F over a day."""

    def __init__(self):
        self.indoor_m = 680_000
        self.outdoor_dF = 400

    def step(self, outputs, tick_of_day):
        quarter = TICKS_PER_DAY // 4
        phase = tick_of_day % TICKS_PER_DAY
        swing = phase if phase < 2 * quarter else 4 * quarter - phase
        self.outdoor_dF = 200 + swing * 400 // (2 * quarter)
        indoor_dF = self.indoor_m // 1000
        self.indoor_m += (self.outdoor_dF - indoor_dF) * 6
        if outputs & T.Y1:
            cooling = bool(outputs & T.OB)
            gain = 900 if outputs & T.Y2 else 600
            self.indoor_m += -gain if cooling else gain
        if outputs & (T.W2 | T.E):
            self.indoor_m += 700

    def indoor_dF(self):
        return self.indoor_m // 1000


def run_day(thermostat, house, day, now_ms, timings=None):
    mode, fan = WEEK[day % 7]
    heat_sp = 680 if day % 2 else 700
    try:
        thermostat.command({"mode": mode, "fan": fan, "heat_setpoint_f": heat_sp // 10,
                            "cool_setpoint_f": 76})
    except ValueError:
        pass
    dropout_start = TICKS_PER_DAY // 2 if day % 5 == 3 else -1
    batch_start = now_us()
    for index in range(TICKS_PER_DAY):
        now_ms = (now_ms + TICK_MS) & MASK
        if not 0 <= index - dropout_start < 60:
            thermostat.indoor_reading(house.indoor_dF())
        thermostat.outdoor_reading(house.outdoor_dF)
        if timings is not None and index % BATCH == 0:
            timings.append(elapsed_us(batch_start) if index else 0)
            batch_start = now_us()
        thermostat.tick(now_ms)
        house.step(thermostat.outputs, index)
    return now_ms


def median_tick_us():
    """Median over a simulated week of the time per tick in batches of
    BATCH ticks (the WebAssembly port's ticks_us is too coarse for one)."""
    from thermo.control import Thermostat

    thermostat, house, timings = Thermostat({"compressor_stages": 2}, 0), House(), []
    now_ms = 0
    for day in range(7):
        now_ms = run_day(thermostat, house, day, now_ms, timings)
    timings = [batch for batch in timings if batch]
    timings.sort()
    return timings[len(timings) // 2] / BATCH


async def micropython_figures():
    print("heap_before_import_bytes: %d bytes" % await settled_heap())
    from thermo import control, decide, gate, recovery, schedule, schema, terminals, ticks  # noqa: F401

    control.Thermostat()
    print("heap_after_import_bytes: %d bytes" % await settled_heap())
    print("tick_us_micropython: %.1f us" % median_tick_us())
    thermostat, house, now_ms = control.Thermostat({"compressor_stages": 2}, 0), House(), 0
    now_ms = run_day(thermostat, house, 0, now_ms)
    after_day_1 = await settled_heap()
    for day in range(1, 30):
        now_ms = run_day(thermostat, house, day, now_ms)
    after_day_30 = await settled_heap()
    print("heap_growth_30d_bytes: %d bytes" % (after_day_30 - after_day_1))


if __name__ == "__main__":
    if MICROPYTHON:
        asyncio.run(micropython_figures())
    else:
        print("tick_us_cpython: %.1f us" % median_tick_us())
