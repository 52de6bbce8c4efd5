#!/usr/bin/env python3
"""Control quality on the reference house: the firmware with factory settings, against a basic thermostat.

    python tools/bench_control.py                       # factory settings (the contract defaults)
    python tools/bench_control.py --settings installer  # the installer example, tools/sim/reference-installer.json
    make bench-control [SETTINGS=FILE]

Prints a Markdown table (one row per day × schedule × controller; each run is
warm-up days, 2 unless --warmup-days says otherwise, then one measured day of
tools/sim, see simulate.py), then a 7-day sequence from a cold start (a fresh
firmware, no warm-up, sensor noise) one row per day, with its learning time,
then issue 10's targets for the firmware, each with the measured value and
PASS or MISS. The baseline thermostat is in the table for comparison only.
Then the fault detectors (issue 13, tools/bench_detect.py, factory settings
whatever --settings says): the detection time of each injected fault and the
false alarms over 30 normal days (--detect-days), and whether their targets
are met; --no-detect skips them. Every run goes to one process pool, the
detectors' (the longest) first. Targets are reported, PASS or MISS, not
enforced: the exit status is 0 unless the arguments are refused.
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
from simulate import FACTORY, REFERENCE_INSTALLER, WARMUP_DAYS, load_settings  # noqa: E402

DAYS = ("mild", "cold", "design")
SCHEDULES = ("constant", "setback")
CONTROLLERS = ("firmware", "baseline")
SEQUENCE = ("mild", "cold", "cold", "design", "design", "cold", "mild")
SEQUENCE_NOISE_F = 0.2  # Gaussian σ of both sensors; the firmware controller rounds readings to 0.1 °F
SEQUENCE_SEED = 0

# Issue 10's targets.
DISCOMFORT_DEGF_H_PER_DAY = 0.5
ENERGY_OVER_IDEAL = {"mild": 1.20, "cold": 1.02, "design": 1.02}
STRIP_OVER_UNAVOIDABLE, STRIP_MARGIN_KWH_PER_DAY = 1.05, 0.1
STRIP_STARTS_PER_HOUR = 6
COMPRESSOR_STARTS_PER_HOUR = 3
RECOVERED_INDOOR_F = 69.0  # at 06:30 after a setback night
DETECT_DAYS = 30  # normal days for the detectors' false-alarm count (issue 13's target: 0 over 30)
DETECT_TITLE = "## Fault detectors (issue 13)"

COLUMNS = (
    ("energy_kwh", "energy kWh", "%.2f"),
    ("aux_kwh", "aux kWh", "%.2f"),
    ("unavoidable_aux_kwh", "unavoidable aux kWh", "%.2f"),
    ("ideal_kwh", "ideal kWh", "%.2f"),
    ("energy_over_ideal", "energy / ideal", "%.3f"),
    ("discomfort_degf_h", "discomfort °F·h", "%.2f"),
    ("strip_starts", "strip starts", "%d"),
    ("max_strip_starts_in_an_hour", "max strip starts/h", "%d"),
    ("short_strip_runs", "strip runs < 3 min", "%d"),
    ("max_starts_in_an_hour", "max starts/h", "%d"),
    ("short_cycles", "short cycles", "%d"),
    ("short_cycle_alert_minutes", "short-cycle alert min", "%.1f"),
    ("indoor_at_0630_f", "indoor 06:30 °F", "%.2f"),
    ("recovery_aux_kwh", "aux 04:00–06:30 kWh", "%.2f"),
)
SEQUENCE_COLUMNS = COLUMNS[:-2]


def run_one(job):
    """The figures of one job: ("day", day, schedule, controller name, settings, warm-up days) gives the
    measured day's; ("sequence", days, settings) gives ([each day's], the whole sequence's);
    ("detect", normal days) gives the detectors' report (its lines, whether every target is met)."""
    if job[0] == "detect":
        return detect_report(job[1])
    if job[0] == "sequence":
        _, days, settings = job
        sensors = loop.Sensors(SEQUENCE_NOISE_F, seed=SEQUENCE_SEED)
        runs, whole = loop.simulate_sequence(days, "constant", controllers.make("firmware", settings, "constant"),
                                             settings, sensors=sensors)
        return [run.kpis for run in runs], whole
    _, day, schedule, name, settings, warmup_days = job
    controller = controllers.make(name, settings, schedule)
    return loop.simulate(day, schedule, controller, settings, warmup_days=warmup_days).kpis


