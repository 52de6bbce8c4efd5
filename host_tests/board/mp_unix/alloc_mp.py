# Heap allocation of the whole board application's steady loop, on the
# MicroPython unix port (for tools/bench_app.py):
#
#   micropython alloc_mp.py FIRMWARE HOST_BOARD BOARDS WORKDIR [TICKS [WINDOWS [BOARD]]]
#
# The real boot.py and main.py run a board (BOARD: rpi_pico, the default,
# two DS18B20, the LED, three buttons, no Wi-Fi; rpi_pico_w, the same
# with Wi-Fi up and NTP answering; or esp32_devkitc, an SHT3x inside on
# I2C and a DS18B20 outside, no Wi-Fi configured) on the fakes and the
# virtual clock, as soak_mp.py does: every task of the board runs (control,
# both sensors, the supervisor, the LED, the buttons polled every 50 ms,
# and on the Pico W the clock task). Heat mode, 70 °F. After the loop has settled, two phases
# are measured, WINDOWS windows of TICKS control ticks each, the garbage
# collector off during each window: idle (72 °F inside) and steady heating
# (68 °F inside: Y1, G, and W2 once its 30-minute delay is over).
#
# The Pico W's wall clock: UTC-5 with US daylight saving, NTP synced a
# fraction of a second after boot; the world's UTC is set so that the
# spring change (2026-03-08 07:00 UTC: 02:00 EST becomes 03:00 EDT) falls in
# the middle of the first measured window, so the measured ticks read the
# wall clock across local hour changes and a daylight-saving change. At the
# end of every window the board's minute of the week is compared with the
# gmtime arithmetic on the world's UTC (wall_errors).
#
# gc.mem_alloc() is read at the start and the end of each window. What the
# fake sensor devices (fakes/ds18x20.py, fakes/machine.py's I2C) allocate
# is metered where it happens and taken out of the figure (they are the
# test's, not the board's: a real board has micropython-lib's ds18x20 and
# machine.I2C there); so is what the sensor drivers (board/sensors.py,
# board/sht3x.py) allocate, printed apart but left in the figure (they are
# the board's). So is the clock task's own work (app.clock.WallClock.keep: its hourly Wi-Fi check,
# DNS and NTP exchange, metered from each resumption to its next pause, so
# nothing another task does is in it); the rest is the application's loop,
# its scheduler and the fake pins and clock. The scheduler alone is
# measured too: the same waits, no work.
# The hourly write of the learned model (app.learning.Learning.save: the
# model as a list, its JSON record, the read-back that verifies it) is not a
# steady tick either: it is metered where it runs and taken out of the
# phase's bytes here, and printed apart (model_save=, model_saves=). The
# idle and heating phases each learn, so each has one write in its last
# window (an hour and two hours after boot).
# Prints "phase NAME key=value ..." lines and "scheduler_alone key=value ...".
import sys

FIRMWARE, HERE, BOARDS, WORKDIR = sys.argv[1:5]
sys.path[:0] = [FIRMWARE, HERE, HERE + "/mp_unix"]

import asyncio  # noqa: E402 -- before time is replaced (soak_mp.py says why)
import asyncio.core as core  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402

import vtime  # noqa: E402
from fakes import world as world_module  # noqa: E402

CONTROL_PERIOD_MS = 5000
WINDOW_TICKS = int(sys.argv[5]) if len(sys.argv) > 5 else 120  # control ticks per window
WINDOWS = int(sys.argv[6]) if len(sys.argv) > 6 else 6  # windows per phase
BOARD = sys.argv[7] if len(sys.argv) > 7 else "rpi_pico"
# BOARD+sense (a Pico's): the same board file with 24 VAC sense inputs on every relay and on R-C
# (app.sense's task runs), wired: each reads an optocoupler on 60 Hz while its relay is closed.
SENSE = BOARD.endswith("+sense")
BOARD = BOARD[:-len("+sense")] if SENSE else BOARD
SENSE_PINS = {"Y1": 10, "G": 11, "OB": 12, "W2": 16, "Y2": 17, "E": 18, "R": 19}
WIFI = BOARD == "rpi_pico_w"
UTC_OFFSET_MIN, DST_RULE = -300, "us"
DST_CHANGE_UTC_S = 1_772_953_200  # 2026-03-08 07:00 UTC
SETTLE_MS = 40 * 60_000  # after a change of conditions: W2's 30-minute delay is over
# Heating here never warms the house (the fake sensors read a fixed 68 °F,
# 2 °F below the setpoint), and the fault detectors (thermo.detect) rightly
# say so: heat_not_responding after two hours without a rise, and the parts
# they judge, each logged once as it is raised (a transition, not a steady
# tick). The heating windows start two hours later, with those
# alerts standing, so the windows measure the steady loop of a board with
# alerts up (the LED's alert blink included).
HEATING_SETTLE_MS = 120 * 60_000  # whole hours: the hourly model write still lands in a window
IDLE_C, HEATING_C, OUTDOOR_C = 22.25, 20.0, 0.0  # 72.05 °F, 68 °F, 32 °F

