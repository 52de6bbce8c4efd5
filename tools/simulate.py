#!/usr/bin/env python3
"""Simulate one day of the reference house in closed loop with a controller.

    python tools/simulate.py --day cold --schedule setback --plot day.png
    python tools/simulate.py --controller baseline --csv day.csv
    python tools/simulate.py --controller "interactive:python tools/replay.py --interactive"
    python tools/simulate.py --day mild --fault ob_reversed --fault door_open@12:00

Prints the figures of docs/reference-house.md, one `name: value unit` line each,
then what the firmware learned of the heat pump (its thermal balance point and
the dual-fuel lockout it would suggest), if its core has a model.
The house starts at 00:00 at steady state; identical warm-up days (2 unless
--warmup-days says otherwise, as in make bench-control) run before the measured
day, so the firmware has learned from its own operation. The physics is in tools/sim/, the control code is
the real firmware (firmware/thermo), unchanged.
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS.parent / "firmware"))
sys.path.insert(0, str(TOOLS))

from sim import controllers, faults, loop  # noqa: E402
from sim.equipment import BITS, NAMES  # noqa: E402
from sim.kpis import UNITS  # noqa: E402
from sim.weather import DAYS  # noqa: E402


def format_figure(name, value):
    unit = UNITS[name]
    text = "%d" % value if isinstance(value, int) else "%.2f" % value
    return "%s: %s %s" % (name, text, unit)


REFERENCE_INSTALLER = Path(__file__).resolve().parent / "sim" / "reference-installer.json"
FACTORY = ("factory", "defaults")  # names of the contract defaults, no settings file
WARMUP_DAYS = 2  # the firmware learns from its own operation: measure a day after it has had two
PRICES = ("electricity_price_cents_per_kwh", "gas_price_cents_per_therm")


def load_settings(path, prog="simulate.py"):
    """Firmware settings from a JSON file; "factory" (or "defaults") for the
    contract defaults alone; "installer" or none given: the installer example
    for the reference house, tools/sim/reference-installer.json.
    A bad file ends the program with one line naming the file and the key."""
    if path in FACTORY:
        return {}
    path = REFERENCE_INSTALLER if path in (None, "installer") else path
    try:
        settings = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise SystemExit("%s: %s: %s" % (prog, path, error)) from None
    if not isinstance(settings, dict):
        raise SystemExit("%s: %s: must be a JSON object of firmware settings" % (prog, path))
    from thermo.schema import SettingError, validate
    try:
        validate(settings)
    except SettingError as error:
        raise SystemExit("%s: %s: %s" % (prog, path, error)) from None
    return settings


def learned_lines(controller):
    """What the firmware has learned of its heat pump, as lines for people, if
    its core has a model (none before issue 10's model lands, nor for another
    controller). Shown only: nothing here is ever applied to the settings."""
    thermostat = getattr(controller, "thermostat", None)
    model = getattr(thermostat, "model", None)
    if model is None:
        return []
    balance_dF = model.balance_point_dF()
    lines = ["thermal balance point: " + ("not learned yet" if balance_dF is None else
                                          "%.1f °F (learned)" % (balance_dF / 10))]
    lockout_dF = model.economic_lockout_dF(thermostat.settings)
    values = getattr(thermostat.settings, "values", {})
    missing = [name for name in PRICES if values.get(name) is None]
    if lockout_dF is not None:
        why = "%.1f °F (from your prices)" % (lockout_dF / 10)
    elif missing:
        why = "none (set %s)" % " and ".join(missing)
    else:
        why = "none yet (the heat pump's performance is not learned yet)"
    return lines + ["suggested dual-fuel lockout: " + why]


def check_output(option, path):
    """Refuse, before a run, an output path that could not be written after it (one line, exit 2)."""
    def refuse(message):
        print("simulate.py: %s: %s: %s" % (option, path, message), file=sys.stderr)
        return SystemExit(2)

    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise refuse("is a folder, not a file")
    if not os.path.isdir(folder):
        raise refuse("the folder %s does not exist" % folder)
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise refuse("cannot be written (permission denied)")
    if option == "--plot":
        from matplotlib.backend_bases import FigureCanvasBase

        formats = sorted(FigureCanvasBase.get_supported_filetypes())
        extension = os.path.splitext(path)[1][1:].lower()
        if extension and extension not in formats:
            raise refuse("%r is not an image format (allowed: %s)" % (extension, ", ".join(formats)))


def write_csv(run, path):
    s = run.series
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        columns = [name for name in loop.SERIES if name not in ("outputs", "sensed")]
        sensed = list(NAMES) if run.faults else []  # a normal run's table is the same as before faults existed
        writer.writerow(["clock"] + columns + list(NAMES) + ["sensed_" + name for name in sensed])
        for index in range(len(s["t_s"])):
            t = s["t_s"][index]
            clock = "%02d:%02d:%02d" % (t // 3600, t // 60 % 60, t % 60)
            row = [clock]
            for name in columns:
                value = s[name][index]
                row.append("" if value is None else int(value) if isinstance(value, bool) else
                           ("%.4f" % value if isinstance(value, float) else value))
            row += [1 if s["outputs"][index] & bit else 0 for bit in BITS]
            if sensed:
                row += [1 if s["sensed"][index] & bit else 0 for bit in BITS]
            writer.writerow(row)


class Progress:
    """A tqdm bar on stderr that shows itself only once a run has taken 2 s."""

    def __init__(self, total, description):
        from tqdm import tqdm
        tty = sys.stderr.isatty()
        self.bar = tqdm(total=total, desc=description, unit="step", file=sys.stderr, delay=2.0, leave=False,
                        mininterval=0.2 if tty else 10.0, dynamic_ncols=tty)

    def __call__(self, steps):
        self.bar.update(steps)

    def close(self):
        self.bar.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--day", choices=sorted(DAYS), default="cold")
    parser.add_argument("--schedule", choices=("constant", "setback"), default="constant")
    parser.add_argument("--settings", metavar="FILE", help="JSON of firmware settings, \"factory\" (or "
                        "\"defaults\") for the contract's defaults, or \"installer\" (the default): "
                        "tools/sim/reference-installer.json, the installer example for the reference house")
    parser.add_argument("--controller", default="firmware", help="firmware, baseline or interactive:CMD")
    parser.add_argument("--plot", metavar="PNG", help="write a one-page plot of the measured day")
    parser.add_argument("--csv", metavar="PATH", help="write the measured day's series, one row per control period")
    parser.add_argument("--noise", type=float, default=0.0, metavar="DEGF",
                        help="Gaussian sensor noise, standard deviation in °F (default 0)")
    parser.add_argument("--quantum", type=float, default=0.0, metavar="DEGF",
                        help="sensor resolution in °F, e.g. 0.5 (default: none; the firmware rounds to 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sensor noise")
    parser.add_argument("--warmup-days", type=int, default=WARMUP_DAYS, metavar="N",
                        help="identical days run before the measured one (default %d)" % WARMUP_DAYS)
    parser.add_argument("--wrong-ob", action="store_true", help="equipment valve of the other polarity than set")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME[@HH:MM]",
                        help="inject a fault (repeatable), from the run's start or from HH:MM of the measured "
                        "day: %s (tools/sim/faults.py says what each does)" % ", ".join(faults.FAULTS))
    args = parser.parse_args(argv)
    try:
        fault_list = faults.check(args.fault, args.warmup_days * loop.DAY_S)
    except faults.FaultError as error:
        parser.error("--" + str(error))
    if args.wrong_ob and any(fault.name in faults.VALVE_FAULTS for fault in fault_list):
        parser.error("--wrong-ob is the fault ob_reversed from the start: give it once, "
                     "and with no other valve fault (%s)" % ", ".join(faults.VALVE_FAULTS))
    for option, path in (("--plot", args.plot), ("--csv", args.csv)):
        if path:
            check_output(option, path)
    settings = load_settings(args.settings)
    try:
        controller = controllers.make(args.controller, settings, args.schedule)
    except ValueError as error:
        parser.error(str(error))
    valve = None
    if args.wrong_ob:
        valve = "B" if settings.get("reversing_valve", "O") == "O" else "O"
    sensors = loop.Sensors(args.noise, args.quantum, args.seed)
    if args.warmup_days < 0:
        parser.error("--warmup-days: %d is below 0" % args.warmup_days)
    progress = Progress((args.warmup_days + 1) * loop.DAY_S // loop.DT_S, "%s %s" % (args.day, args.schedule))
    started = time.monotonic()
    try:
        run = loop.simulate(args.day, args.schedule, controller, settings, warmup_days=args.warmup_days,
                            sensors=sensors, valve=valve, progress=progress, faults=fault_list)
    except RuntimeError as error:
        progress.close()
        print("simulate.py: %s" % error, file=sys.stderr)
        return 1
    progress.close()
    print("day: %s" % args.day)
    print("schedule: %s" % args.schedule)
    print("controller: %s" % args.controller)
    if run.faults:
        print("faults: %s" % ", ".join(run.faults))
    for name in UNITS:
        if name in run.kpis:
            print(format_figure(name, run.kpis[name]))
    for line in learned_lines(controller):
        print(line)
    try:
        if args.csv:
            option = "--csv"
            write_csv(run, args.csv)
        if args.plot:
            from sim.plot import plot_run
            option = "--plot"
            plot_run(run, args.plot)
    except OSError as error:  # checked before the run; a full disk, say, still ends in one line
        print("simulate.py: %s: %s: %s" % (option, error.filename or "", error.strerror or error), file=sys.stderr)
        return 1
    print("wall time: %.1f s" % (time.monotonic() - started), file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
