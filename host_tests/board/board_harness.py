"""Run the real firmware (boot.py, main.py, app/, board/) against fake hardware.

Test modules get the ``board`` fixture with ``from board_harness import
board_fixture``. (Not a conftest.py: the top-level tests import helpers with
``from conftest import ...``, and a second conftest.py collected before them
would take that module name.) Code that is not a test (the soak) uses
:func:`simulated_board`, the same thing as a context manager.

The fake modules of ``fakes/`` stand in for ``machine``, ``onewire``,
``ds18x20``, ``network`` and ``ntptime`` (injected through ``sys.modules``);
``asyncio.start_server`` listens on the world (``fakes/tcpserver.py``: tests
send requests with its ``connect``); ``time.ticks_ms``/``ticks_diff``/``ticks_add`` are added to CPython's
``time`` and ``time.time()`` is the world's UTC, all on one virtual clock of integer milliseconds that starts a
minute before the 2**30 wrap. The asyncio loop runs on that clock too: when
it would wait, the clock jumps to the next timer (rounded up to its whole
millisecond, so a 750 ms wait never wakes at 749.999), so an hour of the
board's life takes well under a second and nothing ever sleeps. The loop is
CPython's own (:class:`VirtualLoop`), or, for the soak,
:mod:`fakes.virtual_asyncio`: MicroPython's scheduling model, four times
faster. ``Board.boot()`` runs main.py as the
board would, until the test's deadline, the fake watchdog firing, or
``machine.reset()``.

:func:`install_network` adds the network a board with Wi-Fi sees: the fake
``socket`` (DNS, NTP, and TCP to the world's MQTT broker) and ``select``
(fakes/), and micropython-lib's umqtt.simple (tools/mqtt_host.py fetches it
and gives CPython the ``usocket``/``ustruct``/``ubinascii`` names it imports).
"""

import asyncio
import contextlib
import importlib
import json
import math
import runpy
import selectors
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIRMWARE_PATH = HERE.parents[1] / "firmware"
FAKES = ("machine", "onewire", "ds18x20", "network", "ntptime")

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(FIRMWARE_PATH) not in sys.path:
    sys.path.insert(0, str(FIRMWARE_PATH))

from fakes import BOARDS, FIRMWARE, virtual_asyncio  # noqa: E402
from fakes import world as world_module  # noqa: E402


class VirtualSelector(selectors.DefaultSelector):
    """Never blocks: a wait moves the virtual clock to the next timer.

    The wait is rounded *up* to whole milliseconds (less a float's noise), so
    the clock lands exactly on the timer's millisecond, never before it."""

    def __init__(self, world):
        super().__init__()
        self.world = world

    def select(self, timeout=None):
        if timeout is None:
            raise RuntimeError("the event loop would wait forever")
        if timeout > 0:
            self.world.advance(max(1, math.ceil(timeout * 1000 - 1e-6)))
        return []  # nothing is registered but the loop's own wake-up pipe, which no thread writes


class VirtualLoop(asyncio.SelectorEventLoop):
    """CPython's asyncio on the world's clock: its time is the integer
    millisecond counter, in seconds."""

    def __init__(self, world):
        super().__init__(VirtualSelector(world))
        self.world = world

    def time(self):
        return self.world.now_ms / 1000


SCHEDULERS = ("cpython", "micropython")


def _ticks_diff(later, earlier):
    diff = (later - earlier) & world_module.TICKS_MASK
    return diff - world_module.TICKS_PERIOD if diff >= world_module.TICKS_PERIOD // 2 else diff


class Board:
    """One simulated board: a flash (the test's directory), pins, a clock."""

    def __init__(self, world, root, monkeypatch, scheduler="cpython"):
        if scheduler not in SCHEDULERS:
            raise ValueError("scheduler: %r is not one of %s" % (scheduler, SCHEDULERS))
        self.world = world
        self.root = root
        self.monkeypatch = monkeypatch
        self.scheduler = scheduler
        self.boots = []

    def install(self, name="rpi_pico", **changes):
        data = json.loads((BOARDS / (name + ".json")).read_text())
        data.update(changes)
        (self.root / "board.json").write_text(json.dumps(data))
        return data

    def write_config(self, settings=None, device=None):
        config = {"settings": settings or {}, "device": device or {}}
        (self.root / "config.import.json").write_text(json.dumps(config))

    def file(self, name):
        return self.root / name

    def boot(self, run_ms, cause=None):
        """Power the board up (or reset it) and run main.py for ``run_ms``.

        Returns how the run ended: "halt" (time up), "watchdog", "reset"
        (machine.reset()) or "returned" (main.py finished: REPL).
        """
        world = self.world
        if cause is not None:
            world.reboot(cause)
        world.stopped = False
        world.halt_at_ms = world.now_ms + run_ms
        _forget_firmware()
        start = len(world.pin_log)
        ended = "returned"
        host_asyncio = sys.modules.get("asyncio")
        if self.scheduler == "micropython":
            sys.modules["asyncio"] = virtual_asyncio  # what the firmware imports, while it runs
        else:
            self.monkeypatch.setattr(asyncio.events, "new_event_loop", lambda: VirtualLoop(world))
        try:
            runpy.run_path(str(FIRMWARE / "boot.py"), run_name="boot")
            runpy.run_path(str(FIRMWARE / "main.py"), run_name="__main__")
        except world_module.Halt:
            ended = "halt"
        except world_module.WatchdogReset:
            ended = "watchdog"
        except world_module.MachineReset:
            ended = "reset"
        finally:
            sys.modules["asyncio"] = host_asyncio
        self.boots.append((start, ended))
        return ended

    def writes(self, boot=-1):
        """Pin writes (t_ms, pin, value) of one boot."""
        start = self.boots[boot][0]
        end = self.boots[boot + 1][0] if boot != -1 and boot + 1 < len(self.boots) else len(self.world.pin_log)
        return self.world.pin_log[start:end]


