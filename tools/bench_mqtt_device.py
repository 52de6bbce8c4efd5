"""The device measured by tools/bench_mqtt.py: the host thermostat's
control loop and its MQTT link, with how late each control tick ran.

Runs on CPython and unchanged on the MicroPython unix port::

    micropython tools/bench_mqtt_device.py '{"paths": [...], "options": {...}}'

``paths`` go first on ``sys.path`` (the umqtt.simple cache, tools/,
firmware/). ``options`` are device-option changes (checked as a board
checks them); without ``mqtt_host`` there is no link at all (the baseline).

The parts are :mod:`netdevice`'s (HostDevice, its resolver) and the
firmware's (:class:`app.mqtt.Link`, :class:`app.tasks.Supervisor`), started
as :func:`netdevice.main` starts them, except that the control task notes
how late each tick ran after its 1000 ms pause, and a probe task pausing
:data:`PROBE_MS` notes the worst lateness of the loop in between (a stall
the once-a-second tick happened not to meet). After each tick, one line::

    T <tick late us> <probe worst late us since the last line> <link's longest step ms since the last line, -1: no link> <connected 0/1> <connects>

The link's ``longest_step_ms`` is read and set back to 0 at each line, so
each line carries the longest step of that second. To say where a long step
went, each call of umqtt.simple's client (connect, subscribe, publish,
check_msg, ping) is timed, and one that took :data:`SLOW_CALL_MS` or more
prints::

    S <method> <us>

Runs until killed.
"""

import json
import sys

# The config comes in a file: the unix port aborts ("uncaught NLR") on a
# command-line argument of 256 bytes or more, which a long checkout path makes.
with open(sys.argv[1]) as config_file:
    config = json.loads(config_file.read())
for path in config["paths"]:
    sys.path.insert(0, path)

MICROPYTHON = sys.implementation.name == "micropython"
if not MICROPYTHON:
    import mqtt_host  # MicroPython's names (ticks_ms, sleep_ms, usocket...) on CPython

    mqtt_host.install_shims()

import asyncio  # noqa: E402
import time  # noqa: E402

import netdevice  # noqa: E402
from app import mqtt  # noqa: E402
from app.mqtt import Link  # noqa: E402
from app.tasks import Supervisor  # noqa: E402

from thermo.control import CONTROL_PERIOD_MS  # noqa: E402

PROBE_MS = 10
DEADLINE_MS = 3000
SLOW_CALL_MS = 10
TIMED_CALLS = ("connect", "subscribe", "publish", "check_msg", "ping")

if MICROPYTHON:
    def now_us():
        return time.ticks_us()

    def since_us(start):
        return time.ticks_diff(time.ticks_us(), start)
else:
    def now_us():
        return time.perf_counter_ns() // 1000

    def since_us(start):
        return time.perf_counter_ns() // 1000 - start


def _timed(name, method):
    def timed(*args, **kwargs):
        start = now_us()
        try:
            return method(*args, **kwargs)
        finally:
            took_us = since_us(start)
            if took_us >= SLOW_CALL_MS * 1000:
                print("S %s %d" % (name, took_us))

    return timed


def time_client_calls():
    client_class = mqtt.umqtt_simple.MQTTClient
    for name in TIMED_CALLS:
        setattr(client_class, name, _timed(name, getattr(client_class, name)))


class Bench:
    def __init__(self, options):
        self.device = netdevice.HostDevice(options)
        self.link = None
        if options["mqtt_host"] is not None:
            self.link = Link(self.device, options, resolve=netdevice.resolve, online=lambda: True)
        self.probe_late_us = 0

    async def control_task(self, task):
        device, link = self.device, self.link
        period_us = CONTROL_PERIOD_MS * 1000
        while True:
            device.control_tick()
            start = now_us()
            await task.pause(CONTROL_PERIOD_MS)
            late_us = since_us(start) - period_us
            if link is None:
                step_ms, connected, connects = -1, 0, 0
            else:
                step_ms, connected, connects = link.longest_step_ms, int(link.connected), link.connects
                link.longest_step_ms = 0
            print("T %d %d %d %d %d" % (late_us, self.probe_late_us, step_ms, connected, connects))
            self.probe_late_us = 0

    async def probe_task(self, task):
        period_us = PROBE_MS * 1000
        while True:
            start = now_us()
            await task.pause(PROBE_MS)
            late_us = since_us(start) - period_us
            if late_us > self.probe_late_us:
                self.probe_late_us = late_us


async def main():
    options = netdevice.options(config["options"])
    time_client_calls()
    bench = Bench(options)
    supervisor = Supervisor(netdevice.HostHardware(), netdevice.HostGuard())
    supervisor.spawn("control", DEADLINE_MS, bench.control_task)
    supervisor.spawn("probe", DEADLINE_MS, bench.probe_task)
    if bench.link is not None:
        supervisor.spawn("mqtt", DEADLINE_MS, bench.link.run)
    supervisor.spawn("supervisor", DEADLINE_MS, supervisor.feed)
    print("READY")
    while not supervisor.failed:
        await asyncio.sleep_ms(100)
    return 1


sys.exit(asyncio.run(main()))
