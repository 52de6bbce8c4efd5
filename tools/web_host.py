"""A thermostat with its web page and JSON API and no board: the host
thermostat of :mod:`netdevice` (the firmware's core, fixed wired readings)
served by the firmware's own :class:`app.web.Web`, on CPython and unchanged
on the MicroPython unix port::

    python tools/web_host.py --web 127.0.0.1:8080 --seconds 60
    micropython tools/web_host.py --web 8080        # MICROPYPATH: firmware, tools, microdot, umqtt

The password comes from ``$THERMO_WEB_PASSWORD``, else
:data:`DEFAULT_PASSWORD` (a host is local only: only 127.0.0.1 and
localhost are served). ``--open-status`` lets status be read without a login.

Besides the control task (a tick every CONTROL_PERIOD_MS) and the web
server (each a supervised task, as on a board), a probe task pauses
:data:`PROBE_MS` and keeps the loop's worst lateness: the longest stall the
web server caused the control loop. Lines on stdout, for the tests and
``make bench`` (tools/bench_web.py)::

    web: http://127.0.0.1:8080/          once it listens
    stats: ticks N stall_ms M            every second (M: the worst lateness in that second)
    web host: stopped after N ticks, longest stall M ms     at the end

Also :func:`parse_web` (``--web`` checked: local hosts, a port) and
:func:`make_auth` (an :class:`app.auth.Auth` on a record kept in RAM),
used by ``make run`` (tools/run.py).
"""

import sys

if sys.implementation.name != "micropython":
    import mqtt_host  # MicroPython's names on CPython; netdevice imports app.mqtt, which needs umqtt.simple

    mqtt_host.setup()  # the umqtt.simple cache (fetched once) on sys.path, and the shims

import asyncio  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

import netdevice  # noqa: E402
from app.age import Age  # noqa: E402
from app.store import MAX_FILE_BYTES, Store  # noqa: E402
from app.tasks import Supervisor  # noqa: E402

DEFAULT_PORT = 8080
# Off a board only (make run, these tools): printed with the URL, documented in the README.
DEFAULT_PASSWORD = "thermostat"
PASSWORD_ENV = "THERMO_WEB_PASSWORD"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
WEB_DEADLINE_MS = 3000
PROBE_DEADLINE_MS = 3000
PROBE_MS = 10
REPORT_MS = 1000
READY_POLL_MS = 20


class MemoryFlash:
    """:class:`app.store.Flash` in RAM: the password's record lives as long as the process."""

    def __init__(self):
        self.files = {}

    def read(self, name, limit=MAX_FILE_BYTES):
        data = self.files.get(name)
        return None if data is None else data[:limit + 1]

    def write(self, name, data):
        self.files[name] = bytes(data)

    def rename(self, old, new):
        self.files[new] = self.files.pop(old)

    def remove(self, name):
        self.files.pop(name, None)


class BadWeb(ValueError):
    """``--web`` refused: the message says what is allowed."""


def parse_web(text, default_port=DEFAULT_PORT):
    """``PORT``, ``HOST:PORT`` or ``HOST`` -> (host, port); BadWeb otherwise.
    Only the local host: the simulator and these tools have a published
    default password."""
    text = text.strip()
    allowed = "(allowed: [HOST:]PORT, HOST 127.0.0.1 or localhost, PORT 1 to 65535)"
    if ":" in text:
        host, _, port = text.rpartition(":")
    elif text.isdigit():
        host, port = "127.0.0.1", text
    else:
        host, port = text, str(default_port)
    if not port.isdigit():
        raise BadWeb("%r is not [HOST:]PORT %s" % (text, allowed))
    number = int(port)
    if not 1 <= number <= 65535:
        raise BadWeb("port %d is out of range %s" % (number, allowed))
    host = host or "127.0.0.1"
    if host not in LOCAL_HOSTS:
        raise BadWeb("host %r is not served: only the local host, which nothing else can reach %s" % (host, allowed))
    return host, number


def password_from(given=None):
    """(password, whether it is the published default): ``given``, else ``$THERMO_WEB_PASSWORD``, else the default."""
    if given:
        return given, False
    text = os.getenv(PASSWORD_ENV)
    if text:
        return text, False
    return DEFAULT_PASSWORD, True


async def pause_ms(ms):
    await asyncio.sleep_ms(ms)


