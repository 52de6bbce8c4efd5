"""Run the real firmware (boot.py, main.py, app/, board/) against fake hardware.

Test modules get the ``board`` fixture with ``from board_harness import
board_fixture``. (Not a conftest.py: the top-level tests import helpers with
``from conftest import ...``, and a second conftest.py collected before them
would take that module name.)

The fake modules of ``fakes/`` stand in for ``machine``, ``onewire``,
``ds18x20``, ``network`` and ``ntptime`` (injected through ``sys.modules``);
``time.ticks_ms``/``ticks_diff``/``ticks_add`` and ``asyncio.sleep_ms`` are
added to CPython's modules, all on one virtual clock that starts a minute
before the 2**30 wrap. The asyncio loop runs on that clock too: when it
would wait, the clock jumps to the next timer, so an hour of the board's life
takes well under a second and nothing ever sleeps. ``Board.boot()`` runs
main.py as the board would, until the test's deadline, the fake watchdog
firing, or ``machine.reset()``.
"""

import asyncio
import importlib
import json
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

from fakes import BOARDS, FIRMWARE  # noqa: E402
from fakes import world as world_module  # noqa: E402


class VirtualSelector(selectors.DefaultSelector):
    """Never blocks: a wait moves the virtual clock to the next timer."""

    def __init__(self, world):
        super().__init__()
        self.world = world

    def select(self, timeout=None):
        if timeout is None:
            raise RuntimeError("the event loop would wait forever")
        if timeout > 0:
            self.world.advance(timeout * 1000)
        return super().select(0)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self, world):
        super().__init__(VirtualSelector(world))
        self.world = world

    def time(self):
        return self.world.now_ms / 1000


def _ticks_diff(later, earlier):
    diff = (later - earlier) & world_module.TICKS_MASK
    return diff - world_module.TICKS_PERIOD if diff >= world_module.TICKS_PERIOD // 2 else diff


class Board:
    """One simulated board: a flash (the test's directory), pins, a clock."""

    def __init__(self, world, root, monkeypatch):
        self.world = world
        self.root = root
        self.monkeypatch = monkeypatch
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
        world.halt_at_ms = world.now_ms + run_ms
        for name in list(sys.modules):
            if name in ("app", "board", "boot", "main") or name.startswith(("app.", "board.")):
                del sys.modules[name]
        start = len(world.pin_log)
        self.monkeypatch.setattr(asyncio.events, "new_event_loop", lambda: VirtualLoop(world))
        ended = "returned"
        try:
            runpy.run_path(str(FIRMWARE / "boot.py"), run_name="boot")
            runpy.run_path(str(FIRMWARE / "main.py"), run_name="__main__")
        except world_module.Halt:
            ended = "halt"
        except world_module.WatchdogReset:
            ended = "watchdog"
        except world_module.MachineReset:
            ended = "reset"
        self.boots.append((start, ended))
        return ended

    def writes(self, boot=-1):
        """Pin writes (t_ms, pin, value) of one boot."""
        start = self.boots[boot][0]
        end = self.boots[boot + 1][0] if boot != -1 and boot + 1 < len(self.boots) else len(self.world.pin_log)
        return self.world.pin_log[start:end]


@pytest.fixture(name="board")
def board_fixture(tmp_path, monkeypatch):
    world = world_module.World()
    monkeypatch.setattr(world_module, "WORLD", world, raising=False)
    for name in FAKES:
        module = importlib.import_module("fakes." + name)
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(time, "ticks_ms", world.ticks_ms, raising=False)
    monkeypatch.setattr(time, "ticks_diff", _ticks_diff, raising=False)
    monkeypatch.setattr(time, "ticks_add", lambda t, d: (t + d) & world_module.TICKS_MASK, raising=False)
    monkeypatch.setattr(asyncio, "sleep_ms", lambda ms: asyncio.sleep(ms / 1000), raising=False)
    monkeypatch.chdir(tmp_path)
    yield Board(world, tmp_path, monkeypatch)
    for name in list(sys.modules):
        if name in ("app", "board", "boot", "main") or name.startswith(("app.", "board.")):
            del sys.modules[name]