def _no_real_sleep(*args):
    raise RuntimeError("a blocking sleep on the board stops every task: await asyncio.sleep_ms() instead")


def _forget_firmware():
    for name in list(sys.modules):
        if name in ("app", "board", "boot", "main") or name.startswith(("app.", "board.")):
            del sys.modules[name]


@contextlib.contextmanager
def simulated_board(root, monkeypatch, chip="rp2040", scheduler="cpython"):
    """A fresh world and board whose flash is the directory ``root``.

    ``scheduler``: "cpython" runs main.py on CPython's asyncio (its loop on
    the virtual clock); "micropython" on :mod:`fakes.virtual_asyncio`,
    MicroPython's scheduling model, about four times faster (the soak)."""
    world = world_module.World(chip)
    monkeypatch.setattr(world_module, "WORLD", world, raising=False)
    for name in FAKES:
        module = importlib.import_module("fakes." + name)
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(time, "ticks_ms", world.ticks_ms, raising=False)
    monkeypatch.setattr(time, "ticks_diff", _ticks_diff, raising=False)
    monkeypatch.setattr(time, "ticks_add", lambda t, d: (t + d) & world_module.TICKS_MASK, raising=False)
    monkeypatch.setattr(asyncio, "sleep_ms", lambda ms: asyncio.sleep(ms / 1000), raising=False)
    # TCP servers (Wi-Fi set-up, web) listen on the world, never on this computer (fakes/tcpserver.py).
    from fakes import tcpserver

    monkeypatch.setattr(asyncio, "start_server", tcpserver.start_server)
    monkeypatch.setattr(virtual_asyncio, "start_server", tcpserver.start_server, raising=False)
    # The board's UTC (its RTC, as NTP sets it from the world's time), as mp_unix/vtime.py gives
    # it on MicroPython: not this computer's clock, which would make the wall clock (schedules,
    # today's counters) depend on when the test runs.
    monkeypatch.setattr(time, "time", lambda: world.utc_at_zero_s + world.now_ms // 1000)
    for name in ("sleep", "sleep_ms", "sleep_us"):  # a blocking sleep would stop the whole board's loop
        monkeypatch.setattr(time, name, _no_real_sleep, raising=False)
    monkeypatch.chdir(root)
    try:
        yield Board(world, root, monkeypatch, scheduler)
    finally:
        _forget_firmware()


def install_network(monkeypatch):
    """The fake ``socket`` and ``select`` in ``sys.modules`` (the firmware
    imports them when it runs; CPython's asyncio and selectors hold the real
    ``select`` from long before, and the fake gives anyone else the real
    one's functions), and umqtt.simple importable as on a board after
    ``make deploy``."""
    from fakes import select as fake_select
    from fakes import socket as fake_socket

    sys.path.insert(0, str(HERE.parents[1] / "tools"))
    try:
        import mqtt_host
    finally:
        sys.path.pop(0)
    mqtt_host.install_shims()  # after the harness's clock: it adds only what is missing
    umqtt = str(mqtt_host.umqtt_dir())
    if umqtt not in sys.path:
        monkeypatch.syspath_prepend(umqtt)
    monkeypatch.setitem(sys.modules, "socket", fake_socket)
    monkeypatch.setitem(sys.modules, "select", fake_select)
    for name in list(sys.modules):  # a fresh umqtt.simple each run, with the socket module of this one
        if name == "umqtt" or name.startswith("umqtt."):
            monkeypatch.delitem(sys.modules, name)


@pytest.fixture(name="board")
def board_fixture(tmp_path, monkeypatch):
    with simulated_board(tmp_path, monkeypatch) as board:
        yield board
