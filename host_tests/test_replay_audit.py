"""An outside audit: replay timelines checked by the independent monitor.

Every bundled scenario and 300 random ones (the same generator as the
MicroPython conformance run; 150 on the fixed seed, the same every run, and
150 on the rotating one) go through ``scenario.run``, the
path ``tools/replay.py`` takes; the monitor then reconstructs each tick
from the scenario and the printed lines alone and checks every interlock
and liveness line of the contract. A failing one is saved as a file for
``tools/replay.py``; the failure message names it.

Scenarios with a weekly ``schedule`` are audited for safety: every
interlock, with the monitor's liveness off, since the monitor knows
setpoints only from commands and cannot follow the schedule's rewrites nor
smart recovery's early starts (test_schedule.py covers what they do).
"""

import datetime
import json
import random
from pathlib import Path

import pytest
import scenario as sc
from conftest import FIXED_SEED, seed_note, write_failing_scenario
from monitor import check_replay_lines
from test_micropython_conformance import random_scenario

BUNDLED = sorted((Path(__file__).parent / "scenarios").glob("*.json"))
# The monitor knows setpoints only from commands, so it cannot judge the
# liveness of a schedule the firmware runs itself: those get the safety audit.
SCENARIOS = [path for path in BUNDLED if "schedule" not in json.loads(path.read_text()).get("config", {})]
SCHEDULED = [path for path in BUNDLED if path not in SCENARIOS]
SCHEDULED_PER_SEED = 30


def audit(scenario, liveness=True):
    lines = [json.loads(text) for text in sc.run(sc.parse(scenario))]
    return check_replay_lines(scenario, lines, tick_s=scenario.get("tick_s", sc.CONTROL_PERIOD_S), liveness=liveness)


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_bundled_scenario_passes_the_independent_monitor(path):
    assert audit(json.loads(path.read_text())) == []


@pytest.mark.parametrize("ground", ("fixed", "rotating"))
def test_random_scenarios_pass_the_independent_monitor(ground, rotating_seed):
    seed = FIXED_SEED if ground == "fixed" else rotating_seed
    rng = random.Random(seed)
    for number in range(150):
        scenario = random_scenario(rng)
        violations = audit(scenario)
        if violations:
            path = write_failing_scenario("replay-audit-seed-%d-%d" % (seed, number), scenario)
            pytest.fail("random scenario %d: %s\n%s\nreplay it: python tools/replay.py --explain %s" % (
                number, violations[:3], seed_note(seed), path))


def test_the_upstage_timer_need_not_bring_strips_exactly_at_droop_half():
    """Found by the rotating audit (seed 1972429748): indoor 68.5 °F (69.0
    with offset -0.5) against 70 °F, droop 3: exactly droop/2 behind. The
    contract lets W2 leave within droop/2 of setpoint, so after aux_delay_s
    the firmware does not bring it in only to drop it again; the monitor
    agrees. A tenth further behind, W2 must join at the delay."""
    config = {"aux_delay_s": 600, "indoor_offset_f": -0.5, "stage2_delay_s": 0}
    at_half = {"config": config, "tick_s": 30, "duration_s": 1500,
               "events": [{"t": 0, "mode": "heat", "heat_setpoint_f": 70, "indoor_f": 69.0, "outdoor_f": 30.0}]}
    assert audit(at_half) == []
    assert not any(json.loads(text)["W2"] for text in sc.run(sc.parse(at_half)))
    beyond = {**at_half, "events": [{**at_half["events"][0], "indoor_f": 68.9}]}
    assert audit(beyond) == []
    assert any(json.loads(text)["W2"] for text in sc.run(sc.parse(beyond)))


# -- scheduled scenarios: safety ------------------------------------------------

