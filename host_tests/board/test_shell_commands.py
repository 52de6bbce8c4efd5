"""Commands on the board: the buttons, the bench REPL, settings.

A command acts at once: the shell ticks the core right after it, as the
replay does, instead of waiting for the next control period. The mode
button steps through off -> heat -> cool -> auto; a mode the thermostat
refuses (auto with setpoints closer than the deadband) is skipped, so every
mode of the cycle stays reachable.
"""

import sys

from board_harness import board_fixture  # noqa: F401 -- the `board` fixture

RELAYS = {"Y1": 2, "G": 3, "OB": 4, "W2": 5, "Y2": 6, "E": 7}
MODE_BUTTON, UP_BUTTON = 14, 15


def store_file(board, name, data, seq=1):
    from app.store import encode

    board.file(name).write_bytes(encode(seq, data))


def house(board, mode="off", heat_dF=700, cool_dF=760, **board_changes):
    board.install(**board_changes)
    board.world.onewire[22] = 20.0  # 68 °F
    board.world.onewire[21] = 0.0
    store_file(board, "state.json", {"mode": mode, "fan": "auto", "heat_setpoint_dF": heat_dF,
                                     "cool_setpoint_dF": cool_dF, "start_ages_ms": []})


def app():
    return sys.modules["app.runner"].current


def press(board, pin, at_ms, hold_ms=200):
    board.world.at(at_ms, lambda: board.world.inputs.__setitem__(pin, 0))
    board.world.at(at_ms + hold_ms, lambda: board.world.inputs.__setitem__(pin, 1))


def y1_on_times(board):
    return [t for t, p, v in board.world.pin_log if p == RELAYS["Y1"] and v == 0]


def test_a_button_press_acts_at_once_not_at_the_next_control_period(board):
    house(board, mode="off")
    press(board, MODE_BUTTON, 400_420)  # off -> heat; min-off long over, 68 °F < 69 °F
    assert board.boot(410_000) == "halt"
    on = y1_on_times(board)
    assert on and 400_420 <= on[0] <= 400_420 + 60  # within the button's 50 ms poll


def test_a_bench_command_acts_at_once(board):
    house(board, mode="off")
    board.write_config(device={"bench": True, "bench_speed": 60})
    board.world.at(20_030, lambda: app().bench_api.command(mode="heat"))
    assert board.boot(25_000) == "halt"
    on = [t for t in y1_on_times(board) if t > 10_000]
    assert on and on[0] == 20_030


def mode_after_presses(board, presses, **house_args):
    house(board, **house_args)
    seen = []
    for index in range(presses):
        board.world.at(10_000 + index * 1_000, lambda: (app().button("mode"), seen.append(app().thermostat.retained()["mode"])))
    assert board.boot(10_000 + presses * 1_000) == "halt"
    return seen


def test_the_mode_button_cycles_off_heat_cool_auto(board):
    assert mode_after_presses(board, 5, mode="off") == ["heat", "cool", "auto", "off", "heat"]


def test_the_mode_button_skips_auto_when_the_setpoints_are_inside_the_deadband(board, capsys):
    """Heat 75 / cool 76 with a 3 °F deadband: auto is refused, so the press
    after cool goes on to off, and off and heat stay reachable."""
    seen = mode_after_presses(board, 6, mode="heat", heat_dF=750, cool_dF=760)
    assert seen == ["cool", "off", "heat", "cool", "off", "heat"]
    out = capsys.readouterr().out
    assert "button mode: auto skipped (cool_setpoint_f: 76.0 is closer than auto_deadband_f 3.0" in out


def test_the_mode_button_leaves_emergency_for_off(board):
    house(board, mode="emergency")
    board.world.at(10_000, lambda: app().button("mode"))
    assert board.boot(11_000) == "halt"
    assert app().thermostat.retained()["mode"] == "off"


def test_the_up_button_raises_the_setpoint_of_the_current_mode(board):
    house(board, mode="cool")
    press(board, UP_BUTTON, 10_000)
    assert board.boot(11_000) == "halt"
    assert app().thermostat.cool_setpoint_dF == 770


def test_a_crash_in_the_tick_a_command_triggers_goes_the_safe_way(board, capsys, monkeypatch):
    house(board, mode="heat")
    from thermo.control import Thermostat

    def bug(self, now_ms):
        raise RuntimeError("bug in tick")

    def command():
        monkeypatch.setattr(Thermostat, "tick", bug)
        app().button("mode")

    board.world.at(400_420, command)
    assert board.boot(420_000) == "watchdog"
    assert all(board.world.levels[pin] == 1 for pin in RELAYS.values())
    assert "CRASH in command: RuntimeError('bug in tick')" in capsys.readouterr().out