def detect_report(days):
    """tools/bench_detect.py's report over ``days`` normal days: (its lines, whether every target is met).
    Imported here, so --no-detect runs without the detectors."""
    import bench_detect

    lines = []
    ok = bench_detect.report(days, out=lines.append)
    return lines, ok


def run_all(settings=None, warmup_days=WARMUP_DAYS, quiet=False, jobs=None, sequence=SEQUENCE, detect_days=None):
    """Every day × schedule × controller, the sequence (unless empty) and the detectors' report (with
    ``detect_days``), spread over ``jobs`` processes (default: one per CPU); the longest go first.
    Returns ({(day, schedule, controller): figures}, (per-day figures, whole figures) or None,
    (detector report lines, targets met) or None)."""
    keys = [(day, schedule, name) for day in DAYS for schedule in SCHEDULES for name in CONTROLLERS]
    work = [("detect", detect_days)] if detect_days else []
    work += [("sequence", tuple(sequence), settings)] if sequence else []
    work += [("day",) + key + (settings, warmup_days) for key in keys]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work)))
    if not quiet:
        print("running %d runs in %d processes ..." % (len(work), jobs), file=sys.stderr, flush=True)
    if jobs == 1:
        done = [run_one(job) for job in work]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            done = list(pool.map(run_one, work))
    detect = done.pop(0) if detect_days else None
    week = done.pop(0) if sequence else None
    return dict(zip(keys, done, strict=True)), week, detect


def cell(k, key, fmt):
    if key == "energy_over_ideal":
        return fmt % ratio(k) if k.get("ideal_kwh") else ""
    return fmt % k[key] if key in k else ""


def ratio(k):
    return k["energy_kwh"] / k["ideal_kwh"]


def table(results):
    lines = ["| day | schedule | controller | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
             "| --- | --- | --- | " + " | ".join("---:" for _ in COLUMNS) + " |"]
    for (day, schedule, name), k in results.items():
        cells = [cell(k, key, fmt) for key, _, fmt in COLUMNS]
        lines.append("| %s | %s | %s | %s |" % (day, schedule, name, " | ".join(cells)))
    return lines


def discomfort_checks(k, days=1):
    limit = DISCOMFORT_DEGF_H_PER_DAY * days
    return [("discomfort_degf_h <= %.1f" % limit, "%.2f" % k["discomfort_degf_h"], k["discomfort_degf_h"] <= limit)]


def energy_checks(k, day):
    factor = ENERGY_OVER_IDEAL[day]
    return [("energy_kwh <= %.2f x ideal_kwh" % factor, "%.3f x" % ratio(k), ratio(k) <= factor)]


def strip_energy_checks(k, days=1):
    limit = STRIP_OVER_UNAVOIDABLE * k["unavoidable_aux_kwh"] + STRIP_MARGIN_KWH_PER_DAY * days
    return [("aux_kwh <= %.2f x unavoidable + %.1f = %.2f" % (STRIP_OVER_UNAVOIDABLE, STRIP_MARGIN_KWH_PER_DAY * days,
                                                              limit), "%.2f" % k["aux_kwh"], k["aux_kwh"] <= limit)]


def strip_start_checks(k):
    """At most 6 W2 starts in any hour, and no W2 run under 3 min that no safety rule ended."""
    return [("max_strip_starts_in_an_hour <= %d" % STRIP_STARTS_PER_HOUR, k["max_strip_starts_in_an_hour"],
             k["max_strip_starts_in_an_hour"] <= STRIP_STARTS_PER_HOUR),
            ("short_strip_runs = 0", k["short_strip_runs"], k["short_strip_runs"] == 0)]


