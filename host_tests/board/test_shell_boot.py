"""The boot-loop guard covers the whole boot, set-up included.

A crash while the application is being built (a broken core, a config
import that exhausts the heap) counts like any other, so three in a row
stop the board safely instead of resetting it forever; and a config import
that crashed the board is dropped, not retried at every boot.
"""

import json
import sys

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

RELAY_PINS = {2, 3, 4, 5, 6, 7}
WDT_RESET = 3  # rp2's machine.reset() goes through the watchdog too


def house(board):
    board.install()
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0


def test_crashes_while_the_app_is_built_end_in_a_safe_stop(board, capsys, monkeypatch):
    house(board)
    from thermo.control import Thermostat

    def broken(*args, **kwargs):
        raise ValueError("broken core")

    monkeypatch.setattr(Thermostat, "__init__", broken)
    assert board.boot(60_000) == "reset"
    assert board.boot(60_000, cause=WDT_RESET) == "reset"
    assert board.boot(60_000, cause=WDT_RESET) == "reset"
    assert board.boot(120_000, cause=WDT_RESET) == "halt"  # stopped, not cycling
    assert board.world.wdt_timeout_ms is None
    out = capsys.readouterr().out
    assert "ALERT boot_loop: 3 crashes in a row (last: main: ValueError('broken core'))" in out
    assert all(v == 1 for _t, p, v in board.world.pin_log if p in RELAY_PINS)
    assert json.loads(board.file("crashes.json").read_bytes().split(b"\n", 1)[1])["data"]["count"] == 3


def test_a_board_whose_hardware_cannot_be_built_stops_after_three_crashes(board, capsys, monkeypatch):
    """The crash may be in building the hardware itself (a driver missing
    from the firmware, a bad pin): the guard is consulted before that, so
    the fourth boot stops with the relays off instead of crashing again."""
    house(board)
    monkeypatch.setitem(sys.modules, "ds18x20", None)  # import ds18x20: ImportError, at every boot
    assert board.boot(60_000) == "reset"
    assert board.boot(60_000, cause=WDT_RESET) == "reset"
    assert board.boot(60_000, cause=WDT_RESET) == "reset"
    assert board.boot(120_000, cause=WDT_RESET) == "returned"  # stopped for good, REPL free, no watchdog
    assert board.world.wdt_timeout_ms is None
    out = capsys.readouterr().out
    assert "ALERT boot_loop: 3 crashes in a row" in out and "the hardware does not start either" in out
    assert all(v == 1 for _t, p, v in board.world.pin_log if p in RELAY_PINS)


def test_a_config_import_that_crashes_the_board_is_dropped_with_an_alert(board, capsys, monkeypatch):
    house(board)
    board.write_config(settings={"min_off_s": 600}, device={"ntp_host": "boom.example"})
    real_loads = json.loads

    def exhausting(text, *args, **kwargs):
        if b"boom.example" in (text if isinstance(text, bytes) else text.encode()):
            raise MemoryError("memory allocation failed")
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", exhausting)
    assert board.boot(60_000) == "reset"
    assert "CRASH" in capsys.readouterr().out
    assert board.boot(60_000, cause=WDT_RESET) == "halt"  # the next boot runs
    out = capsys.readouterr().out
    assert "ALERT config_import: config.import.json crashed the board while it was read" in out
    assert not board.file("config.import.json").exists()
    assert not any(path.name.startswith("config.import") for path in board.root.iterdir())


def test_an_oversized_config_import_is_refused_without_reading_it_whole(board, capsys):
    house(board)
    board.file("config.import.json").write_text('{"device": {"ntp_host": "%s"}}' % ("x" * 1_000_000))
    assert board.boot(5_000) == "halt"
    out = capsys.readouterr().out
    assert "ALERT config_import: config.import.json: larger than 16384 bytes (allowed: at most 16384)" in out
    assert not board.file("config.import.json").exists()
    assert max(len(line) for line in out.splitlines()) < 400
