"""The screen on the board: its own task, following the thermostat, dark
after a minute without a press, woken by one; the status menu behind a held
mode button; and a thermostat that runs the same with a screen, without
one, and with one that does not answer.

The driver is a fake of micropython-lib's ssd1306 (fakes/ssd1306.py) that
records the texts of each page it is sent; the pixels are proven on
MicroPython by the golden images (host_tests/test_screens.py).
"""

import sys

import pytest
from board_harness import board_fixture  # noqa: F401 -- the `board` fixture
from fakes import ssd1306 as fake_ssd1306

MODE_BUTTON, UP_BUTTON, DOWN_BUTTON = 14, 15, 13
RELAY_PINS = (2, 3, 4, 5, 6, 7)
DISPLAY = {"type": "ssd1306", "bus": "i2c0", "address": 60}


def app():
    return sys.modules["app.runner"].current


def house(board, monkeypatch, screen=True, answers=True, mode="heat"):
    """A Pico in heat mode (or ``mode``) at 70 °F setpoint (cool 76 °F), 68 °F indoors."""
    monkeypatch.setitem(sys.modules, "ssd1306", fake_ssd1306)
    if screen:
        board.install(display=DISPLAY)
    else:
        board.install()
    if answers:
        board.world.i2c[(0, 60)] = "ssd1306"
    board.world.onewire[22] = 20.0  # 68 °F
    board.world.onewire[21] = 0.0
    from app.store import encode

    board.file("state.json").write_bytes(encode(1, {"mode": mode, "fan": "auto", "heat_setpoint_dF": 700,
                                                    "cool_setpoint_dF": 760, "start_ages_ms": []}))


def press(board, pin, at_ms, hold_ms=200):
    board.world.at(at_ms, lambda: board.world.inputs.__setitem__(pin, 0))
    board.world.at(at_ms + hold_ms, lambda: board.world.inputs.__setitem__(pin, 1))


def look(board, at_ms, seen):
    """What the glass shows at ``at_ms`` (None: dark), into ``seen``."""
    def snap():
        driver = app().hw.display
        seen[at_ms] = list(driver.shown) if driver.on else None
    board.world.at(at_ms, snap)


def test_the_screen_shows_the_home_page_and_a_change_within_a_second(board, monkeypatch):
    house(board, monkeypatch)
    seen = {}
    look(board, 5_000, seen)
    press(board, UP_BUTTON, 10_000)
    look(board, 11_000, seen)
    assert board.boot(12_000) == "halt"
    assert "HEAT" in seen[5_000] and "70.0" in seen[5_000] and "out 32.0F" in seen[5_000]
    assert "71.0" in seen[11_000]


def test_the_screen_goes_dark_after_a_minute_and_a_press_only_wakes_it(board, monkeypatch):
    house(board, monkeypatch)
    seen = {}
    look(board, 59_000, seen)
    look(board, 62_000, seen)
    press(board, UP_BUTTON, 100_000)  # wakes the screen, nothing else
    look(board, 101_000, seen)
    board.world.at(101_500, lambda: seen.__setitem__("setpoint", app().thermostat.heat_setpoint_dF))
    press(board, UP_BUTTON, 110_000)  # now a command
    look(board, 111_000, seen)
    assert board.boot(112_000) == "halt"
    assert seen[59_000] is not None and seen[62_000] is None
    assert "70.0" in seen[101_000] and seen["setpoint"] == 700
    assert "71.0" in seen[111_000]


def test_holding_mode_opens_the_status_menu_and_a_short_press_goes_back_home(board, monkeypatch):
    house(board, monkeypatch)
    seen = {}
    press(board, MODE_BUTTON, 10_000, hold_ms=1_500)
    look(board, 12_000, seen)
    board.world.at(12_100, lambda: seen.__setitem__("mode", app().thermostat.retained()["mode"]))
    press(board, MODE_BUTTON, 20_000)
    look(board, 21_000, seen)
    assert board.boot(22_000) == "halt"
    assert seen[12_000][0] == "STATUS" and "no wifi" in seen[12_000] and seen["mode"] == "heat"
    assert "HEAT" in seen[21_000]
    assert app().thermostat.retained()["mode"] == "heat"  # going back changed no mode


def test_with_a_screen_a_short_mode_press_still_steps_the_mode(board, monkeypatch):
    house(board, monkeypatch)
    press(board, MODE_BUTTON, 10_000)
    assert board.boot(12_000) == "halt"
    assert app().thermostat.retained()["mode"] == "cool"


def mode_at(board, at_ms, seen):
    board.world.at(at_ms, lambda: seen.__setitem__(("mode", at_ms), app().thermostat.retained()["mode"]))


def test_with_a_screen_mode_after_auto_asks_before_emergency_heat_and_a_second_press_turns_it_on(
        board, monkeypatch, capsys):
    house(board, monkeypatch, mode="auto")
    seen = {}
    press(board, MODE_BUTTON, 10_000)
    look(board, 11_000, seen)
    mode_at(board, 11_000, seen)
    press(board, MODE_BUTTON, 13_000)  # within the few seconds the question waits
    mode_at(board, 13_500, seen)
    look(board, 14_000, seen)
    assert board.boot(15_000) == "halt"
    assert seen[11_000][0] == "EM HEAT?" and "press mode again" in seen[11_000]
    assert seen[("mode", 11_000)] == "auto"  # asking changes nothing yet
    assert seen[("mode", 13_500)] == "emergency"
    assert seen[14_000][0] == "EM HEAT"
    assert "button mode: emergency confirmed" in capsys.readouterr().out


