"""The web core under test: a :class:`netdevice.HostDevice` served by the
firmware's :class:`app.web.Web` through microdot's own test client (no
socket), on a fake ``ticks_ms`` that starts a minute before its 2**30 wrap.

A plain module (not a conftest.py: the top-level tests import ``conftest``
by name). Each test runs its requests with :func:`run`.
"""

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT / "tools", ROOT / "firmware"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import mqtt_host  # noqa: E402  (MicroPython's names on CPython; netdevice imports app.mqtt)

mqtt_host.setup()

import netdevice  # noqa: E402
from app import age  # noqa: E402
from app.auth import Auth  # noqa: E402
from app.store import Store  # noqa: E402
from app.web import Web  # noqa: E402
from microdot.test_client import TestClient  # noqa: E402
from web_host import MemoryFlash  # noqa: E402,F401  (app.store.Flash in RAM; the tests import it from here)

PASSWORD = "correct horse"
WIFI_PASSWORD = "wifi-secret-42"
MASK = (1 << 30) - 1
HOUR_MS = 3_600_000


class Clock:
    """``time.ticks_ms`` for app.age: integer ms, wrapping at 2**30."""

    def __init__(self):
        self.ms = (1 << 30) - 60_000

    def ticks_ms(self):
        return self.ms & MASK

    def advance(self, ms):
        """Move on ``ms``, an hour at most per step, as the board's supervisor advances ages each second."""
        while ms > 0:
            step = min(ms, HOUR_MS)
            self.ms += step
            ms -= step
            age.advance()


class Pauses:
    """The pause the web is given: counts the calls and yields to the loop."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, ms):
        self.calls += 1
        await asyncio.sleep(0)


def run(coro):
    return asyncio.run(coro)


class Rig:
    """A host thermostat, its auth (password set) and web, and a test client."""

    def __init__(self, clock, open_status=False, password=PASSWORD):
        options = netdevice.options({"wifi_ssid": "home", "wifi_password": WIFI_PASSWORD})
        options["web_open_status"] = open_status
        self.device = netdevice.HostDevice(options)
        self.device.control_tick()
        self.clock = clock
        self.flash = MemoryFlash()
        self.auth = Auth(Store("auth", self.flash))
        self.pause = Pauses()
        if password is not None:
            run(self.auth.set_password(password, self.pause))
        self.web = Web(self.device, self.auth, options, self.pause)
        self.client = TestClient(self.web.app)
        self.bodies = []  # every response body, to look for secrets

    def request(self, method, path, body=None, headers=None, token=None):
        head = dict(headers or {})
        if token is not None:
            head["Authorization"] = "Bearer " + token
        response = run(self.client.request(method, path, headers=head, body=body))
        self.bodies.append(response.body or b"")
        for value in response.headers.values():
            self.bodies.append(str(value).encode())
        return response

    def login(self, password=PASSWORD):
        response = self.request("POST", "/api/login", {"password": password})
        assert response.status_code == 200, response.json
        return response.json["token"]

    def state(self):
        th = self.device.thermostat
        return (th.mode, th.fan, th.heat_setpoint_dF, th.cool_setpoint_dF, dict(th.settings.values),
                dict(self.device.options))

    def secrets(self):
        """Texts that must never leave: the passwords, the hash, the salt."""
        record = self.auth.record
        return [PASSWORD, WIFI_PASSWORD, record["hash"], record["salt"]] if record else [PASSWORD, WIFI_PASSWORD]


def fake_clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(time, "ticks_ms", clock.ticks_ms, raising=False)
    age.advance()
    return clock


class Wire:
    """One connection's writer as microdot and MicroPython use it (awrite,
    aclose): keeps what was written and whether it was closed."""

    def __init__(self):
        self.data = b""
        self.closed = False

    async def awrite(self, data):
        self.data += data

    async def aclose(self):
        self.closed = True

    def get_extra_info(self, name):
        return ("127.0.0.1", 50000) if name == "peername" else None


def reader_of(data):
    """A stream holding ``data`` and then its end, as a client that sent it and half-closed."""
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def settle(loops=5):
    """Let the ready tasks run a few rounds of the loop (no time passes)."""
    for _ in range(loops):
        await asyncio.sleep(0)


async def connect(web, data):
    """``data`` sent to the web's connection handler, half-closed; the writer once the handler is done."""
    wire = Wire()
    await web._connection(reader_of(data), wire)
    return wire