def compressor_checks(k):
    """At most 3 starts in any hour, no short cycle, and the short-cycle alert never raised."""
    alert = k.get("short_cycle_alert_minutes", 0.0)
    return [("max_starts_in_an_hour <= %d" % COMPRESSOR_STARTS_PER_HOUR, k["max_starts_in_an_hour"],
             k["max_starts_in_an_hour"] <= COMPRESSOR_STARTS_PER_HOUR),
            ("short_cycles = 0", k["short_cycles"], k["short_cycles"] == 0),
            ("short_cycle_alert_minutes = 0", "%.1f" % alert, alert == 0)]


def day_checks(k):
    """The targets each day must meet once the model has learned (constant schedule): those that define
    the learning time."""
    return discomfort_checks(k) + strip_energy_checks(k) + strip_start_checks(k) + compressor_checks(k)


def named(prefix, checks):
    return [("%s: %s" % (prefix, label), measured, ok) for label, measured, ok in checks]


def targets(results):
    """The issue's targets for the firmware on every day × schedule: [(target, measured, ok)]."""
    fw = {key[:2]: k for key, k in results.items() if key[2] == "firmware"}
    checks = []
    for (day, schedule), k in fw.items():
        checks += named("%s %s" % (day, schedule), discomfort_checks(k) + strip_start_checks(k) + compressor_checks(k))
        if schedule == "constant":
            checks += named("%s constant" % day, energy_checks(k, day) + strip_energy_checks(k))
    for day in ("mild", "cold"):
        setback, constant = fw[day, "setback"], fw[day, "constant"]
        checks.append(("%s setback: energy_kwh below constant's %.2f" % (day, constant["energy_kwh"]),
                       "%.2f" % setback["energy_kwh"], setback["energy_kwh"] < constant["energy_kwh"]))
        checks.append(("%s setback: indoor_at_0630_f >= %.0f" % (day, RECOVERED_INDOOR_F),
                       "%.2f" % setback["indoor_at_0630_f"], setback["indoor_at_0630_f"] >= RECOVERED_INDOOR_F))
    recovery = fw["mild", "setback"]["recovery_aux_kwh"]
    checks.append(("mild setback: recovery_aux_kwh (strips 04:00-06:30) = 0", "%.2f" % recovery, recovery == 0))
    return checks


def sequence_targets(days, day_kpis, whole):
    """The 7-day sequence as a whole: the per-day limits summed over its days (energy: each day's factor
    times its ideal), starts and runs counted on the joined days."""
    limit = sum(ENERGY_OVER_IDEAL[day] * k["ideal_kwh"] for day, k in zip(days, day_kpis, strict=True))
    energy = [("energy_kwh <= sum of each day's factor x ideal = %.2f" % limit, "%.2f" % whole["energy_kwh"],
               whole["energy_kwh"] <= limit)]
    checks = discomfort_checks(whole, len(days)) + energy + strip_energy_checks(whole, len(days))
    return named("%d-day sequence" % len(days), checks + strip_start_checks(whole) + compressor_checks(whole))


def learning_day(day_ok):
    """The first day (1-based) from which every later day meets its targets; None if the last day does not."""
    first = None
    for number, ok in enumerate(day_ok, 1):
        if not ok:
            first = None
        elif first is None:
            first = number
    return first


def misses(checks):
    failed = [label.split()[0] for label, _, ok in checks if not ok]
    return "met" if not failed else "MISS " + ", ".join(failed)


def sequence_table(days, day_kpis, whole):
    head = "| # | day | " + " | ".join(title for _, title, _ in SEQUENCE_COLUMNS) + " | day targets |"
    lines = [head, "| --- | --- | " + " | ".join("---:" for _ in SEQUENCE_COLUMNS) + " | --- |"]
    for number, (day, k) in enumerate(zip(days, day_kpis, strict=True), 1):
        cells = [cell(k, key, fmt) for key, _, fmt in SEQUENCE_COLUMNS]
        lines.append("| %d | %s | %s | %s |" % (number, day, " | ".join(cells), misses(day_checks(k))))
    cells = [cell(whole, key, fmt) for key, _, fmt in SEQUENCE_COLUMNS]
    lines.append("| 1–%d | whole | %s | |" % (len(days), " | ".join(cells)))
    return lines