def test_the_question_before_emergency_heat_left_unanswered_skips_it_to_off(board, monkeypatch):
    house(board, monkeypatch, mode="auto")
    seen = {}
    press(board, MODE_BUTTON, 10_000)  # asks when let go, at 10.2 s
    mode_at(board, 14_500, seen)
    look(board, 17_000, seen)
    assert board.boot(18_000) == "halt"
    assert seen[("mode", 14_500)] == "auto"
    assert app().thermostat.retained()["mode"] == "off" and seen[17_000][0] == "OFF"


def test_another_button_while_asked_about_emergency_heat_skips_it_to_off_and_does_nothing_else(
        board, monkeypatch):
    house(board, monkeypatch, mode="auto")
    press(board, MODE_BUTTON, 10_000)
    press(board, UP_BUTTON, 12_000)
    assert board.boot(14_000) == "halt"
    th = app().thermostat
    assert th.retained()["mode"] == "off" and th.heat_setpoint_dF == 700


def test_holding_mode_while_asked_about_emergency_heat_skips_it_to_off_and_opens_the_menu(board, monkeypatch):
    house(board, monkeypatch, mode="auto")
    seen = {}
    press(board, MODE_BUTTON, 10_000)
    press(board, MODE_BUTTON, 12_000, hold_ms=1_500)
    look(board, 14_000, seen)
    assert board.boot(15_000) == "halt"
    assert app().thermostat.retained()["mode"] == "off" and seen[14_000][0] == "STATUS"


def test_emergency_heat_refused_with_no_backup_heat_is_skipped_without_asking(board, monkeypatch, capsys):
    house(board, monkeypatch, mode="auto")
    board.write_config(settings={"backup_heat": "none"})
    seen = {}
    press(board, MODE_BUTTON, 10_000)
    look(board, 11_000, seen)
    assert board.boot(12_000) == "halt"
    assert app().thermostat.retained()["mode"] == "off" and seen[11_000][0] == "OFF"
    assert 'button mode: emergency skipped (mode: "emergency" is refused with backup_heat "none"' in (
        capsys.readouterr().out)


def test_without_a_screen_emergency_heat_is_not_on_the_buttons(board, monkeypatch):
    house(board, monkeypatch, screen=False, mode="auto")
    press(board, MODE_BUTTON, 10_000)
    assert board.boot(12_000) == "halt"
    assert app().thermostat.retained()["mode"] == "off"


def both_arrows(board, at_ms):
    press(board, UP_BUTTON, at_ms, hold_ms=300)
    press(board, DOWN_BUTTON, at_ms + 60, hold_ms=200)


def test_up_and_down_together_step_the_fan_auto_on_circulate_and_the_home_page_shows_it(board, monkeypatch):
    house(board, monkeypatch)
    seen = {}
    for index, at_ms in enumerate((10_000, 12_000, 14_000)):
        both_arrows(board, at_ms)
        look(board, at_ms + 1_000, seen)
        board.world.at(at_ms + 1_000, lambda i=index: seen.__setitem__(i, app().thermostat.retained()["fan"]))
    assert board.boot(16_000) == "halt"
    assert [seen[0], seen[1], seen[2]] == ["on", "circulate", "auto"]
    assert seen[11_000][0] == "HEAT fan on" and seen[13_000][0] == "HEAT circ" and seen[15_000][0] == "HEAT"
    assert app().thermostat.heat_setpoint_dF == 700  # neither arrow moved the setpoint


def _relay_writes(board, monkeypatch, **house_options):
    """The relay writes of a 15-minute boot, in ms from its start."""
    house(board, monkeypatch, **house_options)
    start_ms = board.world.now_ms
    assert board.boot(900_000) == "halt"
    return [(t - start_ms, pin, value) for t, pin, value in board.writes() if pin in RELAY_PINS]


@pytest.mark.parametrize("screen, answers", [(True, True), (True, False)])
def test_the_relays_switch_the_same_with_a_screen_without_one_and_with_one_that_does_not_answer(
        board, monkeypatch, capsys, screen, answers):
    with_screen = _relay_writes(board, monkeypatch, screen=screen, answers=answers)
    board.world.i2c.clear()
    without = _relay_writes(board, monkeypatch, screen=False)
    if not answers:
        assert "ALERT display: the screen could not be started (OSError(19" in capsys.readouterr().out
    assert len(without) > 6 and with_screen == without


def test_a_screen_that_stops_answering_is_an_alert_not_a_crash(board, monkeypatch, capsys):
    house(board, monkeypatch)
    board.world.at(30_000, lambda: board.world.i2c.pop((0, 60)))
    press(board, UP_BUTTON, 40_000)  # something new to show
    board.world.at(60_000, lambda: board.world.i2c.__setitem__((0, 60), "ssd1306"))
    assert board.boot(90_000) == "halt"
    out = capsys.readouterr().out
    assert "ALERT display: the screen does not answer" in out and "alert cleared: display" in out
    assert "CRASH" not in out
