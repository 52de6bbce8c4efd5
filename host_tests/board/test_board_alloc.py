"""The board's own loop allocates nothing once it is steady.

tools/bench_app.py runs the whole board application (every task) on the
MicroPython unix port and counts the heap bytes its loop allocates over
steady control ticks, idle and heating, on a Pico (two DS18B20), on a Pico W
whose wall clock is synced from NTP (UTC-5, US daylight saving, the spring
change inside a measured window) and on an ESP32 (an SHT3x on I2C inside):
the sensor tasks and their drivers included. The scheduler alone and the
clock task's hourly network exchange are measured apart, and so are the
fake sensor devices under the drivers (the test's, not the board's). A loop that allocates fragments the
heap of a board that runs for months, and a collection pauses every task.
"""

import subprocess
import sys

import pytest
from fakes import ROOT

BENCH = ROOT / "tools" / "bench_app.py"


@pytest.fixture(scope="module")
def figures():
    """Four windows of 60 ticks per phase: the Pico W's first hourly NTP
    answer, at the hour, falls inside the idle phase's last window."""
    run = subprocess.run([sys.executable, str(BENCH), "--ticks", "60", "--windows", "4"], capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    return {line.partition(": ")[0]: line.partition(": ")[2] for line in run.stdout.splitlines()}


def test_the_whole_app_loop_allocates_nothing_on_steady_ticks_idle_and_heating(figures):
    assert figures["app_alloc_steady_bytes"].startswith("0 bytes (total over 1440 control ticks of 3 boards"), \
        figures["app_alloc_steady_bytes"]
    assert figures["app_alloc_steady_bytes.rpi_pico"].startswith(
        "0 bytes (480 control ticks: 240 idle, 240 heating"), figures["app_alloc_steady_bytes.rpi_pico"]
    assert figures["asyncio_alloc_steady_bytes"].startswith("0 bytes"), figures["asyncio_alloc_steady_bytes"]


def test_the_loop_of_a_board_with_ntp_time_allocates_nothing_across_hours_a_dst_change_and_a_resync(figures):
    """The control tick reads the wall clock every 5 s: no gmtime tuple, no
    big int, whatever the hour, the daylight-saving rule or the last NTP
    answer; and the minute it gives is right at the end of every window."""
    wifi = figures["app_alloc_steady_bytes.rpi_pico_w"]
    assert wifi.startswith("0 bytes (480 control ticks: 240 idle, 240 heating"), wifi
    assert "wall clock synced from NTP, 0 wrong minutes at 8 window ends, 1 daylight-saving changes" in wifi, wifi
    clock = figures["clock_task_alloc_bytes"]
    assert ", 2 answers in the windows" in clock, clock


def test_a_sensor_reading_allocates_nothing_ds18b20_on_1wire_and_sht3x_on_i2c(figures):
    """Each sensor is read every 5 s for months: the drivers read into
    buffers made once and hand back their own list, and the fake devices
    under them allocate nothing either, so the figures above are the
    firmware's alone."""
    esp32 = figures["app_alloc_steady_bytes.esp32_devkitc"]
    assert esp32.startswith("0 bytes (480 control ticks: 240 idle, 240 heating with outputs 13; SHT3x inside"), esp32
    drivers = figures["sensor_driver_alloc_steady_bytes"]
    assert drivers.startswith("0 bytes (board/sensors.py and board/sht3x.py over 2880 readings"), drivers
    assert figures["sensor_fakes_alloc_steady_bytes"].startswith("0 bytes"), figures["sensor_fakes_alloc_steady_bytes"]


def test_the_hourly_write_of_the_learned_model_is_metered_apart_from_the_steady_ticks():
    """The model is written at most hourly (app.learning), an hour and two
    hours after boot: once in each phase's last window. That write builds
    its record (about 9 KB on the unix port); every other tick of those
    windows allocates nothing."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import bench_app
    finally:
        sys.path.remove(str(ROOT / "tools"))
    phases, _scheduler = bench_app.measure(60, 4, board="rpi_pico")
    for name in ("idle", "heating"):
        phase = phases[name]
        assert phase["model_saves"] == 1 and phase["model_save"] > 0, (name, phase)
        assert phase["bytes"] - phase["devices"] - phase["clock"] == 0, (name, phase)