import json  # noqa: E402

world = world_module.World()
world_module.WORLD = world
for module_name in ("machine", "onewire", "ds18x20", "network", "ntptime", "socket"):
    sys.modules[module_name] = __import__("fakes." + module_name, None, None, [module_name])
sys.modules["time"] = vtime
core.ticks = lambda: (1 << 40) + world.now_ms
world.logged_pins = set()  # the fakes keep no logs: they would allocate
world.log_feeds = False
os.chdir(WORKDIR)

# The windows: (start_ms, end_ms, phase), in order. Each is opened and
# closed where the scheduler idles (below), never inside a task, with the
# collector run just before and off during it. A phase is several windows
# (the drivers' allocation over a whole phase would not fit the heap).
WINDOW_MS = WINDOW_TICKS * CONTROL_PERIOD_MS
windows = []
at = 60_000 + SETTLE_MS
for phase in ("idle", "heating"):
    for _ in range(WINDOWS):
        windows.append((at, at + WINDOW_MS, phase))
        at += WINDOW_MS + 1000
    at += SETTLE_MS + (HEATING_SETTLE_MS if phase == "idle" else 0)
HEAT_AT_MS = windows[WINDOWS - 1][1] + 1000
END_MS = windows[-1][1] + 1000
totals = {}  # phase -> [bytes in all, devices, drivers, windows, outputs, clock task, NTP answers,
#                   wall clock errors, daylight-saving changes, sensor readings]
current = [None, 0, None]  # the open window's phase, gc.mem_alloc() at its start, the local offset then

# Meters, in bytes, added to only while a window is open: the fake sensor
# devices, and the sensor drivers (board/sensors.py and board/sht3x.py, the
# devices' share included). The fake world's clock is not metered: it allocates nothing in
# a steady loop, and anything it did allocate would count against the app.
DEVICES = [0]
DRIVERS = [0]
READS = [0]  # the drivers' read() calls
CLOCK = [0, 0]  # the clock task's bytes; gc.mem_alloc() when it last resumed
SYNCS = [0]  # NTP answers taken by the wall clock
MODEL = [0, 0]  # the learned model's hourly writes: bytes, writes
RTC_SET = [None, None]  # the RTC's seconds at the last NTP answer, and world.now_ms then
measuring = [False]


def app():
    return sys.modules["app.runner"].current


def wall_clock_error():
    """1 if the board's minute of the week is not the gmtime arithmetic's
    for what its RTC reads, else 0 (outside the windows). The RTC reads the
    seconds it was set to at the last NTP answer, counted from that instant
    (the fake time.time() is the world's UTC, whose seconds do not start
    there)."""
    if not WIFI:
        return 0
    from app import wallclock

    if RTC_SET[1] is None:  # a firmware before set_utc (--firmware): its clock reads time.time() itself
        rtc_s = vtime.time()
    else:
        rtc_s = RTC_SET[0] + (world.now_ms - RTC_SET[1]) // 1000
    expected = wallclock.minute_of_week(rtc_s, UTC_OFFSET_MIN, DST_RULE)
    return 0 if app().wallclock.minute() == expected else 1


def local_offset():
    return getattr(app().wallclock, "offset_min", None) if WIFI else None  # None: a firmware before it


