#!/usr/bin/env python3
"""`make bench`: the firmware's footprint and speed, one `name: value unit` line each.

- mpy_bytes_<arch>: total size of the mpy-cross-compiled firmware modules
  (build/<arch>/, made by `make mpy`);
- the heap, allocation and tick-time figures come from tools/bench_core.py,
  run on MicroPython 1.27 (the WebAssembly port, tools/micropython.mjs) with
  the compiled armv6m modules, as a board would import them; tick_us_cpython
  from the same script on this CPython.

Targets are checked on stderr; the figures print whether they are met or not.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHES = ("armv6m", "xtensawin")
TARGETS = {  # name: (most allowed, why)
    "alloc_per_tick_bytes": (0, "a steady tick must not allocate"),
    "heap_growth_30d_bytes": (0, "a month of operation must not grow the heap"),
    "heap_after_import_bytes": (40_000, "leaves room on a Pico's ~190 KB heap"),
    "mpy_bytes_armv6m": (64 * 1024, "64 KiB of compiled firmware"),
    "mpy_bytes_xtensawin": (64 * 1024, "64 KiB of compiled firmware"),
}


def figures():
    for arch in ARCHES:
        folder = ROOT / "build" / arch
        modules = list(folder.rglob("*.mpy"))
        if not modules:
            sys.exit("bench: no compiled modules in %s: run `make mpy` first" % folder)
        yield "mpy_bytes_%s: %d bytes" % (arch, sum(path.stat().st_size for path in modules))
    micropython = subprocess.run(
        ["node", str(ROOT / "tools" / "micropython.mjs"), "--path", str(ROOT / "build" / "armv6m"),
         str(ROOT / "tools" / "bench_core.py")], capture_output=True, text=True)
    if micropython.returncode != 0:
        sys.exit("bench: MicroPython run failed:\n" + micropython.stderr)
    yield from micropython.stdout.splitlines()
    cpython = subprocess.run([sys.executable, str(ROOT / "tools" / "bench_core.py")], capture_output=True,
                             text=True, env={"PYTHONPATH": str(ROOT / "firmware")}, check=True)
    yield from cpython.stdout.splitlines()


def main():
    missed = []
    for line in figures():
        print(line, flush=True)
        name, _, value = line.partition(": ")
        if name in TARGETS and float(value.split()[0]) > TARGETS[name][0]:
            missed.append("%s is %s, target at most %d (%s)" % (name, value, TARGETS[name][0], TARGETS[name][1]))
    for message in missed:
        print("target missed: " + message, file=sys.stderr)
    if not missed:
        print("all targets met", file=sys.stderr)


if __name__ == "__main__":
    main()
