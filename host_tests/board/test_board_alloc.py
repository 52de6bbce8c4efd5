"""The board's own loop allocates nothing once it is steady.

tools/bench_app.py runs the whole board application (every task) on the
MicroPython unix port and counts the heap bytes its loop allocates over
steady control ticks, idle and heating, on a Pico and on a Pico W whose
wall clock is synced from NTP (UTC-5, US daylight saving, the spring change
inside a measured window); the scheduler alone and the clock task's hourly
network exchange are measured apart. A loop that allocates fragments the
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
    assert figures["app_alloc_steady_bytes"].startswith("0 bytes (total over 960 control ticks of 2 boards"), \
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
