"""Bench mode's self-test stops with a crash; humidity goes with its sensor;
a reading typed at the bench REPL is exact or refused."""

import json
import sys

import pytest
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


def bench_with_readings():
    """A Bench on a stand-in app: only its readings (app.bench is imported
    inside the board fixture, on the board's clock)."""
    from app.bench import Bench
    from app.readings import Readings

    class Stand:
        readings = Readings()

    return Bench(Stand())


@pytest.mark.parametrize("typed, expected_dF, shown", [
    (675, 675, "67.5"),  # tenths of °F
    (-32, -32, "-3.2"),
    ("67.5", 675, "67.5"),  # °F as text
    ("67.4", 674, "67.4"),
    (" -3.2 ", -32, "-3.2"),
    ("+70", 700, "70.0"),
    ("-0.5", -5, "-0.5"),
    ("150", 1500, "150.0"),
])
def test_a_simulated_reading_is_an_int_of_tenths_or_a_string_read_exactly(board, capsys, typed, expected_dF, shown):
    bench = bench_with_readings()
    bench.indoor(typed)
    assert bench.app.readings.simulated == {"indoor": expected_dF}
    assert bench.app.readings.reading("indoor") == expected_dF
    assert capsys.readouterr().out == "bench: indoor %s °F (simulated)\n" % shown


@pytest.mark.parametrize("typed, quoted", [
    (67.545, "67.545 is a float, which a board rounds differently"),  # 67.5 on a board, 67.6 on CPython
    (65.0, "65.0 is a float, which a board rounds differently"),
    (True, "true is not allowed"),
    ([65], "a list is not allowed"),
])
def test_a_float_or_other_non_exact_reading_is_refused_naming_the_field_and_the_forms(board, capsys, typed, quoted):
    bench = bench_with_readings()
    bench.outdoor("20.5")
    capsys.readouterr()
    bench.outdoor(typed)
    assert capsys.readouterr().out == (
        'refused: bench.outdoor: %s (allowed: an int of tenths of °F, e.g. 655 for 65.5 °F; '
        'a string of °F with at most one decimal, e.g. "65.5" or "-3"; None for a lost sensor)\n' % quoted)
    assert bench.app.readings.simulated == {"outdoor": 205}  # unchanged


@pytest.mark.parametrize("typed", ["67.55", "67.", ".5", "", "-", "6 7", "67,5", "1e2", "nan", "0x41", "\uff16\uff15"])
def test_a_reading_string_with_more_than_one_decimal_or_not_a_number_is_refused(board, capsys, typed):
    bench = bench_with_readings()
    bench.indoor(typed)
    out = capsys.readouterr().out
    assert out.startswith("refused: bench.indoor: %s is not a number of °F with at most one decimal (allowed: "
                          % json.dumps(typed)), out
    assert bench.app.readings.simulated == {}


def test_a_lost_sensor_and_back_to_the_real_one(board, capsys):
    bench = bench_with_readings()
    bench.indoor("65.5")
    bench.indoor(None)
    assert bench.app.readings.simulated == {"indoor": None}
    assert capsys.readouterr().out.endswith("bench: indoor lost\n")
    bench.real("indoor")
    assert bench.app.readings.simulated == {}


def test_a_typed_reading_reaches_the_core_at_the_next_tick(board):
    """Bench mode on a Pico: "64" typed at the REPL is 64.0 °F to the core,
    which calls for heat (setpoint 70 °F) although the sensor reads 72 °F."""
    from app.store import encode

    board.install()
    board.world.onewire[22] = 22.25  # 72.05 °F
    board.world.onewire[21] = 0.0
    board.write_config(device={"bench": True, "bench_speed": 1})
    board.file("state.json").write_bytes(encode(1, {"mode": "heat", "fan": "auto", "heat_setpoint_dF": 700,
                                                    "cool_setpoint_dF": 760, "start_ages_ms": []}))
    board.world.at(20_000, lambda: app().bench_api.indoor("64"))
    seen = []
    board.world.at(30_000, lambda: seen.append(app().thermostat.indoor_raw_dF))
    board.boot(31_000)
    assert seen == [640]