async def make_auth(password, pause=pause_ms):
    """An :class:`app.auth.Auth` on a record in RAM, with ``password`` set
    (SettingError naming ``password`` when it is not 8..64 bytes)."""
    from app.auth import Auth

    auth = Auth(Store("auth", MemoryFlash()))
    await auth.set_password(password, pause)
    return auth


def make_web(device, auth, options, pause=pause_ms):
    from app.web import Web

    return Web(device, auth, options, pause)


def web_options(base, open_status=False, port=DEFAULT_PORT):
    """Device options with the web's own: the firmware's defaults where it
    has them (app.device), else the board's (closed status, port 80)."""
    options = dict(base)
    options["web_open_status"] = bool(open_status)
    options["web_port"] = port
    return options


def listening(web):
    """Whether ``web.serve`` has its socket bound (the server object it keeps)."""
    return getattr(web, "server", None) is not None


class Probe:
    """The loop's worst lateness after a PROBE_MS pause (ms): how long the
    control loop was held by anything else (the web server). ``stall_ms``:
    since :meth:`taken`; ``longest_ms``: since the start."""

    def __init__(self):
        self.stall_ms = 0
        self.longest_ms = 0

    def taken(self):
        stall = self.stall_ms
        self.stall_ms = 0
        if stall > self.longest_ms:
            self.longest_ms = stall
        return stall

    async def run(self, task):
        while True:
            start = time.ticks_ms()
            await task.pause(PROBE_MS)
            late = time.ticks_diff(time.ticks_ms(), start) - PROBE_MS
            if late > self.stall_ms:
                self.stall_ms = late


async def main(host, port, password, seconds=None, open_status=False):
    """The host thermostat served on ``host:port`` until ``seconds`` have
    passed (None: for ever) or a task crashed. Returns 0, or 1 after a crash."""
    options = web_options(netdevice.options({}), open_status, port)
    device = netdevice.HostDevice(options)
    auth = await make_auth(password)
    web = make_web(device, auth, options)
    probe = Probe()
    supervisor = Supervisor(netdevice.HostHardware(), netdevice.HostGuard())
    supervisor.spawn("control", netdevice.CONTROL_DEADLINE_MS, device.control_task)
    supervisor.spawn("web", WEB_DEADLINE_MS, web.serve, host, port)
    supervisor.spawn("probe", PROBE_DEADLINE_MS, probe.run)
    supervisor.spawn("supervisor", netdevice.SUPERVISOR_DEADLINE_MS, supervisor.feed)
    running = Age(0)
    since_report = Age(0)
    limit_ms = None if seconds is None else int(seconds * 1000)
    announced = False
    while not supervisor.failed and (limit_ms is None or running.read() < limit_ms):
        await asyncio.sleep_ms(READY_POLL_MS)
        if not announced and listening(web):
            announced = True
            print("web: http://%s:%d/" % (host, port))
        if since_report.read() >= REPORT_MS:
            since_report.restart()
            print("stats: ticks %d stall_ms %d" % (device.ticks, probe.taken()))
    supervisor.cancel_all()
    print("stats: ticks %d stall_ms %d" % (device.ticks, probe.taken()))
    print("web host: %s after %d ticks, longest stall %d ms" % (
        "crashed" if supervisor.failed else "stopped", device.ticks, probe.longest_ms))
    return 1 if supervisor.failed else 0


USAGE = "usage: web_host.py [--web [HOST:]PORT] [--seconds N] [--open-status]"


def command_line(argv):
    """(host, port, seconds, open_status) from ``argv``; BadWeb with the usage otherwise."""
    host, port, seconds, open_status = "127.0.0.1", DEFAULT_PORT, None, False
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--open-status":
            open_status = True
        elif arg in ("--web", "--seconds") and args:
            value = args.pop(0)
            if arg == "--web":
                host, port = parse_web(value)
            else:
                try:
                    seconds = float(value)
                except ValueError:
                    raise BadWeb("--seconds: %r is not a number of seconds" % value) from None
        else:
            raise BadWeb("%r: unknown argument; %s" % (arg, USAGE))
    return host, port, seconds, open_status


def run(argv):
    try:
        host, port, seconds, open_status = command_line(argv)
    except BadWeb as exc:
        print("web_host: %s" % exc)
        return 2
    password, _default = password_from()
    return asyncio.run(main(host, port, password, seconds, open_status))


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
