"""Bench mode's self-test stops with a crash; humidity goes with its sensor."""

import sys

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

RELAY_PINS = {2, 3, 4, 5, 6, 7}


def app():
    return sys.modules["app.runner"].current


def test_the_self_test_energizes_nothing_after_a_crash(board, capsys):
    board.install()
    board.world.onewire[22] = 20.0
    board.world.onewire[21] = 0.0
    board.write_config(device={"bench": True, "bench_speed": 60})
    board.world.at(1_250, lambda: app().supervisor.fail("test", RuntimeError("crash during the self-test")))
    board.boot(12_000)
    assert [(t, p) for t, p, v in board.world.pin_log if p in RELAY_PINS and v == 0 and t >= 1_250] == []
    assert all(board.world.levels[pin] == 1 for pin in RELAY_PINS)
    assert "self-test: Y2 on" not in capsys.readouterr().out


def test_humidity_is_cleared_when_the_sht3x_goes_away(board):
    board.world.chip = "esp32"
    board.install("esp32_devkitc")
    board.world.i2c[(0, 0x44)] = (20.0, 45.0)
    board.world.onewire[4] = 0.0
    board.world.at(60_000, lambda: board.world.i2c.pop((0, 0x44)))
    board.world.at(50_000, lambda: seen.append(app().readings.humidity_dpct))
    seen = []
    board.boot(120_000)
    assert seen == [450]
    assert app().readings.humidity_dpct is None