def wait_io_event(self, dt):
    if dt < 0:
        raise RuntimeError("every task waits for I/O that never comes")
    now = world.now_ms
    if measuring[0] and now >= windows[0][1]:
        used = gc.mem_alloc() - current[1]
        measuring[0] = False
        total = totals.setdefault(current[0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        total[0] += used - MODEL[0]
        total[10] += MODEL[0]
        total[11] += MODEL[1]
        total[1] += DEVICES[0]
        total[2] += DRIVERS[0]
        total[3] += 1
        total[4] = app().thermostat.outputs
        total[5] += CLOCK[0]
        total[6] += SYNCS[0]
        total[7] += wall_clock_error()
        total[8] += local_offset() != current[2]
        total[9] += READS[0]
        windows.pop(0)
        gc.enable()
    if not measuring[0] and windows and now >= windows[0][0]:
        current[2] = local_offset()
        gc.collect()
        gc.disable()
        DEVICES[0] = DRIVERS[0] = READS[0] = CLOCK[0] = SYNCS[0] = MODEL[0] = MODEL[1] = 0
        current[0] = windows[0][2]
        current[1] = gc.mem_alloc()
        measuring[0] = True
    world.advance(dt)


core.IOQueue.wait_io_event = wait_io_event


def metered(function, meter, arguments):
    """``function`` (a method of one to three arguments, self included), its
    allocation added to ``meter`` (the wrapper itself allocates nothing: no
    *args tuple)."""
    if arguments == 1:
        def wrapper(self):
            if not measuring[0]:
                return function(self)
            before = gc.mem_alloc()
            result = function(self)
            meter[0] += gc.mem_alloc() - before
            return result
    elif arguments == 2:
        def wrapper(self, argument):
            if not measuring[0]:
                return function(self, argument)
            before = gc.mem_alloc()
            result = function(self, argument)
            meter[0] += gc.mem_alloc() - before
            return result
    else:
        def wrapper(self, first, second):
            if not measuring[0]:
                return function(self, first, second)
            before = gc.mem_alloc()
            result = function(self, first, second)
            meter[0] += gc.mem_alloc() - before
            return result
    return wrapper


def meter_methods(cls, methods, meter):
    for method, arguments in methods:
        setattr(cls, method, metered(getattr(cls, method), meter, arguments))


from fakes import ds18x20 as fake_ds18x20  # noqa: E402
from fakes import machine as fake_machine  # noqa: E402

meter_methods(fake_ds18x20.DS18X20, (("convert_temp", 1), ("read_scratch", 2), ("read_temp", 2), ("scan", 1)), DEVICES)
meter_methods(fake_machine.I2C, (("writeto", 3), ("readfrom_into", 3)), DEVICES)
from board import sensors  # noqa: E402 -- main.py's import finds it patched


def counted(function):
    def wrapper(self):
        if measuring[0]:
            READS[0] += 1
        return function(self)
    return wrapper


for driver in (sensors.DS18B20, sensors.SHT3xSensor):
    meter_methods(driver, (("start", 1), ("read", 1)), DRIVERS)
    driver.read = counted(driver.read)


def clock_resumed():
    CLOCK[1] = gc.mem_alloc()


def clock_paused():
    if measuring[0]:
        CLOCK[0] += gc.mem_alloc() - CLOCK[1]


class MeteredTask:
    """The clock task's Task as WallClock.keep sees it: its pause (also
    handed to board.net for every network wait) stops the meter while the
    task waits, so the meter holds the task's own work only. (A window opens
    and closes only where every task waits: a stretch of work is either
    wholly in a window or wholly outside.)"""

    def __init__(self, task):
        self.task = task

    async def pause(self, ms):
        clock_paused()
        await self.task.pause(ms)
        clock_resumed()


from app import clock as clock_module  # noqa: E402 -- main.py's import finds it patched

keep = clock_module.WallClock.keep
set_utc = getattr(clock_module.WallClock, "set_utc", None)  # None: a firmware before it (--firmware)


async def metered_keep(self, task):
    clock_resumed()
    await keep(self, MeteredTask(task))


def counted_set_utc(self, t):
    if measuring[0]:
        SYNCS[0] += 1
    RTC_SET[0] = vtime.time()  # what set_utc is given, as gmtime (keep: the RTC just set)
    RTC_SET[1] = world.now_ms
    set_utc(self, t)


clock_module.WallClock.keep = metered_keep
if set_utc is not None:
    clock_module.WallClock.set_utc = counted_set_utc

try:
    from app import learning as learning_module  # noqa: E402 -- main.py's import finds it patched
except ImportError:  # a firmware before it (--firmware)
    learning_module = None

if learning_module is not None:
    save_model = learning_module.Learning.save

    def metered_save_model(self, thermostat, stamp):
        if not measuring[0]:
            return save_model(self, thermostat, stamp)
        before = gc.mem_alloc()
        save_model(self, thermostat, stamp)
        MODEL[0] += gc.mem_alloc() - before
        MODEL[1] += 1

    learning_module.Learning.save = metered_save_model

from app.store import encode  # noqa: E402

with open(BOARDS + "/" + BOARD + ".json") as f:
    board_text = f.read()
if SENSE:
    from fakes.machine import Opto

    sensed_board = json.loads(board_text)
    sensed_board["sense"] = SENSE_PINS
    board_text = json.dumps(sensed_board)
    for term, sense_pin in SENSE_PINS.items():
        relay_pin = sensed_board["terminals"].get(term)  # active-low relays: closed at level 0
        world.inputs[sense_pin] = Opto(True if relay_pin is None else
                                       (lambda _now, pin=relay_pin: world.levels.get(pin, 1) == 0))
with open("board.json", "w") as f:
    f.write(board_text)
if WIFI:
    with open("config.import.json", "w") as f:
        f.write('{"settings": {}, "device": {"wifi_ssid": "home", "wifi_password": "secret", '
                '"utc_offset_min": %d, "dst": "%s"}}' % (UTC_OFFSET_MIN, DST_RULE))
    world.wifi_ok = True
    world.ntp_ok = True
    # The daylight-saving change in the middle of the first window.
    world.utc_at_zero_s = DST_CHANGE_UTC_S - (windows[0][0] + WINDOW_MS // 2) // 1000
with open("state.json", "wb") as f:
    f.write(encode(1, {"mode": "heat", "fan": "auto", "heat_setpoint_dF": 700, "cool_setpoint_dF": 760,
                       "start_ages_ms": []}))

def place_sensor(role, celsius):
    """The board file's sensor for ``role`` reads ``celsius`` (an SHT3x: 45 %RH)."""
    board = json.loads(board_text)
    spec = board["sensors"][role]
    if spec["type"] == "sht3x":
        world.i2c[(board["i2c"][spec["bus"]]["id"], spec["address"])] = (celsius, 45.0)
    else:
        world.onewire[board["onewire"][spec["bus"]]] = celsius


place_sensor("indoor", IDLE_C)
place_sensor("outdoor", OUTDOOR_C)
world.at(HEAT_AT_MS, lambda: place_sensor("indoor", HEATING_C))
world.halt_at_ms = END_MS


def run_file(path):
    with open(path) as f:
        source = f.read()
    exec(source, {"__name__": "__main__"})


try:
    run_file(FIRMWARE + "/boot.py")
    run_file(FIRMWARE + "/main.py")
except world_module.Halt:
    pass

# The scheduler alone: the same waits as the board's tasks, with no work.
SCHEDULER = [0]


async def waiter(period_ms):
    while True:
        await asyncio.sleep_ms(period_ms)


async def scheduler_only():
    for period_ms in (CONTROL_PERIOD_MS, 750, 4250, 750, 4250, 1000, 1000, 50):
        asyncio.create_task(waiter(period_ms))
    await asyncio.sleep_ms(10_000)
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    await asyncio.sleep_ms(WINDOW_MS)
    SCHEDULER[0] = gc.mem_alloc() - before
    gc.enable()


world.stopped = False
world.wdt_timeout_ms = None
world.halt_at_ms = None
world.events = []
measuring[0] = False
asyncio.new_event_loop()
asyncio.run(scheduler_only())

for phase in ("idle", "heating"):
    (used, devices, drivers, count, outputs, clock_bytes, syncs, wall_errors, dst_changes, reads, model_bytes,
     model_saves) = totals[phase]
    print("phase %s sense_windows=%d sense_alerts=%d ticks=%d outputs=%d bytes=%d drivers=%d reads=%d devices=%d clock=%d syncs=%d synced=%d "
          "wall_errors=%d dst_changes=%d model_save=%d model_saves=%d" % (
              phase, app().sense.windows if app().sense else 0,
              len(app().sense.raised()) if app().sense else 0, count * WINDOW_TICKS, outputs, used, drivers, reads, devices, clock_bytes, syncs,
              1 if WIFI and app().wallclock.synced else 0, wall_errors, dst_changes, model_bytes, model_saves))
print("scheduler_alone ticks=%d bytes=%d" % (WINDOW_TICKS, SCHEDULER[0]))
