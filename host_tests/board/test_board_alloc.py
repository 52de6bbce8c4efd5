"""The board's own loop allocates nothing once it is steady.

tools/bench_app.py runs the whole board application (every task of a Pico)
on the MicroPython unix port and counts the heap bytes its loop allocates
over steady control ticks, idle and heating; the scheduler alone is
measured apart. A loop that allocates fragments the heap of a board that
runs for months, and a collection pauses every task.
"""

import subprocess
import sys

from fakes import ROOT

BENCH = ROOT / "tools" / "bench_app.py"


def test_the_whole_app_loop_allocates_nothing_on_steady_ticks_idle_and_heating():
    run = subprocess.run([sys.executable, str(BENCH), "--ticks", "60", "--windows", "2"], capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    figures = {line.partition(": ")[0]: line.partition(": ")[2] for line in run.stdout.splitlines()}
    assert figures["app_alloc_steady_bytes"].startswith("0 bytes (total over 240 control ticks: 120 idle, 120 heating"), \
        figures["app_alloc_steady_bytes"]
    assert figures["asyncio_alloc_steady_bytes"].startswith("0 bytes"), figures["asyncio_alloc_steady_bytes"]
