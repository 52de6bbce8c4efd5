"""A thermostat with its MQTT link and no board: the firmware's core, its
readings, usage and report, fixed wired readings, and :class:`app.mqtt.Link`.

Runs on CPython (``tools/mqtt_host.py`` puts umqtt.simple and MicroPython's
names in place first) and unchanged on the MicroPython unix port
(``host_tests/net/mqtt_mp.py``), so the same link is tested on both against
a real broker. It keeps to what both have: no CPython-only module.

:class:`HostDevice` is the ``device`` the link is given (the board's is
``app.runner.App``): the core :class:`thermo.control.Thermostat`, the
:class:`app.readings.Readings` it is fed from, :class:`app.usage.Usage`,
:class:`app.report.Report`, ``board`` and ``options``, and ``command()``,
which applies a user command whole and ticks at once, as the board does.

:func:`main` runs the control loop (readings, tick, usage, every
:data:`thermo.control.CONTROL_PERIOD_MS`) and the link as supervised tasks
(:class:`app.tasks.Supervisor`: each waits only through its
:meth:`app.tasks.Task.pause`), until ``seconds`` have passed or a task
crashed.
"""

import asyncio
import socket

from app import config
from app import device as device_options
from app.age import Age
from app.console import log
from app.mqtt import Link
from app.readings import Readings
from app.report import Report
from app.tasks import Supervisor
from app.usage import Usage
from app.vclock import ControlClock

from thermo.control import CONTROL_PERIOD_MS, Thermostat

HOST_DEVICE_ID = "hpt_host"  # a host has no chip id
CONTROL_DEADLINE_MS = 3000
LINK_DEADLINE_MS = 3000
SUPERVISOR_DEADLINE_MS = 3000
STOP_POLL_MS = 100


def options(changes):
    """Device options: the defaults with ``changes``, checked as the board
    checks its settings.json (SettingError naming the field otherwise)."""
    result = device_options.validate(changes)
    if result.get("device_id") is None:
        result["device_id"] = HOST_DEVICE_ID
    return result


async def resolve(host, task):
    """The IPv4 address of ``host`` as text, or None (the link retries).
    The host's own lookup, which may block: fine off a board."""
    try:
        found = socket.getaddrinfo(host, 0, socket.AF_INET)
    except (OSError, IndexError):
        return None
    for entry in found:
        address = entry[-1]
        if isinstance(address, tuple):  # CPython: (ip, port)
            return address[0]
        if len(address) >= 8:  # MicroPython unix: a struct sockaddr_in
            return socket.inet_ntop(socket.AF_INET, bytes(address[4:8]))
    return None


class HostRelays:
    def all_off(self):
        pass


class HostHardware:
    """What the supervisor drives on a board: nothing here."""

    def __init__(self):
        self.relays = HostRelays()

    def feed_watchdog(self):
        pass


class HostGuard:
    """The boot guard's part the supervisor uses: a crash is only logged."""

    def __init__(self):
        self.crash = None

    def crashed(self, text):
        self.crash = text

    def stable(self):
        pass


class HostDevice:
    """The link's ``device`` on a host: the firmware's parts and fixed wired
    readings (tenths of °F; None: that sensor is missing). A role whose
    device option ``<role>_topic`` is set is read from the network instead,
    and its wired value is never fed."""

    def __init__(self, options, settings=None, indoor_dF=680, outdoor_dF=300):
        self.options = options
        self.settings = dict(settings or {})  # the installer settings given, as a settings file holds them
        self.board = {"name": "host"}
        self.clock = ControlClock(1)
        self.thermostat = Thermostat(settings, self.clock.read())
        self.readings = Readings()
        self.usage = Usage(options["strip_watts"])
        self.report = Report()
        self.wired = {"indoor": indoor_dF, "outdoor": outdoor_dF}
        for role in self.wired:
            if options.get(role + "_topic") is not None:
                self.wired[role] = None
                self.readings.sources[role] = "mqtt"
        self.ticks = 0

    # app.commission.start: this device advances the test itself, a control period after each tick
    ticks_commission = True

    def command(self, changes):
        """A user command applied whole (or SettingError, nothing changed), acted on at once."""
        self.thermostat.command(changes)
        self.control_tick()

    def save_settings(self, settings=None, options=None):
        """Change installer settings and/or device options as the board's
        App does (app.files.Files.change_settings), in RAM: the settings
        given so far and the options with these changes, checked whole
        (app.config.check, then the core against the user's mode and
        setpoints), then applied, and the core ticks at once. Refused
        (SettingError): nothing changes."""
        merged_settings = dict(self.settings)
        merged_settings.update(settings or {})
        merged_options = dict(self.options)
        merged_options.update(options or {})
        new_settings, new_options = config.check({"settings": merged_settings, "device": merged_options})
        self.thermostat.check_settings(new_settings)
        self.thermostat.apply_settings(new_settings)
        self.settings = new_settings
        self.options = new_options
        self.control_tick()

    def control_tick(self):
        """One control tick, as the board's (app.runner.App.control_tick) without relays or files."""
        th = self.thermostat
        readings = self.readings
        for role in self.wired:
            value = self.wired[role]
            if value is not None:
                readings.take(role, value, None)
        th.indoor_reading(readings.reading("indoor"))
        th.outdoor_reading(readings.reading("outdoor"))
        now = self.clock.read()
        outputs = th.tick(now)
        self.report.tick(th, outputs)
        self.usage.tick(now, outputs)
        self.ticks += 1
        self.advance_commission()
        return outputs

    def advance_commission(self):
        from app import commission

        test = commission.current
        if test is not None and test.running and test.th is self.thermostat:  # its own test only
            test.advance(CONTROL_PERIOD_MS)

    async def control_task(self, task):
        while True:
            self.control_tick()
            await task.pause(CONTROL_PERIOD_MS)


async def main(options, settings=None, seconds=None, indoor_dF=680, outdoor_dF=300):
    """Run a :class:`HostDevice` and its link until ``seconds`` have passed
    (None: for ever) or a task crashed. Returns 0, or 1 after a crash."""
    device = HostDevice(options, settings, indoor_dF, outdoor_dF)
    supervisor = Supervisor(HostHardware(), HostGuard())
    link = Link(device, options, resolve=resolve, online=lambda: True)
    log("host thermostat %s: broker %s port %d" % (options["device_id"], options["mqtt_host"], options["mqtt_port"]))
    supervisor.spawn("control", CONTROL_DEADLINE_MS, device.control_task)
    supervisor.spawn("mqtt", LINK_DEADLINE_MS, link.run)
    supervisor.spawn("supervisor", SUPERVISOR_DEADLINE_MS, supervisor.feed)
    running = Age(0)
    limit_ms = None if seconds is None else int(seconds * 1000)
    while not supervisor.failed and (limit_ms is None or running.read() < limit_ms):
        await asyncio.sleep_ms(STOP_POLL_MS)
    supervisor.cancel_all()
    log("host thermostat: %s after %d ticks; mqtt: %d connects, longest step %d ms, last error %s" % (
        "crashed" if supervisor.failed else "stopped", device.ticks, link.connects, link.longest_step_ms,
        link.last_error or "none"))
    return 1 if supervisor.failed else 0
