"""The commissioning test on the board: started from the bench REPL, a
supervised task on the control clock; while it runs the flash keeps the
user's state, and an abort gives it back."""

import sys

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from test_shell_commands import house


def app():
    return sys.modules["app.runner"].current


def saved_state(board):
    from app.store import decode

    return decode(board.file("state.json").read_bytes())


def test_the_bench_starts_it_and_the_flash_keeps_the_users_state_until_it_is_restored(board, capsys):
    house(board, mode="heat", heat_dF=695)
    board.write_config(device={"bench": True, "bench_speed": 60})
    seen = []
    board.world.at(20_000, lambda: app().bench_api.commission(settle_s=60, fan_s=60, rest_s=30))
    board.world.at(20_500, lambda: seen.append((app().thermostat.mode, app().thermostat.fan)))
    board.world.at(20_600, lambda: seen.append(saved_state(board)))
    board.world.at(26_000, lambda: app().bench_api.commission_abort())
    board.world.at(27_000, lambda: seen.append(saved_state(board)))
    assert board.boot(28_000) == "halt"
    (mode, fan), during, after = seen
    assert (mode, fan) == (0, 0)  # resting before the fan step: mode off, fan auto
    assert during[1]["mode"] == "heat" and during[1]["heat_setpoint_dF"] == 695 and during[1]["fan"] == "auto"
    assert after[1]["mode"] == "heat" and after[1]["heat_setpoint_dF"] == 695
    th = app().thermostat
    assert (th.mode, th.heat_setpoint_dF) == (1, 695)
    out = capsys.readouterr().out
    assert "commissioning: step 1 of 5, resting (mode off) before fan only (G)" in out
    assert "commissioning aborted" in out