def sequence_report(days, day_kpis, whole):
    learned = learning_day([all(ok for _, _, ok in day_checks(k)) for k in day_kpis])
    lines = ["%d-day sequence from a cold start (a fresh firmware, no warm-up; constant schedule; sensor noise "
             "σ %.1f °F, seed %d): %s" % (len(days), SEQUENCE_NOISE_F, SEQUENCE_SEED, ", ".join(days))]
    lines += sequence_table(days, day_kpis, whole)
    lines.append("day targets: discomfort, strip energy, strip starts and runs, compressor starts, short cycles "
                 "and alert")
    lines.append("learning time: " + ("day %d (every day from it on meets the day targets)" % learned if learned
                                      else "not reached (the last day misses a day target)"))
    return lines


def settings_label(choice, settings):
    if choice in (None,) + FACTORY:
        return "factory (the contract defaults, no settings file)"
    name = "installer example %s" % REFERENCE_INSTALLER.relative_to(TOOLS.parent) if choice == "installer" else choice
    return "%s %s" % (name, json.dumps(settings))


def detect_checks(days, ok):
    """The detectors' targets as one check (tools/bench_detect.py judges each case and the false alarms)."""
    return [("every injected fault detected with its code in time (2 h, low_charge 3 days), none early; "
             "0 false alarms over %d normal days" % days, "met" if ok else "missed (see the table above)", ok)]


def print_checks(checks, title="targets (firmware)"):
    print("%s: %d of %d met" % (title, sum(ok for _, _, ok in checks), len(checks)))
    for label, measured, ok in checks:
        print("  %-4s %s: %s" % ("PASS" if ok else "MISS", label, measured))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--settings", metavar="FILE", default="factory",
                        help="firmware settings: \"factory\" (the default; also \"defaults\": the contract "
                        "defaults, no config), \"installer\" (the example tools/sim/reference-installer.json) "
                        "or a JSON file")
    parser.add_argument("--warmup-days", type=int, default=WARMUP_DAYS, metavar="N",
                        help="days run before each measured day (default %d)" % WARMUP_DAYS)
    parser.add_argument("--no-sequence", action="store_true", help="skip the 7-day sequence")
    parser.add_argument("--detect-days", type=int, default=DETECT_DAYS, metavar="N",
                        help="normal days for the fault detectors' false-alarm count (default %d)" % DETECT_DAYS)
    parser.add_argument("--no-detect", action="store_true",
                        help="skip the fault detectors (their detection times and false alarms)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="runs in parallel (default: one process per CPU)")
    args = parser.parse_args(argv)
    if args.warmup_days < 0:
        parser.error("--warmup-days: %d is below 0" % args.warmup_days)
    if args.detect_days < 1:
        parser.error("--detect-days: %d is below 1 (allowed: 1 or more normal days)" % args.detect_days)
    started = time.monotonic()
    settings = load_settings(args.settings, "bench_control.py")
    print("firmware settings: %s" % settings_label(args.settings, settings))
    print("warm-up: %d day(s) before each measured day" % args.warmup_days)
    results, week, detect = run_all(settings, args.warmup_days, args.quiet, args.jobs,
                                    () if args.no_sequence else SEQUENCE, None if args.no_detect else args.detect_days)
    print()
    for line in table(results):
        print(line)
    checks = targets(results)
    if week:
        print()
        for line in sequence_report(SEQUENCE, *week):
            print(line)
        checks += sequence_targets(SEQUENCE, *week)
    print()
    print_checks(checks)
    if detect:
        lines, ok = detect
        print()
        print(DETECT_TITLE)
        print("tools/bench_detect.py, factory settings: the time from the first call each fault affects to its "
              "alert, then the false alarms over normal days")
        print()
        for line in lines:
            print(line)
        print()
        print_checks(detect_checks(args.detect_days, ok), "targets (fault detectors)")
    print("\n%d runs in %.0f s" % (len(results) + bool(week) + bool(detect), time.monotonic() - started),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