DAYS = ("daily", "weekdays", "weekends", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def random_scheduled_scenario(rng):
    """A messy day (as above) under a random weekly schedule, smart recovery
    on or off, starting at a random time of a random weekday.

    Every setpoint it names, commanded or scheduled, is either out of range
    or keeps heat <= 70 < 74 <= cool, more than auto_deadband_f apart: so
    whether the device takes a command never depends on which setpoints the
    schedule has set, and the monitor, which cannot follow the schedule,
    still knows the mode."""
    scenario = random_scenario(rng)
    stretch = rng.choice((4, 12))  # the day's events spread over hours, so that entries take effect
    colder = rng.choice((0.0, -4.0, -8.0))  # a colder house: longer recoveries, some with strips
    for event in scenario["events"]:
        event["t"] *= stretch
        if event.get("indoor_f") is not None:
            event["indoor_f"] = round(event["indoor_f"] + colder, 2)
        if "heat_setpoint_f" in event:
            event["heat_setpoint_f"] = rng.choice((35.0, 58.0, 64.5, 68.0, 70.0, 95.0))
        if "cool_setpoint_f" in event:
            event["cool_setpoint_f"] = rng.choice((45.0, 74.0, 77.5, 82.0, 100.0))
    entries = []
    for _ in range(rng.randint(1, 2)):  # a night setback and a morning rise: smart recovery's case
        days, night, morning = rng.choice(("daily", "daily", "weekdays", "weekends")), rng.randrange(18, 24), rng.randrange(4, 10)
        entries.append({"days": days, "at": "%02d:00" % night, "heat_setpoint_f": rng.choice((55.0, 58.0, 62.0))})
        entries.append({"days": days, "at": "%02d:30" % morning, "heat_setpoint_f": rng.choice((66.0, 68.0, 70.0))})
    for _ in range(rng.randint(0, 3)):
        entry = {"days": rng.choice(DAYS), "at": "%02d:%02d" % (rng.randrange(24), rng.choice((0, 15, 30, 45)))}
        if rng.random() < 0.8:
            entry["heat_setpoint_f"] = rng.choice((55.0, 60.0, 62.0, 66.0, 68.0, 70.0))
        if rng.random() < 0.4 or "heat_setpoint_f" not in entry:
            entry["cool_setpoint_f"] = rng.choice((74.0, 78.0, 82.0))
        entries.append(entry)
    scenario["duration_s"] = scenario["events"][-1]["t"] + 86400
    scenario["config"].update(schedule=entries, smart_recovery=rng.random() < 0.8)
    scenario["start"] = "2026-01-%02dT%02d:%02d:00" % (rng.randint(5, 11), rng.choice((0, 2, 17, 21)), rng.randrange(60))
    return scenario


def schedule_changes(scenario):
    """How many schedule entries take effect between the start and the end."""
    start = datetime.datetime.fromisoformat(scenario["start"])
    end = start + datetime.timedelta(seconds=scenario["duration_s"])
    weekdays = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}
    count = 0
    for entry in scenario["config"]["schedule"]:
        days = weekdays.get(entry["days"]) or (DAYS.index(entry["days"]) - 3,)
        hour, minute = int(entry["at"][:2]), int(entry["at"][3:])
        day = start.replace(hour=hour, minute=minute, second=0)
        while day <= end:
            count += start < day <= end and day.weekday() in days
            day += datetime.timedelta(days=1)
    return count


def test_the_safety_audit_of_a_schedule_flags_strips_above_aux_max_outdoor():
    """A recovery may start early, and may bring strips, but never above
    aux_max_outdoor_f (rule 9): the audit sees a breach in a scheduled run."""
    scenario = {"config": {"schedule": [{"days": "daily", "at": "06:00", "heat_setpoint_f": 70}]},
                "tick_s": 60, "duration_s": 7200, "start": "2026-01-05T05:00:00",
                "events": [{"t": 0, "mode": "heat", "heat_setpoint_f": 62, "indoor_f": 60.0, "outdoor_f": 50.0}]}
    lines = [json.loads(text) for text in sc.run(sc.parse(scenario))]
    assert check_replay_lines(scenario, lines, liveness=False) == []
    assert any(line["Y1"] for line in lines)
    strips = [dict(line, W2=line["Y1"]) for line in lines]
    assert {v.rule for v in check_replay_lines(scenario, strips, liveness=False)} == {"R9"}


@pytest.mark.parametrize("path", SCHEDULED, ids=[path.stem for path in SCHEDULED])
def test_bundled_scheduled_scenario_keeps_every_interlock(path):
    assert audit(json.loads(path.read_text()), liveness=False) == []


@pytest.mark.parametrize("ground", ("fixed", "rotating"))
def test_random_scheduled_scenarios_keep_every_interlock(ground, rotating_seed):
    seed = FIXED_SEED if ground == "fixed" else rotating_seed
    rng = random.Random(seed)
    changes = 0
    for number in range(SCHEDULED_PER_SEED):
        scenario = random_scheduled_scenario(rng)
        changes += schedule_changes(scenario)
        violations = audit(scenario, liveness=False)
        if violations:
            path = write_failing_scenario("replay-audit-scheduled-seed-%d-%d" % (seed, number), scenario)
            pytest.fail("random scheduled scenario %d: %s\n%s\nreplay it: python tools/replay.py --explain %s" % (
                number, violations[:3], seed_note(seed), path))
    assert changes >= SCHEDULED_PER_SEED  # the schedules did rewrite setpoints during the runs
