#!/usr/bin/env python3
"""Control quality on the reference house: firmware against the baseline thermostat.

    python tools/bench_control.py            # every day × schedule, both controllers
    make bench-control

Prints a Markdown table (one row per day × schedule × controller), then the
issue's targets, each with the measured value and PASS or MISS. Every run
is one warm-up day and one measured day of tools/sim (see simulate.py).
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS.parent / "firmware"))
sys.path.insert(0, str(TOOLS))

from sim import controllers, loop  # noqa: E402
from simulate import load_settings  # noqa: E402

DAYS = ("mild", "cold", "design")
SCHEDULES = ("constant", "setback")
CONTROLLERS = ("firmware", "baseline")
COLUMNS = (
    ("energy_kwh", "energy kWh", "%.2f"),
    ("aux_kwh", "aux kWh", "%.2f"),
    ("unavoidable_aux_kwh", "unavoidable aux kWh", "%.2f"),
    ("ideal_kwh", "ideal kWh", "%.2f"),
    ("discomfort_degf_h", "discomfort °F·h", "%.2f"),
    ("max_starts_in_an_hour", "max starts/h", "%d"),
    ("short_cycles", "short cycles", "%d"),
    ("indoor_at_0630_f", "indoor 06:30 °F", "%.2f"),
    ("recovery_aux_kwh", "aux 04:00–06:30 kWh", "%.2f"),
)


def run_one(job):
    """The figures of one run; a job is (day, schedule, controller name, settings)."""
    day, schedule, name, settings = job
    return loop.simulate(day, schedule, controllers.make(name, settings, schedule), settings).kpis


def run_all(settings=None, quiet=False, jobs=None):
    """Every day × schedule × controller, the runs spread over ``jobs`` processes (default: one per CPU)."""
    keys = [(day, schedule, name) for day in DAYS for schedule in SCHEDULES for name in CONTROLLERS]
    work = [key + (settings,) for key in keys]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work)))
    if jobs == 1:
        done = []
        for job in work:
            if not quiet:
                print("running %s %s %s ..." % job[:3], file=sys.stderr, flush=True)
            done.append(run_one(job))
    else:
        if not quiet:
            print("running %d runs in %d processes ..." % (len(work), jobs), file=sys.stderr, flush=True)
        with ProcessPoolExecutor(jobs) as pool:
            done = list(pool.map(run_one, work))
    return dict(zip(keys, done, strict=True))


def table(results):
    lines = ["| day | schedule | controller | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
             "| --- | --- | --- | " + " | ".join("---:" for _ in COLUMNS) + " |"]
    for (day, schedule, name), k in results.items():
        cells = [(fmt % k[key]) if key in k else "" for key, _, fmt in COLUMNS]
        lines.append("| %s | %s | %s | %s |" % (day, schedule, name, " | ".join(cells)))
    return lines


def targets(results):
    """The issue's targets for the firmware: (target, measured, ok)."""
    checks = []

    def check(label, measured, ok):
        checks.append((label, measured, ok))

    fw = {key[:2]: k for key, k in results.items() if key[2] == "firmware"}
    base = {key[:2]: k for key, k in results.items() if key[2] == "baseline"}
    for day in DAYS:
        k = fw[day, "constant"]
        check("%s constant: discomfort_degf_h <= 0.5" % day, "%.2f" % k["discomfort_degf_h"],
              k["discomfort_degf_h"] <= 0.5)
        limit = 1.02 * k["unavoidable_aux_kwh"] + 0.1
        check("%s constant: aux_kwh <= 1.02 x unavoidable + 0.1 = %.2f" % (day, limit), "%.2f" % k["aux_kwh"],
              k["aux_kwh"] <= limit)
        check("%s constant: max_starts_in_an_hour <= 3" % day, k["max_starts_in_an_hour"],
              k["max_starts_in_an_hour"] <= 3)
        check("%s constant: short_cycles = 0" % day, k["short_cycles"], k["short_cycles"] == 0)
        factor = 1.20 if day == "mild" else 1.02
        ratio = k["energy_kwh"] / k["ideal_kwh"]
        check("%s constant: energy_kwh <= %.2f x ideal_kwh" % (day, factor), "%.3f x" % ratio, ratio <= factor)
    for day in DAYS:
        k = fw[day, "setback"]
        if day in ("mild", "cold"):
            check("%s setback: indoor at 06:30 within 1 °F of 70" % day, "%.2f" % k["indoor_at_0630_f"],
                  abs(k["indoor_at_0630_f"] - 70.0) <= 1.0)
        check("%s setback: energy below constant's %.2f" % (day, fw[day, "constant"]["energy_kwh"]),
              "%.2f" % k["energy_kwh"], k["energy_kwh"] < fw[day, "constant"]["energy_kwh"])
    check("mild setback: strip kWh during recovery = 0 (heat pump alone can make it)",
          "%.2f" % fw["mild", "setback"]["recovery_aux_kwh"], fw["mild", "setback"]["recovery_aux_kwh"] == 0)
    for key in fw:
        check("%s %s: energy below baseline's %.2f" % (key[0], key[1], base[key]["energy_kwh"]),
              "%.2f" % fw[key]["energy_kwh"], fw[key]["energy_kwh"] < base[key]["energy_kwh"])
    fw_aux = sum(k["aux_kwh"] for k in fw.values())
    base_aux = sum(k["aux_kwh"] for k in base.values())
    cut = 1.0 - fw_aux / base_aux if base_aux else 0.0
    check("all days: strip heat >= 25 %% below baseline's %.2f kWh" % base_aux,
          "%.2f kWh (%.0f %% %s)" % (fw_aux, 100 * abs(cut), "less" if cut >= 0 else "more"), cut >= 0.25)
    return checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--settings", metavar="FILE", help="firmware settings JSON, or \"defaults\" (default: "
                        "tools/sim/reference-installer.json, the installer settings for the reference house)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="runs in parallel (default: one process per CPU)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    settings = load_settings(args.settings)
    print("firmware settings: %s" % (json.dumps(settings) if settings else "the contract defaults"))
    results = run_all(settings, quiet=args.quiet, jobs=args.jobs)
    for line in table(results):
        print(line)
    print()
    checks = targets(results)
    print("targets (firmware): %d of %d met" % (sum(ok for _, _, ok in checks), len(checks)))
    for label, measured, ok in checks:
        print("  %-4s %s: %s" % ("PASS" if ok else "MISS", label, measured))
    print("\n%d runs in %.0f s (each: one warm-up day, one measured day)" % (len(results), time.monotonic() - started),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
